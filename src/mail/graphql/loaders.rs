use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::mail::{MailModel, repo};

crate::db_loader! {
    /// Copies by id, one statement per batch (owners are checked by the caller).
    pub MailById
}

impl Loader<Uuid> for MailById {
    type Value = MailModel;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(repo::by_ids(&self.0, ids).await?)
    }
}

crate::db_loader! {
    /// An owner's copy of a sending, by (owner, message key): `inReplyTo`.
    pub MailCopyOf
}

impl Loader<(Uuid, Uuid)> for MailCopyOf {
    type Value = MailModel;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        pairs: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), Self::Value>, Self::Error> {
        Ok(repo::copies_of(&self.0, pairs).await?)
    }
}

crate::db_loader! {
    /// An owner's copies in a conversation, by (owner, thread key), oldest first: `thread`.
    pub MailThread
}

impl Loader<(Uuid, Uuid)> for MailThread {
    type Value = Vec<MailModel>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        pairs: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), Self::Value>, Self::Error> {
        Ok(repo::threads(&self.0, pairs).await?)
    }
}

crate::db_loader! {
    /// The recipients of each sending, by message key: `to`.
    pub MailRecipients
}

impl Loader<Uuid> for MailRecipients {
    type Value = Vec<Uuid>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(repo::recipients(&self.0, keys).await?)
    }
}
