use async_graphql::{Context, Result, Subscription};
use futures_util::Stream;

use super::types::Device;
use crate::{
    devices::DeviceStatusChanged,
    graphql::{context::ContextExt, subscriptions::receive},
};

#[derive(Default)]
pub struct DevicesSubscription;

#[Subscription]
impl DevicesSubscription {
    /// The viewer's devices as they send heartbeats and as the server announces them offline
    /// (DEVICE_ONLINE_SECS after their last heartbeat), from any instance.
    async fn device_status_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<Device>> + use<>> {
        let me = ctx.viewer()?.require()?.user.id;
        let sub = ctx.state()?.bus.subscribe::<DeviceStatusChanged>();
        Ok(receive(sub, move |d| {
            (d.user_id == me).then(|| Device(d.into()))
        }))
    }
}
