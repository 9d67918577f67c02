//! The connection task: the only code that opens a socket.
//!
//! It fetches a customer token (keeping the identity secret in the iframe's storage),
//! opens the websocket, feeds frames to the sans-IO [`Session`](crate::session::Session),
//! sends what it returns, pings every 15 seconds, ticks the session's timeouts, reports an
//! unstable link, and reconnects with exponential backoff and jitter, following each
//! disconnection reason's documented [`reaction`]. The browser's `offline` event drops the
//! socket at once and `online` ends the backoff wait.
//!
//! The policies it follows ([`retry_delay`], [`reaction`], [`refused`]) are the shared
//! client crate's, which the agent app follows too; [`region_server`] is the widget's own.
//! All are platform-independent and tested natively; the task itself is in `browser`, and
//! runs in the browser.

use std::rc::Rc;

pub use chat_client::{reaction, refused, retry_delay, Reaction, Refused};
use futures::future::LocalBoxFuture;

/// Where tokens come from when the site signs visitors in itself (`identity_provider`): a
/// function the connection calls for each new token. Given at start-up by whoever knows
/// how to reach the site.
pub type TokenSource = Rc<dyn Fn() -> LocalBoxFuture<'static, Result<String, String>>>;

/// The server of another region, for `misdirected_connection`'s `data.region`: either an
/// absolute `http(s)` address, or a region code added to the first label of the current
/// host (`https://chat.example.com` + `fra` → `https://chat-fra.example.com`, the way
/// regional API hosts are named). `None` (reconnect to the same server) for anything else,
/// and for hosts that have no labels to extend (IP addresses, `localhost`).
pub fn region_server(current: &str, region: &str) -> Option<String> {
    let region = region.trim();
    if let Some(url) = crate::rich::web_address(region) {
        return Some(url.trim_end_matches('/').to_owned());
    }
    if region.is_empty() || region.len() > 20 || !region.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let (scheme, rest) = current.split_once("://")?;
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(authority, path)| (authority, path));
    let (host, port) = authority.rsplit_once(':').map_or((authority, None), |(host, port)| (host, Some(port)));
    let (first, domain) = host.split_once('.')?;
    if first.is_empty() || host.parse::<std::net::Ipv4Addr>().is_ok() || first.starts_with('[') {
        return None;
    }
    let first = first.strip_suffix(&format!("-{}", region.to_ascii_lowercase())).unwrap_or(first);
    let port = port.map(|port| format!(":{port}")).unwrap_or_default();
    let path = if path.is_empty() { String::new() } else { format!("/{path}") };
    Some(format!("{scheme}://{first}-{}.{domain}{port}{path}", region.to_ascii_lowercase()).trim_end_matches('/').to_owned())
}

#[cfg(target_arch = "wasm32")]
pub use browser::{spawn, EarlyToken};

#[cfg(target_arch = "wasm32")]
mod browser;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misdirected_connection_moves_to_the_named_region() {
        assert_eq!(region_server("https://chat.example.com", "fra").as_deref(), Some("https://chat-fra.example.com"));
        assert_eq!(region_server("https://chat-fra.example.com", "fra").as_deref(), Some("https://chat-fra.example.com"));
        assert_eq!(region_server("https://chat.example.com:8443", "DAL").as_deref(), Some("https://chat-dal.example.com:8443"));
        assert_eq!(
            region_server("https://chat.example.com", "https://eu.chat.example.com/").as_deref(),
            Some("https://eu.chat.example.com")
        );
        for (current, region) in [("http://127.0.0.1:8080", "fra"), ("http://localhost:8080", "fra"), ("https://chat.example.com", "f r a"), ("https://chat.example.com", "javascript:x")] {
            assert_eq!(region_server(current, region), None, "{current} {region}");
        }
    }
}
