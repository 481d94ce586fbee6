//! One admission pipeline for every transport: a request's document is resolved (persisted
//! and trusted documents), held to the document limits, checked for introspection, its
//! operation selected, and the transport's rules applied — the same way over HTTP and over
//! WebSocket.

pub mod documents;
pub mod limits;
pub mod operation;
pub mod persisted;

use std::sync::Arc;

use async_graphql::{
    Request,
    parser::types::{ExecutableDocument, OperationType},
};

use documents::DocumentCache;
pub use operation::OperationInfo;
use persisted::{PersistedQueries, Registration};

use crate::platform::{
    config::Config,
    error::{AppError, Limit},
};

/// Where a request arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// GraphQL over HTTP GET: queries only (mutations over GET would be CSRF-able).
    HttpGet,
    HttpPost,
    /// Sockets carry subscriptions only: queries and mutations go over HTTP, where rate
    /// limits, cache invalidation and timeouts apply.
    WebSocket,
}

/// A request that may execute.
#[derive(Debug, Clone, Default)]
pub struct Admitted {
    pub info: OperationInfo,
    /// The document did not parse; execution reports the error with its position.
    pub parse_failed: bool,
    /// An automatic persisted query to remember once the request may run (after the rate
    /// limit): `Admission::learn`.
    pub registration: Option<Registration>,
    /// The parsed document (shared with the document cache), for the stages after admission.
    pub doc: Option<Arc<ExecutableDocument>>,
}

pub struct Admission {
    pub persisted: PersistedQueries,
    pub documents: DocumentCache,
}

impl Admission {
    pub fn new(persisted: PersistedQueries, documents: DocumentCache) -> Self {
        Self {
            persisted,
            documents,
        }
    }

    /// Everything checked before a request may execute.
    pub async fn admit(
        &self,
        config: &Config,
        request: &mut Request,
        transport: Transport,
    ) -> Result<Admitted, AppError> {
        self.persisted.warm(request).await;
        let registration = self.persisted.resolve(request)?;
        if request.query.trim().is_empty() {
            return Err(AppError::BadRequest("the request has no query".into()));
        }
        limits::check_tokens(&request.query, config)?;
        limits::check_nul_in_variables(&request.variables)?;
        let Some(doc) = self.documents.parse(request) else {
            // Nothing that does not parse is registered.
            return Ok(Admitted {
                parse_failed: true,
                ..Admitted::default()
            });
        };
        limits::check_document(&doc, config)?;
        limits::check_nul_in_document(&doc)?;
        if !config.introspection_enabled() && limits::uses_introspection(&doc) {
            return Err(AppError::limit(
                Limit::Introspection,
                "introspection is disabled on this server",
            ));
        }
        let info = operation::operation_info(&doc, request);
        match (transport, info.ty) {
            (Transport::HttpGet, Some(OperationType::Mutation | OperationType::Subscription)) => {
                return Err(AppError::MethodNotAllowed(
                    "mutations must be sent with POST; GET runs queries only",
                ));
            }
            (Transport::WebSocket, Some(OperationType::Query | OperationType::Mutation)) => {
                return Err(AppError::BadRequest(
                    "only subscriptions are served over WebSocket; send queries and mutations over HTTP"
                        .into(),
                ));
            }
            _ => {}
        }
        Ok(Admitted {
            info,
            parse_failed: false,
            registration,
            doc: Some(doc),
        })
    }

    /// Remembers what an admitted request registered.
    pub async fn learn(&self, admitted: &mut Admitted) {
        if let Some(registration) = admitted.registration.take() {
            self.persisted.learn(registration).await;
        }
    }
}
