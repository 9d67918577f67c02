//! Identity verification (`verify_identity`, an extension of the protocol): the server asks
//! the site's own API (a tiny HTTP server on a loopback port, or an https one with the test
//! certificate) who is logged in under the value a customer sent, and shows agents the
//! answer. Customers never see it, and the value itself is kept nowhere.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::process::Child;
use tokio::sync::mpsc;

use crate::support::*;

/// What the site's API answers for a logged-in visitor.
const ANSWER: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 41\r\n\r\n  \
                      Jane Doe, customer #1042,\r\n\tlogged in\u{7}\n";

/// The value a host page passes as `custom`: a session id with characters that need
/// encoding.
const VALUE: &str = "PHPSESSID=s830 a&b+c";

/// [`VALUE`] as the form body carries it.
const ENCODED: &str = "custom=PHPSESSID%3Ds830+a%26b%2Bc";

/// The site's API on 127.0.0.1. Every connection gets `response`, or no answer at all when
/// it is `None`; each request it read (head and body) comes out of `requests`.
struct Site {
    url: String,
    requests: mpsc::UnboundedReceiver<String>,
}

impl Site {
    async fn start(response: Option<&'static str>) -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/chat/identity?site=1", listener.local_addr().unwrap());
        let (sender, requests) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, response, sender.clone()));
            }
        });
        Site { url, requests }
    }

    /// The next request the site got.
    async fn request(&mut self) -> String {
        tokio::time::timeout(WAIT, self.requests.recv()).await.expect("the site was not asked").unwrap()
    }

    /// Asserts the site got no request (beyond those already taken).
    fn no_request(&mut self) {
        if let Ok(request) = self.requests.try_recv() {
            panic!("the site was asked again: {request}");
        }
    }
}

/// Reads one request (head and `Content-Length` body), reports it, and answers.
async fn answer(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    response: Option<&'static str>,
    requests: mpsc::UnboundedSender<String>,
) {
    let mut request = Vec::new();
    let mut buffer = [0; 1024];
    loop {
        let read = match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        request.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&request).into_owned();
        let Some((head, body)) = text.split_once("\r\n\r\n") else { continue };
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("Content-Length: "))
            .map_or(0, |length| length.parse::<usize>().unwrap());
        if body.len() >= length {
            let _ = requests.send(text);
            break;
        }
    }
    match response {
        Some(response) => {
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        // Never answers; waits until the client gives up.
        None => while matches!(stream.read(&mut buffer).await, Ok(read) if read > 0) {},
    }
}

/// A server whose license 1 asks `url`, giving the site `timeout` to answer.
async fn server_asking(url: &str, timeout: Duration) -> TestServer {
    let url = url.to_owned();
    TestServer::start_configured(move |config| {
        config.licenses[0].verification_url = Some(url);
        config.licenses[0].verification_timeout = timeout;
    })
    .await
}

/// A logged-in customer and their id.
async fn logged_in_customer(server: &TestServer) -> (Client, String) {
    let (client, token) = server.customer_with_token().await;
    (client, token["entity_id"].as_str().unwrap().to_owned())
}

async fn verify(client: &mut Client, value: &str) -> Value {
    client.request("verify_identity", json!({ "value": value })).await
}

/// The verification an agent's `get_customer` shows.
async fn seen_by_agent(agent: &mut Client, customer_id: &str) -> Value {
    let response = agent.request("get_customer", json!({ "customer_id": customer_id })).await;
    ok(&response)["verification"].clone()
}

#[track_caller]
fn check_outcome(verification: &Value, status: &str, text: &str) {
    assert_eq!(verification["status"], status, "{verification}");
    assert_eq!(verification["text"], text, "{verification}");
    let checked_at = verification["checked_at"].as_str().unwrap_or_else(|| panic!("no checked_at: {verification}"));
    assert!(checked_at.len() >= 20 && checked_at.ends_with('Z') && &checked_at[10..11] == "T", "{checked_at}");
}

#[tokio::test]
async fn the_sites_answer_reaches_agents_and_never_the_customer() {
    let mut site = Site::start(Some(ANSWER)).await;
    let server = server_asking(&site.url, Duration::from_secs(5)).await;
    let mut agent = server.agent().await;
    let (mut customer, customer_id) = logged_in_customer(&server).await;

    let response = verify(&mut customer, VALUE).await;
    assert_eq!(ok(&response), &json!({}), "the visitor learns nothing: {response}");
    assert_eq!(response["action"], "verify_identity");

    let request = site.request().await;
    assert!(request.starts_with("POST /chat/identity?site=1 HTTP/1.1\r\n"), "{request}");
    assert!(request.to_ascii_lowercase().contains("\r\ncontent-type: application/x-www-form-urlencoded\r\n"), "{request}");
    let body = request.split_once("\r\n\r\n").unwrap().1;
    assert_eq!(body, format!("{ENCODED}&license_id=1&customer_id={customer_id}"));

    let push =
        agent.push_where("customer_updated", |push| push["payload"]["customer"].get("verification").is_some()).await;
    assert_eq!(push["payload"]["customer"]["id"], customer_id.as_str());
    let pushed = &push["payload"]["customer"]["verification"];
    check_outcome(pushed, "answered", "Jane Doe, customer #1042, logged in");
    assert_eq!(&seen_by_agent(&mut agent, &customer_id).await, pushed);

    // Agents' chat lists and chats carry it on the customer too.
    let started = customer.request("start_chat", json!({})).await;
    let chat_id = ok(&started)["chat_id"].clone();
    let chats = agent.request("list_chats", json!({})).await;
    let summary = ok(&chats)["chats_summary"].as_array().unwrap().iter().find(|chat| chat["id"] == chat_id).unwrap();
    let user = summary["users"].as_array().unwrap().iter().find(|user| user["type"] == "customer").unwrap();
    assert_eq!(&user["verification"], pushed);
    let chat = agent.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert_eq!(&ok(&chat)["users"][0]["verification"], pushed);

    // The customer's own views never do, and no frame to anyone holds the value.
    let own = customer.request("get_customer", json!({})).await;
    assert!(ok(&own).get("verification").is_none(), "{own}");
    let own_chat = customer.request("get_chat", json!({ "chat_id": chat_id })).await;
    assert!(!own_chat.to_string().contains("verification"), "{own_chat}");
    customer.no_push("customer_updated", Duration::from_millis(200)).await;
    for frame in [&push, &chats, &chat] {
        assert!(!frame.to_string().contains("s830"), "the value leaked: {frame}");
    }
    assert!(!server.stored_bytes().windows(4).any(|window| window == b"s830"), "the value was stored");
}

#[tokio::test]
async fn the_same_value_within_a_minute_reuses_the_outcome() {
    let mut site = Site::start(Some(ANSWER)).await;
    let server = server_asking(&site.url, Duration::from_secs(5)).await;
    let mut agent = server.agent().await;
    let (mut customer, customer_id) = logged_in_customer(&server).await;
    ok(&verify(&mut customer, VALUE).await);
    site.request().await;
    let first = seen_by_agent(&mut agent, &customer_id).await;

    ok(&verify(&mut customer, VALUE).await);
    site.no_request();
    assert_eq!(seen_by_agent(&mut agent, &customer_id).await, first, "the recorded outcome stands");

    // Another value (another login on the site) is asked about at once.
    ok(&verify(&mut customer, "PHPSESSID=other").await);
    assert!(site.request().await.contains("custom=PHPSESSID%3Dother&"));
    let second = seen_by_agent(&mut agent, &customer_id).await;
    assert!(second["checked_at"].as_str() > first["checked_at"].as_str(), "{first} then {second}");
}

#[tokio::test]
async fn errors_silence_and_refused_connections_are_recorded_as_failed() {
    let mut broken = Site::start(Some("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops!")).await;
    let server = server_asking(&broken.url, Duration::from_secs(5)).await;
    let mut agent = server.agent().await;
    let (mut customer, _) = logged_in_customer(&server).await;
    ok(&verify(&mut customer, VALUE).await);
    broken.request().await;
    let pushed = agent.push("customer_updated").await;
    check_outcome(&pushed["payload"]["customer"]["verification"], "failed", "the site answered 500");

    let mut silent = Site::start(None).await;
    let server = server_asking(&silent.url, Duration::from_millis(300)).await;
    let mut agent = server.agent().await;
    let (mut customer, customer_id_2) = logged_in_customer(&server).await;
    let started = tokio::time::Instant::now();
    ok(&verify(&mut customer, VALUE).await);
    assert!(started.elapsed() < Duration::from_secs(2), "the limit ended the wait");
    silent.request().await;
    check_outcome(&seen_by_agent(&mut agent, &customer_id_2).await, "failed", "no answer within 300 ms");

    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/identity", closed.local_addr().unwrap());
    drop(closed);
    let server = server_asking(&url, Duration::from_secs(5)).await;
    let mut agent = server.agent().await;
    let (mut customer, customer_id_3) = logged_in_customer(&server).await;
    ok(&verify(&mut customer, VALUE).await);
    let verification = seen_by_agent(&mut agent, &customer_id_3).await;
    assert_eq!(verification["status"], "failed");
    assert!(verification["text"].as_str().unwrap().starts_with("cannot connect to 127.0.0.1"), "{verification}");
}

#[tokio::test]
async fn checks_wait_within_the_pending_request_limit_while_the_connection_answers() {
    let silent = Site::start(None).await;
    let server = server_asking(&silent.url, Duration::from_millis(1500)).await;
    let (mut customer, _) = logged_in_customer(&server).await;
    for n in 0..11 {
        let frame = json!({ "request_id": format!("v{n}"), "action": "verify_identity", "payload": { "value": format!("v{n}") } });
        customer.send_raw(&frame.to_string()).await;
    }
    let refused = customer.response("v10").await;
    assert_eq!(error_type(&refused), "pending_requests_limit_reached", "{refused}");
    assert_eq!(refused["action"], "verify_identity");
    ok(&customer.request("get_customer", json!({})).await);
    for n in 0..10 {
        ok(&customer.response(&format!("v{n}")).await);
    }
}

#[tokio::test]
async fn without_a_url_or_with_a_bad_value_the_request_is_refused() {
    let server = TestServer::start().await;
    let (mut customer, customer_id) = logged_in_customer(&server).await;
    let response = verify(&mut customer, VALUE).await;
    assert_eq!(error_type(&response), "not_allowed");
    assert_eq!(response["payload"]["error"]["message"], "identity verification is not configured for this license");
    let mut agent = server.agent().await;
    assert!(seen_by_agent(&mut agent, &customer_id).await.is_null());

    let mut site = Site::start(Some(ANSWER)).await;
    let server = server_asking(&site.url, Duration::from_secs(5)).await;
    let (mut customer, _) = logged_in_customer(&server).await;
    for value in ["", "  ", &"x".repeat(1025)] {
        let response = verify(&mut customer, value).await;
        assert_eq!(error_type(&response), "validation", "{value:?}: {response}");
    }
    let response = customer.request("verify_identity", json!({})).await;
    assert_eq!(error_type(&response), "validation", "{response}");
    site.no_request();
    ok(&verify(&mut customer, &"x".repeat(1024)).await);
    site.request().await;

    let mut agent = server.agent().await;
    assert_eq!(error_type(&verify(&mut agent, VALUE).await), "not_allowed", "a customer action");
}

#[test]
fn the_configuration_file_takes_an_http_or_https_verification_url() {
    let file = |url: &str| {
        format!(
            "[[licenses]]\nid = 1\norganization_id = \"org\"\nname = \"Acme\"\nverification_url = {url:?}\n\
             [[licenses.groups]]\nid = 0\nname = \"General\"\n"
        )
    };
    let parse = |text: &str| server::config::parse(text, "test.toml", "db".into(), "dist".into());
    for url in ["https://shop.example/api/chat-identity", "http://10.0.0.7:8080/identity?x=1"] {
        let config = parse(&file(url)).unwrap();
        assert_eq!(config.licenses[0].verification_url.as_deref(), Some(url));
        assert_eq!(config.licenses[0].verification_timeout, Duration::from_secs(5));
    }
    for (url, words) in
        [("ftp://shop.example/", "http or https"), ("shop.example/identity", "http or https"), ("https://", "no host")]
    {
        let err = parse(&file(url)).unwrap_err();
        assert_eq!(err.key(), Some("licenses[0].verification_url"), "{err}");
        assert!(err.to_string().contains(words), "{err}");
    }
    let text = file("x").replace("verification_url = \"x\"\n", "");
    assert_eq!(parse(&text).unwrap().licenses[0].verification_url, None);
}

#[tokio::test]
async fn the_site_may_answer_over_https() {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(include_bytes!("../fixtures/server.der").to_vec())],
            PrivateKeyDer::Pkcs8(include_bytes!("../fixtures/server.key.der").to_vec().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, mut requests) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let stream = acceptor.accept(tcp).await.unwrap();
        answer(stream, Some(ANSWER), sender).await;
    });

    // The test's certificate authority is trusted as an extra root, as only tests do.
    let policy = server::outbound::UrlPolicy {
        extra_roots: vec![include_bytes!("../fixtures/ca.der").to_vec()],
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path().join("chat.db"), Default::default());
    config.licenses[0].verification_url = Some(format!("https://localhost:{port}/identity"));
    let app = server::App::with_url_policy(config, policy).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::run(listener, app, async {
        let _ = stopped.await;
    }));

    let token = customer_token(addr, json!({ "license_id": 1 })).await;
    let mut customer = Client::connect(addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    customer.login(&token["access_token"]).await;
    ok(&verify(&mut customer, VALUE).await);
    let request = tokio::time::timeout(WAIT, requests.recv()).await.unwrap().unwrap();
    assert!(request.contains(ENCODED), "{request}");
    let mut agent = Client::connect(addr, "/v3.2/agent/rtm/ws").await;
    agent.login(&json!(AGENT_TOKEN)).await;
    let customer_id = token["entity_id"].as_str().unwrap();
    check_outcome(&seen_by_agent(&mut agent, customer_id).await, "answered", "Jane Doe, customer #1042, logged in");
    let _ = stop.send(());
}

/// Starts the server binary with a configuration file whose license asks `url`.
async fn spawn_server(dir: &std::path::Path, url: &str) -> (Child, std::net::SocketAddr) {
    let config = dir.join("config.toml");
    let text = format!(
        "[[licenses]]\nid = 1\norganization_id = \"org-one\"\nname = \"Acme\"\nverification_url = {url:?}\n\
         [[licenses.groups]]\nid = 0\nname = \"General\"\n\
         [[licenses.agents]]\nid = \"anna@acme.example\"\nname = \"Anna\"\ntoken = \"from-command-line\"\ngroups = [0]\n"
    );
    std::fs::write(&config, text).unwrap();
    spawn_server_process(dir, Some(&config)).await
}

#[tokio::test]
async fn the_outcome_survives_a_restart() {
    let mut site = Site::start(Some(ANSWER)).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut first, addr) = spawn_server(dir.path(), &site.url).await;
    let token = customer_token(addr, json!({ "license_id": 1 })).await;
    let mut customer = Client::connect(addr, "/v3.2/customer/rtm/ws?license_id=1").await;
    customer.login(&token["access_token"]).await;
    ok(&verify(&mut customer, VALUE).await);
    site.request().await;

    first.kill().await.unwrap();
    while customer.next_frame().await.is_some() {}

    let (_second, addr) = spawn_server(dir.path(), &site.url).await;
    let mut agent = Client::connect(addr, "/v3.2/agent/rtm/ws").await;
    agent.login(&json!(AGENT_TOKEN)).await;
    let customer_id = token["entity_id"].as_str().unwrap();
    check_outcome(&seen_by_agent(&mut agent, customer_id).await, "answered", "Jane Doe, customer #1042, logged in");
    site.no_request();
}
