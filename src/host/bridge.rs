//! The port to the loader: commands in, the chat's state and events out.

use leptos::prelude::*;
use serde_json::{json, Value};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, MessagePort};

use super::commands::{run_command, Targets};
pub use super::identity::Identity;
use super::profile::{flush_profile, Profile};
use crate::chat::ChatHandle;
use crate::port::{PortIn, PortOut};
use crate::rating::Rating;
use crate::store::{Author, ChatState};

/// Posts `message` as an object of this frame's realm: a plain object (structured clone),
/// never JSON text, and built with this frame's own `JSON`, which the host page cannot
/// have replaced.
pub(super) fn post(port: &MessagePort, message: &PortOut) {
    if let Ok(object) = js_sys::JSON::parse(&message.to_json().to_string()) {
        let _ = port.post_message(&object);
    }
}

/// Reads a structured-clone message as JSON, with this frame's own `JSON`.
pub(super) fn read(data: &wasm_bindgen::JsValue) -> Option<Value> {
    let text = js_sys::JSON::stringify(data).ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}

/// What the host page can read about the chat (`livechat.get`, callbacks).
#[derive(Clone, PartialEq)]
struct Snapshot {
    connection: &'static str,
    online: bool,
    customer_id: Option<String>,
    chat_id: Option<String>,
    chat_active: bool,
    unread: u32,
    open: bool,
}

impl Snapshot {
    fn of(chat_state: &ChatState) -> Snapshot {
        Snapshot {
            connection: chat_state.connection.as_str(),
            online: chat_state.agents_online,
            customer_id: chat_state.customer_id.clone(),
            chat_id: chat_state.chat_id.clone(),
            chat_active: chat_state.chat_active,
            unread: chat_state.unread,
            open: chat_state.open,
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "connection": self.connection,
            // Availability is known only once logged in.
            "online": if self.customer_id.is_some() { json!(self.online) } else { Value::Null },
            "customer_id": self.customer_id,
            "chat_id": self.chat_id,
            "chat_active": self.chat_active,
            "unread": self.unread,
            "open": self.open,
        })
    }
}

/// Who started the chat: the first non-system message of the transcript says.
fn initiator(chat_state: &ChatState) -> &'static str {
    match chat_state.messages.iter().find(|message| message.author != Author::System).map(|message| &message.author) {
        Some(Author::Agent(_)) => "operator",
        _ => "client",
    }
}

/// Connects the port to the chat: loader commands in, state and chat events out.
pub(super) fn bridge(chat: ChatHandle, port: MessagePort, targets: Targets, profile: StoredValue<Profile>, identity: Identity) {
    let port_for_commands = port.clone();
    let answers = identity.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(message) = read(&event.data()).as_ref().and_then(PortIn::read) else { return };
        match message {
            PortIn::Open => chat.set_open(true),
            PortIn::Close => chat.set_open(false),
            PortIn::Shutdown => chat.shutdown(),
            PortIn::Call { id, name, args } => {
                let outcome = run_command(chat, &name, &args, targets, profile);
                post(&port_for_commands, &PortOut::result(id, outcome));
            }
            // The site's function answered a token request (`identity_provider`).
            PortIn::Token { id, ok, value } => answers.answer(id, PortIn::token_answer(ok, &value)),
            // Single-page-app navigation: the agents see the page the visitor moved to.
            PortIn::PageView { url, title } => {
                profile.update_value(|profile| profile.page = Some((url, title)));
                flush_profile(chat, profile);
            }
        }
    });
    port.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let port_for_tokens = port.clone();
    identity.install(move |id| post(&port_for_tokens, &PortOut::TokenRequest { id }));

    let open = Memo::new(move |_| chat.state.with(|chat_state| chat_state.open));
    let snapshot = Memo::new(move |_| chat.state.with(Snapshot::of));
    let port_for_open = port.clone();
    // Only changes made inside the widget: the loader owns the initial state, and echoing
    // it back before the loader's own `open` arrived would undo a click made while loading.
    Effect::new(move |previous: Option<bool>| {
        let now = open.get();
        if previous.is_some_and(|before| before != now) {
            post(&port_for_open, &PortOut::Open { value: now });
        }
        now
    });
    let port_for_state = port.clone();
    Effect::new(move |_| post(&port_for_state, &PortOut::State { value: snapshot.get().to_json() }));

    // Chat lifecycle: an active chat found by the first login of this page load is "opened"
    // (the visitor came back to it); one that becomes active later was "started".
    let port_for_events = port.clone();
    Effect::new(move |previous: Option<Snapshot>| {
        let now = snapshot.get();
        let before_login = previous.as_ref().is_none_or(|before| before.customer_id.is_none());
        if let (Some(_), Some(chat_id), true) = (&now.customer_id, &now.chat_id, now.chat_active) {
            let name = if before_login {
                Some("chatopened")
            } else {
                previous
                    .as_ref()
                    .filter(|before| !before.chat_active || before.chat_id.as_ref() != Some(chat_id))
                    .map(|_| "chatstart")
            };
            if let Some(name) = name {
                let initiator = chat.state.with_untracked(initiator);
                let data = json!({ "ticket": chat_id, "initiator": initiator });
                post(&port_for_events, &PortOut::Event { name: name.to_owned(), data });
            }
        }
        now
    });
    post(&port, &PortOut::Ready { state: snapshot.get_untracked().to_json() });
}

/// Sends the host page the events views queued, and those read off the chat state:
/// `chatrating` when the visitor rates (stars 1–5; thumbs count as 5 and 1) and
/// `trigger` when a greeting is shown.
pub(super) fn forward_host_events(chat: ChatHandle, port: MessagePort, queue: RwSignal<Vec<(String, Value)>>) {
    let port_for_queue = port.clone();
    Effect::new(move |_| {
        if queue.with(Vec::is_empty) {
            return;
        }
        for (name, data) in queue.try_update(std::mem::take).unwrap_or_default() {
            post(&port_for_queue, &PortOut::Event { name, data });
        }
    });

    let rating = Memo::new(move |_| {
        chat.state.with(|state| {
            let thread = state.thread_id.as_ref()?;
            let rating = Rating::read(state.thread_properties.get(thread)?)?;
            Some((state.chat_id.clone(), rating))
        })
    });
    let port_for_rating = port.clone();
    // The first run only records the rating found at load; later changes are the visitor's.
    Effect::new(move |previous: Option<Option<(Option<String>, Rating)>>| {
        let now = rating.get();
        if let (Some(before), Some((chat_id, value))) = (&previous, &now) {
            if before.as_ref().map(|(_, before)| before) != Some(value) {
                let data = rating_data(chat, chat_id, value);
                post(&port_for_rating, &PortOut::Event { name: "chatrating".to_owned(), data });
            }
        }
        now
    });

    let greeting = Memo::new(move |_| chat.state.with(|state| state.greeting.as_ref().map(|greeting| (greeting.unique_id.clone(), greeting.id, greeting.text.clone()))));
    Effect::new(move |previous: Option<Option<(String, u64, String)>>| {
        let now = greeting.get();
        if let Some((unique_id, id, text)) = &now {
            let fresh = previous.as_ref().is_some_and(|before| before.as_ref().is_none_or(|(before, _, _)| before != unique_id));
            if fresh {
                post(&port, &PortOut::Event { name: "trigger".to_owned(), data: json!({ "id": id, "title": text }) });
            }
        }
        now
    });
}

/// Tells the loader the window's size (`max` or `res`) when the visitor toggles it; a
/// closed window starts at its normal size again.
pub(super) fn forward_size(chat: ChatHandle, port: MessagePort, expanded: RwSignal<bool>) {
    let open = Memo::new(move |_| chat.state.with(|state| state.open));
    Effect::new(move |_| {
        if !open.get() {
            expanded.set(false);
        }
    });
    Effect::new(move |previous: Option<bool>| {
        let now = expanded.get();
        if previous.is_some_and(|before| before != now) {
            post(&port, &PortOut::Size { value: if now { "max" } else { "res" } });
        }
        now
    });
}

/// `onchatrating` data for a rating.
fn rating_data(chat: ChatHandle, chat_id: &Option<String>, rating: &Rating) -> Value {
    let stars = rating.stars_or_thumb();
    chat.state.with_untracked(|state| {
        let customer = state.customer.as_ref();
        let operator = state.users.iter().find(|(id, _)| Some(id.as_str()) != state.customer_id.as_deref()).map(|(id, _)| id.clone());
        json!({
            "ticket": chat_id,
            "name": customer.and_then(|customer| customer.name.clone()),
            "email": customer.and_then(|customer| customer.email.clone()),
            "phone": null,
            "rating": stars,
            "message": rating.comment,
            "operator_id": operator,
            "department_id": null,
        })
    })
}

