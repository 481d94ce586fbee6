//! What the mail domain records in the audit log.

crate::audit_actions! {
    pub enum MailAction {
        Send = "mail.send" writes ["MailMessage"],
        MarkRead = "mail.mark_read" writes ["MailMessage"],
        Move = "mail.move" writes ["MailMessage"],
        Delete = "mail.delete" writes ["MailMessage"],
    }
}
