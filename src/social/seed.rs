//! Demo posts, comments, likes and follows for `blackroad-api seed`.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, rngs::StdRng};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::entity::{comment, follow, like, post};

const CHUNK: usize = 500;
const BODIES: &[&str] = &[
    "Just mined my first block on BlackRoad!",
    "Anyone else watching the hash rate climb today?",
    "Sent some RoadCoin to a friend: instant and painless.",
    "New video up on BlackStream, go take a look.",
    "Coffee, code, and a clean chain verification. Good morning.",
    "Tip: follow people to fill your feed.",
];
const COMMENTS: &[&str] = &["Nice!", "Congrats 🎉", "Same here.", "Tell me more?"];

/// What was seeded, for the summary line.
pub struct SocialSeeded {
    pub posts: usize,
    pub follows: usize,
    pub likes: usize,
    pub comments: usize,
}

/// Each user posts one to three times, follows up to five others, likes and comments on some
/// posts of people they follow.
pub async fn seed_demo(
    db: &impl ConnectionTrait,
    users: &[Uuid],
    rng: &mut StdRng,
    start: DateTime<Utc>,
) -> Result<SocialSeeded, sea_orm::DbErr> {
    let mut posts = Vec::new();
    let mut follows = Vec::new();
    let mut likes = Vec::new();
    let mut comments = Vec::new();
    let mut at = start;
    for (i, author) in users.iter().enumerate() {
        for _ in 0..rng.gen_range(1..=3) {
            at += Duration::seconds(rng.gen_range(1..=30));
            posts.push((*author, Uuid::now_v7(), at));
        }
        let mut followed = HashSet::new();
        for _ in 0..users.len().saturating_sub(1).min(5) {
            let other = (i + rng.gen_range(1..users.len())) % users.len();
            if followed.insert(other) {
                follows.push(follow::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    follower_id: Set(*author),
                    followee_id: Set(users[other]),
                    created_at: Set(start),
                });
            }
        }
    }
    for (author, id, created_at) in &posts {
        let mut likers = HashSet::new();
        for _ in 0..rng.gen_range(0..=4) {
            let fan = users[rng.gen_range(0..users.len())];
            if fan != *author && likers.insert(fan) {
                likes.push(like::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    post_id: Set(*id),
                    user_id: Set(fan),
                    created_at: Set(*created_at + Duration::seconds(5)),
                });
            }
        }
        if rng.gen_bool(0.4) {
            comments.push(comment::ActiveModel {
                id: Set(Uuid::now_v7()),
                post_id: Set(*id),
                author_id: Set(users[rng.gen_range(0..users.len())]),
                body: Set(COMMENTS[rng.gen_range(0..COMMENTS.len())].to_owned()),
                created_at: Set(*created_at + Duration::seconds(10)),
            });
        }
    }
    let post_rows: Vec<post::ActiveModel> = posts
        .iter()
        .map(|(author, id, created_at)| post::ActiveModel {
            id: Set(*id),
            author_id: Set(*author),
            body: Set(BODIES[id.as_u128() as usize % BODIES.len()].to_owned()),
            media_url: Set(None),
            created_at: Set(*created_at),
        })
        .collect();
    let counts = SocialSeeded {
        posts: post_rows.len(),
        follows: follows.len(),
        likes: likes.len(),
        comments: comments.len(),
    };
    for chunk in post_rows.chunks(CHUNK) {
        post::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    for chunk in follows.chunks(CHUNK) {
        follow::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    for chunk in likes.chunks(CHUNK) {
        like::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    for chunk in comments.chunks(CHUNK) {
        comment::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(counts)
}
