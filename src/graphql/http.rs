//! GraphQL over HTTP, owned end to end: content negotiation, CSRF-safe methods and media
//! types, document limits, persisted queries, a per-request timeout and load shedding. Every
//! error leaves with a code; the response formats live in `response.rs`.

use std::{net::SocketAddr, sync::Arc, time::Instant};

use async_graphql::{Request, parser::types::OperationType};
use axum::{
    body::Body,
    extract::{ConnectInfo, State, WebSocketUpgrade, ws::rejection::WebSocketUpgradeRejection},
    http::{HeaderMap, Method, StatusCode, Uri, header},
    response::Response,
};
use futures_util::future::join_all;
use serde_json::Value;
use tokio::sync::Semaphore;

use super::{
    batching,
    context::{Loaders, RequestMeta, Viewer},
    gate, limits,
    persisted::PersistedQueries,
    request,
    response::{self, Framing, json_response, request_error},
    schema::AppSchema,
};
use crate::{cache::policy::CacheTracker, error::AppError, state::AppState};

pub use super::response::GRAPHQL_RESPONSE_JSON;

#[derive(Clone)]
pub struct GraphqlHttp {
    pub state: AppState,
    pub schema: AppSchema,
    pub persisted: Arc<PersistedQueries>,
    /// Requests being served; when none is left the request is shed with 503.
    pub in_flight: Arc<Semaphore>,
}

impl GraphqlHttp {
    pub fn new(state: AppState, schema: AppSchema) -> anyhow::Result<Self> {
        Ok(Self {
            persisted: Arc::new(PersistedQueries::from_config(
                &state.config,
                state.redis.clone(),
            )?),
            in_flight: Arc::new(Semaphore::new(state.config.max_concurrent_requests)),
            state,
            schema,
        })
    }
}

pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn not_acceptable(rid: &str) -> Response {
    let err = AppError::BadRequest(format!(
        "Accept must allow {GRAPHQL_RESPONSE_JSON} or application/json"
    ));
    let mut response = request_error(Framing::Json, err, rid);
    *response.status_mut() = StatusCode::NOT_ACCEPTABLE;
    response
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
        return crate::subscriptions::ws::upgrade(ws, http.state, http.schema, &headers, peer);
    }
    let rid = request_id(&headers);
    let Some(framing) = Framing::negotiate(&headers) else {
        return not_acceptable(&rid);
    };
    match request::parse_get(uri.query().unwrap_or("")) {
        Ok(request) => {
            serve(
                http,
                &headers,
                peer,
                vec![request],
                false,
                Method::GET,
                framing,
            )
            .await
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
        let message = format!("request body is larger than {limit} bytes");
        return request_error(
            framing,
            AppError::Limit {
                limit: "bodySize",
                message,
            },
            &rid,
        );
    };
    match request::parse_body(&bytes, http.state.config.max_batch_size) {
        Ok((requests, is_batch)) => {
            serve(
                http,
                &headers,
                peer,
                requests,
                is_batch,
                Method::POST,
                framing,
            )
            .await
        }
        Err(err) => request_error(framing, err, &rid),
    }
}

/// Everything checked before a request may execute. Returns whether its document failed to
/// parse (execution then reports the parse error, with its position).
fn prepare(http: &GraphqlHttp, request: &mut Request, method: &Method) -> Result<bool, AppError> {
    http.persisted.resolve(request)?;
    if request.query.trim().is_empty() {
        return Err(AppError::BadRequest("the request has no query".into()));
    }
    let config = &http.state.config;
    limits::check_tokens(&request.query, config).map_err(|e| AppError::Limit {
        limit: e.limit,
        message: e.message,
    })?;
    let Ok(doc) = request.parsed_query() else {
        return Ok(true);
    };
    limits::check_document(doc, config).map_err(|e| AppError::Limit {
        limit: e.limit,
        message: e.message,
    })?;
    if !config.introspection_enabled() && limits::uses_introspection(doc) {
        let message = "introspection is disabled on this server".to_owned();
        return Err(AppError::Limit {
            limit: "introspection",
            message,
        });
    }
    if *method == Method::GET
        && matches!(
            gate::operation_info(request).ty,
            Some(OperationType::Mutation | OperationType::Subscription)
        )
    {
        return Err(AppError::MethodNotAllowed(
            "mutations must be sent with POST; GET runs queries only",
        ));
    }
    Ok(false)
}

async fn serve(
    http: GraphqlHttp,
    headers: &HeaderMap,
    peer: SocketAddr,
    mut requests: Vec<Request>,
    is_batch: bool,
    method: Method,
    framing: Framing,
) -> Response {
    let started = Instant::now();
    let rid = request_id(headers);
    let Ok(_permit) = http.in_flight.clone().try_acquire_owned() else {
        let message = "the server is at capacity; retry shortly".to_owned();
        http.state
            .metrics
            .observe("unknown", "rejected", started.elapsed());
        return request_error(
            framing,
            AppError::Limit {
                limit: "concurrency",
                message,
            },
            &rid,
        );
    };
    let viewer = match Viewer::from_headers(&http.state, headers).await {
        Ok(v) => v,
        Err(err) => return request_error(framing, err, &rid),
    };
    let state = http.state.clone();
    let ip = gate::client_ip(headers, peer, state.config.trust_proxy);
    let meta = RequestMeta {
        request_id: rid.clone(),
        ip: Some(ip.clone()),
    };
    let (spawner, executor) = batching::channel();
    for request in &requests {
        http.persisted.warm(request).await;
    }
    let mut prepared = Vec::with_capacity(requests.len());
    let mut infos = Vec::with_capacity(requests.len());
    for request in requests.iter_mut() {
        let outcome = match prepare(&http, request, &method) {
            // A single request that cannot run is answered as a request error.
            Err(err) if !is_batch => return request_error(framing, err, &rid),
            other => other,
        };
        infos.push(gate::operation_info(request));
        request.data.insert(viewer.clone());
        request.data.insert(meta.clone());
        request.data.insert(Loaders::new(&state, &spawner));
        prepared.push(outcome);
    }
    // The loaders (and their spawner clones) go away with the request data.
    drop(spawner);
    let label = match (is_batch, infos.first().and_then(|i| i.ty)) {
        (true, _) => "batch",
        (_, Some(OperationType::Mutation)) => "mutation",
        (_, Some(OperationType::Subscription)) => "subscription",
        (_, Some(OperationType::Query)) => "query",
        _ => "unknown",
    };

    // Rate limits, before anything runs; the tightest decision goes in the headers.
    let mut tightest: Option<crate::ratelimit::Decision> = None;
    for info in &infos {
        let class = gate::classify(info);
        let subjects = gate::subjects(class, &viewer, &ip, &info.login_names);
        // Every login in one document is an attempt of its own.
        for _ in 0..info.auth_fields.max(1) {
            let decision = state.rate_limiter.hit(class, &subjects).await;
            if !decision.allowed {
                state.metrics.observe(label, "rejected", started.elapsed());
                return gate::rate_limited(framing, &decision, &rid);
            }
            if tightest.is_none_or(|t| decision.remaining < t.remaining) {
                tightest = Some(decision);
            }
        }
    }

    // The response cache, for a single query that parsed.
    let cacheable = state.config.cache_enabled
        && !is_batch
        && matches!(prepared.first(), Some(Ok(false)))
        && infos
            .first()
            .is_some_and(|i| i.ty == Some(OperationType::Query));
    let mut cache_plan = None;
    if cacheable && let Some(request) = requests.first_mut() {
        let (public_key, private_key) = gate::cache_keys(request, &viewer);
        let keys: Vec<String> = std::iter::once(public_key.clone())
            .chain(private_key.clone())
            .collect();
        if let Some(entry) = state.cache.get(&keys).await {
            state.metrics.observe(label, "cache_hit", started.elapsed());
            let mut response = gate::from_cache(&entry, framing, headers, &method);
            if let Some(decision) = &tightest {
                gate::set_rate_headers(&mut response, decision);
            }
            return response;
        }
        if let Some(epoch) = state.cache.epoch().await {
            let tracker = CacheTracker::default();
            request.data.insert(tracker.clone());
            cache_plan = Some((tracker, epoch, public_key, private_key));
        }
    }

    let schema = http.schema.clone();
    let runnable: Vec<(usize, Request)> = requests
        .into_iter()
        .enumerate()
        .filter(|(i, _)| prepared[*i].is_ok())
        .collect();
    let work = join_all(runnable.into_iter().map(|(i, r)| {
        let schema = schema.clone();
        async move { (i, schema.execute(r).await) }
    }));
    let timeout = state.config.request_timeout();
    let executed = tokio::time::timeout(timeout, executor.run(work)).await;
    // Whatever the mutations managed to write is dropped from the cache, even on timeout.
    let mutations: Vec<&gate::OperationInfo> = infos
        .iter()
        .filter(|i| i.ty == Some(OperationType::Mutation))
        .collect();
    if !mutations.is_empty() {
        gate::invalidate_after(&state, &mutations).await;
    }
    let Ok(executed) = executed else {
        let message = format!(
            "the request took longer than {} ms and was cancelled",
            timeout.as_millis()
        );
        state.metrics.observe(label, "error", started.elapsed());
        return request_error(
            framing,
            AppError::Limit {
                limit: "timeout",
                message,
            },
            &rid,
        );
    };

    let mut bodies: Vec<Value> = Vec::with_capacity(prepared.len());
    let mut failed_before_execution = false;
    let mut executed = executed.into_iter().peekable();
    for (i, outcome) in prepared.into_iter().enumerate() {
        match outcome {
            Err(err) => {
                bodies.push(serde_json::json!({"errors": [response::error_object(&err, &rid)]}))
            }
            Ok(parse_failed) => match executed.next_if(|(j, _)| *j == i) {
                Some((_, resp)) => {
                    let (body, failed) = response::finish(resp, &rid, parse_failed);
                    failed_before_execution = failed;
                    bodies.push(body);
                }
                None => bodies.push(serde_json::json!({"errors": [response::error_object(
                    &AppError::internal(anyhow::anyhow!("operation {i} was not executed")),
                    &rid
                )]})),
            },
        }
    }
    let status = if !is_batch && framing == Framing::GraphqlResponseJson && failed_before_execution
    {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = if is_batch {
        Value::Array(bodies)
    } else {
        bodies.pop().unwrap_or(Value::Null)
    };
    let outcome = if body.get("errors").is_some() {
        "error"
    } else {
        "ok"
    };
    state.metrics.observe(label, outcome, started.elapsed());

    let mut stored = None;
    if let Some((tracker, epoch, public_key, private_key)) = cache_plan
        && let Some(plan) = tracker.plan()
        && let Some(entry) = gate::storable(&plan, &body, &viewer)
    {
        let key = if entry.public {
            Some(public_key)
        } else {
            private_key
        };
        if let Some(key) = key {
            stored = Some((entry.public, entry.max_age, entry.etag.clone()));
            state.cache.put(key, entry, plan.tags, epoch).await;
        }
    }
    let mut response = json_response(status, framing, &body);
    match &stored {
        Some((public, max_age, etag)) => {
            gate::set_cache_headers(&mut response, Some((*public, *max_age)), Some(etag), "MISS")
        }
        None if cacheable => gate::set_cache_headers(&mut response, None, None, "MISS"),
        None => gate::set_cache_headers(&mut response, None, None, "BYPASS"),
    }
    if let Some(decision) = &tightest {
        gate::set_rate_headers(&mut response, decision);
    }
    response
}
