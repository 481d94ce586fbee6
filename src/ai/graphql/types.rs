use async_graphql::{
    Context, Enum, ID, Object, Result, SimpleObject,
    connection::{Connection, Edge, EmptyFields},
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::loaders::{ConversationById, MessageById, MessagesByConversation};
use crate::{
    ai::{ConversationModel, MessageModel, MessagesKey},
    graphql::{
        context::ContextExt,
        node::{NodeObject, NodeType},
    },
    platform::paging::{self, encode_cursor},
};

pub const CONVERSATION_CURSOR: &str = "cnv";
pub const MESSAGE_CURSOR: &str = "cmsg";

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ChatRole {
    User,
    Assistant,
    System,
}

/// A conversation with the assistant. Only its owner (or an admin) sees it.
pub struct Conversation(pub ConversationModel);

impl NodeObject for Conversation {
    const KIND: NodeType = NodeType::Conversation;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        let viewer = ctx.viewer()?;
        let found = ctx.loader::<ConversationById>()?.load_one(id).await?;
        Ok(found
            .filter(|c| viewer.can_see_private_of(c.user_id))
            .map(Conversation))
    }
}

#[Object]
impl Conversation {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    /// Named by the first reply; "New conversation" until then.
    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Oldest first.
    #[graphql(complexity = "crate::platform::paging::cost(first, None, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ChatMessageConnection> {
        let page = paging::forward::<Uuid>(MESSAGE_CURSOR, first, after.as_deref())?;
        let key = MessagesKey {
            conversation: self.0.id,
            limit: page.limit + 1,
            after: page.cursor,
        };
        let rows = ctx
            .loader::<MessagesByConversation>()?
            .load_one(key)
            .await?
            .unwrap_or_default();
        let (rows, more) = paging::split_page(rows, page.limit);
        let mut connection = Connection::new(page.cursor.is_some(), more);
        connection.edges.extend(
            rows.into_iter()
                .map(|m| Edge::new(encode_cursor(MESSAGE_CURSOR, m.id), ChatMessage(m))),
        );
        Ok(connection)
    }
}

/// One message of a conversation: the user's, or the assistant's reply.
pub struct ChatMessage(pub MessageModel);

impl NodeObject for ChatMessage {
    const KIND: NodeType = NodeType::ChatMessage;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        let viewer = ctx.viewer()?;
        let found = ctx.loader::<MessageById>()?.load_one(id).await?;
        Ok(found
            .filter(|m| viewer.can_see_private_of(m.user_id))
            .map(ChatMessage))
    }
}

#[Object]
impl ChatMessage {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    async fn role(&self) -> ChatRole {
        match self.0.role.as_str() {
            "assistant" => ChatRole::Assistant,
            "system" => ChatRole::System,
            _ => ChatRole::User,
        }
    }

    /// The reply so far is streamed through `chatReply`; stored here when complete.
    async fn content(&self) -> &str {
        &self.0.content
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// "complete", "streaming" or "failed".
    async fn status(&self) -> &str {
        &self.0.status
    }

    /// Why a reply failed: AI_NOT_CONFIGURED, AI_UNAVAILABLE, AI_TIMEOUT or AI_BAD_RESPONSE.
    async fn error_code(&self) -> Option<&str> {
        self.0.error_code.as_deref()
    }

    async fn conversation(&self, ctx: &Context<'_>) -> Result<Option<Conversation>> {
        Conversation::fetch(ctx, self.0.conversation_id).await
    }
}

/// A piece of an assistant's reply; the last one has `done` (and `errorCode` when the reply
/// failed).
#[derive(SimpleObject)]
pub struct ChatReplyChunk {
    pub message_id: ID,
    pub delta: String,
    pub done: bool,
    pub error_code: Option<String>,
}

pub type ConversationConnection = Connection<String, Conversation, EmptyFields>;
pub type ChatMessageConnection = Connection<String, ChatMessage, EmptyFields>;
