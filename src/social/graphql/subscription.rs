use async_graphql::{Context, Result, Subscription};
use futures_util::{Stream, StreamExt};

use super::types::Post;
use crate::{
    graphql::{context::ContextExt, subscriptions::receive},
    social::{self, PostAdded},
};

#[derive(Default)]
pub struct SocialSubscription;

#[Subscription]
impl SocialSubscription {
    /// New posts by the viewer and by everyone the viewer follows at the time of the post, as
    /// they are created (on any instance).
    async fn post_added(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<Post>> + use<>> {
        let me = ctx.viewer()?.require()?.user.id;
        let state = ctx.state()?.clone();
        let sub = state.bus.subscribe::<PostAdded>();
        let posts = receive(sub, |p: &PostAdded| Some(p.clone()));
        Ok(posts.filter_map(move |item| {
            let db = state.db.clone();
            async move {
                let post = match item {
                    Ok(post) => post,
                    Err(e) => return Some(Err(e)),
                };
                if post.author_id == me {
                    return Some(Ok(Post((&post).into())));
                }
                // Whether the viewer follows the author now: a follow or unfollow made while
                // subscribed counts from the next post.
                match social::follows(&db, me, post.author_id).await {
                    Ok(true) => Some(Ok(Post((&post).into()))),
                    Ok(false) => None,
                    Err(e) => Some(Err(e.into())),
                }
            }
        }))
    }
}
