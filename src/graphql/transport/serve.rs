//! One GraphQL-over-HTTP call, as a short list of named stages: load shedding, the viewer,
//! admission, rate limits, the response cache, execution under a timeout, invalidation, the
//! response body, and storing it in the cache.

use std::time::Instant;

use async_graphql::{Request, Response as GqlResponse, parser::types::OperationType};
use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use futures_util::future::join_all;
use serde_json::json;
use tokio::sync::OwnedSemaphorePermit;

use super::{
    http::{Call, GraphqlHttp},
    http_cache, rate,
    response::{self, Framing, request_error, text_response},
};
use crate::{
    auth::Viewer,
    graphql::{
        admission::operation::selected_operation,
        admission::{Admitted, Transport},
        batching,
        cache_policy::CachePlan,
        context::RequestMeta,
        loaders::Loaders,
        order::Shape,
    },
    http::{authorization, client_ip, encoding::Encoding, request_id},
    platform::{
        error::{AppError, DATABASE_UNAVAILABLE, Limit},
        ratelimit::Decision,
    },
};

/// What the stages of one call share.
struct Served {
    http: GraphqlHttp,
    framing: Framing,
    rid: String,
    ip: String,
    viewer: Viewer,
    started: Instant,
    label: &'static str,
}

impl Served {
    fn fail(&self, outcome: &str, err: AppError) -> Response {
        self.http
            .state
            .metrics
            .observe(self.label, outcome, self.started.elapsed());
        request_error(self.framing, err, &self.rid)
    }
}

pub(super) async fn serve(http: GraphqlHttp, mut call: Call) -> Response {
    let started = Instant::now();
    let rid = request_id(&call.headers);
    let Some(_permit) = shed_load(&http) else {
        http.state
            .metrics
            .observe("unknown", "rejected", started.elapsed());
        let err = AppError::limit(
            Limit::Concurrency,
            "the server is at capacity; retry shortly",
        );
        return request_error(call.framing, err, &rid);
    };
    // With the database known down, a request that must reach it is answered at once: a
    // token cannot be checked without it. (Anonymous ones may still be cache hits.)
    let db_up = http.state.db_health.is_up();
    if !db_up && authorization(&call.headers).is_some() {
        return unavailable(&http, call.framing, &rid, started);
    }
    let viewer = match Viewer::from_authorization(&http.state, authorization(&call.headers)).await {
        Ok(v) => v,
        Err(err) => return request_error(call.framing, err, &rid),
    };
    let ip = client_ip(&call.headers, call.peer, http.state.config.trust_proxy);
    let mut served = Served {
        http,
        framing: call.framing,
        rid,
        ip,
        viewer,
        started,
        label: "unknown",
    };

    let admitted = match admit(&served, &mut call).await {
        Ok(admitted) => admitted,
        Err(err) => return served.fail("error", err),
    };
    served.label = label(call.is_batch, &admitted);
    let decision = match rate_limit(&served, &admitted).await {
        Ok(decision) => decision,
        Err(response) => return response,
    };
    // Registrations count against the rate limit: only a request allowed to run registers.
    let mut admitted = admitted;
    for admitted in admitted.iter_mut().flatten() {
        served.http.admission.learn(admitted).await;
    }
    let pending = match cache_lookup(&served, &mut call, &admitted).await {
        Lookup::Hit(mut response) => {
            served
                .http
                .state
                .metrics
                .observe(served.label, "cache_hit", started.elapsed());
            if let Some(decision) = &decision {
                rate::set_rate_headers(&mut response, decision);
            }
            return response;
        }
        Lookup::Miss(pending) => Some(pending),
        Lookup::Bypass => None,
    };
    if !db_up {
        return unavailable(&served.http, served.framing, &served.rid, started);
    }
    // Whether the cache was consulted, for `x-cache`.
    let pending_state = pending.as_ref().map(|_| ());
    let Some(executor) = call.executor.take() else {
        return served.fail(
            "error",
            AppError::internal(anyhow::anyhow!("no batch executor")),
        );
    };
    let executed = execute(&served, call.requests, &admitted, executor).await;
    invalidate(&served, &admitted).await;
    let Some(executed) = executed else {
        let message = format!(
            "the request took longer than {} ms and was cancelled",
            served.http.state.config.request_timeout().as_millis()
        );
        return served.fail("error", AppError::limit(Limit::Timeout, message));
    };
    let answer = assemble(&served, call.is_batch, admitted, executed);
    let outcome = if answer.clean { "ok" } else { "error" };
    served
        .http
        .state
        .metrics
        .observe(served.label, outcome, started.elapsed());
    let stored = match pending {
        Some(pending) if answer.clean => store(&served, pending, &answer.body).await,
        _ => None,
    };
    let mut response = text_response(answer.status, served.framing, answer.body);
    match pending_state {
        Some(_) => match stored {
            Some((public, max_age, etag)) => http_cache::set_cache_headers(
                &mut response,
                Some((public, max_age)),
                Some(&etag),
                "MISS",
            ),
            None => http_cache::set_cache_headers(&mut response, None, None, "MISS"),
        },
        None => http_cache::set_cache_headers(&mut response, None, None, "BYPASS"),
    }
    if let Some(decision) = &decision {
        rate::set_rate_headers(&mut response, decision);
    }
    response
}

/// 503 with `Retry-After`: the database is away and this request needs it.
fn unavailable(http: &GraphqlHttp, framing: Framing, rid: &str, started: Instant) -> Response {
    http.state
        .metrics
        .observe("unknown", "unavailable", started.elapsed());
    request_error(
        framing,
        AppError::ServiceUnavailable(DATABASE_UNAVAILABLE),
        rid,
    )
}

/// Load shedding: a place among the requests in flight, or none.
fn shed_load(http: &GraphqlHttp) -> Option<OwnedSemaphorePermit> {
    http.in_flight.clone().try_acquire_owned().ok()
}

/// Admits every request of the call. A single request that cannot run is answered as a
/// request error; in a batch, each keeps its own outcome.
async fn admit(
    served: &Served,
    call: &mut Call,
) -> Result<Vec<Result<Admitted, AppError>>, AppError> {
    let state = &served.http.state;
    let (spawner, executor) = batching::channel();
    let meta = RequestMeta {
        request_id: served.rid.clone(),
        ip: Some(served.ip.clone()),
    };
    let mut admitted = Vec::with_capacity(call.requests.len());
    for request in call.requests.iter_mut() {
        let outcome = served
            .http
            .admission
            .admit(&state.config, request, call.transport)
            .await;
        let outcome = match outcome {
            Err(err) if !call.is_batch => return Err(err),
            other => other,
        };
        request.data.insert(served.viewer.clone());
        request.data.insert(meta.clone());
        request.data.insert(Loaders::new(state, spawner.clone()));
        admitted.push(outcome);
    }
    // The loaders (and their spawner clones) go away with the request data; the executor
    // runs the call.
    call.executor = Some(executor);
    Ok(admitted)
}

fn label(is_batch: bool, admitted: &[Result<Admitted, AppError>]) -> &'static str {
    let ty = admitted
        .first()
        .and_then(|a| a.as_ref().ok())
        .and_then(|a| a.info.ty);
    match (is_batch, ty) {
        (true, _) => "batch",
        (_, Some(OperationType::Mutation)) => "mutation",
        (_, Some(OperationType::Subscription)) => "subscription",
        (_, Some(OperationType::Query)) => "query",
        _ => "unknown",
    }
}

/// Counts every operation before anything runs; the tightest decision goes in the headers.
async fn rate_limit(
    served: &Served,
    admitted: &[Result<Admitted, AppError>],
) -> Result<Option<Decision>, Response> {
    let limiter = &served.http.state.rate_limiter;
    let mut tightest: Option<Decision> = None;
    for admitted in admitted.iter().flatten() {
        let info = &admitted.info;
        let class = rate::classify(info);
        let subjects = rate::subjects(class, &served.viewer, &served.ip, &info.login_names);
        // Every login in one document is an attempt of its own.
        for _ in 0..info.auth_fields.max(1) {
            let decision = limiter.hit(class, &subjects).await;
            if !decision.allowed {
                served.http.state.metrics.observe(
                    served.label,
                    "rejected",
                    served.started.elapsed(),
                );
                return Err(rate::rate_limited(served.framing, &decision, &served.rid));
            }
            if tightest.is_none_or(|t| decision.remaining < t.remaining) {
                tightest = Some(decision);
            }
        }
    }
    Ok(tightest)
}

/// A cacheable query's keys and plan, read before it runs.
struct PendingEntry {
    plan: CachePlan,
    epoch: u64,
    public_key: String,
    private_key: Option<String>,
}

enum Lookup {
    Hit(Response),
    /// Cacheable; `None` when the cache cannot take entries right now (Redis down).
    Miss(Option<PendingEntry>),
    Bypass,
}

/// The response cache, for a single query that parsed and whose every field is hinted.
async fn cache_lookup(
    served: &Served,
    call: &mut Call,
    admitted: &[Result<Admitted, AppError>],
) -> Lookup {
    let state = &served.http.state;
    if !state.config.cache_enabled || call.is_batch {
        return Lookup::Bypass;
    }
    let (Some(request), Some(Ok(admitted))) = (call.requests.first_mut(), admitted.first()) else {
        return Lookup::Bypass;
    };
    if admitted.parse_failed || !admitted.info.is_query() {
        return Lookup::Bypass;
    }
    let Some(doc) = admitted.doc.as_deref() else {
        return Lookup::Bypass;
    };
    let plan = match selected_operation(doc, request.operation_name.as_deref()) {
        Some(op) => served.http.cache_hints.plan(doc, op),
        None => return Lookup::Bypass,
    };
    if !plan.storable() || (!plan.public && served.viewer.user().is_none()) {
        return Lookup::Bypass;
    }
    let (public_key, private_key) = http_cache::cache_keys(request, &served.viewer);
    let keys: Vec<String> = std::iter::once(public_key.clone())
        .chain(private_key.clone())
        .collect();
    let encoding = Encoding::negotiate(&call.headers);
    if let Some(hit) = state.cache.get(&keys, encoding).await {
        let method = match call.transport {
            Transport::HttpGet => Method::GET,
            _ => Method::POST,
        };
        let answer = (encoding, served.framing, &call.headers, &method);
        return Lookup::Hit(http_cache::answer_hit(&state.cache, &hit, answer).await);
    }
    let Some(epoch) = state.cache.epoch().await else {
        return Lookup::Miss(None);
    };
    Lookup::Miss(Some(PendingEntry {
        plan,
        epoch,
        public_key,
        private_key,
    }))
}

/// Runs the admitted requests together (their loaders batch across them) under the timeout.
async fn execute(
    served: &Served,
    requests: Vec<Request>,
    admitted: &[Result<Admitted, AppError>],
    executor: batching::BatchExecutor,
) -> Option<Vec<(usize, GqlResponse)>> {
    let schema = &served.http.schema;
    let runnable = requests
        .into_iter()
        .enumerate()
        .filter(|(i, _)| admitted[*i].is_ok());
    let work = join_all(runnable.map(|(i, r)| {
        let schema = schema.clone();
        let doc = admitted[i].as_ref().ok().and_then(|a| a.doc.as_ref());
        let shape = Shape::of(&r, doc);
        async move {
            let mut response = schema.execute(r).await;
            // Fields finish in any order; the answer lists them as the query asked.
            if let Some(shape) = shape {
                shape.apply(&mut response.data);
            }
            (i, response)
        }
    }));
    let timeout = served.http.state.config.request_timeout();
    tokio::time::timeout(timeout, executor.run(work)).await.ok()
}

/// Whatever the mutations managed to write is dropped from the cache, even on timeout.
async fn invalidate(served: &Served, admitted: &[Result<Admitted, AppError>]) {
    let mutations: Vec<_> = admitted
        .iter()
        .flatten()
        .map(|a| &a.info)
        .filter(|info| info.is_mutation())
        .collect();
    if !mutations.is_empty() {
        http_cache::invalidate_after(&served.http.state, &mutations).await;
    }
}

/// The serialized answer of a call.
struct Answer {
    status: StatusCode,
    body: String,
    /// Data and no errors (a batch: none of its operations has errors).
    clean: bool,
}

/// The response body and status from each request's outcome, serialized straight from the
/// execution results (field order as asked).
fn assemble(
    served: &Served,
    is_batch: bool,
    admitted: Vec<Result<Admitted, AppError>>,
    executed: Vec<(usize, GqlResponse)>,
) -> Answer {
    let rid = &served.rid;
    let mut bodies: Vec<String> = Vec::with_capacity(admitted.len());
    let mut failed_before_execution = false;
    let mut clean = true;
    let mut executed = executed.into_iter().peekable();
    for (i, outcome) in admitted.into_iter().enumerate() {
        let refused = match outcome {
            Err(err) => err,
            Ok(admitted) => match executed.next_if(|(j, _)| *j == i) {
                Some((_, resp)) => {
                    let finished = response::finish(resp, rid, admitted.parse_failed);
                    failed_before_execution = finished.request_failed;
                    clean &= finished.is_clean();
                    bodies.push(response::to_json(&finished.body(), rid));
                    continue;
                }
                None => AppError::internal(anyhow::anyhow!("operation {i} was not executed")),
            },
        };
        clean = false;
        bodies.push(json!({"errors": [response::error_object(&refused, rid)]}).to_string());
    }
    let status =
        if !is_batch && served.framing == Framing::GraphqlResponseJson && failed_before_execution {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
    let body = if is_batch {
        format!("[{}]", bodies.join(","))
    } else {
        bodies.pop().unwrap_or_else(|| "null".to_owned())
    };
    Answer {
        status,
        body,
        clean,
    }
}

/// Stores an executed query's answer when its plan allows; what was stored, for the caching
/// headers.
async fn store(
    served: &Served,
    pending: Option<PendingEntry>,
    body: &str,
) -> Option<(bool, u32, String)> {
    let pending = pending?;
    let entry = http_cache::storable(&pending.plan, body, &served.viewer)?;
    let key = if entry.public {
        Some(pending.public_key)
    } else {
        pending.private_key
    }?;
    let stored = (entry.public, entry.max_age, entry.etag.clone());
    served
        .http
        .state
        .cache
        .put(key, entry, pending.plan.tags, pending.epoch)
        .await;
    Some(stored)
}
