use async_graphql::{Context, Result, Subscription};
use futures_util::Stream;

use super::types::MailMessage;
use crate::{
    graphql::{context::ContextExt, subscriptions::receive},
    mail::MailReceived,
};

#[derive(Default)]
pub struct MailSubscription;

#[Subscription]
impl MailSubscription {
    /// Mail arriving in the viewer's INBOX (sent on any instance).
    async fn mail_received(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<MailMessage>> + use<>> {
        let me = ctx.viewer()?.require()?.user.id;
        let sub = ctx.state()?.bus.subscribe::<MailReceived>();
        Ok(receive(sub, move |m| {
            (m.owner_id == me).then(|| MailMessage(m.into()))
        }))
    }
}
