//! The social domain's DataLoaders: one statement per batch of keys.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::social::{
    CommentModel, PostModel,
    entity::follow,
    repo::{self, ChildPage},
};

/// A loader over one repo function taking the batch of keys.
macro_rules! batch_loader {
    ($(#[$meta:meta])* $name:ident: $key:ty => $value:ty, $load:path) => {
        crate::db_loader! { $(#[$meta])* pub $name }

        impl Loader<$key> for $name {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, Self::Error> {
                Ok($load(&self.0, keys).await?)
            }
        }
    };
}

batch_loader!(/** Posts by id. */ PostById: Uuid => PostModel, repo::posts_by_ids);
batch_loader!(/** Comments by id. */ CommentById: Uuid => CommentModel, repo::comments_by_ids);
batch_loader!(/** Likes of each post. */ PostLikeCount: Uuid => i64, repo::like_counts);
batch_loader!(/** Comments of each post. */ PostCommentCount: Uuid => i64, repo::comment_counts);
batch_loader!(/** Followers of each user. */ FollowerCount: Uuid => i64, repo::follower_counts);
batch_loader!(/** Users each user follows. */ FollowingCount: Uuid => i64, repo::following_counts);
batch_loader!(
    /** A page of each author's posts, newest first. */
    PostsByAuthor: ChildPage => Vec<PostModel>, repo::posts_of_authors
);
batch_loader!(
    /** A page of each post's comments, oldest first. */
    CommentsByPost: ChildPage => Vec<CommentModel>, repo::comments_of_posts
);
batch_loader!(
    /** A page of each user's followers (their follows), newest first. */
    FollowersOf: ChildPage => Vec<follow::Model>, repo::followers_of
);
batch_loader!(
    /** A page of whom each user follows, newest first. */
    FollowingOf: ChildPage => Vec<follow::Model>, repo::following_of
);

/// Groups `(viewer, target)` keys by viewer (a request has one) and asks `among` which
/// targets each viewer has.
async fn viewer_flags<F, Fut>(
    keys: &[(Uuid, Uuid)],
    among: F,
) -> Result<HashMap<(Uuid, Uuid), bool>, async_graphql::Error>
where
    F: Fn(Uuid, Vec<Uuid>) -> Fut,
    Fut: Future<Output = crate::platform::error::AppResult<std::collections::HashSet<Uuid>>>,
{
    let mut by_viewer: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (viewer, target) in keys {
        by_viewer.entry(*viewer).or_default().push(*target);
    }
    let mut out = HashMap::new();
    for (viewer, targets) in by_viewer {
        let yes = among(viewer, targets.clone()).await?;
        for target in targets {
            out.insert((viewer, target), yes.contains(&target));
        }
    }
    Ok(out)
}

crate::db_loader! {
    /// Whether the viewer liked each post: keys are (viewer, post).
    pub ViewerLiked
}

impl Loader<(Uuid, Uuid)> for ViewerLiked {
    type Value = bool;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), bool>, Self::Error> {
        viewer_flags(keys, |viewer, posts| async move {
            repo::liked_among(&self.0, viewer, &posts).await
        })
        .await
    }
}

crate::db_loader! {
    /// Whether the viewer follows each user: keys are (viewer, user).
    pub ViewerFollows
}

impl Loader<(Uuid, Uuid)> for ViewerFollows {
    type Value = bool;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), bool>, Self::Error> {
        viewer_flags(keys, |viewer, users| async move {
            repo::followed_among(&self.0, viewer, &users).await
        })
        .await
    }
}
