//! The chain section of the configuration.

use anyhow::bail;
use serde::{Deserialize, Serialize};

use crate::platform::config::Section;

/// Beyond 8 hex zeros a block takes minutes of CPU; nobody wants that from an API call.
pub const MAX_DIFFICULTY: u32 = 8;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainConfig {
    /// Leading zero hex digits a mined block's hash must have.
    pub chain_difficulty: u32,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            chain_difficulty: 4,
        }
    }
}

impl Section for ChainConfig {
    fn validate(&self) -> anyhow::Result<()> {
        if self.chain_difficulty > MAX_DIFFICULTY {
            bail!(
                "invalid value for environment variable CHAIN_DIFFICULTY: at most {MAX_DIFFICULTY}"
            );
        }
        Ok(())
    }
}
