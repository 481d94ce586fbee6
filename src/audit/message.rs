//! What `auditEvents` subscribers (on any instance) receive: the committed event, in a wire
//! format of its own rather than the table's.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::EventModel;
use crate::platform::pubsub::Message;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl Message for AuditEvent {
    const TOPIC: &'static str = "audit.events";
}

impl From<EventModel> for AuditEvent {
    fn from(e: EventModel) -> Self {
        Self {
            id: e.id,
            actor_id: e.actor_id,
            action: e.action,
            subject_type: e.subject_type,
            subject_id: e.subject_id,
            ip: e.ip,
            request_id: e.request_id,
            data: e.data,
            created_at: e.created_at,
        }
    }
}

impl From<AuditEvent> for EventModel {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id,
            actor_id: e.actor_id,
            action: e.action,
            subject_type: e.subject_type,
            subject_id: e.subject_id,
            ip: e.ip,
            request_id: e.request_id,
            data: e.data,
            created_at: e.created_at,
        }
    }
}
