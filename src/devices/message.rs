//! What `deviceStatusChanged` subscribers (on any instance) receive: a device after a
//! heartbeat, or when the server announces it offline. Whether it is online follows from
//! `last_seen_at` at the time it is read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::DeviceModel;
use crate::platform::pubsub::Message;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceStatusChanged {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub kind: String,
    pub platform: Option<String>,
    pub status: Option<serde_json::Value>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub offline_announced: bool,
    pub created_at: DateTime<Utc>,
}

impl Message for DeviceStatusChanged {
    const TOPIC: &'static str = "devices.status_changed";
}

impl From<&DeviceModel> for DeviceStatusChanged {
    fn from(d: &DeviceModel) -> Self {
        Self {
            id: d.id,
            user_id: d.user_id,
            name: d.name.clone(),
            kind: d.kind.clone(),
            platform: d.platform.clone(),
            status: d.status.clone(),
            last_seen_at: d.last_seen_at,
            offline_announced: d.offline_announced,
            created_at: d.created_at,
        }
    }
}

impl From<&DeviceStatusChanged> for DeviceModel {
    fn from(d: &DeviceStatusChanged) -> Self {
        Self {
            id: d.id,
            user_id: d.user_id,
            name: d.name.clone(),
            kind: d.kind.clone(),
            platform: d.platform.clone(),
            status: d.status.clone(),
            last_seen_at: d.last_seen_at,
            offline_announced: d.offline_announced,
            created_at: d.created_at,
        }
    }
}
