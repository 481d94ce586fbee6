//! User accounts: profile reads and updates, and the `User` type.

pub mod loaders;
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;
