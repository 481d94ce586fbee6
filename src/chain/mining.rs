//! Mining: pending transfers become a block whose hash meets the difficulty. The proof of
//! work runs on a blocking thread; the block, its confirmations, the credits, the fees and the
//! reward are committed together.

use std::{collections::BTreeMap, sync::Arc};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    BlockMined, ChainAction, TransferEvent, TransferKind,
    entity::{block, transaction},
    hashing::{BlockDraft, NonceSearch, find_nonce_observed},
    ledger::{STATUS_CONFIRMED, STATUS_PENDING, now_micros},
};
use crate::{
    audit::AuditContext,
    notifications::{self, Kind, NewNotification},
    platform::{
        error::{AppError, AppResult, UniqueKey},
        money::{Amount, UNITS_PER_COIN},
        write::Write,
    },
    state::AppState,
    users::UserModel,
    wallet,
};

pub const BLOCK_REWARD: i64 = 50 * UNITS_PER_COIN;
pub const DEFAULT_BLOCK_TRANSACTIONS: u64 = 10;
pub const MAX_BLOCK_TRANSACTIONS: u64 = 100;
/// Attempts before giving up when other miners keep extending the chain first.
const MINING_ATTEMPTS: usize = 5;
/// The unique index on a block's height decides races between miners.
const UNIQUE_KEYS: &[UniqueKey] = &[
    UniqueKey {
        postgres: "blocks_index_key",
        sqlite: "blocks.index",
        field: "index",
    },
    UniqueKey {
        postgres: "blocks_hash_key",
        sqlite: "blocks.hash",
        field: "hash",
    },
];

pub async fn tip(db: &impl sea_orm::ConnectionTrait) -> AppResult<block::Model> {
    block::Entity::find()
        .order_by_desc(block::Column::Index)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the chain has no genesis block")))
}

pub async fn mine_block(
    state: &AppState,
    audit: &AuditContext,
    miner: &UserModel,
    max_transactions: u64,
) -> AppResult<block::Model> {
    mine_block_observed(state, audit, miner, max_transactions, Arc::default()).await
}

/// `mine_block`, its proof of work watched (and stoppable) through `search` (for a job).
pub async fn mine_block_observed(
    state: &AppState,
    audit: &AuditContext,
    miner: &UserModel,
    max_transactions: u64,
    search: Arc<NonceSearch>,
) -> AppResult<block::Model> {
    if !(1..=MAX_BLOCK_TRANSACTIONS).contains(&max_transactions) {
        return Err(AppError::bad_input(
            "maxTransactions",
            format!("maxTransactions must be between 1 and {MAX_BLOCK_TRANSACTIONS}"),
        ));
    }
    for attempt in 1..=MINING_ATTEMPTS {
        match try_mine(state, audit, miner, max_transactions, search.clone()).await {
            Err(AppError::Conflict { .. }) => {
                tracing::debug!(attempt, "another block won the race; mining on the new tip");
            }
            other => return other,
        }
    }
    Err(AppError::Conflict {
        field: None,
        message: "the chain kept moving while mining; try again".into(),
    })
}

async fn try_mine(
    state: &AppState,
    audit: &AuditContext,
    miner: &UserModel,
    max_transactions: u64,
    search: Arc<NonceSearch>,
) -> AppResult<block::Model> {
    let tip = tip(&state.db).await?;
    let pending = transaction::Entity::find()
        .filter(transaction::Column::Status.eq(STATUS_PENDING))
        .order_by_asc(transaction::Column::Id)
        .limit(max_transactions)
        .all(&state.db)
        .await?;
    let draft = BlockDraft {
        index: tip.index + 1,
        timestamp: now_micros(),
        previous_hash: tip.hash.clone(),
        transaction_hashes: pending.iter().map(|t| t.hash.clone()).collect(),
        difficulty: state.config.chain.chain_difficulty,
    };
    let (draft, found) = tokio::task::spawn_blocking(move || {
        let found = find_nonce_observed(&draft, &search);
        (draft, found)
    })
    .await
    .map_err(AppError::internal)?;
    let Some((nonce, hash)) = found else {
        return Err(AppError::ServiceUnavailable("mining was stopped"));
    };

    let fees: i64 = pending.iter().map(|t| t.fee).sum();
    let mut w = Write::begin(state, &audit.with_actor(miner.id)).await?;
    // The unique index on `index` decides races: the loser's insert fails with a conflict.
    let block = block::ActiveModel {
        id: Set(Uuid::now_v7()),
        index: Set(draft.index),
        timestamp: Set(draft.timestamp),
        nonce: Set(nonce),
        previous_hash: Set(draft.previous_hash),
        hash: Set(hash),
        difficulty: Set(draft.difficulty as i32),
        miner_id: Set(Some(miner.id)),
        reward: Set(BLOCK_REWARD),
        transaction_count: Set(pending.len() as i32),
    }
    .insert(w.db())
    .await
    .map_err(|e| AppError::from_db_unique(e, UNIQUE_KEYS))?;

    if !pending.is_empty() {
        let confirmed = transaction::Entity::update_many()
            .col_expr(transaction::Column::Status, Expr::value(STATUS_CONFIRMED))
            .col_expr(transaction::Column::BlockId, Expr::value(block.id))
            .col_expr(
                transaction::Column::ConfirmedAt,
                Expr::value(block.timestamp),
            )
            .filter(transaction::Column::Id.is_in(pending.iter().map(|t| t.id)))
            .filter(transaction::Column::Status.eq(STATUS_PENDING))
            .exec(w.db())
            .await?;
        if confirmed.rows_affected != pending.len() as u64 {
            w.rollback().await?;
            return Err(AppError::Conflict {
                field: None,
                message: "transactions already mined".into(),
            });
        }
    }
    // One credit per recipient, in a fixed order so concurrent writers lock rows alike.
    let mut credits: BTreeMap<&str, i64> = BTreeMap::new();
    for t in &pending {
        *credits.entry(t.to_address.as_str()).or_default() += t.amount;
    }
    for (address, amount) in credits {
        wallet::credit(w.db(), address, amount).await?;
    }
    if !wallet::credit_primary(w.db(), miner.id, BLOCK_REWARD + fees).await? {
        w.rollback().await?;
        return Err(AppError::internal(anyhow::anyhow!(
            "miner {} has no primary wallet",
            miner.id
        )));
    }
    w.audit(
        ChainAction::MineBlock,
        ("Block", Some(block.id.to_string())),
        json!({"index": block.index, "transactions": block.transaction_count, "fees": fees}),
    )
    .await?;
    w.publish(BlockMined::from(&block));
    let recipients = wallet::by_addresses(
        w.db(),
        &pending
            .iter()
            .map(|t| t.to_address.clone())
            .collect::<Vec<_>>(),
    )
    .await?;
    // The rows as they now stand in the database, for `walletActivity` subscribers.
    for t in pending {
        let confirmed = transaction::Model {
            status: STATUS_CONFIRMED.to_owned(),
            block_id: Some(block.id),
            confirmed_at: Some(block.timestamp),
            ..t
        };
        w.publish(TransferEvent::new(TransferKind::Confirmed, &confirmed));
        if let Some(owner) = recipients.get(&confirmed.to_address).map(|w| w.user_id) {
            notifications::notify(
                &mut w,
                NewNotification {
                    recipient: owner,
                    kind: Kind::TransferConfirmed,
                    title: format!("{} RC credited", Amount(confirmed.amount)),
                    body: Some(format!("Confirmed in block {}.", block.index)),
                    subject: Some(("Transaction", confirmed.id)),
                },
            )
            .await?;
        }
    }
    w.commit().await?;
    Ok(block)
}
