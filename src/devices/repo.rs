//! Queries over `devices`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::entity as device;
use crate::platform::error::AppResult;

pub async fn insert(db: &impl ConnectionTrait, model: device::Model) -> AppResult<device::Model> {
    let active: device::ActiveModel = model.into();
    Ok(active.insert(db).await?)
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, device::Model>> {
    let rows = device::Entity::find()
        .filter(device::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|d| (d.id, d)).collect())
}

/// The owner's devices, oldest first.
pub async fn of_owner(db: &impl ConnectionTrait, owner: Uuid) -> AppResult<Vec<device::Model>> {
    Ok(device::Entity::find()
        .filter(device::Column::UserId.eq(owner))
        .order_by_asc(device::Column::Id)
        .all(db)
        .await?)
}

pub async fn count_for_owner(db: &impl ConnectionTrait, owner: Uuid) -> AppResult<u64> {
    Ok(device::Entity::find()
        .filter(device::Column::UserId.eq(owner))
        .count(db)
        .await?)
}

/// The owner's devices heard from after `since`.
pub async fn online_count(
    db: &impl ConnectionTrait,
    owner: Uuid,
    since: DateTime<Utc>,
) -> AppResult<u64> {
    Ok(device::Entity::find()
        .filter(device::Column::UserId.eq(owner))
        .filter(device::Column::LastSeenAt.gt(since))
        .count(db)
        .await?)
}

/// Records a heartbeat on the owner's device (and its status, when given); `None` when the
/// owner has no such device.
pub async fn heartbeat(
    db: &impl ConnectionTrait,
    owner: Uuid,
    id: Uuid,
    at: DateTime<Utc>,
    status: Option<serde_json::Value>,
) -> AppResult<Option<device::Model>> {
    let mut update = device::Entity::update_many()
        .col_expr(device::Column::LastSeenAt, Expr::value(at))
        .col_expr(device::Column::OfflineAnnounced, Expr::value(false))
        .filter(device::Column::Id.eq(id))
        .filter(device::Column::UserId.eq(owner));
    if let Some(status) = status {
        update = update.col_expr(device::Column::Status, Expr::value(status));
    }
    Ok(update.exec_with_returning(db).await?.into_iter().next())
}

pub async fn delete(db: &impl ConnectionTrait, owner: Uuid, id: Uuid) -> AppResult<u64> {
    Ok(device::Entity::delete_many()
        .filter(device::Column::Id.eq(id))
        .filter(device::Column::UserId.eq(owner))
        .exec(db)
        .await?
        .rows_affected)
}

/// The oldest heartbeat whose expiry is still to be announced.
pub async fn earliest_unannounced(db: &impl ConnectionTrait) -> AppResult<Option<DateTime<Utc>>> {
    let row: Option<Option<DateTime<Utc>>> = device::Entity::find()
        .select_only()
        .column_as(device::Column::LastSeenAt.min(), "earliest")
        .filter(device::Column::OfflineAnnounced.eq(false))
        .into_tuple()
        .one(db)
        .await?;
    Ok(row.flatten())
}

/// Claims the announcement of every device last heard from at or before `cutoff`: one
/// statement, so of several instances sweeping at once each device goes to exactly one.
pub async fn claim_expired(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> AppResult<Vec<device::Model>> {
    Ok(device::Entity::update_many()
        .col_expr(device::Column::OfflineAnnounced, Expr::value(true))
        .filter(device::Column::OfflineAnnounced.eq(false))
        .filter(device::Column::LastSeenAt.lte(cutoff))
        .exec_with_returning(db)
        .await?)
}
