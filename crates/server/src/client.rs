//! Who is calling: the client's address, behind trusted proxies only, and the rate limits
//! that key on it.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::limits::address_key;
use crate::App;

/// The address of the client a request comes from. It is the TCP peer's, unless that peer
/// is one of `trusted_proxies`: then it is the last address in `X-Forwarded-For` that is not
/// a trusted proxy itself (addresses further left were written by the client and prove
/// nothing).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<App> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        // Servers built without connection info (none in this crate) count as one client.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |ConnectInfo(address)| address.ip());
        Ok(ClientAddr(client_address(peer, &parts.headers, &app.config.trusted_proxies)))
    }
}

/// See [`ClientAddr`].
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |address: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*address)));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        let Ok(address) = hop.parse::<IpAddr>().or_else(|_| hop.parse::<SocketAddr>().map(|socket| socket.ip())) else {
            break;
        };
        client = address;
        if !is_trusted(&address) {
            break;
        }
    }
    client
}

/// IPv4-mapped IPv6 addresses as IPv4, so `::ffff:10.0.0.1` matches `10.0.0.0/8`.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// A `429 Too Many Requests` answer in the Web API's error shape, with `Retry-After`.
pub fn too_many_requests(wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let body = json!({ "error": { "type": "too_many_requests", "message": format!("too many requests; try again in {seconds} s") } });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

impl App {
    /// Counts one HTTP request from `client`; `Err` is the `429` to answer with.
    pub(crate) fn limit_address(&self, client: ClientAddr) -> Result<(), Response> {
        self.per_address.check(&address_key(client.0)).map_err(too_many_requests)
    }

    /// Counts one Web API request of a customer; `Err` is the `429` to answer with.
    pub(crate) fn limit_customer(&self, customer_id: &str) -> Result<(), Response> {
        self.per_customer.check(&customer_id.to_owned()).map_err(too_many_requests)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(forwarded: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", forwarded.parse().unwrap());
        headers
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxies = vec!["10.0.0.0/8".parse().unwrap()];
        let outsider: IpAddr = "198.51.100.7".parse().unwrap();
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        // An untrusted peer's header is ignored.
        assert_eq!(client_address(outsider, &headers("203.0.113.9"), &proxies), outsider);
        // Through a trusted proxy, the rightmost untrusted hop is the client; what the client
        // wrote further left is not believed.
        let via = headers("1.1.1.1, 203.0.113.9, 10.9.9.9");
        assert_eq!(client_address(proxy, &via, &proxies), "203.0.113.9".parse::<IpAddr>().unwrap());
        // A mapped address of a trusted proxy is trusted too.
        assert_eq!(
            client_address("::ffff:10.1.2.3".parse().unwrap(), &headers("203.0.113.9"), &proxies),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        // Garbage stops the walk at the last good address.
        assert_eq!(client_address(proxy, &headers("nonsense"), &proxies), proxy);
        assert_eq!(client_address(proxy, &HeaderMap::new(), &[]), proxy);
    }
}
