//! Demo devices for `blackroad-api seed`: a laptop and a phone for the first demo users, never
//! heard from (offline until something sends a heartbeat).

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{DeviceModel, repo};
use crate::platform::error::AppResult;

/// Users that get demo devices (the first ones).
const USERS: usize = 20;

/// Writes the demo devices; how many.
pub async fn seed_demo(
    db: &impl ConnectionTrait,
    users: &[Uuid],
    start: DateTime<Utc>,
) -> AppResult<usize> {
    let mut made = 0;
    for user in users.iter().take(USERS) {
        for (name, kind, platform) in [("Laptop", "laptop", "linux"), ("Phone", "phone", "android")]
        {
            repo::insert(
                db,
                DeviceModel {
                    id: Uuid::now_v7(),
                    user_id: *user,
                    name: name.to_owned(),
                    kind: kind.to_owned(),
                    platform: Some(platform.to_owned()),
                    status: None,
                    last_seen_at: None,
                    offline_announced: true,
                    created_at: start,
                },
            )
            .await?;
            made += 1;
        }
    }
    Ok(made)
}
