//! `Query.events`: the audit log for admins, newest first.

use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::types::{EVENT_CURSOR, EventConnection, event_connection, require_admin};
use crate::{
    audit::{EventFilter, actors_of, events_page},
    graphql::{context::ContextExt, plan::Plan},
    platform::paging as pagination,
    users::{self, graphql::UserById},
};

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
        // Lookahead plan (see `graphql::plan`): the actors in one statement.
        if let Some(plan) = Plan::connection(ctx)?.filter(|p| p.wants("actor")) {
            let ids: Vec<Uuid> = rows.iter().map(|e| e.id).collect();
            let actors = actors_of(db, &ids).await?;
            plan.prime::<UserById, _>(actors.into_values().map(|u| (u.id, u)))?;
        }
        Ok(event_connection(rows, more, page.cursor.is_some()))
    }
}
