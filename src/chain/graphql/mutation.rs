use async_graphql::{Context, InputObject, Object, Result};

use super::types::{Block, Transaction};
use crate::{
    chain::{self, DEFAULT_BLOCK_TRANSACTIONS, TransferRequest},
    graphql::context::ContextExt,
    platform::{error::AppError, money::Amount},
};

/// Cache tags each mutation writes (the registry tests hold every Mutation field to this).
pub const MUTATION_TAGS: &[(&str, &[&str])] = &[
    (
        "transfer",
        &["Wallet", "Transaction", "Notification", "Event"],
    ),
    (
        "mineBlock",
        &[
            "Block",
            "Transaction",
            "Wallet",
            "User",
            "Notification",
            "Event",
        ],
    ),
];

#[derive(InputObject)]
pub struct TransferInput {
    /// One of your wallets; your primary wallet when omitted.
    pub from_address: Option<String>,
    pub to_address: String,
    pub amount: Amount,
    /// Paid to the miner of the confirming block; 0 when omitted.
    pub fee: Option<Amount>,
    /// Up to 280 characters, public on the chain.
    pub message: Option<String>,
}

#[derive(InputObject)]
pub struct MineBlockInput {
    /// Most pending transactions to include, oldest first (1–100, default 10).
    pub max_transactions: Option<i32>,
}

#[derive(Default)]
pub struct ChainMutation;

#[Object]
impl ChainMutation {
    /// Signs and submits a transfer. The amount and fee leave the sender at once; the
    /// recipient is credited when a block confirms it.
    async fn transfer(&self, ctx: &Context<'_>, input: TransferInput) -> Result<Transaction> {
        let viewer = ctx.viewer()?.require()?;
        let request = TransferRequest {
            from_address: input.from_address.map(|a| a.trim().to_owned()),
            to_address: input.to_address.trim().to_owned(),
            amount: input.amount.0,
            fee: input.fee.map_or(0, |f| f.0),
            message: input.message,
        };
        let tx = chain::transfer(ctx.state()?, &ctx.audit(), &viewer.user, request).await?;
        Ok(Transaction::new(tx))
    }

    /// Mines the oldest pending transactions into a new block; the viewer gets the reward
    /// and the fees.
    async fn mine_block(&self, ctx: &Context<'_>, input: Option<MineBlockInput>) -> Result<Block> {
        let viewer = ctx.viewer()?.require()?;
        let max = match input.and_then(|i| i.max_transactions) {
            None => DEFAULT_BLOCK_TRANSACTIONS,
            Some(n) if n < 1 => {
                return Err(AppError::bad_input(
                    "maxTransactions",
                    "maxTransactions must be at least 1",
                )
                .into());
            }
            Some(n) => n as u64,
        };
        let block = chain::mine_block(ctx.state()?, &ctx.audit(), &viewer.user, max).await?;
        Ok(Block::new(block))
    }
}
