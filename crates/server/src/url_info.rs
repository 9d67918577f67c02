//! The server's outbound HTTP/1.1 client, and link previews for `get_url_info` built on it:
//! fetch a web page and read its title, description and preview image from the HTML head.
//!
//! A preview makes the server open a connection that a visitor chose, so the fetch is
//! guarded against server-side request forgery: only `http` and `https` URLs are fetched,
//! the host name is resolved once and every address is checked against the non-public
//! ranges (loopback, private, link-local, documentation and so on) before the connection is
//! made to that very address, and each redirect hop goes through the same checks. Size,
//! time and redirect limits come from [`UrlPolicy`]. `https` goes through rustls (ring
//! provider) and trusts the Mozilla roots of `webpki-roots`, plus any the policy adds.
//!
//! [`open`] is the same client for other callers: one request with a method, headers and a
//! body, no redirects followed (identity verification posts to the site's own address with
//! it). The client and the HTML scanner are written here, small and strict, instead of
//! pulling in an HTTP stack; this module does not follow `<meta http-equiv="refresh">`,
//! speaks neither HTTP/2 nor keep-alive, and does not fetch the preview image.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use protocol::{ErrorPayload, ErrorType, UrlInfo};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

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

/// The most bytes of status line and headers read from one response.
const MAX_HEAD_BYTES: usize = 32 * 1024;

/// The most previews fetched at once by the whole server. Each one holds a socket and up
/// to `max_bytes` of memory, and a visitor can ask for many in a row.
const MAX_CONCURRENT_FETCHES: usize = 32;

/// The longest title or description kept, in characters.
const MAX_TEXT_CHARS: usize = 300;

/// Fetches `url` under `policy` and reads its preview.
pub(crate) async fn fetch(url: &str, policy: &UrlPolicy) -> Result<UrlInfo, ErrorPayload> {
    static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
    let url = Url::parse(url).map_err(|problem| error(ErrorType::Validation, problem))?;
    let _slot = Slot::take(&IN_FLIGHT, MAX_CONCURRENT_FETCHES).ok_or_else(|| {
        error(ErrorType::ServiceUnavailable, "too many link previews are being fetched; try again later")
    })?;
    match tokio::time::timeout(policy.timeout, fetch_page(url, policy)).await {
        Ok(result) => result,
        Err(_) => Err(error(
            ErrorType::RequestTimeout,
            format!("the page did not answer within {}", describe(policy.timeout)),
        )),
    }
}

fn error(kind: ErrorType, message: impl Into<String>) -> ErrorPayload {
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

/// Follows redirects until a page arrives, then reads its preview.
async fn fetch_page(mut url: Url, policy: &UrlPolicy) -> Result<UrlInfo, ErrorPayload> {
    let mut redirects = 0;
    loop {
        match get(&url, policy).await? {
            Fetched::Page(html) => return Ok(preview(&url, &html)),
            Fetched::Redirect(location) => {
                if redirects >= policy.max_redirects {
                    return Err(error(
                        ErrorType::LimitReached,
                        format!("the page redirects more than {} times", policy.max_redirects),
                    ));
                }
                redirects += 1;
                url = url
                    .join(&location)
                    .map_err(|problem| unreachable_page(format!("the page redirects to a bad URL: {problem}")))?;
            }
        }
    }
}

/// What one GET brought back.
enum Fetched {
    /// A redirect to this location (possibly relative).
    Redirect(String),
    /// The start of an HTML page, decoded to text.
    Page(String),
}

/// One GET of one URL, without following redirects.
async fn get(url: &Url, policy: &UrlPolicy) -> Result<Fetched, ErrorPayload> {
    let headers = [
        ("User-Agent", "chat-server-link-preview"),
        ("Accept", "text/html"),
        ("Accept-Encoding", "identity"),
    ];
    let mut exchange = open_url(url, "GET", &headers, b"", policy).await?;
    let head = &exchange.head;
    match head.status {
        301 | 302 | 303 | 307 | 308 => {
            let location =
                head.header("location").ok_or_else(|| unreachable_page("the page redirects without a Location"))?;
            return Ok(Fetched::Redirect(location.to_owned()));
        }
        200..=299 => {}
        status => return Err(unreachable_page(format!("the page answered HTTP {status}"))),
    }
    let content_type = head.header("content-type").map(str::to_owned);
    if let Some(content_type) = &content_type {
        let media = media_type(content_type);
        if media != "text/html" && media != "application/xhtml+xml" {
            return Err(error(ErrorType::Validation, format!("not an HTML page (it is {media})")));
        }
    }
    let body = read_body(&mut exchange.reader, &exchange.head, policy.max_bytes, true).await?;
    if content_type.is_none() && !looks_like_html(&body) {
        return Err(error(ErrorType::Validation, "not an HTML page"));
    }
    Ok(Fetched::Page(decode_text(body, content_type.as_deref())))
}

/// A request sent and its answer's status line and headers read; the body waits in the
/// connection until [`Exchange::read_body`] asks for it.
pub(crate) struct Exchange {
    reader: BufReader<Stream>,
    head: ResponseHead,
}

impl Exchange {
    /// The answer's status code.
    pub(crate) fn status(&self) -> u16 {
        self.head.status
    }

    /// A header of the answer (the name in lower case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.head.header(name)
    }

    /// Reads the body, at most `limit` bytes of it (chunked or not); the rest is left
    /// unread.
    pub(crate) async fn read_body(&mut self, limit: usize) -> Result<Vec<u8>, ErrorPayload> {
        read_body(&mut self.reader, &self.head, limit, false).await
    }
}

/// Sends one request to `url` and reads the answer's head. Redirects are not followed, and
/// there is no time limit here: callers put the whole exchange under their own and choose
/// how much body to read. Only the address checks and trusted roots of `policy` apply.
/// `headers` must not contain line breaks (callers pass constants).
pub(crate) async fn open(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    policy: &UrlPolicy,
) -> Result<Exchange, ErrorPayload> {
    let url = Url::parse(url).map_err(|problem| error(ErrorType::Validation, problem))?;
    open_url(&url, method, headers, body, policy).await
}

/// Checks that `text` is an absolute `http` or `https` URL this client can fetch; the
/// error says what is wrong (configuration checks use it).
pub(crate) fn check_url(text: &str) -> Result<(), String> {
    Url::parse(text).map(|_| ())
}

async fn open_url(
    url: &Url,
    method: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    policy: &UrlPolicy,
) -> Result<Exchange, ErrorPayload> {
    let addresses = resolve(url, policy).await?;
    let tcp = connect(url, &addresses).await?;
    let stream = match url.scheme {
        Scheme::Http => Stream::Plain(tcp),
        Scheme::Https => Stream::Tls(Box::new(handshake(url, tcp, policy).await?)),
    };
    let mut reader = BufReader::new(stream);
    let mut request = format!("{method} {} HTTP/1.1\r\nHost: {}\r\n", url.path, url.authority());
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method != "GET" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("Connection: close\r\n\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    let writer = reader.get_mut();
    let sent = async {
        writer.write_all(&bytes).await?;
        writer.flush().await
    };
    sent.await.map_err(|err| unreachable_page(format!("cannot send the request to {}: {err}", url.host)))?;
    let head = read_head(&mut reader).await?;
    Ok(Exchange { reader, head })
}

/// A connection, with or without TLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The TLS handshake over a connected socket, checking the certificate against the host
/// name (or IP address) of the URL.
async fn handshake(url: &Url, tcp: TcpStream, policy: &UrlPolicy) -> Result<TlsStream<TcpStream>, ErrorPayload> {
    let config = tls_config(&policy.extra_roots)?;
    let name = ServerName::try_from(url.host.clone())
        .map_err(|_| error(ErrorType::Validation, format!("{:?} is not a valid TLS server name", url.host)))?;
    TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|err| unreachable_page(format!("the TLS handshake with {} failed: {err}", url.host)))
}

/// The TLS client settings: the ring provider, TLS 1.2 and 1.3, the Mozilla roots plus
/// `extra_roots`, and HTTP/1.1 offered by ALPN. The common case (no extra roots) is built
/// once.
fn tls_config(extra_roots: &[Vec<u8>]) -> Result<Arc<ClientConfig>, ErrorPayload> {
    static DEFAULT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    let build = |extra_roots: &[Vec<u8>]| -> Result<Arc<ClientConfig>, String> {
        let mut roots = RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for der in extra_roots {
            roots.add(CertificateDer::from(der.clone())).map_err(|err| format!("a trusted root is not usable: {err}"))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|err| err.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    };
    if extra_roots.is_empty() {
        if let Some(config) = DEFAULT.get() {
            return Ok(config.clone());
        }
        let config = build(&[]).map_err(|problem| error(ErrorType::Internal, problem))?;
        return Ok(DEFAULT.get_or_init(|| config).clone());
    }
    build(extra_roots).map_err(|problem| error(ErrorType::Internal, problem))
}

/// The addresses of the URL's host that the policy allows, in resolver order.
async fn resolve(url: &Url, policy: &UrlPolicy) -> Result<Vec<SocketAddr>, ErrorPayload> {
    let resolved: Vec<SocketAddr> = tokio::net::lookup_host((url.host.as_str(), url.port))
        .await
        .map_err(|err| unreachable_page(format!("cannot resolve {}: {err}", url.host)))?
        .collect();
    if resolved.is_empty() {
        return Err(unreachable_page(format!("{} has no address", url.host)));
    }
    if policy.allow_private {
        return Ok(resolved);
    }
    let mut refused = None;
    let mut allowed = Vec::new();
    for address in resolved {
        match refusal(address.ip()) {
            None => allowed.push(address),
            Some(reason) => {
                refused.get_or_insert((address.ip(), reason));
            }
        }
    }
    match (allowed.is_empty(), refused) {
        (true, Some((ip, reason))) => Err(error(
            ErrorType::NotAllowed,
            format!("{} resolves to {ip}, a {reason} address; link previews fetch only public addresses", url.host),
        )),
        _ => Ok(allowed),
    }
}

/// Connects to the first address that answers. The addresses were checked already, so
/// connecting to them (and never resolving the name again) means a DNS answer that changes
/// between the check and the connect cannot redirect the fetch.
async fn connect(url: &Url, addresses: &[SocketAddr]) -> Result<TcpStream, ErrorPayload> {
    let mut last_error = None;
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => return Ok(stream),
            Err(err) => last_error = Some(err),
        }
    }
    let reason = last_error.map(|err| err.to_string()).unwrap_or_else(|| "no address".to_owned());
    Err(unreachable_page(format!("cannot connect to {}: {reason}", url.host)))
}

/// Why an address is not public, or `None` when a preview may fetch from it.
fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => refusal_v4(ip),
        IpAddr::V6(ip) => refusal_v6(ip),
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let reason = match ip.octets() {
        [0, 0, 0, 0] => "unspecified",
        [0, ..] => "\"this network\"",
        [127, ..] => "loopback",
        [10, ..] | [172, 16..=31, ..] | [192, 168, ..] => "private",
        [100, 64..=127, ..] => "carrier-grade NAT",
        [169, 254, ..] => "link-local",
        [192, 0, 0, _] => "protocol assignment",
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _] => "documentation",
        [192, 88, 99, _] => "6to4 relay",
        [198, 18..=19, ..] => "benchmarking",
        [224..=239, ..] => "multicast",
        [255, 255, 255, 255] => "broadcast",
        [240..=255, ..] => "reserved",
        _ => return None,
    };
    Some(reason)
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    let embedded = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refusal_v4(v4);
    }
    let reason = match segments {
        [0, 0, 0, 0, 0, 0, 0, 0] => "unspecified",
        [0, 0, 0, 0, 0, 0, 0, 1] => "loopback",
        // The deprecated IPv4-compatible form (::a.b.c.d) is never a real destination.
        [0, 0, 0, 0, 0, 0, _, _] => "IPv4-compatible",
        // NAT64 gateways forward the well-known prefix to the IPv4 address inside it.
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => return refusal_v4(embedded(high, low)),
        [0x64, 0xff9b, 1, ..] => "local NAT64",
        [0x100, 0, 0, 0, ..] => "discard-only",
        [0x2001, 0, ..] => "Teredo",
        [0x2001, 2, 0, ..] => "benchmarking",
        [0x2001, 0xdb8, ..] => "documentation",
        // 6to4 relays forward to the IPv4 address in the second and third groups.
        [0x2002, high, low, ..] => return refusal_v4(embedded(high, low)),
        [0x3fff, second, ..] if second < 0x1000 => "documentation",
        [first, ..] if first & 0xffc0 == 0xfe80 => "link-local",
        [first, ..] if first & 0xffc0 == 0xfec0 => "site-local",
        [first, ..] if first & 0xfe00 == 0xfc00 => "unique-local",
        [first, ..] if first & 0xff00 == 0xff00 => "multicast",
        _ => return None,
    };
    Some(reason)
}

/// The status and headers of a response.
struct ResponseHead {
    status: u16,
    /// Header names in lower case, values trimmed, in arrival order.
    headers: Vec<(String, String)>,
}

impl ResponseHead {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// Reads the status line and headers, skipping interim (1xx) responses.
async fn read_head(reader: &mut BufReader<Stream>) -> Result<ResponseHead, ErrorPayload> {
    loop {
        let mut budget = MAX_HEAD_BYTES;
        let status_line = read_line(reader, &mut budget).await?;
        let mut words = status_line.split_whitespace();
        let status = match (words.next(), words.next().and_then(|code| code.parse::<u16>().ok())) {
            (Some(version), Some(status)) if version.starts_with("HTTP/") && (100..1000).contains(&status) => status,
            _ => return Err(unreachable_page("the server did not answer with HTTP")),
        };
        let mut headers = Vec::new();
        loop {
            let line = read_line(reader, &mut budget).await?;
            if line.is_empty() {
                break;
            }
            // Lines without a colon are malformed; skipping them is what browsers do.
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
        if !(100..200).contains(&status) {
            return Ok(ResponseHead { status, headers });
        }
    }
}

/// One line of the response head without its line ending, reading at most `budget` bytes.
async fn read_line(reader: &mut BufReader<Stream>, budget: &mut usize) -> Result<String, ErrorPayload> {
    let mut line = Vec::new();
    (&mut *reader)
        .take(*budget as u64)
        .read_until(b'\n', &mut line)
        .await
        .map_err(|err| unreachable_page(format!("reading the page failed: {err}")))?;
    *budget -= line.len();
    if line.last() != Some(&b'\n') {
        return Err(unreachable_page(if *budget == 0 {
            "the page's headers are too large"
        } else {
            "the server closed the connection before the headers ended"
        }));
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// Reads the body, stopping at `limit` bytes, or (with `stop_at_head`) once the HTML head
/// has ended: a preview needs nothing after `</head>`.
async fn read_body(
    reader: &mut BufReader<Stream>,
    head: &ResponseHead,
    limit: usize,
    stop_at_head: bool,
) -> Result<Vec<u8>, ErrorPayload> {
    let failed = |err: std::io::Error| unreachable_page(format!("reading the page failed: {err}"));
    let mut body = Collector { bytes: Vec::new(), limit, stop_at_head };
    let mut buffer = vec![0; 16 * 1024];
    let chunked = head.header("transfer-encoding").is_some_and(|codings| {
        codings.rsplit(',').next().is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
    });
    if chunked {
        loop {
            let mut budget = 1024;
            let size_line = read_line(reader, &mut budget).await?;
            let size = size_line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| unreachable_page(format!("bad chunk size {size:?} in the page")))?;
            if size == 0 {
                return Ok(body.bytes);
            }
            let mut remaining = size;
            while remaining > 0 {
                let wanted = remaining.min(buffer.len());
                let read = read_some(reader, &mut buffer[..wanted]).await.map_err(failed)?;
                // A page cut short still has a usable head.
                if read == 0 {
                    return Ok(body.bytes);
                }
                remaining -= read;
                if body.push(&buffer[..read]) {
                    return Ok(body.bytes);
                }
            }
            let mut budget = 2;
            read_line(reader, &mut budget).await?;
        }
    }
    let mut remaining = match head.header("content-length") {
        Some(length) => length
            .trim()
            .parse::<usize>()
            .map_err(|_| unreachable_page(format!("bad Content-Length {length:?} in the page")))?,
        None => usize::MAX,
    };
    while remaining > 0 {
        let wanted = remaining.min(buffer.len());
        let read = read_some(reader, &mut buffer[..wanted]).await.map_err(failed)?;
        if read == 0 {
            break;
        }
        remaining -= read;
        if body.push(&buffer[..read]) {
            break;
        }
    }
    Ok(body.bytes)
}

/// Reads what is there. A TLS peer that closes without saying so (no `close_notify`, as many
/// servers do after `Connection: close`) ends the body like a plain close would.
async fn read_some(reader: &mut BufReader<Stream>, buffer: &mut [u8]) -> io::Result<usize> {
    match reader.read(buffer).await {
        Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
        result => result,
    }
}

/// The body bytes kept so far.
struct Collector {
    bytes: Vec<u8>,
    limit: usize,
    /// Whether the end of the HTML head ends the read.
    stop_at_head: bool,
}

impl Collector {
    /// Keeps what fits under the limit; true once nothing more is wanted.
    fn push(&mut self, data: &[u8]) -> bool {
        let before = self.bytes.len();
        let room = self.limit - before;
        self.bytes.extend_from_slice(&data[..data.len().min(room)]);
        // Look a little before the new bytes, in case `</head` was split between reads.
        let from = before.saturating_sub(5);
        self.bytes.len() >= self.limit
            || (self.stop_at_head && find_ignore_case(&self.bytes[from..], b"</head").is_some())
    }
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window.eq_ignore_ascii_case(needle))
}

/// The media type of a `Content-Type` value, lower case, without parameters.
fn media_type(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Whether an untyped body starts like an HTML document.
fn looks_like_html(body: &[u8]) -> bool {
    let start = &body[..body.len().min(1024)];
    let start = start.strip_prefix(b"\xef\xbb\xbf").unwrap_or(start);
    let start = start.trim_ascii_start();
    [&b"<!doctype html"[..], b"<html", b"<head", b"<title", b"<meta", b"<!--"]
        .iter()
        .any(|prefix| start.len() >= prefix.len() && start[..prefix.len()].eq_ignore_ascii_case(prefix))
}

/// Decodes the body: Latin-1 when the header says so (byte for byte), UTF-8 otherwise.
/// The body may end in the middle of a character, which becomes a replacement character.
pub(crate) fn decode_text(body: Vec<u8>, content_type: Option<&str>) -> String {
    let charset = content_type
        .and_then(|value| {
            value.split(';').skip(1).find_map(|parameter| {
                let (name, value) = parameter.split_once('=')?;
                name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"').to_ascii_lowercase())
            })
        })
        .unwrap_or_default();
    if matches!(charset.as_str(), "iso-8859-1" | "latin1" | "latin-1" | "windows-1252" | "cp1252") {
        body.iter().map(|&byte| char::from(byte)).collect()
    } else {
        match String::from_utf8(body) {
            Ok(text) => text,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        }
    }
}

/// The preview of a page fetched from `url`.
fn preview(url: &Url, html: &str) -> UrlInfo {
    let head = parse_head(html);
    let title = head.og_title.as_deref().and_then(clean).or_else(|| head.title.as_deref().and_then(clean));
    let description =
        head.og_description.as_deref().and_then(clean).or_else(|| head.description.as_deref().and_then(clean));
    let image = head
        .og_image
        .as_deref()
        .and_then(|raw| url.join(decode_entities(raw).trim()).ok())
        .map(|image| image.to_string());
    let dimension =
        |raw: &Option<String>| image.as_ref().and(raw.as_deref()).and_then(|value| value.trim().parse::<u32>().ok());
    UrlInfo {
        url: url.to_string(),
        title,
        description,
        image_width: dimension(&head.og_image_width),
        image_height: dimension(&head.og_image_height),
        image_original_url: image.clone(),
        image_url: image,
    }
}

/// What the HTML head says, as raw text (entities not yet decoded).
#[derive(Debug, Default, PartialEq)]
struct Head {
    title: Option<String>,
    description: Option<String>,
    og_title: Option<String>,
    og_description: Option<String>,
    og_image: Option<String>,
    og_image_width: Option<String>,
    og_image_height: Option<String>,
}

/// Scans the HTML up to the end of its head for `<title>` and `<meta>` tags. The first
/// occurrence of each property wins. Comments and the contents of `<script>`, `<style>` and
/// `<template>` are skipped so that tags inside them are not mistaken for real ones.
fn parse_head(html: &str) -> Head {
    // ASCII lower-casing keeps every byte offset, so positions found in `lower` index `html`.
    let lower = html.to_ascii_lowercase();
    let mut head = Head::default();
    let mut at = 0;
    while let Some(found) = lower[at..].find('<') {
        let start = at + found;
        let rest = &lower[start..];
        if rest.starts_with("<!--") {
            match rest.find("-->") {
                Some(end) => at = start + end + 3,
                None => break,
            }
            continue;
        }
        if rest.starts_with("</head") || rest.starts_with("<body") {
            break;
        }
        let name_len = rest[1..].find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len() - 1);
        if name_len == 0 {
            // Closing tags, doctypes and processing instructions carry nothing we read.
            at = match rest[1..].find('>') {
                Some(end) if rest[1..].starts_with(['/', '!', '?']) => start + 1 + end + 1,
                _ => start + 1,
            };
            continue;
        }
        let name = &rest[1..1 + name_len];
        let (attributes, after) = parse_attributes(html, start + 1 + name_len);
        at = after;
        match name {
            "title" => {
                let end = lower[after..].find("</title").map_or(lower.len(), |end| after + end);
                head.title.get_or_insert_with(|| html[after..end].to_owned());
                at = end;
            }
            "script" | "style" | "template" => {
                let closing = format!("</{name}");
                at = lower[after..].find(&closing).map_or(lower.len(), |end| after + end);
            }
            "meta" => {
                let attribute =
                    |wanted: &str| attributes.iter().find(|(name, _)| name == wanted).map(|(_, value)| value.as_str());
                let Some(content) = attribute("content") else { continue };
                let key = attribute("property").or_else(|| attribute("name")).unwrap_or("").trim().to_ascii_lowercase();
                let slot = match key.as_str() {
                    "og:title" => &mut head.og_title,
                    "og:description" => &mut head.og_description,
                    "og:image" | "og:image:url" => &mut head.og_image,
                    "og:image:width" => &mut head.og_image_width,
                    "og:image:height" => &mut head.og_image_height,
                    "description" => &mut head.description,
                    _ => continue,
                };
                slot.get_or_insert_with(|| content.to_owned());
            }
            _ => {}
        }
    }
    head
}

/// Reads a tag's attributes starting at `at` (just after the tag name). Returns the
/// attributes (names lower case, values raw) and the position just after the tag's `>`.
fn parse_attributes(html: &str, mut at: usize) -> (Vec<(String, String)>, usize) {
    let bytes = html.as_bytes();
    let mut attributes = Vec::new();
    // Every position this loop stops at is an ASCII byte or the end, so slicing is safe.
    loop {
        while at < bytes.len() && (bytes[at].is_ascii_whitespace() || bytes[at] == b'/') {
            at += 1;
        }
        if at >= bytes.len() {
            return (attributes, bytes.len());
        }
        if bytes[at] == b'>' {
            return (attributes, at + 1);
        }
        let name_start = at;
        while at < bytes.len() && !bytes[at].is_ascii_whitespace() && !matches!(bytes[at], b'=' | b'>' | b'/') {
            at += 1;
        }
        let name = html[name_start..at].to_ascii_lowercase();
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let mut value = String::new();
        if at < bytes.len() && bytes[at] == b'=' {
            at += 1;
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            if at < bytes.len() && matches!(bytes[at], b'"' | b'\'') {
                let quote = bytes[at];
                let value_start = at + 1;
                let end = bytes[value_start..]
                    .iter()
                    .position(|&byte| byte == quote)
                    .map_or(bytes.len(), |end| value_start + end);
                value = html[value_start..end].to_owned();
                at = (end + 1).min(bytes.len());
            } else {
                let value_start = at;
                while at < bytes.len() && !bytes[at].is_ascii_whitespace() && bytes[at] != b'>' {
                    at += 1;
                }
                value = html[value_start..at].to_owned();
            }
        }
        if !name.is_empty() {
            attributes.push((name, value));
        }
    }
}

/// Decodes entities, collapses whitespace and caps the length; `None` when nothing is left.
fn clean(raw: &str) -> Option<String> {
    let text = decode_entities(raw).split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return None;
    }
    if text.chars().count() <= MAX_TEXT_CHARS {
        return Some(text);
    }
    let mut capped: String = text.chars().take(MAX_TEXT_CHARS - 1).collect();
    capped.truncate(capped.trim_end().len());
    capped.push('…');
    Some(capped)
}

/// Decodes the common named entities and all numeric ones; anything else stays as written.
fn decode_entities(text: &str) -> String {
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        decoded.push_str(&rest[..amp]);
        rest = &rest[amp + 1..];
        match entity(rest) {
            Some((character, len)) => {
                decoded.push(character);
                rest = &rest[len..];
            }
            None => decoded.push('&'),
        }
    }
    decoded.push_str(rest);
    decoded
}

/// The character an entity (the text after `&`) stands for, and the entity's length
/// including its `;`.
fn entity(text: &str) -> Option<(char, usize)> {
    let semicolon = text.bytes().take(12).position(|byte| byte == b';')?;
    let name = &text[..semicolon];
    let character = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse::<u32>().ok()?,
            };
            char::from_u32(code).filter(|&character| character != '\0').unwrap_or('\u{fffd}')
        }
    };
    Some((character, semicolon + 1))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// An absolute `http` or `https` URL, normalised: lower-case scheme and host, no user
/// information, no fragment, a path that starts with `/` and has no dot segments, and
/// unsafe characters percent-encoded so the path can go on a request line as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Url {
    scheme: Scheme,
    /// A host name, or an IP address (IPv6 without brackets).
    host: String,
    port: u16,
    /// The path and query.
    path: String,
}

impl Url {
    /// Parses an absolute URL; the error says what is wrong with it.
    fn parse(input: &str) -> Result<Url, String> {
        let input = input.trim();
        if input.is_empty() {
            return Err("the URL is empty".to_owned());
        }
        if input.len() > MAX_URL_BYTES {
            return Err(format!("the URL is longer than {MAX_URL_BYTES} bytes"));
        }
        if input.chars().any(char::is_control) {
            return Err("the URL contains control characters".to_owned());
        }
        let Some((scheme, rest)) = split_scheme(input) else {
            return Err("the URL has no scheme; only http and https URLs can be previewed".to_owned());
        };
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => return Err(format!("only http and https URLs can be previewed, not {other}:")),
        };
        let Some(rest) = rest.strip_prefix("//") else {
            return Err("the URL has no host".to_owned());
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (host, port) = parse_authority(authority)?;
        let port = port.unwrap_or(scheme.default_port());
        Ok(Url { scheme, host, port, path: normalize_path(tail) })
    }

    /// Resolves a reference (a redirect's `Location`, an image's address) against this URL.
    fn join(&self, reference: &str) -> Result<Url, String> {
        let reference = reference.trim();
        if reference.chars().any(char::is_control) {
            return Err("the URL contains control characters".to_owned());
        }
        if split_scheme(reference).is_some() {
            return Url::parse(reference);
        }
        if reference.starts_with("//") {
            return Url::parse(&format!("{}:{reference}", self.scheme.as_str()));
        }
        let reference = reference.split('#').next().unwrap_or("");
        let base_path = self.path.split('?').next().unwrap_or("/");
        let path = if reference.is_empty() {
            self.path.clone()
        } else if reference.starts_with('/') {
            normalize_path(reference)
        } else if reference.starts_with('?') {
            format!("{base_path}{}", percent_encode(reference))
        } else {
            let directory = &base_path[..=base_path.rfind('/').unwrap_or(0)];
            normalize_path(&format!("{directory}{reference}"))
        };
        if path.len() > MAX_URL_BYTES {
            return Err(format!("the URL is longer than {MAX_URL_BYTES} bytes"));
        }
        Ok(Url { path, ..self.clone() })
    }

    /// The host, bracketed when it is an IPv6 address, and the port unless it is the
    /// scheme's default: what the `Host` header carries.
    fn authority(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        if self.port == self.scheme.default_port() { host } else { format!("{host}:{}", self.port) }
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme.as_str(), self.authority(), self.path)
    }
}

/// Splits `scheme:rest` when the text starts with a valid scheme name.
fn split_scheme(input: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = input.split_once(':')?;
    let mut characters = scheme.chars();
    let valid = characters.next()?.is_ascii_alphabetic()
        && characters.all(|character| character.is_ascii_alphanumeric() || matches!(character, '+' | '-' | '.'));
    valid.then_some((scheme, rest))
}

/// The host (lower case) and the port, if one is written.
fn parse_authority(authority: &str) -> Result<(String, Option<u16>), String> {
    if authority.contains('@') {
        return Err("URLs with a user name or password are not previewed".to_owned());
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (address, after) = bracketed.split_once(']').ok_or("the IPv6 address is missing its closing ]")?;
        let address: Ipv6Addr = address.parse().map_err(|_| format!("{address} is not a valid IPv6 address"))?;
        let port = match after {
            "" => None,
            after => Some(after.strip_prefix(':').ok_or("unexpected characters after the IPv6 address")?),
        };
        (address.to_string(), port)
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if !host.is_ascii() {
            return Err("internationalised host names are not supported; use the xn-- (punycode) form".to_owned());
        }
        if !host.chars().all(|character| character.is_ascii_alphanumeric() || matches!(character, '-' | '.' | '_')) {
            return Err(format!("{host:?} is not a valid host name"));
        }
        (host.to_ascii_lowercase(), port)
    };
    if host.is_empty() {
        return Err("the URL has no host".to_owned());
    }
    let port = match port {
        None | Some("") => None,
        Some(port) => match port.parse::<u16>() {
            Ok(port) if port > 0 => Some(port),
            _ => return Err(format!("{port:?} is not a valid port")),
        },
    };
    Ok((host, port))
}

/// Turns the part of a URL after the host into a request target: fragment dropped, dot
/// segments removed, unsafe characters percent-encoded, and `/` when empty.
fn normalize_path(tail: &str) -> String {
    let tail = tail.split('#').next().unwrap_or("");
    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (tail, None),
    };
    let path = if path.is_empty() { "/".to_owned() } else { remove_dot_segments(path) };
    let mut target = percent_encode(&path);
    if let Some(query) = query {
        target.push('?');
        target.push_str(&percent_encode(query));
    }
    target
}

/// Resolves `.` and `..` segments of an absolute path (RFC 3986, section 5.2.4).
fn remove_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let mut kept: Vec<&str> = Vec::new();
    for (index, segment) in segments.iter().enumerate() {
        let last = index + 1 == segments.len();
        match *segment {
            "." => {}
            ".." => {
                kept.pop();
            }
            segment => {
                kept.push(segment);
                continue;
            }
        }
        // A path that ends in a dot segment names a directory, so it keeps its slash.
        if last {
            kept.push("");
        }
    }
    format!("/{}", kept.join("/"))
}

/// Percent-encodes bytes that may not appear in a request line. Existing `%` escapes are
/// kept as they are.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if byte.is_ascii_graphic() && !matches!(byte, b'"' | b'<' | b'>' | b'`') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_address(address: &str, expected: Option<&str>) {
        let ip: IpAddr = address.parse().unwrap();
        assert_eq!(refusal(ip), expected, "{address}");
    }

    #[test]
    fn ipv4_ranges_that_are_not_public_are_refused() {
        for (address, reason) in [
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "\"this network\""),
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("10.0.0.1", "private"),
            ("10.255.255.255", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.255", "carrier-grade NAT"),
            ("169.254.169.254", "link-local"),
            ("192.0.0.8", "protocol assignment"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("192.88.99.1", "6to4 relay"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
        ] {
            check_address(address, Some(reason));
        }
    }

    #[test]
    fn public_ipv4_addresses_pass_including_the_neighbours_of_refused_ranges() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "9.255.255.255",
            "11.0.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "169.253.255.255",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            check_address(address, None);
        }
    }

    #[test]
    fn ipv6_ranges_that_are_not_public_are_refused() {
        for (address, reason) in [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::7f00:1", "IPv4-compatible"),
            ("fe80::1", "link-local"),
            ("febf:ffff::1", "link-local"),
            ("fec0::1", "site-local"),
            ("fc00::1", "unique-local"),
            ("fd12:3456:789a::1", "unique-local"),
            ("ff02::1", "multicast"),
            ("ff05::1:3", "multicast"),
            ("2001:db8::1", "documentation"),
            ("3fff:fff::1", "documentation"),
            ("100::1", "discard-only"),
            ("2001::1", "Teredo"),
            ("2001:2::1", "benchmarking"),
            ("64:ff9b:1::1", "local NAT64"),
        ] {
            check_address(address, Some(reason));
        }
    }

    #[test]
    fn ipv6_forms_that_embed_an_ipv4_address_are_judged_by_that_address() {
        for (address, reason) in [
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:10.1.2.3", Some("private")),
            ("::ffff:172.16.0.1", Some("private")),
            ("::ffff:192.168.0.1", Some("private")),
            ("::ffff:100.64.0.1", Some("carrier-grade NAT")),
            ("::ffff:169.254.169.254", Some("link-local")),
            ("::ffff:0.0.0.0", Some("unspecified")),
            ("::ffff:224.0.0.1", Some("multicast")),
            ("::ffff:255.255.255.255", Some("broadcast")),
            ("::ffff:192.0.2.1", Some("documentation")),
            ("64:ff9b::a9fe:a9fe", Some("link-local")),
            ("64:ff9b::7f00:1", Some("loopback")),
            ("2002:c0a8:101::1", Some("private")),
            ("::ffff:8.8.8.8", None),
            ("64:ff9b::808:808", None),
            ("2002:808:808::1", None),
        ] {
            check_address(address, reason);
        }
    }

    #[test]
    fn public_ipv6_addresses_pass() {
        for address in ["2606:4700:4700::1111", "2a00:1450:4001:80e::200e", "3fff:1000::1", "fe7f::1", "fbff::1"] {
            check_address(address, None);
        }
    }

    #[tokio::test]
    async fn the_default_policy_refuses_local_hosts_before_connecting() {
        let policy = UrlPolicy::default();
        for url in [
            "http://127.0.0.1:9/",
            "http://localhost:9/",
            "http://[::1]:9/",
            "http://[::ffff:127.0.0.1]:9/",
            "http://0:9/",
        ] {
            let err = fetch(url, &policy).await.unwrap_err();
            assert_eq!(err.kind, ErrorType::NotAllowed, "{url}: {err}");
            assert!(err.message.contains("only public addresses"), "{url}: {err}");
        }
    }

    #[tokio::test]
    async fn bad_urls_are_refused_with_a_reason() {
        let policy = UrlPolicy::default();
        for (url, words) in [
            ("ftp://example.com/", "not ftp:"),
            ("javascript:alert(1)", "not javascript:"),
            ("example.com/page", "no scheme"),
            ("http:/example.com", "no host"),
            ("http://", "no host"),
            ("http://user:pass@example.com/", "password"),
            ("http://example.com:99999/", "not a valid port"),
            ("http://exa mple.com/", "not a valid host name"),
            ("http://bücher.example/", "punycode"),
            ("http://[::1/", "closing ]"),
            ("http://example.com/\r\nX-Injected: 1", "control characters"),
            ("", "empty"),
        ] {
            let err = fetch(url, &policy).await.unwrap_err();
            assert_eq!(err.kind, ErrorType::Validation, "{url}: {err}");
            assert!(err.message.contains(words), "{url}: {err}");
        }
    }

    #[test]
    fn urls_are_normalised_for_the_request_line() {
        let url = Url::parse(" HTTP://Example.COM:80/a/./b/../c d?q=ü#frag ").unwrap();
        assert_eq!(url.to_string(), "http://example.com/a/c%20d?q=%C3%BC");
        assert_eq!(url.authority(), "example.com");
        let url = Url::parse("http://[::1]:8080").unwrap();
        assert_eq!((url.to_string().as_str(), url.port), ("http://[::1]:8080/", 8080));
        assert_eq!(Url::parse("https://example.com?x").unwrap().to_string(), "https://example.com/?x");
    }

    #[test]
    fn references_resolve_against_the_page() {
        let base = Url::parse("http://example.com:8080/blog/post.html?id=3").unwrap();
        for (reference, expected) in [
            ("https://cdn.example/i.png", "https://cdn.example/i.png"),
            ("//cdn.example/i.png", "http://cdn.example/i.png"),
            ("/img/a.png", "http://example.com:8080/img/a.png"),
            ("img/a.png", "http://example.com:8080/blog/img/a.png"),
            ("../a.png", "http://example.com:8080/a.png"),
            ("../../../a.png", "http://example.com:8080/a.png"),
            ("./", "http://example.com:8080/blog/"),
            ("?id=4", "http://example.com:8080/blog/post.html?id=4"),
            ("#top", "http://example.com:8080/blog/post.html?id=3"),
        ] {
            assert_eq!(base.join(reference).unwrap().to_string(), expected, "{reference}");
        }
        assert!(base.join("data:image/png;base64,AAAA").is_err());
        assert!(base.join("javascript:alert(1)").is_err());
    }

    #[test]
    fn open_graph_tags_win_over_the_title_and_description() {
        let html = r#"<!DOCTYPE html>
            <html><head>
            <meta charset="utf-8">
            <title>  Plain   title </title>
            <META NAME="description" CONTENT="Plain description">
            <meta property="og:title" content="Tents &amp; Tarps &#8211; Acme">
            <meta property='og:description' content='Light &quot;ultra&quot; gear &#x2014; it&#39;s here'>
            <meta property=og:image content=/img/tent.png?w=1&amp;h=2>
            <meta property="og:image:width" content=" 1200 ">
            <meta property="og:image:height" content="630" />
            </head><body><meta property="og:title" content="not in the head"></body></html>"#;
        let info = preview(&Url::parse("http://shop.example/tents/").unwrap(), html);
        assert_eq!(info.url, "http://shop.example/tents/");
        assert_eq!(info.title.as_deref(), Some("Tents & Tarps – Acme"));
        assert_eq!(info.description.as_deref(), Some("Light \"ultra\" gear — it's here"));
        assert_eq!(info.image_url.as_deref(), Some("http://shop.example/img/tent.png?w=1&h=2"));
        assert_eq!(info.image_original_url, info.image_url);
        assert_eq!((info.image_width, info.image_height), (Some(1200), Some(630)));
    }

    #[test]
    fn the_plain_title_and_description_are_the_fallback() {
        let html = "<html><head><title>\n  Camping\tGear &lt;2025&gt;\n</title>\
                    <meta content=\"Everything &#65;&#x42;C\" name=\"description\"></head></html>";
        let info = preview(&Url::parse("http://shop.example/").unwrap(), html);
        assert_eq!(info.title.as_deref(), Some("Camping Gear <2025>"));
        assert_eq!(info.description.as_deref(), Some("Everything ABC"));
        assert_eq!((info.image_url, info.image_width), (None, None), "no size without an image");
    }

    #[test]
    fn tags_inside_comments_scripts_and_styles_are_ignored() {
        let html = r#"<head><!-- <title>commented</title> -->
            <script>document.write("<title>scripted</title><meta property='og:title' content='x'>")</script>
            <style>/* <title>styled</title> */</style>
            <title>Real</title></head>"#;
        assert_eq!(parse_head(html).title.as_deref(), Some("Real"));
        assert_eq!(parse_head(html).og_title, None);
    }

    #[test]
    fn text_is_capped_and_blank_text_is_dropped() {
        let long = "word ".repeat(100);
        let capped = clean(&long).unwrap();
        assert_eq!(capped.chars().count(), MAX_TEXT_CHARS);
        assert!(capped.ends_with("word…"), "{capped}");
        assert_eq!(clean(&"é".repeat(300)).unwrap().chars().count(), 300);
        assert_eq!(clean(" \n&nbsp; "), None);
    }

    #[test]
    fn entities_decode_and_unknown_ones_stay() {
        assert_eq!(decode_entities("a &amp; b &lt;&gt; &quot;&#39; &#65;&#x41;&#X42;"), "a & b <> \"' AAB");
        assert_eq!(
            decode_entities("R&D &unknown; &#xZZ; &#0; &#1114112; & &amp"),
            "R&D &unknown; &#xZZ; \u{fffd} \u{fffd} & &amp"
        );
    }

    #[test]
    fn unterminated_markup_does_not_panic() {
        for html in [
            "<",
            "<title>open",
            "<meta content=\"x",
            "<meta property=og:title content=",
            "<!-- never closed",
            "<é",
            "<meta é=é>",
        ] {
            parse_head(html);
        }
    }

    #[test]
    fn untyped_bodies_are_sniffed_and_latin1_is_honoured() {
        assert!(looks_like_html(b"\xef\xbb\xbf  <!DOCTYPE html><html>"));
        assert!(!looks_like_html(b"%PDF-1.7"));
        assert_eq!(decode_text(b"caf\xe9".to_vec(), Some("text/html; charset=ISO-8859-1")), "café");
        assert_eq!(decode_text("café".as_bytes().to_vec(), Some("text/html")), "café");
        assert_eq!(decode_text(b"caf\xc3".to_vec(), None), "caf\u{fffd}");
    }

    #[test]
    fn the_head_ends_the_read_even_when_split_between_reads() {
        let mut body = Collector { bytes: Vec::new(), limit: 100, stop_at_head: true };
        assert!(!body.push(b"<title>x</title></HE"));
        assert!(body.push(b"AD><body>"));
        let mut body = Collector { bytes: Vec::new(), limit: 4, stop_at_head: true };
        assert!(body.push(b"abcdef"));
        assert_eq!(body.bytes, b"abcd");
        let mut body = Collector { bytes: Vec::new(), limit: 100, stop_at_head: false };
        assert!(!body.push(b"<title>x</title></head>"), "only previews stop at the head");
    }

    /// The test certificate authority (`tests/fixtures/README.md` says how it was made).
    const TEST_CA: &[u8] = include_bytes!("../tests/fixtures/ca.der");
    /// A certificate for `127.0.0.1` and `localhost`, issued by [`TEST_CA`].
    const TEST_CERT: &[u8] = include_bytes!("../tests/fixtures/server.der");
    /// Its private key (PKCS #8).
    const TEST_KEY: &[u8] = include_bytes!("../tests/fixtures/server.key.der");

    /// An https server on 127.0.0.1 with the test certificate. Every connection gets
    /// `response`, then a TLS `close_notify` unless `abrupt`, when the socket is just closed;
    /// the requests it read (head and body) come out of the channel.
    async fn tls_site(
        response: &'static str,
        abrupt: bool,
    ) -> (SocketAddr, tokio::sync::mpsc::UnboundedReceiver<String>) {
        use rustls::pki_types::PrivateKeyDer;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(TEST_CERT.to_vec())],
                PrivateKeyDer::Pkcs8(TEST_KEY.to_vec().into()),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let (requests, received) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, requests) = (acceptor.clone(), requests.clone());
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake here.
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let mut request = Vec::new();
                    let mut buffer = [0; 1024];
                    loop {
                        let Ok(read) = tls.read(&mut buffer).await else { return };
                        request.extend_from_slice(&buffer[..read]);
                        let text = String::from_utf8_lossy(&request).into_owned();
                        let complete = text.split_once("\r\n\r\n").is_some_and(|(head, body)| {
                            let length = head
                                .lines()
                                .find_map(|line| line.strip_prefix("Content-Length: "))
                                .map_or(0, |length| length.parse::<usize>().unwrap());
                            body.len() >= length
                        });
                        if read == 0 || complete {
                            let _ = requests.send(text);
                            break;
                        }
                    }
                    let _ = tls.write_all(response.as_bytes()).await;
                    let _ = tls.flush().await;
                    if abrupt {
                        let _ = tls.into_inner().0.shutdown().await;
                    } else {
                        let _ = tls.shutdown().await;
                    }
                });
            }
        });
        (addr, received)
    }

    fn trusting_the_test_ca() -> UrlPolicy {
        UrlPolicy { allow_private: true, extra_roots: vec![TEST_CA.to_vec()], ..UrlPolicy::default() }
    }

    #[tokio::test]
    async fn https_pages_are_previewed_and_other_requests_sent_over_tls() {
        let page = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 47\r\n\r\n\
                    <html><head><title>Secure</title></head></html>";
        let (addr, mut requests) = tls_site(page, false).await;
        let policy = trusting_the_test_ca();
        let info = fetch(&format!("https://127.0.0.1:{}/page", addr.port()), &policy).await.unwrap();
        assert_eq!(info.title.as_deref(), Some("Secure"));
        assert!(requests.recv().await.unwrap().starts_with("GET /page HTTP/1.1\r\n"));

        // By name as well as by address; and a POST with a body through `open`.
        let url = format!("https://localhost:{}/check", addr.port());
        let headers = [("Content-Type", "application/x-www-form-urlencoded")];
        let mut exchange = open("POST", &url, &headers, b"custom=a%26b", &policy).await.unwrap();
        assert_eq!(exchange.status(), 200);
        assert_eq!(exchange.header("content-type"), Some("text/html"));
        assert_eq!(exchange.read_body(12).await.unwrap(), b"<html><head>");
        let request = requests.recv().await.unwrap();
        assert!(request.starts_with("POST /check HTTP/1.1\r\n"), "{request}");
        assert!(request.contains("\r\nContent-Length: 12\r\n"), "{request}");
        assert!(request.ends_with("\r\n\r\ncustom=a%26b"), "{request}");

        // A body that ends when the server closes, without TLS's own goodbye, still ends.
        let (addr, _requests) = tls_site("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nJane Doe", true).await;
        let url = format!("https://127.0.0.1:{}/", addr.port());
        let mut exchange = open("POST", &url, &headers, b"custom=x", &policy).await.unwrap();
        assert_eq!(exchange.read_body(4096).await.unwrap(), b"Jane Doe");
    }

    #[tokio::test]
    async fn unknown_certificates_and_servers_without_tls_fail_the_handshake() {
        let (addr, _requests) = tls_site("HTTP/1.1 204 No Content\r\n\r\n", false).await;
        let untrusting = UrlPolicy { allow_private: true, ..UrlPolicy::default() };
        let err = fetch(&format!("https://127.0.0.1:{}/", addr.port()), &untrusting).await.unwrap_err();
        assert_eq!(err.kind, ErrorType::NotFound, "{err}");
        assert!(err.message.contains("TLS handshake with 127.0.0.1 failed"), "{err}");
        assert!(err.message.contains("certificate"), "{err}");

        // A plain HTTP server on an https URL answers the TLS greeting with text.
        let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = plain.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut stream, _) = plain.accept().await.unwrap();
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
            let _ = stream.shutdown().await;
        });
        let err = fetch(&format!("https://127.0.0.1:{port}/"), &trusting_the_test_ca()).await.unwrap_err();
        assert!(err.message.contains("TLS handshake with 127.0.0.1 failed"), "{err}");
    }
}
