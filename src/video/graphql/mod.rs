//! BlackStream in GraphQL: `videos`, `video`, the video mutations and the `Video` type.

mod loaders;
mod mutation;
mod plan;
mod query;
mod types;

pub use loaders::{VideoById, VideoReactionCounts, ViewerReaction};
pub use mutation::{MUTATION_TAGS, VideoMutation};
pub use query::VideoQuery;
pub use types::{Reaction, Video, VideoConnection, VideoVisibility, video_connection};
