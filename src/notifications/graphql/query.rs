use async_graphql::{Context, Object, Result};
use uuid::Uuid;

use super::types::{NOTIFICATION_CURSOR, NotificationConnection, notification_connection};
use crate::{
    graphql::context::ContextExt,
    notifications::{self, NotificationFilter},
    platform::paging,
};

/// Root fields returning scalars, and the tags their answers depend on.
pub const FIELD_TAGS: &[(&str, &[&str])] = &[("Query.unreadNotificationCount", &["Notification"])];

#[derive(Default)]
pub struct NotificationsQuery;

#[Object]
impl NotificationsQuery {
    /// The viewer's notifications, newest first.
    #[graphql(
        cache_control(max_age = 10, private),
        complexity = "crate::platform::paging::cost(first, None, child_complexity)"
    )]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        unread_only: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<NotificationConnection> {
        let viewer = ctx.viewer()?.require()?;
        let page = paging::forward::<Uuid>(NOTIFICATION_CURSOR, first, after.as_deref())?;
        let filter = NotificationFilter {
            user_id: viewer.user.id,
            unread_only: unread_only.unwrap_or(false),
        };
        let (rows, more) = notifications::page(&ctx.state()?.db, filter, &page).await?;
        Ok(notification_connection(rows, more, page.cursor.is_some()))
    }

    #[graphql(cache_control(max_age = 10, private))]
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let viewer = ctx.viewer()?.require()?;
        let count = notifications::unread_count(&ctx.state()?.db, viewer.user.id).await?;
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
}
