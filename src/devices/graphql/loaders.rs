use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::devices::{DeviceModel, repo};

crate::db_loader! {
    /// Devices by id, one statement per batch (owners are checked by the caller).
    pub DeviceById
}

impl Loader<Uuid> for DeviceById {
    type Value = DeviceModel;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(repo::by_ids(&self.0, ids).await?)
    }
}
