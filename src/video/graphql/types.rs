//! `Video`, its enums and connection.

use async_graphql::{
    Context, Enum, ID, Object, Result,
    connection::{Connection, Edge, EmptyFields},
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::loaders::{VideoById, VideoReactionCounts, ViewerReaction};
use crate::{
    graphql::{
        context::ContextExt,
        node::{NodeObject, NodeType},
        schema::User,
    },
    platform::{error::AppError, paging::encode_cursor},
    users::graphql::UserById,
    video::{self, VideoModel},
};

pub const VIDEO_CURSOR: &str = "vid";

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum VideoVisibility {
    /// Listed and reachable by anyone.
    Public,
    /// Not listed (except to its owner); reachable by id.
    Unlisted,
    /// Only its owner sees it.
    Private,
}

impl From<VideoVisibility> for video::Visibility {
    fn from(v: VideoVisibility) -> Self {
        match v {
            VideoVisibility::Public => Self::Public,
            VideoVisibility::Unlisted => Self::Unlisted,
            VideoVisibility::Private => Self::Private,
        }
    }
}

impl From<video::Visibility> for VideoVisibility {
    fn from(v: video::Visibility) -> Self {
        match v {
            video::Visibility::Public => Self::Public,
            video::Visibility::Unlisted => Self::Unlisted,
            video::Visibility::Private => Self::Private,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Reaction {
    Like,
    Dislike,
}

impl From<Reaction> for video::Reaction {
    fn from(r: Reaction) -> Self {
        match r {
            Reaction::Like => Self::Like,
            Reaction::Dislike => Self::Dislike,
        }
    }
}

impl From<video::Reaction> for Reaction {
    fn from(r: video::Reaction) -> Self {
        match r {
            video::Reaction::Like => Self::Like,
            video::Reaction::Dislike => Self::Dislike,
        }
    }
}

fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A video. Only its owner ever gets a PRIVATE one.
pub struct Video(pub VideoModel);

impl NodeObject for Video {
    const KIND: NodeType = NodeType::Video;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        let viewer = ctx.viewer()?.user().map(|u| u.user.id);
        let found = ctx.loader::<VideoById>()?.load_one(id).await?;
        Ok(found.filter(|v| video::visible_to(v, viewer)).map(Video))
    }
}

// Private: whether a video shows depends on who asks.
#[Object(cache_control(max_age = 10, private))]
impl Video {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    async fn owner(&self, ctx: &Context<'_>) -> Result<User> {
        let owner = ctx.loader::<UserById>()?.load_one(self.0.owner_id).await?;
        owner.map(User::new).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("video {} has no owner", self.0.id)).into()
        })
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    async fn url(&self) -> &str {
        &self.0.url
    }

    async fn duration_seconds(&self) -> i32 {
        self.0.duration_seconds
    }

    async fn visibility(&self) -> Result<VideoVisibility> {
        video::Visibility::parse(&self.0.visibility)
            .map(Into::into)
            .ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("video {} visibility", self.0.id)).into()
            })
    }

    async fn view_count(&self) -> i32 {
        int(self.0.view_count)
    }

    async fn like_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let counts = ctx
            .loader::<VideoReactionCounts>()?
            .load_one(self.0.id)
            .await?;
        Ok(int(counts.unwrap_or_default().0))
    }

    async fn dislike_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let counts = ctx
            .loader::<VideoReactionCounts>()?
            .load_one(self.0.id)
            .await?;
        Ok(int(counts.unwrap_or_default().1))
    }

    /// The viewer's reaction; null when none or anonymous.
    async fn viewer_reaction(&self, ctx: &Context<'_>) -> Result<Option<Reaction>> {
        let Some(viewer) = ctx.viewer()?.user() else {
            return Ok(None);
        };
        let reaction = ctx
            .loader::<ViewerReaction>()?
            .load_one((viewer.user.id, self.0.id))
            .await?;
        Ok(reaction
            .as_deref()
            .and_then(video::Reaction::parse)
            .map(Into::into))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub type VideoConnection = Connection<String, Video, EmptyFields>;

pub fn video_connection(
    rows: Vec<VideoModel>,
    has_next: bool,
    has_previous: bool,
) -> VideoConnection {
    let mut connection = Connection::new(has_previous, has_next);
    connection.edges.extend(
        rows.into_iter()
            .map(|v| Edge::new(encode_cursor(VIDEO_CURSOR, v.id), Video(v))),
    );
    connection
}
