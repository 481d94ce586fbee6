//! GraphQL over HTTP: GET runs queries only, POST must carry JSON (which also stops form and
//! `text/plain` CSRF), responses are `application/graphql-response+json` when the client
//! accepts it and `application/json` otherwise. Every error leaves with a code.

use std::net::SocketAddr;

use async_graphql::{
    BatchRequest, BatchResponse, Request, ServerError, parser::types::OperationType,
};
use axum::{
    body::Body,
    extract::{ConnectInfo, State, WebSocketUpgrade, ws::rejection::WebSocketUpgradeRejection},
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::{
    batching,
    context::{Loaders, RequestMeta, Viewer},
    schema::AppSchema,
};
use crate::{auth::service::authenticate, error::AppError, state::AppState};

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const MAX_BATCH: usize = 10;

#[derive(Clone)]
pub struct GraphqlHttp {
    pub state: AppState,
    pub schema: AppSchema,
}

/// How the response is framed, chosen from `Accept`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Framing {
    GraphqlResponseJson,
    Json,
}

impl Framing {
    fn from_headers(headers: &HeaderMap) -> Self {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if accept.contains(GRAPHQL_RESPONSE_JSON) {
            Framing::GraphqlResponseJson
        } else {
            Framing::Json
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Framing::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            Framing::Json => "application/json",
        }
    }
}

pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn json_response(status: StatusCode, framing: Framing, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(framing.content_type()),
    );
    response
}

/// A request that never reached execution: one error, no `data`.
fn request_error(framing: Framing, err: AppError, request_id: &str) -> Response {
    let status = err.status();
    let mut extensions = json!({"code": err.code()});
    if let AppError::Internal(e) = &err {
        tracing::error!(error = ?e, "internal error");
        extensions["requestId"] = json!(request_id);
    }
    let body = json!({"errors": [{"message": err.message(), "extensions": extensions}]});
    json_response(status, framing, body.to_string().into_bytes())
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
    let framing = Framing::from_headers(&headers);
    let rid = request_id(&headers);
    let request = match async_graphql::http::parse_query_string(uri.query().unwrap_or("")) {
        Ok(r) => r,
        Err(e) => {
            return request_error(
                framing,
                AppError::BadRequest(format!("invalid GraphQL GET request: {e}")),
                &rid,
            );
        }
    };
    execute(
        http,
        &headers,
        peer,
        BatchRequest::Single(request),
        Method::GET,
        framing,
    )
    .await
}

pub async fn post_handler(
    State(http): State<GraphqlHttp>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let framing = Framing::from_headers(&headers);
    let rid = request_id(&headers);
    let body = match axum::body::to_bytes(body, http.state.config.body_limit_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let message = format!(
                "request body is larger than {} bytes",
                http.state.config.body_limit_bytes
            );
            let mut response = request_error(framing, AppError::BadRequest(message), &rid);
            *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return response;
        }
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
    if essence != "application/json" && essence != GRAPHQL_RESPONSE_JSON {
        let err =
            AppError::BadRequest("POST /graphql requires Content-Type: application/json".into());
        let mut response = request_error(framing, err, &rid);
        *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return response;
    }
    let batch = match parse_body(&body) {
        Ok(batch) => batch,
        Err(message) => {
            let mut response = request_error(framing, AppError::BadRequest(message), &rid);
            *response.status_mut() = StatusCode::BAD_REQUEST;
            return response;
        }
    };
    execute(http, &headers, peer, batch, Method::POST, framing).await
}

/// A JSON object is one request, a JSON array of objects a batch; anything else is refused
/// (serde alone would read `[]` as a request with every field defaulted).
fn parse_body(body: &[u8]) -> Result<BatchRequest, String> {
    let invalid =
        |e: serde_json::Error| format!("request body is not a valid GraphQL JSON request: {e}");
    let value: serde_json::Value = serde_json::from_slice(body).map_err(invalid)?;
    let single = |v: serde_json::Value| -> Result<Request, String> {
        if !v.is_object() {
            return Err("each GraphQL request must be a JSON object".into());
        }
        serde_json::from_value(v).map_err(invalid)
    };
    match value {
        serde_json::Value::Array(items) => {
            if items.is_empty() || items.len() > MAX_BATCH {
                return Err(format!("a batch must hold 1 to {MAX_BATCH} operations"));
            }
            Ok(BatchRequest::Batch(
                items.into_iter().map(single).collect::<Result<_, _>>()?,
            ))
        }
        other => Ok(BatchRequest::Single(single(other)?)),
    }
}

async fn viewer_from(state: &AppState, headers: &HeaderMap) -> Result<Viewer, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let Some(token) = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
    else {
        return Ok(Viewer::Invalid(
            "malformed Authorization header; expected Bearer token",
        ));
    };
    match authenticate(state, token).await {
        Ok(user) => Ok(Viewer::User(Box::new(user))),
        Err(AppError::Unauthenticated(reason)) => Ok(Viewer::Invalid(reason)),
        Err(other) => Err(other),
    }
}

fn operation_type(request: &mut Request) -> Option<OperationType> {
    let name = request.operation_name.clone();
    let doc = request.parsed_query().ok()?;
    match name {
        Some(name) => doc
            .operations
            .iter()
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == name))
            .map(|(_, op)| op.node.ty),
        None => doc.operations.iter().next().map(|(_, op)| op.node.ty),
    }
}

async fn execute(
    http: GraphqlHttp,
    headers: &HeaderMap,
    peer: SocketAddr,
    mut batch: BatchRequest,
    method: Method,
    framing: Framing,
) -> Response {
    let rid = request_id(headers);
    if method == Method::GET {
        for request in batch.iter_mut() {
            if matches!(
                operation_type(request),
                Some(OperationType::Mutation | OperationType::Subscription)
            ) {
                let err = AppError::BadRequest("mutations must be sent with POST".into());
                let mut response = request_error(framing, err, &rid);
                *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("POST"));
                return response;
            }
        }
    }
    let viewer = match viewer_from(&http.state, headers).await {
        Ok(v) => v,
        Err(err) => return request_error(framing, err, &rid),
    };
    let meta = RequestMeta {
        request_id: rid.clone(),
        ip: Some(peer.ip().to_string()),
    };
    let (spawner, executor) = batching::channel();
    let mut parse_failed = Vec::new();
    for request in batch.iter_mut() {
        // Parsed once here (execution reuses it) to tell parse errors from validation errors.
        parse_failed.push(request.parsed_query().is_err());
        request.data.insert(viewer.clone());
        request.data.insert(meta.clone());
        request.data.insert(Loaders::new(&http.state, &spawner));
    }
    // The loaders (and their spawner clones) go away with the request data.
    drop(spawner);
    let mut response = executor.run(http.schema.execute_batch(batch)).await;
    let mut request_failed = false;
    match &mut response {
        BatchResponse::Single(r) => {
            request_failed =
                r.data == async_graphql::Value::Null && r.errors.iter().all(|e| e.path.is_empty());
            finish_errors(
                &mut r.errors,
                &rid,
                parse_failed.first().copied().unwrap_or(false),
            );
        }
        BatchResponse::Batch(rs) => {
            for (r, failed) in rs.iter_mut().zip(parse_failed) {
                finish_errors(&mut r.errors, &rid, failed);
            }
        }
    }
    let status = if framing == Framing::GraphqlResponseJson && request_failed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    match serde_json::to_vec(&response) {
        Ok(body) => json_response(status, framing, body),
        Err(e) => request_error(framing, AppError::internal(e), &rid),
    }
}

/// Gives every error a code. Resolver errors without one came from a library type converted
/// by `Display`; their text may hold database detail, so they are logged and masked.
fn finish_errors(errors: &mut [ServerError], request_id: &str, parse_failed: bool) {
    for error in errors {
        let code = error
            .extensions
            .as_ref()
            .and_then(|ext| ext.get("code"))
            .and_then(|v| match v {
                async_graphql::Value::String(s) => Some(s.clone()),
                _ => None,
            });
        let code = match code {
            Some(code) => code,
            None if error.source.is_some() => {
                tracing::error!(message = %error.message, path = ?error.path, "unclassified resolver error");
                error.message = "internal error".into();
                "INTERNAL".to_owned()
            }
            None if parse_failed => "GRAPHQL_PARSE_FAILED".to_owned(),
            None if error.path.is_empty() => "GRAPHQL_VALIDATION_FAILED".to_owned(),
            None => "BAD_USER_INPUT".to_owned(),
        };
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if code == "INTERNAL" {
            extensions.set("requestId", request_id);
        }
        extensions.set("code", code);
    }
}
