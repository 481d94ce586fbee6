//! RoadChain: transfers, mining, verification, and the ledger's GraphQL types.

mod audit;
pub(crate) mod batched;
mod config;
pub mod entity;
pub mod graphql;
pub mod hashing;
mod ledger;
mod messages;
pub mod mining;
pub(crate) mod read_ahead;
mod repo;
mod verify;

pub use audit::ChainAction;
pub use config::{ChainConfig, MAX_DIFFICULTY};
pub use entity::{block::Model as BlockModel, transaction::Model as TransactionModel};
pub use ledger::{
    MAX_MESSAGE_CHARS, STATUS_CONFIRMED, STATUS_PENDING, TransferRequest, now_micros, transfer,
};
pub use messages::{BlockMined, TransferEvent, TransferKind};
pub use mining::{BLOCK_REWARD, DEFAULT_BLOCK_TRANSACTIONS, mine_block, mine_block_observed, tip};
pub use repo::{
    ChainStats, TxFilter, block_by_hash, block_by_index, block_count, blocks_mined_by, chain_stats,
    pending_incoming_of_owner, transaction_by_hash, transaction_count, transactions_page,
};
pub use verify::{Verification, verify_chain, verify_chain_observed};
