//! A video page's read-ahead (see `platform::read_ahead`): owners, reaction counts and the
//! viewer's reactions its selection reaches, in one statement.

use sea_orm::{
    ConnectionTrait,
    sea_query::{Expr, ExprTrait, Query},
};
use uuid::Uuid;

use super::{
    entity::{reaction, video},
    repo::{DISLIKE, LIKE},
};
use crate::{
    platform::{
        error::AppResult,
        read_ahead::{ReadAhead, base},
    },
    users::{UserEntity, UserModel},
};

/// What to read with each video.
#[derive(Debug, Clone, Copy, Default)]
pub struct VideoReads {
    pub owner: bool,
    /// Likes and dislikes (one loader answers both).
    pub counts: bool,
    /// This user's reaction to each video.
    pub reaction_of: Option<Uuid>,
}

pub struct VideoRead {
    pub id: Uuid,
    pub owner: Option<UserModel>,
    pub counts: Option<(i64, i64)>,
    /// `Some(None)`: read, and the user has no reaction.
    pub reaction: Option<Option<String>>,
}

fn of_video() -> Expr {
    Expr::col((reaction::Entity, reaction::Column::VideoId)).eq(base("id"))
}

pub async fn videos(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    reads: VideoReads,
) -> AppResult<Vec<VideoRead>> {
    if ids.is_empty() || !(reads.owner || reads.counts || reads.reaction_of.is_some()) {
        return Ok(Vec::new());
    }
    let mut read = ReadAhead::of::<video::Entity>(ids.iter().copied());
    if reads.owner {
        read.join::<UserEntity>("o", "owner_id");
    }
    if reads.counts {
        for (name, kind) in [("likes", LIKE), ("dislikes", DISLIKE)] {
            let which = Expr::col((reaction::Entity, reaction::Column::Reaction)).eq(kind);
            read.count::<reaction::Entity>(name, of_video().and(which));
        }
    }
    if let Some(viewer) = reads.reaction_of {
        let mut sub = Query::select();
        sub.column((reaction::Entity, reaction::Column::Reaction))
            .from(reaction::Entity)
            .and_where(of_video())
            .and_where(Expr::col((reaction::Entity, reaction::Column::UserId)).eq(viewer));
        read.value("reaction", sub);
    }
    let rows = read.rows(db).await?;
    rows.iter()
        .map(|row| {
            Ok(VideoRead {
                id: row.id()?,
                owner: if reads.owner { row.joined("o")? } else { None },
                counts: match reads.counts {
                    true => Some((row.int("likes")?, row.int("dislikes")?)),
                    false => None,
                },
                reaction: match reads.reaction_of {
                    Some(_) => Some(row.text("reaction")?),
                    None => None,
                },
            })
        })
        .collect()
}
