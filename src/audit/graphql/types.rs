//! The `Event` type: one audit-log entry, visible to admins only.

use async_graphql::{
    Context, ID, Json, Object, Result,
    connection::{Connection, Edge, EmptyFields},
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    audit::{self, EventModel},
    auth::Viewer,
    graphql::{
        context::ContextExt,
        node::{NodeObject, NodeType},
        schema::User,
    },
    platform::{error::AppError, paging::encode_cursor},
    users::graphql::UserById,
};

pub const EVENT_CURSOR: &str = "evt";

/// Who may read the audit log: admins. Anonymous callers are told to sign in, others that
/// they may not.
pub fn require_admin(viewer: &Viewer) -> Result<(), AppError> {
    viewer
        .require_admin("the audit log is visible to admins only")
        .map(|_| ())
}

/// Something a user (or an anonymous client) did through the API.
pub struct Event(pub EventModel);

impl NodeObject for Event {
    const KIND: NodeType = NodeType::Event;

    /// The audit log is for admins; to anyone else its entries do not exist. Rarely fetched
    /// by id, so no loader.
    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        if !ctx.viewer()?.is_admin() {
            return Ok(None);
        }
        Ok(audit::by_id(&ctx.state()?.db, id).await?.map(Event))
    }
}

// Cacheable only where the field that returns it is (the dashboard's `recentActivity`), per
// viewer; every audited write drops the `Event` tag.
#[Object(cache_control(max_age = 15, private))]
impl Event {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    /// What happened, as `domain.verb` (`auth.login`, `wallet.transfer`, …).
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// Who did it; null for anonymous attempts (a failed login for an unknown name).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(actor) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<UserById>()?
            .load_one(actor)
            .await?
            .map(User::new))
    }

    /// The kind of object acted on (`User`, `Wallet`, `Transaction`, `Block`).
    async fn subject_type(&self) -> &str {
        self.0.subject_type.as_deref().unwrap_or_default()
    }

    async fn subject_id(&self) -> Option<&str> {
        self.0.subject_id.as_deref()
    }

    /// The `x-request-id` of the request that caused it.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    async fn ip(&self) -> Option<&str> {
        self.0.ip.as_deref()
    }

    /// Details of the action; never a password, token or key.
    async fn data(&self) -> Json<serde_json::Value> {
        Json(self.0.data.clone())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub type EventConnection = Connection<String, Event, EmptyFields>;

pub fn event_connection(
    rows: Vec<EventModel>,
    has_next: bool,
    has_previous: bool,
) -> EventConnection {
    let mut connection = Connection::new(has_previous, has_next);
    connection.edges.extend(
        rows.into_iter()
            .map(|e| Edge::new(encode_cursor(EVENT_CURSOR, e.id), Event(e))),
    );
    connection
}
