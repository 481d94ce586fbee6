//! Queries over `notifications`.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::entity as notification;
use crate::platform::{
    error::AppResult,
    paging::{PageRequest, split_page},
};

pub async fn insert(
    db: &impl ConnectionTrait,
    model: notification::Model,
) -> AppResult<notification::Model> {
    let active: notification::ActiveModel = model.into();
    Ok(active.insert(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<notification::Model>> {
    Ok(notification::Entity::find_by_id(id).one(db).await?)
}

#[derive(Debug, Clone, Copy)]
pub struct NotificationFilter {
    pub user_id: Uuid,
    pub unread_only: bool,
}

/// A user's notifications, newest first (ids are UUIDv7, so the id is the keyset).
pub async fn page(
    db: &impl ConnectionTrait,
    filter: NotificationFilter,
    page: &PageRequest<Uuid>,
) -> AppResult<(Vec<notification::Model>, bool)> {
    let mut query = notification::Entity::find()
        .filter(notification::Column::UserId.eq(filter.user_id))
        .order_by_desc(notification::Column::Id)
        .limit(page.limit + 1);
    if filter.unread_only {
        query = query.filter(notification::Column::IsRead.eq(false));
    }
    if let Some(cursor) = page.cursor {
        query = query.filter(notification::Column::Id.lt(cursor));
    }
    Ok(split_page(query.all(db).await?, page.limit))
}

pub async fn unread_count(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<u64> {
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::IsRead.eq(false))
        .count(db)
        .await?)
}

/// Marks the user's unread notifications among `ids` (all of them when `None`) read.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    ids: Option<&[Uuid]>,
) -> AppResult<u64> {
    let mut update = notification::Entity::update_many()
        .col_expr(notification::Column::IsRead, Expr::value(true))
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::IsRead.eq(false));
    if let Some(ids) = ids {
        update = update.filter(notification::Column::Id.is_in(ids.iter().copied()));
    }
    Ok(update.exec(db).await?.rows_affected)
}
