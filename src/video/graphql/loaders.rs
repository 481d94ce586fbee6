//! BlackStream's DataLoaders: one statement per batch.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::video::{VideoModel, repo};

crate::db_loader! {
    /// Videos by id (unfiltered: callers apply `visible_to`).
    pub VideoById
}

impl Loader<Uuid> for VideoById {
    type Value = VideoModel;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(repo::by_ids(&self.0, ids).await?)
    }
}

crate::db_loader! {
    /// (likes, dislikes) of each video.
    pub VideoReactionCounts
}

impl Loader<Uuid> for VideoReactionCounts {
    type Value = (i64, i64);
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(repo::reaction_counts(&self.0, ids).await?)
    }
}

crate::db_loader! {
    /// The viewer's reaction to each video: keys are (viewer, video); absent when none.
    pub ViewerReaction
}

impl Loader<(Uuid, Uuid)> for ViewerReaction {
    type Value = String;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), Self::Value>, Self::Error> {
        let mut by_viewer: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for (viewer, video) in keys {
            by_viewer.entry(*viewer).or_default().push(*video);
        }
        let mut out = HashMap::new();
        for (viewer, videos) in by_viewer {
            for (video, reaction) in repo::reactions_of(&self.0, viewer, &videos).await? {
                out.insert((viewer, video), reaction);
            }
        }
        Ok(out)
    }
}
