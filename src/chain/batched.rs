//! The ledger's batched reads, one statement per batch of keys: what its DataLoaders run.
//! Paged children (a wallet's transactions, a miner's blocks) come from one window-function
//! statement per batch.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::{
    entity::{block, transaction},
    ledger::STATUS_PENDING,
};
use crate::platform::{
    error::{AppError, AppResult},
    sql::SqlBuilder,
};

type LoadResult<K, V> = AppResult<HashMap<K, V>>;

pub async fn blocks_by_id(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> LoadResult<Uuid, block::Model> {
    let rows = block::Entity::find()
        .filter(block::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
        .map_err(AppError::from)?;
    Ok(rows.into_iter().map(|b| (b.id, b)).collect())
}

pub async fn transactions_by_id(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> LoadResult<Uuid, transaction::Model> {
    let rows = transaction::Entity::find()
        .filter(transaction::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
        .map_err(AppError::from)?;
    Ok(rows.into_iter().map(|t| (t.id, t)).collect())
}

/// All transactions of each block, in block order. A block holds at most
/// `MAX_BLOCK_TRANSACTIONS`, so paging happens in memory.
pub async fn transactions_by_block(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> LoadResult<Uuid, Vec<transaction::Model>> {
    let rows = transaction::Entity::find()
        .filter(transaction::Column::BlockId.is_in(ids.iter().copied()))
        .order_by_asc(transaction::Column::Id)
        .all(db)
        .await
        .map_err(AppError::from)?;
    let mut grouped: HashMap<Uuid, Vec<transaction::Model>> =
        ids.iter().map(|id| (*id, Vec::new())).collect();
    for tx in rows {
        if let Some(block_id) = tx.block_id {
            grouped.entry(block_id).or_default().push(tx);
        }
    }
    Ok(grouped)
}

/// One page of a wallet's transactions (either side), newest first; `limit` rows at most.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WalletTxKey {
    pub address: String,
    pub status: Option<String>,
    pub limit: u64,
    pub after: Option<Uuid>,
}

/// Status filter, row limit and cursor: what keys of one statement share.
type PageShape = (Option<String>, u64, Option<Uuid>);

pub async fn wallet_transactions(
    db: &impl ConnectionTrait,
    keys: &[WalletTxKey],
) -> LoadResult<WalletTxKey, Vec<transaction::Model>> {
    // Keys differing only by address share a statement.
    let mut groups: HashMap<PageShape, Vec<&str>> = HashMap::new();
    for key in keys {
        groups
            .entry((key.status.clone(), key.limit, key.after))
            .or_default()
            .push(&key.address);
    }
    let mut out: HashMap<WalletTxKey, Vec<transaction::Model>> = HashMap::new();
    for ((status, limit, after), addresses) in groups {
        let mut sql = SqlBuilder::new(db.get_database_backend());
        sql.push("SELECT * FROM (SELECT u.*, ROW_NUMBER() OVER (PARTITION BY u.wallet_address ORDER BY u.id DESC) AS rn FROM (");
        for (i, side) in ["from_address", "to_address"].into_iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push(&format!(
                "SELECT t.*, t.{side} AS wallet_address FROM transactions t WHERE t.{side} IN "
            ));
            sql.bind_list(addresses.iter().map(|a| a.to_string()));
            if let Some(status) = &status {
                sql.push(" AND t.status = ").bind(status.clone());
            }
            if let Some(after) = after {
                sql.push(" AND t.id < ").bind(after);
            }
        }
        sql.push(") u) r WHERE r.rn <= ")
            .bind(limit as i64)
            .push(" ORDER BY r.id DESC");
        for row in sql.all(db).await? {
            let tx = transaction::Model::from_query_result(&row, "").map_err(AppError::from)?;
            let address: String = row.try_get("", "wallet_address").map_err(AppError::from)?;
            let key = WalletTxKey {
                address,
                status: status.clone(),
                limit,
                after,
            };
            out.entry(key).or_default().push(tx);
        }
        for address in addresses {
            out.entry(WalletTxKey {
                address: address.to_owned(),
                status: status.clone(),
                limit,
                after,
            })
            .or_default();
        }
    }
    Ok(out)
}

/// Number of a wallet's transactions (either side), optionally by status.
pub async fn wallet_tx_counts(
    db: &impl ConnectionTrait,
    keys: &[(String, Option<String>)],
) -> LoadResult<(String, Option<String>), i64> {
    let mut by_status: HashMap<Option<String>, Vec<String>> = HashMap::new();
    for (address, status) in keys {
        by_status
            .entry(status.clone())
            .or_default()
            .push(address.clone());
    }
    let mut out = HashMap::new();
    for (status, addresses) in by_status {
        let mut sql = SqlBuilder::new(db.get_database_backend());
        sql.push("SELECT wallet_address, COUNT(*) AS n FROM (");
        for (i, side) in ["from_address", "to_address"].into_iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push(&format!(
                "SELECT {side} AS wallet_address FROM transactions WHERE {side} IN "
            ));
            sql.bind_list(addresses.clone());
            if let Some(status) = &status {
                sql.push(" AND status = ").bind(status.clone());
            }
        }
        sql.push(") u GROUP BY wallet_address");
        for row in sql.all(db).await? {
            let address: String = row.try_get("", "wallet_address").map_err(AppError::from)?;
            let n: i64 = row.try_get("", "n").map_err(AppError::from)?;
            out.insert((address, status.clone()), n);
        }
        for address in addresses {
            out.entry((address, status.clone())).or_insert(0);
        }
    }
    Ok(out)
}

/// Sum of pending transfers to each address.
pub async fn pending_incoming(
    db: &impl ConnectionTrait,
    addresses: &[String],
) -> LoadResult<String, i64> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push(
        "SELECT to_address, CAST(SUM(amount) AS BIGINT) AS total FROM transactions WHERE status = ",
    )
    .bind(STATUS_PENDING)
    .push(" AND to_address IN ")
    .bind_list(addresses.to_vec())
    .push(" GROUP BY to_address");
    let mut out: HashMap<String, i64> = addresses.iter().map(|a| (a.clone(), 0)).collect();
    for row in sql.all(db).await? {
        let address: String = row.try_get("", "to_address").map_err(AppError::from)?;
        let total: i64 = row.try_get("", "total").map_err(AppError::from)?;
        out.insert(address, total);
    }
    Ok(out)
}

/// One page of each miner's blocks, newest first; `limit` rows at most.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MinerBlocksKey {
    pub miner: Uuid,
    pub limit: u64,
    pub before_index: Option<i64>,
}

pub async fn blocks_by_miner(
    db: &impl ConnectionTrait,
    keys: &[MinerBlocksKey],
) -> LoadResult<MinerBlocksKey, Vec<block::Model>> {
    let mut groups: HashMap<(u64, Option<i64>), Vec<Uuid>> = HashMap::new();
    for key in keys {
        groups
            .entry((key.limit, key.before_index))
            .or_default()
            .push(key.miner);
    }
    let mut out: HashMap<MinerBlocksKey, Vec<block::Model>> = HashMap::new();
    for ((limit, before_index), miners) in groups {
        let mut sql = SqlBuilder::new(db.get_database_backend());
        sql.push("SELECT * FROM (SELECT b.*, ROW_NUMBER() OVER (PARTITION BY b.miner_id ORDER BY b.\"index\" DESC) AS rn FROM blocks b WHERE b.miner_id IN ")
            .bind_list(miners.clone());
        if let Some(before) = before_index {
            sql.push(" AND b.\"index\" < ").bind(before);
        }
        sql.push(") r WHERE r.rn <= ")
            .bind(limit as i64)
            .push(" ORDER BY r.\"index\" DESC");
        for block in sql.models::<block::Model>(db).await? {
            if let Some(miner) = block.miner_id {
                out.entry(MinerBlocksKey {
                    miner,
                    limit,
                    before_index,
                })
                .or_default()
                .push(block);
            }
        }
        for miner in miners {
            out.entry(MinerBlocksKey {
                miner,
                limit,
                before_index,
            })
            .or_default();
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Default)]
pub struct MinerAggregate {
    pub blocks_mined: i64,
    pub total_rewards: i64,
    pub last_block_at: Option<DateTime<Utc>>,
    /// Expected hashes per second over the last day: Σ 16^difficulty / 86 400.
    pub hash_rate: Option<f64>,
}

/// Window the hash-rate estimate covers.
const HASH_RATE_WINDOW_SECS: i64 = 86_400;

pub async fn miner_stats(
    db: &impl ConnectionTrait,
    miners: &[Uuid],
) -> LoadResult<Uuid, MinerAggregate> {
    let backend = db.get_database_backend();
    let mut out: HashMap<Uuid, MinerAggregate> = miners
        .iter()
        .map(|m| (*m, MinerAggregate::default()))
        .collect();
    let mut totals = SqlBuilder::new(backend);
    totals
        .push("SELECT miner_id, COUNT(*) AS n, CAST(SUM(reward) AS BIGINT) AS rewards, MAX(\"index\") AS last_index FROM blocks WHERE miner_id IN ")
        .bind_list(miners.to_vec())
        .push(" GROUP BY miner_id");
    let mut last_indexes = Vec::new();
    for row in totals.all(db).await? {
        let miner: Uuid = row.try_get("", "miner_id").map_err(AppError::from)?;
        let entry = out.entry(miner).or_default();
        entry.blocks_mined = row.try_get("", "n").map_err(AppError::from)?;
        entry.total_rewards = row.try_get("", "rewards").map_err(AppError::from)?;
        last_indexes.push(
            row.try_get::<i64>("", "last_index")
                .map_err(AppError::from)?,
        );
    }
    if !last_indexes.is_empty() {
        let latest = block::Entity::find()
            .filter(block::Column::Index.is_in(last_indexes))
            .all(db)
            .await
            .map_err(AppError::from)?;
        for b in latest {
            if let Some(entry) = b.miner_id.and_then(|m| out.get_mut(&m)) {
                entry.last_block_at = Some(b.timestamp);
            }
        }
        let since = Utc::now() - Duration::seconds(HASH_RATE_WINDOW_SECS);
        let mut recent = SqlBuilder::new(backend);
        recent
            .push("SELECT miner_id, difficulty, COUNT(*) AS n FROM blocks WHERE miner_id IN ")
            .bind_list(miners.to_vec())
            .push(" AND timestamp >= ")
            .bind(since)
            .push(" GROUP BY miner_id, difficulty");
        for row in recent.all(db).await? {
            let miner: Uuid = row.try_get("", "miner_id").map_err(AppError::from)?;
            let difficulty: i32 = row.try_get("", "difficulty").map_err(AppError::from)?;
            let n: i64 = row.try_get("", "n").map_err(AppError::from)?;
            let hashes = n as f64 * 16f64.powi(difficulty);
            let entry = out.entry(miner).or_default();
            entry.hash_rate =
                Some(entry.hash_rate.unwrap_or(0.0) + hashes / HASH_RATE_WINDOW_SECS as f64);
        }
    }
    Ok(out)
}
