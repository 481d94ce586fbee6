use async_graphql::{Context, Result, Subscription};
use futures_util::Stream;

use super::types::Notification;
use crate::{
    graphql::{context::ContextExt, subscriptions::receive},
    notifications::NotificationAdded,
};

#[derive(Default)]
pub struct NotificationsSubscription;

#[Subscription]
impl NotificationsSubscription {
    /// The viewer's new notifications, as they are created (on any instance).
    async fn notification_added(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<Notification>> + use<>> {
        let me = ctx.viewer()?.require()?.user.id;
        let sub = ctx.state()?.bus.subscribe::<NotificationAdded>();
        Ok(receive(sub, move |n| {
            (n.user_id == me).then(|| Notification(n.into()))
        }))
    }
}
