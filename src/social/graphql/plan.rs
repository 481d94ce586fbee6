//! The social lists' lookahead plan: a post page's authors, counts and the viewer's likes in
//! one statement (see `graphql::plan`). `viewerHasLiked` stays the resolver's: it answers
//! false to anonymous viewers before asking the loader.

use async_graphql::{Context, Result};
use uuid::Uuid;

use super::loaders::{PostCommentCount, PostLikeCount, ViewerLiked};
use crate::{
    graphql::{context::ContextExt, plan::Plan},
    social::{
        PostModel,
        read_ahead::{self, PostReads},
    },
    users::graphql::UserById,
};

pub async fn posts<'a>(ctx: &'a Context<'a>, rows: &[PostModel]) -> Result<()> {
    let Some(plan) = Plan::connection(ctx)? else {
        return Ok(());
    };
    let viewer = plan.viewer()?;
    let reads = PostReads {
        author: plan.wants("author"),
        likes: plan.wants("likeCount"),
        comments: plan.wants("commentCount"),
        liked_by: viewer.filter(|_| plan.wants("viewerHasLiked")),
    };
    let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
    let found = read_ahead::posts(&ctx.state()?.db, &ids, reads).await?;
    let (mut authors, mut likes, mut comments, mut liked) = (vec![], vec![], vec![], vec![]);
    for post in found {
        authors.extend(post.author.map(|a| (a.id, a)));
        likes.extend(post.likes.map(|n| (post.id, n)));
        comments.extend(post.comments.map(|n| (post.id, n)));
        liked.extend(viewer.zip(post.liked).map(|(v, yes)| ((v, post.id), yes)));
    }
    plan.prime::<UserById, _>(authors)?;
    plan.prime::<PostLikeCount, _>(likes)?;
    plan.prime::<PostCommentCount, _>(comments)?;
    plan.prime::<ViewerLiked, _>(liked)
}
