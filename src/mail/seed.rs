//! Demo mail for `blackroad-api seed`: short conversations between neighbouring demo users.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{Folder, MailModel, repo};
use crate::platform::error::AppResult;

/// Users that get demo mail (the first ones); each writes to the next, who answers.
const CONVERSATIONS: usize = 20;

struct Sending<'a> {
    from: Uuid,
    to: Uuid,
    subject: &'a str,
    body: &'a str,
    thread: Uuid,
    reply_to: Option<Uuid>,
    at: DateTime<Utc>,
}

async fn deliver(db: &impl ConnectionTrait, s: Sending<'_>) -> AppResult<Uuid> {
    let key = Uuid::now_v7();
    let copy = |owner: Uuid, folder: Folder, outgoing: bool| MailModel {
        id: Uuid::now_v7(),
        owner_id: owner,
        sender_id: s.from,
        message_key: key,
        thread_key: if s.reply_to.is_some() { s.thread } else { key },
        in_reply_to_key: s.reply_to,
        subject: s.subject.to_owned(),
        body: s.body.to_owned(),
        search_text: format!("{}\n{}", s.subject, s.body).to_lowercase(),
        folder: folder.as_str().to_owned(),
        outgoing,
        is_read: outgoing,
        sent_at: s.at,
    };
    let copies = [
        copy(s.from, Folder::Sent, true),
        copy(s.to, Folder::Inbox, false),
    ];
    repo::insert_copies(db, &copies).await?;
    repo::insert_recipients(db, key, &[s.to]).await?;
    Ok(key)
}

/// Writes the demo conversations; how many messages were sent.
pub async fn seed_demo(
    db: &impl ConnectionTrait,
    users: &[Uuid],
    start: DateTime<Utc>,
) -> AppResult<usize> {
    let mut sent = 0;
    for (i, pair) in users.windows(2).take(CONVERSATIONS).enumerate() {
        let at = start + Duration::minutes(i as i64 * 10);
        let first = deliver(
            db,
            Sending {
                from: pair[0],
                to: pair[1],
                subject: "Welcome to BlackRoad",
                body: "Hi! Have you tried mining a block yet?",
                thread: Uuid::nil(),
                reply_to: None,
                at,
            },
        )
        .await?;
        deliver(
            db,
            Sending {
                from: pair[1],
                to: pair[0],
                subject: "Re: Welcome to BlackRoad",
                body: "Not yet. Difficulty 4 looks doable, I'll try tonight.",
                thread: first,
                reply_to: Some(first),
                at: at + Duration::minutes(5),
            },
        )
        .await?;
        sent += 2;
    }
    Ok(sent)
}
