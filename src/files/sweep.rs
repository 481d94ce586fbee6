//! Content no file points at. Uploads and generated files write under a temporary name and
//! take their content back on every failure, cancel or dropped request (`store::Placed`);
//! what a killed process leaves behind goes in a sweep at startup and every
//! `FILE_ORPHAN_AGE_SECS`: temporary files and unreferenced content older than that.

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use super::store::ContentStore;
use crate::{
    platform::{error::AppResult, sql::SqlBuilder},
    state::AppState,
};

/// Content hashes looked up per statement.
const CHUNK: usize = 500;

/// Removes `sha256`'s content if no file points at it, race-free: a placeholder blob row
/// (rolled back afterwards) holds the row's lock while the content goes, so an upload of the
/// same content waits for it and then writes the content again. False when a file (or a
/// write in flight) holds the content.
pub async fn reclaim(
    db: &DatabaseConnection,
    store: &ContentStore,
    sha256: &str,
) -> AppResult<bool> {
    let tx = db.begin().await?;
    let claimed = tx
        .execute_raw(
            SqlBuilder::new(tx.get_database_backend())
                .push("INSERT INTO file_blobs (sha256, size, ref_count, created_at) VALUES (")
                .bind(sha256.to_owned())
                .push(", 0, 0, ")
                .bind(Utc::now())
                .push(") ON CONFLICT (sha256) DO NOTHING")
                .build(),
        )
        .await?
        .rows_affected()
        == 1;
    if claimed {
        store.remove(sha256).await;
    }
    tx.rollback().await?;
    Ok(claimed)
}

/// What one sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub content: u64,
    pub temporary: u64,
}

fn old_enough(path: &Path, cutoff: SystemTime) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|modified| modified <= cutoff)
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// Temporary files and content files (by hash) older than `cutoff`.
fn candidates(store: &ContentStore, cutoff: SystemTime) -> (Vec<PathBuf>, Vec<String>) {
    let temporary = files_in(&store.tmp_dir())
        .into_iter()
        .filter(|p| p.is_file() && old_enough(p, cutoff))
        .collect();
    let mut content = Vec::new();
    for dir in files_in(store.root()) {
        if dir == store.tmp_dir() || !dir.is_dir() {
            continue;
        }
        for path in files_in(&dir) {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let is_hash = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
            if is_hash && store.blob_path(name) == path && old_enough(&path, cutoff) {
                content.push(name.to_owned());
            }
        }
    }
    (temporary, content)
}

/// One sweep: temporary files and content no file points at, older than `age`.
pub async fn sweep(state: &AppState, age: Duration) -> AppResult<Swept> {
    let store = ContentStore::new(&state.config.data_dir);
    let cutoff = SystemTime::now()
        .checked_sub(age)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let scan = store.clone();
    let (temporary, content) = tokio::task::spawn_blocking(move || candidates(&scan, cutoff))
        .await
        .unwrap_or_default();
    let mut swept = Swept::default();
    for path in temporary {
        if tokio::fs::remove_file(&path).await.is_ok() {
            swept.temporary += 1;
        }
    }
    for chunk in content.chunks(CHUNK) {
        let known = SqlBuilder::new(state.db.get_database_backend())
            .push("SELECT sha256 FROM file_blobs WHERE sha256 IN ")
            .bind_list(chunk.iter().cloned())
            .all(&state.db)
            .await?;
        let known: Vec<String> = known
            .iter()
            .filter_map(|r| r.try_get::<String>("", "sha256").ok())
            .collect();
        for sha256 in chunk.iter().filter(|s| !known.contains(s)) {
            if reclaim(&state.db, &store, sha256).await? {
                swept.content += 1;
            }
        }
    }
    Ok(swept)
}

/// Sweeps at once, then every `FILE_ORPHAN_AGE_SECS`, until the task is aborted.
pub fn start_sweeper(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let age = Duration::from_secs(state.config.files.file_orphan_age_secs);
        loop {
            match sweep(&state, age).await {
                Ok(swept) if swept != Swept::default() => tracing::info!(
                    content = swept.content,
                    temporary = swept.temporary,
                    "removed orphaned file content"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e.message(), "sweeping file content failed"),
            }
            tokio::time::sleep(age.max(Duration::from_secs(1))).await;
        }
    })
}
