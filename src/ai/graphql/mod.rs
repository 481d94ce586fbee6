//! AI chat in GraphQL: conversations, sending a message, deleting a conversation, and the
//! streamed `chatReply`.

mod api;
mod loaders;
mod types;

pub use api::{AiMutation, AiQuery, AiSubscription, MUTATION_TAGS};
pub use loaders::{ConversationById, MessageById};
pub use types::{ChatMessage, ChatReplyChunk, ChatRole, Conversation};
