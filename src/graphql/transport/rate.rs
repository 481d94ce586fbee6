//! Rate limits of GraphQL requests: each operation's class, who it counts against, and the
//! `RateLimit-*` headers.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::Response,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::response::{Framing, error_object, json_response};
use crate::{
    auth::Viewer,
    graphql::admission::{OperationInfo, operation::AUTH_FIELDS},
    platform::{
        error::AppError,
        ratelimit::{Class, Decision},
    },
};

pub fn classify(info: &OperationInfo) -> Class {
    if !info.is_mutation() {
        Class::Query
    } else if info
        .root_fields
        .iter()
        .any(|f| AUTH_FIELDS.contains(&f.as_str()))
    {
        Class::Auth
    } else {
        Class::Mutation
    }
}

/// Who a request is counted against.
pub fn subjects(class: Class, viewer: &Viewer, ip: &str, logins: &[String]) -> Vec<String> {
    match (class, viewer.user()) {
        (Class::Auth, _) => {
            let mut s = vec![format!("ip:{ip}")];
            s.extend(logins.iter().map(|l| login_subject(l)));
            s
        }
        (_, Some(user)) => vec![format!("user:{}", user.user.id)],
        (_, None) => vec![format!("ip:{ip}")],
    }
}

/// A login name as a counter key: hashed, so a key is short whatever was sent as the name
/// (names are already trimmed and lower-cased).
pub fn login_subject(login: &str) -> String {
    let digest = Sha256::digest(login.as_bytes());
    format!("login:{}", hex::encode(&digest[..16]))
}

pub fn set_rate_headers(response: &mut Response, decision: &Decision) {
    let headers = response.headers_mut();
    for (name, value) in [
        ("ratelimit-limit", decision.limit),
        ("ratelimit-remaining", decision.remaining),
        ("ratelimit-reset", decision.reset_secs),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            headers.insert(name, v);
        }
    }
}

/// 429 with `Retry-After`; nothing was executed.
pub fn rate_limited(framing: Framing, decision: &Decision, request_id: &str) -> Response {
    let err = AppError::RateLimited {
        retry_after_secs: decision.reset_secs,
    };
    let mut response = json_response(
        StatusCode::TOO_MANY_REQUESTS,
        framing,
        &json!({"errors": [error_object(&err, request_id)]}),
    );
    if let Ok(v) = HeaderValue::from_str(&decision.reset_secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    set_rate_headers(&mut response, decision);
    response
}
