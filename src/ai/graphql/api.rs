use async_graphql::{Context, ID, InputObject, Object, Result, Subscription};
use futures_util::Stream;
use uuid::Uuid;

use super::types::{
    CONVERSATION_CURSOR, ChatMessage, ChatReplyChunk, Conversation, ConversationConnection,
};
use crate::{
    ai::{self, ChatChunk},
    graphql::{
        context::ContextExt,
        ids,
        node::{NodeObject, NodeType},
        subscriptions::receive,
    },
    platform::{error::AppError, paging},
};

/// Cache tags each mutation writes (the registry tests hold every Mutation field to this).
pub const MUTATION_TAGS: &[(&str, &[&str])] = &[
    ("sendChatMessage", &["Conversation", "ChatMessage", "Event"]),
    (
        "deleteConversation",
        &["Conversation", "ChatMessage", "Event"],
    ),
];

fn conversation_id(id: &ID, field: &'static str) -> Result<Uuid, AppError> {
    match ids::decode(id, field)? {
        (NodeType::Conversation, uuid) => Ok(uuid),
        _ => Err(AppError::bad_input(field, "not a conversation id")),
    }
}

#[derive(InputObject)]
pub struct SendChatMessageInput {
    /// Omitted: a new conversation.
    pub conversation_id: Option<ID>,
    /// 1–8000 characters.
    pub content: String,
}

#[derive(InputObject)]
pub struct DeleteConversationInput {
    pub id: ID,
}

#[derive(Default)]
pub struct AiQuery;

#[Object]
impl AiQuery {
    /// The viewer's conversations, newest first.
    #[graphql(complexity = "crate::platform::paging::cost(first, None, child_complexity)")]
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ConversationConnection> {
        let viewer = ctx.viewer()?.require()?;
        let page = paging::forward::<Uuid>(CONVERSATION_CURSOR, first, after.as_deref())?;
        let (rows, more) = ai::conversations_page(&ctx.state()?.db, viewer.user.id, &page).await?;
        let mut connection =
            async_graphql::connection::Connection::new(page.cursor.is_some(), more);
        connection.edges.extend(rows.into_iter().map(|c| {
            async_graphql::connection::Edge::new(
                paging::encode_cursor(CONVERSATION_CURSOR, c.id),
                Conversation(c),
            )
        }));
        Ok(connection)
    }
}

#[derive(Default)]
pub struct AiMutation;

#[Object]
impl AiMutation {
    /// Stores the message and returns it at once; the assistant's reply streams through
    /// `chatReply` and is stored when complete. Without a provider configured the reply fails
    /// at once with AI_NOT_CONFIGURED.
    async fn send_chat_message(
        &self,
        ctx: &Context<'_>,
        input: SendChatMessageInput,
    ) -> Result<ChatMessage> {
        let viewer = ctx.viewer()?.require()?;
        let conversation = input
            .conversation_id
            .as_ref()
            .map(|id| conversation_id(id, "conversationId"))
            .transpose()?;
        let message = ai::send_message(
            ctx.state()?,
            &ctx.audit(),
            viewer.user.id,
            conversation,
            input.content,
        )
        .await?;
        Ok(ChatMessage(message))
    }

    async fn delete_conversation(
        &self,
        ctx: &Context<'_>,
        input: DeleteConversationInput,
    ) -> Result<bool> {
        let viewer = ctx.viewer()?.require()?;
        let id = conversation_id(&input.id, "id")?;
        Ok(ai::delete_conversation(ctx.state()?, &ctx.audit(), viewer.user.id, id).await?)
    }
}

#[derive(Default)]
pub struct AiSubscription;

#[Subscription]
impl AiSubscription {
    /// The assistant's replies in one of the viewer's conversations, piece by piece.
    async fn chat_reply(
        &self,
        ctx: &Context<'_>,
        conversation_id: ID,
    ) -> Result<impl Stream<Item = Result<ChatReplyChunk>> + use<>> {
        let me = ctx.viewer()?.require()?.user.id;
        let id = self::conversation_id(&conversation_id, "conversationId")?;
        if Conversation::fetch(ctx, id)
            .await?
            .is_none_or(|c| c.0.user_id != me)
        {
            return Err(AppError::NotFound("conversation").into());
        }
        let sub = ctx.state()?.bus.subscribe::<ChatChunk>();
        Ok(receive(sub, move |c| {
            (c.conversation_id == id && c.user_id == me).then(|| ChatReplyChunk {
                message_id: ChatMessage::node_id(c.message_id),
                delta: c.delta.clone(),
                done: c.done,
                error_code: c.error_code.clone(),
            })
        }))
    }
}
