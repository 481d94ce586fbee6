//! Mail rules on the write path. A sending writes one copy for the sender (SENT) and one per
//! recipient (INBOX), the recipients' notifications, and one audit event, in one unit of work;
//! every later change touches only the acting owner's copies.

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::{MailAction, MailModel, MailReceived, repo};
use crate::{
    audit::AuditContext,
    notifications::{self, Kind, NewNotification},
    platform::{
        error::{AppError, AppResult},
        validate,
        write::Write,
    },
    state::AppState,
    users::{UserEntity, UserModel, entity as user},
};

/// Recipients of one sending.
pub const MAX_RECIPIENTS: usize = 50;
pub const MAX_SUBJECT_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 20_000;
/// Longest search string.
pub const MAX_SEARCH_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    Inbox,
    Sent,
    Archive,
    Trash,
}

impl Folder {
    pub const ALL: &'static [Folder] =
        &[Folder::Inbox, Folder::Sent, Folder::Archive, Folder::Trash];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Folder::Inbox => "inbox",
            Folder::Sent => "sent",
            Folder::Archive => "archive",
            Folder::Trash => "trash",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.as_str() == stored)
    }

    /// Received copies live in INBOX, sent ones in SENT; either may be archived or trashed.
    fn admits(self, copy: &MailModel) -> bool {
        match self {
            Folder::Inbox => !copy.outgoing,
            Folder::Sent => copy.outgoing,
            Folder::Archive | Folder::Trash => true,
        }
    }
}

/// A message to send, as given.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
    /// One of the sender's copies.
    pub in_reply_to: Option<Uuid>,
}

/// A recipient that is not an (active) account; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRecipient(pub String);

/// The search string as matched: trimmed, lower-cased; empty means no search.
pub fn search_needle(raw: Option<&str>) -> AppResult<Option<String>> {
    let Some(value) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::bad_input(
            "search",
            format!("search must be at most {MAX_SEARCH_CHARS} characters"),
        ));
    }
    Ok(Some(value.to_lowercase()))
}

/// The usernames in order, lower-cased and without repeats.
fn recipient_names(to: &[String]) -> AppResult<Vec<String>> {
    if to.is_empty() || to.len() > MAX_RECIPIENTS {
        return Err(AppError::bad_input(
            "to",
            format!("give 1 to {MAX_RECIPIENTS} recipients"),
        ));
    }
    let mut seen = HashSet::new();
    let mut names = Vec::new();
    for raw in to {
        let name = raw.trim().to_lowercase();
        if name.is_empty() {
            return Err(AppError::bad_input("to", "a recipient's username is empty"));
        }
        if seen.insert(name.clone()) {
            names.push(name);
        }
    }
    Ok(names)
}

async fn resolve(
    db: &impl ConnectionTrait,
    names: &[String],
) -> AppResult<Result<Vec<UserModel>, UnknownRecipient>> {
    let found = UserEntity::find()
        .filter(user::Column::Username.is_in(names.iter().cloned()))
        .filter(user::Column::IsActive.eq(true))
        .all(db)
        .await?;
    let mut users = Vec::with_capacity(names.len());
    for name in names {
        match found.iter().find(|u| &u.username == name) {
            Some(u) => users.push(u.clone()),
            None => return Ok(Err(UnknownRecipient(name.clone()))),
        }
    }
    Ok(Ok(users))
}

/// Sends `mail` from `sender`; answers the sender's copy. An unknown recipient sends nothing.
pub async fn send(
    state: &AppState,
    audit: &AuditContext,
    sender: &UserModel,
    mail: NewMail,
) -> AppResult<Result<MailModel, UnknownRecipient>> {
    let names = recipient_names(&mail.to)?;
    let subject = validate::name("subject", &mail.subject, MAX_SUBJECT_CHARS)?;
    let body = validate::text("body", &mail.body, MAX_BODY_CHARS)?;
    let (thread_key, in_reply_to_key) = match mail.in_reply_to {
        None => (None, None),
        Some(id) => {
            let parent = repo::owned(&state.db, sender.id, &[id])
                .await?
                .into_iter()
                .next()
                .ok_or(AppError::NotFound("mail message to reply to"))?;
            (Some(parent.thread_key), Some(parent.message_key))
        }
    };
    let recipients = match resolve(&state.db, &names).await? {
        Ok(users) => users,
        Err(unknown) => return Ok(Err(unknown)),
    };

    let message_key = Uuid::now_v7();
    let sent_at = Utc::now();
    let search_text = format!("{subject}\n{body}").to_lowercase();
    let copy = |owner: Uuid, folder: Folder, outgoing: bool| MailModel {
        id: Uuid::now_v7(),
        owner_id: owner,
        sender_id: sender.id,
        message_key,
        thread_key: thread_key.unwrap_or(message_key),
        in_reply_to_key,
        subject: subject.clone(),
        body: body.clone(),
        search_text: search_text.clone(),
        folder: folder.as_str().to_owned(),
        outgoing,
        is_read: outgoing,
        sent_at,
    };
    let mut copies = vec![copy(sender.id, Folder::Sent, true)];
    copies.extend(recipients.iter().map(|r| copy(r.id, Folder::Inbox, false)));
    let recipient_ids: Vec<Uuid> = recipients.iter().map(|r| r.id).collect();

    let mut w = Write::begin(state, audit).await?;
    repo::insert_copies(w.db(), &copies).await?;
    repo::insert_recipients(w.db(), message_key, &recipient_ids).await?;
    for received in &copies[1..] {
        notifications::notify(
            &mut w,
            NewNotification {
                recipient: received.owner_id,
                kind: Kind::MailReceived,
                title: format!("Mail from {}", sender.username),
                body: Some(received.subject.clone()),
                subject: Some(("MailMessage", received.id)),
            },
        )
        .await?;
        w.publish(MailReceived::from(received));
    }
    w.audit(
        MailAction::Send,
        ("MailMessage", Some(copies[0].id.to_string())),
        json!({"to": names, "inReplyTo": in_reply_to_key}),
    )
    .await?;
    w.commit().await?;
    Ok(Ok(copies.swap_remove(0)))
}

/// The owner's copies among `ids` (without repeats); NOT_FOUND unless all of them are.
async fn own_all(state: &AppState, owner: Uuid, ids: &[Uuid]) -> AppResult<Vec<MailModel>> {
    let found = repo::owned(&state.db, owner, ids).await?;
    if found.len() != ids.len() {
        return Err(AppError::NotFound("mail message"));
    }
    Ok(found)
}

/// Ends `w` with NOT_FOUND when a copy went away between reading and writing.
async fn expect_changed(w: Write<'_>, changed: u64, expected: usize) -> AppResult<Write<'_>> {
    if changed == expected as u64 {
        return Ok(w);
    }
    w.rollback().await?;
    Err(AppError::NotFound("mail message"))
}

fn subject_of(ids: &[Uuid]) -> (&'static str, Option<String>) {
    match ids {
        [one] => ("MailMessage", Some(one.to_string())),
        _ => ("MailMessage", None),
    }
}

/// Marks the owner's copies read or unread; all of `ids` must be theirs.
pub async fn mark_read(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    ids: &[Uuid],
    read: bool,
) -> AppResult<Vec<MailModel>> {
    let mut copies = own_all(state, owner, ids).await?;
    let w = Write::begin(state, audit).await?;
    let changed = repo::set_read(w.db(), owner, ids, read).await?;
    let mut w = expect_changed(w, changed, ids.len()).await?;
    w.audit(
        MailAction::MarkRead,
        subject_of(ids),
        json!({"count": ids.len(), "read": read}),
    )
    .await?;
    w.commit().await?;
    for copy in &mut copies {
        copy.is_read = read;
    }
    Ok(copies)
}

/// Moves the owner's copies to `folder`; all of `ids` must be theirs and fit it.
pub async fn move_to(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    ids: &[Uuid],
    folder: Folder,
) -> AppResult<Vec<MailModel>> {
    let mut copies = own_all(state, owner, ids).await?;
    if !copies.iter().all(|c| folder.admits(c)) {
        return Err(AppError::bad_input(
            "folder",
            "received mail cannot go to SENT, nor sent mail to INBOX",
        ));
    }
    let w = Write::begin(state, audit).await?;
    let changed = repo::set_folder(w.db(), owner, ids, folder.as_str()).await?;
    let mut w = expect_changed(w, changed, ids.len()).await?;
    w.audit(
        MailAction::Move,
        subject_of(ids),
        json!({"count": ids.len(), "folder": folder.as_str()}),
    )
    .await?;
    w.commit().await?;
    for copy in &mut copies {
        copy.folder = folder.as_str().to_owned();
    }
    Ok(copies)
}

/// Moves the owner's copies to TRASH, and deletes those already there; how many changed.
pub async fn delete(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    ids: &[Uuid],
) -> AppResult<u64> {
    let copies = own_all(state, owner, ids).await?;
    let trash = Folder::Trash.as_str();
    let (gone, trashed): (Vec<Uuid>, Vec<Uuid>) = {
        let (g, t): (Vec<&MailModel>, Vec<&MailModel>) =
            copies.iter().partition(|c| c.folder == trash);
        (
            g.iter().map(|c| c.id).collect(),
            t.iter().map(|c| c.id).collect(),
        )
    };
    let w = Write::begin(state, audit).await?;
    let mut changed = 0;
    if !trashed.is_empty() {
        changed += repo::set_folder(w.db(), owner, &trashed, trash).await?;
    }
    if !gone.is_empty() {
        changed += repo::delete(w.db(), owner, &gone).await?;
    }
    let mut w = expect_changed(w, changed, ids.len()).await?;
    w.audit(
        MailAction::Delete,
        subject_of(ids),
        json!({"trashed": trashed.len(), "deleted": gone.len()}),
    )
    .await?;
    w.commit().await?;
    Ok(changed)
}

/// Unread mail in the user's INBOX (one statement; the dashboard's `unreadMail`).
pub async fn unread_count(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<u64> {
    repo::unread_count(db, user_id, Folder::Inbox.as_str()).await
}
