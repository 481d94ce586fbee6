//! `AppError` as a GraphQL error: its message, and `extensions.code` (plus `field`,
//! `retryAfter` and `limit` where they apply).

use async_graphql::ErrorExtensions;

use crate::platform::error::AppError;

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.log();
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", err.code());
            if let Some(field) = err.field() {
                ext.set("field", field);
            }
            if let AppError::RateLimited { retry_after_secs } = err {
                ext.set("retryAfter", retry_after_secs);
            }
            if let AppError::Limit { limit, .. } = err {
                ext.set("limit", limit.name());
            }
        })
    }
}
