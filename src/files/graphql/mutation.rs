use async_graphql::{Context, ID, InputObject, Object, Result, Upload};
use uuid::Uuid;

use super::types::{File, Folder};
use crate::{
    files::{self, NewUpload, NodeModel},
    graphql::{
        context::ContextExt,
        ids,
        node::{Node, NodeType},
    },
    platform::error::AppError,
};

/// Cache tags each mutation writes (the registry tests hold every Mutation field to this).
pub const MUTATION_TAGS: &[(&str, &[&str])] = &[
    ("createFolder", &["Folder", "Event"]),
    ("uploadFile", &["File", "Folder", "StorageUsage", "Event"]),
    ("renameNode", &["File", "Folder", "Event"]),
    ("moveNode", &["File", "Folder", "Event"]),
    ("deleteNode", &["File", "Folder", "StorageUsage", "Event"]),
];

#[derive(InputObject)]
pub struct CreateFolderInput {
    /// Omitted: the root folder.
    pub parent_id: Option<ID>,
    /// 1–255 characters, one line, no `/` or `\`.
    pub name: String,
}

#[derive(InputObject)]
pub struct UploadFileInput {
    /// Omitted: the root folder.
    pub folder_id: Option<ID>,
    /// A part of a multipart request (GraphQL multipart request spec); its file name names
    /// the file.
    pub file: Upload,
}

#[derive(InputObject)]
pub struct RenameInput {
    pub id: ID,
    pub name: String,
}

#[derive(InputObject)]
pub struct MoveInput {
    pub id: ID,
    /// The destination folder.
    pub folder_id: ID,
}

#[derive(InputObject)]
pub struct DeleteNodeInput {
    pub id: ID,
}

fn folder_id(id: &ID, field: &'static str) -> Result<Uuid, AppError> {
    match ids::decode(id, field)? {
        (NodeType::Folder, uuid) => Ok(uuid),
        _ => Err(AppError::bad_input(
            field,
            format!("{field} is not a folder id"),
        )),
    }
}

fn node_id(id: &ID) -> Result<Uuid, AppError> {
    match ids::decode(id, "id")? {
        (NodeType::Folder | NodeType::File, uuid) => Ok(uuid),
        _ => Err(AppError::bad_input("id", "id is not a file or folder id")),
    }
}

fn as_node(model: NodeModel) -> Node {
    if model.is_folder {
        Node::Folder(Folder(model))
    } else {
        Node::File(File(model))
    }
}

#[derive(Default)]
pub struct FilesMutation;

#[Object]
impl FilesMutation {
    /// A new folder; its name must be free in the parent.
    async fn create_folder(&self, ctx: &Context<'_>, input: CreateFolderInput) -> Result<Folder> {
        let viewer = ctx.viewer()?.require()?;
        let parent = input
            .parent_id
            .as_ref()
            .map(|id| folder_id(id, "parentId"))
            .transpose()?;
        let folder = files::create_folder(
            ctx.state()?,
            &ctx.audit(),
            viewer.user.id,
            parent,
            &input.name,
        )
        .await?;
        Ok(Folder(folder))
    }

    /// Stores an uploaded file (multipart request with a preflight header). Refused past
    /// MAX_UPLOAD_BYTES or the storage quota, keeping nothing.
    async fn upload_file(&self, ctx: &Context<'_>, input: UploadFileInput) -> Result<File> {
        let viewer = ctx.viewer()?.require()?;
        let folder = input
            .folder_id
            .as_ref()
            .map(|id| folder_id(id, "folderId"))
            .transpose()?;
        let value = input
            .file
            .value(ctx)
            .map_err(|_| AppError::bad_input("file", "file is not an uploaded file"))?;
        let upload = NewUpload {
            filename: value.filename,
            content_type: value.content_type,
            content: value.content,
        };
        let file =
            files::upload(ctx.state()?, &ctx.audit(), viewer.user.id, folder, upload).await?;
        Ok(File(file))
    }

    /// Renames a file or folder; the name must be free in its folder.
    async fn rename_node(&self, ctx: &Context<'_>, input: RenameInput) -> Result<Node> {
        let viewer = ctx.viewer()?.require()?;
        let id = node_id(&input.id)?;
        let node =
            files::rename(ctx.state()?, &ctx.audit(), viewer.user.id, id, &input.name).await?;
        Ok(as_node(node))
    }

    /// Moves a file or folder into another folder (never into itself or below itself).
    async fn move_node(&self, ctx: &Context<'_>, input: MoveInput) -> Result<Node> {
        let viewer = ctx.viewer()?.require()?;
        let id = node_id(&input.id)?;
        let target = folder_id(&input.folder_id, "folderId")?;
        let node = files::move_node(ctx.state()?, &ctx.audit(), viewer.user.id, id, target).await?;
        Ok(as_node(node))
    }

    /// Deletes a file, or a folder with everything inside; frees its bytes of the quota.
    async fn delete_node(&self, ctx: &Context<'_>, input: DeleteNodeInput) -> Result<bool> {
        let viewer = ctx.viewer()?.require()?;
        let id = node_id(&input.id)?;
        files::delete(ctx.state()?, &ctx.audit(), viewer.user.id, id).await?;
        Ok(true)
    }
}
