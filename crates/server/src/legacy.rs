//! API 3.0 (`/v3.0/customer/...`): its actions run as today's operations, and their answers
//! take 3.0's shapes (see `protocol::v30` for the shapes themselves).
//!
//! | 3.0 action | runs as |
//! |---|---|
//! | `login` (customer `fields`, `monitoring.page`) | `login` |
//! | `get_chats_summary` (`offset`, `limit`) | `list_chats` |
//! | `get_chat_threads` (`thread_ids`) | `get_chat`, once per thread |
//! | `get_chat_threads_summary` | `list_threads`, summarised |
//! | `get_groups_status` (`all` or `groups`) | `list_group_statuses` |
//! | `get_predicted_agent` | `get_predicted_agent` |
//! | `start_chat` | `start_chat`, answered with the chat |
//! | `send_event` | `send_event`, or `activate_chat` when the chat is closed and the event is not attached to the last thread |
//! | `close_thread` | `deactivate_chat` |
//! | `update_chat_properties`, `update_chat_thread_properties` | the property updates, with `{"value": ...}` unwrapped |
//! | `update_last_seen_timestamp` | `mark_events_as_seen` |
//! | `update_customer` (`fields`) | `update_customer`, answered with the customer |
//! | `update_customer_page`, `send_sneak_peek`, `send_rich_message_postback`, `ping` | themselves |

use protocol::v30;
use protocol::{
    ActivateChat, DecodeError, EventBody, InitialChat, InitialThread, Login, LoginCustomer, Page, RequestFrame, Response,
    SendEvent, SendRichMessagePostback, SendSneakPeek, StartChat, UpdateCustomer,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::actor::Actor;
use crate::db::ChatRow;
use crate::errors::{not_found, validation, ApiResult};
use crate::hub::Peer;
use crate::properties::Change;
use crate::{ids, App};

/// A 3.0 request: `login` and `ping` read as today's, every other action kept raw until
/// [`run`] reads it in 3.0's shapes.
#[derive(Debug)]
pub(crate) enum LegacyRequest {
    /// `login`, with its 3.0 customer fields turned into today's.
    Login(Login),
    /// `ping`.
    Ping,
    /// Any other action.
    Action {
        /// The 3.0 action name.
        action: String,
        /// Its payload (`{}` when the frame had none).
        payload: Value,
    },
}

impl LegacyRequest {
    /// The wire action name.
    pub(crate) fn action(&self) -> &str {
        match self {
            LegacyRequest::Login(_) => "login",
            LegacyRequest::Ping => "ping",
            LegacyRequest::Action { action, .. } => action,
        }
    }
}

/// Decodes a 3.0 frame: `login` into today's login, `ping` as itself, and every other
/// action kept raw for [`run`].
pub(crate) fn decode(text: &str) -> Result<RequestFrame<LegacyRequest>, DecodeError> {
    let invalid = DecodeError::validation;
    let frame: Value = serde_json::from_str(text).map_err(|err| invalid(None, None, format!("malformed JSON: {err}")))?;
    let (request_id, action) = protocol::envelope_ids(&frame)?;
    let Some(action) = action else {
        return Err(invalid(request_id, None, "a frame needs an action".to_owned()));
    };
    let payload = frame.get("payload").cloned().filter(|payload| !payload.is_null()).unwrap_or_else(|| json!({}));
    let request = match action.as_str() {
        "login" => LegacyRequest::Login(login(&payload).map_err(|err| invalid(request_id.clone(), Some(action.clone()), format!("malformed payload: {err}")))?),
        "ping" => LegacyRequest::Ping,
        _ => LegacyRequest::Action { action: action.clone(), payload },
    };
    Ok(RequestFrame { request_id, request, version: None })
}

/// A 3.0 login: `customer.fields` is a map, the page may come as `customer.monitoring.page`.
fn login(payload: &Value) -> Result<Login, serde_json::Error> {
    #[derive(Deserialize)]
    struct Monitoring {
        #[serde(default)]
        page: Option<Page>,
    }
    #[derive(Deserialize)]
    struct Customer {
        name: Option<String>,
        email: Option<String>,
        #[serde(default)]
        fields: Value,
        monitoring: Option<Monitoring>,
    }
    #[derive(Deserialize)]
    struct Body {
        token: String,
        group_id: Option<u32>,
        customer: Option<Customer>,
        customer_page: Option<Page>,
        referrer: Option<String>,
    }
    let body: Body = serde_json::from_value(payload.clone())?;
    let monitored = body.customer.as_ref().and_then(|customer| customer.monitoring.as_ref()).and_then(|monitoring| monitoring.page.clone());
    let customer = body.customer.map(|customer| LoginCustomer {
        name: customer.name,
        email: customer.email,
        avatar: None,
        session_fields: customer.fields.is_object().then(|| v30::session_fields(&customer.fields)),
    });
    Ok(Login {
        token: body.token,
        customer,
        customer_page: body.customer_page.or(monitored),
        group_id: body.group_id,
        referrer: body.referrer,
        ..Login::default()
    })
}

/// The 3.0 answer to a login that succeeded.
pub(crate) fn login_answer(app: &App, license_id: u64, group_id: u32, response: Response) -> Response {
    let Response::Login(login) = response else { return response };
    let predicted = app.predicted_agent(license_id, group_id).ok().map(|predicted| predicted.flat);
    Response::Other { action: "login".to_owned(), payload: v30::login_response(&login, group_id, predicted.as_ref()) }
}

fn payload<T: for<'de> Deserialize<'de>>(action: &str, payload: Value) -> ApiResult<T> {
    serde_json::from_value(payload).map_err(|err| validation(format!("{action}: malformed payload: {err}")))
}

fn answer(action: &str, payload: Value) -> ApiResult<Response> {
    Ok(Response::Other { action: action.to_owned(), payload })
}

/// Answers one 3.0 request of a logged-in customer.
pub(crate) fn dispatch(app: &App, actor: &Actor<'_>, request: LegacyRequest) -> ApiResult<Response> {
    match request {
        LegacyRequest::Login(_) => Err(validation("already logged in")),
        LegacyRequest::Ping => Ok(Response::Ping),
        LegacyRequest::Action { action, payload } => run(app, actor, &action, payload),
    }
}

/// Runs one 3.0 action of a logged-in customer: from a socket, or from the Web API.
pub(crate) fn run(app: &App, actor: &Actor<'_>, action: &str, body: Value) -> ApiResult<Response> {
    let Peer::Customer(customer_id) = actor.peer else {
        return Err(validation("API 3.0 serves customers only"));
    };
    match action {
        "get_chats_summary" => {
            #[derive(Deserialize)]
            struct Body {
                #[serde(default)]
                offset: usize,
                limit: Option<usize>,
            }
            let body: Body = payload(action, body)?;
            let rows = app.db.chats_of_customer(customer_id)?;
            let mut summaries = Vec::new();
            for row in rows.iter().skip(body.offset.min(100)).take(body.limit.unwrap_or(10).clamp(1, 25)) {
                summaries.push(summary(app, row)?);
            }
            answer(action, json!({ "chats_summary": summaries, "total_chats": rows.len() }))
        }
        "get_chat_threads" => {
            #[derive(Deserialize)]
            struct Body {
                chat_id: String,
                thread_ids: Vec<String>,
            }
            let body: Body = payload(action, body)?;
            let row = app.accessible_chat(actor, &body.chat_id)?;
            let chat = app.chat_view_for(actor.peer, &row, None)?;
            let threads = body
                .thread_ids
                .iter()
                .map(|thread_id| Ok(app.chat_view_for(actor.peer, &row, Some(thread_id))?.thread))
                .collect::<ApiResult<Vec<_>>>()?;
            let threads: Vec<_> = threads.into_iter().flatten().collect();
            answer(action, json!({ "chat": v30::chat_with_threads(&chat, &threads) }))
        }
        "get_chat_threads_summary" => {
            #[derive(Deserialize)]
            struct Body {
                chat_id: String,
                #[serde(default)]
                offset: usize,
                limit: Option<usize>,
            }
            let body: Body = payload(action, body)?;
            let row = app.accessible_chat(actor, &body.chat_id)?;
            let threads = app.db.threads(&row.id)?;
            let mut summaries = Vec::new();
            for thread in threads.iter().skip(body.offset).take(body.limit.unwrap_or(25).clamp(1, 100)) {
                summaries.push(json!({
                    "id": thread.id,
                    "order": v30::unix_micros(&thread.created_at).unwrap_or_default(),
                    "total_events": app.db.events(&thread.id)?.len(),
                }));
            }
            answer(action, json!({ "threads_summary": summaries, "total_threads": threads.len() }))
        }
        "get_groups_status" => {
            #[derive(Deserialize)]
            struct Body {
                #[serde(default)]
                all: bool,
                groups: Option<Vec<u32>>,
            }
            let body: Body = payload(action, body)?;
            let groups_status = app.group_statuses(actor.license_id, body.all, body.groups)?;
            answer(action, json!({ "groups_status": groups_status }))
        }
        "get_predicted_agent" => {
            let predicted = app.predicted_agent(actor.license_id, 0)?;
            answer(action, json!({ "agent": { "id": predicted.flat.id, "name": predicted.flat.name, "avatar": predicted.flat.avatar } }))
        }
        "start_chat" => {
            let chat = initial_chat(body.get("chat"))?;
            let started = app.start_chat(actor, StartChat { chat: Some(chat), ..StartChat::default() })?;
            let row = app.accessible_chat(actor, &started.chat_id)?;
            let chat = serde_json::to_value(app.chat_view(&row, None)?).unwrap_or_default();
            answer(action, json!({ "chat": v30::chat_with_thread(&chat) }))
        }
        "send_event" => {
            #[derive(Deserialize)]
            struct Body {
                chat_id: String,
                event: Value,
                #[serde(default)]
                attach_to_last_thread: bool,
            }
            let body: Body = payload(action, body)?;
            let event = v30::incoming_event(&body.event).map_err(|err| validation(format!("send_event: malformed event: {err}")))?;
            let row = app.accessible_chat(actor, &body.chat_id)?;
            let active = app.db.threads(&row.id)?.last().is_some_and(|thread| thread.active);
            // In 3.0 an event for a closed chat opens a new thread, unless it is attached
            // to the last one.
            let event_id = if active || body.attach_to_last_thread {
                let request = SendEvent { chat_id: row.id.clone(), event, attach_to_last_thread: Some(body.attach_to_last_thread) };
                app.send_event(actor, request)?.event_id
            } else {
                let thread = InitialThread { events: vec![event], properties: None };
                let chat = InitialChat { id: Some(row.id.clone()), thread: Some(thread), ..InitialChat::default() };
                let activated = app.activate_chat(actor, ActivateChat { chat, ..ActivateChat::default() })?;
                activated.event_ids.and_then(|ids| ids.into_iter().next()).unwrap_or_default()
            };
            let (_, thread_id, event) = app.db.event(&event_id)?.ok_or_else(|| not_found("event"))?;
            let event = v30::event_value(&serde_json::to_value(event).unwrap_or_default());
            answer(action, json!({ "thread_id": thread_id, "event": event }))
        }
        "close_thread" => {
            let chat_id = body.get("chat_id").and_then(Value::as_str).ok_or_else(|| validation("close_thread: chat_id is required"))?;
            app.deactivate_chat(actor, chat_id)?;
            answer(action, json!({}))
        }
        "update_chat_properties" | "update_chat_thread_properties" => {
            #[derive(Deserialize)]
            struct Body {
                chat_id: String,
                thread_id: Option<String>,
                properties: Value,
            }
            let body: Body = payload(action, body)?;
            let thread_id = match action {
                "update_chat_thread_properties" => Some(body.thread_id.as_deref().ok_or_else(|| validation("thread_id is required"))?),
                _ => None,
            };
            app.change_properties(actor, Change::Update, &body.chat_id, thread_id, None, &v30::unwrapped(&body.properties))?;
            answer(action, json!({}))
        }
        "update_last_seen_timestamp" => {
            #[derive(Deserialize)]
            struct Body {
                chat_id: String,
                timestamp: Option<i64>,
            }
            let body: Body = payload(action, body)?;
            let timestamp = body.timestamp.unwrap_or_else(ids::unix_now);
            app.mark_seen(actor, &body.chat_id, &v30::rfc3339(timestamp))?;
            answer(action, json!({ "timestamp": timestamp }))
        }
        "update_customer" => {
            #[derive(Deserialize)]
            struct Body {
                name: Option<String>,
                email: Option<String>,
                fields: Option<Value>,
            }
            let body: Body = payload(action, body)?;
            let update = UpdateCustomer {
                name: body.name,
                email: body.email,
                avatar: None,
                session_fields: body.fields.as_ref().map(v30::session_fields),
            };
            app.update_customer(actor, update)?;
            let customer = serde_json::to_value(app.customer_view(customer_id)?).unwrap_or_default();
            answer(action, json!({ "customer": v30::customer_value(&customer) }))
        }
        "update_customer_page" => {
            app.update_customer_page(actor, payload::<Page>(action, body)?)?;
            answer(action, json!({}))
        }
        "send_sneak_peek" => {
            let request: SendSneakPeek = payload(action, body)?;
            app.sneak_peek(actor, &request.chat_id, &request.sneak_peek_text)?;
            answer(action, json!({}))
        }
        "send_rich_message_postback" => {
            app.postback(actor, payload::<SendRichMessagePostback>(action, body)?)?;
            answer(action, json!({}))
        }
        other => Err(validation(format!("unknown action {other:?} in API 3.0"))),
    }
}

/// `start_chat`'s `chat` in 3.0: properties may be wrapped, events carry no `created_at`.
fn initial_chat(chat: Option<&Value>) -> ApiResult<InitialChat> {
    let Some(chat) = chat else { return Ok(InitialChat::default()) };
    let events = chat
        .pointer("/thread/events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(v30::incoming_event)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| validation(format!("start_chat: malformed event: {err}")))?;
    let access = chat.get("access").map(|access| serde_json::from_value(access.clone())).transpose().map_err(|err| validation(format!("start_chat: malformed access: {err}")))?;
    Ok(InitialChat {
        properties: chat.get("properties").map(v30::unwrapped),
        access,
        thread: Some(InitialThread { events, properties: chat.pointer("/thread/properties").map(v30::unwrapped) }),
        ..InitialChat::default()
    })
}

/// A chat in `get_chats_summary`: `order` from its latest thread, the newest event of each
/// type with its thread's `order`.
fn summary(app: &App, row: &ChatRow) -> ApiResult<Value> {
    let summary = app.chat_summary(row, false)?;
    let order = summary.last_thread_created_at.as_deref().and_then(v30::unix_micros).unwrap_or_default();
    let mut last = serde_json::Map::new();
    for (kind, entry) in &summary.last_event_per_type {
        if matches!(entry.event.body, EventBody::Unknown) {
            continue;
        }
        last.insert(kind.clone(), json!({
            "thread_id": entry.thread_id,
            "thread_order": entry.thread_created_at.as_deref().and_then(v30::unix_micros).unwrap_or_default(),
            "event": v30::event_value(&serde_json::to_value(&entry.event).unwrap_or_default()),
        }));
    }
    Ok(json!({
        "id": summary.id,
        "order": order,
        "users": summary.users.iter().map(|user| v30::user_value(&serde_json::to_value(user).unwrap_or_default())).collect::<Vec<_>>(),
        "properties": v30::wrapped(serde_json::to_value(&summary.properties).ok().as_ref()),
        "access": summary.access,
        "last_event_per_type": last,
    }))
}
