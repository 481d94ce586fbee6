//! The social domain in GraphQL: `feed`, `post`, the social mutations, `postAdded`, the
//! `Post` and `Comment` types and the social fields of `User`.

mod loaders;
mod mutation;
mod plan;
mod query;
mod subscription;
mod types;
mod user;

pub use loaders::{
    CommentById, CommentsByPost, FollowerCount, FollowersOf, FollowingCount, FollowingOf, PostById,
    PostCommentCount, PostLikeCount, PostsByAuthor, ViewerFollows, ViewerLiked,
};
pub use mutation::{MUTATION_TAGS, SocialMutation};
pub use query::{SocialQuery, decode_as};
pub use subscription::SocialSubscription;
pub use types::{
    Comment, CommentConnection, Post, PostConnection, UserConnection, comment_connection,
    post_connection, user_connection,
};
pub use user::UserSocial;
