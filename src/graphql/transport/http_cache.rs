//! The response cache at the HTTP edge: keys, lookups answered with `ETag`/304, what may be
//! stored, and invalidation after mutations.

use std::collections::BTreeSet;

use async_graphql::Request;
use axum::{
    body::Bytes,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use super::response::Framing;
use crate::{
    auth::Viewer,
    graphql::{
        admission::OperationInfo,
        cache_policy::{CachePlan, cache_key, mutation_tags},
    },
    http::encoding::Encoding,
    platform::cache::{CachedResponse, Entry, Hit, ResponseCache},
    state::AppState,
};

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
            // The row's version too: a change to the viewer (a role granted from the command
            // line, say) retires their private entries even where no invalidation reached.
            &format!(
                "user:{}:{}",
                u.user.id,
                u.user.updated_at.timestamp_micros()
            ),
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

/// Whether a GET's `If-None-Match` names the entry's ETag.
fn not_modified(etag: &str, headers: &HeaderMap, method: &Method) -> bool {
    *method == Method::GET
        && headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|tag| tag.trim() == etag || tag.trim() == "*")
            })
}

/// The answer to a hit: a 304 when a GET's `If-None-Match` matches, else the body, compressed
/// once per entry when the client accepts an encoding.
pub async fn answer_hit(
    cache: &ResponseCache,
    hit: &Hit,
    (encoding, framing, headers, method): (Option<Encoding>, Framing, &HeaderMap, &Method),
) -> Response {
    let not_modified = not_modified(&hit.entry.etag, headers, method);
    let encoded = match encoding {
        Some(encoding) if !not_modified => cache
            .encoded(hit, encoding)
            .await
            .map(|bytes| (encoding, bytes)),
        _ => None,
    };
    from_cache(&hit.entry, encoded, framing, not_modified)
}

/// A response from the cache, or a 304. `encoded` is the body in the encoding the client
/// accepts, compressed once for the entry: it leaves with the headers the compression layer
/// would have set (which leaves a response with `Content-Encoding` alone).
fn from_cache(
    entry: &Entry,
    encoded: Option<(Encoding, Bytes)>,
    framing: Framing,
    not_modified: bool,
) -> Response {
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let (body, encoding) = match encoded {
            Some((encoding, bytes)) => (bytes, Some(encoding)),
            None => (entry.body.clone(), None),
        };
        let mut r = (StatusCode::OK, body).into_response();
        let headers = r.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(framing.content_type()),
        );
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, encoding.header_value());
            headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
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

/// The entry to store for an executed query whose answer is `body` (data and no errors), if
/// its plan allows it. The cache keeps the exact bytes, so a hit answers what the miss did.
pub fn storable(plan: &CachePlan, body: &str, viewer: &Viewer) -> Option<CachedResponse> {
    if !plan.storable() || (!plan.public && viewer.user().is_none()) {
        return None;
    }
    Some(CachedResponse {
        etag: etag(body),
        body: body.to_owned(),
        max_age: plan.max_age as u32,
        public: plan.public,
    })
}

/// Drops what the executed mutations wrote, before their response leaves.
pub async fn invalidate_after(state: &AppState, mutations: &[&OperationInfo]) {
    let mut tags: BTreeSet<String> = mutations
        .iter()
        .flat_map(|info| info.root_fields.iter())
        .flat_map(|field| mutation_tags(field).into_iter().map(str::to_owned))
        .collect();
    if mutations.iter().any(|info| info.root_fields.is_empty()) {
        // Whatever it was, it may have written anything.
        tags.extend(mutation_tags("").into_iter().map(str::to_owned));
    }
    state.cache.invalidate(&tags).await;
}
