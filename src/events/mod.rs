//! The audit log: every mutation writes one event in its own database transaction.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;
use uuid::Uuid;

use crate::{entities::event, error::AppResult};

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

pub async fn record(
    db: &impl ConnectionTrait,
    audit: &AuditContext,
    action: &str,
    subject: Option<(&str, String)>,
    data: Value,
) -> AppResult<()> {
    let (subject_type, subject_id) = match subject {
        Some((kind, id)) => (Some(kind.to_owned()), Some(id)),
        None => (None, None),
    };
    event::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(audit.actor_id),
        action: Set(action.to_owned()),
        subject_type: Set(subject_type),
        subject_id: Set(subject_id),
        ip: Set(audit.ip.clone()),
        request_id: Set(audit.request_id.clone()),
        data: Set(data),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}
