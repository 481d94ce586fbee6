//! The HTTP edge shared by REST, GraphQL and WebSocket alike: the client address, the request
//! id, the security headers, how an `AppError` becomes a response, and the REST handlers.

pub mod encoding;
pub mod error;
pub mod health;
pub mod refresh;
pub mod static_files;

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// The client address: the socket's, or behind a trusted proxy the last `X-Forwarded-For`
/// entry (the one our proxy appended; anything left of it is whatever the client sent).
pub fn client_ip(headers: &HeaderMap, peer: SocketAddr, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(forwarded) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<IpAddr>().is_ok())
    {
        return forwarded.to_owned();
    }
    peer.ip().to_string()
}

/// The request id the `SetRequestId` layer gave this request (or the client sent).
pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The `Authorization` header's value, if it is text.
pub fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or(""))
}

type HeaderLayer = SetResponseHeaderLayer<HeaderValue>;

/// Headers every response carries (unless the handler set its own), as one layer.
pub fn security_headers() -> (HeaderLayer, HeaderLayer, HeaderLayer) {
    let set = SetResponseHeaderLayer::if_not_present;
    (
        set(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        set(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        set(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_only_behind_a_trusted_proxy() {
        let peer: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.9".parse().unwrap());
        assert_eq!(client_ip(&headers, peer, false), "10.0.0.1");
        assert_eq!(client_ip(&headers, peer, true), "203.0.113.9");
        headers.insert("x-forwarded-for", "not an ip".parse().unwrap());
        assert_eq!(client_ip(&headers, peer, true), "10.0.0.1");
    }
}
