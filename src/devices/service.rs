//! Device rules on the write path: registering, heartbeats (the only way online), removal.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

use super::{DeviceAction, DeviceModel, DeviceStatusChanged, DevicesConfig, repo};
use crate::{
    audit::AuditContext,
    platform::{
        error::{AppError, AppResult},
        validate,
        write::Write,
    },
    state::AppState,
};

/// Devices one user may register.
pub const MAX_DEVICES_PER_USER: u64 = 50;
pub const MAX_NAME_CHARS: usize = 64;
pub const MAX_KIND_CHARS: usize = 32;
pub const MAX_PLATFORM_CHARS: usize = 64;
/// Largest status, as compact JSON.
pub const MAX_STATUS_BYTES: usize = 4096;

/// Whether a device last heard from at `last_seen_at` is online at `now`.
pub fn is_online(
    config: &DevicesConfig,
    last_seen_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    last_seen_at.is_some_and(|seen| seen > now - config.online_window())
}

/// How many of the user's devices are online now (one statement; the dashboard's
/// `devicesOnline`).
pub async fn online_count(
    db: &impl ConnectionTrait,
    config: &DevicesConfig,
    user_id: Uuid,
) -> AppResult<u64> {
    repo::online_count(db, user_id, Utc::now() - config.online_window()).await
}

#[derive(Debug, Clone)]
pub struct NewDevice {
    pub name: String,
    pub kind: String,
    pub platform: Option<String>,
}

fn subject(id: Uuid) -> (&'static str, Option<String>) {
    ("Device", Some(id.to_string()))
}

/// Registers a device for `owner`; it is offline until its first heartbeat.
pub async fn register(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    new: NewDevice,
) -> AppResult<DeviceModel> {
    let name = validate::name("name", &new.name, MAX_NAME_CHARS)?;
    let kind = validate::name("kind", &new.kind, MAX_KIND_CHARS)?;
    let platform =
        validate::optional_name("platform", new.platform.as_deref(), MAX_PLATFORM_CHARS)?;
    if repo::count_for_owner(&state.db, owner).await? >= MAX_DEVICES_PER_USER {
        return Err(AppError::Conflict {
            field: None,
            message: format!("at most {MAX_DEVICES_PER_USER} devices per user"),
        });
    }
    let mut w = Write::begin(state, audit).await?;
    let device = repo::insert(
        w.db(),
        DeviceModel {
            id: Uuid::now_v7(),
            user_id: owner,
            name,
            kind,
            platform,
            status: None,
            last_seen_at: None,
            offline_announced: true,
            created_at: Utc::now(),
        },
    )
    .await?;
    w.audit(
        DeviceAction::Register,
        subject(device.id),
        json!({"name": device.name, "kind": device.kind}),
    )
    .await?;
    w.commit().await?;
    Ok(device)
}

/// A heartbeat from the owner's device, with what it reports (kept as is when omitted).
pub async fn heartbeat(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    id: Uuid,
    status: Option<serde_json::Value>,
) -> AppResult<DeviceModel> {
    if let Some(status) = &status {
        let size = serde_json::to_vec(status)
            .map_err(AppError::internal)?
            .len();
        if size > MAX_STATUS_BYTES {
            return Err(AppError::bad_input(
                "status",
                format!("status must be at most {MAX_STATUS_BYTES} bytes of JSON"),
            ));
        }
    }
    let mut w = Write::begin(state, audit).await?;
    let Some(device) = repo::heartbeat(w.db(), owner, id, Utc::now(), status).await? else {
        w.rollback().await?;
        return Err(AppError::NotFound("device"));
    };
    w.audit(DeviceAction::Heartbeat, subject(device.id), json!({}))
        .await?;
    w.publish(DeviceStatusChanged::from(&device));
    w.commit().await?;
    Ok(device)
}

/// Removes the owner's device.
pub async fn remove(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    id: Uuid,
) -> AppResult<()> {
    let mut w = Write::begin(state, audit).await?;
    if repo::delete(w.db(), owner, id).await? == 0 {
        w.rollback().await?;
        return Err(AppError::NotFound("device"));
    }
    w.audit(DeviceAction::Remove, subject(id), json!({}))
        .await?;
    w.commit().await?;
    Ok(())
}
