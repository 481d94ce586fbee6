//! The users section of the configuration.

use serde::{Deserialize, Serialize};

use crate::platform::config::Section;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UsersConfig {
    /// Comma-separated usernames made admins at start-up and when they register: the first
    /// deployment's way to an admin (afterwards, `blackroad-api admin grant`).
    pub admin_usernames: String,
}

impl UsersConfig {
    pub fn admins(&self) -> impl Iterator<Item = String> + '_ {
        self.admin_usernames
            .split(',')
            .map(|n| n.trim().to_lowercase())
            .filter(|n| !n.is_empty())
    }

    pub fn is_listed_admin(&self, username: &str) -> bool {
        self.admins().any(|n| n == username)
    }
}

impl Section for UsersConfig {}
