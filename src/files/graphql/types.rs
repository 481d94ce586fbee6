use async_graphql::{
    Context, ID, Object, Result,
    connection::{Connection, Edge, EmptyFields},
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::loaders::{FileNodeById, FilesIn, FilesKey, FolderPath, FoldersIn};
use crate::{
    files::{self, NodeModel},
    graphql::{
        context::ContextExt,
        node::{NodeObject, NodeType},
    },
    platform::{
        error::AppError,
        paging::{self, encode_cursor},
    },
};

/// Cursor kinds: a folder's files are keyed by name, search results by id.
pub const FOLDER_FILES_CURSOR: &str = "ffl";
pub const SEARCH_CURSOR: &str = "fsr";

/// The viewer's node `id` of the wanted kind; `None` for anyone else's (owner-only).
async fn visible(ctx: &Context<'_>, id: Uuid, folder: bool) -> Result<Option<NodeModel>> {
    let Some(user) = ctx.viewer()?.user() else {
        return Ok(None);
    };
    let me = user.user.id;
    let node = ctx.loader::<FileNodeById>()?.load_one(id).await?;
    Ok(node.filter(|n| n.owner_id == me && n.is_folder == folder))
}

/// A parent folder through the loader (the same owner's, by construction of the tree).
async fn folder_of(ctx: &Context<'_>, parent: Option<Uuid>) -> Result<Option<Folder>> {
    let Some(parent) = parent else {
        return Ok(None);
    };
    let found = ctx.loader::<FileNodeById>()?.load_one(parent).await?;
    Ok(found.map(Folder))
}

/// A folder of the viewer's tree. The root folder has no parent, an empty name and the path `/`.
pub struct Folder(pub NodeModel);

impl NodeObject for Folder {
    const KIND: NodeType = NodeType::Folder;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        Ok(visible(ctx, id, true).await?.map(Folder))
    }
}

#[Object(cache_control(max_age = 10, private))]
impl Folder {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Null for the root folder.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Folder>> {
        folder_of(ctx, self.0.parent_id).await
    }

    /// From the root: `/`, `/photos`, `/photos/2026`.
    async fn path(&self, ctx: &Context<'_>) -> Result<String> {
        let path = ctx.loader::<FolderPath>()?.load_one(self.0.id).await?;
        path.ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("folder {} has no path", self.0.id)).into()
        })
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Sub-folders, by name.
    async fn folders(&self, ctx: &Context<'_>) -> Result<Vec<Folder>> {
        let found = ctx.loader::<FoldersIn>()?.load_one(self.0.id).await?;
        Ok(found.unwrap_or_default().into_iter().map(Folder).collect())
    }

    /// The files directly in this folder, by name.
    #[graphql(complexity = "crate::platform::paging::cost(first, None, child_complexity)")]
    async fn files(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<FileConnection> {
        let page = paging::forward::<String>(FOLDER_FILES_CURSOR, first, after.as_deref())?;
        let key = FilesKey {
            folder: self.0.id,
            limit: page.limit + 1,
            after: page.cursor.clone(),
        };
        let rows = ctx
            .loader::<FilesIn>()?
            .load_one(key)
            .await?
            .unwrap_or_default();
        let (rows, more) = paging::split_page(rows, page.limit);
        super::plan::files_in(ctx, &self.0)?;
        Ok(file_connection(rows, more, page.cursor.is_some(), |f| {
            encode_cursor(FOLDER_FILES_CURSOR, &f.name)
        }))
    }
}

/// A stored file of the viewer's. Its content is at `downloadUrl` (with the bearer token).
pub struct File(pub NodeModel);

impl NodeObject for File {
    const KIND: NodeType = NodeType::File;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        Ok(visible(ctx, id, false).await?.map(File))
    }
}

#[Object(cache_control(max_age = 10, private))]
impl File {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn folder(&self, ctx: &Context<'_>) -> Result<Option<Folder>> {
        folder_of(ctx, self.0.parent_id).await
    }

    /// Bytes.
    async fn size(&self) -> i32 {
        i32::try_from(self.0.size).unwrap_or(i32::MAX)
    }

    async fn mime_type(&self) -> &str {
        self.0
            .mime_type
            .as_deref()
            .unwrap_or("application/octet-stream")
    }

    /// Hex sha256 of the content; also the download's ETag.
    async fn sha256(&self) -> &str {
        self.0.sha256.as_deref().unwrap_or_default()
    }

    /// `GET` it with `Authorization: Bearer …`; honours `Range` and `If-None-Match`.
    async fn download_url(&self) -> String {
        format!("/files/{}", Self::node_id(self.0.id).0)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub type FileConnection = Connection<String, File, EmptyFields>;

pub fn file_connection(
    rows: Vec<NodeModel>,
    has_next: bool,
    has_previous: bool,
    cursor: impl Fn(&NodeModel) -> String,
) -> FileConnection {
    let mut connection = Connection::new(has_previous, has_next);
    connection
        .edges
        .extend(rows.into_iter().map(|f| Edge::new(cursor(&f), File(f))));
    connection
}

/// Bytes the viewer's files take and may take. (GraphQL `Int` is 32-bit: figures above 2 GiB
/// read as 2147483647.)
pub struct StorageUsage(pub files::StorageUsage);

#[Object(cache_control(max_age = 10, private))]
impl StorageUsage {
    async fn used_bytes(&self) -> i32 {
        i32::try_from(self.0.used_bytes).unwrap_or(i32::MAX)
    }

    async fn quota_bytes(&self) -> i32 {
        i32::try_from(self.0.quota_bytes).unwrap_or(i32::MAX)
    }
}
