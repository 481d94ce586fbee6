//! Lookahead-planned loading, shared by every domain's lists. A list resolver asks what its
//! page's nodes select (`Plan::connection`), has its repo read the to-one relations and per-row
//! figures that selection reaches in one statement (`platform::read_ahead`), and primes the
//! request's loaders with them, so the nested resolvers answer without a loader round trip.
//! The nested resolvers still ask their loaders: authorization and error paths stay theirs, and
//! whatever a plan leaves out is loaded by the DataLoaders as before.

use std::hash::Hash;

use async_graphql::{Context, Lookahead, Result, dataloader::Loader};
use uuid::Uuid;

use super::{
    context::ContextExt,
    loaders::{Loaders, RequestLoader},
};

/// What the nodes of a connection select, through `edges { node { … } }` and `nodes { … }`.
pub fn connection_nodes<'a>(connection: &Lookahead<'a>) -> Lookahead<'a> {
    let edges = connection.field("edges").field("node");
    let mut fields = edges.selection_fields();
    fields.extend(connection.field("nodes").selection_fields());
    Lookahead::try_from(fields.as_slice()).unwrap_or(edges)
}

/// The plan of one list resolver: its nodes' selection and the request's loaders.
pub struct Plan<'a> {
    ctx: &'a Context<'a>,
    node: Lookahead<'a>,
}

impl<'a> Plan<'a> {
    /// For a resolver returning a connection. `None` when nothing would be primed (a socket's
    /// loaders keep no values), so no statement is read ahead for nothing.
    pub fn connection(ctx: &'a Context<'a>) -> Result<Option<Self>> {
        let node = connection_nodes(&ctx.look_ahead());
        Self::new(ctx, node)
    }

    fn new(ctx: &'a Context<'a>, node: Lookahead<'a>) -> Result<Option<Self>> {
        let primes = ctx.data_opt::<Loaders>().is_some_and(Loaders::primes);
        Ok((primes && node.exists()).then_some(Self { ctx, node }))
    }

    /// Whether the nodes select `field` (under any alias or fragment).
    pub fn wants(&self, field: &str) -> bool {
        self.node.field(field).exists()
    }

    /// The nodes' selection, for plans that look deeper.
    pub fn node(&self) -> &Lookahead<'a> {
        &self.node
    }

    /// The signed-in viewer, for per-viewer figures (a like, a reaction).
    pub fn viewer(&self) -> Result<Option<Uuid>> {
        Ok(self.ctx.viewer()?.user().map(|u| u.user.id))
    }

    /// Records values read ahead for `L`, as its `load` would have answered them.
    pub fn prime<L, K>(&self, values: impl IntoIterator<Item = (K, L::Value)>) -> Result<()>
    where
        L: RequestLoader + Loader<K>,
        K: Send + Sync + Hash + Eq + Clone + 'static,
    {
        self.ctx.loader::<L>()?.prime(values);
        Ok(())
    }

    /// Records keys `L`'s `load` would have left out of its answer (no value).
    pub fn prime_missing<L, K>(&self, keys: impl IntoIterator<Item = K>) -> Result<()>
    where
        L: RequestLoader + Loader<K>,
        K: Send + Sync + Hash + Eq + Clone + 'static,
    {
        self.ctx.loader::<L>()?.prime_missing(keys);
        Ok(())
    }
}
