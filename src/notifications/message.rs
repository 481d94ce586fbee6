//! What `notificationAdded` subscribers (on any instance) receive.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::NotificationModel;
use crate::platform::pubsub::Message;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotificationAdded {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: Option<String>,
    pub subject_type: Option<String>,
    pub subject_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl Message for NotificationAdded {
    const TOPIC: &'static str = "notifications.added";
}

impl From<&NotificationModel> for NotificationAdded {
    fn from(n: &NotificationModel) -> Self {
        Self {
            id: n.id,
            user_id: n.user_id,
            kind: n.kind.clone(),
            title: n.title.clone(),
            body: n.body.clone(),
            subject_type: n.subject_type.clone(),
            subject_id: n.subject_id,
            created_at: n.created_at,
        }
    }
}

impl From<&NotificationAdded> for NotificationModel {
    fn from(n: &NotificationAdded) -> Self {
        Self {
            id: n.id,
            user_id: n.user_id,
            kind: n.kind.clone(),
            title: n.title.clone(),
            body: n.body.clone(),
            subject_type: n.subject_type.clone(),
            subject_id: n.subject_id,
            is_read: false,
            created_at: n.created_at,
        }
    }
}
