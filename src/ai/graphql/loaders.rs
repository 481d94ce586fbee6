use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::ai::{
    ConversationModel, MessageModel, MessagesKey, conversations_by_ids, messages_by_ids,
    messages_pages,
};

crate::db_loader! {
    /// Conversations by id, one statement per batch.
    pub ConversationById
}

impl Loader<Uuid> for ConversationById {
    type Value = ConversationModel;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(conversations_by_ids(&self.0, ids).await?)
    }
}

crate::db_loader! {
    /// Chat messages by id, one statement per batch.
    pub MessageById
}

impl Loader<Uuid> for MessageById {
    type Value = MessageModel;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(messages_by_ids(&self.0, ids).await?)
    }
}

crate::db_loader! {
    /// A page of each conversation's messages, one statement per batch.
    pub MessagesByConversation
}

impl Loader<MessagesKey> for MessagesByConversation {
    type Value = Vec<MessageModel>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[MessagesKey],
    ) -> Result<HashMap<MessagesKey, Self::Value>, Self::Error> {
        Ok(messages_pages(&self.0, keys).await?)
    }
}
