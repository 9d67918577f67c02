//! Start-up and the bridge to the host page's loader.
//!
//! Embedded, the app runs in an iframe the loader (`embed.js` and its `api.js`) created, or
//! in a popup window the loader opened. It greets that window (its parent, or its opener)
//! with `{livechat: "hello"}` sent only to the host origin named in its URL, and accepts
//! exactly one `MessagePort` back, from that origin and that window, for the account named
//! in its URL. After that the port carries the typed messages of [`crate::port`]. Standalone
//! (the `/widget/` page opened directly), options come from the URL query.
//!
//! [`start`] is the one place the widget starts: options checked, state restored, the
//! connection spawned, the views mounted. The rest is split by concern: `bridge` (port
//! messages in and out), `commands` (host commands that need the widget), `profile` (what
//! the site says about the visitor, sent once connected), `identity` (tokens from the
//! site's own sign-in).

mod bridge;
mod commands;
mod identity;
mod profile;

use futures::channel::mpsc;
use leptos::prelude::*;
use serde_json::{json, Value};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, MessagePort};

use crate::chat::ChatHandle;
use crate::config::WidgetConfig;
use crate::port::PortOut;
use crate::store::ChatState;
use bridge::{post, read};

/// Reads how the widget was started and mounts it.
pub fn boot() {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let server = location.origin().unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&location.search().unwrap_or_default()).ok();
    let param = |name: &str| params.as_ref().and_then(|params| params.get(name));
    let parent = window.parent().ok().flatten().filter(|parent| !js_sys::Object::is(parent, &window));
    // A popup the loader opened talks to its opener the same way an iframe talks to its parent.
    let opener = || {
        let opener = window.opener().ok().filter(|opener| !opener.is_null() && !opener.is_undefined())?;
        param("host")?;
        // Cross-origin, so `instanceof Window` fails here: the cast is unchecked.
        Some(opener.unchecked_into::<web_sys::Window>())
    };
    let popup = parent.is_none();
    let Some(counterpart) = parent.or_else(opener) else {
        let options = json!({
            "account": param("account"),
            "title": param("title"),
            "lang": param("lang"),
            "theme": param("theme"),
            "rating": param("rating"),
            "url_privacy": param("url_privacy"),
            // No `css_file` / `css_text` from the URL: anyone can send a visitor a link,
            // and a stylesheet can read the page (attribute selectors on file links). Only
            // a loader on the site itself passes styles, over the port.
            // A standalone chat page is itself the page the visitor is on.
            "page_info": {
                "url": location.href().unwrap_or_default(),
                "title": window.document().map(|document| document.title()).unwrap_or_default(),
            },
        });
        start(&options, &server, None, false, true);
        return;
    };
    let Some(host_origin) = param("host") else {
        leptos::logging::error!("livechat: the widget frame needs a `host` origin in its URL; load it through embed.js");
        return;
    };

    // The license the page was opened for: the server checked `host` against its sites, so
    // the options that come over the port must be for it.
    let url_account = param("account");
    if popup && url_account.is_none() {
        leptos::logging::error!("livechat: a chat window needs the `account` in its URL; open it through the loader");
        return;
    }
    let expected_origin = host_origin.clone();
    let expected_source = counterpart.clone();
    let server_for_start = server.clone();
    let started = std::cell::Cell::new(false);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if started.get() || event.origin() != expected_origin {
            return;
        }
        let from_counterpart = event.source().is_some_and(|source| js_sys::Object::is(&source, &expected_source));
        let data = event.data();
        let kind = js_sys::Reflect::get(&data, &JsValue::from_str("livechat")).ok().and_then(|kind| kind.as_string());
        let port = event.ports().get(0).dyn_into::<MessagePort>().ok();
        let (true, Some("port"), Some(port)) = (from_counterpart, kind.as_deref(), port) else { return };
        started.set(true);
        let options = js_sys::Reflect::get(&data, &JsValue::from_str("options"))
            .ok()
            .and_then(|options| match options.as_string() {
                Some(text) => serde_json::from_str::<Value>(&text).ok(),
                None => read(&options),
            })
            .unwrap_or(Value::Null);
        if !account_matches(url_account.as_deref(), &options) {
            let message = "the options name another account than the chat window was opened for".to_owned();
            post(&port, &PortOut::Error { message });
            return;
        }
        // The visitor's identity as the site keeps it for us, and each new one back to it.
        let kept = js_sys::Reflect::get(&data, &JsValue::from_str("kept")).ok().and_then(|kept| read(&kept)).unwrap_or(Value::Null);
        crate::persist::adopt_host_copies(crate::persist::host_copies(&kept));
        let mirror = port.clone();
        crate::persist::mirror_to_host(move |key, value| {
            post(&mirror, &PortOut::Store { key: key.to_owned(), value: value.to_owned() });
        });
        let opening = js_sys::Reflect::get(&data, &JsValue::from_str("open")).ok().and_then(|open| open.as_bool()).unwrap_or(false);
        start(&options, &server_for_start, Some(port), popup, opening);
    });
    let _ = window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    on_message.forget();
    let hello = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&hello, &JsValue::from_str("livechat"), &JsValue::from_str("hello"));
    let _ = counterpart.post_message(&hello, &host_origin);
}

/// Whether the options' `account` is the one in the page's URL (any, when the URL names
/// none). Numbers and strings compare by their text.
fn account_matches(url_account: Option<&str>, options: &Value) -> bool {
    let Some(expected) = url_account else { return true };
    match options.get("account") {
        Some(Value::String(account)) => account == expected,
        Some(Value::Number(account)) => account.to_string() == expected,
        _ => false,
    }
}

/// Validates options and mounts the widget, connected to the server. `popup`: the widget
/// fills a window of its own, so it is open from the start. `opening`: the loader made the
/// frame because the visitor asked for the chat, so it will open as soon as it is ready.
fn start(options: &Value, server: &str, port: Option<MessagePort>, popup: bool, opening: bool) {
    let mut config = match WidgetConfig::from_options(options, server) {
        Ok(config) => config,
        Err(err) => {
            leptos::logging::error!("{err}");
            if let Some(port) = port {
                post(&port, &PortOut::Error { message: err.to_string() });
            }
            return;
        }
    };
    // A returning visitor connects at once, so replies that came while they were away show
    // up (and count as unread); a new visitor connects on first intent.
    config.connect_now = crate::persist::read(&config.identity_key()).is_some();
    // Messages typed before a reload (or a crash) are still waiting: restore and send them.
    let outbox_key = format!("{}.outbox", config.identity_key());
    let mut initial = ChatState::default();
    initial.set_route(config.route());
    crate::persist::restore(&mut initial, crate::persist::decode(&crate::persist::read(&outbox_key).unwrap_or_default()));
    config.connect_now |= initial.outbox().next().is_some();
    // A window that opens at once (a standalone page, a chat window of its own, a frame the
    // loader made on the visitor's intent) connects at once too.
    let embedded = port.is_some() && !popup;
    config.connect_now |= opening || !embedded;
    let state = RwSignal::new(initial);
    let (commands, receiver) = mpsc::unbounded();
    let id_prefix = format!("{:x}{:08x}", js_sys::Date::now() as u64, (js_sys::Math::random() * f64::from(u32::MAX)) as u32);
    let chat = ChatHandle::new(state, commands, id_prefix);
    let view_config = config.clone();
    // A returning visitor's token is asked for now, so it arrives while the views mount
    // (with the site's own sign-in, the token comes through the port, set up in the mount).
    let early = (config.connect_now && !config.external_identity).then(|| crate::connection::EarlyToken::send(&config));
    let early = std::cell::Cell::new(early);
    // `mount_to_body` keeps the app alive for the life of the frame.
    let receiver = std::cell::Cell::new(Some(receiver));
    leptos::mount::mount_to_body(move || {
        // Spawned here, inside the mount, where Leptos has set up its task executor.
        let identity = bridge::Identity::default();
        if let Some(receiver) = receiver.take() {
            let tokens = config.external_identity.then(|| identity.source());
            crate::connection::spawn(state, receiver, config.clone(), tokens, early.take());
            // Tabs of one visitor share unread counts and the open state, and pick one to
            // play the sound.
            crate::tabs::spawn(state, &config);
        }
        // Keep the stored outbox equal to the unconfirmed messages.
        let outbox = Memo::new(move |_| state.with(crate::persist::outbox_of));
        let outbox_key = outbox_key.clone();
        Effect::new(move |_| crate::persist::write(&outbox_key, &crate::persist::encode(&outbox.get())));
        let draft = RwSignal::new(String::new());
        provide_context(crate::components::Draft(draft));
        let proactive = RwSignal::new(None);
        provide_context(crate::components::ProactiveSlot(proactive));
        let host_events = RwSignal::new(Vec::new());
        provide_context(crate::components::HostEvents(host_events));
        let profile = StoredValue::new(profile::Profile::from_config(&config));
        profile::flush_profile_when_online(chat, profile);
        if let Some(port) = port.clone() {
            bridge::forward_host_events(chat, port.clone(), host_events);
            if embedded {
                let expanded = RwSignal::new(false);
                provide_context(crate::components::Expanded(expanded));
                bridge::forward_size(chat, port.clone(), expanded);
            }
            bridge::bridge(chat, port, commands::Targets { draft, proactive }, profile, identity);
        }
        if !embedded {
            chat.set_open(true);
        }
        crate::widget_view(chat, view_config.clone(), embedded)
    });
}

