//! Queries over posts, comments, likes and follows, including the batched SQL the loaders run
//! (one statement per batch of keys; paged children through one window-function statement).

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, SqlErr,
};
use uuid::Uuid;

use super::entity::{comment, follow, like, post};
use crate::platform::{
    error::{AppError, AppResult},
    paging::{PageRequest, split_page},
    sql::SqlBuilder,
};

/// A row that refers to something deleted meanwhile (a like on a post just deleted) is that
/// thing not being found.
fn missing(err: DbErr, what: &'static str) -> AppError {
    match err.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => AppError::NotFound(what),
        _ => AppError::from(err),
    }
}

pub async fn insert_post(db: &impl ConnectionTrait, model: post::Model) -> AppResult<post::Model> {
    let active: post::ActiveModel = model.into();
    active.insert(db).await.map_err(|e| missing(e, "user"))
}

pub async fn post_by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<post::Model>> {
    Ok(post::Entity::find_by_id(id).one(db).await?)
}

pub async fn posts_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, post::Model>> {
    let rows = post::Entity::find()
        .filter(post::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|p| (p.id, p)).collect())
}

/// Deletes the post with its comments and likes (explicitly, not trusting every backend to
/// cascade); false when it was already gone.
pub async fn delete_post(db: &impl ConnectionTrait, id: Uuid) -> AppResult<bool> {
    like::Entity::delete_many()
        .filter(like::Column::PostId.eq(id))
        .exec(db)
        .await?;
    comment::Entity::delete_many()
        .filter(comment::Column::PostId.eq(id))
        .exec(db)
        .await?;
    let deleted = post::Entity::delete_by_id(id).exec(db).await?;
    Ok(deleted.rows_affected == 1)
}

/// The viewer's own posts and those of everyone they follow, newest first. Keyed on the
/// time-ordered id, so posts added meanwhile never shift a later page.
///
/// On PostgreSQL each author's newest `limit + 1` come from `idx_posts_author` (a LATERAL
/// subquery per author), then the page is the newest of those: the `OR … IN` form walks the
/// primary key backwards and filters every post newer than the page's oldest (all ~2,000 of
/// the seeded data's for a viewer with quiet followees). SQLite plans the plain form well.
pub async fn feed_page(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    page: &PageRequest<Uuid>,
) -> AppResult<(Vec<post::Model>, bool)> {
    let backend = db.get_database_backend();
    let mut sql = SqlBuilder::new(backend);
    let fetch = page.limit as i64 + 1;
    if backend == DbBackend::Postgres {
        // UNION, not UNION ALL: a viewer following themselves must not see posts twice.
        sql.push("SELECT p.* FROM (SELECT CAST(")
            .bind(viewer)
            .push(" AS uuid) AS author UNION SELECT followee_id FROM follows WHERE follower_id = ")
            .bind(viewer)
            .push(") a CROSS JOIN LATERAL (SELECT * FROM posts WHERE posts.author_id = a.author");
        if let Some(cursor) = page.cursor {
            sql.push(" AND posts.id < ").bind(cursor);
        }
        sql.push(" ORDER BY posts.id DESC LIMIT ")
            .bind(fetch)
            .push(") p ORDER BY p.id DESC LIMIT ")
            .bind(fetch);
    } else {
        sql.push("SELECT * FROM posts WHERE (author_id = ")
            .bind(viewer)
            .push(" OR author_id IN (SELECT followee_id FROM follows WHERE follower_id = ")
            .bind(viewer)
            .push("))");
        if let Some(cursor) = page.cursor {
            sql.push(" AND id < ").bind(cursor);
        }
        sql.push(" ORDER BY id DESC LIMIT ").bind(fetch);
    }
    Ok(split_page(sql.models(db).await?, page.limit))
}

/// One page of children of one parent (a user's posts, a post's comments, a user's follows):
/// `limit` rows after the `after` id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChildPage {
    pub parent: Uuid,
    pub limit: u64,
    pub after: Option<Uuid>,
}

/// Which table a paged child list reads, and in which order.
struct Children {
    table: &'static str,
    parent: &'static str,
    newest_first: bool,
}

const POSTS_OF_AUTHOR: Children = Children {
    table: "posts",
    parent: "author_id",
    newest_first: true,
};
const COMMENTS_OF_POST: Children = Children {
    table: "post_comments",
    parent: "post_id",
    newest_first: false,
};
const FOLLOWERS_OF: Children = Children {
    table: "follows",
    parent: "followee_id",
    newest_first: true,
};
const FOLLOWING_OF: Children = Children {
    table: "follows",
    parent: "follower_id",
    newest_first: true,
};

/// Pages of children for many parents: one statement per distinct (limit, cursor).
async fn child_pages<M: FromQueryResult>(
    db: &impl ConnectionTrait,
    spec: &Children,
    keys: &[ChildPage],
    parent_of: impl Fn(&M) -> Uuid,
) -> AppResult<HashMap<ChildPage, Vec<M>>> {
    let mut groups: HashMap<(u64, Option<Uuid>), Vec<Uuid>> = HashMap::new();
    for key in keys {
        groups
            .entry((key.limit, key.after))
            .or_default()
            .push(key.parent);
    }
    let (dir, cmp) = if spec.newest_first {
        ("DESC", "<")
    } else {
        ("ASC", ">")
    };
    let mut out: HashMap<ChildPage, Vec<M>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for ((limit, after), parents) in groups {
        let mut sql = SqlBuilder::new(db.get_database_backend());
        sql.push(&format!(
            "SELECT * FROM (SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.{p} ORDER BY c.id {dir}) \
             AS rn FROM {t} c WHERE c.{p} IN ",
            p = spec.parent,
            t = spec.table
        ));
        sql.bind_list(parents);
        if let Some(after) = after {
            sql.push(&format!(" AND c.id {cmp} ")).bind(after);
        }
        sql.push(") r WHERE r.rn <= ")
            .bind(limit as i64)
            .push(&format!(" ORDER BY r.id {dir}"));
        for row in sql.models::<M>(db).await? {
            let key = ChildPage {
                parent: parent_of(&row),
                limit,
                after,
            };
            out.entry(key).or_default().push(row);
        }
    }
    Ok(out)
}

pub async fn posts_of_authors(
    db: &impl ConnectionTrait,
    keys: &[ChildPage],
) -> AppResult<HashMap<ChildPage, Vec<post::Model>>> {
    child_pages(db, &POSTS_OF_AUTHOR, keys, |p: &post::Model| p.author_id).await
}

pub async fn comments_of_posts(
    db: &impl ConnectionTrait,
    keys: &[ChildPage],
) -> AppResult<HashMap<ChildPage, Vec<comment::Model>>> {
    child_pages(db, &COMMENTS_OF_POST, keys, |c: &comment::Model| c.post_id).await
}

/// Follows of each followed user (their followers), newest first.
pub async fn followers_of(
    db: &impl ConnectionTrait,
    keys: &[ChildPage],
) -> AppResult<HashMap<ChildPage, Vec<follow::Model>>> {
    child_pages(db, &FOLLOWERS_OF, keys, |f: &follow::Model| f.followee_id).await
}

/// Follows by each follower (who they follow), newest first.
pub async fn following_of(
    db: &impl ConnectionTrait,
    keys: &[ChildPage],
) -> AppResult<HashMap<ChildPage, Vec<follow::Model>>> {
    child_pages(db, &FOLLOWING_OF, keys, |f: &follow::Model| f.follower_id).await
}

/// Rows per value of `column` among `ids` in `table` (0 for those without any).
async fn counts(
    db: &impl ConnectionTrait,
    table: &str,
    column: &str,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, i64>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT {column} AS k, CAST(COUNT(*) AS BIGINT) AS n FROM {table} WHERE {column} IN "
    ))
    .bind_list(ids.iter().copied())
    .push(&format!(" GROUP BY {column}"));
    let mut out: HashMap<Uuid, i64> = ids.iter().map(|id| (*id, 0)).collect();
    for row in sql.all(db).await? {
        let key: Uuid = row.try_get("", "k")?;
        let n: i64 = row.try_get("", "n")?;
        out.insert(key, n);
    }
    Ok(out)
}

pub async fn like_counts(
    db: &impl ConnectionTrait,
    posts: &[Uuid],
) -> AppResult<HashMap<Uuid, i64>> {
    counts(db, "post_likes", "post_id", posts).await
}

pub async fn comment_counts(
    db: &impl ConnectionTrait,
    posts: &[Uuid],
) -> AppResult<HashMap<Uuid, i64>> {
    counts(db, "post_comments", "post_id", posts).await
}

pub async fn follower_counts(
    db: &impl ConnectionTrait,
    users: &[Uuid],
) -> AppResult<HashMap<Uuid, i64>> {
    counts(db, "follows", "followee_id", users).await
}

pub async fn following_counts(
    db: &impl ConnectionTrait,
    users: &[Uuid],
) -> AppResult<HashMap<Uuid, i64>> {
    counts(db, "follows", "follower_id", users).await
}

/// Which of `posts` the user has liked.
pub async fn liked_among(
    db: &impl ConnectionTrait,
    user: Uuid,
    posts: &[Uuid],
) -> AppResult<HashSet<Uuid>> {
    let rows = like::Entity::find()
        .filter(like::Column::UserId.eq(user))
        .filter(like::Column::PostId.is_in(posts.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|l| l.post_id).collect())
}

/// Which of `users` the follower follows.
pub async fn followed_among(
    db: &impl ConnectionTrait,
    follower: Uuid,
    users: &[Uuid],
) -> AppResult<HashSet<Uuid>> {
    let rows = follow::Entity::find()
        .filter(follow::Column::FollowerId.eq(follower))
        .filter(follow::Column::FolloweeId.is_in(users.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|f| f.followee_id).collect())
}

pub async fn follows(db: &impl ConnectionTrait, follower: Uuid, followee: Uuid) -> AppResult<bool> {
    Ok(!followed_among(db, follower, &[followee]).await?.is_empty())
}

/// Inserts a (table, a, b) pair row unless one exists: one statement, so concurrent calls
/// add exactly one row. True when this call added it.
async fn insert_pair(
    db: &impl ConnectionTrait,
    table: &str,
    cols: (&str, &str),
    values: (Uuid, Uuid),
    what: &'static str,
) -> AppResult<bool> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push(&format!(
        "INSERT INTO {table} (id, {a}, {b}, created_at) VALUES (",
        a = cols.0,
        b = cols.1
    ))
    .bind(Uuid::now_v7())
    .push(", ")
    .bind(values.0)
    .push(", ")
    .bind(values.1)
    .push(", ")
    .bind(chrono::Utc::now())
    .push(&format!(
        ") ON CONFLICT ({}, {}) DO NOTHING",
        cols.0, cols.1
    ));
    let done = db
        .execute_raw(sql.build())
        .await
        .map_err(|e| missing(e, what))?;
    Ok(done.rows_affected() == 1)
}

/// Likes the post; false when the user already did.
pub async fn insert_like(db: &impl ConnectionTrait, post: Uuid, user: Uuid) -> AppResult<bool> {
    insert_pair(
        db,
        "post_likes",
        ("post_id", "user_id"),
        (post, user),
        "post",
    )
    .await
}

pub async fn delete_like(db: &impl ConnectionTrait, post: Uuid, user: Uuid) -> AppResult<bool> {
    let done = like::Entity::delete_many()
        .filter(like::Column::PostId.eq(post))
        .filter(like::Column::UserId.eq(user))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// Follows the user; false when the follower already did.
pub async fn insert_follow(
    db: &impl ConnectionTrait,
    follower: Uuid,
    followee: Uuid,
) -> AppResult<bool> {
    insert_pair(
        db,
        "follows",
        ("follower_id", "followee_id"),
        (follower, followee),
        "user",
    )
    .await
}

pub async fn delete_follow(
    db: &impl ConnectionTrait,
    follower: Uuid,
    followee: Uuid,
) -> AppResult<bool> {
    let done = follow::Entity::delete_many()
        .filter(follow::Column::FollowerId.eq(follower))
        .filter(follow::Column::FolloweeId.eq(followee))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

pub async fn insert_comment(
    db: &impl ConnectionTrait,
    model: comment::Model,
) -> AppResult<comment::Model> {
    let active: comment::ActiveModel = model.into();
    active.insert(db).await.map_err(|e| missing(e, "post"))
}

pub async fn comment_by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<Option<comment::Model>> {
    Ok(comment::Entity::find_by_id(id).one(db).await?)
}

pub async fn comments_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, comment::Model>> {
    let rows = comment::Entity::find()
        .filter(comment::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

pub async fn delete_comment(db: &impl ConnectionTrait, id: Uuid) -> AppResult<bool> {
    Ok(comment::Entity::delete_by_id(id)
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// A user's followers, followings and posts, in one statement (for the dashboard).
pub async fn profile_counts(db: &impl ConnectionTrait, user: Uuid) -> AppResult<ProfileCounts> {
    let mut sql = crate::platform::sql::SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT (SELECT COUNT(*) FROM follows WHERE followee_id = ")
        .bind(user)
        .push(") AS followers, (SELECT COUNT(*) FROM follows WHERE follower_id = ")
        .bind(user)
        .push(") AS following, (SELECT COUNT(*) FROM posts WHERE author_id = ")
        .bind(user)
        .push(") AS posts");
    let rows = sql.all(db).await?;
    let Some(row) = rows.first() else {
        return Ok(ProfileCounts::default());
    };
    Ok(ProfileCounts {
        followers: row.try_get("", "followers")?,
        following: row.try_get("", "following")?,
        posts: row.try_get("", "posts")?,
    })
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ProfileCounts {
    pub followers: i64,
    pub following: i64,
    pub posts: i64,
}
