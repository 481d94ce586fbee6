//! The social fields of `User`: posts, followers, following, counts and `viewerIsFollowing`.

use async_graphql::{Context, Object, Result};
use uuid::Uuid;

use super::{
    loaders::{
        FollowerCount, FollowersOf, FollowingCount, FollowingOf, PostsByAuthor, ViewerFollows,
    },
    types::{POST_CURSOR, PostConnection, UserConnection, post_connection, user_connection},
};
use crate::{
    graphql::{context::ContextExt, plan::Plan},
    platform::paging,
    social::{ChildPage, entity::follow},
    users::graphql::{UserById, UserRef},
};

pub const FOLLOW_CURSOR: &str = "fol";

pub struct UserSocial(pub UserRef);

enum Side {
    Followers,
    Following,
}

impl UserSocial {
    fn key(&self, limit: u64, after: Option<Uuid>) -> ChildPage {
        ChildPage {
            parent: self.0.model.id,
            limit,
            after,
        }
    }

    /// Followers or followees, newest follow first; users through the batched loader.
    async fn follows(
        &self,
        ctx: &Context<'_>,
        side: Side,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<UserConnection> {
        let page = paging::forward::<Uuid>(FOLLOW_CURSOR, first, after.as_deref())?;
        let key = self.key(page.limit + 1, page.cursor);
        let rows = match side {
            Side::Followers => ctx.loader::<FollowersOf>()?.load_one(key).await?,
            Side::Following => ctx.loader::<FollowingOf>()?.load_one(key).await?,
        }
        .unwrap_or_default();
        let (rows, more) = paging::split_page(rows, page.limit);
        let other = |f: &follow::Model| match side {
            Side::Followers => f.follower_id,
            Side::Following => f.followee_id,
        };
        let mut users = ctx
            .loader::<UserById>()?
            .load_many(rows.iter().map(other))
            .await?;
        let edges = rows.iter().filter_map(|f| {
            users
                .remove(&other(f))
                .filter(|u| u.is_active)
                .map(|u| (paging::encode_cursor(FOLLOW_CURSOR, f.id), u))
        });
        Ok(user_connection(
            edges.collect::<Vec<_>>(),
            more,
            page.cursor.is_some(),
        ))
    }
}

fn int(n: Option<i64>) -> i32 {
    i32::try_from(n.unwrap_or(0)).unwrap_or(i32::MAX)
}

#[Object]
impl UserSocial {
    /// This user's posts, newest first.
    #[graphql(complexity = "crate::platform::paging::cost(first, None, child_complexity)")]
    async fn posts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PostConnection> {
        let page = paging::forward::<Uuid>(POST_CURSOR, first, after.as_deref())?;
        let rows = ctx
            .loader::<PostsByAuthor>()?
            .load_one(self.key(page.limit + 1, page.cursor))
            .await?
            .unwrap_or_default();
        let (rows, more) = paging::split_page(rows, page.limit);
        // Their author is this user, already at hand (see `graphql::plan`).
        if let Some(plan) = Plan::connection(ctx)?.filter(|p| p.wants("author")) {
            let me = &self.0.model;
            plan.prime::<UserById, _>([(me.id, me.as_ref().clone())])?;
        }
        Ok(post_connection(rows, more, page.cursor.is_some()))
    }

    /// Who follows this user, most recent first.
    #[graphql(complexity = "crate::platform::paging::cost(first, None, child_complexity)")]
    async fn followers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<UserConnection> {
        self.follows(ctx, Side::Followers, first, after).await
    }

    /// Whom this user follows, most recent first.
    #[graphql(complexity = "crate::platform::paging::cost(first, None, child_complexity)")]
    async fn following(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<UserConnection> {
        self.follows(ctx, Side::Following, first, after).await
    }

    async fn follower_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let id = self.0.model.id;
        Ok(int(ctx.loader::<FollowerCount>()?.load_one(id).await?))
    }

    async fn following_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let id = self.0.model.id;
        Ok(int(ctx.loader::<FollowingCount>()?.load_one(id).await?))
    }

    /// Whether the viewer follows this user; false when anonymous or this is the viewer.
    #[graphql(cache_control(private))]
    async fn viewer_is_following(&self, ctx: &Context<'_>) -> Result<bool> {
        let Some(viewer) = ctx.viewer()?.user() else {
            return Ok(false);
        };
        let follows = ctx
            .loader::<ViewerFollows>()?
            .load_one((viewer.user.id, self.0.model.id))
            .await?;
        Ok(follows.unwrap_or(false))
    }
}
