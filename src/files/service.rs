//! Files rules on the write path. Each write takes the owner's usage row first
//! (`repo::lock_owner`), so one user's tree changes one at a time: no cycle from two
//! crossing moves, no quota overrun from two parallel uploads.

use std::collections::HashMap;

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::{
    FileAction, NodeModel, repo,
    store::{ContentStore, too_large},
};
use crate::{
    audit::AuditContext,
    platform::{
        error::{AppError, AppResult, Limit},
        validate,
        write::Write,
    },
    state::AppState,
};

/// Longest file or folder name, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// An uploaded file as the transport spooled it.
pub struct NewUpload {
    pub filename: String,
    pub content_type: Option<String>,
    pub content: std::fs::File,
}

fn subject(node: &NodeModel) -> (&'static str, Option<String>) {
    let kind = if node.is_folder { "Folder" } else { "File" };
    (kind, Some(node.id.to_string()))
}

/// A name within a folder: one line, no path separators, not `.` or `..`.
pub fn valid_name(field: &'static str, raw: &str) -> AppResult<String> {
    let name = validate::name(field, raw, MAX_NAME_CHARS)?;
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(AppError::bad_input(
            field,
            format!("{field} must not contain / or \\ nor be . or .."),
        ));
    }
    Ok(name)
}

/// The media type to record: the client's when it is a well-formed type, else guessed from
/// the name, else `application/octet-stream`.
fn media_type(filename: &str, declared: Option<&str>) -> String {
    let declared = declared
        .map(str::trim)
        .filter(|t| t.len() <= 127)
        .and_then(|t| t.parse::<mime::Mime>().ok())
        .filter(|m| *m != mime::APPLICATION_OCTET_STREAM);
    match declared {
        Some(m) => m.essence_str().to_owned(),
        None => mime_guess::from_path(filename)
            .first_or_octet_stream()
            .essence_str()
            .to_owned(),
    }
}

/// The viewer's node `id`; NOT_FOUND when it is not theirs (ids of others don't leak).
async fn owned(db: &impl sea_orm::ConnectionTrait, owner: Uuid, id: Uuid) -> AppResult<NodeModel> {
    repo::by_id(db, id)
        .await?
        .filter(|n| n.owner_id == owner)
        .ok_or(AppError::NotFound("file or folder"))
}

/// The viewer's folder `id`, or their root folder when none is given.
async fn owned_folder(
    db: &impl sea_orm::ConnectionTrait,
    owner: Uuid,
    id: Option<Uuid>,
    field: &'static str,
) -> AppResult<NodeModel> {
    let Some(id) = id else {
        return repo::ensure_root(db, owner).await;
    };
    let folder = repo::by_id(db, id)
        .await?
        .filter(|n| n.owner_id == owner)
        .ok_or(AppError::NotFound("folder"))?;
    if !folder.is_folder {
        return Err(AppError::bad_input(
            field,
            format!("{field} is not a folder"),
        ));
    }
    Ok(folder)
}

fn refuse_root(node: &NodeModel, what: &str) -> AppResult<()> {
    if node.parent_id.is_none() {
        return Err(AppError::bad_input(
            "id",
            format!("the root folder cannot be {what}"),
        ));
    }
    Ok(())
}

pub async fn create_folder(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    parent: Option<Uuid>,
    name: &str,
) -> AppResult<NodeModel> {
    let name = valid_name("name", name)?;
    let mut w = Write::begin(state, audit).await?;
    repo::lock_owner(w.db(), owner).await?;
    let parent = owned_folder(w.db(), owner, parent, "parentId").await?;
    let now = Utc::now();
    let folder = repo::insert(
        w.db(),
        NodeModel {
            id: Uuid::now_v7(),
            owner_id: owner,
            parent_id: Some(parent.id),
            is_folder: true,
            name,
            size: 0,
            mime_type: None,
            sha256: None,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    w.audit(
        FileAction::CreateFolder,
        subject(&folder),
        json!({"name": folder.name, "parentId": parent.id}),
    )
    .await?;
    w.commit().await?;
    Ok(folder)
}

/// Stores an uploaded file: content hashed into the store (kept once per content), the file
/// row, the owner's usage; refused past MAX_UPLOAD_BYTES or FILE_QUOTA_BYTES with nothing
/// kept.
pub async fn upload(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    folder: Option<Uuid>,
    upload: NewUpload,
) -> AppResult<NodeModel> {
    // Browsers send a bare name; some clients a path. Keep the last part.
    let base = upload
        .filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_owned();
    let name = valid_name("file", &base)?;
    let mime_type = media_type(&name, upload.content_type.as_deref());
    let config = &state.config.files;
    let store = ContentStore::new(&state.config.data_dir);
    let spooled = store.spool(upload.content, config.max_upload_bytes).await?;
    let (sha256, size) = (spooled.sha256.clone(), spooled.size);
    let size = i64::try_from(size).map_err(|_| too_large(config.max_upload_bytes))?;
    let quota = i64::try_from(config.file_quota_bytes).unwrap_or(i64::MAX);

    let mut w = Write::begin(state, audit).await?;
    repo::lock_owner(w.db(), owner).await?;
    let folder = owned_folder(w.db(), owner, folder, "folderId").await?;
    if !repo::reserve(w.db(), owner, size, quota).await? {
        return Err(quota_exceeded(config.file_quota_bytes));
    }
    // The blob row stays locked until the end: a concurrent delete of the last other file
    // with this content waits, and cannot remove what this upload relies on.
    repo::blob_acquire(w.db(), &sha256, size).await?;
    let placed = store.place(spooled, &state.db).await?;
    let now = Utc::now();
    let stored = async {
        let file = repo::insert(
            w.db(),
            NodeModel {
                id: Uuid::now_v7(),
                owner_id: owner,
                parent_id: Some(folder.id),
                is_folder: false,
                name,
                size,
                mime_type: Some(mime_type),
                sha256: Some(sha256.clone()),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
        w.audit(
            FileAction::Upload,
            subject(&file),
            json!({"name": file.name, "size": size, "sha256": sha256, "folderId": folder.id}),
        )
        .await?;
        w.commit().await?;
        Ok::<_, AppError>(file)
    }
    .await?;
    placed.keep();
    Ok(stored)
}

pub fn quota_exceeded(quota: u64) -> AppError {
    AppError::limit(
        Limit::StorageQuota,
        format!("this upload would exceed your storage quota of {quota} bytes (FILE_QUOTA_BYTES)"),
    )
}

pub async fn rename(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    id: Uuid,
    name: &str,
) -> AppResult<NodeModel> {
    let name = valid_name("name", name)?;
    let mut w = Write::begin(state, audit).await?;
    repo::lock_owner(w.db(), owner).await?;
    let node = owned(w.db(), owner, id).await?;
    refuse_root(&node, "renamed")?;
    let parent = node.parent_id.unwrap_or(node.id);
    let old = node.name.clone();
    let node = repo::relocate(w.db(), &node, parent, &name).await?;
    w.audit(
        FileAction::Rename,
        subject(&node),
        json!({"from": old, "to": node.name}),
    )
    .await?;
    w.commit().await?;
    Ok(node)
}

/// Moves a node into another of the owner's folders; a folder cannot go into itself or
/// anything under it.
pub async fn move_node(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    id: Uuid,
    folder: Uuid,
) -> AppResult<NodeModel> {
    let mut w = Write::begin(state, audit).await?;
    repo::lock_owner(w.db(), owner).await?;
    let node = owned(w.db(), owner, id).await?;
    refuse_root(&node, "moved")?;
    let target = owned_folder(w.db(), owner, Some(folder), "folderId").await?;
    if node.is_folder {
        let chain = repo::ancestors(w.db(), &[target.id]).await?;
        let inside = chain
            .get(&target.id)
            .is_some_and(|up| up.iter().any(|(ancestor, _, _)| *ancestor == node.id));
        if inside {
            return Err(AppError::bad_input(
                "folderId",
                "a folder cannot be moved into itself or one of its subfolders",
            ));
        }
    }
    let from = node.parent_id;
    let name = node.name.clone();
    let node = repo::relocate(w.db(), &node, target.id, &name).await?;
    w.audit(
        FileAction::Move,
        subject(&node),
        json!({"from": from, "to": target.id}),
    )
    .await?;
    w.commit().await?;
    Ok(node)
}

/// Deletes a file, or a folder with everything inside; frees the quota, and removes content
/// no file points at any more.
pub async fn delete(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    id: Uuid,
) -> AppResult<()> {
    let mut w = Write::begin(state, audit).await?;
    repo::lock_owner(w.db(), owner).await?;
    let node = owned(w.db(), owner, id).await?;
    refuse_root(&node, "deleted")?;
    let doomed = repo::subtree(w.db(), node.id).await?;
    let mut freed = 0i64;
    let mut blobs: HashMap<String, i64> = HashMap::new();
    for file in doomed.iter().filter(|n| !n.is_folder) {
        freed += file.size;
        if let Some(sha) = &file.sha256 {
            *blobs.entry(sha.clone()).or_default() += 1;
        }
    }
    repo::delete(w.db(), node.id).await?;
    repo::release(w.db(), owner, freed).await?;
    let gone = repo::blob_release(w.db(), &blobs).await?;
    w.audit(
        FileAction::Delete,
        subject(&node),
        json!({"name": node.name, "nodes": doomed.len(), "freedBytes": freed}),
    )
    .await?;
    w.commit().await?;
    // Only once the rows are gone for good (removed before the commit, a failed or dropped
    // commit would leave files without content); `reclaim` keeps content a concurrent upload
    // of the same bytes has taken up meanwhile. Dropped before this, the sweep takes it.
    let store = ContentStore::new(&state.config.data_dir);
    for sha in &gone {
        if let Err(e) = super::sweep::reclaim(&state.db, &store, sha).await {
            tracing::warn!(error = %e.message(), "removing deleted file content failed");
        }
    }
    Ok(())
}
