//! Queries over videos, views and reactions; view and reaction writes are single statements,
//! so concurrent calls count exactly.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, SqlErr,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::entity::{reaction, video};
use crate::platform::{
    error::{AppError, AppResult},
    paging::{PageRequest, split_page},
    sql::SqlBuilder,
};

pub const PUBLIC: &str = "public";
pub const UNLISTED: &str = "unlisted";
pub const PRIVATE: &str = "private";
pub const LIKE: &str = "like";
pub const DISLIKE: &str = "dislike";

/// A video deleted between the check and the write is not found.
fn missing(err: DbErr) -> AppError {
    match err.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => AppError::NotFound("video"),
        _ => AppError::from(err),
    }
}

pub async fn insert(db: &impl ConnectionTrait, model: video::Model) -> AppResult<video::Model> {
    let active: video::ActiveModel = model.into();
    Ok(active.insert(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<video::Model>> {
    Ok(video::Entity::find_by_id(id).one(db).await?)
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, video::Model>> {
    let rows = video::Entity::find()
        .filter(video::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|v| (v.id, v)).collect())
}

/// What an update changes; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct VideoChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub visibility: Option<&'static str>,
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: Uuid,
    changes: VideoChanges,
    at: DateTime<Utc>,
) -> AppResult<bool> {
    let mut update = video::Entity::update_many()
        .col_expr(video::Column::UpdatedAt, Expr::value(at))
        .filter(video::Column::Id.eq(id));
    if let Some(title) = changes.title {
        update = update.col_expr(video::Column::Title, Expr::value(title));
    }
    if let Some(description) = changes.description {
        update = update.col_expr(video::Column::Description, Expr::value(description));
    }
    if let Some(visibility) = changes.visibility {
        update = update.col_expr(video::Column::Visibility, Expr::value(visibility));
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Deletes the video with its views and reactions.
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> AppResult<bool> {
    for table in ["video_reactions", "video_viewers"] {
        let mut sql = SqlBuilder::new(db.get_database_backend());
        sql.push(&format!("DELETE FROM {table} WHERE video_id = "))
            .bind(id);
        db.execute_raw(sql.build()).await?;
    }
    Ok(video::Entity::delete_by_id(id)
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Which videos a list shows: public ones and the viewer's own, optionally of one owner.
#[derive(Debug, Clone, Copy)]
pub struct VideoFilter {
    pub viewer: Option<Uuid>,
    pub owner: Option<Uuid>,
}

/// Newest first, keyset on the time-ordered id.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: VideoFilter,
    page: &PageRequest<Uuid>,
) -> AppResult<(Vec<video::Model>, bool)> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT * FROM videos WHERE (visibility = ")
        .bind(PUBLIC);
    if let Some(viewer) = filter.viewer {
        sql.push(" OR owner_id = ").bind(viewer);
    }
    sql.push(")");
    if let Some(owner) = filter.owner {
        sql.push(" AND owner_id = ").bind(owner);
    }
    if let Some(cursor) = page.cursor {
        sql.push(" AND id < ").bind(cursor);
    }
    sql.push(" ORDER BY id DESC LIMIT ")
        .bind(page.limit as i64 + 1);
    Ok(split_page(sql.models(db).await?, page.limit))
}

/// Counts a view unless this viewer's last counted view is less than `window_secs` old: one
/// upsert, so concurrent calls by one viewer count once. True when counted.
pub async fn record_view(
    db: &impl ConnectionTrait,
    video: Uuid,
    viewer: Uuid,
    now_secs: i64,
    window_secs: i64,
) -> AppResult<bool> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("INSERT INTO video_viewers (id, video_id, viewer_id, last_counted_at) VALUES (")
        .bind(Uuid::now_v7())
        .push(", ")
        .bind(video)
        .push(", ")
        .bind(viewer)
        .push(", ")
        .bind(now_secs)
        .push(
            ") ON CONFLICT (video_id, viewer_id) DO UPDATE SET last_counted_at = \
             excluded.last_counted_at WHERE video_viewers.last_counted_at <= ",
        )
        .bind(now_secs - window_secs);
    let done = db.execute_raw(sql.build()).await.map_err(missing)?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    video::Entity::update_many()
        .col_expr(
            video::Column::ViewCount,
            Expr::col(video::Column::ViewCount).add(1),
        )
        .filter(video::Column::Id.eq(video))
        .exec(db)
        .await?;
    Ok(true)
}

/// Sets (or with `None` clears) the user's reaction. True when something changed.
pub async fn set_reaction(
    db: &impl ConnectionTrait,
    video: Uuid,
    user: Uuid,
    reaction: Option<&'static str>,
) -> AppResult<bool> {
    let Some(reaction) = reaction else {
        let done = reaction::Entity::delete_many()
            .filter(reaction::Column::VideoId.eq(video))
            .filter(reaction::Column::UserId.eq(user))
            .exec(db)
            .await?;
        return Ok(done.rows_affected > 0);
    };
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("INSERT INTO video_reactions (id, video_id, user_id, reaction, created_at) VALUES (")
        .bind(Uuid::now_v7())
        .push(", ")
        .bind(video)
        .push(", ")
        .bind(user)
        .push(", ")
        .bind(reaction)
        .push(", ")
        .bind(Utc::now())
        .push(
            ") ON CONFLICT (video_id, user_id) DO UPDATE SET reaction = excluded.reaction, \
             created_at = excluded.created_at WHERE video_reactions.reaction <> excluded.reaction",
        );
    let done = db.execute_raw(sql.build()).await.map_err(missing)?;
    Ok(done.rows_affected() == 1)
}

/// (likes, dislikes) of each video.
pub async fn reaction_counts(
    db: &impl ConnectionTrait,
    videos: &[Uuid],
) -> AppResult<HashMap<Uuid, (i64, i64)>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push(
        "SELECT video_id, reaction, CAST(COUNT(*) AS BIGINT) AS n FROM video_reactions \
         WHERE video_id IN ",
    )
    .bind_list(videos.iter().copied())
    .push(" GROUP BY video_id, reaction");
    let mut out: HashMap<Uuid, (i64, i64)> = videos.iter().map(|id| (*id, (0, 0))).collect();
    for row in sql.all(db).await? {
        let video: Uuid = row.try_get("", "video_id")?;
        let reaction: String = row.try_get("", "reaction")?;
        let n: i64 = row.try_get("", "n")?;
        let entry = out.entry(video).or_default();
        match reaction.as_str() {
            LIKE => entry.0 = n,
            DISLIKE => entry.1 = n,
            _ => {}
        }
    }
    Ok(out)
}

/// The user's reaction to each of `videos` that has one.
pub async fn reactions_of(
    db: &impl ConnectionTrait,
    user: Uuid,
    videos: &[Uuid],
) -> AppResult<HashMap<Uuid, String>> {
    let rows = reaction::Entity::find()
        .filter(reaction::Column::UserId.eq(user))
        .filter(reaction::Column::VideoId.is_in(videos.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.video_id, r.reaction)).collect())
}
