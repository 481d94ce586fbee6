//! `Query.events`: the audit log for admins, newest first.

use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::types::{EVENT_CURSOR, EventConnection, event_connection, require_admin};
use crate::{
    entities::event,
    error::AppResult,
    graphql::{
        context::ContextExt,
        pagination::{self, PageRequest, split_page},
    },
    users::service as users,
};

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

#[derive(Default)]
pub struct EventsQuery;

#[Object]
impl EventsQuery {
    // One argument per filter of the SDL; an input object would change the contract.
    #[allow(clippy::too_many_arguments)]
    /// The audit log, newest first (admins only). `actor` is a username; `since` is
    /// inclusive and `until` exclusive.
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        action: Option<String>,
        actor: Option<String>,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<EventConnection> {
        require_admin(ctx.viewer()?)?;
        let page = pagination::forward::<Uuid>(EVENT_CURSOR, first, after.as_deref())?;
        let db = &ctx.state()?.db;
        let actor = match actor {
            Some(name) => Some(
                users::find_by_username(db, name.trim())
                    .await?
                    .map(|u| u.id),
            ),
            None => None,
        };
        let filter = EventFilter {
            action: action.map(|a| a.trim().to_owned()),
            actor,
            since,
            until,
        };
        let (rows, more) = events_page(db, &filter, &page).await?;
        Ok(event_connection(rows, more, page.cursor.is_some()))
    }
}
