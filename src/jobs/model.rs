//! What a job is: its kinds, their payloads (validated on submission) and its statuses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    chain::mining::MAX_BLOCK_TRANSACTIONS,
    platform::error::{AppError, AppResult},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ChainVerify,
    WalletStatement,
    MineBlock,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[Kind::ChainVerify, Kind::WalletStatement, Kind::MineBlock];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ChainVerify => "chain_verify",
            Kind::WalletStatement => "wallet_statement",
            Kind::MineBlock => "mine_block",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == stored)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl Status {
    pub const ALL: &'static [Status] = &[
        Status::Queued,
        Status::Running,
        Status::Succeeded,
        Status::Failed,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.as_str() == stored)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Status::Succeeded | Status::Failed | Status::Cancelled)
    }
}

/// `WALLET_STATEMENT`: one of the owner's wallets, optionally between two instants.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementPayload {
    pub address: String,
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
}

/// `MINE_BLOCK`: how many pending transfers the block may take.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MinePayload {
    #[serde(default)]
    pub max_transactions: Option<u64>,
}

/// `CHAIN_VERIFY` takes nothing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyPayload {}

/// A payload checked against its kind.
#[derive(Debug, Clone)]
pub enum Payload {
    ChainVerify,
    WalletStatement(StatementPayload),
    MineBlock(MinePayload),
}

fn invalid(e: serde_json::Error) -> AppError {
    AppError::bad_input("payload", format!("invalid payload: {e}"))
}

impl Payload {
    /// The payload of `kind`, its shape and values checked (not yet against the owner's data).
    pub fn parse(kind: Kind, value: &Value) -> AppResult<Self> {
        if !value.is_object() {
            return Err(AppError::bad_input(
                "payload",
                "the payload must be an object",
            ));
        }
        match kind {
            Kind::ChainVerify => {
                serde_json::from_value::<VerifyPayload>(value.clone()).map_err(invalid)?;
                Ok(Payload::ChainVerify)
            }
            Kind::WalletStatement => {
                let p: StatementPayload = serde_json::from_value(value.clone()).map_err(invalid)?;
                if let (Some(from), Some(to)) = (p.from, p.to)
                    && from > to
                {
                    return Err(AppError::bad_input(
                        "payload",
                        "invalid payload: `from` is after `to`",
                    ));
                }
                Ok(Payload::WalletStatement(p))
            }
            Kind::MineBlock => {
                let p: MinePayload = serde_json::from_value(value.clone()).map_err(invalid)?;
                if let Some(n) = p.max_transactions
                    && !(1..=MAX_BLOCK_TRANSACTIONS).contains(&n)
                {
                    return Err(AppError::bad_input(
                        "payload",
                        format!(
                            "invalid payload: maxTransactions must be between 1 and {MAX_BLOCK_TRANSACTIONS}"
                        ),
                    ));
                }
                Ok(Payload::MineBlock(p))
            }
        }
    }
}
