//! Files in GraphQL: the viewer's tree (`rootFolder`), search, storage usage, and the
//! mutations on folders and files, uploads included.

mod loaders;
mod mutation;
mod plan;
mod query;
mod types;

pub use loaders::{FileNodeById, FilesIn, FolderPath, FoldersIn};
pub use mutation::{FilesMutation, MUTATION_TAGS};
pub use query::FilesQuery;
pub use types::{File, FileConnection, Folder, StorageUsage};
