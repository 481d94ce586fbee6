use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::files::{self, NodeModel};

crate::db_loader! {
    /// Files and folders by id, one statement per batch.
    pub FileNodeById
}

impl Loader<Uuid> for FileNodeById {
    type Value = NodeModel;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(files::by_ids(&self.0, ids).await?)
    }
}

crate::db_loader! {
    /// The sub-folders of each folder, one statement per batch.
    pub FoldersIn
}

impl Loader<Uuid> for FoldersIn {
    type Value = Vec<NodeModel>;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(files::folders_in(&self.0, ids).await?)
    }
}

/// One page of one folder's files: `limit` rows (one more than asked, to know whether more
/// follow) after the name `after`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FilesKey {
    pub folder: Uuid,
    pub limit: u64,
    pub after: Option<String>,
}

crate::db_loader! {
    /// Pages of files of many folders: one statement per distinct page shape.
    pub FilesIn
}

impl Loader<FilesKey> for FilesIn {
    type Value = Vec<NodeModel>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[FilesKey]) -> Result<HashMap<FilesKey, Self::Value>, Self::Error> {
        let mut shapes: HashMap<(u64, Option<String>), Vec<Uuid>> = HashMap::new();
        for key in keys {
            shapes
                .entry((key.limit, key.after.clone()))
                .or_default()
                .push(key.folder);
        }
        let mut out = HashMap::new();
        for ((limit, after), folders) in shapes {
            let mut pages = files::files_in(&self.0, &folders, limit, after.as_deref()).await?;
            for folder in folders {
                let key = FilesKey {
                    folder,
                    limit,
                    after: after.clone(),
                };
                out.insert(key, pages.remove(&folder).unwrap_or_default());
            }
        }
        Ok(out)
    }
}

crate::db_loader! {
    /// Folder paths (`/a/b`), one recursive statement per batch.
    pub FolderPath
}

impl Loader<Uuid> for FolderPath {
    type Value = String;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let chains = files::ancestors(&self.0, ids).await?;
        Ok(chains
            .into_iter()
            .map(|(id, chain)| {
                let names: Vec<&str> = chain
                    .iter()
                    .rev()
                    .filter(|(_, _, is_root)| !is_root)
                    .map(|(_, name, _)| name.as_str())
                    .collect();
                (id, format!("/{}", names.join("/")))
            })
            .collect())
    }
}
