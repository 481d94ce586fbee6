//! Reads and writes of the `events` table.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::Value;
use uuid::Uuid;

use super::{AuditContext, entity as event};
use crate::platform::{
    error::AppResult,
    paging::{PageRequest, split_page},
};

/// Writes one event. `subject` is the kind of thing acted on and, when known, its id; `data`
/// must never hold a secret (password, token, key).
pub async fn record(
    db: &impl ConnectionTrait,
    audit: &AuditContext,
    action: &str,
    subject: (&str, Option<String>),
    data: Value,
) -> AppResult<event::Model> {
    let (subject_type, subject_id) = subject;
    Ok(event::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(audit.actor_id),
        action: Set(action.to_owned()),
        subject_type: Set(Some(subject_type.to_owned())),
        subject_id: Set(subject_id),
        ip: Set(audit.ip.clone()),
        request_id: Set(audit.request_id.clone()),
        data: Set(data),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<event::Model>> {
    Ok(event::Entity::find_by_id(id).one(db).await?)
}

#[derive(Default)]
pub struct EventFilter {
    pub action: Option<String>,
    /// `Some(None)`: an actor was asked for but does not exist, so nothing matches.
    pub actor: Option<Option<Uuid>>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

pub async fn events_page(
    db: &impl ConnectionTrait,
    filter: &EventFilter,
    page: &PageRequest<Uuid>,
) -> AppResult<(Vec<event::Model>, bool)> {
    let mut query = event::Entity::find();
    if let Some(action) = &filter.action {
        query = query.filter(event::Column::Action.eq(action.as_str()));
    }
    match filter.actor {
        Some(Some(actor)) => query = query.filter(event::Column::ActorId.eq(actor)),
        Some(None) => return Ok((Vec::new(), false)),
        None => {}
    }
    if let Some(since) = filter.since {
        query = query.filter(event::Column::CreatedAt.gte(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(event::Column::CreatedAt.lt(until));
    }
    if let Some(cursor) = page.cursor {
        query = query.filter(event::Column::Id.lt(cursor));
    }
    // Ids are UUIDv7, so id order is time order and the cursor is a keyset.
    let rows = query
        .order_by_desc(event::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    Ok(split_page(rows, page.limit))
}

/// The actor of each event (by event id) that has one, in one statement: an event page's
/// read-ahead.
pub async fn actors_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, crate::users::UserModel>> {
    crate::platform::read_ahead::to_one::<event::Entity, crate::users::UserEntity>(
        db, ids, "actor_id",
    )
    .await
}
