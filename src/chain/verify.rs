//! `verifyChain`: re-hash every block and transaction, check every link, every proof of work
//! and every signature, and report the first block that fails.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{
    entity::{block, transaction},
    hashing::{TxFields, block_hash, meets_difficulty, transaction_hash, verify_signature},
    ledger::STATUS_CONFIRMED,
};
use crate::{platform::error::AppResult, wallet};

/// Blocks checked per round trip; bounds memory on long chains.
const PAGE: u64 = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub valid: bool,
    pub checked_blocks: i64,
    pub first_invalid_index: Option<i64>,
    pub reason: Option<String>,
}

fn check_block(
    block: &block::Model,
    previous: Option<&block::Model>,
    txs: &[transaction::Model],
    public_keys: &HashMap<String, String>,
) -> Result<(), String> {
    match previous {
        None if block.index != 0 => return Err("the chain does not start at index 0".into()),
        None if block.previous_hash != migration::GENESIS_PREVIOUS_HASH => {
            return Err("the genesis block has a wrong previous hash".into());
        }
        Some(prev) if block.index != prev.index + 1 => {
            return Err(format!("index {} follows {}", block.index, prev.index));
        }
        Some(prev) if block.previous_hash != prev.hash => {
            return Err("previous hash does not match the preceding block".into());
        }
        _ => {}
    }
    if block.transaction_count as usize != txs.len() {
        return Err(format!(
            "holds {} transactions but records {}",
            txs.len(),
            block.transaction_count
        ));
    }
    for tx in txs {
        let recomputed = transaction_hash(&TxFields {
            id: tx.id,
            from_address: &tx.from_address,
            to_address: &tx.to_address,
            amount: tx.amount,
            fee: tx.fee,
            message: tx.message.as_deref(),
            created_at: tx.created_at,
        });
        if recomputed != tx.hash {
            return Err(format!("transaction {} does not match its hash", tx.hash));
        }
        if tx.status != STATUS_CONFIRMED {
            return Err(format!(
                "transaction {} is in a block but not confirmed",
                tx.hash
            ));
        }
        let signed = match (public_keys.get(&tx.from_address), tx.signature.as_deref()) {
            (Some(key), Some(sig)) => verify_signature(key, &tx.hash, sig),
            _ => false,
        };
        if !signed {
            return Err(format!("transaction {} has an invalid signature", tx.hash));
        }
    }
    let hashes: Vec<&str> = txs.iter().map(|t| t.hash.as_str()).collect();
    let recomputed = block_hash(
        block.index,
        block.timestamp,
        &block.previous_hash,
        &hashes,
        &block.nonce,
    );
    if recomputed != block.hash {
        return Err("block hash does not match its contents".into());
    }
    if block.difficulty < 0 || !meets_difficulty(&block.hash, block.difficulty as u32) {
        return Err(format!(
            "hash does not meet difficulty {}",
            block.difficulty
        ));
    }
    Ok(())
}

pub async fn verify_chain(db: &impl ConnectionTrait) -> AppResult<Verification> {
    verify_chain_observed(db, PAGE, |_| {}).await
}

/// `verify_chain`, telling `on_page` the number of blocks checked so far after each page (for
/// a background job's progress).
pub async fn verify_chain_observed(
    db: &impl ConnectionTrait,
    page: u64,
    mut on_page: impl FnMut(i64) + Send,
) -> AppResult<Verification> {
    let mut previous: Option<block::Model> = None;
    let mut checked = 0i64;
    loop {
        let mut query = block::Entity::find()
            .order_by_asc(block::Column::Index)
            .limit(page.max(1));
        if let Some(prev) = &previous {
            query = query.filter(block::Column::Index.gt(prev.index));
        }
        let blocks = query.all(db).await?;
        if blocks.is_empty() {
            return Ok(Verification {
                valid: true,
                checked_blocks: checked,
                first_invalid_index: None,
                reason: None,
            });
        }
        let ids: Vec<Uuid> = blocks.iter().map(|b| b.id).collect();
        let txs = transaction::Entity::find()
            .filter(transaction::Column::BlockId.is_in(ids))
            .order_by_asc(transaction::Column::Id)
            .all(db)
            .await?;
        let senders: Vec<String> = txs.iter().map(|t| t.from_address.clone()).collect();
        let public_keys = wallet::public_keys(db, senders).await?;
        let mut by_block: HashMap<Uuid, Vec<transaction::Model>> = HashMap::new();
        for tx in txs {
            if let Some(block_id) = tx.block_id {
                by_block.entry(block_id).or_default().push(tx);
            }
        }
        for block in blocks {
            checked += 1;
            let txs = by_block.remove(&block.id).unwrap_or_default();
            if let Err(reason) = check_block(&block, previous.as_ref(), &txs, &public_keys) {
                return Ok(Verification {
                    valid: false,
                    checked_blocks: checked,
                    first_invalid_index: Some(block.index),
                    reason: Some(reason),
                });
            }
            previous = Some(block);
        }
        on_page(checked);
    }
}
