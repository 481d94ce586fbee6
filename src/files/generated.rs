//! Files the server makes for a user (a job's wallet statement). Stored like an upload — in
//! the content store, counted against FILE_QUOTA_BYTES, audited, listed in the owner's tree,
//! served by `GET /files/{id}` — but into a folder of the server's choosing under the owner's
//! root (created when missing), replacing an earlier file of the same name there: a job that
//! runs again (its first run's outcome was lost) writes its file again rather than failing.

use std::collections::HashMap;

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::{FileAction, NodeModel, repo, service::valid_name, store::ContentStore};
use crate::{
    audit::AuditContext,
    platform::{
        error::{AppError, AppResult, Limit},
        write::Write,
    },
    state::AppState,
};

/// A file to store for its owner.
pub struct Generated {
    /// A folder directly under the owner's root.
    pub folder: &'static str,
    pub name: String,
    pub mime_type: &'static str,
    /// Read from its current position to the end.
    pub content: std::fs::File,
}

fn node(owner: Uuid, parent: Uuid, name: String, is_folder: bool) -> NodeModel {
    let now = Utc::now();
    NodeModel {
        id: Uuid::now_v7(),
        owner_id: owner,
        parent_id: Some(parent),
        is_folder,
        name,
        size: 0,
        mime_type: None,
        sha256: None,
        created_at: now,
        updated_at: now,
    }
}

/// A generated file that does not fit the owner's FILE_QUOTA_BYTES.
pub fn quota_exceeded(quota: u64) -> AppError {
    AppError::limit(
        Limit::StorageQuota,
        format!("this file would exceed your storage quota of {quota} bytes (FILE_QUOTA_BYTES)"),
    )
}

fn not_a_folder(name: &str) -> AppError {
    AppError::conflict(
        "name",
        format!("`{name}` is in the way: a file or folder of that name is already there"),
    )
}

/// Stores `file` for `owner`; refused past FILE_QUOTA_BYTES (the storage-quota limit) with
/// nothing kept. MAX_UPLOAD_BYTES, a bound on what clients send, does not apply.
pub async fn save_generated(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    file: Generated,
) -> AppResult<NodeModel> {
    let name = valid_name("name", &file.name)?;
    let quota_bytes = state.config.files.file_quota_bytes;
    let store = ContentStore::new(&state.config.data_dir);
    let spooled = store.spool(file.content, u64::MAX).await?;
    let sha256 = spooled.sha256.clone();
    let size = i64::try_from(spooled.size).map_err(|_| quota_exceeded(quota_bytes))?;
    let quota = i64::try_from(quota_bytes).unwrap_or(i64::MAX);

    let mut w = Write::begin(state, audit).await?;
    repo::lock_owner(w.db(), owner).await?;
    let root = repo::ensure_root(w.db(), owner).await?;
    let folder = match repo::child_named(w.db(), root.id, file.folder).await? {
        Some(folder) if folder.is_folder => folder,
        Some(_) => return Err(not_a_folder(file.folder)),
        None => {
            let folder =
                repo::insert(w.db(), node(owner, root.id, file.folder.into(), true)).await?;
            w.audit(
                FileAction::CreateFolder,
                ("Folder", Some(folder.id.to_string())),
                json!({"name": folder.name, "parentId": root.id}),
            )
            .await?;
            folder
        }
    };
    let mut replaced = None;
    let mut gone = Vec::new();
    if let Some(old) = repo::child_named(w.db(), folder.id, &name).await? {
        if old.is_folder {
            return Err(not_a_folder(&name));
        }
        repo::delete(w.db(), old.id).await?;
        repo::release(w.db(), owner, old.size).await?;
        if let Some(sha) = &old.sha256 {
            gone = repo::blob_release(w.db(), &HashMap::from([(sha.clone(), 1)])).await?;
        }
        replaced = Some(old.id);
    }
    if !repo::reserve(w.db(), owner, size, quota).await? {
        return Err(quota_exceeded(quota_bytes));
    }
    // As for an upload: the blob row stays locked until the end.
    repo::blob_acquire(w.db(), &sha256, size).await?;
    let placed = store.place(spooled, &state.db).await?;
    let stored = async {
        let file = repo::insert(
            w.db(),
            NodeModel {
                size,
                mime_type: Some(file.mime_type.to_owned()),
                sha256: Some(sha256.clone()),
                ..node(owner, folder.id, name, false)
            },
        )
        .await?;
        w.audit(
            FileAction::Generate,
            ("File", Some(file.id.to_string())),
            json!({"name": file.name, "size": size, "sha256": sha256, "folderId": folder.id,
                   "replaced": replaced}),
        )
        .await?;
        w.commit().await?;
        Ok::<_, AppError>(file)
    }
    .await?;
    placed.keep();
    // Content the replaced file alone held goes once that is committed (as in `delete`);
    // the same content written again stays.
    for sha in gone.iter().filter(|s| **s != sha256) {
        if let Err(e) = super::sweep::reclaim(&state.db, &store, sha).await {
            tracing::warn!(error = %e.message(), "removing replaced file content failed");
        }
    }
    Ok(stored)
}
