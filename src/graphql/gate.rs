//! What happens to a prepared request before and after it runs: rate limits by operation
//! class, the response cache (lookup, store, HTTP caching headers) and invalidation after
//! mutations.

use std::{collections::BTreeSet, net::SocketAddr};

use std::collections::HashSet;

use async_graphql::{
    Request,
    parser::types::{ExecutableDocument, Field, OperationType, Selection, SelectionSet},
};
use axum::{
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{
    context::Viewer,
    response::{Framing, error_object, json_response},
};
use crate::{
    cache::{
        CachedResponse,
        policy::{CachePlan, cache_key, mutation_tags},
    },
    error::AppError,
    ratelimit::{Class, Decision},
    state::AppState,
};

/// Root fields that count as authentication attempts.
const AUTH_FIELDS: &[&str] = &["register", "login", "refreshToken"];

/// The client address: the socket's, or behind a trusted proxy the last `X-Forwarded-For`
/// entry (the one our proxy appended; anything left of it is whatever the client sent).
pub fn client_ip(headers: &HeaderMap, peer: SocketAddr, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(forwarded) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
    {
        return forwarded.to_owned();
    }
    peer.ip().to_string()
}

/// The selected operation's type, its root fields (fragments followed), and the login names
/// its auth mutations name (for per-account limits on guessing).
pub struct OperationInfo {
    pub ty: Option<OperationType>,
    pub root_fields: Vec<String>,
    /// How many root fields are authentication attempts; each counts against the limits.
    pub auth_fields: usize,
    pub login_names: Vec<String>,
}

fn input_login(value: &async_graphql::Value) -> Option<String> {
    let async_graphql::Value::Object(object) = value else {
        return None;
    };
    ["login", "username"]
        .into_iter()
        .find_map(|k| match object.get(k) {
            Some(async_graphql::Value::String(s)) => Some(s.trim().to_lowercase()),
            _ => None,
        })
}

fn root_fields<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    seen: &mut HashSet<&'a str>,
    out: &mut Vec<&'a Field>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => out.push(&field.node),
            Selection::InlineFragment(inline) => {
                root_fields(doc, &inline.node.selection_set.node, seen, out)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node)
                    && seen.insert(name)
                {
                    root_fields(doc, &fragment.node.selection_set.node, seen, out);
                }
            }
        }
    }
}

pub fn operation_info(request: &mut Request) -> OperationInfo {
    let name = request.operation_name.clone();
    let variables = request.variables.clone();
    let empty = OperationInfo {
        ty: None,
        root_fields: Vec::new(),
        auth_fields: 0,
        login_names: Vec::new(),
    };
    let Ok(doc) = request.parsed_query() else {
        return empty;
    };
    let op = match &name {
        Some(name) => doc
            .operations
            .iter()
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == name)),
        None => doc.operations.iter().next(),
    };
    let Some((_, op)) = op else { return empty };
    let mut fields = Vec::new();
    root_fields(
        doc,
        &op.node.selection_set.node,
        &mut HashSet::new(),
        &mut fields,
    );
    let mut info = OperationInfo {
        ty: Some(op.node.ty),
        ..empty
    };
    for field in fields {
        let field_name = field.name.node.to_string();
        if op.node.ty == OperationType::Mutation && AUTH_FIELDS.contains(&field_name.as_str()) {
            info.auth_fields += 1;
            let login = field
                .arguments
                .iter()
                .find(|(n, _)| n.node == "input")
                .and_then(|(_, input)| {
                    input
                        .node
                        .clone()
                        .into_const_with(|var| variables.get(&var).cloned().ok_or(()))
                        .ok()
                })
                .and_then(|value| input_login(&value));
            info.login_names.extend(login);
        }
        info.root_fields.push(field_name);
    }
    info
}

pub fn classify(info: &OperationInfo) -> Class {
    match info.ty {
        Some(OperationType::Mutation)
            if info
                .root_fields
                .iter()
                .any(|f| AUTH_FIELDS.contains(&f.as_str())) =>
        {
            Class::Auth
        }
        Some(OperationType::Mutation) => Class::Mutation,
        _ => Class::Query,
    }
}

/// Who a request is counted against.
pub fn subjects(class: Class, viewer: &Viewer, ip: &str, logins: &[String]) -> Vec<String> {
    match (class, viewer.user()) {
        (Class::Auth, _) => {
            let mut s = vec![format!("ip:{ip}")];
            s.extend(logins.iter().map(|l| format!("login:{l}")));
            s
        }
        (_, Some(user)) => vec![format!("user:{}", user.user.id)],
        (_, None) => vec![format!("ip:{ip}")],
    }
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
    let mut error = error_object(&err, request_id);
    error["extensions"]["retryAfter"] = json!(decision.reset_secs);
    let mut response = json_response(
        StatusCode::TOO_MANY_REQUESTS,
        framing,
        &json!({"errors": [error]}),
    );
    if let Ok(v) = HeaderValue::from_str(&decision.reset_secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    set_rate_headers(&mut response, decision);
    response
}

/// Cache keys for a query: the shared public key, and the viewer's private key.
pub fn cache_keys(request: &Request, viewer: &Viewer) -> (String, Option<String>) {
    let variables = serde_json::to_value(&request.variables).unwrap_or_default();
    let operation = request.operation_name.as_deref();
    let public = cache_key(&request.query, operation, &variables, "public");
    let private = viewer.user().map(|u| {
        cache_key(
            &request.query,
            operation,
            &variables,
            &format!("user:{}", u.user.id),
        )
    });
    (public, private)
}

pub fn etag(body: &str) -> String {
    let digest = hex::encode(Sha256::digest(body.as_bytes()));
    format!("W/\"{}\"", &digest[..32])
}

fn cache_control(public: bool, max_age: u32) -> String {
    format!(
        "{}, max-age={max_age}",
        if public { "public" } else { "private" }
    )
}

/// A response from the cache (or a 304 when a GET's `If-None-Match` matches).
pub fn from_cache(
    entry: &CachedResponse,
    framing: Framing,
    headers: &HeaderMap,
    method: &Method,
) -> Response {
    let not_modified = *method == Method::GET
        && headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|tag| tag.trim() == entry.etag || tag.trim() == "*")
            });
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = (StatusCode::OK, entry.body.clone()).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(framing.content_type()),
        );
        r
    };
    set_cache_headers(
        &mut response,
        Some((entry.public, entry.max_age)),
        Some(&entry.etag),
        "HIT",
    );
    response
}

pub fn set_cache_headers(
    response: &mut Response,
    policy: Option<(bool, u32)>,
    etag: Option<&str>,
    status: &'static str,
) {
    let headers = response.headers_mut();
    let control = match policy {
        Some((public, max_age)) => cache_control(public, max_age),
        None => "no-store".to_owned(),
    };
    if let Ok(v) = HeaderValue::from_str(&control) {
        headers.insert(header::CACHE_CONTROL, v);
    }
    if let Some(etag) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert("x-cache", HeaderValue::from_static(status));
}

/// The entry to store for an executed query, if its plan and outcome allow it.
pub fn storable(
    plan: &CachePlan,
    body: &serde_json::Value,
    viewer: &Viewer,
) -> Option<CachedResponse> {
    let ok = body.get("errors").is_none() && body.get("data").is_some_and(|d| !d.is_null());
    if !ok || !plan.cacheable || plan.max_age <= 0 || plan.max_age == i32::MAX {
        return None;
    }
    if !plan.public && viewer.user().is_none() {
        return None;
    }
    let text = body.to_string();
    Some(CachedResponse {
        etag: etag(&text),
        body: text,
        max_age: plan.max_age as u32,
        public: plan.public,
    })
}

/// Drops what the executed mutations wrote, before their response leaves.
pub async fn invalidate_after(state: &AppState, mutations: &[&OperationInfo]) {
    let mut tags: BTreeSet<String> = mutations
        .iter()
        .flat_map(|info| info.root_fields.iter())
        .flat_map(|field| mutation_tags(field).iter().map(|t| (*t).to_owned()))
        .collect();
    if mutations.iter().any(|info| info.root_fields.is_empty()) {
        // Whatever it was, it may have written anything.
        tags.extend(mutation_tags("").iter().map(|t| (*t).to_owned()));
    }
    state.cache.invalidate(&tags).await;
}
