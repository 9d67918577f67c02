//! Several tabs of one visitor behave as one widget: the window's open state, the unread
//! count and the new-message sound are shared over a `BroadcastChannel` named after the
//! account.
//!
//! Each tab keeps its own socket and store (each renders each message once, merged by id);
//! only what the visitor perceives as "the widget" is synchronised:
//! - opening or closing the window in one tab does the same in the others, and opening
//!   clears every tab's unread count (a newly loaded tab starts as its loader says and
//!   follows from then on);
//! - unread messages are shared as a set of event ids, so counts merge without double
//!   counting however the pushes interleave;
//! - exactly one tab plays the sound for a new message: the visible tab with the smallest
//!   id, or the smallest id of all when none is visible. Tabs announce themselves with a
//!   heartbeat and are forgotten when it stops.
//!
//! [`Tabs`] is the pure part, tested natively; the browser glue is at the bottom.

use serde_json::{json, Value};

use crate::store::ChatState;

/// A tab not heard from for this long is gone.
pub const PEER_TTL_MS: f64 = 6_000.0;
/// How often a tab announces itself.
pub const HEARTBEAT_MS: u32 = 2_000;

/// What tabs tell each other (JSON text over the channel, `{"t": kind, ...}`).
#[derive(Debug, Clone, PartialEq)]
pub enum TabMessage {
    /// A tab started; the others answer with their heartbeat and unread ids.
    Hello {
        /// The new tab.
        tab: String,
    },
    /// A tab is alive (and whether its page is visible).
    Beat {
        /// The tab.
        tab: String,
        /// Its page is visible.
        visible: bool,
    },
    /// A tab is closing.
    Bye {
        /// The tab.
        tab: String,
    },
    /// The window was opened or closed.
    Open {
        /// The new state.
        open: bool,
    },
    /// Unread agent messages (event ids).
    Unread {
        /// The ids.
        ids: Vec<String>,
    },
}

impl TabMessage {
    /// The JSON text sent over the channel. Written by hand: a derived, internally tagged
    /// encoding costs the widget several kilobytes of WebAssembly.
    pub fn encode(&self) -> String {
        let value = match self {
            TabMessage::Hello { tab } => json!({ "t": "hello", "tab": tab }),
            TabMessage::Beat { tab, visible } => json!({ "t": "beat", "tab": tab, "visible": visible }),
            TabMessage::Bye { tab } => json!({ "t": "bye", "tab": tab }),
            TabMessage::Open { open } => json!({ "t": "open", "open": open }),
            TabMessage::Unread { ids } => json!({ "t": "unread", "ids": ids }),
        };
        value.to_string()
    }

    /// Reads a message; None for anything else (another version, another sender).
    pub fn decode(text: &str) -> Option<TabMessage> {
        let value: Value = serde_json::from_str(text).ok()?;
        let tab = || value.get("tab").and_then(Value::as_str).map(str::to_owned);
        Some(match value.get("t")?.as_str()? {
            "hello" => TabMessage::Hello { tab: tab()? },
            "beat" => TabMessage::Beat { tab: tab()?, visible: value.get("visible")?.as_bool()? },
            "bye" => TabMessage::Bye { tab: tab()? },
            "open" => TabMessage::Open { open: value.get("open")?.as_bool()? },
            "unread" => TabMessage::Unread {
                ids: value.get("ids")?.as_array()?.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            },
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Peer {
    seen_at: f64,
    visible: bool,
}

/// This tab's view of the others.
#[derive(Debug, Clone)]
pub struct Tabs {
    me: String,
    /// The other tabs (a handful), by id.
    peers: Vec<(String, Peer)>,
}

impl Tabs {
    /// This tab, by a random id.
    pub fn new(me: impl Into<String>) -> Tabs {
        Tabs { me: me.into(), peers: Vec::new() }
    }

    /// This tab's id.
    pub fn id(&self) -> &str {
        &self.me
    }

    /// Applies a message from another tab; returns what to answer.
    pub fn receive(&mut self, message: TabMessage, now_ms: f64, state: &mut ChatState) -> Vec<TabMessage> {
        match message {
            TabMessage::Hello { tab } => {
                self.heard(tab, Peer { seen_at: now_ms, visible: false });
                // Not the open state: a page that just loaded starts as its loader says (a chat
                // popping open by itself on every new page, or closing under the visitor's
                // first click, would surprise); changes made from now on are shared.
                let mut answer = vec![TabMessage::Beat { tab: self.me.clone(), visible: !state.page_hidden }];
                if !state.unread_ids.is_empty() {
                    answer.push(TabMessage::Unread { ids: state.unread_ids.clone() });
                }
                return answer;
            }
            TabMessage::Beat { tab, visible } => {
                self.heard(tab, Peer { seen_at: now_ms, visible });
            }
            TabMessage::Bye { tab } => {
                self.peers.retain(|(known, _)| *known != tab);
            }
            TabMessage::Open { open } => {
                if state.open != open {
                    state.set_open(open);
                }
            }
            TabMessage::Unread { ids } => {
                if ids.iter().any(|id| !state.unread_ids.contains(id)) {
                    state.merge_unread(ids);
                }
            }
        }
        self.elect(now_ms, state);
        Vec::new()
    }

    fn heard(&mut self, tab: String, peer: Peer) {
        match self.peers.iter_mut().find(|(known, _)| *known == tab) {
            Some((_, known)) => *known = peer,
            None => self.peers.push((tab, peer)),
        }
    }

    /// Forgets silent tabs and decides again who plays the sound; returns this tab's
    /// heartbeat.
    pub fn beat(&mut self, now_ms: f64, state: &mut ChatState) -> TabMessage {
        self.elect(now_ms, state);
        TabMessage::Beat { tab: self.me.clone(), visible: !state.page_hidden }
    }

    /// Sets `state.quiet` unless this tab is the one that plays the sound.
    pub fn elect(&mut self, now_ms: f64, state: &mut ChatState) {
        self.peers.retain(|(_, peer)| now_ms - peer.seen_at <= PEER_TTL_MS);
        let me = (self.me.as_str(), !state.page_hidden);
        let tabs = std::iter::once(me).chain(self.peers.iter().map(|(tab, peer)| (tab.as_str(), peer.visible)));
        let (visible, hidden): (Vec<_>, Vec<_>) = tabs.partition(|(_, visible)| *visible);
        let candidates = if visible.is_empty() { hidden } else { visible };
        let player = candidates.into_iter().map(|(tab, _)| tab).min();
        let quiet = player != Some(self.me.as_str());
        if state.quiet != quiet {
            state.set_quiet(quiet);
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::spawn;

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::cell::RefCell;
    use std::rc::Rc;

    use gloo_timers::callback::Interval;
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{BroadcastChannel, MessageEvent};

    use super::{TabMessage, Tabs, HEARTBEAT_MS};
    use crate::config::WidgetConfig;
    use crate::store::ChatState;

    fn post(channel: &BroadcastChannel, message: &TabMessage) {
        let _ = channel.post_message(&JsValue::from_str(&message.encode()));
    }

    /// Joins this account's channel. Without `BroadcastChannel` the tab simply acts alone.
    pub fn spawn(state: RwSignal<ChatState>, config: &WidgetConfig) {
        let Ok(channel) = BroadcastChannel::new(&format!("{}.tabs", config.identity_key())) else { return };
        let me = format!("{:016x}", (js_sys::Math::random() * 2f64.powi(53)) as u64);
        let tabs = Rc::new(RefCell::new(Tabs::new(me.clone())));

        let receiver = tabs.clone();
        let replies = channel.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else { return };
            let Some(message) = TabMessage::decode(&text) else { return };
            let now = js_sys::Date::now();
            let answers = state
                .try_maybe_update(|chat_state| chat_state.tracked(|chat_state| receiver.borrow_mut().receive(message, now, chat_state)))
                .unwrap_or_default();
            for answer in &answers {
                post(&replies, answer);
            }
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();

        // Local changes go out; the first run only records the starting point, so a new tab
        // does not impose its (closed, nothing unread) state on the others.
        let open = Memo::new(move |_| state.with(|chat_state| chat_state.open));
        let sender = channel.clone();
        Effect::new(move |first: Option<()>| {
            let open = open.get();
            if first.is_some() {
                post(&sender, &TabMessage::Open { open });
            }
        });
        let unread = Memo::new(move |_| state.with(|chat_state| chat_state.unread_ids.clone()));
        let sender = channel.clone();
        Effect::new(move |first: Option<()>| {
            let ids = unread.get();
            if first.is_some() && !ids.is_empty() {
                post(&sender, &TabMessage::Unread { ids });
            }
        });

        post(&channel, &TabMessage::Hello { tab: me.clone() });
        let beating = channel.clone();
        let heart = tabs.clone();
        let interval = Interval::new(HEARTBEAT_MS, move || {
            let now = js_sys::Date::now();
            if let Some(beat) = state.try_maybe_update(|chat_state| chat_state.tracked(|chat_state| heart.borrow_mut().beat(now, chat_state))) {
                post(&beating, &beat);
            }
        });
        // Both live as long as the frame; a closing tab says goodbye so the sound moves on.
        interval.forget();
        let leaving = channel.clone();
        let on_leave = Closure::<dyn FnMut()>::new(move || post(&leaving, &TabMessage::Bye { tab: me.clone() }));
        if let Some(window) = web_sys::window() {
            let _ = window.add_event_listener_with_callback("pagehide", on_leave.as_ref().unchecked_ref());
        }
        on_leave.forget();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visible() -> ChatState {
        ChatState::default()
    }

    fn hidden() -> ChatState {
        let mut state = ChatState::default();
        state.fixture().page_hidden = true;
        state
    }

    #[test]
    fn messages_survive_the_channel_and_strangers_are_ignored() {
        let messages = [
            TabMessage::Hello { tab: "a".into() },
            TabMessage::Beat { tab: "a".into(), visible: true },
            TabMessage::Bye { tab: "a".into() },
            TabMessage::Open { open: false },
            TabMessage::Unread { ids: vec!["T_1".into(), "T_2".into()] },
        ];
        for message in messages {
            assert_eq!(TabMessage::decode(&message.encode()), Some(message));
        }
        assert_eq!(TabMessage::decode(r#"{"t":"open"}"#), None);
        assert_eq!(TabMessage::decode(r#"{"t":"reload"}"#), None);
        assert_eq!(TabMessage::decode("livechat"), None);
    }

    #[test]
    fn opening_in_one_tab_opens_the_others_and_clears_their_unread() {
        let mut tabs = Tabs::new("b");
        let mut state = hidden();
        state.merge_unread(["T_1".to_owned()]);
        assert_eq!(state.unread, 1);
        tabs.receive(TabMessage::Open { open: true }, 0.0, &mut state);
        assert!(state.open);
        assert_eq!((state.unread, state.unread_ids.len()), (0, 0));
        tabs.receive(TabMessage::Open { open: false }, 0.0, &mut state);
        assert!(!state.open);
    }

    #[test]
    fn unread_ids_merge_without_double_counting() {
        let mut tabs = Tabs::new("b");
        let mut state = hidden();
        state.merge_unread(["T_1".to_owned()]);
        tabs.receive(TabMessage::Unread { ids: vec!["T_1".into(), "T_2".into()] }, 0.0, &mut state);
        tabs.receive(TabMessage::Unread { ids: vec!["T_2".into()] }, 0.0, &mut state);
        assert_eq!(state.unread, 2);
        // An open window has nothing unread, whatever other tabs say.
        state.set_open(true);
        tabs.receive(TabMessage::Unread { ids: vec!["T_3".into()] }, 0.0, &mut state);
        assert_eq!(state.unread, 0);
    }

    #[test]
    fn a_new_tab_is_told_the_shared_state() {
        let mut tabs = Tabs::new("a");
        let mut state = visible();
        state.merge_unread(["T_1".to_owned()]);
        let answer = tabs.receive(TabMessage::Hello { tab: "z".into() }, 0.0, &mut state);
        assert_eq!(answer, [
            TabMessage::Beat { tab: "a".into(), visible: true },
            TabMessage::Unread { ids: vec!["T_1".into()] },
        ]);
        state.set_open(true);
        let answer = tabs.receive(TabMessage::Hello { tab: "y".into() }, 0.0, &mut state);
        assert!(!answer.iter().any(|message| matches!(message, TabMessage::Open { .. })), "a new page is not opened from afar");
    }

    #[test]
    fn exactly_one_tab_plays_the_sound_preferring_a_visible_one() {
        // Three tabs, all hidden: the smallest id plays.
        let mut a = (Tabs::new("a"), hidden());
        let mut b = (Tabs::new("b"), hidden());
        let mut c = (Tabs::new("c"), visible());
        c.1.set_page_hidden(true);
        for (tabs, state) in [&mut a, &mut b, &mut c] {
            for (peer, visible) in [("a", false), ("b", false), ("c", false)] {
                if peer != tabs.id() {
                    tabs.receive(TabMessage::Beat { tab: peer.into(), visible }, 0.0, state);
                }
            }
        }
        let players = |tabs: &[&ChatState]| tabs.iter().filter(|state| !state.quiet).count();
        assert_eq!(players(&[&a.1, &b.1, &c.1]), 1);
        assert!(!a.1.quiet);

        // Tab c comes to the front: it plays, the others fall quiet.
        c.1.set_page_hidden(false);
        c.0.elect(1.0, &mut c.1);
        for (tabs, state) in [&mut a, &mut b] {
            tabs.receive(TabMessage::Beat { tab: "c".into(), visible: true }, 1.0, state);
        }
        assert_eq!(players(&[&a.1, &b.1, &c.1]), 1);
        assert!(!c.1.quiet);

        // Tab c is closed: its heartbeat stops and the sound comes back to a.
        a.0.receive(TabMessage::Bye { tab: "c".into() }, 2.0, &mut a.1);
        assert!(!a.1.quiet);
        // b forgets c by silence instead, and a by... a still beats.
        b.0.receive(TabMessage::Beat { tab: "a".into(), visible: false }, 7_000.0, &mut b.1);
        b.0.elect(7_000.0, &mut b.1);
        assert!(b.1.quiet, "a is still there and has the smaller id");
    }

    #[test]
    fn a_quiet_tab_does_not_chime() {
        let mut state = ChatState::default();
        state.fixture().chat_id = Some("C1".into());
        state.fixture().customer_id = Some("me".into());
        let event = |id: &str| protocol::Event {
            id: Some(id.into()),
            custom_id: None,
            created_at: Some(format!("2026-01-01T10:00:0{}.000000Z", id.len())),
            author_id: Some("agent".into()),
            recipients: None,
            properties: None,
            body: protocol::EventBody::Message { text: "hi".into(), postback: None },
        };
        state.merge_event(&event("T_1"), true);
        assert_eq!(state.chime, 1);
        state.fixture().quiet = true;
        state.merge_event(&event("T_22"), true);
        assert_eq!(state.chime, 1);
        assert_eq!(state.unread, 2, "a quiet tab still counts unread messages");
    }
}
