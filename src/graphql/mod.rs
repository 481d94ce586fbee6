//! The GraphQL layer: schema assembly and the domain registry, request context and loaders,
//! the admission pipeline, the transports (HTTP and WebSocket), Relay nodes and scalars.

pub mod admission;
pub mod batching;
pub mod cache_policy;
pub mod context;
pub mod direct;
pub mod error;
pub mod ids;
pub mod loaders;
pub mod node;
pub mod order;
pub mod plan;
#[cfg(test)]
mod registry_tests;
pub mod scalars;
pub mod schema;
pub mod selection;
pub mod subscriptions;
pub mod transport;
