//! Link previews (`get_url_info`) fetched from a small HTTP server on a loopback port: the
//! preview fields, chunked pages, redirects, the size and time limits, error types, and
//! the default policy's refusal of loopback addresses. The page server is raw TCP so that
//! each answer (a page that never ends, one that never starts) is exactly what it says.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use server::outbound::UrlPolicy;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::support::*;

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head>
  <meta charset="utf-8">
  <title>Plain title</title>
  <meta name="description" content="Plain description">
  <meta property="og:title" content="Tents &amp; Tarps">
  <meta property="og:description" content="Light, &quot;ultra&quot;   dry&#33;">
  <meta property="og:image" content="/img/tent.png">
  <meta property="og:image:width" content="1200">
  <meta property="og:image:height" content="630">
</head><body><h1>Tents</h1></body></html>"#;

/// The largest body the test policy reads.
const MAX_BYTES: usize = 64 * 1024;

/// The length of the pages that never end in practice.
const HUGE: usize = 64 * 1024 * 1024;

fn policy() -> UrlPolicy {
    UrlPolicy {
        allow_private: true,
        max_bytes: MAX_BYTES,
        timeout: Duration::from_millis(1500),
        ..UrlPolicy::default()
    }
}

/// A web site on 127.0.0.1 with one page per behaviour.
struct Site {
    addr: SocketAddr,
    /// The head of every request received, in order.
    requests: Arc<Mutex<Vec<String>>>,
    /// For the streaming and slow pages: the path, and whether the whole answer was sent.
    finished: mpsc::UnboundedReceiver<(String, bool)>,
}

impl Site {
    async fn start() -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (done, finished) = mpsc::unbounded_channel();
        let log = requests.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, addr, log.clone(), done.clone()));
            }
        });
        Site { addr, requests, finished }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Waits until the page at `path` is done; true when its whole answer was sent.
    async fn finished(&mut self, path: &str) -> bool {
        loop {
            let (done, complete) =
                tokio::time::timeout(WAIT, self.finished.recv()).await.expect("page still running").unwrap();
            if done == path {
                return complete;
            }
        }
    }

    fn request_for(&self, path: &str) -> Option<String> {
        let line = format!("GET {path} HTTP/1.1\r\n");
        self.requests.lock().unwrap().iter().find(|request| request.starts_with(&line)).cloned()
    }
}

async fn answer(
    mut stream: TcpStream,
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    done: mpsc::UnboundedSender<(String, bool)>,
) {
    let mut head = Vec::new();
    let mut buffer = [0; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => head.extend_from_slice(&buffer[..read]),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    log.lock().unwrap().push(head);
    let html = |body: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let response = match path.as_str() {
        "/page" | "/page?from=redirect" => html(PAGE),
        "/chunked" => "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n\
                       d\r\n<html><head><\r\n1c;ext=1\r\ntitle>Chunked &amp; fine</ti\r\n\
                       12\r\ntle></head></html>\r\n0\r\n\r\n"
            .to_owned(),
        "/redirect" => "HTTP/1.1 302 Found\r\nLocation: /hop\r\nContent-Length: 0\r\n\r\n".to_owned(),
        "/hop" => format!("HTTP/1.1 301 Moved Permanently\r\nLocation: http://{addr}/page?from=redirect#top\r\n\r\n"),
        "/loop" => "HTTP/1.1 307 Temporary Redirect\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n".to_owned(),
        "/file.pdf" => {
            "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 8\r\n\r\n%PDF-1.7".to_owned()
        }
        "/missing" => {
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\nnot found".to_owned()
        }
        "/huge" => {
            // The title comes only after far more than the policy reads.
            let complete =
                stream_page(&mut stream, "<!DOCTYPE html><html><head>", "<title>Too far</title></head></html>").await;
            let _ = done.send((path, complete));
            return;
        }
        "/big" => {
            let complete =
                stream_page(&mut stream, "<html><head><title>Big page</title></head><body>", "</body></html>").await;
            let _ = done.send((path, complete));
            return;
        }
        "/slow" => {
            // Never answers; waits for the client to give up and close the connection.
            let closed = stream.read(&mut buffer).await.map_or(true, |read| read == 0);
            let _ = done.send((path, !closed));
            return;
        }
        _ => "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n".to_owned(),
    };
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Sends a `HUGE`-byte page: `start`, spaces, `end`. True when all of it was written,
/// false when the reader went away first.
async fn stream_page(stream: &mut TcpStream, start: &str, end: &str) -> bool {
    let head = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {HUGE}\r\n\r\n{start}");
    if stream.write_all(head.as_bytes()).await.is_err() {
        return false;
    }
    let spaces = vec![b' '; 64 * 1024];
    let mut left = HUGE - start.len() - end.len();
    while left > 0 {
        let piece = left.min(spaces.len());
        if stream.write_all(&spaces[..piece]).await.is_err() {
            return false;
        }
        left -= piece;
    }
    stream.write_all(end.as_bytes()).await.is_ok()
}

async fn preview(client: &mut Client, url: &str) -> Value {
    client.request("get_url_info", json!({ "url": url })).await
}

#[track_caller]
fn error_message(response: &Value) -> &str {
    response["payload"]["error"]["message"].as_str().unwrap()
}

#[tokio::test]
async fn a_preview_has_the_title_description_and_absolute_image() {
    let site = Site::start().await;
    let server = TestServer::start_with_policy(policy()).await;
    let mut customer = server.customer().await;
    let response = preview(&mut customer, &site.url("/page")).await;
    let info = ok(&response);
    assert_eq!(info["url"], site.url("/page"));
    assert_eq!(info["title"], "Tents & Tarps");
    assert_eq!(info["description"], "Light, \"ultra\" dry!");
    assert_eq!(info["image_url"], site.url("/img/tent.png"));
    assert_eq!(info["image_original_url"], site.url("/img/tent.png"));
    assert_eq!((info["image_width"].as_u64(), info["image_height"].as_u64()), (Some(1200), Some(630)));

    // Header names are case-insensitive; the client sends them in lower case.
    let request = site.request_for("/page").expect("the page was fetched").to_ascii_lowercase();
    for header in [
        format!("\r\nhost: {}\r\n", site.addr),
        "\r\nuser-agent: chat-server-link-preview\r\n".to_owned(),
        "\r\naccept: text/html\r\n".to_owned(),
        "\r\nconnection: close\r\n".to_owned(),
    ] {
        assert!(request.contains(&header), "{header:?} missing from {request:?}");
    }
}

#[tokio::test]
async fn agents_get_previews_too_and_chunked_pages_are_read() {
    let site = Site::start().await;
    let server = TestServer::start_with_policy(policy()).await;
    let mut agent = server.agent().await;
    let response = preview(&mut agent, &site.url("/chunked")).await;
    assert_eq!(ok(&response)["title"], "Chunked & fine");
    assert_eq!(ok(&response).get("image_url"), None);
}

#[tokio::test]
async fn redirects_lead_to_the_final_url_and_are_limited() {
    let site = Site::start().await;
    let server = TestServer::start_with_policy(policy()).await;
    let mut customer = server.customer().await;
    let response = preview(&mut customer, &site.url("/redirect")).await;
    assert_eq!(ok(&response)["url"], site.url("/page?from=redirect"));
    assert_eq!(ok(&response)["title"], "Tents & Tarps");

    let response = preview(&mut customer, &site.url("/loop")).await;
    assert_eq!(error_type(&response), "limit_reached");
    assert!(error_message(&response).contains("more than 3"), "{response}");
    let hops = site.requests.lock().unwrap().iter().filter(|request| request.starts_with("GET /loop ")).count();
    assert_eq!(hops, 4, "the first request and three redirects");
}

#[tokio::test]
async fn failures_say_what_went_wrong() {
    let site = Site::start().await;
    let server = TestServer::start_with_policy(policy()).await;
    let mut customer = server.customer().await;

    let response = preview(&mut customer, &site.url("/file.pdf")).await;
    assert_eq!(error_type(&response), "validation");
    assert!(error_message(&response).contains("not an HTML page"), "{response}");
    assert_eq!(error_type(&preview(&mut customer, &site.url("/missing")).await), "not_found");

    let response = preview(&mut customer, "ftp://example.com/file").await;
    assert_eq!(error_type(&response), "validation");
    assert!(error_message(&response).contains("ftp"), "{response}");
    assert_eq!(error_type(&preview(&mut customer, "not a url").await), "validation");

    // https is spoken now, but this site only speaks plain HTTP: it waits for a request
    // head that never comes, and the handshake never ends (the TLS cases are unit tests in
    // url_info.rs).
    let response = preview(&mut customer, &format!("https://{}/page", site.addr)).await;
    assert_eq!(error_type(&response), "request_timeout", "{response}");
}

#[tokio::test]
async fn reading_stops_at_the_size_cap_and_at_the_end_of_the_head() {
    let mut site = Site::start().await;
    let server = TestServer::start_with_policy(policy()).await;
    let mut customer = server.customer().await;

    let response = preview(&mut customer, &site.url("/huge")).await;
    let info = ok(&response);
    assert_eq!(info["url"], site.url("/huge"));
    assert_eq!(info.get("title"), None, "the title lies past the cap: {info}");
    assert!(!site.finished("/huge").await, "the server stopped reading, so the page could not be sent whole");

    let response = preview(&mut customer, &site.url("/big")).await;
    assert_eq!(ok(&response)["title"], "Big page");
    assert!(!site.finished("/big").await, "the body after </head> was not read");
}

#[tokio::test]
async fn a_slow_page_times_out_while_the_connection_keeps_answering() {
    let mut site = Site::start().await;
    let server = TestServer::start_with_policy(policy()).await;
    let mut customer = server.customer().await;
    let slow = json!({ "request_id": "slow", "action": "get_url_info", "payload": { "url": site.url("/slow") } });
    customer.send_raw(&slow.to_string()).await;
    let other = json!({ "request_id": "other", "action": "get_customer", "payload": {} });
    customer.send_raw(&other.to_string()).await;

    let first = loop {
        let frame = customer.next_frame().await.expect("connection open");
        if frame["type"] == "response" {
            break frame;
        }
    };
    assert_eq!(first["request_id"], "other", "the preview held up the next request: {first}");
    ok(&first);
    ok(&customer.request("ping", json!({})).await);

    let response = customer.response("slow").await;
    assert_eq!(error_type(&response), "request_timeout");
    assert_eq!(response["action"], "get_url_info");
    assert!(!site.finished("/slow").await, "the preview closed its connection to the page");
}

#[tokio::test]
async fn at_most_ten_previews_wait_at_once() {
    let site = Site::start().await;
    let server = TestServer::start_with_policy(policy()).await;
    let mut customer = server.customer().await;
    for n in 0..11 {
        let slow = json!({ "request_id": format!("slow{n}"), "action": "get_url_info", "payload": { "url": site.url("/slow") } });
        customer.send_raw(&slow.to_string()).await;
    }
    let refused = customer.response("slow10").await;
    assert_eq!(error_type(&refused), "pending_requests_limit_reached");
    // The other requests of the connection are still answered meanwhile.
    ok(&customer.request("get_customer", json!({})).await);
    for n in 0..10 {
        assert_eq!(error_type(&customer.response(&format!("slow{n}")).await), "request_timeout");
    }
    // Once they are answered, there is room again.
    let again = preview(&mut customer, &site.url("/page")).await;
    ok(&again);
}

#[tokio::test]
async fn the_default_policy_refuses_loopback_addresses() {
    let site = Site::start().await;
    let server = TestServer::start().await;
    let mut customer = server.customer().await;
    for url in [site.url("/page"), format!("http://localhost:{}/page", site.addr.port())] {
        let response = preview(&mut customer, &url).await;
        assert_eq!(error_type(&response), "not_allowed", "{url}");
        assert!(error_message(&response).contains("only public addresses"), "{response}");
    }
    assert!(site.requests.lock().unwrap().is_empty(), "nothing was fetched");
}

#[tokio::test]
async fn previews_need_a_login() {
    let server = TestServer::start_with_policy(policy()).await;
    let mut client = Client::connect(server.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    let response = preview(&mut client, "http://127.0.0.1:9/").await;
    assert_eq!(error_type(&response), "authentication");
}
