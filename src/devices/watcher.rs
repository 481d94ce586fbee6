//! The server's side of `online`: when a device's last heartbeat grows older than
//! DEVICE_ONLINE_SECS, its going offline is announced on `deviceStatusChanged`, without
//! waiting for anyone to ask.
//!
//! Each instance keeps the next expiry in mind — from the database at start and after each
//! sweep, and from the heartbeats it hears on the bus (from every instance) in between — and
//! sleeps until then, so an idle server runs no statements. A sweep claims the expired devices
//! in one UPDATE, so with several instances each device is announced exactly once.

use std::{sync::Weak, time::Duration};

use chrono::{DateTime, Utc};

use super::{DeviceStatusChanged, repo};
use crate::state::{AppState, AppStateInner};

/// After a failed read, the next try.
const RETRY: Duration = Duration::from_secs(1);
/// Shortest sleep between sweeps, so a heartbeat that cannot be claimed (a clock far off)
/// never spins the loop.
const MIN_WAIT: Duration = Duration::from_millis(100);
/// Cache tag of everything devices show.
const TAG: &str = "Device";

/// Starts the watcher; it ends with the app. The first read happens here, before the server
/// takes requests, so a fresh server runs no statements of its own while it is idle.
pub async fn start(state: &AppState) {
    let sub = state.bus.subscribe::<DeviceStatusChanged>();
    let oldest = earliest(state).await.ok();
    tokio::spawn(run(std::sync::Arc::downgrade(&state.0), sub, oldest));
}

fn upgrade(weak: &Weak<AppStateInner>) -> Option<AppState> {
    weak.upgrade().map(AppState)
}

/// The next heartbeat to expire, from the database; `Err` after logging a failure.
async fn earliest(state: &AppState) -> Result<Option<DateTime<Utc>>, ()> {
    repo::earliest_unannounced(&state.db).await.map_err(|e| {
        tracing::warn!(error = ?e, "device watcher could not read heartbeats");
    })
}

/// Announces every device whose heartbeat has expired.
async fn sweep(state: &AppState) -> Result<(), ()> {
    let cutoff = Utc::now() - state.config.devices.online_window();
    let expired = repo::claim_expired(&state.db, cutoff).await.map_err(|e| {
        tracing::warn!(error = ?e, "device watcher could not claim expired heartbeats");
    })?;
    if expired.is_empty() {
        return Ok(());
    }
    for device in &expired {
        state.bus.publish(DeviceStatusChanged::from(device));
    }
    state.cache.invalidate(&[TAG.to_owned()].into()).await;
    Ok(())
}

async fn run(
    weak: Weak<AppStateInner>,
    mut sub: crate::platform::pubsub::Subscription<DeviceStatusChanged>,
    // `None`: unknown (read it); `Some(None)`: nothing pending; `Some(Some(t))`: the oldest
    // unannounced heartbeat may be `t`.
    mut oldest: Option<Option<DateTime<Utc>>>,
) {
    loop {
        let Some(state) = upgrade(&weak) else {
            return;
        };
        let window = state.config.devices.online_window();
        let pending = match oldest {
            Some(known) => known,
            None => match earliest(&state).await {
                Ok(found) => {
                    oldest = Some(found);
                    found
                }
                Err(()) => {
                    drop(state);
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            },
        };
        drop(state);
        let wait = pending.map(|seen| {
            let due = seen + window;
            (due - Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .max(MIN_WAIT)
        });
        tokio::select! {
            () = sleep_or_forever(wait) => {
                let Some(state) = upgrade(&weak) else {
                    return;
                };
                // Re-read afterwards: the heartbeat that was due may have been renewed.
                oldest = None;
                if sweep(&state).await.is_err() {
                    drop(state);
                    tokio::time::sleep(RETRY).await;
                }
            }
            heard = sub.recv() => match heard {
                Some(Ok(device)) => {
                    // While `oldest` is unknown the next read covers this heartbeat too.
                    if let (Some(known), Some(seen), false) =
                        (oldest, device.last_seen_at, device.offline_announced)
                    {
                        oldest = Some(Some(known.map_or(seen, |k| k.min(seen))));
                    }
                }
                // Missed some: the database knows.
                Some(Err(_)) => oldest = None,
                None => return,
            },
        }
    }
}

async fn sleep_or_forever(wait: Option<Duration>) {
    match wait {
        Some(wait) => tokio::time::sleep(wait).await,
        None => std::future::pending().await,
    }
}
