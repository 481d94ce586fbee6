//! Files: each user's folder tree with real content. Uploads arrive through the GraphQL
//! multipart request spec (the transport spools them, enforcing MAX_UPLOAD_BYTES and the
//! user's FILE_QUOTA_BYTES while reading); content is kept under `DATA_DIR/files` by sha256,
//! once per content, and removed when no file points at it; `GET /files/{id}` serves it to its
//! owner with ETag and range requests. Everything is owner-only.

mod audit;
mod config;
pub mod entity;
mod generated;
pub mod graphql;
pub mod http;
pub mod read_ahead;
mod repo;
mod service;
mod store;
mod sweep;

pub use audit::FileAction;
pub use config::FilesConfig;
pub use entity::node::Model as NodeModel;
pub use generated::{Generated, quota_exceeded as generated_over_quota, save_generated};
pub use repo::{ancestors, by_id, by_ids, ensure_root, files_in, folders_in, search};
pub use service::{
    MAX_NAME_CHARS, NewUpload, create_folder, delete, move_node, quota_exceeded, rename, upload,
};
pub use store::{ContentStore, too_large};
pub use sweep::{Swept, start_sweeper, sweep};

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{platform::error::AppResult, state::AppState};

/// A user's storage: bytes their files take, and what they may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageUsage {
    pub used_bytes: u64,
    pub quota_bytes: u64,
}

impl StorageUsage {
    /// Bytes the user may still upload.
    pub fn remaining(&self) -> u64 {
        self.quota_bytes.saturating_sub(self.used_bytes)
    }
}

/// The user's storage usage (one statement), for `storageUsage` and the dashboard.
pub async fn storage_usage(
    state: &AppState,
    db: &impl ConnectionTrait,
    user: Uuid,
) -> AppResult<StorageUsage> {
    let used = repo::used_bytes(db, user).await?;
    Ok(StorageUsage {
        used_bytes: u64::try_from(used).unwrap_or(0),
        quota_bytes: state.config.files.file_quota_bytes,
    })
}
