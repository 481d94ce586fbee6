//! `AppError` at the HTTP edge: its status, and the REST body
//! `{"error":{"code","message"[,"field"]}}` with `Retry-After` where it applies.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::platform::error::{AppError, Limit};

pub fn status(err: &AppError) -> StatusCode {
    match err {
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::BadInput { .. } | AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::InsufficientFunds => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Limit { limit, .. } => match limit {
            Limit::Timeout | Limit::Concurrency => StatusCode::SERVICE_UNAVAILABLE,
            Limit::BodySize | Limit::UploadSize | Limit::StorageQuota => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            _ => StatusCode::BAD_REQUEST,
        },
        AppError::PersistedQueryNotFound => StatusCode::BAD_REQUEST,
        AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Adds `Retry-After` when the error says when to retry.
pub fn set_retry_after(response: &mut Response, err: &AppError) {
    if let Some(secs) = err.retry_after_secs()
        && let Ok(value) = HeaderValue::from_str(&secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let mut body = json!({"code": self.code(), "message": self.message()});
        if let Some(field) = self.field() {
            body["field"] = json!(field);
        }
        let mut response = (status(&self), Json(json!({"error": body}))).into_response();
        set_retry_after(&mut response, &self);
        response
    }
}
