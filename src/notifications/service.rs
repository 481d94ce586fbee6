//! Creating notifications on another domain's write path, and reading them as read.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::{NotificationAction, NotificationAdded, NotificationModel, repo};
use crate::{
    audit::AuditContext,
    platform::{error::AppResult, write::Write},
    state::AppState,
};

/// Cache tag of everything notifications show.
const TAG: &str = "Notification";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    MailReceived,
    NewFollower,
    PostLiked,
    PostCommented,
    TransferReceived,
    TransferConfirmed,
    JobFinished,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::MailReceived,
        Kind::NewFollower,
        Kind::PostLiked,
        Kind::PostCommented,
        Kind::TransferReceived,
        Kind::TransferConfirmed,
        Kind::JobFinished,
    ];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::MailReceived => "mail_received",
            Kind::NewFollower => "new_follower",
            Kind::PostLiked => "post_liked",
            Kind::PostCommented => "post_commented",
            Kind::TransferReceived => "transfer_received",
            Kind::TransferConfirmed => "transfer_confirmed",
            Kind::JobFinished => "job_finished",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == stored)
    }
}

/// A notification to create. `subject` names the node it is about: a node type name
/// (`"Post"`, `"Transaction"`, …) and its id.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub recipient: Uuid,
    pub kind: Kind,
    pub title: String,
    pub body: Option<String>,
    pub subject: Option<(&'static str, Uuid)>,
}

/// Creates the notification in `w`'s transaction and announces it after the commit; nothing
/// when the recipient is the one acting (your own action on your own things).
pub async fn notify(
    w: &mut Write<'_>,
    new: NewNotification,
) -> AppResult<Option<NotificationModel>> {
    if w.actor() == Some(new.recipient) {
        return Ok(None);
    }
    let model = repo::insert(
        w.db(),
        NotificationModel {
            id: Uuid::now_v7(),
            user_id: new.recipient,
            kind: new.kind.as_str().to_owned(),
            title: new.title,
            body: new.body,
            subject_type: new.subject.map(|(t, _)| t.to_owned()),
            subject_id: new.subject.map(|(_, id)| id),
            is_read: false,
            created_at: Utc::now(),
        },
    )
    .await?;
    w.publish(NotificationAdded::from(&model));
    w.touch(&[TAG]);
    Ok(Some(model))
}

/// Marks the viewer's notifications read (`ids`, or all); how many changed.
pub async fn mark_read(
    state: &AppState,
    audit: &AuditContext,
    user_id: Uuid,
    ids: Option<Vec<Uuid>>,
) -> AppResult<u64> {
    let mut w = Write::begin(state, audit).await?;
    let changed = repo::mark_read(w.db(), user_id, ids.as_deref()).await?;
    w.audit(
        NotificationAction::MarkRead,
        ("Notification", None),
        json!({"count": changed, "all": ids.is_none()}),
    )
    .await?;
    w.commit().await?;
    Ok(changed)
}
