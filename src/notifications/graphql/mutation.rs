use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::{
    graphql::{context::ContextExt, ids, node::NodeType},
    notifications,
    platform::error::AppError,
};

/// Cache tags each mutation writes (the registry tests hold every Mutation field to this).
pub const MUTATION_TAGS: &[(&str, &[&str])] =
    &[("markNotificationsRead", &["Notification", "Event"])];

/// Most ids one call takes.
const MAX_IDS: usize = 100;

#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// The notifications to mark read; omitted, all of the viewer's.
    pub ids: Option<Vec<ID>>,
}

#[derive(Default)]
pub struct NotificationsMutation;

#[Object]
impl NotificationsMutation {
    /// Marks notifications read; answers how many were unread and now are read. Ids of other
    /// users' notifications change nothing.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        input: MarkNotificationsReadInput,
    ) -> Result<i32> {
        let viewer = ctx.viewer()?.require()?;
        let ids = match input.ids {
            None => None,
            Some(ids) if ids.len() > MAX_IDS => {
                return Err(
                    AppError::bad_input("ids", format!("at most {MAX_IDS} ids per call")).into(),
                );
            }
            Some(ids) => Some(
                ids.iter()
                    .map(|id| match ids::decode(id, "ids")? {
                        (NodeType::Notification, uuid) => Ok(uuid),
                        _ => Err(AppError::bad_input("ids", "not a notification id")),
                    })
                    .collect::<Result<Vec<_>, AppError>>()?,
            ),
        };
        let changed =
            notifications::mark_read(ctx.state()?, &ctx.audit(), viewer.user.id, ids).await?;
        Ok(i32::try_from(changed).unwrap_or(i32::MAX))
    }
}
