use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::wallet::{WalletModel, by_addresses, by_ids, by_owners};

crate::db_loader! {
    /// Wallets by id, one statement per batch.
    pub WalletById
}

impl Loader<Uuid> for WalletById {
    type Value = WalletModel;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(by_ids(&self.0, ids).await?)
    }
}

crate::db_loader! {
    /// All wallets of each owner, one statement per batch of owners.
    pub WalletsByOwner
}

impl Loader<Uuid> for WalletsByOwner {
    type Value = Vec<WalletModel>;
    type Error = async_graphql::Error;

    async fn load(&self, owner_ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(by_owners(&self.0, owner_ids).await?)
    }
}

crate::db_loader! {
    /// Wallets by address, one statement per batch.
    pub WalletByAddress
}

impl Loader<String> for WalletByAddress {
    type Value = WalletModel;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        addresses: &[String],
    ) -> Result<HashMap<String, Self::Value>, Self::Error> {
        Ok(by_addresses(&self.0, addresses).await?)
    }
}
