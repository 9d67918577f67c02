//! `upload_file` and the files it serves: size cap, sniffed types, safe serving headers,
//! `file` events that only name the customer's own uploads, and the 24-hour expiry.

use std::net::SocketAddr;
use std::path::Path;

use serde_json::{json, Value};

use crate::support::*;

const UPLOAD: &str = "/v3.2/customer/action/upload_file?license_id=1";

/// A PNG signature and header chunk: enough for a browser to know the type and size.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0x00, 0x00, 0x00, 0x00]);
    bytes.extend_from_slice(b"\0\0\0\0IEND\xae\x42\x60\x82");
    bytes
}

async fn upload(addr: SocketAddr, token: &Value, file_name: &str, claimed_type: &str, bytes: &[u8]) -> HttpResponse {
    let (content_type, body) = multipart_file("file", file_name, claimed_type, bytes);
    let authorization = format!("Bearer {}", token["access_token"].as_str().unwrap());
    http_request(addr, "POST", UPLOAD, &[("Authorization", &authorization), ("Content-Type", &content_type)], body).await
}

/// The path part of an upload URL, to fetch it from the test server.
fn path_of(url: &str) -> String {
    let after_scheme = url.split_once("://").unwrap().1;
    after_scheme[after_scheme.find('/').unwrap()..].to_owned()
}

/// Files in the upload directory (none when it was never created).
fn stored_files(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir.join("uploads")) {
        Ok(entries) => entries.map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn a_png_is_stored_and_served_inline_with_safe_headers() {
    let server = TestServer::start().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let bytes = png(4, 3);
    let uploaded = upload(server.addr, &token, "../../My Cat.png", "text/html", &bytes).await;
    assert_eq!(uploaded.status, 200, "{uploaded:?}");
    let url = uploaded.json()["url"].as_str().unwrap().to_owned();
    let prefix = format!("http://{}/uploads/", server.addr);
    assert!(url.starts_with(&prefix), "{url}");
    assert!(url.ends_with("/My%20Cat.png"), "the client's path is dropped: {url}");
    // On disk the file is named by its random id only.
    let id = url[prefix.len()..].split('/').next().unwrap().to_owned();
    assert_eq!(stored_files(server.dir()), [id]);

    let served = http_request(server.addr, "GET", &path_of(&url), &[], Vec::new()).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.body, bytes);
    assert_eq!(served.header("content-type"), Some("image/png"), "sniffed, not the claimed text/html");
    assert!(served.header("content-disposition").unwrap().starts_with("inline"), "{served:?}");
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(served.header("content-security-policy"), Some("default-src 'none'; sandbox"));
    assert_eq!(served.header("cache-control"), Some("private, max-age=86400"));

    // Neither the Host header nor X-Forwarded-Proto decides where the link points: it is
    // built from the server's own public address.
    let (content_type, body) = multipart_file("file", "again.png", "image/png", &bytes);
    let authorization = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let headers = [
        ("Authorization", authorization.as_str()),
        ("Content-Type", &content_type),
        ("Host", "evil.example"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "evil.example"),
    ];
    let forged = http_request(server.addr, "POST", UPLOAD, &headers, body).await;
    let forged_url = forged.json()["url"].as_str().unwrap().to_owned();
    assert!(forged_url.starts_with(&format!("http://{}/uploads/", server.addr)), "{forged_url}");

    let unknown = http_request(server.addr, "GET", &format!("/uploads/{}/x.png", "0".repeat(32)), &[], Vec::new()).await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn html_is_served_as_a_text_attachment() {
    let server = TestServer::start().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let page = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>";
    let uploaded = upload(server.addr, &token, "page.html", "text/html", page).await;
    assert_eq!(uploaded.status, 200, "{uploaded:?}");
    let served = http_request(server.addr, "GET", &path_of(uploaded.json()["url"].as_str().unwrap()), &[], Vec::new()).await;
    assert_eq!(served.status, 200);
    let content_type = served.header("content-type").unwrap();
    assert!(content_type.starts_with("text/plain") || content_type == "application/octet-stream", "{content_type}");
    let disposition = served.header("content-disposition").unwrap();
    assert!(disposition.starts_with("attachment; filename=\"page.html\""), "{disposition}");
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(served.header("content-security-policy"), Some("default-src 'none'; sandbox"));

    let binary = upload(server.addr, &token, "blob.bin", "image/png", b"\x00\x01\x02\x03garbage").await;
    let served = http_request(server.addr, "GET", &path_of(binary.json()["url"].as_str().unwrap()), &[], Vec::new()).await;
    assert_eq!(served.header("content-type"), Some("application/octet-stream"));
    assert!(served.header("content-disposition").unwrap().starts_with("attachment"));
}

#[tokio::test]
async fn files_over_10_mb_are_refused_and_nothing_is_kept() {
    let server = TestServer::start().await;
    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;

    // Announced as too large: refused before it is read.
    let huge = vec![b'a'; 11 * 1024 * 1024];
    let refused = upload(server.addr, &token, "huge.txt", "text/plain", &huge).await;
    assert_eq!(refused.status, 413, "{refused:?}");
    assert_eq!(refused.json(), json!({ "error": { "type": "validation", "message": "file is larger than 10 MB" } }));
    assert!(stored_files(server.dir()).is_empty(), "{:?}", stored_files(server.dir()));

    // One byte over the cap fits the body limit, so the counting while streaming refuses it
    // and removes what it had written.
    let just_over = vec![b'a'; 10 * 1024 * 1024 + 1];
    let refused = upload(server.addr, &token, "just-over.txt", "text/plain", &just_over).await;
    assert_eq!(refused.status, 413, "{refused:?}");
    assert_eq!(refused.json()["error"]["message"], "file is larger than 10 MB");
    assert!(stored_files(server.dir()).is_empty(), "{:?}", stored_files(server.dir()));

    // Exactly at the cap is fine.
    let at_cap = vec![b'a'; 10 * 1024 * 1024];
    let accepted = upload(server.addr, &token, "at-cap.txt", "text/plain", &at_cap).await;
    assert_eq!(accepted.status, 200, "{}", String::from_utf8_lossy(&accepted.body));
    assert_eq!(stored_files(server.dir()).len(), 1);
}

#[tokio::test]
async fn uploads_need_a_valid_token_and_a_file_part() {
    let server = TestServer::start().await;
    let (content_type, body) = multipart_file("file", "a.txt", "text/plain", b"hello");
    let anonymous = http_request(server.addr, "POST", UPLOAD, &[("Content-Type", &content_type)], body).await;
    assert_eq!(anonymous.status, 401);

    let token = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let authorization = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let (content_type, body) = multipart_file("attachment", "a.txt", "text/plain", b"hello");
    let misnamed = http_request(server.addr, "POST", UPLOAD, &[("Authorization", &authorization), ("Content-Type", &content_type)], body).await;
    assert_eq!((misnamed.status, misnamed.json()["error"]["type"].clone()), (400, json!("validation")));
    let not_multipart = http_request(
        server.addr,
        "POST",
        UPLOAD,
        &[("Authorization", &authorization), ("Content-Type", "application/json")],
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(not_multipart.status, 400);
    assert!(stored_files(server.dir()).is_empty());
}

#[tokio::test]
async fn a_customers_file_event_carries_the_servers_metadata() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let (mut customer, token) = server.customer_with_token().await;
    let chat_id = ok(&customer.request("start_chat", json!({})).await)["chat_id"].clone();
    agent.push("incoming_chat").await;

    let bytes = png(640, 480);
    let uploaded = upload(server.addr, &token, "holiday.png", "application/pdf", &bytes).await;
    let url = uploaded.json()["url"].as_str().unwrap().to_owned();

    // Whatever the client claims about the file is replaced by what the server knows.
    let claims = json!({
        "type": "file", "custom_id": "f1", "url": url, "name": "invoice.exe",
        "content_type": "application/x-msdownload", "size": 1, "width": 1, "height": 1
    });
    let sent = customer.request("send_event", json!({ "chat_id": chat_id, "event": claims })).await;
    let event_id = ok(&sent)["event_id"].as_str().unwrap().to_owned();
    let incoming = agent.push_where("incoming_event", |frame| frame["payload"]["event"]["id"] == event_id.as_str()).await;
    let event = &incoming["payload"]["event"];
    assert_eq!(event["type"], "file");
    assert_eq!(event["url"], url.as_str());
    assert_eq!(event["name"], "holiday.png");
    assert_eq!(event["content_type"], "image/png");
    assert_eq!(event["size"], bytes.len());
    assert_eq!(event["width"], 640);
    assert_eq!(event["height"], 480);

    // Agents may still share any URL.
    let agents_file = json!({ "type": "file", "url": "https://cdn.example/guide.pdf", "name": "guide.pdf" });
    ok(&agent.request("send_event", json!({ "chat_id": chat_id, "event": agents_file })).await);
}

#[tokio::test]
async fn forged_and_foreign_upload_urls_are_refused() {
    let server = TestServer::start().await;
    let (mut customer, token) = server.customer_with_token().await;
    let chat_id = ok(&customer.request("start_chat", json!({})).await)["chat_id"].clone();
    let refused_with = |response: &Value| {
        assert_eq!(error_type(response), "validation", "{response}");
        assert_eq!(response["payload"]["error"]["message"], "the file must be uploaded with upload_file first");
    };

    let forged = format!("http://{}/uploads/{}/x.png", server.addr, "f".repeat(32));
    for url in [forged.as_str(), "https://evil.example/malware.exe", "javascript:alert(1)"] {
        let event = json!({ "type": "file", "url": url });
        refused_with(&customer.request("send_event", json!({ "chat_id": chat_id, "event": event })).await);
    }

    // Another customer's upload is not this customer's to share.
    let other = customer_token(server.addr, json!({ "license_id": 1 })).await;
    let theirs = upload(server.addr, &other, "theirs.png", "image/png", &png(1, 1)).await;
    let event = json!({ "type": "file", "url": theirs.json()["url"] });
    refused_with(&customer.request("send_event", json!({ "chat_id": chat_id, "event": event })).await);

    // The customer's own upload, by contrast, is accepted.
    let mine = upload(server.addr, &token, "mine.png", "image/png", &png(1, 1)).await;
    let event = json!({ "type": "file", "url": mine.json()["url"] });
    ok(&customer.request("send_event", json!({ "chat_id": chat_id, "event": event })).await);
}

#[tokio::test]
async fn an_unused_upload_expires_after_24_hours_and_a_used_one_stays() {
    let server = TestServer::start().await;
    let (mut customer, token) = server.customer_with_token().await;
    let chat_id = ok(&customer.request("start_chat", json!({})).await)["chat_id"].clone();
    let unused = upload(server.addr, &token, "unused.txt", "text/plain", b"forget me").await.json()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let used = upload(server.addr, &token, "used.txt", "text/plain", b"keep me").await.json()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let event = json!({ "type": "file", "url": used });
    ok(&customer.request("send_event", json!({ "chat_id": chat_id, "event": event })).await);
    assert_eq!(stored_files(server.dir()).len(), 2);

    // Both uploads become a day and a second old.
    server.execute_sql("UPDATE uploads SET created_at = created_at - 86401");

    let gone = http_request(server.addr, "GET", &path_of(&unused), &[], Vec::new()).await;
    assert_eq!(gone.status, 404);
    let event = json!({ "type": "file", "url": unused });
    let refused = customer.request("send_event", json!({ "chat_id": chat_id, "event": event })).await;
    assert_eq!(error_type(&refused), "validation");
    let kept = http_request(server.addr, "GET", &path_of(&used), &[], Vec::new()).await;
    assert_eq!((kept.status, kept.body.as_slice()), (200, b"keep me".as_slice()));

    // The next upload clears expired files from disk.
    let fresh = upload(server.addr, &token, "fresh.txt", "text/plain", b"new").await;
    assert_eq!(fresh.status, 200);
    let unused_id = path_of(&unused).split('/').nth(2).unwrap().to_owned();
    let files = stored_files(server.dir());
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(!files.contains(&unused_id), "{files:?}");
}

#[tokio::test]
async fn an_agent_uploads_a_file_for_a_chat_and_the_visitor_gets_it_described_by_the_server() {
    let server = TestServer::start().await;
    let mut agent = server.agent().await;
    let mut customer = server.customer().await;
    let started = customer.request("start_chat", json!({ "chat": { "thread": { "events": [{ "type": "message", "text": "hi" }] } } })).await;
    let chat_id = ok(&started)["chat_id"].as_str().unwrap().to_owned();
    let path = format!("/v3.5/agent/action/upload_file?chat_id={chat_id}");
    let send = |token: &'static str, path: String, bytes: Vec<u8>| async move {
        let (content_type, body) = multipart_file("file", "size-chart.png", "application/octet-stream", &bytes);
        let authorization = format!("Bearer {token}");
        http_request(server.addr, "POST", &path, &[("Authorization", authorization.as_str()), ("Content-Type", &content_type)], body).await
    };

    let uploaded = send(AGENT_TOKEN, path.clone(), png(640, 480)).await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.json());
    let url = uploaded.json()["url"].as_str().unwrap().to_owned();
    // Whatever the agent says about the file, the server describes its own upload.
    let event = json!({ "type": "file", "url": url, "name": "lies.exe", "content_type": "text/html", "size": 1 });
    ok(&agent.request("send_event", json!({ "chat_id": chat_id, "event": event })).await);
    let got = customer.push_where("incoming_event", |frame| frame["payload"]["event"]["type"] == "file").await;
    let file = &got["payload"]["event"];
    assert_eq!((file["name"].as_str(), file["content_type"].as_str()), (Some("size-chart.png"), Some("image/png")));
    assert_eq!((file["width"].as_u64(), file["thumbnail_url"].as_str()), (Some(640), Some(url.as_str())));
    assert_eq!(http_request(server.addr, "GET", &path_of(&url), &[], Vec::new()).await.status, 200);
    // The file is the agent's: the visitor cannot send it as theirs.
    let theirs = json!({ "chat_id": chat_id, "event": { "type": "file", "url": url } });
    assert_eq!(error_type(&customer.request("send_event", theirs).await), "validation");

    // Another token, another license's chat, or no chat: refused.
    assert_eq!(send("not-a-token", path.clone(), png(1, 1)).await.json()["error"]["type"], "authentication");
    assert_eq!(send(OTHER_AGENT_TOKEN, path.clone(), png(1, 1)).await.json()["error"]["type"], "not_found");
    assert_eq!(send(AGENT_TOKEN, "/v3.5/agent/action/upload_file".to_owned(), png(1, 1)).await.json()["error"]["type"], "validation");
}
