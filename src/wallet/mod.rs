//! Wallets: key generation and encryption at rest, balances (every read and write of the
//! `wallets` table goes through here), the `Wallet` type and its loaders.

mod audit;
mod config;
pub mod crypto;
pub mod entity;
pub mod graphql;
pub mod lean;
mod repo;
mod service;

pub use audit::WalletAction;
pub use config::WalletConfig;
pub use entity::Model as WalletModel;
pub use repo::{
    balance_of_owner, by_address, by_addresses, by_ids, by_owners, count_for_owner, create, credit,
    credit_primary, debit_if_covered, is_valid_address, of_owner, primary_of, public_keys,
    total_balance,
};
pub use service::{MAX_WALLETS_PER_USER, create_wallet, set_primary_wallet};

use crate::platform::money::UNITS_PER_COIN;

/// What a new account's primary wallet starts with.
pub const SIGNUP_GRANT: i64 = 100 * UNITS_PER_COIN;
