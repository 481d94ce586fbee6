//! BlackStream: video metadata, visibility (public, unlisted, private), views counted once per
//! viewer per window, and like/dislike reactions.

mod audit;
mod config;
pub mod entity;
pub mod graphql;
pub mod read_ahead;
mod repo;
mod seed;
mod service;

pub use audit::VideoAction;
pub use config::VideoConfig;
pub use entity::video::Model as VideoModel;
pub use repo::{VideoFilter, by_id, page};
pub use seed::seed_demo;
pub use service::{
    MAX_DESCRIPTION_CHARS, MAX_DURATION_SECONDS, MAX_TITLE_CHARS, NewVideo, Reaction, VideoUpdate,
    Visibility, delete, publish, react, record_view, update, visible_to, visible_video,
};
