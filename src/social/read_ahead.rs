//! A post page's read-ahead: the authors, counts and the viewer's likes its selection reaches,
//! in one statement (see `platform::read_ahead`).

use sea_orm::sea_query::{Expr, ExprTrait};
use uuid::Uuid;

use super::entity::{comment, like, post};
use crate::{
    platform::{
        error::AppResult,
        read_ahead::{ReadAhead, base},
    },
    users::{UserEntity, UserModel},
};

/// What to read with each post.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostReads {
    pub author: bool,
    pub likes: bool,
    pub comments: bool,
    /// Whether this user liked each post.
    pub liked_by: Option<Uuid>,
}

impl PostReads {
    pub fn any(&self) -> bool {
        self.author || self.likes || self.comments || self.liked_by.is_some()
    }
}

/// One post's read-ahead values (`None` where not asked for).
pub struct PostRead {
    pub id: Uuid,
    pub author: Option<UserModel>,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    pub liked: Option<bool>,
}

pub async fn posts(
    db: &impl sea_orm::ConnectionTrait,
    ids: &[Uuid],
    reads: PostReads,
) -> AppResult<Vec<PostRead>> {
    if ids.is_empty() || !reads.any() {
        return Ok(Vec::new());
    }
    let mut read = ReadAhead::of::<post::Entity>(ids.iter().copied());
    if reads.author {
        read.join::<UserEntity>("a", "author_id");
    }
    if reads.likes {
        read.count::<like::Entity>(
            "likes",
            Expr::col((like::Entity, like::Column::PostId)).eq(base("id")),
        );
    }
    if reads.comments {
        read.count::<comment::Entity>(
            "comments",
            Expr::col((comment::Entity, comment::Column::PostId)).eq(base("id")),
        );
    }
    if let Some(viewer) = reads.liked_by {
        read.count::<like::Entity>(
            "liked",
            Expr::col((like::Entity, like::Column::PostId))
                .eq(base("id"))
                .and(Expr::col((like::Entity, like::Column::UserId)).eq(viewer)),
        );
    }
    let rows = read.rows(db).await?;
    rows.iter()
        .map(|row| {
            Ok(PostRead {
                id: row.id()?,
                author: if reads.author { row.joined("a")? } else { None },
                likes: reads.likes.then(|| row.int("likes")).transpose()?,
                comments: reads.comments.then(|| row.int("comments")).transpose()?,
                liked: match reads.liked_by {
                    Some(_) => Some(row.int("liked")? > 0),
                    None => None,
                },
            })
        })
        .collect()
}
