use async_graphql::{
    Context, Enum, ID, Object, Result,
    connection::{Connection, Edge, EmptyFields},
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    graphql::{
        context::ContextExt,
        node::{Node, NodeObject, NodeType, fetch_node},
    },
    notifications::{self, Kind, NotificationModel},
    platform::paging::encode_cursor,
};

pub const NOTIFICATION_CURSOR: &str = "ntf";

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum NotificationKind {
    MailReceived,
    NewFollower,
    PostLiked,
    PostCommented,
    TransferReceived,
    TransferConfirmed,
    JobFinished,
}

impl From<Kind> for NotificationKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::MailReceived => Self::MailReceived,
            Kind::NewFollower => Self::NewFollower,
            Kind::PostLiked => Self::PostLiked,
            Kind::PostCommented => Self::PostCommented,
            Kind::TransferReceived => Self::TransferReceived,
            Kind::TransferConfirmed => Self::TransferConfirmed,
            Kind::JobFinished => Self::JobFinished,
        }
    }
}

/// Something that happened to one of the viewer's things. Only its recipient sees it.
pub struct Notification(pub NotificationModel);

impl NodeObject for Notification {
    const KIND: NodeType = NodeType::Notification;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        let viewer = ctx.viewer()?;
        let Some(user) = viewer.user() else {
            return Ok(None);
        };
        let found = notifications::by_id(&ctx.state()?.db, id).await?;
        Ok(found
            .filter(|n| n.user_id == user.user.id || user.user.is_admin)
            .map(Notification))
    }
}

#[Object(cache_control(max_age = 10, private))]
impl Notification {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    async fn kind(&self) -> Option<NotificationKind> {
        Kind::parse(&self.0.kind).map(Into::into)
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }

    /// What it is about; null when that is gone or no longer visible to the viewer.
    async fn subject(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        let (Some(kind), Some(id)) = (
            self.0.subject_type.as_deref().and_then(NodeType::parse),
            self.0.subject_id,
        ) else {
            return Ok(None);
        };
        fetch_node(ctx, kind, id).await
    }

    async fn is_read(&self) -> bool {
        self.0.is_read
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub type NotificationConnection = Connection<String, Notification, EmptyFields>;

pub fn notification_connection(
    rows: Vec<NotificationModel>,
    has_next: bool,
    has_previous: bool,
) -> NotificationConnection {
    let mut connection = Connection::new(has_previous, has_next);
    connection.edges.extend(
        rows.into_iter()
            .map(|n| Edge::new(encode_cursor(NOTIFICATION_CURSOR, n.id), Notification(n))),
    );
    connection
}
