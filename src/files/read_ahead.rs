//! A file page's read-ahead (see `platform::read_ahead`): each file's folder, in one statement.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::entity::node;
use crate::platform::{error::AppResult, read_ahead::to_one};

/// The parent folder of each node (by the node's id); absent for a root.
pub async fn parents(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, node::Model>> {
    to_one::<node::Entity, node::Entity>(db, ids, "parent_id").await
}
