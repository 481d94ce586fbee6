//! The files section of the configuration.

use anyhow::bail;
use serde::{Deserialize, Serialize};

use crate::platform::config::Section;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FilesConfig {
    /// Largest single upload, in bytes; refused while streaming once passed.
    pub max_upload_bytes: u64,
    /// Bytes of files each user may hold.
    pub file_quota_bytes: u64,
    /// Temporary files and content no file points at are removed once this old, at startup
    /// and every this long (what a killed process left behind).
    pub file_orphan_age_secs: u64,
}

impl Default for FilesConfig {
    fn default() -> Self {
        Self {
            max_upload_bytes: 25 * 1024 * 1024,
            file_quota_bytes: 100 * 1024 * 1024,
            file_orphan_age_secs: 3600,
        }
    }
}

impl Section for FilesConfig {
    fn validate(&self) -> anyhow::Result<()> {
        if self.max_upload_bytes == 0 {
            bail!("MAX_UPLOAD_BYTES must be at least 1");
        }
        if self.file_orphan_age_secs == 0 {
            // Content being written right now has no row yet.
            bail!("FILE_ORPHAN_AGE_SECS must be at least 1");
        }
        if i64::try_from(self.file_quota_bytes).is_err() {
            bail!("FILE_QUOTA_BYTES is too large");
        }
        Ok(())
    }
}
