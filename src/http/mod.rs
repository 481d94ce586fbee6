//! The HTTP edge shared by REST, GraphQL and WebSocket alike: the client address, the request
//! id, the security headers, how an `AppError` becomes a response, and the REST handlers.

pub mod encoding;
pub mod error;
pub mod health;
pub mod refresh;
pub mod static_files;

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderValue, header};
use tower_http::{
    request_id::{MakeRequestId, RequestId},
    set_header::SetResponseHeaderLayer,
};

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

/// A fresh random (version 4) UUID for each request without an `X-Request-Id`. tower-http's
/// `MakeRequestUuid` asks the kernel for every id (`Uuid::new_v4`) and formats it through a
/// `String`; this draws the bytes from the thread's CSPRNG (seeded from the OS) and formats
/// them on the stack. Same format, same randomness, no system call per request.
#[derive(Clone, Copy, Default)]
pub struct MakeRequestUuid;

impl MakeRequestId for MakeRequestUuid {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let bytes: [u8; 16] = rand::random();
        let uuid = uuid::Builder::from_random_bytes(bytes).into_uuid();
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let text = uuid.hyphenated().encode_lower(&mut text);
        HeaderValue::from_str(text).ok().map(RequestId::new)
    }
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

    #[test]
    fn generated_request_ids_are_distinct_v4_uuids() {
        let request = axum::http::Request::new(());
        let mut make = MakeRequestUuid;
        let ids: std::collections::HashSet<String> = (0..1000)
            .map(|_| {
                let id = make.make_request_id(&request).unwrap();
                let text = id.header_value().to_str().unwrap().to_owned();
                let uuid = uuid::Uuid::parse_str(&text).unwrap();
                assert_eq!(uuid.get_version_num(), 4, "{text}");
                assert_eq!(uuid.hyphenated().to_string(), text);
                text
            })
            .collect();
        assert_eq!(ids.len(), 1000);
    }
}
