//! The HTTP side of uploads: the `upload_file` action (authentication, the size cap and
//! the customer's quota, the answer with the file's URL) and the `/uploads/{id}/{name}`
//! route that serves a stored file with headers that keep a browser from running it.

use std::io;

use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use axum::Json;
use serde_json::json;
use tower_http::services::ServeFile;

use super::storage::{blocking, is_upload_id, receive, ReceiveError};
use crate::db::UploadRow;
use crate::errors::validation;
use crate::tenant::Tenant;
use crate::web_api::authenticate;
use crate::web_errors::{error_response, error_response_with};
use crate::{ids, App};

/// Room for multipart boundaries and part headers on top of the file itself, so a file just
/// under the cap is not refused for its envelope, and a larger one reaches the handler (which
/// explains the refusal) instead of being cut off by the body limit first.
const MULTIPART_SLACK: usize = 64 * 1024;

/// The policy uploads are served with: nothing may load or run, even if a browser renders
/// the file as a document.
const UPLOAD_CSP: &str = "default-src 'none'; sandbox";

/// The image types served inline; everything else is an attachment.
const INLINE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// The route of `upload_file`, with a body limit a little above the upload cap.
pub(crate) fn upload_route(app: &App) -> MethodRouter<App> {
    post(upload_file).layer(DefaultBodyLimit::max(app.config.limits.upload_bytes + MULTIPART_SLACK))
}

/// `POST /{version}/customer/action/upload_file`: stores the `file` part and answers `{url}`.
async fn upload_file(
    State(app): State<App>,
    client: crate::client::ClientAddr,
    path: Result<Path<String>, PathRejection>,
    tenant: Result<Query<Tenant>, QueryRejection>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(Path(version)) = path else {
        return error_response(&validation("the URL is malformed"));
    };
    let caller = match authenticate(&app, client, &version, tenant, &headers) {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };
    accept(&app, caller.license.id, caller.customer_id, false, &headers, multipart).await
}

/// `POST /{version}/agent/action/upload_file?chat_id=…` (an extension; the Agent Chat API
/// has no upload of its own here): an agent's file for a chat, authenticated with the
/// agent's session or a token. It is stored with the chat's visitor as its owner (so it lives and is
/// served like theirs) but does not count against the visitor's quota.
async fn agent_upload_file(
    State(app): State<App>,
    client: crate::client::ClientAddr,
    query: Result<Query<AgentUploadQuery>, QueryRejection>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    if let Err(refused) = app.limit_address(client) {
        return refused;
    }
    let Some(agent) = crate::account_http::request_agent(&app, &headers) else {
        return error_response(&protocol::ErrorPayload::new(
            protocol::ErrorType::Authentication,
            "sign in, or send an agent token as Authorization: Bearer <token>",
        ));
    };
    let Ok(Query(query)) = query else {
        return error_response(&validation("name the chat: ?chat_id=…"));
    };
    let chat = match app.db.chat(&query.chat_id) {
        Ok(chat) => chat.filter(|chat| chat.license_id == agent.license_id),
        Err(error) => return error_response(&error.into()),
    };
    let Some(chat) = chat else {
        return error_response(&crate::errors::not_found("chat"));
    };
    accept(&app, chat.license_id, chat.customer_id, true, &headers, multipart).await
}

/// The query of an agent's upload.
#[derive(serde::Deserialize)]
struct AgentUploadQuery {
    chat_id: String,
}

/// The route of an agent's `upload_file`, with the same body limit.
pub(crate) fn agent_upload_route(app: &App) -> MethodRouter<App> {
    post(agent_upload_file).layer(DefaultBodyLimit::max(app.config.limits.upload_bytes + MULTIPART_SLACK))
}

/// Stores the `file` part of `multipart` for `customer_id` and answers `{url}`: the
/// customer's own upload within their quota, or (`by_agent`) an agent's for their chat.
async fn accept(app: &App, license_id: u64, customer_id: String, by_agent: bool, headers: &HeaderMap, multipart: Result<Multipart, MultipartRejection>) -> Response {
    let check_quota = !by_agent;
    let limit = app.config.limits.upload_bytes;
    // A body announced as too large is refused before any of it is read.
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > (limit + MULTIPART_SLACK) as u64) {
        return too_large(limit);
    }
    // The customer's stored files count against their quota; the request's own size is
    // checked again once it is known.
    let quota = if check_quota { app.config.limits.upload_quota_bytes } else { u64::MAX };
    let stored = match check_quota.then(|| app.db.upload_bytes_of(&customer_id)) {
        Some(Ok(stored)) => stored,
        Some(Err(error)) => return error_response(&error.into()),
        None => 0,
    };
    if stored >= quota {
        return quota_used_up(quota);
    }
    let Ok(multipart) = multipart else {
        return error_response(&validation("send the file as multipart/form-data in a part named \"file\""));
    };
    // The body is read in a task of its own, so a client that goes away mid-upload makes the
    // read fail and the partial file is cleaned up, rather than the work being dropped half-way.
    let upload_dir = app.config.upload_dir.clone();
    let received = match tokio::spawn(receive(upload_dir, multipart, limit)).await {
        Ok(received) => received,
        Err(error) => Err(ReceiveError::Io(io::Error::other(error))),
    };
    let received = match received {
        Ok(received) => received,
        Err(ReceiveError::TooLarge) => return too_large(limit),
        Err(ReceiveError::Invalid(message)) => return error_response(&validation(message)),
        Err(ReceiveError::Io(error)) => {
            tracing::error!(%error, "storing an upload failed");
            return error_response(&protocol::ErrorPayload::new(protocol::ErrorType::Internal, "internal server error"));
        }
    };
    if stored.saturating_add(received.size) > quota {
        let file = app.config.upload_dir.join(&received.id);
        let _ = blocking(move || std::fs::remove_file(file)).await;
        return quota_used_up(quota);
    }
    let now = ids::unix_now();
    // Links are built from the configured public address, never from the request's `Host`.
    let url = format!("{}/uploads/{}/{}", app.public_url(), received.id, encode_segment(&received.name));
    let row = UploadRow {
        id: received.id,
        license_id,
        customer_id,
        name: received.name,
        content_type: received.sniffed.content_type.to_owned(),
        size: received.size,
        width: received.sniffed.width,
        height: received.sniffed.height,
        url: url.clone(),
        created_at: now,
        used: false,
        by_agent,
    };
    if let Err(error) = app.db.insert_upload(&row) {
        let file = app.config.upload_dir.join(&row.id);
        let _ = blocking(move || std::fs::remove_file(file)).await;
        return error_response(&error.into());
    }
    app.delete_expired_uploads(now).await;
    (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Json(json!({ "url": url }))).into_response()
}

fn quota_used_up(quota: u64) -> Response {
    let megabytes = quota.div_ceil(1024 * 1024);
    error_response(&protocol::ErrorPayload::new(
        protocol::ErrorType::LimitReached,
        format!("this customer's files take up their quota of {megabytes} MB"),
    ))
}

fn too_large(limit: usize) -> Response {
    let megabytes = limit.div_ceil(1024 * 1024);
    error_response_with(StatusCode::PAYLOAD_TOO_LARGE, &validation(format!("file is larger than {megabytes} MB")))
}

/// Percent-encodes a URL path segment: everything but unreserved characters.
fn encode_segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// `GET /uploads/{id}/{name}`: the stored file with its sniffed type. The name in the URL is
/// only for people; the id finds the file.
pub(crate) async fn serve(State(app): State<App>, Path((id, _name)): Path<(String, String)>, request: Request) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, "no-store")], "not found").into_response();
    if !is_upload_id(&id) {
        return not_found();
    }
    let upload = match app.db.live_upload(&id, ids::unix_now()) {
        Ok(Some(upload)) => upload,
        Ok(None) => return not_found(),
        Err(error) => return error_response(&error.into()),
    };
    let mut response = match ServeFile::new(app.config.upload_dir.join(&upload.id)).try_call(request).await {
        Ok(response) => response.map(Body::new),
        Err(error) => {
            tracing::error!(%error, "reading an upload failed");
            return error_response(&protocol::ErrorPayload::new(protocol::ErrorType::Internal, "internal server error"));
        }
    };
    if response.status() == StatusCode::NOT_FOUND {
        return not_found();
    }
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&upload.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(UPLOAD_CSP));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400"));
    let inline = INLINE_TYPES.contains(&upload.content_type.as_str());
    if let Ok(disposition) = HeaderValue::from_str(&content_disposition(inline, &upload.name)) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}

/// `inline` or `attachment` with the file's name, quoted so that no character of it can end
/// the header's value early: an ASCII fallback in `filename` and the exact name, encoded, in
/// `filename*` (RFC 6266).
fn content_disposition(inline: bool, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%') || c == ' ' { c } else { '_' })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{}", encode_segment(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_quote_names_safely() {
        assert_eq!(
            content_disposition(false, "a \"quoted\" é.html"),
            "attachment; filename=\"a _quoted_ _.html\"; filename*=UTF-8''a%20%22quoted%22%20%C3%A9.html"
        );
        assert!(content_disposition(true, "cat.png").starts_with("inline; "));
    }
}
