use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::users::{UserModel, by_ids};

crate::db_loader! {
    /// Users by id, one `SELECT … WHERE id IN (…)` per batch.
    pub UserById
}

impl Loader<Uuid> for UserById {
    type Value = UserModel;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(by_ids(&self.0, ids).await?)
    }
}
