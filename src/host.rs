//! Start-up and the bridge to the host page's loader.
//!
//! Embedded, the app runs in an iframe the loader (`embed.js`) created. It greets its
//! parent with `{"livechat":"hello"}` sent only to the host origin named in its URL, and
//! accepts exactly one `MessagePort` back, from that origin and from its parent window.
//! After that, commands arrive on the port (`open`, `close`, `shutdown`) and the app
//! reports on it (`ready`, `open`, `unread`, `error`); every message is a JSON string.
//! Standalone (the `/widget/` page opened directly), options come from the URL query.
//!
//! API BOUNDARY: the message names are shared with `public/embed.js`.

use futures::channel::mpsc;
use leptos::prelude::*;
use serde_json::{json, Value};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, MessagePort};

use crate::chat::ChatHandle;
use crate::config::WidgetConfig;
use crate::store::ChatState;

/// Reads how the widget was started and mounts it.
pub fn boot() {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let server = location.origin().unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&location.search().unwrap_or_default()).ok();
    let param = |name: &str| params.as_ref().and_then(|params| params.get(name));
    let parent = window.parent().ok().flatten().filter(|parent| !js_sys::Object::is(parent, &window));

    let Some(parent) = parent else {
        let options = json!({ "account": param("account"), "title": param("title") });
        start(&options, &server, None);
        return;
    };
    let Some(host_origin) = param("host") else {
        leptos::logging::error!("livechat: the widget frame needs a `host` origin in its URL; load it through embed.js");
        return;
    };

    let expected_origin = host_origin.clone();
    let expected_source = parent.clone();
    let server_for_start = server.clone();
    let started = std::cell::Cell::new(false);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if started.get() || event.origin() != expected_origin {
            return;
        }
        let from_parent = event.source().is_some_and(|source| js_sys::Object::is(&source, &expected_source));
        let data = event.data();
        let kind = js_sys::Reflect::get(&data, &JsValue::from_str("livechat")).ok().and_then(|kind| kind.as_string());
        let port = event.ports().get(0).dyn_into::<MessagePort>().ok();
        let (true, Some("port"), Some(port)) = (from_parent, kind.as_deref(), port) else { return };
        started.set(true);
        let options = js_sys::Reflect::get(&data, &JsValue::from_str("options"))
            .ok()
            .and_then(|options| options.as_string())
            .and_then(|options| serde_json::from_str::<Value>(&options).ok())
            .unwrap_or(Value::Null);
        start(&options, &server_for_start, Some(port));
    });
    let _ = window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    on_message.forget();
    let hello = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&hello, &JsValue::from_str("livechat"), &JsValue::from_str("hello"));
    let _ = parent.post_message(&hello, &host_origin);
}

/// Validates options and mounts the widget, connected to the server.
fn start(options: &Value, server: &str, port: Option<MessagePort>) {
    let mut config = match WidgetConfig::from_options(options, server) {
        Ok(config) => config,
        Err(err) => {
            leptos::logging::error!("{err}");
            if let Some(port) = port {
                post(&port, json!({ "type": "error", "message": err.to_string() }));
            }
            return;
        }
    };
    // A returning visitor connects at once, so replies that came while they were away show
    // up (and count as unread); a new visitor connects on first intent.
    config.connect_now = web_sys::window()
        .and_then(|window| window.local_storage().ok().flatten())
        .and_then(|storage| storage.get_item(&config.identity_key()).ok().flatten())
        .is_some();
    // Messages typed before a reload (or a crash) are still waiting: restore and send them.
    let outbox_key = format!("{}.outbox", config.identity_key());
    let mut initial = ChatState::default();
    crate::persist::restore(&mut initial, crate::persist::decode(&crate::persist::read(&outbox_key).unwrap_or_default()));
    config.connect_now |= initial.outbox().next().is_some();
    let state = RwSignal::new(initial);
    let (commands, receiver) = mpsc::unbounded();
    let id_prefix = format!("{:x}{:08x}", js_sys::Date::now() as u64, (js_sys::Math::random() * f64::from(u32::MAX)) as u32);
    let chat = ChatHandle::new(state, commands, id_prefix);
    let embedded = port.is_some();
    let title = config.title.clone();
    // `mount_to_body` keeps the app alive for the life of the frame.
    let receiver = std::cell::Cell::new(Some(receiver));
    leptos::mount::mount_to_body(move || {
        // Spawned here, inside the mount, where Leptos has set up its task executor.
        if let Some(receiver) = receiver.take() {
            crate::connection::spawn(state, receiver, config.clone());
        }
        // Keep the stored outbox equal to the unconfirmed messages.
        let outbox = Memo::new(move |_| state.with(crate::persist::outbox_of));
        let outbox_key = outbox_key.clone();
        Effect::new(move |_| crate::persist::write(&outbox_key, &crate::persist::encode(&outbox.get())));
        if let Some(port) = port.clone() {
            bridge(chat, port);
        } else {
            chat.set_open(true);
        }
        crate::widget_view(chat, title.clone(), embedded)
    });
}

fn post(port: &MessagePort, message: Value) {
    let _ = port.post_message(&JsValue::from_str(&message.to_string()));
}

/// Connects the port to the chat: loader commands in, open state and unread count out.
fn bridge(chat: ChatHandle, port: MessagePort) {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        let Ok(message) = serde_json::from_str::<Value>(&text) else { return };
        match message.get("type").and_then(Value::as_str) {
            Some("open") => chat.set_open(true),
            Some("close") => chat.set_open(false),
            Some("shutdown") => chat.shutdown(),
            _ => {}
        }
    });
    port.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();

    let open = Memo::new(move |_| chat.state.with(|chat_state| chat_state.open));
    let unread = Memo::new(move |_| chat.state.with(|chat_state| chat_state.unread));
    let port_for_open = port.clone();
    Effect::new(move |_| post(&port_for_open, json!({ "type": "open", "value": open.get() })));
    let port_for_unread = port.clone();
    Effect::new(move |_| post(&port_for_unread, json!({ "type": "unread", "count": unread.get() })));
    post(&port, json!({ "type": "ready" }));
}
