//! What `mailReceived` subscribers (on any instance) receive: a recipient's new copy.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::MailModel;
use crate::platform::pubsub::Message;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MailReceived {
    pub id: Uuid,
    /// The recipient whose copy this is.
    pub owner_id: Uuid,
    pub sender_id: Uuid,
    pub message_key: Uuid,
    pub thread_key: Uuid,
    pub in_reply_to_key: Option<Uuid>,
    pub subject: String,
    pub body: String,
    pub folder: String,
    pub is_read: bool,
    pub sent_at: DateTime<Utc>,
}

impl Message for MailReceived {
    const TOPIC: &'static str = "mail.received";
}

impl From<&MailModel> for MailReceived {
    fn from(m: &MailModel) -> Self {
        Self {
            id: m.id,
            owner_id: m.owner_id,
            sender_id: m.sender_id,
            message_key: m.message_key,
            thread_key: m.thread_key,
            in_reply_to_key: m.in_reply_to_key,
            subject: m.subject.clone(),
            body: m.body.clone(),
            folder: m.folder.clone(),
            is_read: m.is_read,
            sent_at: m.sent_at,
        }
    }
}

impl From<&MailReceived> for MailModel {
    fn from(m: &MailReceived) -> Self {
        Self {
            id: m.id,
            owner_id: m.owner_id,
            sender_id: m.sender_id,
            message_key: m.message_key,
            thread_key: m.thread_key,
            in_reply_to_key: m.in_reply_to_key,
            subject: m.subject.clone(),
            body: m.body.clone(),
            search_text: String::new(),
            folder: m.folder.clone(),
            outgoing: false,
            is_read: m.is_read,
            sent_at: m.sent_at,
        }
    }
}
