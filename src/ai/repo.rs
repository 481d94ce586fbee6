//! Queries over `conversations` and `chat_messages`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::entity::{chat_message, conversation};
use crate::platform::{
    error::AppResult,
    paging::{PageRequest, split_page},
};

pub async fn insert_conversation(
    db: &impl ConnectionTrait,
    model: conversation::Model,
) -> AppResult<conversation::Model> {
    let active: conversation::ActiveModel = model.into();
    Ok(active.insert(db).await?)
}

pub async fn insert_message(
    db: &impl ConnectionTrait,
    model: chat_message::Model,
) -> AppResult<chat_message::Model> {
    let active: chat_message::ActiveModel = model.into();
    Ok(active.insert(db).await?)
}

pub async fn conversation(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<conversation::Model>> {
    Ok(conversation::Entity::find_by_id(id).one(db).await?)
}

pub async fn conversations_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, conversation::Model>> {
    let rows = conversation::Entity::find()
        .filter(conversation::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

pub async fn messages_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, chat_message::Model>> {
    let rows = chat_message::Entity::find()
        .filter(chat_message::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

/// A user's conversations, most recently created first.
pub async fn conversations_page(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    page: &PageRequest<Uuid>,
) -> AppResult<(Vec<conversation::Model>, bool)> {
    let mut query = conversation::Entity::find()
        .filter(conversation::Column::UserId.eq(user_id))
        .order_by_desc(conversation::Column::Id)
        .limit(page.limit + 1);
    if let Some(cursor) = page.cursor {
        query = query.filter(conversation::Column::Id.lt(cursor));
    }
    Ok(split_page(query.all(db).await?, page.limit))
}

/// A conversation's messages, oldest first.
pub async fn messages_page(
    db: &impl ConnectionTrait,
    conversation_id: Uuid,
    page: &PageRequest<Uuid>,
) -> AppResult<(Vec<chat_message::Model>, bool)> {
    let mut query = chat_message::Entity::find()
        .filter(chat_message::Column::ConversationId.eq(conversation_id))
        .order_by_asc(chat_message::Column::Id)
        .limit(page.limit + 1);
    if let Some(cursor) = page.cursor {
        query = query.filter(chat_message::Column::Id.gt(cursor));
    }
    Ok(split_page(query.all(db).await?, page.limit))
}

/// The latest `limit` complete messages of a conversation, oldest first (the context sent
/// to the provider).
pub async fn history(
    db: &impl ConnectionTrait,
    conversation_id: Uuid,
    limit: u64,
) -> AppResult<Vec<chat_message::Model>> {
    let mut rows = chat_message::Entity::find()
        .filter(chat_message::Column::ConversationId.eq(conversation_id))
        .filter(chat_message::Column::Status.eq("complete"))
        .order_by_desc(chat_message::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    rows.reverse();
    Ok(rows)
}

/// Messages `user_id` sent since `since` (the daily budget).
pub async fn sent_since(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    since: DateTime<Utc>,
) -> AppResult<u64> {
    Ok(chat_message::Entity::find()
        .filter(chat_message::Column::UserId.eq(user_id))
        .filter(chat_message::Column::Role.eq("user"))
        .filter(chat_message::Column::CreatedAt.gte(since))
        .count(db)
        .await?)
}

pub async fn finish_message(
    db: &impl ConnectionTrait,
    id: Uuid,
    content: &str,
    error_code: Option<&str>,
) -> AppResult<()> {
    let status = if error_code.is_some() {
        "failed"
    } else {
        "complete"
    };
    chat_message::Entity::update_many()
        .col_expr(chat_message::Column::Content, Expr::value(content))
        .col_expr(chat_message::Column::Status, Expr::value(status))
        .col_expr(
            chat_message::Column::ErrorCode,
            Expr::value(error_code.map(str::to_owned)),
        )
        .filter(chat_message::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn touch_conversation(
    db: &impl ConnectionTrait,
    id: Uuid,
    title: Option<&str>,
) -> AppResult<()> {
    let mut update = conversation::Entity::update_many()
        .col_expr(conversation::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(conversation::Column::Id.eq(id));
    if let Some(title) = title {
        update = update.col_expr(conversation::Column::Title, Expr::value(title));
    }
    update.exec(db).await?;
    Ok(())
}

pub async fn delete_conversation(
    db: &impl ConnectionTrait,
    id: Uuid,
    user_id: Uuid,
) -> AppResult<bool> {
    chat_message::Entity::delete_many()
        .filter(chat_message::Column::ConversationId.eq(id))
        .filter(chat_message::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    let gone = conversation::Entity::delete_many()
        .filter(conversation::Column::Id.eq(id))
        .filter(conversation::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(gone.rows_affected > 0)
}
