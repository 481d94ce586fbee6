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
    sql::SqlBuilder,
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

/// One page of one conversation's messages, oldest first: `limit` rows after `after`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessagesKey {
    pub conversation: Uuid,
    pub limit: u64,
    pub after: Option<Uuid>,
}

/// Pages of many conversations' messages in one statement per distinct page shape (a window
/// per conversation), for the `messages` field of a list of conversations.
pub async fn messages_pages(
    db: &impl ConnectionTrait,
    keys: &[MessagesKey],
) -> AppResult<HashMap<MessagesKey, Vec<chat_message::Model>>> {
    let mut groups: HashMap<(u64, Option<Uuid>), Vec<Uuid>> = HashMap::new();
    for key in keys {
        groups
            .entry((key.limit, key.after))
            .or_default()
            .push(key.conversation);
    }
    let mut out: HashMap<MessagesKey, Vec<chat_message::Model>> = HashMap::new();
    for ((limit, after), conversations) in groups {
        let mut sql = SqlBuilder::new(db.get_database_backend());
        sql.push("SELECT * FROM (SELECT m.*, ROW_NUMBER() OVER (PARTITION BY m.conversation_id ORDER BY m.id) AS rn FROM chat_messages m WHERE m.conversation_id IN ")
            .bind_list(conversations.clone());
        if let Some(after) = after {
            sql.push(" AND m.id > ").bind(after);
        }
        sql.push(") r WHERE r.rn <= ")
            .bind(limit as i64)
            .push(" ORDER BY r.id");
        for message in sql.models::<chat_message::Model>(db).await? {
            out.entry(MessagesKey {
                conversation: message.conversation_id,
                limit,
                after,
            })
            .or_default()
            .push(message);
        }
        for conversation in conversations {
            out.entry(MessagesKey {
                conversation,
                limit,
                after,
            })
            .or_default();
        }
    }
    Ok(out)
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
