//! The ledger in GraphQL: blocks, transactions, statistics, transfers and mining, the
//! subscriptions, and the mining fields of `User`.

mod direct;
mod loaders;
mod mutation;
mod plan;
mod query;
mod subscription;
mod types;
mod user;

pub use loaders::{
    BlockById, BlocksByMiner, MinerStatsById, PendingIncoming, TransactionById,
    TransactionsByBlock, WalletTransactions, WalletTxCount,
};
pub use mutation::{ChainMutation, MUTATION_TAGS};
pub use query::ChainQuery;
pub use subscription::ChainSubscription;
pub use types::{
    BLOCK_CURSOR, Block, BlockConnection, ChainStats, ChainVerification, MinerStats, TX_CURSOR,
    TYPE_TAGS, Transaction, TransactionConnection, TransactionStatus, TxTotal, miner_stats_of,
    not_found, tx_connection,
};
pub use user::UserMining;

pub use crate::chain::batched::WalletTxKey;
