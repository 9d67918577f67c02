//! File uploads: the Web API's `upload_file` action, the `/uploads/{id}/{name}` route that
//! serves what was uploaded, and the check that lets a customer share an upload in a `file`
//! event.
//!
//! Uploads are untrusted. The body is read in bounded pieces and refused past the size cap,
//! the bytes go to a file named by a random id (never by the client's name), and the content
//! type is sniffed from the file's own first bytes rather than taken from the client. Files
//! are served with `nosniff`, a sandboxing policy, and as attachments unless they are one of
//! the image types a browser can only display. A URL stays valid for 24 hours, or for good
//! once a `file` event uses it; expired files are deleted by the next upload.

use std::io::{self, Write};
use std::path::{Path as FsPath, PathBuf};

use axum::body::Body;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use axum::Json;
use protocol::EventBody;
use serde_json::json;
use tower_http::services::ServeFile;

use crate::errors::{validation, ApiResult};
use crate::db::UploadRow;
use crate::tenant::Tenant;
use crate::web_api::authenticate;
use crate::web_errors::{error_response, error_response_with};
use crate::{ids, App};

/// Room for multipart boundaries and part headers on top of the file itself, so a file just
/// under the cap is not refused for its envelope, and a larger one reaches the handler (which
/// explains the refusal) instead of being cut off by the body limit first.
const MULTIPART_SLACK: usize = 64 * 1024;

/// How much of the file's start is kept in memory for sniffing its type and image size.
const HEAD_BYTES: usize = 256 * 1024;

/// Received bytes are written to disk in batches of about this size.
const WRITE_BATCH: usize = 256 * 1024;

/// Longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 200;

/// The file's part in the multipart body.
const FILE_PART: &str = "file";

/// The policy uploads are served with: nothing may load or run, even if a browser renders
/// the file as a document.
const UPLOAD_CSP: &str = "default-src 'none'; sandbox";

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
    let quota = app.config.limits.upload_quota_bytes;
    let stored = match app.db.upload_bytes_of(&caller.customer_id) {
        Ok(stored) => stored,
        Err(error) => return error_response(&error.into()),
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
    if stored + received.size > quota {
        let file = app.config.upload_dir.join(&received.id);
        let _ = blocking(move || std::fs::remove_file(file)).await;
        return quota_used_up(quota);
    }
    let now = ids::unix_now();
    // Links are built from the configured public address, never from the request's `Host`.
    let url = format!("{}/uploads/{}/{}", app.public_url(), received.id, encode_segment(&received.name));
    let row = UploadRow {
        id: received.id,
        license_id: caller.license.id,
        customer_id: caller.customer_id,
        name: received.name,
        content_type: received.sniffed.content_type.to_owned(),
        size: received.size,
        width: received.sniffed.width,
        height: received.sniffed.height,
        url: url.clone(),
        created_at: now,
        used: false,
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

/// What was read from the `file` part.
struct Received {
    id: String,
    name: String,
    size: u64,
    sniffed: Sniffed,
}

/// Why reading the upload failed.
enum ReceiveError {
    /// Past the size cap.
    TooLarge,
    /// The body is not what `upload_file` expects; the message says what is wrong.
    Invalid(String),
    /// Writing the file failed.
    Io(io::Error),
}

impl From<io::Error> for ReceiveError {
    fn from(error: io::Error) -> Self {
        ReceiveError::Io(error)
    }
}

impl From<MultipartError> for ReceiveError {
    fn from(error: MultipartError) -> Self {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ReceiveError::TooLarge
        } else {
            ReceiveError::Invalid(format!("the multipart body is malformed: {}", error.body_text()))
        }
    }
}

/// Finds the `file` part (skipping any others) and stores it.
async fn receive(upload_dir: PathBuf, mut multipart: Multipart, limit: usize) -> Result<Received, ReceiveError> {
    while let Some(field) = multipart.next_field().await? {
        if field.name() == Some(FILE_PART) {
            return receive_file(&upload_dir, field, limit).await;
        }
    }
    Err(ReceiveError::Invalid("the body has no part named \"file\"".to_owned()))
}

/// Streams one part to disk, counting and sniffing as it goes.
async fn receive_file(upload_dir: &FsPath, mut field: Field<'_>, limit: usize) -> Result<Received, ReceiveError> {
    let name = sanitize_name(field.file_name().unwrap_or_default());
    let id = new_upload_id();
    let mut spool = Spool::new(upload_dir, &id);
    let mut head = Vec::new();
    let mut text = TextCheck::default();
    let mut size = 0usize;
    let outcome = async {
        while let Some(chunk) = field.chunk().await? {
            size += chunk.len();
            if size > limit {
                return Err(ReceiveError::TooLarge);
            }
            let keep = HEAD_BYTES.saturating_sub(head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..keep]);
            text.feed(&chunk);
            spool.write(&chunk).await?;
        }
        Ok(())
    }
    .await;
    if let Err(error) = outcome {
        spool.discard().await;
        return Err(error);
    }
    spool.commit().await?;
    let sniffed = sniff(&head, text.finish() && size > 0);
    Ok(Received { id, name, size: size as u64, sniffed })
}

/// A file being written: `<id>.part` until it is complete, then renamed to `<id>`. Whatever
/// happens before the rename, the partial file does not outlive the spool.
struct Spool {
    part: PathBuf,
    done: PathBuf,
    file: Option<std::fs::File>,
    buffer: Vec<u8>,
    finished: bool,
}

impl Spool {
    fn new(dir: &FsPath, id: &str) -> Spool {
        Spool {
            part: dir.join(format!("{id}.part")),
            done: dir.join(id),
            file: None,
            buffer: Vec::new(),
            finished: false,
        }
    }

    async fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= WRITE_BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes the buffered bytes, creating the directory and the file on first use.
    async fn flush(&mut self) -> io::Result<()> {
        let data = std::mem::take(&mut self.buffer);
        let file = self.file.take();
        let part = self.part.clone();
        let file = blocking(move || {
            let mut file = match file {
                Some(file) => file,
                None => {
                    if let Some(dir) = part.parent() {
                        std::fs::create_dir_all(dir)?;
                    }
                    std::fs::OpenOptions::new().write(true).create_new(true).open(&part)?
                }
            };
            file.write_all(&data)?;
            Ok(file)
        })
        .await?;
        self.file = Some(file);
        Ok(())
    }

    /// Makes the file durable and gives it its final name.
    async fn commit(mut self) -> io::Result<()> {
        self.flush().await?;
        let file = self.file.take();
        let (part, done) = (self.part.clone(), self.done.clone());
        let result = blocking(move || {
            if let Some(file) = file {
                file.sync_all()?;
            }
            std::fs::rename(&part, &done)
        })
        .await;
        if result.is_ok() {
            self.finished = true;
        }
        result
    }

    /// Deletes the partial file.
    async fn discard(mut self) {
        self.finished = true;
        drop(self.file.take());
        let part = self.part.clone();
        let _ = blocking(move || match std::fs::remove_file(&part) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        })
        .await;
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        // Only reached without `commit` or `discard` when something panicked; removing one
        // file is quick enough to do in place.
        if !self.finished {
            drop(self.file.take());
            let _ = std::fs::remove_file(&self.part);
        }
    }
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(io::Error::other)?
}

/// A fresh upload id: 128 random bits in lower-case hex.
fn new_upload_id() -> String {
    let mut id = ids::secret();
    id.truncate(32);
    id
}

/// Whether `id` looks like an id [`new_upload_id`] makes (so it is safe as a file name).
fn is_upload_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

/// The client's file name made harmless: the last path component only, without control or
/// bidirectional-formatting characters (which can disguise an extension), trimmed, at most
/// [`MAX_NAME_CHARS`] characters, and `file` when nothing usable is left.
pub(crate) fn sanitize_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let short: String = cleaned.trim().chars().take(MAX_NAME_CHARS).collect();
    let short = short.trim();
    if short.is_empty() || short == "." || short == ".." {
        "file".to_owned()
    } else {
        short.to_owned()
    }
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

/// A file's type as judged from its bytes, with an image's size when it could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sniffed {
    /// MIME type.
    pub content_type: &'static str,
    /// Image width in pixels.
    pub width: Option<u32>,
    /// Image height in pixels.
    pub height: Option<u32>,
}

/// The image types served inline; everything else is an attachment.
const INLINE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Sniffs a file's type from its first bytes. `is_text` says whether the whole file is UTF-8
/// without binary control characters, which only decides when no signature matched.
pub(crate) fn sniff(head: &[u8], is_text: bool) -> Sniffed {
    let image = |content_type, size: Option<(u32, u32)>| {
        let size = size.filter(|(width, height)| *width > 0 && *height > 0);
        Sniffed { content_type, width: size.map(|size| size.0), height: size.map(|size| size.1) }
    };
    let plain = |content_type| Sniffed { content_type, width: None, height: None };
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        image("image/png", png_size(head))
    } else if head.starts_with(b"\xff\xd8\xff") {
        image("image/jpeg", jpeg_size(head))
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        image("image/gif", gif_size(head))
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        image("image/webp", webp_size(head))
    } else if head.starts_with(b"%PDF-") {
        plain("application/pdf")
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") || head.starts_with(b"PK\x07\x08") {
        plain("application/zip")
    } else if is_text {
        plain("text/plain; charset=utf-8")
    } else {
        plain("application/octet-stream")
    }
}

fn be16(data: &[u8], at: usize) -> Option<u32> {
    Some(u16::from_be_bytes([*data.get(at)?, *data.get(at + 1)?]) as u32)
}

fn le16(data: &[u8], at: usize) -> Option<u32> {
    Some(u16::from_le_bytes([*data.get(at)?, *data.get(at + 1)?]) as u32)
}

fn le24(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([*data.get(at)?, *data.get(at + 1)?, *data.get(at + 2)?, 0]))
}

/// Width and height from a PNG's IHDR chunk, which must come first.
fn png_size(data: &[u8]) -> Option<(u32, u32)> {
    if data.get(12..16)? != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(data.get(16..20)?.try_into().ok()?);
    let height = u32::from_be_bytes(data.get(20..24)?.try_into().ok()?);
    Some((width, height))
}

/// Width and height from a GIF's logical screen descriptor.
fn gif_size(data: &[u8]) -> Option<(u32, u32)> {
    Some((le16(data, 6)?, le16(data, 8)?))
}

/// Width and height from a JPEG's first frame header, walking the segments before it.
fn jpeg_size(data: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        if *data.get(at)? != 0xff {
            return None;
        }
        while *data.get(at)? == 0xff {
            at += 1;
        }
        let marker = data[at];
        at += 1;
        match marker {
            // Markers that stand alone, without a length.
            0x01 | 0xd0..=0xd8 => continue,
            // End of image, or image data, before any frame header.
            0xd9 | 0xda => return None,
            _ => {}
        }
        let length = be16(data, at)? as usize;
        if length < 2 {
            return None;
        }
        // SOF0 to SOF15, except DHT (C4), JPG (C8) and DAC (CC).
        if (0xc0..=0xcf).contains(&marker) && !matches!(marker, 0xc4 | 0xc8 | 0xcc) {
            let height = be16(data, at + 3)?;
            let width = be16(data, at + 5)?;
            return Some((width, height));
        }
        at += length;
    }
}

/// Width and height from a WebP's first chunk (lossy, lossless or extended).
fn webp_size(data: &[u8]) -> Option<(u32, u32)> {
    match data.get(12..16)? {
        b"VP8 " => {
            if data.get(23..26)? != [0x9d, 0x01, 0x2a] {
                return None;
            }
            Some((le16(data, 26)? & 0x3fff, le16(data, 28)? & 0x3fff))
        }
        b"VP8L" => {
            if *data.get(20)? != 0x2f {
                return None;
            }
            let bits = u32::from_le_bytes(data.get(21..25)?.try_into().ok()?);
            Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
        }
        b"VP8X" => Some((le24(data, 24)? + 1, le24(data, 27)? + 1)),
        _ => None,
    }
}

/// Decides, one chunk at a time, whether a file is UTF-8 text: valid UTF-8 (a character may
/// straddle two chunks) with no byte that only binary files contain (NUL and the other C0
/// controls except tab, line feed, form feed, carriage return and escape).
#[derive(Default)]
struct TextCheck {
    binary: bool,
    carry: Vec<u8>,
}

impl TextCheck {
    fn feed(&mut self, chunk: &[u8]) {
        if self.binary {
            return;
        }
        // Control bytes never occur inside a multi-byte character, so the raw bytes can be
        // checked directly.
        if chunk.iter().any(|byte| matches!(byte, 0x00..=0x08 | 0x0b | 0x0e..=0x1a | 0x1c..=0x1f)) {
            self.binary = true;
            return;
        }
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        match std::str::from_utf8(&data) {
            Ok(_) => {}
            // The chunk ends inside a character: keep its first bytes for the next chunk.
            Err(error) if error.error_len().is_none() => self.carry = data[error.valid_up_to()..].to_vec(),
            Err(_) => self.binary = true,
        }
    }

    fn finish(&self) -> bool {
        !self.binary && self.carry.is_empty()
    }
}

impl App {
    /// The body of a `file` event a customer sends: the URL must be one of their own uploads
    /// in this license that has not expired, and everything else comes from what the server
    /// stored about it. The upload is then marked as used, so it never expires.
    pub(crate) fn customer_file(&self, license_id: u64, customer_id: &str, url: &str) -> ApiResult<EventBody> {
        let refused = || validation("the file must be uploaded with upload_file first");
        let id = upload_id_from_url(url).ok_or_else(refused)?;
        let upload = self
            .db
            .live_upload(id, ids::unix_now())?
            .filter(|upload| upload.license_id == license_id && upload.customer_id == customer_id)
            .ok_or_else(refused)?;
        self.db.mark_upload_used(&upload.id)?;
        // Images are not resized here: their thumbnails are the image itself, which
        // clients scale down to the thumbnail sizes they show.
        let is_image = upload.width.is_some() && upload.height.is_some();
        let thumbnail = is_image.then(|| upload.url.clone());
        Ok(EventBody::File {
            url: upload.url,
            name: Some(upload.name),
            content_type: Some(upload.content_type),
            size: Some(upload.size),
            width: upload.width,
            height: upload.height,
            thumbnail_url: thumbnail.clone(),
            thumbnail2x_url: thumbnail,
        })
    }

    /// Forgets uploads that expired unused by `now` and deletes their files.
    async fn delete_expired_uploads(&self, now: i64) {
        let expired = match self.db.take_expired_uploads(now) {
            Ok(expired) => expired,
            Err(error) => {
                tracing::warn!(%error, "could not list expired uploads");
                return;
            }
        };
        if expired.is_empty() {
            return;
        }
        let dir = self.config.upload_dir.clone();
        let deleted = blocking(move || {
            for id in expired.iter().filter(|id| is_upload_id(id)) {
                match std::fs::remove_file(dir.join(id)) {
                    Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
                    _ => {}
                }
            }
            Ok(())
        })
        .await;
        if let Err(error) = deleted {
            tracing::warn!(%error, "could not delete an expired upload");
        }
    }
}

/// The upload id in a URL this server handed out: the segment after `/uploads/`. The host
/// is not compared, since the same server may be reached under several names.
fn upload_id_from_url(url: &str) -> Option<&str> {
    let path = match url.find("://") {
        Some(at) => {
            let after_scheme = &url[at + 3..];
            &after_scheme[after_scheme.find('/')?..]
        }
        None => url,
    };
    let path = path.split(['?', '#']).next()?;
    let id = path.strip_prefix("/uploads/")?.split('/').next()?;
    is_upload_id(id).then_some(id)
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

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        bytes
    }

    #[test]
    fn images_are_recognised_with_their_size() {
        assert_eq!(sniff(&png(640, 480), false), Sniffed { content_type: "image/png", width: Some(640), height: Some(480) });
        let gif = b"GIF89a\x20\x03\x58\x02\xf7\0\0";
        assert_eq!(sniff(gif, false), Sniffed { content_type: "image/gif", width: Some(800), height: Some(600) });
        // SOI, an APP0 segment, then a baseline frame header of 300 x 200.
        let jpeg = [
            0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x4a, 0x46, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0xc8, 0x01, 0x2c, 0x03,
        ];
        assert_eq!(sniff(&jpeg, false), Sniffed { content_type: "image/jpeg", width: Some(300), height: Some(200) });
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        webp.extend_from_slice(&[0x3f, 0x01, 0x00, 0xef, 0x00, 0x00]);
        assert_eq!(sniff(&webp, false), Sniffed { content_type: "image/webp", width: Some(320), height: Some(240) });
        // A signature alone is still the type, with the size unknown.
        assert_eq!(sniff(b"\xff\xd8\xff", false).width, None);
    }

    #[test]
    fn other_types_come_from_signatures_or_text_and_never_from_the_name() {
        assert_eq!(sniff(b"%PDF-1.7\n", true).content_type, "application/pdf");
        assert_eq!(sniff(b"PK\x03\x04rest", false).content_type, "application/zip");
        assert_eq!(sniff(b"<html><script>alert(1)</script>", true).content_type, "text/plain; charset=utf-8");
        assert_eq!(sniff(b"\x7fELF", false).content_type, "application/octet-stream");
    }

    #[test]
    fn text_is_checked_across_chunk_boundaries() {
        let text = "naïve café ✓".as_bytes();
        for split in 0..text.len() {
            let mut check = TextCheck::default();
            check.feed(&text[..split]);
            check.feed(&text[split..]);
            assert!(check.finish(), "split at {split}");
        }
        let mut check = TextCheck::default();
        check.feed(b"abc\0def");
        assert!(!check.finish());
        let mut check = TextCheck::default();
        check.feed(b"\xff\xfe");
        assert!(!check.finish());
        let mut check = TextCheck::default();
        check.feed("✓".as_bytes().split_at(2).0);
        assert!(!check.finish(), "a file may not end inside a character");
    }

    #[test]
    fn names_lose_paths_controls_and_excess_length() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(sanitize_name("evil\r\nname\0.txt"), "evilname.txt");
        assert_eq!(sanitize_name("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
        assert_eq!(sanitize_name(".."), "file");
        assert_eq!(sanitize_name("  "), "file");
        assert_eq!(sanitize_name(&"é".repeat(300)).chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn dispositions_quote_names_safely() {
        assert_eq!(
            content_disposition(false, "a \"quoted\" é.html"),
            "attachment; filename=\"a _quoted_ _.html\"; filename*=UTF-8''a%20%22quoted%22%20%C3%A9.html"
        );
        assert!(content_disposition(true, "cat.png").starts_with("inline; "));
    }

    #[test]
    fn upload_ids_are_read_from_our_urls_only() {
        let id = new_upload_id();
        assert!(is_upload_id(&id));
        assert_eq!(upload_id_from_url(&format!("http://h:1/uploads/{id}/cat.png")), Some(id.as_str()));
        assert_eq!(upload_id_from_url(&format!("/uploads/{id}/x?download=1")), Some(id.as_str()));
        assert_eq!(upload_id_from_url(&format!("https://cdn.example/files/{id}/cat.png")), None);
        assert_eq!(upload_id_from_url("http://h/uploads/../../etc/passwd"), None);
    }

    #[test]
    fn expiry_follows_the_clock_passed_in() {
        use crate::db::Store;
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::SqliteStore::open(&dir.path().join("chat.db")).unwrap();
        db.create_customer("c1", 1, "hash", "2024-01-01T00:00:00.000000Z").unwrap();
        let upload = |id: &str| UploadRow {
            id: id.to_owned(),
            license_id: 1,
            customer_id: "c1".to_owned(),
            name: "a.txt".to_owned(),
            content_type: "text/plain; charset=utf-8".to_owned(),
            size: 1,
            width: None,
            height: None,
            url: format!("http://h/uploads/{id}/a.txt"),
            created_at: 1_000,
            used: false,
        };
        let (unused, used) = ("a".repeat(32), "b".repeat(32));
        db.insert_upload(&upload(&unused)).unwrap();
        db.insert_upload(&upload(&used)).unwrap();
        db.mark_upload_used(&used).unwrap();
        let day = crate::db::UPLOAD_TTL_SECS;
        assert!(db.live_upload(&unused, 1_000 + day - 1).unwrap().is_some());
        assert!(db.live_upload(&unused, 1_000 + day).unwrap().is_none());
        assert!(db.live_upload(&used, 1_000 + 10 * day).unwrap().is_some());
        assert!(db.take_expired_uploads(1_000 + day - 1).unwrap().is_empty());
        assert_eq!(db.take_expired_uploads(1_000 + day).unwrap(), vec![unused.clone()]);
        assert!(db.take_expired_uploads(1_000 + 10 * day).unwrap().is_empty());
    }
}
