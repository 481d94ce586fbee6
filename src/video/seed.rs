//! Demo videos and reactions for `blackroad-api seed`.

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, rngs::StdRng};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::{
    entity::{reaction, video},
    repo::{DISLIKE, LIKE, PRIVATE, PUBLIC, UNLISTED},
};

const CHUNK: usize = 500;
const TITLES: &[&str] = &[
    "Mining RoadCoin on a laptop",
    "BlackRoad OS tour",
    "How blocks are chained",
    "Sunset timelapse",
];

/// Every third user publishes a video (mostly public, some unlisted or private), and others
/// react to the public ones. Returns (videos, reactions).
pub async fn seed_demo(
    db: &impl ConnectionTrait,
    users: &[Uuid],
    rng: &mut StdRng,
    start: DateTime<Utc>,
) -> Result<(usize, usize), sea_orm::DbErr> {
    let mut videos = Vec::new();
    let mut reactions = Vec::new();
    for (i, owner) in users.iter().enumerate().step_by(3) {
        let id = Uuid::now_v7();
        let visibility = match i % 9 {
            3 => UNLISTED,
            6 => PRIVATE,
            _ => PUBLIC,
        };
        let at = start + Duration::seconds(i as i64);
        videos.push(video::ActiveModel {
            id: Set(id),
            owner_id: Set(*owner),
            title: Set(TITLES[i % TITLES.len()].to_owned()),
            description: Set(Some("A BlackStream demo video.".to_owned())),
            url: Set(format!("https://videos.blackroad.example/demo/{i}.mp4")),
            duration_seconds: Set(rng.gen_range(30..=900)),
            visibility: Set(visibility.to_owned()),
            view_count: Set(rng.gen_range(0..500)),
            created_at: Set(at),
            updated_at: Set(at),
        });
        if visibility == PUBLIC {
            for fan in users
                .iter()
                .filter(|u| *u != owner)
                .take(rng.gen_range(0..=6))
            {
                reactions.push(reaction::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    video_id: Set(id),
                    user_id: Set(*fan),
                    reaction: Set(if rng.gen_bool(0.8) { LIKE } else { DISLIKE }.to_owned()),
                    created_at: Set(at),
                });
            }
        }
    }
    let counts = (videos.len(), reactions.len());
    for chunk in videos.chunks(CHUNK) {
        video::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    for chunk in reactions.chunks(CHUNK) {
        reaction::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(counts)
}
