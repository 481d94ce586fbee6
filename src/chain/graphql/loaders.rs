//! The ledger's DataLoaders: thin adapters over `chain::batched`.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::chain::{
    BlockModel, TransactionModel,
    batched::{self, MinerAggregate, MinerBlocksKey, WalletTxKey},
};

/// Declares a database loader whose batch is one `chain::batched` function.
macro_rules! batched_loader {
    ($(#[$meta:meta])* $name:ident: $key:ty => $value:ty, $batch:path) => {
        crate::db_loader! { $(#[$meta])* pub $name }

        impl Loader<$key> for $name {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, Self::Error> {
                Ok($batch(&self.0, keys).await?)
            }
        }
    };
}

batched_loader!(BlockById: Uuid => BlockModel, batched::blocks_by_id);
batched_loader!(TransactionById: Uuid => TransactionModel, batched::transactions_by_id);
batched_loader!(
    /// All transactions of each block, in block order.
    TransactionsByBlock: Uuid => Vec<TransactionModel>, batched::transactions_by_block
);
batched_loader!(
    /// One page of each wallet's transactions (either side), newest first.
    WalletTransactions: WalletTxKey => Vec<TransactionModel>, batched::wallet_transactions
);
batched_loader!(
    /// Number of each wallet's transactions (either side), optionally by status.
    WalletTxCount: (String, Option<String>) => i64, batched::wallet_tx_counts
);
batched_loader!(
    /// Sum of pending transfers to each address.
    PendingIncoming: String => i64, batched::pending_incoming
);
batched_loader!(
    /// One page of each miner's blocks, newest first.
    BlocksByMiner: MinerBlocksKey => Vec<BlockModel>, batched::blocks_by_miner
);
batched_loader!(MinerStatsById: Uuid => MinerAggregate, batched::miner_stats);
