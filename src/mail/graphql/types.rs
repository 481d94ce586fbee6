use async_graphql::{
    Context, Enum, ID, Object, Result,
    connection::{Connection, Edge, EmptyFields},
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::loaders::{MailById, MailCopyOf, MailRecipients, MailThread};
use crate::{
    graphql::{
        context::ContextExt,
        node::{NodeObject, NodeType},
        schema::User,
    },
    mail::{Folder, MailModel},
    platform::{error::AppError, paging::encode_cursor},
    users::graphql::UserById,
};

pub const MAIL_CURSOR: &str = "mail";

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MailFolder {
    Inbox,
    Sent,
    Archive,
    Trash,
}

impl From<MailFolder> for Folder {
    fn from(folder: MailFolder) -> Self {
        match folder {
            MailFolder::Inbox => Folder::Inbox,
            MailFolder::Sent => Folder::Sent,
            MailFolder::Archive => Folder::Archive,
            MailFolder::Trash => Folder::Trash,
        }
    }
}

impl From<Folder> for MailFolder {
    fn from(folder: Folder) -> Self {
        match folder {
            Folder::Inbox => MailFolder::Inbox,
            Folder::Sent => MailFolder::Sent,
            Folder::Archive => MailFolder::Archive,
            Folder::Trash => MailFolder::Trash,
        }
    }
}

/// One user's copy of a message. Only that user sees it.
pub struct MailMessage(pub MailModel);

impl NodeObject for MailMessage {
    const KIND: NodeType = NodeType::MailMessage;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        let Some(viewer) = ctx.viewer()?.user() else {
            return Ok(None);
        };
        let me = viewer.user.id;
        let found = ctx.loader::<MailById>()?.load_one(id).await?;
        Ok(found.filter(|m| m.owner_id == me).map(MailMessage))
    }
}

async fn user_of(ctx: &Context<'_>, id: Uuid) -> Result<User> {
    let user = ctx.loader::<UserById>()?.load_one(id).await?;
    user.map(User::new)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("mail names a missing user {id}")).into())
}

#[Object(cache_control(max_age = 10, private))]
impl MailMessage {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    async fn from(&self, ctx: &Context<'_>) -> Result<User> {
        user_of(ctx, self.0.sender_id).await
    }

    /// The recipients, in the order they were given.
    async fn to(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let ids = ctx
            .loader::<MailRecipients>()?
            .load_one(self.0.message_key)
            .await?
            .unwrap_or_default();
        let users = ctx
            .loader::<UserById>()?
            .load_many(ids.iter().copied())
            .await?;
        Ok(ids
            .iter()
            .filter_map(|id| users.get(id).cloned().map(User::new))
            .collect())
    }

    async fn subject(&self) -> &str {
        &self.0.subject
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn folder(&self) -> Result<MailFolder> {
        Folder::parse(&self.0.folder)
            .map(Into::into)
            .ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("unknown mail folder {}", self.0.folder)).into()
            })
    }

    async fn is_read(&self) -> bool {
        self.0.is_read
    }

    async fn sent_at(&self) -> DateTime<Utc> {
        self.0.sent_at
    }

    /// The viewer's copy of the message this one answers; null when they have none.
    async fn in_reply_to(&self, ctx: &Context<'_>) -> Result<Option<MailMessage>> {
        let Some(key) = self.0.in_reply_to_key else {
            return Ok(None);
        };
        let copy = ctx
            .loader::<MailCopyOf>()?
            .load_one((self.0.owner_id, key))
            .await?;
        Ok(copy.map(MailMessage))
    }

    /// The conversation as the viewer has it (every folder), oldest first; includes this one.
    async fn thread(&self, ctx: &Context<'_>) -> Result<Vec<MailMessage>> {
        let copies = ctx
            .loader::<MailThread>()?
            .load_one((self.0.owner_id, self.0.thread_key))
            .await?
            .unwrap_or_default();
        Ok(copies.into_iter().map(MailMessage).collect())
    }
}

pub type MailMessageConnection = Connection<String, MailMessage, EmptyFields>;

pub fn mail_connection(
    rows: Vec<MailModel>,
    has_next: bool,
    has_previous: bool,
) -> MailMessageConnection {
    let mut connection = Connection::new(has_previous, has_next);
    connection.edges.extend(
        rows.into_iter()
            .map(|m| Edge::new(encode_cursor(MAIL_CURSOR, m.id), MailMessage(m))),
    );
    connection
}
