//! The BlackStream section of the configuration.

use anyhow::bail;
use serde::{Deserialize, Serialize};

use crate::platform::config::Section;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VideoConfig {
    /// A viewer's views of one video count once per this many seconds.
    pub video_view_window_secs: u64,
}

impl Default for VideoConfig {
    fn default() -> Self {
        Self {
            video_view_window_secs: 3600,
        }
    }
}

impl Section for VideoConfig {
    fn validate(&self) -> anyhow::Result<()> {
        if self.video_view_window_secs == 0 || self.video_view_window_secs > 366 * 86_400 {
            bail!("invalid value for environment variable VIDEO_VIEW_WINDOW_SECS: 1 to 31622400");
        }
        Ok(())
    }
}
