//! RoadChain: transfers, mining, verification, and the ledger's GraphQL types.

pub mod hashing;
pub mod ledger;
pub mod loaders;
pub mod mining;
pub mod mutation;
pub mod query;
pub mod service;
pub mod sql;
pub mod subscription;
pub mod types;
pub mod verify;
