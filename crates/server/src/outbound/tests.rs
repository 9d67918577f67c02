//! The client over real loopback sockets: TLS with the test certificate authority, and the
//! address checks before any connection is made.

use std::net::SocketAddr;
use std::sync::Arc;

use protocol::ErrorType;
use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

/// The test certificate authority (`tests/fixtures/README.md` says how it was made).
const TEST_CA: &[u8] = include_bytes!("../../tests/fixtures/ca.der");
/// A certificate for `127.0.0.1` and `localhost`, issued by [`TEST_CA`].
const TEST_CERT: &[u8] = include_bytes!("../../tests/fixtures/server.der");
/// Its private key (PKCS #8).
const TEST_KEY: &[u8] = include_bytes!("../../tests/fixtures/server.key.der");

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
                            .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_owned))
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

    // By name as well as by address; and a POST with a body through `send`.
    let url = parse_url(&format!("https://localhost:{}/check", addr.port())).unwrap();
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    let mut response = send(POST, &url, &headers, b"custom=a%26b".to_vec(), &policy).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/html");
    assert_eq!(read_body(&mut response, 12, false).await.unwrap(), b"<html><head>");
    let request = requests.recv().await.unwrap().to_ascii_lowercase();
    assert!(request.starts_with("post /check http/1.1\r\n"), "{request}");
    assert!(request.contains("\r\ncontent-length: 12\r\n"), "{request}");
    assert!(request.ends_with("\r\n\r\ncustom=a%26b"), "{request}");

    // A body that ends when the server closes, without TLS's own goodbye, still ends.
    let (addr, _requests) = tls_site("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nJane Doe", true).await;
    let url = parse_url(&format!("https://127.0.0.1:{}/", addr.port())).unwrap();
    let mut response = send(POST, &url, &headers, b"custom=x".to_vec(), &policy).await.unwrap();
    assert_eq!(read_body(&mut response, 4096, false).await.unwrap(), b"Jane Doe");
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

#[tokio::test]
async fn the_default_policy_refuses_local_hosts_before_connecting() {
    let policy = UrlPolicy::default();
    for url in ["http://127.0.0.1:9/", "http://[::1]:9/", "http://localhost:9/", "http://2130706433:9/", "http://0x7f.1:9/", "http://169.254.169.254/latest/"] {
        let err = fetch(url, &policy).await.unwrap_err();
        assert_eq!(err.kind, ErrorType::NotAllowed, "{url}: {err}");
        assert!(err.message.contains("only public addresses"), "{url}: {err}");
        assert!(!err.message.contains("resolves to"), "the address a name resolves to is not told: {err}");
    }
}

#[tokio::test]
async fn bad_urls_are_refused_with_a_reason() {
    let policy = UrlPolicy::default();
    for (url, says) in [
        ("ftp://example.com/", "ftp"),
        ("not a url", "not an http or https URL"),
        ("http://user:secret@example.com/", "user name"),
        ("javascript:alert(1)", "javascript"),
    ] {
        let err = fetch(url, &policy).await.unwrap_err();
        assert_eq!(err.kind, ErrorType::Validation, "{url}: {err}");
        assert!(err.message.contains(says), "{url}: {err}");
    }
    let long = format!("http://example.com/{}", "a".repeat(3000));
    assert!(fetch(&long, &policy).await.unwrap_err().message.contains("longer than"));
}
