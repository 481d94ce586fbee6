//! Social rules on the write path: posts, comments, likes and follows. Each call is one unit
//! of work with its audit event, and the notifications it causes (never for one's own action on
//! one's own things) are created in the same transaction.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::{CommentModel, PostAdded, PostModel, SocialAction, repo};
use crate::{
    audit::AuditContext,
    notifications::{self, Kind, NewNotification},
    platform::{
        error::{AppError, AppResult},
        validate,
        write::Write,
    },
    state::AppState,
    users::{self, UserModel},
};

/// Longest post body and comment, in characters.
pub const MAX_POST_CHARS: usize = 500;
pub const MAX_COMMENT_CHARS: usize = 500;

fn post_subject(id: Uuid) -> (&'static str, Option<String>) {
    ("Post", Some(id.to_string()))
}

/// Checks a post's body and media URL; what is stored.
pub fn post_input(body: &str, media_url: Option<&str>) -> AppResult<(String, Option<String>)> {
    let body = validate::text("body", body, MAX_POST_CHARS)?;
    let media_url = match media_url {
        // Present but blank is not "no media": it is a bad URL.
        Some(raw) if raw.trim().is_empty() => {
            return Err(AppError::bad_input(
                "mediaUrl",
                "mediaUrl must be an http(s) URL",
            ));
        }
        raw => validate::optional_url("mediaUrl", raw)?,
    };
    if let Some(url) = &media_url
        && !has_host(url)
    {
        return Err(AppError::bad_input(
            "mediaUrl",
            "mediaUrl must be an absolute http(s) URL",
        ));
    }
    Ok((body, media_url))
}

/// `http(s)://` followed by a non-empty host.
fn has_host(url: &str) -> bool {
    url.split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .is_some_and(|host| !host.is_empty() && !host.starts_with(':') && !host.starts_with('@'))
}

pub async fn create_post(
    state: &AppState,
    audit: &AuditContext,
    author: &UserModel,
    body: &str,
    media_url: Option<&str>,
) -> AppResult<PostModel> {
    let (body, media_url) = post_input(body, media_url)?;
    let mut w = Write::begin(state, audit).await?;
    let post = repo::insert_post(
        w.db(),
        PostModel {
            id: Uuid::now_v7(),
            author_id: author.id,
            body,
            media_url,
            created_at: Utc::now(),
        },
    )
    .await?;
    w.audit(
        SocialAction::CreatePost,
        post_subject(post.id),
        json!({"hasMedia": post.media_url.is_some()}),
    )
    .await?;
    w.publish(PostAdded::from(&post));
    w.commit().await?;
    Ok(post)
}

async fn existing_post(state: &AppState, id: Uuid) -> AppResult<PostModel> {
    repo::post_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound("post"))
}

/// Deletes a post with its comments and likes: its author or an admin.
pub async fn delete_post(
    state: &AppState,
    audit: &AuditContext,
    actor: &UserModel,
    id: Uuid,
) -> AppResult<()> {
    let post = existing_post(state, id).await?;
    if post.author_id != actor.id && !actor.is_admin {
        return Err(AppError::Forbidden(
            "only the author or an admin can delete a post",
        ));
    }
    let mut w = Write::begin(state, audit).await?;
    if !repo::delete_post(w.db(), id).await? {
        w.rollback().await?;
        return Err(AppError::NotFound("post"));
    }
    w.audit(
        SocialAction::DeletePost,
        post_subject(id),
        json!({"author": post.author_id}),
    )
    .await?;
    w.commit().await
}

pub async fn add_comment(
    state: &AppState,
    audit: &AuditContext,
    author: &UserModel,
    post_id: Uuid,
    body: &str,
) -> AppResult<CommentModel> {
    let body = validate::text("body", body, MAX_COMMENT_CHARS)?;
    let post = existing_post(state, post_id).await?;
    let mut w = Write::begin(state, audit).await?;
    let comment = repo::insert_comment(
        w.db(),
        CommentModel {
            id: Uuid::now_v7(),
            post_id,
            author_id: author.id,
            body,
            created_at: Utc::now(),
        },
    )
    .await?;
    w.audit(
        SocialAction::AddComment,
        ("Comment", Some(comment.id.to_string())),
        json!({"post": post_id}),
    )
    .await?;
    notifications::notify(
        &mut w,
        NewNotification {
            recipient: post.author_id,
            kind: Kind::PostCommented,
            title: format!("{} commented on your post", author.username),
            body: Some(comment.body.chars().take(140).collect()),
            subject: Some(("Post", post_id)),
        },
    )
    .await?;
    w.commit().await?;
    Ok(comment)
}

/// Deletes a comment: its author, the post's author or an admin.
pub async fn delete_comment(
    state: &AppState,
    audit: &AuditContext,
    actor: &UserModel,
    id: Uuid,
) -> AppResult<()> {
    let comment = repo::comment_by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound("comment"))?;
    let post = repo::post_by_id(&state.db, comment.post_id).await?;
    let post_author = post.map(|p| p.author_id);
    if comment.author_id != actor.id && post_author != Some(actor.id) && !actor.is_admin {
        return Err(AppError::Forbidden(
            "only the comment's author, the post's author or an admin can delete a comment",
        ));
    }
    let mut w = Write::begin(state, audit).await?;
    if !repo::delete_comment(w.db(), id).await? {
        w.rollback().await?;
        return Err(AppError::NotFound("comment"));
    }
    w.audit(
        SocialAction::DeleteComment,
        ("Comment", Some(id.to_string())),
        json!({"post": comment.post_id}),
    )
    .await?;
    w.commit().await
}

/// Likes a post (again: nothing changes); the author hears of a new like by someone else.
pub async fn like_post(
    state: &AppState,
    audit: &AuditContext,
    user: &UserModel,
    post_id: Uuid,
) -> AppResult<PostModel> {
    let post = existing_post(state, post_id).await?;
    let mut w = Write::begin(state, audit).await?;
    let added = repo::insert_like(w.db(), post_id, user.id).await?;
    w.audit(
        SocialAction::Like,
        post_subject(post_id),
        json!({"changed": added}),
    )
    .await?;
    if added {
        notifications::notify(
            &mut w,
            NewNotification {
                recipient: post.author_id,
                kind: Kind::PostLiked,
                title: format!("{} liked your post", user.username),
                body: None,
                subject: Some(("Post", post_id)),
            },
        )
        .await?;
    }
    w.commit().await?;
    Ok(post)
}

/// Takes a like back (none: nothing changes).
pub async fn unlike_post(
    state: &AppState,
    audit: &AuditContext,
    user: &UserModel,
    post_id: Uuid,
) -> AppResult<PostModel> {
    let post = existing_post(state, post_id).await?;
    let mut w = Write::begin(state, audit).await?;
    let removed = repo::delete_like(w.db(), post_id, user.id).await?;
    w.audit(
        SocialAction::Unlike,
        post_subject(post_id),
        json!({"changed": removed}),
    )
    .await?;
    w.commit().await?;
    Ok(post)
}

async fn followee(state: &AppState, follower: &UserModel, username: &str) -> AppResult<UserModel> {
    let username = username.trim();
    if username.is_empty() {
        return Err(AppError::bad_input(
            "username",
            "username must not be empty",
        ));
    }
    let user = users::find_by_username(&state.db, username)
        .await?
        .filter(|u| u.is_active)
        .ok_or(AppError::NotFound("user"))?;
    if user.id == follower.id {
        return Err(AppError::bad_input(
            "username",
            "you cannot follow yourself",
        ));
    }
    Ok(user)
}

/// Follows a user (again: nothing changes); they hear of a new follower.
pub async fn follow(
    state: &AppState,
    audit: &AuditContext,
    follower: &UserModel,
    username: &str,
) -> AppResult<UserModel> {
    let target = followee(state, follower, username).await?;
    let mut w = Write::begin(state, audit).await?;
    let added = repo::insert_follow(w.db(), follower.id, target.id).await?;
    w.audit(
        SocialAction::Follow,
        ("User", Some(target.id.to_string())),
        json!({"changed": added}),
    )
    .await?;
    if added {
        notifications::notify(
            &mut w,
            NewNotification {
                recipient: target.id,
                kind: Kind::NewFollower,
                title: format!("{} followed you", follower.username),
                body: None,
                subject: Some(("User", follower.id)),
            },
        )
        .await?;
    }
    w.commit().await?;
    Ok(target)
}

pub async fn unfollow(
    state: &AppState,
    audit: &AuditContext,
    follower: &UserModel,
    username: &str,
) -> AppResult<UserModel> {
    let target = followee(state, follower, username).await?;
    let mut w = Write::begin(state, audit).await?;
    let removed = repo::delete_follow(w.db(), follower.id, target.id).await?;
    w.audit(
        SocialAction::Unfollow,
        ("User", Some(target.id.to_string())),
        json!({"changed": removed}),
    )
    .await?;
    w.commit().await?;
    Ok(target)
}
