//! What every domain's part of the configuration shares: the `Section` trait, the check of
//! production secrets, and the helpers that name a bad variable.

use anyhow::bail;
use serde::{Serialize, de::DeserializeOwned};

/// Shortest secret accepted in production: HS256 wants at least 256 bits of key.
pub const MIN_SECRET_LEN: usize = 32;

/// A domain's part of the configuration. Its fields are named like their variables
/// (`chain_difficulty` ← `CHAIN_DIFFICULTY`), read from the same flat environment.
pub trait Section: Serialize + DeserializeOwned + Default {
    /// Rules beyond parsing; errors name the variable.
    fn validate(&self) -> anyhow::Result<()> {
        Ok(())
    }

    /// What `serve` needs in production (secrets), checked only then.
    fn require_for_serving(&self, _production: bool) -> anyhow::Result<()> {
        Ok(())
    }
}

/// A secret that production needs at full strength.
pub fn require_secret(name: &str, value: Option<&str>, production: bool) -> anyhow::Result<()> {
    if !production {
        return Ok(());
    }
    match value {
        None => bail!("{name} must be set when ENVIRONMENT=production"),
        Some(k) if k.len() < MIN_SECRET_LEN => {
            bail!("{name} must be at least {MIN_SECRET_LEN} characters when ENVIRONMENT=production")
        }
        _ => Ok(()),
    }
}

pub(super) fn invalid(e: figment::Error) -> anyhow::Error {
    let key = e.path.first().cloned().unwrap_or_default().to_uppercase();
    anyhow::anyhow!("invalid value for environment variable {key}: {}", e.kind)
}

/// The variables a section reads: its fields' names, upper-cased.
pub(super) fn variables_of<T: Serialize>(value: &T) -> Vec<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(map)) => map.keys().map(|k| k.to_uppercase()).collect(),
        _ => Vec::new(),
    }
}
