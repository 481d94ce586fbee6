//! The auth section of the configuration.

use std::time::Duration;

use anyhow::bail;
use serde::{Deserialize, Serialize};

use crate::platform::config::{Section, require_secret};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthConfig {
    /// Signs access tokens (HS256). Embedded mode generates one under DATA_DIR.
    pub secret_key: Option<String>,
    pub access_token_expire_minutes: i64,
    pub refresh_token_expire_days: i64,
    /// How many argon2 hashes may run at once; each takes ~19 MiB, so this bounds memory.
    pub hashing_concurrency: usize,
    /// A refresh token presented again this soon after its rotation gets the same successor
    /// (two tabs refreshing at once) instead of revoking the session.
    pub refresh_reuse_grace_secs: i64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            secret_key: None,
            access_token_expire_minutes: 30,
            refresh_token_expire_days: 7,
            hashing_concurrency: 4,
            refresh_reuse_grace_secs: 10,
        }
    }
}

impl AuthConfig {
    pub fn access_token_ttl(&self) -> Duration {
        Duration::from_secs(self.access_token_expire_minutes as u64 * 60)
    }

    pub fn refresh_token_ttl(&self) -> Duration {
        Duration::from_secs(self.refresh_token_expire_days as u64 * 86_400)
    }
}

impl Section for AuthConfig {
    fn validate(&self) -> anyhow::Result<()> {
        for (name, value) in [
            (
                "ACCESS_TOKEN_EXPIRE_MINUTES",
                self.access_token_expire_minutes,
            ),
            ("REFRESH_TOKEN_EXPIRE_DAYS", self.refresh_token_expire_days),
        ] {
            if value <= 0 {
                bail!("invalid value for environment variable {name}: must be positive");
            }
        }
        if self.refresh_reuse_grace_secs < 0 {
            bail!(
                "invalid value for environment variable REFRESH_REUSE_GRACE_SECS: must not be negative"
            );
        }
        if self.hashing_concurrency == 0 {
            bail!("invalid value for environment variable HASHING_CONCURRENCY: must be at least 1");
        }
        Ok(())
    }

    fn require_for_serving(&self, production: bool) -> anyhow::Result<()> {
        require_secret("SECRET_KEY", self.secret_key.as_deref(), production)
    }
}
