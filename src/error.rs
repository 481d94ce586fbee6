//! The one error type. Each variant has a stable code (GraphQL `extensions.code`, REST
//! `error.code`) and an HTTP status; the message is always safe to show to a client.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts anything that
//! does into an error without a code, so leaving it out lets our own `From` impl apply and
//! keeps `?` in resolvers from dropping the code.

use async_graphql::ErrorExtensions;
use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sea_orm::{DbErr, SqlErr};
use serde_json::json;

#[derive(Debug)]
pub enum AppError {
    Unauthenticated(&'static str),
    Forbidden(&'static str),
    BadInput {
        field: &'static str,
        message: String,
    },
    /// A request that is not well-formed at the HTTP level (bad JSON, wrong content type).
    BadRequest(String),
    NotFound(&'static str),
    Conflict {
        field: Option<&'static str>,
        message: String,
    },
    RateLimited {
        retry_after_secs: u64,
    },
    InsufficientFunds,
    ServiceUnavailable(&'static str),
    /// A request refused by a configured limit (document size, depth, batch, time, load).
    Limit {
        limit: &'static str,
        message: String,
    },
    /// A mutation over GET: answered 405 with `Allow: POST`.
    MethodNotAllowed(&'static str),
    /// APQ: the hash is unknown; the client should retry with the document.
    PersistedQueryNotFound,
    /// Never shown: the client sees "internal error" and the request id.
    Internal(anyhow::Error),
}

impl AppError {
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadInput {
            field,
            message: message.into(),
        }
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    /// For command-line paths, where the error ends on stderr rather than in a response.
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            Self::Internal(err) => err,
            other => anyhow::anyhow!("{}: {}", other.code(), other.message()),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::BadRequest(_) => "BAD_REQUEST",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict { .. } => "CONFLICT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::InsufficientFunds => "INSUFFICIENT_FUNDS",
            Self::ServiceUnavailable(_) => "SERVICE_UNAVAILABLE",
            Self::Limit { limit, .. } => match *limit {
                "timeout" | "concurrency" => "SERVICE_UNAVAILABLE",
                "bodySize" | "batchSize" => "BAD_REQUEST",
                _ => "GRAPHQL_VALIDATION_FAILED",
            },
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::MethodNotAllowed(_) => "BAD_REQUEST",
            Self::Internal(_) => "INTERNAL",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::BadInput { .. } | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::InsufficientFunds => StatusCode::UNPROCESSABLE_ENTITY,
            Self::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Limit { limit, .. } => match *limit {
                "timeout" | "concurrency" => StatusCode::SERVICE_UNAVAILABLE,
                "bodySize" => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            },
            Self::PersistedQueryNotFound => StatusCode::BAD_REQUEST,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The client-facing message.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated(m)
            | Self::Forbidden(m)
            | Self::ServiceUnavailable(m)
            | Self::MethodNotAllowed(m) => (*m).to_owned(),
            Self::BadInput { message, .. } | Self::BadRequest(message) => message.clone(),
            Self::Conflict { message, .. } | Self::Limit { message, .. } => message.clone(),
            Self::PersistedQueryNotFound => "PersistedQueryNotFound".to_owned(),
            Self::NotFound(what) => format!("{what} not found"),
            Self::RateLimited { retry_after_secs } => {
                format!("too many requests; retry in {retry_after_secs} s")
            }
            Self::InsufficientFunds => "insufficient funds".to_owned(),
            Self::Internal(_) => "internal error".to_owned(),
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::BadInput { field, .. } => Some(field),
            Self::Conflict { field, .. } => *field,
            _ => None,
        }
    }

    /// Internal errors are logged once, where they become a response.
    fn log(&self) {
        if let Self::Internal(err) = self {
            tracing::error!(error = ?err, "internal error");
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() {
            // The constraint names the column on both databases ("users.username",
            // "users_username_key"); that is all we reveal.
            let field = ["username", "email", "address", "hash"]
                .into_iter()
                .find(|f| detail.contains(f));
            let message = match field {
                Some(f) => format!("{f} is already taken"),
                None => "already exists".to_owned(),
            };
            return Self::Conflict { field, message };
        }
        Self::Internal(err.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        Self::Internal(err)
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.log();
        let mut gql = async_graphql::Error::new(err.message());
        gql = gql.extend_with(|_, ext| {
            ext.set("code", err.code());
            if let Some(field) = err.field() {
                ext.set("field", field);
            }
            if let AppError::RateLimited { retry_after_secs } = err {
                ext.set("retryAfter", retry_after_secs);
            }
        });
        gql
    }
}

/// REST body: `{"error":{"code","message"[,"field"]}}`.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let mut body = json!({"code": self.code(), "message": self.message()});
        if let Some(field) = self.field() {
            body["field"] = json!(field);
        }
        let mut response = (self.status(), Json(json!({"error": body}))).into_response();
        if let AppError::RateLimited { retry_after_secs } = self
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
