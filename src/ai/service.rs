//! Sending a chat message: stored at once, answered in the background from the provider,
//! streamed to `chatReply` subscribers and stored when complete (or failed, with a code).

use chrono::{Duration, Utc};
use sea_orm::TransactionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    AiAction, ChatChunk, ConversationModel, MessageModel,
    provider::{self, Failure, Provider},
    repo,
};
use crate::{
    audit::AuditContext,
    platform::{
        error::{AppError, AppResult},
        write::Write,
    },
    state::AppState,
};

pub const MAX_CONTENT_CHARS: usize = 8000;
/// A new conversation's title until its first reply names it.
pub const NEW_TITLE: &str = "New conversation";
const TITLE_CHARS: usize = 60;

fn provider(state: &AppState) -> Option<Provider> {
    let base_url = state.config.openai_base_url.clone()?;
    Some(Provider {
        base_url,
        api_key: state.config.openai_api_key.clone(),
        model: state
            .config
            .ai_model
            .clone()
            .unwrap_or_else(|| "gpt-4o-mini".to_owned()),
    })
}

/// Stores the user's message (in a new conversation when `conversation_id` is `None`) and
/// starts the reply; the user's message.
pub async fn send_message(
    state: &AppState,
    audit: &AuditContext,
    user_id: Uuid,
    conversation_id: Option<Uuid>,
    content: String,
) -> AppResult<MessageModel> {
    let content = content.trim().to_owned();
    let chars = content.chars().count();
    if chars == 0 || chars > MAX_CONTENT_CHARS {
        return Err(AppError::bad_input(
            "content",
            format!("content must be 1–{MAX_CONTENT_CHARS} characters"),
        ));
    }
    let now = Utc::now();
    let mut w = Write::begin(state, audit).await?;
    let conversation = match conversation_id {
        Some(id) => {
            // Written first, so SQLite takes its write lock at once.
            repo::touch_conversation(w.db(), id, None).await?;
            match repo::conversation(w.db(), id).await? {
                Some(c) if c.user_id == user_id => c,
                _ => {
                    w.rollback().await?;
                    return Err(AppError::NotFound("conversation"));
                }
            }
        }
        None => {
            repo::insert_conversation(
                w.db(),
                ConversationModel {
                    id: Uuid::now_v7(),
                    user_id,
                    title: NEW_TITLE.to_owned(),
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?
        }
    };
    let message = repo::insert_message(
        w.db(),
        MessageModel {
            id: Uuid::now_v7(),
            conversation_id: conversation.id,
            user_id,
            role: "user".to_owned(),
            content,
            status: "complete".to_owned(),
            error_code: None,
            created_at: now,
        },
    )
    .await?;
    let day_start = now - Duration::days(1);
    let sent = repo::sent_since(w.db(), user_id, day_start).await?;
    if sent > state.config.ai.ai_daily_messages {
        w.rollback().await?;
        return Err(AppError::RateLimited {
            retry_after_secs: 3600,
        });
    }
    let provider = provider(state);
    let reply = repo::insert_message(
        w.db(),
        MessageModel {
            id: Uuid::now_v7(),
            conversation_id: conversation.id,
            user_id,
            role: "assistant".to_owned(),
            content: String::new(),
            status: if provider.is_some() {
                "streaming"
            } else {
                "failed"
            }
            .to_owned(),
            error_code: provider
                .is_none()
                .then(|| Failure::NotConfigured.code().to_owned()),
            created_at: now,
        },
    )
    .await?;
    w.audit(
        AiAction::Send,
        ("ChatMessage", Some(message.id.to_string())),
        json!({"conversationId": conversation.id.to_string(), "chars": chars}),
    )
    .await?;
    let history =
        repo::history(w.db(), conversation.id, state.config.ai.ai_context_messages).await?;
    match provider {
        None => w.publish(ChatChunk {
            message_id: reply.id,
            conversation_id: conversation.id,
            user_id,
            delta: String::new(),
            done: true,
            error_code: Some(Failure::NotConfigured.code().to_owned()),
        }),
        Some(provider) => {
            let state = state.clone();
            let titled = conversation.title != NEW_TITLE;
            let messages: Vec<Value> = history
                .iter()
                .map(|m| json!({"role": m.role, "content": m.content}))
                .collect();
            w.commit().await?;
            tokio::spawn(answer(state, provider, reply, messages, titled));
            return Ok(message);
        }
    }
    w.commit().await?;
    Ok(message)
}

/// Streams the provider's reply to subscribers and stores it.
async fn answer(
    state: AppState,
    provider: Provider,
    reply: MessageModel,
    messages: Vec<Value>,
    titled: bool,
) {
    let chunk = |delta: &str, done: bool, error_code: Option<&str>| ChatChunk {
        message_id: reply.id,
        conversation_id: reply.conversation_id,
        user_id: reply.user_id,
        delta: delta.to_owned(),
        done,
        error_code: error_code.map(str::to_owned),
    };
    let result = provider::complete(&provider, &state.config.ai, messages, |delta| {
        state.bus.publish(chunk(delta, false, None));
    })
    .await;
    let (content, code) = match &result {
        Ok(text) => (text.as_str(), None),
        Err(failure) => ("", Some(failure.code())),
    };
    let title = (!titled && code.is_none()).then(|| {
        let line = content.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        line.trim().chars().take(TITLE_CHARS).collect::<String>()
    });
    // The title and the reply land together: a reader never sees one without the other.
    let stored = async {
        let txn = state.db.begin().await?;
        repo::touch_conversation(
            &txn,
            reply.conversation_id,
            title.as_deref().filter(|t| !t.is_empty()),
        )
        .await?;
        repo::finish_message(&txn, reply.id, content, code).await?;
        txn.commit().await?;
        state
            .cache
            .invalidate(&["Conversation".to_owned(), "ChatMessage".to_owned()].into())
            .await;
        AppResult::Ok(())
    };
    if let Err(e) = stored.await {
        e.log();
    }
    state.bus.publish(chunk("", true, code));
}

/// Deletes one of the user's conversations with its messages.
pub async fn delete_conversation(
    state: &AppState,
    audit: &AuditContext,
    user_id: Uuid,
    id: Uuid,
) -> AppResult<bool> {
    let mut w = Write::begin(state, audit).await?;
    if !repo::delete_conversation(w.db(), id, user_id).await? {
        w.rollback().await?;
        return Err(AppError::NotFound("conversation"));
    }
    w.audit(
        AiAction::DeleteConversation,
        ("Conversation", Some(id.to_string())),
        json!({}),
    )
    .await?;
    w.commit().await?;
    Ok(true)
}
