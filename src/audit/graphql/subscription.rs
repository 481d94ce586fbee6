//! `Subscription.auditEvents`: the audit log as it is written, for admins.

use async_graphql::{Context, Result, Subscription};
use futures_util::Stream;

use super::types::{Event, require_admin};
use crate::{
    audit::AuditEvent,
    graphql::{context::ContextExt, subscriptions::receive},
};

#[derive(Default)]
pub struct EventsSubscription;

#[Subscription]
impl EventsSubscription {
    /// Every audit event committed from now on, optionally of one action (admins only).
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        action: Option<String>,
    ) -> Result<impl Stream<Item = Result<Event>> + use<>> {
        require_admin(ctx.viewer()?)?;
        let sub = ctx.state()?.bus.subscribe::<AuditEvent>();
        let action = action.map(|a| a.trim().to_owned());
        Ok(receive(sub, move |event| {
            action
                .as_ref()
                .is_none_or(|a| *a == event.action)
                .then(|| Event(event.clone().into()))
        }))
    }
}
