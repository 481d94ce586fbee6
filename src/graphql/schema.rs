//! The one schema: a `MergedObject` of every domain's queries, mutations and subscriptions.

use async_graphql::{MergedObject, MergedSubscription, Schema};

use super::node::NodeQuery;
use crate::{
    auth::mutation::AuthMutation,
    chain::{mutation::ChainMutation, query::ChainQuery, subscription::ChainSubscription},
    events::{query::EventsQuery, subscription::EventsSubscription},
    state::AppState,
    users::{mutation::UsersMutation, query::UsersQuery},
    wallet::{mutation::WalletMutation, query::WalletQuery},
};

#[derive(MergedObject, Default)]
pub struct Query(UsersQuery, NodeQuery, WalletQuery, ChainQuery, EventsQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(AuthMutation, UsersMutation, WalletMutation, ChainMutation);

#[derive(MergedSubscription, Default)]
pub struct Subscription(ChainSubscription, EventsSubscription);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

pub fn build(state: Option<AppState>) -> AppSchema {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    );
    if let Some(state) = state {
        let config = &state.config;
        builder = builder
            .limit_depth(config.max_query_depth)
            .limit_complexity(config.max_query_complexity);
        if !config.introspection_enabled() {
            builder = builder.disable_introspection();
        }
        if !config.suggestions_enabled() {
            builder = builder.disable_suggestions();
        }
        if config.cache_enabled {
            builder = builder.extension(crate::cache::policy::CachePolicy);
        }
        builder = builder.data(state);
    }
    builder.finish()
}

/// The SDL committed as `schema.graphql`.
pub fn sdl() -> String {
    build(None).sdl()
}
