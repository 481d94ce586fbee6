//! Devices: a user's registered machines. A device is online while its last heartbeat is at
//! most DEVICE_ONLINE_SECS old; the server announces when that passes (see `watcher`).

mod audit;
mod config;
pub mod entity;
pub mod graphql;
mod message;
mod repo;
mod seed;
mod service;
mod watcher;

pub use audit::DeviceAction;
pub use config::DevicesConfig;
pub use entity::Model as DeviceModel;
pub use message::DeviceStatusChanged;
pub use repo::of_owner;
pub use seed::seed_demo;
pub use service::{
    MAX_DEVICES_PER_USER, MAX_STATUS_BYTES, NewDevice, heartbeat, is_online, online_count,
    register, remove,
};
pub use watcher::start as start_offline_watcher;
