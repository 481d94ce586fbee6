//! BlackStream rules on the write path: publishing, editing and deleting videos, views and
//! reactions. Who may see a video: PUBLIC and UNLISTED anyone, PRIVATE only its owner.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::{VideoAction, VideoModel, repo};
use crate::{
    audit::AuditContext,
    platform::{
        error::{AppError, AppResult},
        validate,
        write::Write,
    },
    state::AppState,
    users::UserModel,
};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
/// Longest video, in seconds (24 hours).
pub const MAX_DURATION_SECONDS: i32 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Unlisted,
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => repo::PUBLIC,
            Visibility::Unlisted => repo::UNLISTED,
            Visibility::Private => repo::PRIVATE,
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        [Self::Public, Self::Unlisted, Self::Private]
            .into_iter()
            .find(|v| v.as_str() == stored)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    Like,
    Dislike,
}

impl Reaction {
    pub fn as_str(self) -> &'static str {
        match self {
            Reaction::Like => repo::LIKE,
            Reaction::Dislike => repo::DISLIKE,
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        [Self::Like, Self::Dislike]
            .into_iter()
            .find(|r| r.as_str() == stored)
    }
}

/// Whether `viewer` (None: anonymous) may see the video at all.
pub fn visible_to(video: &VideoModel, viewer: Option<Uuid>) -> bool {
    video.visibility != repo::PRIVATE || viewer == Some(video.owner_id)
}

/// The video if the viewer may see it; NOT_FOUND otherwise, exactly like a missing one.
pub async fn visible_video(
    state: &AppState,
    id: Uuid,
    viewer: Option<Uuid>,
) -> AppResult<VideoModel> {
    repo::by_id(&state.db, id)
        .await?
        .filter(|v| visible_to(v, viewer))
        .ok_or(AppError::NotFound("video"))
}

#[derive(Debug, Clone)]
pub struct NewVideo {
    pub title: String,
    pub description: Option<String>,
    pub url: String,
    pub duration_seconds: i32,
    pub visibility: Visibility,
}

fn title(raw: &str) -> AppResult<String> {
    validate::name("title", raw, MAX_TITLE_CHARS)
}

fn description(raw: Option<&str>) -> AppResult<Option<String>> {
    validate::optional_text("description", raw, MAX_DESCRIPTION_CHARS)
}

fn url(raw: &str) -> AppResult<String> {
    validate::optional_url("url", Some(raw))?
        .filter(|u| {
            u.split_once("://")
                .is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'))
        })
        .ok_or_else(|| AppError::bad_input("url", "url must be an absolute http(s) URL"))
}

pub async fn publish(
    state: &AppState,
    audit: &AuditContext,
    owner: &UserModel,
    new: NewVideo,
) -> AppResult<VideoModel> {
    let title = title(&new.title)?;
    let description = description(new.description.as_deref())?;
    let url = url(&new.url)?;
    if !(1..=MAX_DURATION_SECONDS).contains(&new.duration_seconds) {
        return Err(AppError::bad_input(
            "durationSeconds",
            format!("durationSeconds must be 1 to {MAX_DURATION_SECONDS}"),
        ));
    }
    let now = Utc::now();
    let mut w = Write::begin(state, audit).await?;
    let video = repo::insert(
        w.db(),
        VideoModel {
            id: Uuid::now_v7(),
            owner_id: owner.id,
            title,
            description,
            url,
            duration_seconds: new.duration_seconds,
            visibility: new.visibility.as_str().to_owned(),
            view_count: 0,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    w.audit(
        VideoAction::Publish,
        ("Video", Some(video.id.to_string())),
        json!({"visibility": video.visibility}),
    )
    .await?;
    w.commit().await?;
    Ok(video)
}

/// What an update asks for; `description: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct VideoUpdate {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub visibility: Option<Visibility>,
}

/// Changes a video: its owner only.
pub async fn update(
    state: &AppState,
    audit: &AuditContext,
    actor: &UserModel,
    id: Uuid,
    changes: VideoUpdate,
) -> AppResult<VideoModel> {
    let changes = repo::VideoChanges {
        title: changes.title.as_deref().map(title).transpose()?,
        description: changes
            .description
            .map(|d| description(d.as_deref()))
            .transpose()?,
        visibility: changes.visibility.map(Visibility::as_str),
    };
    let video = visible_video(state, id, Some(actor.id)).await?;
    if video.owner_id != actor.id {
        return Err(AppError::Forbidden("only the owner can change a video"));
    }
    let mut w = Write::begin(state, audit).await?;
    if !repo::update(w.db(), id, changes.clone(), Utc::now()).await? {
        w.rollback().await?;
        return Err(AppError::NotFound("video"));
    }
    w.audit(
        VideoAction::Update,
        ("Video", Some(id.to_string())),
        json!({
            "title": changes.title.is_some(),
            "description": changes.description.is_some(),
            "visibility": changes.visibility,
        }),
    )
    .await?;
    w.commit().await?;
    visible_video(state, id, Some(actor.id)).await
}

/// Deletes a video with its views and reactions: its owner or an admin.
pub async fn delete(
    state: &AppState,
    audit: &AuditContext,
    actor: &UserModel,
    id: Uuid,
) -> AppResult<()> {
    let video = repo::by_id(&state.db, id)
        .await?
        .filter(|v| actor.is_admin || visible_to(v, Some(actor.id)))
        .ok_or(AppError::NotFound("video"))?;
    if video.owner_id != actor.id && !actor.is_admin {
        return Err(AppError::Forbidden(
            "only the owner or an admin can delete a video",
        ));
    }
    let mut w = Write::begin(state, audit).await?;
    if !repo::delete(w.db(), id).await? {
        w.rollback().await?;
        return Err(AppError::NotFound("video"));
    }
    w.audit(
        VideoAction::Delete,
        ("Video", Some(id.to_string())),
        json!({"owner": video.owner_id}),
    )
    .await?;
    w.commit().await
}

/// Counts a view by the viewer, at most once per `VIDEO_VIEW_WINDOW_SECS`.
pub async fn record_view(
    state: &AppState,
    audit: &AuditContext,
    viewer: &UserModel,
    id: Uuid,
) -> AppResult<VideoModel> {
    visible_video(state, id, Some(viewer.id)).await?;
    let window = i64::try_from(state.config.video.video_view_window_secs).unwrap_or(i64::MAX);
    let mut w = Write::begin(state, audit).await?;
    let counted = repo::record_view(w.db(), id, viewer.id, Utc::now().timestamp(), window).await?;
    w.audit(
        VideoAction::View,
        ("Video", Some(id.to_string())),
        json!({"counted": counted}),
    )
    .await?;
    w.commit().await?;
    visible_video(state, id, Some(viewer.id)).await
}

/// Sets the viewer's reaction (`None` clears it); switching moves one count.
pub async fn react(
    state: &AppState,
    audit: &AuditContext,
    viewer: &UserModel,
    id: Uuid,
    reaction: Option<Reaction>,
) -> AppResult<VideoModel> {
    let video = visible_video(state, id, Some(viewer.id)).await?;
    let mut w = Write::begin(state, audit).await?;
    let changed = repo::set_reaction(w.db(), id, viewer.id, reaction.map(Reaction::as_str)).await?;
    w.audit(
        VideoAction::React,
        ("Video", Some(id.to_string())),
        json!({"reaction": reaction.map(Reaction::as_str), "changed": changed}),
    )
    .await?;
    w.commit().await?;
    Ok(video)
}
