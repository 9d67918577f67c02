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

#[tokio::test]
async fn the_builds_own_compressed_copies_go_out_as_they_are() {
    let dist = tempfile::tempdir().unwrap();
    let wasm: Vec<u8> = (0..200_000u32).flat_map(|n| (n % 251).to_le_bytes()).collect();
    std::fs::write(dist.path().join("chat-widget_bg.wasm"), &wasm).unwrap();
    // Stand-ins for the build's copies: the server sends them without reading them.
    std::fs::write(dist.path().join("chat-widget_bg.wasm.br"), b"the build's brotli copy").unwrap();
    std::fs::write(dist.path().join("chat-widget_bg.wasm.gz"), b"the build's gzip copy").unwrap();
    std::fs::write(dist.path().join("embed.js"), "/* loader */ ".repeat(100)).unwrap();
    std::fs::write(dist.path().join("embed.js.br"), b"the loader's brotli copy").unwrap();
    let root = dist.path().to_owned();
    let server = TestServer::start_configured(move |config| config.widget_dist = root).await;

    let brotli = http_request(server.addr, "GET", "/widget/chat-widget_bg.wasm", &[("Accept-Encoding", "gzip, br")], vec![]).await;
    assert_eq!((brotli.status, brotli.header("content-encoding")), (200, Some("br")));
    assert_eq!(brotli.body, b"the build's brotli copy");
    assert_eq!(brotli.header("content-type"), Some("application/wasm"));
    assert!(brotli.header("content-security-policy").is_some());

    let gzip = http_request(server.addr, "GET", "/widget/chat-widget_bg.wasm", &[("Accept-Encoding", "gzip")], vec![]).await;
    assert_eq!((gzip.header("content-encoding"), gzip.body.as_slice()), (Some("gzip"), b"the build's gzip copy".as_slice()));

    let loader = http_request(server.addr, "GET", "/embed.js", &[("Accept-Encoding", "br")], vec![]).await;
    assert_eq!((loader.header("content-encoding"), loader.body.as_slice()), (Some("br"), b"the loader's brotli copy".as_slice()));

    // A browser that accepts no encoding gets the file itself.
    let plain = http_request(server.addr, "GET", "/widget/chat-widget_bg.wasm", &[], vec![]).await;
    assert_eq!((plain.header("content-encoding"), plain.body == wasm), (None, true));
}
