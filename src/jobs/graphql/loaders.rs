use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::jobs::{JobModel, by_ids};

crate::db_loader! {
    /// Jobs by id, one statement per batch.
    pub JobById
}

impl Loader<Uuid> for JobById {
    type Value = JobModel;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(by_ids(&self.0, ids).await?)
    }
}
