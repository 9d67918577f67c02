//! Wire types of the LiveChat Customer Chat RTM API, versions 3.0 and 3.2 to 3.6.
//!
//! Shared by the widget and the server so the two cannot drift. This crate does no IO:
//! it turns JSON text into typed frames and back, nothing more.
//!
//! Decoding is tolerant by design: unknown fields are ignored, unknown actions and push
//! names decode to an `Other` variant that keeps the raw payload, and unknown event types
//! decode to [`EventBody::Unknown`]. Only a frame that is not a JSON object with an
//! `action` string, or a known action with a payload of the wrong shape, is an error.

#![warn(missing_docs)]

mod account;
mod agent;
mod data;
mod desk;
mod envelope;
mod error;
mod form;
mod push;
mod report;
mod settings;
mod request;
mod response;
pub mod time;
mod token;
pub mod v30;
mod version;

pub use account::*;
pub use agent::*;
pub use data::*;
pub use desk::*;
pub use envelope::*;
pub use error::*;
pub use form::*;
pub use push::*;
pub use report::*;
pub use settings::*;
pub use request::*;
pub use response::*;
pub use token::*;
pub use version::*;

#[cfg(test)]
mod tests;

/// One API's actions as an enum: a request, a response or a push, by wire action name.
/// Frames ([`RequestFrame`], [`ResponseFrame`]) are generic over it, so each API (customer,
/// agent) decodes into its own enum and a server cannot answer one API with another's
/// shapes.
pub trait Action: Sized {
    /// The wire action name.
    fn action(&self) -> &str;
    /// Builds a value from a wire action name and its payload: unknown actions become the
    /// enum's `Other`, a known action with a malformed payload is an error.
    fn from_parts(action: &str, payload: serde_json::Value) -> Result<Self, serde_json::Error>;
    /// The payload as JSON.
    fn payload(&self) -> serde_json::Value;
}

/// Defines an enum of actions whose variants map 1:1 to wire action names, each with an
/// optional typed payload, plus an `Other` catch-all that keeps unknown actions verbatim.
macro_rules! action_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident $( ($ty:ty) )? = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub enum $name {
            $( $(#[$vmeta])* $variant $( ($ty) )?, )*
            /// An action this crate has no type for, kept verbatim so it can be answered
            /// (or forwarded) without loss.
            Other {
                /// The wire action name.
                action: String,
                /// The raw payload (`{}` when the frame had none).
                payload: serde_json::Value,
            },
        }

        impl $name {
            /// Every wire action name this enum has a variant for.
            pub const ACTIONS: &'static [&'static str] = &[$( $wire ),*];

            /// The wire action name of this value.
            pub fn action(&self) -> &str {
                match self {
                    $( action_enum!(@pat $name $variant $($ty)?) => $wire, )*
                    Self::Other { action, .. } => action,
                }
            }

            /// Builds a value from a wire action name and its payload. Unknown actions become
            /// `Other`; a known action with a malformed payload is an error.
            pub fn from_parts(action: &str, payload: serde_json::Value) -> Result<Self, serde_json::Error> {
                // A missing or null payload means "no fields", which every payload type accepts
                // when all of its fields are optional.
                let payload = if payload.is_null() { serde_json::Value::Object(Default::default()) } else { payload };
                match action {
                    $( $wire => action_enum!(@decode $name $variant payload $($ty)?), )*
                    _ => Ok(Self::Other { action: action.to_owned(), payload }),
                }
            }

            /// The payload as JSON (`{}` for payload-less actions).
            pub fn payload(&self) -> serde_json::Value {
                match self {
                    $( action_enum!(@bind $name $variant inner $($ty)?) => action_enum!(@encode inner $($ty)?), )*
                    Self::Other { payload, .. } => payload.clone(),
                }
            }
        }

        impl $crate::Action for $name {
            fn action(&self) -> &str {
                $name::action(self)
            }

            fn from_parts(action: &str, payload: serde_json::Value) -> Result<Self, serde_json::Error> {
                $name::from_parts(action, payload)
            }

            fn payload(&self) -> serde_json::Value {
                $name::payload(self)
            }
        }
    };
    (@pat $name:ident $variant:ident $ty:ty) => { $name::$variant(_) };
    (@pat $name:ident $variant:ident) => { $name::$variant };
    (@bind $name:ident $variant:ident $inner:ident $ty:ty) => { $name::$variant($inner) };
    (@bind $name:ident $variant:ident $inner:ident) => { $name::$variant };
    (@decode $name:ident $variant:ident $payload:ident $ty:ty) => {
        serde_json::from_value::<$ty>($payload).map($name::$variant)
    };
    (@decode $name:ident $variant:ident $payload:ident) => {{
        let _ = $payload;
        Ok($name::$variant)
    }};
    (@encode $inner:ident $ty:ty) => {
        serde_json::to_value($inner).expect("wire types always serialise to JSON")
    };
    (@encode $inner:ident) => {
        serde_json::Value::Object(Default::default())
    };
}
pub(crate) use action_enum;

/// Defines a string enum with known wire names and an `Other` catch-all.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this crate does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(other) => other,
                }
            }

            /// Parses the wire spelling; unknown values become `Other`.
            pub fn parse(wire: &str) -> Self {
                match wire {
                    $( $wire => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let wire = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::parse(&wire))
            }
        }
    };
}
pub(crate) use string_enum;
