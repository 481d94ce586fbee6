use async_graphql::{Context, Object, Result};
use uuid::Uuid;

use super::types::{FileConnection, Folder, SEARCH_CURSOR, StorageUsage, file_connection};
use crate::{
    files::{self, MAX_NAME_CHARS},
    graphql::context::ContextExt,
    platform::{error::AppError, paging},
};

#[derive(Default)]
pub struct FilesQuery;

#[Object]
impl FilesQuery {
    /// The top of the viewer's tree (created on first use).
    #[graphql(cache_control(max_age = 10, private))]
    async fn root_folder(&self, ctx: &Context<'_>) -> Result<Folder> {
        let viewer = ctx.viewer()?.require()?;
        let root = files::ensure_root(&ctx.state()?.db, viewer.user.id).await?;
        Ok(Folder(root))
    }

    /// The viewer's files whose name contains `name` (case-insensitively), newest first.
    #[graphql(
        cache_control(max_age = 10, private),
        complexity = "crate::platform::paging::cost(first, None, child_complexity)"
    )]
    async fn file_search(
        &self,
        ctx: &Context<'_>,
        name: String,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<FileConnection> {
        let viewer = ctx.viewer()?.require()?;
        let needle = name.trim();
        if needle.is_empty() || needle.chars().count() > MAX_NAME_CHARS {
            return Err(AppError::bad_input(
                "name",
                format!("name must be 1 to {MAX_NAME_CHARS} characters"),
            )
            .into());
        }
        let page = paging::forward::<Uuid>(SEARCH_CURSOR, first, after.as_deref())?;
        let (rows, more) = files::search(&ctx.state()?.db, viewer.user.id, needle, &page).await?;
        super::plan::files(ctx, &rows).await?;
        Ok(file_connection(rows, more, page.cursor.is_some(), |f| {
            paging::encode_cursor(SEARCH_CURSOR, f.id)
        }))
    }

    /// Bytes the viewer's files take, and the quota.
    #[graphql(cache_control(max_age = 10, private))]
    async fn storage_usage(&self, ctx: &Context<'_>) -> Result<StorageUsage> {
        let viewer = ctx.viewer()?.require()?;
        let state = ctx.state()?;
        let usage = files::storage_usage(state, &state.db, viewer.user.id).await?;
        Ok(StorageUsage(usage))
    }
}
