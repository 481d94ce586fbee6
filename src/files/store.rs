//! The content store: file content under `DATA_DIR/files`, named by its sha256
//! (`ab/abcdef…`), so identical content is kept once. Content is written to a temporary file
//! in the same directory tree, hashed on the way, and renamed into place: a reader never sees
//! a partial blob.

use std::path::{Path, PathBuf};

use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use tempfile::TempPath;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::platform::error::{AppError, AppResult, Limit};

#[derive(Debug, Clone)]
pub struct ContentStore {
    root: PathBuf,
}

/// Content copied into the store's temporary area and hashed, not yet in place. Dropped
/// without `place`, the temporary file is removed.
pub struct Spooled {
    path: TempPath,
    pub sha256: String,
    pub size: u64,
}

fn io_error(err: std::io::Error) -> AppError {
    AppError::internal(anyhow::Error::new(err).context("file store"))
}

pub fn too_large(max: u64) -> AppError {
    AppError::limit(
        Limit::UploadSize,
        format!("a file may be at most {max} bytes (MAX_UPLOAD_BYTES)"),
    )
}

impl ContentStore {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("files"),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where uploads are spooled while they arrive.
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        let prefix = sha256.get(..2).unwrap_or("__");
        self.root.join(prefix).join(sha256)
    }

    /// A new anonymous temporary file in the store's temporary area (gone when closed).
    pub fn temp_file(&self) -> AppResult<std::fs::File> {
        let dir = self.tmp_dir();
        std::fs::create_dir_all(&dir).map_err(io_error)?;
        tempfile::tempfile_in(&dir).map_err(io_error)
    }

    /// Copies `source` into the temporary area while hashing it; refuses (and keeps nothing)
    /// once it passes `max` bytes.
    pub async fn spool(&self, source: std::fs::File, max: u64) -> AppResult<Spooled> {
        let dir = self.tmp_dir();
        tokio::fs::create_dir_all(&dir).await.map_err(io_error)?;
        let named = tempfile::NamedTempFile::new_in(&dir).map_err(io_error)?;
        let (file, path) = named.into_parts();
        let mut out = tokio::fs::File::from_std(file);
        let mut input = tokio::fs::File::from_std(source);
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = input.read(&mut buf).await.map_err(io_error)?;
            if n == 0 {
                break;
            }
            size += n as u64;
            if size > max {
                return Err(too_large(max));
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).await.map_err(io_error)?;
        }
        out.flush().await.map_err(io_error)?;
        out.sync_all().await.map_err(io_error)?;
        Ok(Spooled {
            path,
            sha256: hex::encode(hasher.finalize()),
            size,
        })
    }

    /// Puts spooled content in place unless the same content is already there. The content
    /// this call placed goes again when the returned guard is dropped before `keep` (an
    /// error, or the request or job dropped midway): its row was never committed.
    pub async fn place(&self, spooled: Spooled, db: &DatabaseConnection) -> AppResult<Placed> {
        let target = self.blob_path(&spooled.sha256);
        if tokio::fs::try_exists(&target).await.map_err(io_error)? {
            return Ok(Placed(None));
        }
        if let Some(dir) = target.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(io_error)?;
        }
        // One rename, done here rather than on a blocking thread: dropped while awaiting
        // that thread, the content would land in place with no guard to take it back.
        spooled
            .path
            .persist(&target)
            .map_err(|e| io_error(e.error))?;
        Ok(Placed(Some((self.clone(), spooled.sha256, db.clone()))))
    }

    /// Removes a blob's content; a missing one is not an error.
    pub async fn remove(&self, sha256: &str) {
        let path = self.blob_path(sha256);
        if let Err(err) = tokio::fs::remove_file(&path).await
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %err, path = %path.display(), "could not remove file content");
        }
    }
}

/// Content `place` put in the store, taken back on drop unless kept.
#[must_use = "dropping it removes the content"]
pub struct Placed(Option<(ContentStore, String, DatabaseConnection)>);

impl Placed {
    /// The row pointing at the content is committed: it stays.
    pub fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Placed {
    /// Dropped during its commit, the write may have landed: the content goes only once the
    /// database says no file points at it (`reclaim`), after the transaction has ended.
    fn drop(&mut self) {
        let Some((store, sha256, db)) = self.0.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime (the process is ending): the next sweep takes it.
            return;
        };
        runtime.spawn(async move {
            if let Err(e) = super::sweep::reclaim(&db, &store, &sha256).await {
                tracing::warn!(error = %e.message(), "taking back unused file content failed");
            }
        });
    }
}
