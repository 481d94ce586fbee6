use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object, Result};
use uuid::Uuid;

use super::types::{MailFolder, MailMessage};
use crate::{
    graphql::{context::ContextExt, ids, node::NodeType},
    mail::{self, NewMail, UnknownRecipient},
    platform::error::AppError,
};

/// Cache tags each mutation writes (the registry tests hold every Mutation field to this).
pub const MUTATION_TAGS: &[(&str, &[&str])] = &[
    ("sendMail", &["MailMessage", "Notification", "Event"]),
    ("markMailRead", &["MailMessage", "Event"]),
    ("moveMail", &["MailMessage", "Event"]),
    ("deleteMail", &["MailMessage", "Event"]),
];

/// Most ids one call takes.
const MAX_IDS: usize = 100;

#[derive(InputObject)]
pub struct SendMailInput {
    /// Usernames, 1 to 50.
    pub to: Vec<String>,
    /// One line, up to 200 characters.
    pub subject: String,
    /// Up to 20,000 characters.
    pub body: String,
    /// One of your messages this one answers.
    pub in_reply_to_id: Option<ID>,
}

#[derive(InputObject)]
pub struct MarkMailReadInput {
    pub ids: Vec<ID>,
    /// `false` marks them unread; null, like omitted, means read.
    #[graphql(default_with = "Some(true)")]
    pub read: Option<bool>,
}

#[derive(InputObject)]
pub struct MoveMailInput {
    pub ids: Vec<ID>,
    pub folder: MailFolder,
}

#[derive(InputObject)]
pub struct DeleteMailInput {
    pub ids: Vec<ID>,
}

fn mail_id(id: &ID, field: &'static str) -> Result<Uuid, AppError> {
    match ids::decode(id, field)? {
        (NodeType::MailMessage, uuid) => Ok(uuid),
        _ => Err(AppError::bad_input(field, "not a mail message id")),
    }
}

/// 1 to `MAX_IDS` mail ids, without repeats.
fn mail_ids(ids: &[ID]) -> Result<Vec<Uuid>, AppError> {
    if ids.is_empty() || ids.len() > MAX_IDS {
        return Err(AppError::bad_input(
            "ids",
            format!("give 1 to {MAX_IDS} ids"),
        ));
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let uuid = mail_id(id, "ids")?;
        if !out.contains(&uuid) {
            out.push(uuid);
        }
    }
    Ok(out)
}

fn unknown_recipient(UnknownRecipient(name): UnknownRecipient) -> async_graphql::Error {
    async_graphql::Error::new(format!("user {name} not found")).extend_with(|_, ext| {
        ext.set("code", "NOT_FOUND");
        ext.set("field", "to");
    })
}

#[derive(Default)]
pub struct MailMutation;

#[Object]
impl MailMutation {
    /// Sends a message: you keep a copy in SENT, each recipient gets one in INBOX (and a
    /// notification). An unknown username sends nothing, to anyone.
    async fn send_mail(&self, ctx: &Context<'_>, input: SendMailInput) -> Result<MailMessage> {
        let viewer = ctx.viewer()?.require()?;
        let in_reply_to = input
            .in_reply_to_id
            .as_ref()
            .map(|id| mail_id(id, "inReplyToId"))
            .transpose()?;
        let mail = NewMail {
            to: input.to,
            subject: input.subject,
            body: input.body,
            in_reply_to,
        };
        match mail::send(ctx.state()?, &ctx.audit(), &viewer.user, mail).await? {
            Ok(sent) => Ok(MailMessage(sent)),
            Err(unknown) => Err(unknown_recipient(unknown)),
        }
    }

    /// Marks your messages read (or unread with `read: false`); all of them must be yours.
    async fn mark_mail_read(
        &self,
        ctx: &Context<'_>,
        input: MarkMailReadInput,
    ) -> Result<Vec<MailMessage>> {
        let viewer = ctx.viewer()?.require()?;
        let ids = mail_ids(&input.ids)?;
        let changed = mail::mark_read(
            ctx.state()?,
            &ctx.audit(),
            viewer.user.id,
            &ids,
            input.read.unwrap_or(true),
        )
        .await?;
        Ok(changed.into_iter().map(MailMessage).collect())
    }

    /// Moves your messages to a folder: received mail never to SENT, sent mail never to INBOX.
    async fn move_mail(&self, ctx: &Context<'_>, input: MoveMailInput) -> Result<Vec<MailMessage>> {
        let viewer = ctx.viewer()?.require()?;
        let ids = mail_ids(&input.ids)?;
        let moved = mail::move_to(
            ctx.state()?,
            &ctx.audit(),
            viewer.user.id,
            &ids,
            input.folder.into(),
        )
        .await?;
        Ok(moved.into_iter().map(MailMessage).collect())
    }

    /// Moves your messages to TRASH; those already in TRASH are deleted for good. Answers how
    /// many changed.
    async fn delete_mail(&self, ctx: &Context<'_>, input: DeleteMailInput) -> Result<i32> {
        let viewer = ctx.viewer()?.require()?;
        let ids = mail_ids(&input.ids)?;
        let changed = mail::delete(ctx.state()?, &ctx.audit(), viewer.user.id, &ids).await?;
        Ok(i32::try_from(changed).unwrap_or(i32::MAX))
    }
}
