//! What the ledger tells subscribers (on any instance). The wire format is these DTOs, not the
//! tables: a column added to `blocks` changes nothing between instances.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{BlockModel, TransactionModel};
use crate::platform::pubsub::Message;

/// A block was mined and committed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlockMined {
    pub id: Uuid,
    pub index: i64,
    pub timestamp: DateTime<Utc>,
    pub nonce: String,
    pub previous_hash: String,
    pub hash: String,
    pub difficulty: i32,
    pub miner_id: Option<Uuid>,
    pub reward: i64,
    pub transaction_count: i32,
}

impl Message for BlockMined {
    const TOPIC: &'static str = "chain.blocks";
    // A block is rare and every explorer wants it.
    const MUST_DELIVER: bool = true;
}

impl From<&BlockModel> for BlockMined {
    fn from(b: &BlockModel) -> Self {
        Self {
            id: b.id,
            index: b.index,
            timestamp: b.timestamp,
            nonce: b.nonce.clone(),
            previous_hash: b.previous_hash.clone(),
            hash: b.hash.clone(),
            difficulty: b.difficulty,
            miner_id: b.miner_id,
            reward: b.reward,
            transaction_count: b.transaction_count,
        }
    }
}

impl From<&BlockMined> for BlockModel {
    fn from(b: &BlockMined) -> Self {
        Self {
            id: b.id,
            index: b.index,
            timestamp: b.timestamp,
            nonce: b.nonce.clone(),
            previous_hash: b.previous_hash.clone(),
            hash: b.hash.clone(),
            difficulty: b.difficulty,
            miner_id: b.miner_id,
            reward: b.reward,
            transaction_count: b.transaction_count,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// A new pending transfer: the sender was debited.
    Added,
    /// Confirmed by a block: the recipient was credited.
    Confirmed,
}

/// A transfer changed state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransferEvent {
    pub kind: TransferKind,
    pub id: Uuid,
    pub hash: String,
    pub from_address: String,
    pub to_address: String,
    pub amount: i64,
    pub fee: i64,
    pub message: Option<String>,
    pub signature: Option<String>,
    pub status: String,
    pub block_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl Message for TransferEvent {
    const TOPIC: &'static str = "chain.transfers";
}

impl TransferEvent {
    pub fn new(kind: TransferKind, t: &TransactionModel) -> Self {
        Self {
            kind,
            id: t.id,
            hash: t.hash.clone(),
            from_address: t.from_address.clone(),
            to_address: t.to_address.clone(),
            amount: t.amount,
            fee: t.fee,
            message: t.message.clone(),
            signature: t.signature.clone(),
            status: t.status.clone(),
            block_id: t.block_id,
            created_at: t.created_at,
            confirmed_at: t.confirmed_at,
        }
    }

    pub fn involves(&self, address: &str) -> bool {
        self.from_address == address || self.to_address == address
    }
}

impl From<&TransferEvent> for TransactionModel {
    fn from(t: &TransferEvent) -> Self {
        Self {
            id: t.id,
            hash: t.hash.clone(),
            from_address: t.from_address.clone(),
            to_address: t.to_address.clone(),
            amount: t.amount,
            fee: t.fee,
            message: t.message.clone(),
            signature: t.signature.clone(),
            status: t.status.clone(),
            block_id: t.block_id,
            created_at: t.created_at,
            confirmed_at: t.confirmed_at,
        }
    }
}
