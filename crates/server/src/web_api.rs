//! The customer Web API: `POST /{version}/customer/action/{action}` runs one customer action
//! over plain HTTP, for clients that have no websocket open (or do not want to use it).
//!
//! A request carries the same access token a websocket `login` does, as
//! `Authorization: Bearer <token>`, names its tenant with `license_id` or `organization_id`
//! in the query, and sends the action's payload as the JSON body (bare, or wrapped as
//! `{"payload": {...}}` the way API v3.0 documents it). The action then runs exactly as if it
//! came from a socket that belongs to nobody: its pushes still reach the customer's open
//! tabs and the agents, untagged. The answer is the response payload with status 200, or
//! `{"error": {"type", "message"}}` with an HTTP status chosen from the error type (see
//! `web_errors`).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Json;
use protocol::{ErrorPayload, ErrorType, Request};
use serde_json::{json, Value};

use crate::actor::Actor;
use crate::config::License;
use crate::errors::validation;
use crate::hub::{Peer, NO_SOCKET};
use crate::tenant::{path_version, Tenant};
use crate::web_errors::{error_response, error_response_with};
use crate::App;

/// Largest JSON body an action accepts. The biggest legitimate payload is a 16 KB message
/// inside a few events, so this leaves a wide margin while refusing junk early.
const JSON_BODY_LIMIT: usize = 256 * 1024;

/// The route of every JSON action (`upload_file` has its own, in [`crate::uploads`]).
pub(crate) fn action_route() -> MethodRouter<App> {
    get(crate::web_config::get_action).post(customer_action).layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
}

/// A customer whose token checked out, and their license.
pub(crate) struct Caller {
    /// The license named in the query, which the token belongs to.
    pub license: License,
    /// The customer behind the token.
    pub customer_id: String,
}

/// Checks what every Web API call needs before it reads its body: a client address and a
/// customer within their rate limits, a version this server speaks, a known tenant, a valid
/// access token of that tenant, and a customer who is not banned. `Err` is the answer to
/// send.
pub(crate) fn authenticate(
    app: &App,
    client: crate::client::ClientAddr,
    version: &str,
    tenant: Result<Query<Tenant>, QueryRejection>,
    headers: &HeaderMap,
) -> Result<Caller, Response> {
    app.limit_address(client)?;
    let caller = check_caller(app, version, tenant, headers).map_err(|error| error_response(&error))?;
    app.limit_customer(&caller.customer_id)?;
    Ok(caller)
}

/// The token of an `Authorization: Bearer <token>` header, if there is one.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
}

fn check_caller(
    app: &App,
    version: &str,
    tenant: Result<Query<Tenant>, QueryRejection>,
    headers: &HeaderMap,
) -> Result<Caller, ErrorPayload> {
    if path_version(version).is_none() {
        return Err(ErrorPayload::new(
            ErrorType::UnsupportedVersion,
            format!("API version {version:?} is not served here"),
        ));
    }
    let Query(tenant) = tenant.map_err(|_| validation("the query string is malformed"))?;
    let Some(license) = app.tenant(&tenant) else {
        return Err(ErrorPayload::new(
            ErrorType::Other("license_not_found".to_owned()),
            "name a known license_id or organization_id in the query",
        ));
    };
    let Some(token) = bearer_token(headers) else {
        return Err(ErrorPayload::new(ErrorType::Authentication, "send the access token as Authorization: Bearer <token>"));
    };
    let (customer_id, _) = app.customer_for_token(&license, token)?;
    match app.db.customer(&customer_id)? {
        Some(customer) if customer.banned => Err(ErrorPayload::new(ErrorType::CustomerBanned, "the customer is banned")),
        Some(_) => Ok(Caller { license, customer_id }),
        None => Err(ErrorPayload::new(ErrorType::Authentication, "invalid access token")),
    }
}

/// `POST /{version}/customer/action/{action}`.
async fn customer_action(
    State(app): State<App>,
    client: crate::client::ClientAddr,
    path: Result<Path<(String, String)>, PathRejection>,
    tenant: Result<Query<Tenant>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Ok(Path((version, action))) = path else {
        return error_response(&validation("the URL is malformed"));
    };
    let caller = match authenticate(&app, client, &version, tenant, &headers) {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let error = validation(format!("the request body is larger than {} KB", JSON_BODY_LIMIT / 1024));
            return error_response_with(StatusCode::PAYLOAD_TOO_LARGE, &error);
        }
        Err(_) => return error_response(&validation("the request body could not be read")),
    };
    let payload = match payload_of(&action, &body) {
        Ok(payload) => payload,
        Err(error) => return error_response(&error),
    };
    let peer = Peer::Customer(caller.customer_id.clone());
    let actor = Actor { license_id: caller.license.id, peer: &peer, conn: NO_SOCKET, request_id: None };
    // What the request relays is read on the thread that does its work, before any await
    // (see `Hub::relay_mark`).
    let relay_mark = app.hub.relay_mark();
    let (answer, relayed) = if path_version(&version) == Some(protocol::Version::V3_0) {
        let answer = crate::legacy::run(&app, &actor, &action, payload);
        (answer, app.relayed_since(relay_mark))
    } else {
        let request = match Request::from_parts(&action, payload) {
            Ok(Request::Login(_) | Request::Ping) => {
                return error_response(&validation(format!("{action} is only available on the websocket")));
            }
            Ok(Request::Other { .. }) => return error_response(&validation(format!("unknown action {action:?}"))),
            Ok(request) => request,
            Err(error) => return error_response(&validation(format!("invalid {action} payload: {error}"))),
        };
        let answer = crate::customer::dispatch(&app, &actor, request);
        let relayed = app.relayed_since(relay_mark);
        let answer = match answer {
            crate::actor::Answer::Now(result) => result,
            crate::actor::Answer::Later(work) => work.await,
        };
        (answer, relayed)
    };
    // In a cluster, as on the websocket: what the request delivered to the other nodes is
    // on the bus before the caller hears it was done.
    if let Some(relayed) = relayed {
        relayed.await;
    }
    match answer {
        Ok(response) => ok_response(response),
        Err(error) => error_response(&error),
    }
}

/// A successful answer: the response payload as JSON.
fn ok_response(response: protocol::Response) -> Response {
    (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Json(response.payload())).into_response()
}

/// The action's payload from a JSON body: the body itself, or the `payload` member of a
/// v3.0-style `{"payload": {...}}` envelope. An empty body means an empty payload.
fn payload_of(action: &str, body: &[u8]) -> Result<Value, ErrorPayload> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|error| validation(format!("the body is not valid JSON: {error}")))?;
    let Value::Object(mut object) = value else {
        return Err(validation("the body must be a JSON object"));
    };
    // An envelope holds the payload and at most the fields a websocket frame also has.
    let is_envelope = object.get("payload").is_some_and(|payload| payload.is_object() || payload.is_null())
        && object.keys().all(|key| matches!(key.as_str(), "payload" | "action" | "request_id"));
    if !is_envelope {
        return Ok(Value::Object(object));
    }
    if let Some(named) = object.get("action").and_then(Value::as_str).filter(|named| *named != action) {
        return Err(validation(format!("the body names action {named:?} but the URL names {action:?}")));
    }
    Ok(object.remove("payload").unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_may_be_bare_or_wrapped_in_a_payload_envelope() {
        let bare = payload_of("send_event", br#"{"chat_id":"C1","event":{"type":"message","text":"hi"}}"#).unwrap();
        assert_eq!(bare["chat_id"], "C1");
        let wrapped = payload_of("send_event", br#"{"payload":{"chat_id":"C1"}}"#).unwrap();
        assert_eq!(wrapped, json!({ "chat_id": "C1" }));
        assert_eq!(payload_of("list_chats", b"").unwrap(), json!({}));
        assert!(payload_of("list_chats", br#"{"action":"get_chat","payload":{}}"#).is_err());
        assert!(payload_of("list_chats", b"[1]").is_err());
        assert!(payload_of("list_chats", b"{oops").is_err());
    }
}
