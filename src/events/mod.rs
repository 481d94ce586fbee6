//! The audit log: every mutation writes one event in its own database transaction, and the
//! event is announced (to `auditEvents` subscribers) only once that transaction commits.

pub mod query;
pub mod subscription;
pub mod types;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseTransaction, Set};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    entities::event,
    error::AppResult,
    pubsub::{Bus, BusMessage, publish_all},
};

/// Who did it and from where; built per request.
#[derive(Debug, Clone, Default)]
pub struct AuditContext {
    pub actor_id: Option<Uuid>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl AuditContext {
    pub fn with_actor(&self, actor_id: Uuid) -> Self {
        Self {
            actor_id: Some(actor_id),
            ..self.clone()
        }
    }
}

/// Writes one event. `subject` is the kind of thing acted on and, when known, its id; `data`
/// must never hold a secret (password, token, key).
pub async fn record(
    db: &impl ConnectionTrait,
    audit: &AuditContext,
    action: &str,
    subject: (&str, Option<String>),
    data: Value,
) -> AppResult<event::Model> {
    let (subject_type, subject_id) = subject;
    Ok(event::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(audit.actor_id),
        action: Set(action.to_owned()),
        subject_type: Set(Some(subject_type.to_owned())),
        subject_id: Set(subject_id),
        ip: Set(audit.ip.clone()),
        request_id: Set(audit.request_id.clone()),
        data: Set(data),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

/// Commits, then announces. Publishing comes strictly after a successful commit, so a rolled
/// back (or failed) mutation is never seen by a subscriber.
pub async fn commit_and_publish(
    txn: DatabaseTransaction,
    bus: &Bus,
    messages: impl IntoIterator<Item = BusMessage>,
) -> AppResult<()> {
    txn.commit().await?;
    publish_all(bus, messages);
    Ok(())
}
