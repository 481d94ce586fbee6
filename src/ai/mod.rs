//! AI chat: conversations with an assistant whose replies stream from an OpenAI-compatible
//! provider (`OPENAI_BASE_URL`), token by token, to `chatReply` subscribers.

mod audit;
mod config;
pub mod entity;
pub mod graphql;
mod message;
mod provider;
mod repo;
mod service;

pub use audit::AiAction;
pub use config::AiConfig;
pub use entity::{chat_message::Model as MessageModel, conversation::Model as ConversationModel};
pub use message::ChatChunk;
pub use repo::{
    MessagesKey, conversation, conversations_by_ids, conversations_page, messages_by_ids,
    messages_pages,
};
pub use service::{MAX_CONTENT_CHARS, NEW_TITLE, delete_conversation, send_message};
