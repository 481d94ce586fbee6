//! GraphQL over HTTP, owned end to end: content negotiation and CSRF-safe methods and media
//! types here, then the call's stages in `serve.rs`. Every error leaves with a code; the
//! response formats live in `response.rs`.

use std::{net::SocketAddr, sync::Arc};

use async_graphql::Request;
use axum::{
    body::Body,
    extract::{ConnectInfo, State, WebSocketUpgrade, ws::rejection::WebSocketUpgradeRejection},
    http::{HeaderMap, StatusCode, Uri, header},
    response::Response,
};
use tokio::sync::Semaphore;

use super::{
    request::{parse_body, parse_get},
    response::{Framing, GRAPHQL_RESPONSE_JSON, request_error},
    serve::serve,
};
use crate::{
    graphql::{
        admission::{Admission, Transport, documents::DocumentCache, persisted::PersistedQueries},
        batching,
        cache_policy::CacheHints,
        schema::AppSchema,
    },
    http::request_id,
    platform::error::{AppError, Limit},
    state::AppState,
};

#[derive(Clone)]
pub struct GraphqlHttp {
    pub state: AppState,
    pub schema: AppSchema,
    pub admission: Arc<Admission>,
    /// The schema's cache hints, for planning each query's cache entry before it runs.
    pub cache_hints: Arc<CacheHints>,
    /// Requests being served; when none is left the request is shed with 503.
    pub in_flight: Arc<Semaphore>,
}

impl GraphqlHttp {
    pub fn new(state: AppState, schema: AppSchema) -> anyhow::Result<Self> {
        let persisted = PersistedQueries::from_config(&state.config, state.redis.clone())?;
        let documents = DocumentCache::new(state.config.document_cache_bytes)?;
        state.metrics.register(documents.collector());
        Ok(Self {
            admission: Arc::new(Admission::new(persisted, documents)),
            cache_hints: Arc::new(CacheHints::from_schema()),
            in_flight: Arc::new(Semaphore::new(state.config.max_concurrent_requests)),
            state,
            schema,
        })
    }
}

fn not_acceptable(rid: &str) -> Response {
    let err = AppError::BadRequest(format!(
        "Accept must allow {GRAPHQL_RESPONSE_JSON} or application/json"
    ));
    let mut response = request_error(Framing::Json, err, rid);
    *response.status_mut() = StatusCode::NOT_ACCEPTABLE;
    response
}

/// One HTTP call: one request, or a batch.
pub(super) struct Call {
    pub(super) headers: HeaderMap,
    pub(super) peer: SocketAddr,
    pub(super) requests: Vec<Request>,
    pub(super) is_batch: bool,
    pub(super) transport: Transport,
    pub(super) framing: Framing,
    /// Runs the loaders' batches; set when the requests are admitted.
    pub(super) executor: Option<batching::BatchExecutor>,
}

pub async fn get_handler(
    State(http): State<GraphqlHttp>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    websocket: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    // `Upgrade: websocket` means subscriptions; anything else is GraphQL over HTTP.
    if let Ok(ws) = websocket {
        return super::ws::upgrade(ws, http, &headers, peer);
    }
    let rid = request_id(&headers);
    let Some(framing) = Framing::negotiate(&headers) else {
        return not_acceptable(&rid);
    };
    match parse_get(uri.query().unwrap_or("")) {
        Ok(request) => {
            let call = Call {
                headers,
                peer,
                requests: vec![request],
                is_batch: false,
                transport: Transport::HttpGet,
                framing,
                executor: None,
            };
            serve(http, call).await
        }
        Err(err) => request_error(framing, err, &rid),
    }
}

pub async fn post_handler(
    State(http): State<GraphqlHttp>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let rid = request_id(&headers);
    let Some(framing) = Framing::negotiate(&headers) else {
        return not_acceptable(&rid);
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    // Uploads: multipart, admitted only with a preflight header (see `multipart`).
    if essence == "multipart/form-data" {
        let content_type = content_type.to_owned();
        return super::multipart::post(http, headers, peer, body, framing, &content_type).await;
    }
    // Only JSON: form, multipart and text/plain posts are what a cross-site form can send.
    if essence != "application/json" && essence != GRAPHQL_RESPONSE_JSON {
        let err =
            AppError::BadRequest("POST /graphql requires Content-Type: application/json".into());
        let mut response = request_error(framing, err, &rid);
        *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return response;
    }
    let limit = http.state.config.body_limit_bytes;
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        let err = AppError::limit(
            Limit::BodySize,
            format!("request body is larger than {limit} bytes"),
        );
        return request_error(framing, err, &rid);
    };
    match parse_body(&bytes, http.state.config.max_batch_size) {
        Ok((requests, is_batch)) => {
            let call = Call {
                headers,
                peer,
                requests,
                is_batch,
                transport: Transport::HttpPost,
                framing,
                executor: None,
            };
            serve(http, call).await
        }
        Err(err) => request_error(framing, err, &rid),
    }
}
