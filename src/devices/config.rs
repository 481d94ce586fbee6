//! The devices section of the configuration.

use std::time::Duration;

use anyhow::bail;
use serde::{Deserialize, Serialize};

use crate::platform::config::Section;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevicesConfig {
    /// A device is online while its last heartbeat is at most this many seconds old.
    pub device_online_secs: u64,
}

impl Default for DevicesConfig {
    fn default() -> Self {
        Self {
            device_online_secs: 120,
        }
    }
}

impl DevicesConfig {
    pub fn online_window(&self) -> Duration {
        Duration::from_secs(self.device_online_secs)
    }
}

impl Section for DevicesConfig {
    fn validate(&self) -> anyhow::Result<()> {
        if self.device_online_secs == 0 {
            bail!("invalid value for environment variable DEVICE_ONLINE_SECS: must be at least 1");
        }
        Ok(())
    }
}
