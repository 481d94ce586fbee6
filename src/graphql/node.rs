//! Relay object identification: the `Node` interface, `node(id:)` and `nodes(ids:)`.
//!
//! One list (`nodes!` at the bottom) generates the `Node` interface, both directions of the
//! type name ↔ id mapping, and the dispatch of `node(id:)`. A type can only mint an id with a
//! `NodeType` variant, so a node type missing from the list does not compile; a listed type
//! without a `NodeObject` impl does not compile either.

use async_graphql::{Context, ID, Interface, Object, Result};
use futures_util::future::try_join_all;
use uuid::Uuid;

use super::ids;
use crate::platform::error::AppError;

/// Most ids `nodes` accepts in one call.
const MAX_NODES: usize = 100;

/// A type `node(id:)` can fetch. `fetch` applies the type's visibility rules: what the viewer
/// may not see is `None`, exactly like what does not exist.
pub trait NodeObject: Sized {
    const KIND: NodeType;

    fn fetch(ctx: &Context<'_>, id: Uuid) -> impl Future<Output = Result<Option<Self>>> + Send;

    fn node_id(id: Uuid) -> ID {
        ids::encode(Self::KIND, id)
    }
}

macro_rules! nodes {
    ($($kind:ident => $($seg:ident)::+),* $(,)?) => {
        #[derive(Interface)]
        #[graphql(field(name = "id", ty = "ID"))]
        pub enum Node {
            $($kind($($seg)::+)),*
        }

        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum NodeType {
            $($kind),*
        }

        impl NodeType {
            pub const ALL: &'static [NodeType] = &[$(NodeType::$kind),*];

            pub fn name(self) -> &'static str {
                match self {
                    $(NodeType::$kind => stringify!($kind)),*
                }
            }

            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $(stringify!($kind) => Some(NodeType::$kind),)*
                    _ => None,
                }
            }
        }

        /// The node of `kind` with `id`, as the viewer may see it.
        pub async fn fetch_node(
            ctx: &Context<'_>,
            kind: NodeType,
            id: Uuid,
        ) -> Result<Option<Node>> {
            Ok(match kind {
                $(NodeType::$kind => {
                    <$($seg)::+ as NodeObject>::fetch(ctx, id).await?.map(Node::$kind)
                })*
            })
        }
    };
}

// The registry of node types: one line per type that implements `Node`.
nodes! {
    User => crate::graphql::schema::User,
    Wallet => crate::wallet::graphql::Wallet,
    Transaction => crate::chain::graphql::Transaction,
    Block => crate::chain::graphql::Block,
    Event => crate::audit::graphql::Event,
    Notification => crate::notifications::graphql::Notification,
    Folder => crate::files::graphql::Folder,
    File => crate::files::graphql::File,
    Post => crate::social::graphql::Post,
    Comment => crate::social::graphql::Comment,
    Video => crate::video::graphql::Video,
    MailMessage => crate::mail::graphql::MailMessage,
    Device => crate::devices::graphql::Device,
    Job => crate::jobs::graphql::Job,
    Conversation => crate::ai::graphql::Conversation,
    ChatMessage => crate::ai::graphql::ChatMessage,
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global ID; null when it does not exist.
    #[graphql(cache_control(max_age = 10, private))]
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let (kind, id) = ids::decode(&id, "id")?;
        fetch_node(ctx, kind, id).await
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
        try_join_all(
            decoded
                .into_iter()
                .map(|(kind, id)| fetch_node(ctx, kind, id)),
        )
        .await
    }
}
