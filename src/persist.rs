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

/// Keys the host page keeps for the widget in its own storage: the visitor's identity. The
/// frame is a third party on the site, and browsers partition or block a third party's
/// storage, so the frame alone could forget the visitor between two pages of one shop.
pub const HOST_KEPT_PREFIX: &str = "livechat.identity.";

/// Whether the host page keeps `key` with `value`: an identity key and an identity's shape
/// (`<customer id>:<secret>`), so nothing else stored under the same prefix (the outbox,
/// the consent, the customer-side storage) ever leaves the frame.
pub fn kept_by_host(key: &str, value: &str) -> bool {
    let word = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    let identity_shaped = value.split_once(':').is_some_and(|(customer, secret)| word(customer) && word(secret));
    key.starts_with(HOST_KEPT_PREFIX) && key.len() <= 200 && value.len() <= 512 && identity_shaped
}

/// The values the loader handed over with the port (`{key: value}`), keeping only the keys
/// the host page may keep, as strings.
pub fn host_copies(handed: &serde_json::Value) -> Vec<(String, String)> {
    let Some(handed) = handed.as_object() else { return Vec::new() };
    handed
        .iter()
        .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
        .filter(|(key, value)| kept_by_host(key, value))
        .take(16)
        .collect()
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::kept_by_host;

    /// The host page's copies, and how to send it a new value.
    #[derive(Default)]
    struct HostCopies {
        values: HashMap<String, String>,
        mirror: Option<Box<dyn Fn(&str, &str)>>,
    }

    thread_local! {
        static HOST: RefCell<HostCopies> = RefCell::new(HostCopies::default());
    }

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window().and_then(|window| window.local_storage().ok().flatten())
    }

    /// Takes the values the loader handed over with the port.
    pub fn adopt_host_copies(values: Vec<(String, String)>) {
        HOST.with(|host| host.borrow_mut().values.extend(values));
    }

    /// Sends each new value of a host-kept key to the host page (over the port).
    pub fn mirror_to_host(mirror: impl Fn(&str, &str) + 'static) {
        HOST.with(|host| host.borrow_mut().mirror = Some(Box::new(mirror)));
    }

    fn mirror(key: &str, value: &str) {
        HOST.with(|host| {
            let mut host = host.borrow_mut();
            host.values.insert(key.to_owned(), value.to_owned());
            if let Some(mirror) = &host.mirror {
                mirror(key, value);
            }
        });
    }

    /// Reads a key; None when storage is blocked or the key is unset. A key the host page
    /// keeps is read from its copy first, then from the frame's own storage (which is then
    /// copied to the host page, for visitors from before it kept one).
    pub fn read(key: &str) -> Option<String> {
        let from_host = HOST.with(|host| host.borrow().values.get(key).cloned());
        if from_host.is_some() {
            return from_host;
        }
        let own = storage().and_then(|storage| storage.get_item(key).ok().flatten());
        if let Some(own) = own.as_deref().filter(|own| kept_by_host(key, own)) {
            mirror(key, own);
        }
        own
    }

    /// Writes (or, for an empty value, removes) a key. Failures (quota, blocked storage)
    /// leave the widget working with in-memory state only. A key the host page keeps goes
    /// to its copy too.
    pub fn write(key: &str, value: &str) {
        if let Some(storage) = storage() {
            let _ = if value.is_empty() || value == "[]" { storage.remove_item(key) } else { storage.set_item(key, value) };
        }
        if !value.is_empty() && kept_by_host(key, value) {
            mirror(key, value);
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::{adopt_host_copies, mirror_to_host, read, write};

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

#[cfg(test)]
mod host_tests {
    use serde_json::json;

    use super::{host_copies, kept_by_host};

    #[test]
    fn the_host_page_keeps_only_the_visitors_identity() {
        assert!(kept_by_host("livechat.identity.1", "c1:secret"));
        assert!(kept_by_host("livechat.identity.1@shop.example", "6f1c-4a:9ab3"));
        assert!(!kept_by_host("livechat.identity.1.outbox", r#"[{"custom_id":"a:b"}]"#), "the outbox stays in the frame");
        assert!(!kept_by_host("livechat.identity.1.consent", "1"));
        assert!(!kept_by_host("livechat.identity.1", &format!("c1:{}", "x".repeat(600))), "too long a value");
        assert!(!kept_by_host("livechat.muted", "a:b"));
        let handed = json!({ "livechat.identity.1": "c1:s", "livechat.muted": "1", "livechat.identity.2": 5, "other": "x" });
        assert_eq!(host_copies(&handed), [("livechat.identity.1".to_owned(), "c1:s".to_owned())]);
        assert!(host_copies(&json!("not an object")).is_empty());
    }
}
