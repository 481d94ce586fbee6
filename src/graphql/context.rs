//! What every resolver can reach: the app state, the viewer, request metadata and the
//! per-request DataLoaders.

use async_graphql::Context;

use super::loaders::{LoaderHandle, Loaders, RequestLoader};
use crate::{
    audit::AuditContext,
    auth::Viewer,
    platform::error::{AppError, AppResult},
    state::AppState,
};

/// Where a request came from, for the audit log.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub request_id: String,
    pub ip: Option<String>,
}

/// Typed access to request data; missing data is a wiring bug, reported as INTERNAL.
pub trait ContextExt {
    fn state(&self) -> AppResult<&AppState>;
    fn viewer(&self) -> AppResult<&Viewer>;
    /// This request's loader of type `L`, created on first use.
    fn loader<L: RequestLoader>(&self) -> AppResult<LoaderHandle<L>>;
    fn audit(&self) -> AuditContext;
}

fn missing(what: &str) -> AppError {
    AppError::internal(anyhow::anyhow!("{what} missing from GraphQL context"))
}

impl ContextExt for Context<'_> {
    fn state(&self) -> AppResult<&AppState> {
        self.data_opt::<AppState>()
            .ok_or_else(|| missing("AppState"))
    }

    fn viewer(&self) -> AppResult<&Viewer> {
        self.data_opt::<Viewer>().ok_or_else(|| missing("Viewer"))
    }

    fn loader<L: RequestLoader>(&self) -> AppResult<LoaderHandle<L>> {
        Ok(self
            .data_opt::<Loaders>()
            .ok_or_else(|| missing("Loaders"))?
            .get::<L>())
    }

    fn audit(&self) -> AuditContext {
        let meta = self.data_opt::<RequestMeta>();
        AuditContext {
            actor_id: self
                .data_opt::<Viewer>()
                .and_then(|v| v.user())
                .map(|u| u.user.id),
            ip: meta.and_then(|m| m.ip.clone()),
            request_id: meta.map(|m| m.request_id.clone()),
        }
    }
}
