//! The wallet section of the configuration.

use serde::{Deserialize, Serialize};

use crate::platform::config::{Section, require_secret};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WalletConfig {
    /// Encrypts wallet private keys at rest. Embedded mode generates one under DATA_DIR.
    pub wallet_master_key: Option<String>,
}

impl Section for WalletConfig {
    fn require_for_serving(&self, production: bool) -> anyhow::Result<()> {
        require_secret(
            "WALLET_MASTER_KEY",
            self.wallet_master_key.as_deref(),
            production,
        )
    }
}
