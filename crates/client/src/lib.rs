//! What the widget and the agent app do alike when they talk to the chat server, as pure
//! code both build on: requests in flight and their timeouts ([`InFlight`]), the reconnect
//! backoff ([`retry_delay`]), and what a disconnection reason or a refused login means for
//! the connection ([`reaction`], [`refused`]), and one copy of each event however it
//! arrived ([`merge_event`]).
//!
//! Architecture invariant: no IO and no clock. Callers pass the time in milliseconds from
//! their own clock and do the sending themselves.

#![warn(missing_docs)]

mod events;
mod in_flight;
mod policy;

pub use events::{merge_event, same_event, Merged};
pub use in_flight::{InFlight, MAX_IN_FLIGHT, REQUEST_TIMEOUT_MS};
pub use policy::{reaction, refused, retry_delay, Reaction, Refused};
