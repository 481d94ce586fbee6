//! What the files domain records in the audit log.

crate::audit_actions! {
    pub enum FileAction {
        CreateFolder = "files.create_folder" writes ["Folder"],
        Upload = "files.upload" writes ["File", "Folder", "StorageUsage"],
        /// A file the server made for its owner (a job's wallet statement).
        Generate = "files.generate" writes ["File", "Folder", "StorageUsage"],
        Rename = "files.rename" writes ["File", "Folder"],
        Move = "files.move" writes ["File", "Folder"],
        Delete = "files.delete" writes ["File", "Folder", "StorageUsage"],
    }
}
