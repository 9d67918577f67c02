//! Start-up and the bridge to the host page's loader.
//!
//! Embedded, the app runs in an iframe the loader (`embed.js` and its `api.js`) created, or
//! in a popup window the loader opened. It greets that window (its parent, or its opener)
//! with `{livechat: "hello"}` sent only to the host origin named in its URL, and accepts
//! exactly one `MessagePort` back, from that origin and that window. After that, commands
//! arrive on the port and the app reports on it:
//!
//! - in: `open`, `close`, `shutdown`, `call` (`{id, name, args}`, answered by `result`
//!   `{id, ok, value | error}`), `page_view` (`{url, title}`, single-page-app navigation);
//! - out: `ready` (with `state`), `state` (a snapshot whenever it changes), `open`
//!   (`{value}`), `unread` (`{count}`), `event` (`{name, data}`: `chatstart`,
//!   `chatopened`), `error` (`{message}`), `result`.
//!
//! Messages are plain objects (structured clone), never JSON text: the host page may have
//! replaced its `JSON`, and this frame's own `JSON` is out of its reach.
//! Standalone (the `/widget/` page opened directly), options come from the URL query.
//!
//! API BOUNDARY: the message names are shared with `public/api.js`.

use futures::channel::mpsc;
use leptos::prelude::*;
use serde_json::{json, Value};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, MessagePort};

use crate::chat::ChatHandle;
use crate::config::WidgetConfig;
use crate::store::{Author, ChatState};

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
        start(&options, &server, None, false);
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
            post(&port, json!({ "type": "error", "message": "the options name another account than the chat window was opened for" }));
            return;
        }
        start(&options, &server_for_start, Some(port), popup);
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
/// fills a window of its own, so it is open from the start.
fn start(options: &Value, server: &str, port: Option<MessagePort>, popup: bool) {
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
    let mut initial = ChatState {
        route: config.route(),
        ..ChatState::default()
    };
    crate::persist::restore(&mut initial, crate::persist::decode(&crate::persist::read(&outbox_key).unwrap_or_default()));
    config.connect_now |= initial.outbox().next().is_some();
    let state = RwSignal::new(initial);
    let (commands, receiver) = mpsc::unbounded();
    let id_prefix = format!("{:x}{:08x}", js_sys::Date::now() as u64, (js_sys::Math::random() * f64::from(u32::MAX)) as u32);
    let chat = ChatHandle::new(state, commands, id_prefix);
    let embedded = port.is_some() && !popup;
    let view_config = config.clone();
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
        let draft = RwSignal::new(String::new());
        provide_context(crate::components::Draft(draft));
        let proactive = RwSignal::new(None);
        provide_context(crate::components::ProactiveSlot(proactive));
        let host_events = RwSignal::new(Vec::new());
        provide_context(crate::components::HostEvents(host_events));
        let profile = StoredValue::new(Profile::from_config(&config));
        flush_profile_when_online(chat, profile);
        if let Some(port) = port.clone() {
            forward_host_events(chat, port.clone(), host_events);
            if embedded {
                let expanded = RwSignal::new(false);
                provide_context(crate::components::Expanded(expanded));
                forward_size(chat, port.clone(), expanded);
            }
            bridge(chat, port, Targets { draft, proactive }, profile);
        }
        if !embedded {
            chat.set_open(true);
        }
        crate::widget_view(chat, view_config.clone(), embedded)
    });
}

/// Posts `message` as an object of this frame's realm (see the module docs).
fn post(port: &MessagePort, message: Value) {
    if let Ok(object) = js_sys::JSON::parse(&message.to_string()) {
        let _ = port.post_message(&object);
    }
}

/// Reads a structured-clone message as JSON, with this frame's own `JSON`.
fn read(data: &JsValue) -> Option<Value> {
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
/// What host commands write into the views.
#[derive(Clone, Copy)]
struct Targets {
    draft: RwSignal<String>,
    proactive: RwSignal<Option<crate::components::Proactive>>,
}

fn bridge(chat: ChatHandle, port: MessagePort, targets: Targets, profile: StoredValue<Profile>) {
    let port_for_commands = port.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(message) = read(&event.data()) else { return };
        match message.get("type").and_then(Value::as_str) {
            Some("open") => chat.set_open(true),
            Some("close") => chat.set_open(false),
            Some("shutdown") => chat.shutdown(),
            Some("call") => {
                let name = message.get("name").and_then(Value::as_str).unwrap_or_default();
                let args = message.get("args").and_then(Value::as_array).cloned().unwrap_or_default();
                let reply = match run_command(chat, name, &args, targets, profile) {
                    Ok(value) => json!({ "type": "result", "id": message["id"], "ok": true, "value": value }),
                    Err(error) => json!({ "type": "result", "id": message["id"], "ok": false, "error": error }),
                };
                post(&port_for_commands, reply);
            }
            // The site's function answered a token request (`identity_provider`).
            Some("token") => {
                let id = message.get("id").and_then(Value::as_u64).unwrap_or_default();
                let token = message.pointer("/value/access_token").and_then(Value::as_str).map(str::to_owned);
                let answer = match (message.get("ok").and_then(Value::as_bool), token) {
                    (Some(true), Some(token)) => Ok(token),
                    _ => Err(message.get("value").and_then(Value::as_str).unwrap_or("refused").to_owned()),
                };
                external_token::answer(id, answer);
            }
            // Single-page-app navigation: the agents see the page the visitor moved to.
            Some("page_view") => {
                if let Some(url) = message.get("url").and_then(Value::as_str) {
                    let title = message.get("title").and_then(Value::as_str).map(str::to_owned);
                    profile.update_value(|profile| profile.page = Some((url.to_owned(), title)));
                    flush_profile(chat, profile);
                }
            }
            _ => {}
        }
    });
    port.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let port_for_tokens = port.clone();
    external_token::install(move |id| post(&port_for_tokens, json!({ "type": "token_request", "id": id })));

    let open = Memo::new(move |_| chat.state.with(|chat_state| chat_state.open));
    let unread = Memo::new(move |_| chat.state.with(|chat_state| chat_state.unread));
    let snapshot = Memo::new(move |_| chat.state.with(Snapshot::of));
    let port_for_open = port.clone();
    // Only changes made inside the widget: the loader owns the initial state, and echoing
    // it back before the loader's own `open` arrived would undo a click made while loading.
    Effect::new(move |previous: Option<bool>| {
        let now = open.get();
        if previous.is_some_and(|before| before != now) {
            post(&port_for_open, json!({ "type": "open", "value": now }));
        }
        now
    });
    let port_for_unread = port.clone();
    Effect::new(move |_| post(&port_for_unread, json!({ "type": "unread", "count": unread.get() })));
    let port_for_state = port.clone();
    Effect::new(move |_| post(&port_for_state, json!({ "type": "state", "value": snapshot.get().to_json() })));

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
                post(&port_for_events, json!({ "type": "event", "name": name, "data": data }));
            }
        }
        now
    });
    let ready = json!({ "type": "ready", "state": snapshot.get_untracked().to_json() });
    post(&port, ready);
}

/// Sends the host page the events views queued, and those read off the chat state:
/// `chatrating` when the visitor rates (stars 1–5; thumbs count as 5 and 1) and
/// `trigger` when a greeting is shown.
fn forward_host_events(chat: ChatHandle, port: MessagePort, queue: RwSignal<Vec<(String, Value)>>) {
    let port_for_queue = port.clone();
    Effect::new(move |_| {
        if queue.with(Vec::is_empty) {
            return;
        }
        for (name, data) in queue.try_update(std::mem::take).unwrap_or_default() {
            post(&port_for_queue, json!({ "type": "event", "name": name, "data": data }));
        }
    });

    let rating = Memo::new(move |_| {
        chat.state.with(|state| {
            let thread = state.thread_id.as_ref()?;
            let rating = state.thread_properties.get(thread)?.get("rating")?.clone();
            rating.get("score")?;
            Some((state.chat_id.clone(), rating))
        })
    });
    let port_for_rating = port.clone();
    // The first run only records the rating found at load; later changes are the visitor's.
    Effect::new(move |previous: Option<Option<(Option<String>, Value)>>| {
        let now = rating.get();
        if let (Some(before), Some((chat_id, value))) = (&previous, &now) {
            if before.as_ref().map(|(_, before)| before) != Some(value) {
                post(&port_for_rating, json!({ "type": "event", "name": "chatrating", "data": rating_data(chat, chat_id, value) }));
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
                post(&port, json!({ "type": "event", "name": "trigger", "data": { "id": id, "title": text } }));
            }
        }
        now
    });
}

/// Tells the loader the window's size (`max` or `res`) when the visitor toggles it; a
/// closed window starts at its normal size again.
fn forward_size(chat: ChatHandle, port: MessagePort, expanded: RwSignal<bool>) {
    let open = Memo::new(move |_| chat.state.with(|state| state.open));
    Effect::new(move |_| {
        if !open.get() {
            expanded.set(false);
        }
    });
    Effect::new(move |previous: Option<bool>| {
        let now = expanded.get();
        if previous.is_some_and(|before| before != now) {
            post(&port, json!({ "type": "size", "value": if now { "max" } else { "res" } }));
        }
        now
    });
}

/// `onchatrating` data from a thread's `rating` property.
fn rating_data(chat: ChatHandle, chat_id: &Option<String>, rating: &Value) -> Value {
    let stars = rating.get("stars").and_then(Value::as_u64).unwrap_or_else(|| {
        if rating.get("score").and_then(Value::as_u64) == Some(1) { 5 } else { 1 }
    });
    chat.state.with_untracked(|state| {
        let customer = state.customer.as_ref();
        let operator = state.users.iter().find(|(id, _)| Some(id.as_str()) != state.customer_id.as_deref()).map(|(id, _)| id.clone());
        json!({
            "ticket": chat_id,
            "name": customer.and_then(|customer| customer.name.clone()),
            "email": customer.and_then(|customer| customer.email.clone()),
            "phone": null,
            "rating": stars,
            "message": rating.get("comment"),
            "operator_id": operator,
            "department_id": null,
        })
    })
}

/// Runs a host command (`livechat.call`, `embed.page`) that needs the widget itself.
fn run_command(
    chat: ChatHandle,
    name: &str,
    args: &[Value],
    targets: Targets,
    profile: StoredValue<Profile>,
) -> Result<Value, String> {
    let Targets { draft, proactive } = targets;
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
    match name {
        "maximize" => {
            chat.set_open(true);
            if let Some(text) = text(args.first().and_then(|options| options.get("messageDraft"))) {
                draft.set(text);
            }
            Ok(Value::Null)
        }
        "minimize" => {
            chat.set_open(false);
            Ok(Value::Null)
        }
        "hide_greeting" => {
            let shown = chat.state.with_untracked(|state| state.greeting.clone().filter(|greeting| !greeting.accepted));
            if let Some(greeting) = shown {
                leptos::task::spawn_local(async move {
                    let _ = chat.cancel_greeting(&greeting.unique_id).await;
                });
            }
            Ok(Value::Null)
        }
        "page" => {
            let state = args.first().and_then(Value::as_str).unwrap_or_default();
            if matches!(state, "chat" | "online" | "offline") {
                chat.set_open(true);
            }
            let params = args.get(1);
            let param = |key: &str| text(params.and_then(|params| params.get(key))).filter(|value| !value.trim().is_empty());
            if state == "chat" {
                // Departments and operators given here limit where this chat goes, as the
                // options of the same names do for every chat.
                let groups = crate::config::departments(params.and_then(|params| params.get("departments"))).unwrap_or_default();
                let agents = crate::config::operators(params.and_then(|params| params.get("operators"))).unwrap_or_default();
                if !groups.is_empty() || !agents.is_empty() {
                    chat.state.update(|chat_state| {
                        if !groups.is_empty() {
                            chat_state.route.group_ids = groups;
                        }
                        if !agents.is_empty() {
                            chat_state.route.agent_ids = agents;
                        }
                    });
                }
                // A proactive chat: the invitation shows as the operator's first message.
                proactive.set(Some(crate::components::Proactive {
                    message: param("message"),
                    operator_name: param("operator_name"),
                    operator_photo: param("operator_photo"),
                    department_name: param("department_name"),
                }));
            } else if let Some(message) = param("message") {
                draft.set(message);
            }
            Ok(Value::Null)
        }
        "set_customer_name" | "set_customer_email" => {
            let value = text(args.first()).ok_or_else(|| format!("livechat: {name} takes a string"))?;
            profile.update_value(|profile| match name {
                "set_customer_name" => profile.name = Some(value),
                _ => profile.email = Some(value),
            });
            flush_profile(chat, profile);
            Ok(Value::Null)
        }
        "set_session_variables" | "update_session_variables" => {
            let variables = args.first().and_then(Value::as_object).ok_or_else(|| format!("livechat: {name} takes an object"))?;
            profile.update_value(|profile| {
                if name == "set_session_variables" {
                    profile.variables.clear();
                }
                for (key, value) in variables {
                    let value = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
                    profile.variables.insert(key.clone(), value);
                }
                profile.variables_changed = true;
            });
            flush_profile(chat, profile);
            Ok(Value::Null)
        }
        other => Err(format!("livechat: the command `{other}` is not supported by this widget yet")),
    }
}

/// What the host page told the widget about the visitor and their page, waiting to reach
/// the server. Nothing is sent before the visitor's first intent (the widget does not
/// connect for the host page alone); it goes out as soon as the connection is up.
#[derive(Debug, Default)]
struct Profile {
    name: Option<String>,
    email: Option<String>,
    variables: std::collections::BTreeMap<String, String>,
    variables_changed: bool,
    page: Option<(String, Option<String>)>,
    /// The site's token for the visitor (`custom`), to be checked by the server.
    custom: Option<String>,
    /// Session fields the widget keeps for agents from the host options: the goal page
    /// reached (`target`), the phone (`c_phone`) and the name for agents only
    /// (`c_name_byop`). Kept after they are sent: replacing the site's variables keeps them.
    own_fields: std::collections::BTreeMap<String, String>,
    /// `own_fields` still have to be sent.
    own_fields_due: bool,
}

/// Session fields the widget itself writes; replacing the site's variables keeps them.
const OWN_FIELDS: [&str; 3] = ["goal_reached", "phone", "name_for_agents"];

impl Profile {
    fn from_config(config: &WidgetConfig) -> Profile {
        let goal = config.goal.then(|| config.page.as_ref().and_then(|page| page.url.clone())).flatten();
        let own_fields: std::collections::BTreeMap<String, String> =
            [(OWN_FIELDS[0], goal), (OWN_FIELDS[1], config.customer_phone.clone()), (OWN_FIELDS[2], config.customer_name_for_agents.clone())]
                .into_iter()
                .filter_map(|(key, value)| Some((key.to_owned(), value?)))
                .collect();
        Profile {
            name: config.customer_name.clone(),
            email: config.customer_email.clone(),
            variables: config.session_variables.clone(),
            variables_changed: !config.session_variables.is_empty(),
            page: None,
            custom: config.custom.clone(),
            own_fields_due: !own_fields.is_empty(),
            own_fields,
        }
    }
}

/// The widget's own session fields the server has on record for the customer (from an
/// earlier page), so replacing the site's variables does not drop them.
fn recorded_own_fields(customer: Option<&protocol::Customer>) -> Vec<(String, String)> {
    let Some(customer) = customer else { return Vec::new() };
    let fields = customer.session_fields.iter().flat_map(|field| field.iter());
    fields.filter(|(key, _)| OWN_FIELDS.contains(&key.as_str())).map(|(key, value)| (key.clone(), value.clone())).collect()
}

/// Sends what the profile holds, if the chat is connected; otherwise it waits.
fn flush_profile(chat: ChatHandle, profile: StoredValue<Profile>) {
    let online = chat.state.with_untracked(|state| state.connection == crate::store::ConnectionStatus::Online);
    if !online {
        return;
    }
    let (name, email, variables, page, custom, own_fields, own_due) = profile
        .try_update_value(|profile| {
            let variables = std::mem::take(&mut profile.variables_changed).then(|| profile.variables.clone());
            let own_due = std::mem::take(&mut profile.own_fields_due);
            let own_fields = profile.own_fields.clone();
            (profile.name.take(), profile.email.take(), variables, profile.page.take(), profile.custom.take(), own_fields, own_due)
        })
        .unwrap_or_default();
    leptos::task::spawn_local(async move {
        // Replacing the variables comes first: the update after it merges into them.
        if let Some(mut variables) = variables {
            // Replacing would drop the widget's own fields (this page's, or an earlier
            // page's on record); keep them, the site's values winning.
            let recorded = chat.state.with_untracked(|state| recorded_own_fields(state.customer.as_ref()));
            for (key, value) in recorded.into_iter().chain(own_fields.clone()) {
                variables.entry(key).or_insert(value);
            }
            if let Err(error) = chat.set_customer_session_fields(variables).await {
                leptos::logging::warn!("livechat: could not set the session variables: {error}");
            }
        }
        if name.is_some() || email.is_some() || own_due {
            // `update_customer` merges session fields, so the widget's own fields leave the
            // site's variables alone.
            let session_fields = own_due.then(|| own_fields.into_iter().map(|(key, value)| [(key, value)].into()).collect());
            let update = protocol::UpdateCustomer { name, email, session_fields, ..Default::default() };
            if let Err(error) = chat.update_customer(update).await {
                leptos::logging::warn!("livechat: could not update the visitor's details: {error}");
            }
        }
        if let Some((url, title)) = page {
            if let Err(error) = chat.update_customer_page(&url, title.as_deref()).await {
                leptos::logging::warn!("livechat: could not report the page: {error}");
            }
        }
        if let Some(custom) = custom {
            match chat.verify_identity(&custom).await {
                Ok(()) => {}
                // The link went down before the answer: ask again once it is back.
                Err(crate::session::RequestError::ConnectionLost | crate::session::RequestError::Timeout) => {
                    profile.update_value(|profile| profile.custom = Some(custom));
                }
                Err(error) => leptos::logging::warn!("livechat: the `custom` identity was not checked: {error}"),
            }
        }
    });
}

/// Sends the waiting profile each time the chat comes online.
fn flush_profile_when_online(chat: ChatHandle, profile: StoredValue<Profile>) {
    let online = Memo::new(move |_| chat.state.with(|state| state.connection == crate::store::ConnectionStatus::Online));
    Effect::new(move |_| {
        if online.get() {
            flush_profile(chat, profile);
        }
    });
}

/// Access tokens from the host page's own sign-in (the `identity_provider` option): the
/// connection asks, the loader calls the site's function and answers over the port.
pub(crate) mod external_token {
    use std::cell::RefCell;

    use futures::channel::oneshot;
    use futures::FutureExt;

    type Answer = Result<String, String>;

    #[derive(Default)]
    struct Waiting {
        ask: Option<Box<dyn Fn(u64)>>,
        next_id: u64,
        pending: Vec<(u64, oneshot::Sender<Answer>)>,
    }

    thread_local! {
        static WAITING: RefCell<Waiting> = RefCell::new(Waiting::default());
    }

    /// How a request reaches the loader (set once the port is up).
    pub fn install(ask: impl Fn(u64) + 'static) {
        WAITING.with(|waiting| waiting.borrow_mut().ask = Some(Box::new(ask)));
    }

    /// The loader's answer to request `id`.
    pub fn answer(id: u64, answer: Answer) {
        let sender = WAITING.with(|waiting| {
            let mut waiting = waiting.borrow_mut();
            let at = waiting.pending.iter().position(|(pending, _)| *pending == id)?;
            Some(waiting.pending.remove(at).1)
        });
        if let Some(sender) = sender {
            let _ = sender.send(answer);
        }
    }

    /// A token from the site, or why not (no loader, the function failed, or no answer
    /// within 15 seconds).
    pub async fn fetch() -> Answer {
        let (sender, receiver) = oneshot::channel();
        let id = WAITING.with(|waiting| {
            let mut waiting = waiting.borrow_mut();
            waiting.next_id += 1;
            let id = waiting.next_id;
            waiting.pending.push((id, sender));
            id
        });
        // Called outside the borrow: posting may run other code.
        let ask = WAITING.with(|waiting| waiting.borrow_mut().ask.take());
        let Some(ask) = ask else { return Err("identity_provider needs the loader".to_owned()) };
        ask(id);
        WAITING.with(|waiting| waiting.borrow_mut().ask = Some(ask));
        let timeout = gloo_timers::future::TimeoutFuture::new(15_000);
        futures::select! {
            answer = receiver.fuse() => answer.unwrap_or_else(|_| Err("the loader went away".to_owned())),
            () = timeout.fuse() => Err("identity_provider did not answer within 15 s".to_owned()),
        }
    }
}
