//! Relay object identification: the `Node` interface, `node(id:)` and `nodes(ids:)`.

use async_graphql::{Context, ID, Interface, Object, Result};
use futures_util::future::try_join_all;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::{
    context::ContextExt,
    ids::{self, NodeType},
};
use crate::{
    chain::types::{Block, Transaction},
    entities::event,
    error::AppError,
    events::types::Event,
    users::types::User,
    wallet::types::Wallet,
};

/// Most ids `nodes` accepts in one call.
const MAX_NODES: usize = 100;

#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    User(User),
    Wallet(Wallet),
    Transaction(Transaction),
    Block(Block),
    Event(Event),
}

async fn load(ctx: &Context<'_>, kind: NodeType, id: Uuid) -> Result<Option<Node>> {
    let loaders = ctx.loaders()?;
    Ok(match kind {
        NodeType::User => loaders
            .user_by_id
            .load_one(id)
            .await?
            .filter(|u| u.is_active)
            .map(|u| Node::User(User::new(u))),
        NodeType::Wallet => loaders
            .wallet_by_id
            .load_one(id)
            .await?
            .map(|w| Node::Wallet(Wallet::new(w, false))),
        NodeType::Block => loaders
            .block_by_id
            .load_one(id)
            .await?
            .map(|b| Node::Block(Block(b))),
        NodeType::Transaction => loaders
            .transaction_by_id
            .load_one(id)
            .await?
            .map(|t| Node::Transaction(Transaction(t))),
        // The audit log is for admins; to anyone else its entries do not exist. Rarely
        // fetched by id, so no loader.
        NodeType::Event => {
            let admin = ctx.viewer()?.user().is_some_and(|u| u.user.is_admin);
            if !admin {
                return Ok(None);
            }
            event::Entity::find_by_id(id)
                .one(&ctx.state()?.db)
                .await
                .map_err(AppError::from)?
                .map(|e| Node::Event(Event(e)))
        }
    })
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global ID; null when it does not exist.
    #[graphql(cache_control(max_age = 10, private))]
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let (kind, id) = ids::decode(&id, "id")?;
        load(ctx, kind, id).await
    }

    /// Several objects by global ID, in the same order; batched into one query per type.
    #[graphql(
        cache_control(max_age = 10, private),
        complexity = "ids.len().max(1) * child_complexity"
    )]
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(
                AppError::bad_input("ids", format!("at most {MAX_NODES} ids per call")).into(),
            );
        }
        let decoded = ids
            .iter()
            .map(|id| ids::decode(id, "ids"))
            .collect::<Result<Vec<_>, _>>()?;
        try_join_all(decoded.into_iter().map(|(kind, id)| load(ctx, kind, id))).await
    }
}
