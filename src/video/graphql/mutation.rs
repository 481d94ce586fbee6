use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::types::{Reaction, Video, VideoVisibility};
use crate::{
    graphql::{context::ContextExt, node::NodeType},
    social::graphql::decode_as,
    video::{self, NewVideo, VideoUpdate},
};

/// Cache tags each mutation writes (the registry tests hold every Mutation field to this).
pub const MUTATION_TAGS: &[(&str, &[&str])] = &[
    ("publishVideo", &["Video", "Event"]),
    ("updateVideo", &["Video", "Event"]),
    ("deleteVideo", &["Video", "Event"]),
    ("recordView", &["Video", "Event"]),
    ("reactToVideo", &["Video", "Event"]),
];

#[derive(InputObject)]
pub struct PublishVideoInput {
    /// 1–200 characters, one line.
    pub title: String,
    /// Up to 5000 characters.
    pub description: Option<String>,
    /// An absolute http(s) URL of the media.
    pub url: String,
    /// 1 to 86400.
    pub duration_seconds: i32,
    #[graphql(default_with = "VideoVisibility::Public")]
    pub visibility: VideoVisibility,
}

#[derive(InputObject)]
pub struct UpdateVideoInput {
    pub id: ID,
    pub title: Option<String>,
    /// Null clears it; omitted keeps it.
    pub description: MaybeUndefined<String>,
    pub visibility: Option<VideoVisibility>,
}

#[derive(InputObject)]
pub struct DeleteVideoInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct RecordViewInput {
    pub video_id: ID,
}

#[derive(InputObject)]
pub struct ReactToVideoInput {
    pub video_id: ID,
    /// Null clears the viewer's reaction.
    pub reaction: Option<Reaction>,
}

#[derive(Default)]
pub struct VideoMutation;

#[Object]
impl VideoMutation {
    async fn publish_video(&self, ctx: &Context<'_>, input: PublishVideoInput) -> Result<Video> {
        let viewer = ctx.viewer()?.require()?;
        let new = NewVideo {
            title: input.title,
            description: input.description,
            url: input.url,
            duration_seconds: input.duration_seconds,
            visibility: input.visibility.into(),
        };
        let created = video::publish(ctx.state()?, &ctx.audit(), &viewer.user, new).await?;
        Ok(Video(created))
    }

    /// Changes a video's title, description or visibility: its owner only.
    async fn update_video(&self, ctx: &Context<'_>, input: UpdateVideoInput) -> Result<Video> {
        let viewer = ctx.viewer()?.require()?;
        let id = decode_as(&input.id, NodeType::Video, "id")?;
        let changes = VideoUpdate {
            title: input.title,
            description: match input.description {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(d) => Some(Some(d)),
            },
            visibility: input.visibility.map(Into::into),
        };
        let updated = video::update(ctx.state()?, &ctx.audit(), &viewer.user, id, changes).await?;
        Ok(Video(updated))
    }

    /// Deletes a video with its views and reactions: its owner or an admin.
    async fn delete_video(&self, ctx: &Context<'_>, input: DeleteVideoInput) -> Result<bool> {
        let viewer = ctx.viewer()?.require()?;
        let id = decode_as(&input.id, NodeType::Video, "id")?;
        video::delete(ctx.state()?, &ctx.audit(), &viewer.user, id).await?;
        Ok(true)
    }

    /// Counts a view by the viewer: at most one per viewer per hour.
    async fn record_view(&self, ctx: &Context<'_>, input: RecordViewInput) -> Result<Video> {
        let viewer = ctx.viewer()?.require()?;
        let id = decode_as(&input.video_id, NodeType::Video, "videoId")?;
        let seen = video::record_view(ctx.state()?, &ctx.audit(), &viewer.user, id).await?;
        Ok(Video(seen))
    }

    /// Sets the viewer's reaction; null clears it.
    async fn react_to_video(&self, ctx: &Context<'_>, input: ReactToVideoInput) -> Result<Video> {
        let viewer = ctx.viewer()?.require()?;
        let id = decode_as(&input.video_id, NodeType::Video, "videoId")?;
        let reaction = input.reaction.map(Into::into);
        let video = video::react(ctx.state()?, &ctx.audit(), &viewer.user, id, reaction).await?;
        Ok(Video(video))
    }
}
