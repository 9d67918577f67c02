//! The server's outbound HTTP: link previews (`get_url_info`, in [`preview`]) and identity
//! checks (`verify_identity`) call other sites through one client, reqwest over rustls (the
//! ring provider, the Mozilla roots of `webpki-roots` plus any the policy adds), HTTP/1.1,
//! no proxy, no cookies, no connection reuse.
//!
//! Every request is bounded: only `http` and `https` URLs of at most 2 KiB; names resolved
//! by [`address::CheckedResolver`] and literal addresses checked the same way, so private
//! addresses are refused unless the policy allows them; redirects followed by hand, each hop
//! checked again and counted; the whole exchange under the policy's deadline; bodies read in
//! pieces up to a cap, never whole.

mod address;
mod preview;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use protocol::{ErrorPayload, ErrorType};
use reqwest::{Method, Url};

pub(crate) use preview::fetch;

/// What a link preview (or another outbound request) may fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPolicy {
    /// Whether loopback, private, link-local and other non-public addresses may be fetched.
    /// Link previews turn it on only in tests; identity verification always does, because
    /// its address comes from the site owner's configuration, not from a visitor.
    pub allow_private: bool,
    /// The most body bytes read from one page; the rest of a larger page is not read.
    pub max_bytes: usize,
    /// The whole fetch (name lookup, connects, redirects, reading) must end within this.
    pub timeout: Duration,
    /// The most redirects followed.
    pub max_redirects: u8,
    /// Certificates (DER) trusted as `https` roots besides the Mozilla roots. Empty in
    /// production; tests put their own certificate authority here.
    pub extra_roots: Vec<Vec<u8>>,
}

impl Default for UrlPolicy {
    fn default() -> Self {
        UrlPolicy {
            allow_private: false,
            max_bytes: 1024 * 1024,
            timeout: Duration::from_secs(5),
            max_redirects: 3,
            extra_roots: Vec::new(),
        }
    }
}

/// The longest URL accepted, in bytes.
const MAX_URL_BYTES: usize = 2048;

pub(crate) fn error(kind: ErrorType, message: impl Into<String>) -> ErrorPayload {
    ErrorPayload::new(kind, message)
}

/// Errors from the remote side: it cannot be reached, or it answered with something other
/// than a page.
fn unreachable_page(message: impl Into<String>) -> ErrorPayload {
    error(ErrorType::NotFound, message)
}

/// A duration as people read it: `5 s`, or `1500 ms` when it is not whole seconds.
pub(crate) fn describe(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

/// One of a limited number of places for outbound requests of one kind (previews,
/// verifications); it is given back when dropped, which also happens when the request is
/// cancelled.
pub(crate) struct Slot(&'static AtomicUsize);

impl Slot {
    /// A place among `max` counted by `in_flight`, or `None` when all are taken.
    pub(crate) fn take(in_flight: &'static AtomicUsize, max: usize) -> Option<Slot> {
        if in_flight.fetch_add(1, Ordering::SeqCst) >= max {
            in_flight.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Slot(in_flight))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An absolute `http` or `https` URL of at most 2 KiB, or why not.
pub(crate) fn parse_url(text: &str) -> Result<Url, String> {
    if text.len() > MAX_URL_BYTES {
        return Err(format!("the URL is longer than {MAX_URL_BYTES} bytes"));
    }
    let url = Url::parse(text.trim()).map_err(|problem| match problem {
        url::ParseError::EmptyHost => "the URL has no host".to_owned(),
        problem => format!("{text:?} is not an http or https URL: {problem}"),
    })?;
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(format!("only http or https URLs can be fetched, not {other}")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL has no host".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("URLs with a user name or password are not fetched".to_owned());
    }
    Ok(url)
}

/// Checks that `text` is a URL this client can fetch; the error says what is wrong
/// (configuration checks use it).
pub(crate) fn check_url(text: &str) -> Result<(), String> {
    parse_url(text).map(drop)
}

/// The client for a policy. The usual ones (no extra roots) are built once.
fn client(policy: &UrlPolicy) -> Result<reqwest::Client, ErrorPayload> {
    static PUBLIC: OnceLock<reqwest::Client> = OnceLock::new();
    static PRIVATE: OnceLock<reqwest::Client> = OnceLock::new();
    let build = || -> Result<reqwest::Client, ErrorPayload> {
        reqwest::Client::builder()
            .use_preconfigured_tls(tls_config(&policy.extra_roots)?)
            .dns_resolver(Arc::new(address::CheckedResolver { allow_private: policy.allow_private }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .pool_max_idle_per_host(0)
            .referer(false)
            .user_agent("chat-server-link-preview")
            .build()
            .map_err(|err| error(ErrorType::Internal, format!("the HTTP client cannot start: {err}")))
    };
    if !policy.extra_roots.is_empty() {
        return build();
    }
    let cell = if policy.allow_private { &PRIVATE } else { &PUBLIC };
    if let Some(client) = cell.get() {
        return Ok(client.clone());
    }
    let client = build()?;
    Ok(cell.get_or_init(|| client).clone())
}

/// The TLS client settings: the ring provider, TLS 1.2 and 1.3, the Mozilla roots plus
/// `extra_roots`, HTTP/1.1 offered by ALPN.
fn tls_config(extra_roots: &[Vec<u8>]) -> Result<rustls::ClientConfig, ErrorPayload> {
    let mut roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in extra_roots {
        roots
            .add(rustls::pki_types::CertificateDer::from(der.clone()))
            .map_err(|err| error(ErrorType::Internal, format!("a trusted root is not usable: {err}")))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| error(ErrorType::Internal, err.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Sends one request and returns the answer with its body still unread. Redirects are not
/// followed and there is no deadline here: callers put the whole exchange under theirs and
/// choose how much body to read.
pub(crate) async fn send(
    method: Method,
    url: &Url,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    policy: &UrlPolicy,
) -> Result<reqwest::Response, ErrorPayload> {
    if let Some(refused) = literal_refusal(url, policy) {
        return Err(refused);
    }
    let mut request = client(policy)?.request(method, url.clone()).header("connection", "close");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if !body.is_empty() {
        request = request.body(body);
    }
    request.send().await.map_err(|err| explain(&err, url))
}

/// A URL that names an IP address directly skips the resolver: it is checked here.
fn literal_refusal(url: &Url, policy: &UrlPolicy) -> Option<ErrorPayload> {
    if policy.allow_private {
        return None;
    }
    // The URL parser writes every numeric host form (decimal, octal, `[::1]`) as a plain
    // address, so a host that parses as one is one.
    let host = url.host_str()?;
    let ip: std::net::IpAddr = host.trim_start_matches('[').trim_end_matches(']').parse().ok()?;
    address::refusal(ip).map(|kind| not_public(&address::NotPublic { host: host.to_owned(), kind }))
}

fn not_public(refused: &address::NotPublic) -> ErrorPayload {
    error(ErrorType::NotAllowed, format!("{refused}; link previews fetch only public addresses"))
}

/// What a failed request means for the visitor: a refused address, a failed handshake,
/// an unreachable host, or a timeout.
fn explain(err: &reqwest::Error, url: &Url) -> ErrorPayload {
    let host = url.host_str().unwrap_or_default();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut tls = None;
    while let Some(current) = source {
        if let Some(refused) = current.downcast_ref::<address::NotPublic>() {
            return not_public(refused);
        }
        tls = tls.or_else(|| tls_problem(current));
        source = current.source();
    }
    if let Some(problem) = tls {
        return unreachable_page(format!("the TLS handshake with {host} failed: {problem}"));
    }
    if err.is_timeout() {
        return error(ErrorType::RequestTimeout, format!("{host} did not answer in time"));
    }
    if err.is_connect() {
        return unreachable_page(format!("cannot connect to {host}"));
    }
    unreachable_page(format!("{host} did not answer with HTTP: {}", root_cause(err)))
}

/// The TLS error inside `err`, looking through the `io::Error`s hyper wraps it in (whose
/// `source` skips the error they carry).
fn tls_problem(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current = Some(err);
    while let Some(inner) = current {
        if let Some(problem) = inner.downcast_ref::<rustls::Error>() {
            return Some(problem.to_string());
        }
        current = inner.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).map(|inner| inner as _);
    }
    None
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// Reads at most `limit` bytes of a body in pieces as they arrive; with `stop_at_head`, also
/// stops once the HTML head has ended. The rest is never read: dropping the answer closes
/// the connection.
pub(crate) async fn read_body(response: &mut reqwest::Response, limit: usize, stop_at_head: bool) -> Result<Vec<u8>, ErrorPayload> {
    let mut bytes = Vec::new();
    while bytes.len() < limit {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            // A connection that ends without a proper end (a TLS close without its goodbye,
            // a length that is never reached) still leaves what arrived.
            Err(_) if !bytes.is_empty() => break,
            Err(err) => return Err(explain(&err, response.url())),
        };
        let before = bytes.len();
        bytes.extend_from_slice(&chunk[..chunk.len().min(limit - before)]);
        // Look a little before the new bytes, in case `</head` was split between pieces.
        if stop_at_head && find_ignore_case(&bytes[before.saturating_sub(5)..], b"</head").is_some() {
            break;
        }
    }
    Ok(bytes)
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window.eq_ignore_ascii_case(needle))
}

/// The body as text, in the charset its `Content-Type` names (UTF-8 otherwise). A body cut
/// in the middle of a character ends in a replacement character.
pub(crate) fn decode_text(body: &[u8], content_type: Option<&str>) -> String {
    let label = content_type.and_then(|value| {
        value.split(';').skip(1).find_map(|parameter| {
            let (name, value) = parameter.split_once('=')?;
            name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"').to_owned())
        })
    });
    let encoding = label.and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes())).unwrap_or(encoding_rs::UTF_8);
    encoding.decode_without_bom_handling(body).0.into_owned()
}

/// The HTTP method of identity checks.
pub(crate) const POST: Method = Method::POST;

#[cfg(test)]
mod tests;
