//! GraphQL types of the ledger. The chain is public: blocks and transactions are visible to
//! everyone, like on any blockchain explorer.

use async_graphql::{
    Context, Enum, ID, Object, Result, SimpleObject,
    connection::{Connection, Edge},
};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::loaders::{
    BlockById, MinerStatsById, TransactionById, TransactionsByBlock, WalletTxCount,
};
use crate::{
    chain::{
        self, BlockModel, STATUS_CONFIRMED, STATUS_PENDING, TransactionModel, TxFilter,
        batched::MinerAggregate,
    },
    graphql::{
        context::ContextExt,
        node::{NodeObject, NodeType},
        schema::User,
    },
    platform::{
        error::AppError,
        money::Amount,
        paging::{self, PageRequest, encode_cursor},
    },
    users::{
        UserModel,
        graphql::{UserById, UserRef},
    },
    wallet::graphql::{Wallet, WalletByAddress},
};

/// Types whose cache entries depend on more than their own name's tag.
pub const TYPE_TAGS: &[(&str, &[&str])] = &[
    ("ChainStats", &["Block", "Transaction", "Wallet"]),
    ("ChainVerification", &["Block", "Transaction"]),
    ("MinerStats", &["Block", "User"]),
];

pub const TX_CURSOR: &str = "tx";
pub const BLOCK_CURSOR: &str = "blk";

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum TransactionStatus {
    Pending,
    Confirmed,
}

impl TransactionStatus {
    pub fn as_db(self) -> &'static str {
        match self {
            TransactionStatus::Pending => STATUS_PENDING,
            TransactionStatus::Confirmed => STATUS_CONFIRMED,
        }
    }
}

pub(super) fn int(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// A transfer between two wallets, with the wallets its list read ahead (see `plan`).
#[derive(Clone)]
pub struct Transaction(pub TransactionModel, pub Option<Arc<TxAhead>>);

/// Wallets read with a transaction's page: `Some(None)` where the read found no wallet.
#[derive(Default)]
pub struct TxAhead {
    pub sender: Option<Option<Wallet>>,
    pub recipient: Option<Option<Wallet>>,
}

impl Transaction {
    pub fn new(model: TransactionModel) -> Self {
        Self(model, None)
    }
}

impl NodeObject for Transaction {
    const KIND: NodeType = NodeType::Transaction;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        let tx = ctx.loader::<TransactionById>()?.load_one(id).await?;
        Ok(tx.map(Transaction::new))
    }
}

#[Object(cache_control(max_age = 10))]
impl Transaction {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    async fn hash(&self) -> &str {
        &self.0.hash
    }

    async fn from_address(&self) -> &str {
        &self.0.from_address
    }

    async fn to_address(&self) -> &str {
        &self.0.to_address
    }

    async fn amount(&self) -> Amount {
        Amount(self.0.amount)
    }

    async fn fee(&self) -> Amount {
        Amount(self.0.fee)
    }

    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    async fn status(&self) -> TransactionStatus {
        if self.0.status == STATUS_CONFIRMED {
            TransactionStatus::Confirmed
        } else {
            TransactionStatus::Pending
        }
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.0.confirmed_at
    }

    /// The block that confirmed it; null while pending.
    async fn block(&self, ctx: &Context<'_>) -> Result<Option<Block>> {
        let Some(block_id) = self.0.block_id else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<BlockById>()?
            .load_one(block_id)
            .await?
            .map(Block::new))
    }

    #[graphql(name = "fromWallet")]
    async fn sender_wallet(&self, ctx: &Context<'_>) -> Result<Option<Wallet>> {
        if let Some(ahead) = self.1.as_ref().and_then(|a| a.sender.as_ref()) {
            return Ok(ahead.clone());
        }
        let wallet = ctx
            .loader::<WalletByAddress>()?
            .load_one(self.0.from_address.clone())
            .await?;
        Ok(wallet.map(|w| Wallet::new(w, false)))
    }

    async fn to_wallet(&self, ctx: &Context<'_>) -> Result<Option<Wallet>> {
        if let Some(ahead) = self.1.as_ref().and_then(|a| a.recipient.as_ref()) {
            return Ok(ahead.clone());
        }
        let wallet = ctx
            .loader::<WalletByAddress>()?
            .load_one(self.0.to_address.clone())
            .await?;
        Ok(wallet.map(|w| Wallet::new(w, false)))
    }
}

/// Where a transaction connection's `totalCount` comes from; counted only when selected.
pub enum TxTotal {
    Known(i64),
    Filter(TxFilter),
    Wallet(String, Option<String>),
}

#[Object]
impl TxTotal {
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let count = match self {
            TxTotal::Known(n) => *n,
            TxTotal::Filter(filter) => chain::transaction_count(&ctx.state()?.db, filter).await?,
            TxTotal::Wallet(address, status) => ctx
                .loader::<WalletTxCount>()?
                .load_one((address.clone(), status.clone()))
                .await?
                .unwrap_or(0),
        };
        Ok(int(count))
    }
}

pub type TransactionConnection = Connection<String, Transaction, TxTotal>;

/// Builds a transaction connection from a fetched page.
pub fn tx_connection(
    rows: Vec<TransactionModel>,
    has_next: bool,
    has_previous: bool,
    total: TxTotal,
) -> TransactionConnection {
    tx_connection_of(
        rows.into_iter().map(Transaction::new).collect(),
        has_next,
        has_previous,
        total,
    )
}

/// Builds a transaction connection from a page whose nodes carry read-ahead values.
pub fn tx_connection_of(
    rows: Vec<Transaction>,
    has_next: bool,
    has_previous: bool,
    total: TxTotal,
) -> TransactionConnection {
    let mut connection = Connection::with_additional_fields(has_previous, has_next, total);
    connection.edges.extend(
        rows.into_iter()
            .map(|t| Edge::new(encode_cursor(TX_CURSOR, t.0.id), t)),
    );
    connection
}

/// Where a block connection's `totalCount` comes from.
pub enum BlockTotal {
    All,
    Miner(Uuid),
}

#[Object]
impl BlockTotal {
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let count = match self {
            BlockTotal::All => chain::block_count(&ctx.state()?.db).await?,
            BlockTotal::Miner(id) => {
                ctx.loader::<MinerStatsById>()?
                    .load_one(*id)
                    .await?
                    .unwrap_or_default()
                    .blocks_mined
            }
        };
        Ok(int(count))
    }
}

pub type BlockConnection = Connection<String, Block, BlockTotal>;

pub fn block_connection(
    rows: Vec<Block>,
    has_next: bool,
    has_previous: bool,
    total: BlockTotal,
) -> BlockConnection {
    let mut connection = Connection::with_additional_fields(has_previous, has_next, total);
    connection.edges.extend(
        rows.into_iter()
            .map(|b| Edge::new(encode_cursor(BLOCK_CURSOR, b.0.index), b)),
    );
    connection
}

/// A mined block of the RoadChain, with what its list read ahead (see `plan`).
pub struct Block(pub BlockModel, pub Option<Box<BlockAhead>>);

/// Read with a block's page: its miner (`Some(None)`: no such user) and its transactions.
pub struct BlockAhead {
    pub miner: Option<Option<Arc<UserModel>>>,
    pub transactions: Option<Arc<[Transaction]>>,
}

impl Block {
    pub fn new(model: BlockModel) -> Self {
        Self(model, None)
    }
}

impl NodeObject for Block {
    const KIND: NodeType = NodeType::Block;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        let block = ctx.loader::<BlockById>()?.load_one(id).await?;
        Ok(block.map(Block::new))
    }
}

#[Object(cache_control(max_age = 60))]
impl Block {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    /// Height in the chain; 0 is the genesis block.
    async fn index(&self) -> i32 {
        int(self.0.index)
    }

    async fn hash(&self) -> &str {
        &self.0.hash
    }

    async fn previous_hash(&self) -> &str {
        &self.0.previous_hash
    }

    async fn nonce(&self) -> &str {
        &self.0.nonce
    }

    /// Leading zero hex digits the hash was required to have.
    async fn difficulty(&self) -> i32 {
        self.0.difficulty
    }

    async fn timestamp(&self) -> DateTime<Utc> {
        self.0.timestamp
    }

    async fn reward(&self) -> Amount {
        Amount(self.0.reward)
    }

    async fn transaction_count(&self) -> i32 {
        self.0.transaction_count
    }

    /// Null for the genesis block (or when the miner's account was deleted).
    async fn miner(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(miner) = self.0.miner_id else {
            return Ok(None);
        };
        if let Some(ahead) = self.1.as_ref().and_then(|a| a.miner.as_ref()) {
            return Ok(ahead.clone().map(|model| {
                User::from_ref(UserRef {
                    model,
                    owner_view: false,
                })
            }));
        }
        Ok(ctx
            .loader::<UserById>()?
            .load_one(miner)
            .await?
            .map(User::new))
    }

    /// The block's transactions in the order they were hashed.
    #[graphql(complexity = "crate::platform::paging::cost(first, None, child_complexity)")]
    async fn transactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TransactionConnection> {
        let page: PageRequest<Uuid> = paging::forward(TX_CURSOR, first, after.as_deref())?;
        let total = TxTotal::Known(self.0.transaction_count as i64);
        if let Some(ahead) = self.1.as_ref().and_then(|a| a.transactions.as_ref()) {
            let rest: Vec<_> = ahead
                .iter()
                .filter(|t| page.cursor.is_none_or(|c| t.0.id > c))
                .take(page.limit as usize + 1)
                .cloned()
                .collect();
            let (rows, more) = paging::split_page(rest, page.limit);
            return Ok(tx_connection_of(rows, more, page.cursor.is_some(), total));
        }
        let all = ctx
            .loader::<TransactionsByBlock>()?
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let rest: Vec<_> = all
            .into_iter()
            .filter(|t| page.cursor.is_none_or(|c| t.id > c))
            .collect();
        let (rows, more) = paging::split_page(rest, page.limit);
        Ok(tx_connection(rows, more, page.cursor.is_some(), total))
    }
}

#[derive(SimpleObject)]
#[graphql(cache_control(max_age = 5))]
pub struct ChainStats {
    /// Index of the newest block.
    pub height: i32,
    pub total_transactions: i32,
    pub pending_transactions: i32,
    /// Difficulty new blocks are mined at.
    pub difficulty: i32,
    /// All RoadCoin in existence: balances plus pending transfers in flight.
    pub total_supply: Amount,
    /// Mean time between the last (up to 100) mined blocks.
    pub average_block_time_seconds: Option<f64>,
}

impl ChainStats {
    pub fn new(stats: chain::ChainStats, difficulty: u32) -> Self {
        Self {
            height: int(stats.height),
            total_transactions: int(stats.total_transactions),
            pending_transactions: int(stats.pending_transactions),
            difficulty: difficulty as i32,
            total_supply: Amount(stats.total_supply),
            average_block_time_seconds: stats.average_block_time_seconds,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(cache_control(max_age = 30))]
pub struct ChainVerification {
    pub valid: bool,
    pub checked_blocks: i32,
    pub first_invalid_index: Option<i32>,
    pub reason: Option<String>,
}

impl From<chain::Verification> for ChainVerification {
    fn from(v: chain::Verification) -> Self {
        Self {
            valid: v.valid,
            checked_blocks: int(v.checked_blocks),
            first_invalid_index: v.first_invalid_index.map(int),
            reason: v.reason,
        }
    }
}

pub struct MinerStats {
    pub user: User,
    pub aggregate: MinerAggregate,
}

#[Object(cache_control(max_age = 10))]
impl MinerStats {
    async fn user(&self) -> &User {
        &self.user
    }

    async fn blocks_mined(&self) -> i32 {
        int(self.aggregate.blocks_mined)
    }

    async fn total_rewards(&self) -> Amount {
        Amount(self.aggregate.total_rewards)
    }

    async fn last_block_at(&self) -> Option<DateTime<Utc>> {
        self.aggregate.last_block_at
    }

    /// Estimated hashes per second over the last 24 hours (Σ 16^difficulty / 86 400 s).
    async fn hash_rate(&self) -> Option<f64> {
        self.aggregate.hash_rate
    }
}

/// Loads a user's miner statistics through the batched loader.
pub async fn miner_stats_of(ctx: &Context<'_>, user: UserRef) -> Result<MinerStats> {
    let aggregate = ctx
        .loader::<MinerStatsById>()?
        .load_one(user.model.id)
        .await?
        .unwrap_or_default();
    Ok(MinerStats {
        user: User::from_ref(user),
        aggregate,
    })
}

pub fn not_found(what: &'static str) -> async_graphql::Error {
    AppError::NotFound(what).into()
}
