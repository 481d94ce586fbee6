//! What `postAdded` subscribers (on any instance) receive.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::PostModel;
use crate::platform::pubsub::Message;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostAdded {
    pub id: Uuid,
    pub author_id: Uuid,
    pub body: String,
    pub media_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Message for PostAdded {
    const TOPIC: &'static str = "social.post_added";
}

impl From<&PostModel> for PostAdded {
    fn from(p: &PostModel) -> Self {
        Self {
            id: p.id,
            author_id: p.author_id,
            body: p.body.clone(),
            media_url: p.media_url.clone(),
            created_at: p.created_at,
        }
    }
}

impl From<&PostAdded> for PostModel {
    fn from(p: &PostAdded) -> Self {
        Self {
            id: p.id,
            author_id: p.author_id,
            body: p.body.clone(),
            media_url: p.media_url.clone(),
            created_at: p.created_at,
        }
    }
}
