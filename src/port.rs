//! The messages of the port between the host page's loader (`public/api.js`) and the
//! widget, typed. The loader greets the frame and hands it a `MessagePort`; after that every
//! message is a plain object with a `type`.
//!
//! API BOUNDARY: `public/api.js` sends [`PortIn`] and reads [`PortOut`]; a native test reads
//! that file and fails when either side names a type the other does not know.
//!
//! Pure (serde only), so the shapes are tested natively; `host` does the posting.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the loader sends the widget.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PortIn {
    /// Open the chat window.
    Open,
    /// Minimise it.
    Close,
    /// The widget is being removed: close the connection.
    Shutdown,
    /// A host command (`livechat.call`, `embed.page`...), answered with [`PortOut::Result`].
    Call {
        /// Echoed in the result.
        #[serde(default)]
        id: Value,
        /// The command.
        name: String,
        /// Its arguments.
        #[serde(default)]
        args: Vec<Value>,
    },
    /// The site's `identity_provider` answered a [`PortOut::TokenRequest`].
    Token {
        /// The request's id.
        id: u64,
        /// Whether the function returned a token.
        #[serde(default)]
        ok: bool,
        /// `{access_token}` when `ok`, else why not.
        #[serde(default)]
        value: Value,
    },
    /// Single-page-app navigation: the visitor moved to another page of the site.
    PageView {
        /// The page's address.
        url: String,
        /// Its title.
        #[serde(default)]
        title: Option<String>,
    },
}

impl PortIn {
    /// Reads a message; `None` for unknown types or broken shapes (another script's
    /// message on the same port, an older loader).
    pub fn read(message: &Value) -> Option<PortIn> {
        serde_json::from_value(message.clone()).ok()
    }

    /// The token a [`PortIn::Token`] carries, or why the site gave none.
    pub fn token_answer(ok: bool, value: &Value) -> Result<String, String> {
        match (ok, value.get("access_token").and_then(Value::as_str)) {
            (true, Some(token)) => Ok(token.to_owned()),
            _ => Err(value.as_str().unwrap_or("refused").to_owned()),
        }
    }
}

/// What the widget tells the loader.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PortOut {
    /// Started; the first snapshot.
    Ready {
        /// The snapshot (see `host`).
        state: Value,
    },
    /// The snapshot changed.
    State {
        /// The snapshot.
        value: Value,
    },
    /// The visitor opened or minimised the window inside the widget.
    Open {
        /// Open now.
        value: bool,
    },
    /// A chat event for the site's callbacks (`chatstart`, `chatrating`, `trigger`...).
    Event {
        /// The callback's event name.
        name: String,
        /// Its data.
        data: Value,
    },
    /// The options were refused.
    Error {
        /// Why.
        message: String,
    },
    /// The answer to a [`PortIn::Call`].
    Result {
        /// The call's id.
        id: Value,
        /// Whether it worked.
        ok: bool,
        /// What it returned, when it worked.
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<Value>,
        /// Why not, when it did not.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// The window's size: `max` (expanded) or `res` (normal).
    Size {
        /// `max` or `res`.
        value: &'static str,
    },
    /// Ask the site's `identity_provider` for a token; answered by [`PortIn::Token`].
    TokenRequest {
        /// Names the answer.
        id: u64,
    },
    /// Keep this in the site's own storage (the visitor's identity; see `persist`), and
    /// hand it back with the port next time.
    Store {
        /// The storage key (always under `livechat.identity.`).
        key: String,
        /// The value.
        value: String,
    },
}

impl PortOut {
    /// The message as JSON, ready to post.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The answer to a call.
    pub fn result(id: Value, outcome: Result<Value, String>) -> PortOut {
        match outcome {
            Ok(value) => PortOut::Result { id, ok: true, value: Some(value), error: None },
            Err(error) => PortOut::Result { id, ok: false, value: None, error: Some(error) },
        }
    }
}

/// Every `type` the loader sends and reads, for the cross-check with `public/api.js`.
pub const IN_TYPES: [&str; 6] = ["open", "close", "shutdown", "call", "token", "page_view"];
/// Every `type` the widget sends.
pub const OUT_TYPES: [&str; 9] = ["ready", "state", "open", "event", "error", "result", "size", "token_request", "store"];

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn messages_in_are_read_by_type_and_anything_else_is_ignored() {
        assert_eq!(PortIn::read(&json!({ "type": "open" })), Some(PortIn::Open));
        let call = PortIn::read(&json!({ "type": "call", "id": 3, "name": "maximize", "args": [{ "messageDraft": "hi" }] }));
        assert_eq!(call, Some(PortIn::Call { id: json!(3), name: "maximize".to_owned(), args: vec![json!({ "messageDraft": "hi" })] }));
        let page = PortIn::read(&json!({ "type": "page_view", "url": "https://shop.example/a" }));
        assert_eq!(page, Some(PortIn::PageView { url: "https://shop.example/a".to_owned(), title: None }));
        assert_eq!(PortIn::read(&json!({ "type": "launch_missiles" })), None);
        assert_eq!(PortIn::read(&json!({ "type": "page_view" })), None, "a page view needs its url");
        assert_eq!(PortIn::read(&json!("open")), None);
        assert_eq!(PortIn::token_answer(true, &json!({ "access_token": "t" })), Ok("t".to_owned()));
        assert_eq!(PortIn::token_answer(false, &json!("signed out")), Err("signed out".to_owned()));
        assert_eq!(PortIn::token_answer(true, &json!({})), Err("refused".to_owned()));
    }

    #[test]
    fn messages_out_have_the_shapes_the_loader_reads() {
        assert_eq!(PortOut::Open { value: true }.to_json(), json!({ "type": "open", "value": true }));
        assert_eq!(PortOut::result(json!(1), Ok(json!(null))).to_json(), json!({ "type": "result", "id": 1, "ok": true, "value": null }));
        assert_eq!(PortOut::result(json!(1), Err("no".to_owned())).to_json(), json!({ "type": "result", "id": 1, "ok": false, "error": "no" }));
        assert_eq!(PortOut::TokenRequest { id: 4 }.to_json(), json!({ "type": "token_request", "id": 4 }));
        assert_eq!(PortOut::Size { value: "max" }.to_json(), json!({ "type": "size", "value": "max" }));
    }

    /// The loader's side of the boundary: every `type` it posts is one the widget reads,
    /// and every `type` it handles is one the widget sends (and the other way round).
    #[test]
    fn the_loader_and_the_widget_name_the_same_messages() {
        let api = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/public/api.js")).unwrap();
        // Types the loader sends: the strings in each `{ type: ... }` literal (one may choose
        // between two, `type: value ? "open" : "close"`).
        let mut sent = std::collections::BTreeSet::new();
        for (at, _) in api.match_indices("{ type: ") {
            let literal = &api[at..at + api[at..].find('}').unwrap_or(0)];
            sent.extend(literal.split('"').skip(1).step_by(2).take_while(|text| !text.contains(' ')).map(str::to_owned));
        }
        // Types it handles: every `type == "..."` comparison.
        let handled: std::collections::BTreeSet<String> = api
            .match_indices("type == \"")
            .filter_map(|(at, pattern)| {
                let rest = &api[at + pattern.len()..];
                Some(rest[..rest.find('"')?].to_owned())
            })
            .collect();
        let in_types: std::collections::BTreeSet<String> = IN_TYPES.iter().map(|t| t.to_string()).collect();
        let out_types: std::collections::BTreeSet<String> = OUT_TYPES.iter().map(|t| t.to_string()).collect();
        assert!(!sent.is_empty() && !handled.is_empty(), "the loader's patterns were not found: {sent:?} {handled:?}");
        assert!(sent.is_subset(&in_types), "the loader sends types the widget does not read: {:?}", sent.difference(&in_types).collect::<Vec<_>>());
        assert_eq!(handled, out_types, "the loader and the widget disagree on what the widget sends");
        for kind in IN_TYPES {
            assert!(PortIn::read(&serde_json::json!({ "type": kind, "name": "x", "id": 1, "url": "u" })).is_some(), "{kind}");
        }
    }
}
