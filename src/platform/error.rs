//! The one error type. Each variant has a stable code (GraphQL `extensions.code`, REST
//! `error.code`); the message is always safe to show to a client. How an error becomes an HTTP
//! response or a GraphQL error lives at those edges (`http::error`, `graphql::error`).
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts anything that
//! does into an error without a code, so leaving it out lets our own `From` impl apply and
//! keeps `?` in resolvers from dropping the code.

use sea_orm::{DbErr, SqlErr};

/// A configured limit a request ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Depth,
    Complexity,
    Tokens,
    Aliases,
    RootFields,
    Directives,
    Introspection,
    BodySize,
    BatchSize,
    Timeout,
    Concurrency,
    /// One uploaded file over MAX_UPLOAD_BYTES.
    UploadSize,
    /// An upload that would take the user past FILE_QUOTA_BYTES.
    StorageQuota,
}

impl Limit {
    /// The name clients see in `extensions.limit`.
    pub fn name(self) -> &'static str {
        match self {
            Limit::Depth => "depth",
            Limit::Complexity => "complexity",
            Limit::Tokens => "tokens",
            Limit::Aliases => "aliases",
            Limit::RootFields => "rootFields",
            Limit::Directives => "directives",
            Limit::Introspection => "introspection",
            Limit::BodySize => "bodySize",
            Limit::BatchSize => "batchSize",
            Limit::Timeout => "timeout",
            Limit::Concurrency => "concurrency",
            Limit::UploadSize => "uploadSize",
            Limit::StorageQuota => "storageQuota",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Limit::Timeout | Limit::Concurrency => "SERVICE_UNAVAILABLE",
            Limit::BodySize | Limit::BatchSize | Limit::UploadSize | Limit::StorageQuota => {
                "BAD_REQUEST"
            }
            _ => "GRAPHQL_VALIDATION_FAILED",
        }
    }

    /// Limits that pass with time: the client may retry after this many seconds.
    pub fn retry_after_secs(self) -> Option<u64> {
        matches!(self, Limit::Timeout | Limit::Concurrency).then_some(1)
    }

    /// A limit on the document itself (as opposed to the transport or the server's load).
    pub fn is_document_level(self) -> bool {
        self.code() == "GRAPHQL_VALIDATION_FAILED"
    }
}

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
        limit: Limit,
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

    pub fn limit(limit: Limit, message: impl Into<String>) -> Self {
        Self::Limit {
            limit,
            message: message.into(),
        }
    }

    pub fn conflict(field: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: Some(field),
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
            Self::BadRequest(_) | Self::MethodNotAllowed(_) => "BAD_REQUEST",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict { .. } => "CONFLICT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::InsufficientFunds => "INSUFFICIENT_FUNDS",
            Self::ServiceUnavailable(_) => "SERVICE_UNAVAILABLE",
            Self::Limit { limit, .. } => limit.code(),
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::Internal(_) => "INTERNAL",
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

    /// Seconds after which a retry may succeed, for `Retry-After` and `extensions.retryAfter`.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            Self::Limit { limit, .. } => limit.retry_after_secs(),
            Self::ServiceUnavailable(_) => Some(1),
            _ => None,
        }
    }

    /// Internal errors are logged once, where they become a response.
    pub fn log(&self) {
        if let Self::Internal(err) = self {
            tracing::error!(error = ?err, "internal error");
        }
    }
}

/// A unique index an insert may run into, and the input field a clash concerns. Databases
/// name the index differently: PostgreSQL reports the constraint, SQLite `table.column`.
#[derive(Debug, Clone, Copy)]
pub struct UniqueKey {
    pub postgres: &'static str,
    pub sqlite: &'static str,
    pub field: &'static str,
}

/// The constraint a unique violation names: the quoted name in PostgreSQL's message, the
/// column list after "failed: " in SQLite's.
fn violated_constraint(detail: &str) -> Option<&str> {
    if let Some(rest) = detail.split_once("unique constraint \"").map(|(_, r)| r) {
        return rest.split('"').next();
    }
    detail
        .split_once("UNIQUE constraint failed: ")
        .map(|(_, r)| r.trim())
}

impl AppError {
    /// Maps a unique violation on one of `keys` to a CONFLICT naming its field; any other
    /// error converts as usual.
    pub fn from_db_unique(err: DbErr, keys: &[UniqueKey]) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(detail)) = err.sql_err()
            && let Some(name) = violated_constraint(&detail)
            && let Some(key) = keys.iter().find(|k| k.postgres == name || k.sqlite == name)
        {
            return Self::conflict(key.field, format!("{} is already taken", key.field));
        }
        Self::from(err)
    }
}

/// The database could not be reached (as opposed to refusing a statement): a lost or
/// refused connection, or no connection from the pool in time.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx::Error as Sqlx};
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            matches!(
                e.as_ref(),
                Sqlx::Io(_)
                    | Sqlx::PoolTimedOut
                    | Sqlx::PoolClosed
                    | Sqlx::WorkerCrashed
                    | Sqlx::Tls(_)
            )
        }
        _ => false,
    }
}

/// What a client is told when the database is away.
pub const DATABASE_UNAVAILABLE: &str = "the database is unavailable; retry shortly";

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if is_unavailable(&err) {
            tracing::debug!(error = %err, "database unavailable");
            return Self::ServiceUnavailable(DATABASE_UNAVAILABLE);
        }
        if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
            // The insert site did not expect this clash; say what happened, not where.
            return Self::Conflict {
                field: None,
                message: "already exists".to_owned(),
            };
        }
        Self::Internal(err.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        Self::Internal(err)
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_names_are_read_exactly() {
        assert_eq!(
            violated_constraint(
                "duplicate key value violates unique constraint \"files_content_hash_key\""
            ),
            Some("files_content_hash_key")
        );
        assert_eq!(
            violated_constraint("UNIQUE constraint failed: users.username"),
            Some("users.username")
        );
        assert_eq!(violated_constraint("something else"), None);
    }
}
