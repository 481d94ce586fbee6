//! Reads of the ledger: pages of blocks and transactions, look-ups, statistics.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use uuid::Uuid;

use super::{
    entity::{block, transaction},
    ledger::STATUS_PENDING,
};
use crate::{
    platform::{
        error::AppResult,
        paging::{PageRequest, split_page},
        sql::SqlBuilder,
    },
    wallet,
};

pub async fn block_count(db: &impl ConnectionTrait) -> AppResult<i64> {
    Ok(block::Entity::find().count(db).await? as i64)
}

pub async fn block_by_index(
    db: &impl ConnectionTrait,
    index: i64,
) -> AppResult<Option<block::Model>> {
    Ok(block::Entity::find()
        .filter(block::Column::Index.eq(index))
        .one(db)
        .await?)
}

pub async fn block_by_hash(
    db: &impl ConnectionTrait,
    hash: &str,
) -> AppResult<Option<block::Model>> {
    Ok(block::Entity::find()
        .filter(block::Column::Hash.eq(hash))
        .one(db)
        .await?)
}

pub async fn transaction_by_hash(
    db: &impl ConnectionTrait,
    hash: &str,
) -> AppResult<Option<transaction::Model>> {
    Ok(transaction::Entity::find()
        .filter(transaction::Column::Hash.eq(hash))
        .one(db)
        .await?)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TxFilter {
    /// Either side of the transfer.
    pub address: Option<String>,
    pub status: Option<&'static str>,
}

fn filtered(filter: &TxFilter) -> Select<transaction::Entity> {
    let mut query = transaction::Entity::find();
    if let Some(address) = &filter.address {
        query = query.filter(
            Condition::any()
                .add(transaction::Column::FromAddress.eq(address.as_str()))
                .add(transaction::Column::ToAddress.eq(address.as_str())),
        );
    }
    if let Some(status) = filter.status {
        query = query.filter(transaction::Column::Status.eq(status));
    }
    query
}

/// Transactions newest first, or oldest first for the mempool. Ids are UUIDv7, so id order
/// is creation order and makes a stable keyset.
pub async fn transactions_page(
    db: &impl ConnectionTrait,
    filter: &TxFilter,
    page: &PageRequest<Uuid>,
    oldest_first: bool,
) -> AppResult<(Vec<transaction::Model>, bool)> {
    let mut query = filtered(filter).limit(page.limit + 1);
    if let Some(cursor) = page.cursor {
        query = if oldest_first {
            query.filter(transaction::Column::Id.gt(cursor))
        } else {
            query.filter(transaction::Column::Id.lt(cursor))
        };
    }
    query = if oldest_first {
        query.order_by_asc(transaction::Column::Id)
    } else {
        query.order_by_desc(transaction::Column::Id)
    };
    Ok(split_page(query.all(db).await?, page.limit))
}

pub async fn transaction_count(db: &impl ConnectionTrait, filter: &TxFilter) -> AppResult<i64> {
    Ok(filtered(filter).count(db).await? as i64)
}

pub struct ChainStats {
    pub height: i64,
    pub total_transactions: i64,
    pub pending_transactions: i64,
    pub total_supply: i64,
    pub average_block_time_seconds: Option<f64>,
}

/// Blocks the average block time looks back over.
const BLOCK_TIME_WINDOW: u64 = 100;

pub async fn chain_stats(db: &impl ConnectionTrait) -> AppResult<ChainStats> {
    let backend = db.get_database_backend();
    let height = SqlBuilder::new(backend)
        .push("SELECT MAX(\"index\") FROM blocks")
        .scalar_i64(db)
        .await?;
    let total_transactions = transaction::Entity::find().count(db).await? as i64;
    let pending_transactions = transaction::Entity::find()
        .filter(transaction::Column::Status.eq(STATUS_PENDING))
        .count(db)
        .await? as i64;
    // Money in existence: spendable balances plus what pending transfers hold in flight.
    let balances = wallet::total_balance(db).await?;
    let in_flight = SqlBuilder::new(backend)
        .push("SELECT CAST(COALESCE(SUM(amount + fee), 0) AS BIGINT) FROM transactions WHERE status = ")
        .bind(STATUS_PENDING)
        .scalar_i64(db)
        .await?;
    let recent: Vec<block::Model> = block::Entity::find()
        .filter(block::Column::Index.gt(0))
        .order_by_desc(block::Column::Index)
        .limit(BLOCK_TIME_WINDOW + 1)
        .all(db)
        .await?;
    let average_block_time_seconds = match (recent.first(), recent.last()) {
        (Some(newest), Some(oldest)) if recent.len() >= 2 => {
            let span = (newest.timestamp - oldest.timestamp)
                .num_microseconds()
                .unwrap_or(0) as f64
                / 1e6;
            Some(span / (recent.len() - 1) as f64)
        }
        _ => None,
    };
    Ok(ChainStats {
        height,
        total_transactions,
        pending_transactions,
        total_supply: balances + in_flight,
        average_block_time_seconds,
    })
}

/// Blocks the user has mined.
pub async fn blocks_mined_by(db: &impl ConnectionTrait, miner: Uuid) -> AppResult<i64> {
    Ok(block::Entity::find()
        .filter(block::Column::MinerId.eq(miner))
        .count(db)
        .await? as i64)
}

/// Pending transfers to any wallet of the user, in one statement.
pub async fn pending_incoming_of_owner(db: &impl ConnectionTrait, owner: Uuid) -> AppResult<i64> {
    SqlBuilder::new(db.get_database_backend())
        .push("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM transactions WHERE status = ")
        .bind(STATUS_PENDING)
        .push(" AND to_address IN (SELECT address FROM wallets WHERE user_id = ")
        .bind(owner)
        .push(")")
        .scalar_i64(db)
        .await
}
