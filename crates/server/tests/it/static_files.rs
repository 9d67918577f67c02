//! The loader and the widget's files: compressed on the wire, with the widget's policy.

use crate::support::*;

#[tokio::test]
async fn widget_files_go_out_compressed_when_the_browser_accepts_it() {
    let dist = tempfile::tempdir().unwrap();
    let wasm: Vec<u8> = (0..200_000u32).flat_map(|n| (n % 251).to_le_bytes()).collect();
    std::fs::write(dist.path().join("chat-widget_bg.wasm"), &wasm).unwrap();
    std::fs::write(dist.path().join("embed.js"), "/* loader */ ".repeat(100)).unwrap();
    let root = dist.path().to_owned();
    let server = TestServer::start_configured(move |config| config.widget_dist = root).await;

    let brotli = http_request(server.addr, "GET", "/widget/chat-widget_bg.wasm", &[("Accept-Encoding", "br, gzip")], vec![]).await;
    assert_eq!(brotli.status, 200);
    assert_eq!(brotli.header("content-encoding"), Some("br"));
    assert!(brotli.body.len() < wasm.len() / 4, "{} bytes for {}", brotli.body.len(), wasm.len());
    assert!(brotli.header("content-security-policy").is_some_and(|csp| csp.contains("script-src 'self' 'wasm-unsafe-eval'")));

    let gzip = http_request(server.addr, "GET", "/embed.js", &[("Accept-Encoding", "gzip")], vec![]).await;
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));

    let plain = http_request(server.addr, "GET", "/widget/chat-widget_bg.wasm", &[], vec![]).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.body, wasm);
}
