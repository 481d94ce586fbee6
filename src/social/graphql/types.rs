//! `Post`, `Comment`, their connections, and the reusable `UserConnection`.

use async_graphql::{
    Context, ID, Object, Result,
    connection::{Connection, Edge, EmptyFields},
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::loaders::{
    CommentById, CommentsByPost, PostById, PostCommentCount, PostLikeCount, ViewerLiked,
};
use crate::{
    graphql::{
        context::ContextExt,
        node::{NodeObject, NodeType},
        plan::Plan,
        schema::User,
    },
    platform::{error::AppError, paging},
    social::{ChildPage, CommentModel, PostModel},
    users::{UserModel, graphql::UserById},
};

pub const POST_CURSOR: &str = "post";
pub const COMMENT_CURSOR: &str = "cmt";

fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The author of a post or comment, through the batched loader.
async fn author(ctx: &Context<'_>, id: Uuid, what: &str) -> Result<User> {
    let user = ctx.loader::<UserById>()?.load_one(id).await?;
    user.map(User::new)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("{what} has no author {id}")).into())
}

/// A post. Posts are public; `viewerHasLiked` is the viewer's own.
pub struct Post(pub PostModel);

impl NodeObject for Post {
    const KIND: NodeType = NodeType::Post;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        Ok(ctx.loader::<PostById>()?.load_one(id).await?.map(Post))
    }
}

#[Object(cache_control(max_age = 10))]
impl Post {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    async fn author(&self, ctx: &Context<'_>) -> Result<User> {
        author(ctx, self.0.author_id, "post").await
    }

    /// Plain text, 1–500 characters, stored as written: clients must escape it when they
    /// render it as HTML.
    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn media_url(&self) -> Option<&str> {
        self.0.media_url.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn like_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = ctx.loader::<PostLikeCount>()?.load_one(self.0.id).await?;
        Ok(int(n.unwrap_or(0)))
    }

    async fn comment_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = ctx
            .loader::<PostCommentCount>()?
            .load_one(self.0.id)
            .await?;
        Ok(int(n.unwrap_or(0)))
    }

    /// False for anonymous viewers.
    #[graphql(cache_control(private))]
    async fn viewer_has_liked(&self, ctx: &Context<'_>) -> Result<bool> {
        let Some(viewer) = ctx.viewer()?.user() else {
            return Ok(false);
        };
        let liked = ctx
            .loader::<ViewerLiked>()?
            .load_one((viewer.user.id, self.0.id))
            .await?;
        Ok(liked.unwrap_or(false))
    }

    /// Comments, oldest first.
    #[graphql(complexity = "crate::platform::paging::cost(first, None, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CommentConnection> {
        let page = paging::forward::<Uuid>(COMMENT_CURSOR, first, after.as_deref())?;
        let key = ChildPage {
            parent: self.0.id,
            limit: page.limit + 1,
            after: page.cursor,
        };
        let rows = ctx
            .loader::<CommentsByPost>()?
            .load_one(key)
            .await?
            .unwrap_or_default();
        let (rows, more) = paging::split_page(rows, page.limit);
        // Their post is this one, already at hand (see `graphql::plan`).
        if let Some(plan) = Plan::connection(ctx)?.filter(|p| p.wants("post")) {
            plan.prime::<PostById, _>([(self.0.id, self.0.clone())])?;
        }
        Ok(comment_connection(rows, more, page.cursor.is_some()))
    }
}

/// A comment on a post; public like the post.
pub struct Comment(pub CommentModel);

impl NodeObject for Comment {
    const KIND: NodeType = NodeType::Comment;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        Ok(ctx
            .loader::<CommentById>()?
            .load_one(id)
            .await?
            .map(Comment))
    }
}

#[Object(cache_control(max_age = 10))]
impl Comment {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    async fn post(&self, ctx: &Context<'_>) -> Result<Post> {
        let post = ctx.loader::<PostById>()?.load_one(self.0.post_id).await?;
        post.map(Post)
            .ok_or_else(|| AppError::NotFound("post").into())
    }

    async fn author(&self, ctx: &Context<'_>) -> Result<User> {
        author(ctx, self.0.author_id, "comment").await
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub type PostConnection = Connection<String, Post, EmptyFields>;
pub type CommentConnection = Connection<String, Comment, EmptyFields>;
/// A page of users; `cursor` is whatever keyset the list pages on.
pub type UserConnection = Connection<String, User, EmptyFields>;

pub fn post_connection(rows: Vec<PostModel>, has_next: bool, has_previous: bool) -> PostConnection {
    let mut connection = Connection::new(has_previous, has_next);
    connection.edges.extend(
        rows.into_iter()
            .map(|p| Edge::new(paging::encode_cursor(POST_CURSOR, p.id), Post(p))),
    );
    connection
}

pub fn comment_connection(
    rows: Vec<CommentModel>,
    has_next: bool,
    has_previous: bool,
) -> CommentConnection {
    let mut connection = Connection::new(has_previous, has_next);
    connection.edges.extend(
        rows.into_iter()
            .map(|c| Edge::new(paging::encode_cursor(COMMENT_CURSOR, c.id), Comment(c))),
    );
    connection
}

/// Builds a `UserConnection` from (cursor, user) pairs already in order; for any domain
/// listing users (followers, an admin's user search).
pub fn user_connection(
    rows: impl IntoIterator<Item = (String, UserModel)>,
    has_next: bool,
    has_previous: bool,
) -> UserConnection {
    let mut connection = Connection::new(has_previous, has_next);
    connection.edges.extend(
        rows.into_iter()
            .map(|(cursor, user)| Edge::new(cursor, User::new(user))),
    );
    connection
}
