//! Shaping GraphQL-over-HTTP responses: media types, status codes, and error codes on every
//! error.

use std::collections::BTreeMap;

use async_graphql::{Response as GqlResponse, ServerError};
use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{
    http::error::{set_retry_after, status},
    platform::error::{AppError, Limit},
};

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// How the response is framed, chosen from `Accept`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Framing {
    GraphqlResponseJson,
    Json,
}

impl Framing {
    /// Content negotiation per the GraphQL-over-HTTP spec. No `Accept` means the legacy
    /// `application/json`; `*/*` and `application/*` get `application/json` too, since that is
    /// what older clients sending them understand. `None` when nothing acceptable is offered.
    pub fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let Some(accept) = headers.get(header::ACCEPT) else {
            return Some(Framing::Json);
        };
        let accept = accept.to_str().ok()?;
        if accept.trim().is_empty() {
            return Some(Framing::Json);
        }
        let mut ranges: Vec<(f32, usize, &str)> = Vec::new();
        for (position, part) in accept.split(',').enumerate() {
            let mut pieces = part.split(';');
            let media = pieces.next().unwrap_or("").trim();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 {
                ranges.push((q, position, media));
            }
        }
        // Highest quality first; ties keep the client's order.
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranges
            .into_iter()
            .find_map(|(_, _, media)| match media.to_ascii_lowercase().as_str() {
                GRAPHQL_RESPONSE_JSON => Some(Framing::GraphqlResponseJson),
                "application/json" | "application/*" | "*/*" => Some(Framing::Json),
                _ => None,
            })
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Framing::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            Framing::Json => "application/json",
        }
    }
}

pub fn json_response(status: StatusCode, framing: Framing, body: &Value) -> Response {
    text_response(status, framing, body.to_string())
}

/// A response whose JSON is already serialized.
pub fn text_response(status: StatusCode, framing: Framing, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(framing.content_type()),
    );
    response
}

/// The error object of a request that did not execute.
pub fn error_object(err: &AppError, request_id: &str) -> Value {
    let mut extensions = json!({"code": err.code()});
    if let Some(field) = err.field() {
        extensions["field"] = json!(field);
    }
    if let AppError::Limit { limit, .. } = err {
        extensions["limit"] = json!(limit.name());
    }
    if let AppError::RateLimited { retry_after_secs } = err {
        extensions["retryAfter"] = json!(retry_after_secs);
    }
    if let AppError::Internal(e) = err {
        tracing::error!(error = ?e, "internal error");
        extensions["requestId"] = json!(request_id);
    }
    json!({"message": err.message(), "extensions": extensions})
}

/// Status of a request-level error. Under the legacy `application/json` framing, errors about
/// a well-formed request's document (validation limits, unknown persisted query) are 200, as
/// that media type requires; transport problems keep their 4xx/5xx.
pub fn request_status(err: &AppError, framing: Framing) -> StatusCode {
    let document_level = matches!(err, AppError::PersistedQueryNotFound)
        || matches!(err, AppError::Limit { limit, .. } if limit.is_document_level());
    if framing == Framing::Json && document_level {
        StatusCode::OK
    } else {
        status(err)
    }
}

/// A request that never reached execution: one error, no `data`.
pub fn request_error(framing: Framing, err: AppError, request_id: &str) -> Response {
    let status = request_status(&err, framing);
    let mut response = json_response(
        status,
        framing,
        &json!({"errors": [error_object(&err, request_id)]}),
    );
    set_retry_after(&mut response, &err);
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
}

/// Gives every error a code. Resolver errors without one came from a library type converted
/// by `Display`; their text may hold database detail, so they are logged and masked.
pub fn finish_errors(errors: &mut [ServerError], request_id: &str, parse_failed: bool) {
    for error in errors {
        let code = error
            .extensions
            .as_ref()
            .and_then(|ext| ext.get("code"))
            .and_then(|v| match v {
                async_graphql::Value::String(s) => Some(s.clone()),
                _ => None,
            });
        let limit = match error.message.as_str() {
            "Query is nested too deep." => Some(Limit::Depth.name()),
            "Query is too complex." => Some(Limit::Complexity.name()),
            _ => None,
        };
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
        if let Some(limit) = limit {
            extensions.set("limit", limit);
        }
        extensions.set("code", code);
    }
}

/// An executed operation whose errors all carry codes.
pub struct Finished {
    pub response: GqlResponse,
    /// It failed before execution started (parse or validation errors), so its body carries
    /// no `data` entry at all.
    pub request_failed: bool,
}

impl Finished {
    /// An answer worth caching: data and no errors.
    pub fn is_clean(&self) -> bool {
        self.response.errors.is_empty() && self.response.data != async_graphql::Value::Null
    }

    pub fn body(&self) -> Body<'_> {
        Body {
            data: (!self.request_failed).then_some(&self.response.data),
            errors: &self.response.errors,
            extensions: &self.response.extensions,
        }
    }
}

/// A GraphQL response body, serialized straight from the execution result: objects keep the
/// order the query asked for its fields (a `serde_json::Value` would sort them).
#[derive(Serialize)]
pub struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, async_graphql::Value>,
}

impl<'a> Body<'a> {
    /// A subscription event or other response that always has `data`.
    pub fn of(response: &'a GqlResponse) -> Self {
        Body {
            data: Some(&response.data),
            errors: &response.errors,
            extensions: &response.extensions,
        }
    }
}

/// Serializes; a failure (it cannot happen with these types) answers a coded error instead.
pub fn to_json(value: &impl Serialize, request_id: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        tracing::error!(error = %e, "response serialization failed");
        json!({"errors": [{"message": "internal error", "extensions": {"code": "INTERNAL", "requestId": request_id}}]}).to_string()
    })
}

/// Codes the errors of an executed operation.
pub fn finish(mut response: GqlResponse, request_id: &str, parse_failed: bool) -> Finished {
    let request_failed = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    finish_errors(&mut response.errors, request_id, parse_failed);
    Finished {
        response,
        request_failed,
    }
}
