use async_graphql::{Context, ID, InputObject, Json, Object, Result};
use uuid::Uuid;

use super::types::Device;
use crate::{
    devices::{self, NewDevice},
    graphql::{context::ContextExt, ids, node::NodeType},
    platform::error::AppError,
};

/// Cache tags each mutation writes (the registry tests hold every Mutation field to this).
pub const MUTATION_TAGS: &[(&str, &[&str])] = &[
    ("registerDevice", &["Device", "Event"]),
    ("deviceHeartbeat", &["Device", "Event"]),
    ("removeDevice", &["Device", "Event"]),
];

#[derive(InputObject)]
pub struct RegisterDeviceInput {
    /// 1 to 64 characters.
    pub name: String,
    /// What it is ("laptop", "sensor", …): 1 to 32 characters.
    pub kind: String,
    /// Up to 64 characters.
    pub platform: Option<String>,
}

#[derive(InputObject)]
pub struct DeviceHeartbeatInput {
    pub id: ID,
    /// What the device reports, at most 4 KiB as JSON; omitted keeps the last one.
    pub status: Option<Json<serde_json::Value>>,
}

#[derive(InputObject)]
pub struct RemoveDeviceInput {
    pub id: ID,
}

fn device_id(id: &ID) -> Result<Uuid, AppError> {
    match ids::decode(id, "id")? {
        (NodeType::Device, uuid) => Ok(uuid),
        _ => Err(AppError::bad_input("id", "not a device id")),
    }
}

#[derive(Default)]
pub struct DevicesMutation;

#[Object]
impl DevicesMutation {
    /// Registers a device; it is offline until its first heartbeat.
    async fn register_device(
        &self,
        ctx: &Context<'_>,
        input: RegisterDeviceInput,
    ) -> Result<Device> {
        let viewer = ctx.viewer()?.require()?;
        let new = NewDevice {
            name: input.name,
            kind: input.kind,
            platform: input.platform,
        };
        let device = devices::register(ctx.state()?, &ctx.audit(), viewer.user.id, new).await?;
        Ok(Device(device))
    }

    /// A heartbeat from one of your devices: it is online for DEVICE_ONLINE_SECS from now.
    async fn device_heartbeat(
        &self,
        ctx: &Context<'_>,
        input: DeviceHeartbeatInput,
    ) -> Result<Device> {
        let viewer = ctx.viewer()?.require()?;
        let id = device_id(&input.id)?;
        let status = input.status.map(|Json(value)| value);
        let device =
            devices::heartbeat(ctx.state()?, &ctx.audit(), viewer.user.id, id, status).await?;
        Ok(Device(device))
    }

    /// Removes one of your devices.
    async fn remove_device(&self, ctx: &Context<'_>, input: RemoveDeviceInput) -> Result<bool> {
        let viewer = ctx.viewer()?.require()?;
        let id = device_id(&input.id)?;
        devices::remove(ctx.state()?, &ctx.audit(), viewer.user.id, id).await?;
        Ok(true)
    }
}
