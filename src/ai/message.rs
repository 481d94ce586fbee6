//! What `chatReply` subscribers (on any instance) receive: pieces of an assistant's reply as
//! the provider streams them, then one `done` chunk (with a code when the reply failed).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::platform::pubsub::Message;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatChunk {
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    pub user_id: Uuid,
    pub delta: String,
    pub done: bool,
    pub error_code: Option<String>,
}

impl Message for ChatChunk {
    const TOPIC: &'static str = "ai.chat_chunk";
}
