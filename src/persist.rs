//! What the widget keeps in the iframe's storage so a reload loses nothing: the outbox
//! (messages typed but not yet confirmed by the server), the composer draft, and the
//! customer-side storage the server asks clients to keep and send back at login.
//!
//! The encoding is pure and tested natively; reading and writing `localStorage` happens in
//! the browser-only functions at the bottom.

use serde::{Deserialize, Serialize};

use crate::store::{ChatState, Delivery};

/// One unsent message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsent {
    /// Its `custom_id`, kept so a resend after reload is recognised by the server.
    pub custom_id: String,
    /// The text.
    pub text: String,
}

/// The outbox of a state, oldest first.
pub fn outbox_of(chat_state: &ChatState) -> Vec<Unsent> {
    chat_state
        .messages
        .iter()
        .filter(|message| message.delivery == Delivery::Sending)
        .filter_map(|message| message.custom_id.clone().map(|custom_id| Unsent { custom_id, text: message.text.clone() }))
        .collect()
}

/// Encodes an outbox for storage.
pub fn encode(outbox: &[Unsent]) -> String {
    serde_json::to_string(outbox).unwrap_or_else(|_| "[]".to_owned())
}

/// Decodes a stored outbox; anything unreadable counts as empty.
pub fn decode(stored: &str) -> Vec<Unsent> {
    serde_json::from_str(stored).unwrap_or_default()
}

/// Puts a restored outbox back into a fresh state, in order.
pub fn restore(chat_state: &mut ChatState, outbox: Vec<Unsent>) {
    for unsent in outbox {
        if !chat_state.messages.iter().any(|message| message.custom_id.as_deref() == Some(unsent.custom_id.as_str())) {
            chat_state.queue_message(unsent.custom_id, unsent.text);
        }
    }
}

/// Encodes the customer-side storage the server asked the client to keep.
pub fn encode_side_storage(storage: &protocol::Object) -> String {
    if storage.is_empty() { String::new() } else { serde_json::Value::Object(storage.clone()).to_string() }
}

/// Decodes stored customer-side storage; anything unreadable counts as empty.
pub fn decode_side_storage(stored: &str) -> protocol::Object {
    match serde_json::from_str(stored) {
        Ok(serde_json::Value::Object(storage)) => storage,
        _ => protocol::Object::new(),
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window().and_then(|window| window.local_storage().ok().flatten())
    }

    /// Reads a key; None when storage is blocked or the key is unset.
    pub fn read(key: &str) -> Option<String> {
        storage().and_then(|storage| storage.get_item(key).ok().flatten())
    }

    /// Writes (or, for an empty value, removes) a key. Failures (quota, blocked storage)
    /// leave the widget working with in-memory state only.
    pub fn write(key: &str, value: &str) {
        if let Some(storage) = storage() {
            let _ = if value.is_empty() || value == "[]" { storage.remove_item(key) } else { storage.set_item(key, value) };
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::{read, write};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outbox_survives_a_reload_in_order_and_without_duplicates() {
        let mut before = ChatState::default();
        before.queue_message("a".into(), "first".into());
        before.queue_message("b".into(), "second".into());
        before.message_failed("b", "too long".into());
        before.queue_message("c".into(), "third".into());
        let stored = encode(&outbox_of(&before));

        let mut after = ChatState::default();
        restore(&mut after, decode(&stored));
        restore(&mut after, decode(&stored));
        let texts: Vec<&str> = after.messages.iter().map(|message| message.text.as_str()).collect();
        assert_eq!(texts, ["first", "third"], "failed messages are not retried by themselves");
        assert_eq!(after.outbox().count(), 2);
        assert!(decode("not json").is_empty());
    }

    #[test]
    fn the_server_side_storage_round_trips_and_junk_is_ignored() {
        let mut storage = protocol::Object::new();
        storage.insert("visit".into(), serde_json::json!({ "n": 3 }));
        assert_eq!(decode_side_storage(&encode_side_storage(&storage)), storage);
        assert_eq!(encode_side_storage(&protocol::Object::new()), "", "nothing stored when empty");
        assert!(decode_side_storage("[1]").is_empty());
        assert!(decode_side_storage("").is_empty());
    }
}
