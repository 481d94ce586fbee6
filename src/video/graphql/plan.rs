//! The video list's lookahead plan (see `graphql::plan`): owners, reaction counts and the
//! viewer's reactions in one statement. Visibility is the page query's; `viewerReaction` still
//! answers null to anonymous viewers before asking its loader.

use async_graphql::{Context, Result};
use uuid::Uuid;

use super::loaders::{VideoReactionCounts, ViewerReaction};
use crate::{
    graphql::{context::ContextExt, plan::Plan},
    users::graphql::UserById,
    video::{
        VideoModel,
        read_ahead::{self, VideoReads},
    },
};

pub async fn videos<'a>(ctx: &'a Context<'a>, rows: &[VideoModel]) -> Result<()> {
    let Some(plan) = Plan::connection(ctx)? else {
        return Ok(());
    };
    let viewer = plan.viewer()?;
    let reads = VideoReads {
        owner: plan.wants("owner"),
        counts: plan.wants("likeCount") || plan.wants("dislikeCount"),
        reaction_of: viewer.filter(|_| plan.wants("viewerReaction")),
    };
    let ids: Vec<Uuid> = rows.iter().map(|v| v.id).collect();
    let found = read_ahead::videos(&ctx.state()?.db, &ids, reads).await?;
    let (mut owners, mut counts, mut reactions, mut none) = (vec![], vec![], vec![], vec![]);
    for video in found {
        owners.extend(video.owner.map(|o| (o.id, o)));
        counts.extend(video.counts.map(|c| (video.id, c)));
        match (viewer, video.reaction) {
            (Some(v), Some(Some(reaction))) => reactions.push(((v, video.id), reaction)),
            (Some(v), Some(None)) => none.push((v, video.id)),
            _ => {}
        }
    }
    plan.prime::<UserById, _>(owners)?;
    plan.prime::<VideoReactionCounts, _>(counts)?;
    plan.prime::<ViewerReaction, _>(reactions)?;
    // The loader leaves videos without a reaction out of its answer.
    plan.prime_missing::<ViewerReaction, _>(none)
}
