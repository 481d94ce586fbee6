use async_graphql::{Context, ID, Object, Result};
use uuid::Uuid;

use super::types::{VIDEO_CURSOR, Video, VideoConnection, video_connection};
use crate::{
    graphql::{context::ContextExt, node::NodeType},
    platform::paging,
    social::graphql::decode_as,
    users::find_by_username,
    video::{self, VideoFilter},
};

#[derive(Default)]
pub struct VideoQuery;

#[Object]
impl VideoQuery {
    /// PUBLIC videos and the viewer's own (of any visibility), newest first; `owner` (a
    /// username) narrows it to one owner's.
    #[graphql(
        cache_control(max_age = 10, private),
        complexity = "crate::platform::paging::cost(first, None, child_complexity)"
    )]
    async fn videos(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        owner: Option<String>,
    ) -> Result<VideoConnection> {
        let page = paging::forward::<Uuid>(VIDEO_CURSOR, first, after.as_deref())?;
        let state = ctx.state()?;
        let viewer = ctx.viewer()?.user().map(|u| u.user.id);
        let owner = match owner {
            None => None,
            Some(username) => match find_by_username(&state.db, &username).await? {
                Some(user) => Some(user.id),
                // Nobody by that name has videos.
                None => return Ok(video_connection(Vec::new(), false, page.cursor.is_some())),
            },
        };
        let (rows, more) = video::page(&state.db, VideoFilter { viewer, owner }, &page).await?;
        super::plan::videos(ctx, &rows).await?;
        Ok(video_connection(rows, more, page.cursor.is_some()))
    }

    /// A video by id: PUBLIC and UNLISTED ones for anyone, PRIVATE ones for their owner;
    /// null otherwise.
    #[graphql(cache_control(max_age = 10, private))]
    async fn video(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Video>> {
        let id = decode_as(&id, NodeType::Video, "id")?;
        let viewer = ctx.viewer()?.user().map(|u| u.user.id);
        Ok(video::by_id(&ctx.state()?.db, id)
            .await?
            .filter(|v| video::visible_to(v, viewer))
            .map(Video))
    }
}
