use async_graphql::{Context, ID, Object, Result};
use uuid::Uuid;

use super::types::{POST_CURSOR, Post, PostConnection, post_connection};
use crate::{
    graphql::{context::ContextExt, ids, node::NodeType},
    platform::{
        error::{AppError, AppResult},
        paging,
    },
    social,
};

/// The uuid of a global id that must name a `kind`.
pub fn decode_as(id: &str, kind: NodeType, field: &'static str) -> AppResult<Uuid> {
    match ids::decode(id, field)? {
        (k, uuid) if k == kind => Ok(uuid),
        _ => Err(AppError::bad_input(
            field,
            format!("{field} is not a {} id", kind.name()),
        )),
    }
}

#[derive(Default)]
pub struct SocialQuery;

#[Object]
impl SocialQuery {
    /// The viewer's own posts and those of everyone they follow, newest first. A cursor never
    /// skips or repeats a post, whatever is posted meanwhile.
    #[graphql(
        cache_control(max_age = 10, private),
        complexity = "crate::platform::paging::cost(first, None, child_complexity)"
    )]
    async fn feed(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PostConnection> {
        let viewer = ctx.viewer()?.require()?;
        let page = paging::forward::<Uuid>(POST_CURSOR, first, after.as_deref())?;
        let (rows, more) = social::feed_page(&ctx.state()?.db, viewer.user.id, &page).await?;
        super::plan::posts(ctx, &rows).await?;
        Ok(post_connection(rows, more, page.cursor.is_some()))
    }

    /// A post by id; null when there is none.
    #[graphql(cache_control(max_age = 10))]
    async fn post(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Post>> {
        let id = decode_as(&id, NodeType::Post, "id")?;
        Ok(social::post_by_id(&ctx.state()?.db, id).await?.map(Post))
    }
}
