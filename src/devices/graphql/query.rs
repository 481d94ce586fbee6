use async_graphql::{Context, Object, Result};

use super::types::Device;
use crate::{devices, graphql::context::ContextExt};

#[derive(Default)]
pub struct DevicesQuery;

#[Object]
impl DevicesQuery {
    /// The viewer's devices, oldest first.
    #[graphql(cache_control(max_age = 10, private))]
    async fn devices(&self, ctx: &Context<'_>) -> Result<Vec<Device>> {
        let viewer = ctx.viewer()?.require()?;
        let rows = devices::of_owner(&ctx.state()?.db, viewer.user.id).await?;
        Ok(rows.into_iter().map(Device).collect())
    }
}
