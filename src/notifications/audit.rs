//! What the notifications domain records in the audit log.

crate::audit_actions! {
    pub enum NotificationAction {
        MarkRead = "notification.mark_read" writes ["Notification"],
    }
}
