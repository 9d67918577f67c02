//! What the widget keeps in the iframe's storage so a reload loses nothing: the outbox
//! (messages typed but not yet confirmed by the server), the composer draft, and the
//! customer-side storage the server asks clients to keep and send back at login; also
//! the visitor's small choices (privacy consent, sound muted). Every read and write of
//! `localStorage` goes through `read` and `write` here.
//!
//! The encoding is pure and tested natively; reading and writing `localStorage` happens in
//! the browser-only functions at the bottom.

use serde::Deserialize;

use crate::store::{ChatState, Item, Opening, Outgoing};

/// The outbox of a state as it is kept across reloads: everything not yet refused.
pub fn outbox_of(chat_state: &ChatState) -> Vec<Outgoing> {
    chat_state.outbox().cloned().collect()
}

/// Encodes an outbox for storage.
pub fn encode(outbox: &[Outgoing]) -> String {
    serde_json::to_string(outbox).unwrap_or_else(|_| "[]".to_owned())
}

/// A message kept by an earlier version, which kept only text.
#[derive(Deserialize)]
struct KeptText {
    custom_id: String,
    text: String,
}

/// Decodes a stored outbox (or an earlier version's list of texts); anything unreadable
/// counts as empty.
pub fn decode(stored: &str) -> Vec<Outgoing> {
    if let Ok(outbox) = serde_json::from_str::<Vec<Outgoing>>(stored) {
        return outbox;
    }
    let texts: Vec<KeptText> = serde_json::from_str(stored).unwrap_or_default();
    texts
        .into_iter()
        .map(|kept| Outgoing {
            item: Item::Event { event: protocol::Event::message(kept.custom_id.clone(), kept.text), opening: Opening::default() },
            custom_id: kept.custom_id,
            failed: None,
        })
        .collect()
}

/// Puts a restored outbox back into a fresh state, in order.
pub fn restore(chat_state: &mut ChatState, outbox: Vec<Outgoing>) {
    chat_state.restore_outbox(outbox);
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

/// Outside a browser (native tests) there is no storage: nothing is read back.
#[cfg(not(target_arch = "wasm32"))]
pub fn read(_key: &str) -> Option<String> {
    None
}

/// Outside a browser (native tests) there is no storage: writes are dropped.
#[cfg(not(target_arch = "wasm32"))]
pub fn write(_key: &str, _value: &str) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outbox_survives_a_reload_in_order_and_without_duplicates() {
        let mut before = ChatState::default();
        before.queue_message("a".into(), "first".into());
        before.queue_message("b".into(), "second".into());
        before.refused("b", "too long".into());
        before.queue_message("c".into(), "third".into());
        let stored = encode(&outbox_of(&before));

        let mut after = ChatState::default();
        restore(&mut after, decode(&stored));
        restore(&mut after, decode(&stored));
        let texts: Vec<&str> = after.messages.iter().map(|message| message.text.as_str()).collect();
        assert_eq!(texts, ["first", "third"], "failed messages are not retried by themselves");
        assert_eq!(after.outbox().count(), 2);
        assert!(decode("not json").is_empty());
        // What an earlier version kept (texts only) still goes out.
        let older = decode(r#"[{"custom_id":"x","text":"from before"}]"#);
        let mut restored = ChatState::default();
        restore(&mut restored, older);
        assert_eq!(restored.outbox().map(|outgoing| outgoing.custom_id.as_str()).collect::<Vec<_>>(), ["x"]);
        assert_eq!(restored.messages[0].text, "from before");
    }

    #[test]
    fn every_kind_of_item_is_kept() {
        let mut before = ChatState::default();
        let file = protocol::Event::new(protocol::EventBody::File {
            url: "https://chat.example/uploads/1/a.png".into(),
            name: Some("a.png".into()),
            content_type: None,
            size: None,
            width: None,
            height: None,
            thumbnail_url: None,
            thumbnail2x_url: None,
        });
        before.queue("f".into(), Item::Event { event: file, opening: Opening::default() });
        let form = protocol::Event::new(protocol::EventBody::FilledForm { form_id: "post".into(), fields: vec![] });
        before.queue("p".into(), Item::AfterChat { event: form });
        let press = Item::Postback {
            chat_id: "C".into(),
            thread_id: "T".into(),
            event_id: "E".into(),
            postback_id: "yes".into(),
            toggled: true,
        };
        before.queue("b".into(), press.clone());
        let mut rating = protocol::Object::new();
        rating.insert("rating".into(), serde_json::json!({ "score": 1 }));
        before.queue("r".into(), Item::ThreadProperties { chat_id: "C".into(), thread_id: "T".into(), properties: rating, delete: false });
        let kept = decode(&encode(&outbox_of(&before)));
        assert_eq!(kept, outbox_of(&before));
        assert_eq!(kept[2].item, press);
        let mut after = ChatState::default();
        restore(&mut after, kept);
        assert_eq!(after.outbox().count(), 4);
        assert_eq!(after.messages.len(), 2, "the file and the form show as rows; the press and the rating do not");
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
