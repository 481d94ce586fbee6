//! The wallet domain in GraphQL: `wallet`, `myWallets`, wallet mutations, the `Wallet` type and
//! the wallet fields of `User`.

mod direct;
mod loaders;
mod mutation;
mod query;
mod types;
mod user;

pub use direct::{WalletShape, wallet_shape, wallet_value};
pub use loaders::{WalletByAddress, WalletById, WalletsByOwner};
pub use mutation::{MUTATION_TAGS, WalletMutation};
pub use query::WalletQuery;
pub use types::Wallet;
pub use user::UserWallets;
