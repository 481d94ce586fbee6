use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::loaders::DeviceById;
use crate::{
    devices::{DeviceModel, is_online},
    graphql::{
        context::ContextExt,
        node::{NodeObject, NodeType},
    },
};

/// One of the viewer's devices. Only its owner sees it.
pub struct Device(pub DeviceModel);

impl NodeObject for Device {
    const KIND: NodeType = NodeType::Device;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        let Some(viewer) = ctx.viewer()?.user() else {
            return Ok(None);
        };
        let me = viewer.user.id;
        let found = ctx.loader::<DeviceById>()?.load_one(id).await?;
        Ok(found.filter(|d| d.user_id == me).map(Device))
    }
}

#[Object(cache_control(max_age = 10, private))]
impl Device {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> &str {
        &self.0.kind
    }

    async fn platform(&self) -> Option<&str> {
        self.0.platform.as_deref()
    }

    /// A heartbeat within DEVICE_ONLINE_SECS.
    async fn online(&self, ctx: &Context<'_>) -> Result<bool> {
        let config = &ctx.state()?.config.devices;
        Ok(is_online(config, self.0.last_seen_at, Utc::now()))
    }

    async fn last_seen_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_seen_at
    }

    /// What the device reported with its last heartbeat that carried a status.
    async fn status(&self) -> Option<Json<serde_json::Value>> {
        self.0.status.clone().map(Json)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
