//! The auth mutations in GraphQL.

mod mutation;
mod types;

pub use mutation::{AuthMutation, MUTATION_TAGS};
pub use types::AuthPayload;
