//! BlackRoad Social: posts, comments, likes and follows, the feed of a user's own and followed
//! users' posts, live `postAdded`, and the social fields of `User`. `UserConnection` (a page
//! of users) is exported for other domains' user lists.

mod audit;
pub mod entity;
pub mod graphql;
mod message;
pub mod read_ahead;
mod repo;
mod seed;
mod service;

pub use audit::SocialAction;
pub use entity::{comment::Model as CommentModel, post::Model as PostModel};
pub use graphql::{UserConnection, user_connection};
pub use message::PostAdded;
pub use repo::{ChildPage, ProfileCounts, feed_page, follows, post_by_id, profile_counts};
pub use seed::{SocialSeeded, seed_demo};
pub use service::{
    MAX_COMMENT_CHARS, MAX_POST_CHARS, add_comment, create_post, delete_comment, delete_post,
    follow, like_post, unfollow, unlike_post,
};
