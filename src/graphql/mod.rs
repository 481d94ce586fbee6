//! The GraphQL layer: schema assembly, request context, HTTP transport, IDs and scalars.

pub mod batching;
pub mod context;
pub mod gate;
pub mod http;
pub mod ids;
pub mod limits;
pub mod node;
pub mod pagination;
pub mod persisted;
pub mod request;
pub mod response;
pub mod scalars;
pub mod schema;
