//! What BlackStream records in the audit log.

crate::audit_actions! {
    pub enum VideoAction {
        Publish = "video.publish" writes ["Video"],
        Update = "video.update" writes ["Video"],
        Delete = "video.delete" writes ["Video"],
        View = "video.view" writes ["Video"],
        React = "video.react" writes ["Video"],
    }
}
