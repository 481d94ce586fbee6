use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::service;
use crate::entities::wallet;

/// Wallets by id, one statement per batch.
pub struct WalletById(pub DatabaseConnection);

impl Loader<Uuid> for WalletById {
    type Value = wallet::Model;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(service::by_ids(&self.0, ids).await?)
    }
}

/// All wallets of each owner, one statement per batch of owners.
pub struct WalletsByOwner(pub DatabaseConnection);

impl Loader<Uuid> for WalletsByOwner {
    type Value = Vec<wallet::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, owner_ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(service::by_owners(&self.0, owner_ids).await?)
    }
}

/// Wallets by address, one statement per batch.
pub struct WalletByAddress(pub DatabaseConnection);

impl Loader<String> for WalletByAddress {
    type Value = wallet::Model;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        addresses: &[String],
    ) -> Result<HashMap<String, Self::Value>, Self::Error> {
        Ok(service::by_addresses(&self.0, addresses).await?)
    }
}
