//! Queries over `mail_messages` and `mail_recipients`, including the batched SQL of the mail
//! loaders. Every read that serves a viewer filters by the copy's owner.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::entity::{message, recipient};
use crate::platform::{
    error::AppResult,
    paging::{PageRequest, split_page},
    sql::like_contains,
};

pub async fn insert_copies(db: &impl ConnectionTrait, rows: &[message::Model]) -> AppResult<()> {
    let active: Vec<message::ActiveModel> = rows.iter().cloned().map(Into::into).collect();
    message::Entity::insert_many(active)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn insert_recipients(
    db: &impl ConnectionTrait,
    message_key: Uuid,
    users: &[Uuid],
) -> AppResult<()> {
    let rows: Vec<recipient::ActiveModel> = users
        .iter()
        .enumerate()
        .map(|(position, user_id)| {
            recipient::Model {
                message_key,
                position: i32::try_from(position).unwrap_or(i32::MAX),
                user_id: *user_id,
            }
            .into()
        })
        .collect();
    recipient::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, message::Model>> {
    let rows = message::Entity::find()
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

/// The owner's copies among `ids`.
pub async fn owned(
    db: &impl ConnectionTrait,
    owner: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<message::Model>> {
    Ok(message::Entity::find()
        .filter(message::Column::OwnerId.eq(owner))
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .order_by_desc(message::Column::Id)
        .all(db)
        .await?)
}

#[derive(Debug, Clone)]
pub struct MailFilter {
    pub owner: Uuid,
    pub folder: &'static str,
    pub unread_only: bool,
    /// Lower-cased; matched anywhere in subject or body.
    pub search: Option<String>,
}

/// A folder of the owner's copies, newest first (ids are UUIDv7, so the id is the keyset).
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &MailFilter,
    page: &PageRequest<Uuid>,
) -> AppResult<(Vec<message::Model>, bool)> {
    let mut query = message::Entity::find()
        .filter(message::Column::OwnerId.eq(filter.owner))
        .filter(message::Column::Folder.eq(filter.folder))
        .order_by_desc(message::Column::Id)
        .limit(page.limit + 1);
    if filter.unread_only {
        query = query.filter(message::Column::IsRead.eq(false));
    }
    if let Some(search) = &filter.search {
        query = query.filter(message::Column::SearchText.like(like_contains(search)));
    }
    if let Some(cursor) = page.cursor {
        query = query.filter(message::Column::Id.lt(cursor));
    }
    Ok(split_page(query.all(db).await?, page.limit))
}

/// Unread copies in the owner's INBOX.
pub async fn unread_count(db: &impl ConnectionTrait, owner: Uuid, inbox: &str) -> AppResult<u64> {
    Ok(message::Entity::find()
        .filter(message::Column::OwnerId.eq(owner))
        .filter(message::Column::Folder.eq(inbox))
        .filter(message::Column::IsRead.eq(false))
        .count(db)
        .await?)
}

pub async fn set_read(
    db: &impl ConnectionTrait,
    owner: Uuid,
    ids: &[Uuid],
    read: bool,
) -> AppResult<u64> {
    Ok(message::Entity::update_many()
        .col_expr(message::Column::IsRead, Expr::value(read))
        .filter(message::Column::OwnerId.eq(owner))
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?
        .rows_affected)
}

pub async fn set_folder(
    db: &impl ConnectionTrait,
    owner: Uuid,
    ids: &[Uuid],
    folder: &str,
) -> AppResult<u64> {
    Ok(message::Entity::update_many()
        .col_expr(message::Column::Folder, Expr::value(folder))
        .filter(message::Column::OwnerId.eq(owner))
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?
        .rows_affected)
}

pub async fn delete(db: &impl ConnectionTrait, owner: Uuid, ids: &[Uuid]) -> AppResult<u64> {
    Ok(message::Entity::delete_many()
        .filter(message::Column::OwnerId.eq(owner))
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?
        .rows_affected)
}

/// Copies whose (owner, key column) pair is among `pairs`, in one statement: the owners and
/// keys are matched separately, then the pairs picked out.
async fn by_owner_and(
    db: &impl ConnectionTrait,
    column: message::Column,
    pairs: &[(Uuid, Uuid)],
) -> AppResult<Vec<message::Model>> {
    let owners: Vec<Uuid> = pairs.iter().map(|(o, _)| *o).collect();
    let keys: Vec<Uuid> = pairs.iter().map(|(_, k)| *k).collect();
    let rows = message::Entity::find()
        .filter(message::Column::OwnerId.is_in(owners))
        .filter(column.is_in(keys))
        .order_by_asc(message::Column::SentAt)
        .order_by_asc(message::Column::Id)
        .all(db)
        .await?;
    Ok(rows)
}

/// Each owner's copy of each sending (the earliest, when one mailed themself).
pub async fn copies_of(
    db: &impl ConnectionTrait,
    pairs: &[(Uuid, Uuid)],
) -> AppResult<HashMap<(Uuid, Uuid), message::Model>> {
    let mut found = HashMap::new();
    for row in by_owner_and(db, message::Column::MessageKey, pairs).await? {
        found.entry((row.owner_id, row.message_key)).or_insert(row);
    }
    found.retain(|pair, _| pairs.contains(pair));
    Ok(found)
}

/// Each owner's copies in each conversation, oldest first.
pub async fn threads(
    db: &impl ConnectionTrait,
    pairs: &[(Uuid, Uuid)],
) -> AppResult<HashMap<(Uuid, Uuid), Vec<message::Model>>> {
    let mut found: HashMap<(Uuid, Uuid), Vec<message::Model>> = HashMap::new();
    for row in by_owner_and(db, message::Column::ThreadKey, pairs).await? {
        let pair = (row.owner_id, row.thread_key);
        if pairs.contains(&pair) {
            found.entry(pair).or_default().push(row);
        }
    }
    Ok(found)
}

/// The recipients of each sending, in the order they were given.
pub async fn recipients(
    db: &impl ConnectionTrait,
    keys: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Uuid>>> {
    let rows = recipient::Entity::find()
        .filter(recipient::Column::MessageKey.is_in(keys.iter().copied()))
        .order_by_asc(recipient::Column::MessageKey)
        .order_by_asc(recipient::Column::Position)
        .all(db)
        .await?;
    let mut found: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in rows {
        found.entry(row.message_key).or_default().push(row.user_id);
    }
    Ok(found)
}
