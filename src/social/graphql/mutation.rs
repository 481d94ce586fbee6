use async_graphql::{Context, ID, InputObject, Object, Result};

use super::{
    query::decode_as,
    types::{Comment, Post},
};
use crate::{
    graphql::{context::ContextExt, node::NodeType, schema::User},
    social,
};

/// Cache tags each mutation writes (the registry tests hold every Mutation field to this).
pub const MUTATION_TAGS: &[(&str, &[&str])] = &[
    ("createPost", &["Post", "Event"]),
    ("deletePost", &["Post", "Comment", "Event"]),
    ("addComment", &["Comment", "Post", "Notification", "Event"]),
    ("deleteComment", &["Comment", "Post", "Event"]),
    ("likePost", &["Post", "Notification", "Event"]),
    ("unlikePost", &["Post", "Event"]),
    ("follow", &["User", "Post", "Notification", "Event"]),
    ("unfollow", &["User", "Post", "Event"]),
];

#[derive(InputObject)]
pub struct CreatePostInput {
    /// 1–500 characters.
    pub body: String,
    /// An absolute http(s) URL.
    pub media_url: Option<String>,
}

#[derive(InputObject)]
pub struct DeletePostInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct AddCommentInput {
    pub post_id: ID,
    /// 1–500 characters.
    pub body: String,
}

#[derive(InputObject)]
pub struct DeleteCommentInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct LikePostInput {
    pub post_id: ID,
}

#[derive(InputObject)]
pub struct FollowInput {
    pub username: String,
}

#[derive(Default)]
pub struct SocialMutation;

#[Object]
impl SocialMutation {
    async fn create_post(&self, ctx: &Context<'_>, input: CreatePostInput) -> Result<Post> {
        let viewer = ctx.viewer()?.require()?;
        let post = social::create_post(
            ctx.state()?,
            &ctx.audit(),
            &viewer.user,
            &input.body,
            input.media_url.as_deref(),
        )
        .await?;
        Ok(Post(post))
    }

    /// Deletes a post with its comments and likes: its author or an admin.
    async fn delete_post(&self, ctx: &Context<'_>, input: DeletePostInput) -> Result<bool> {
        let viewer = ctx.viewer()?.require()?;
        let id = decode_as(&input.id, NodeType::Post, "id")?;
        social::delete_post(ctx.state()?, &ctx.audit(), &viewer.user, id).await?;
        Ok(true)
    }

    async fn add_comment(&self, ctx: &Context<'_>, input: AddCommentInput) -> Result<Comment> {
        let viewer = ctx.viewer()?.require()?;
        let post_id = decode_as(&input.post_id, NodeType::Post, "postId")?;
        let comment = social::add_comment(
            ctx.state()?,
            &ctx.audit(),
            &viewer.user,
            post_id,
            &input.body,
        )
        .await?;
        Ok(Comment(comment))
    }

    /// Deletes a comment: its author, the post's author or an admin.
    async fn delete_comment(&self, ctx: &Context<'_>, input: DeleteCommentInput) -> Result<bool> {
        let viewer = ctx.viewer()?.require()?;
        let id = decode_as(&input.id, NodeType::Comment, "id")?;
        social::delete_comment(ctx.state()?, &ctx.audit(), &viewer.user, id).await?;
        Ok(true)
    }

    /// Likes a post; liking it again changes nothing.
    async fn like_post(&self, ctx: &Context<'_>, input: LikePostInput) -> Result<Post> {
        let viewer = ctx.viewer()?.require()?;
        let id = decode_as(&input.post_id, NodeType::Post, "postId")?;
        let post = social::like_post(ctx.state()?, &ctx.audit(), &viewer.user, id).await?;
        Ok(Post(post))
    }

    /// Takes a like back; without one, changes nothing.
    async fn unlike_post(&self, ctx: &Context<'_>, input: LikePostInput) -> Result<Post> {
        let viewer = ctx.viewer()?.require()?;
        let id = decode_as(&input.post_id, NodeType::Post, "postId")?;
        let post = social::unlike_post(ctx.state()?, &ctx.audit(), &viewer.user, id).await?;
        Ok(Post(post))
    }

    /// Follows a user (not yourself); following again changes nothing.
    async fn follow(&self, ctx: &Context<'_>, input: FollowInput) -> Result<User> {
        let viewer = ctx.viewer()?.require()?;
        let user =
            social::follow(ctx.state()?, &ctx.audit(), &viewer.user, &input.username).await?;
        Ok(User::new(user))
    }

    async fn unfollow(&self, ctx: &Context<'_>, input: FollowInput) -> Result<User> {
        let viewer = ctx.viewer()?.require()?;
        let user =
            social::unfollow(ctx.state()?, &ctx.audit(), &viewer.user, &input.username).await?;
        Ok(User::new(user))
    }
}
