//! Wallets: key generation and encryption at rest, the `Wallet` type and its loaders.

pub mod crypto;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod service;
pub mod types;
