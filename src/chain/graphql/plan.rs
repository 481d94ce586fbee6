//! The ledger's lookahead plans (see `graphql::plan`): a block page's miners and transactions,
//! and the wallets and owners a transaction page's selection reaches.

use std::collections::HashMap;

use async_graphql::{Context, Lookahead, Result};
use uuid::Uuid;

use super::loaders::TransactionsByBlock;
use crate::{
    chain::{
        BlockModel, TransactionModel,
        read_ahead::{self, Side, TxJoins, TxRow, WalletRow},
    },
    graphql::{
        context::ContextExt,
        plan::{Plan, connection_nodes},
    },
    users::{self, graphql::UserById},
    wallet::graphql::WalletByAddress,
};

fn side(node: &Lookahead<'_>, field: &str) -> Side {
    let wallet = node.field(field);
    if !wallet.exists() {
        Side::Skip
    } else if wallet.field("owner").exists() {
        Side::WalletAndOwner
    } else {
        Side::Wallet
    }
}

/// The wallets a transaction node's selection reaches.
fn tx_joins(node: &Lookahead<'_>) -> TxJoins {
    TxJoins {
        sender: side(node, "fromWallet"),
        recipient: side(node, "toWallet"),
    }
}

fn prime_wallets(plan: &Plan<'_>, rows: Vec<WalletRow>) -> Result<()> {
    let mut owners = Vec::new();
    let wallets: Vec<_> = rows
        .into_iter()
        .map(|(wallet, owner)| {
            owners.extend(owner.map(|o| (o.id, o)));
            (wallet.address.clone(), wallet)
        })
        .collect();
    plan.prime::<WalletByAddress, _>(wallets)?;
    plan.prime::<UserById, _>(owners)
}

/// A page of blocks: their miners, and their transactions with the wallets and owners the
/// selection reaches (two statements, run together).
pub async fn blocks<'a>(ctx: &'a Context<'a>, blocks: &[BlockModel]) -> Result<()> {
    let Some(plan) = Plan::connection(ctx)? else {
        return Ok(());
    };
    let node = plan.node();
    let db = &ctx.state()?.db;
    let miners = async {
        if !node.field("miner").exists() {
            return Ok(HashMap::new());
        }
        let ids: Vec<Uuid> = blocks.iter().filter_map(|b| b.miner_id).collect();
        users::by_ids(db, &ids).await
    };
    let transactions = node.field("transactions");
    let txs = async {
        if !transactions.exists() {
            return Ok(None);
        }
        let ids: Vec<Uuid> = blocks.iter().map(|b| b.id).collect();
        let joins = tx_joins(&connection_nodes(&transactions));
        read_ahead::transactions_of_blocks(db, &ids, joins)
            .await
            .map(Some)
    };
    let (miners, txs) = tokio::try_join!(miners, txs)?;
    plan.prime::<UserById, _>(miners)?;
    if let Some(rows) = txs {
        let mut by_block: HashMap<Uuid, Vec<TransactionModel>> =
            blocks.iter().map(|b| (b.id, Vec::new())).collect();
        let mut wallets = Vec::new();
        for TxRow {
            tx,
            sender,
            recipient,
        } in rows
        {
            wallets.extend(sender.into_iter().chain(recipient));
            if let Some(list) = tx.block_id.and_then(|b| by_block.get_mut(&b)) {
                list.push(tx);
            }
        }
        prime_wallets(&plan, wallets)?;
        plan.prime::<TransactionsByBlock, _>(by_block)?;
    }
    Ok(())
}

/// A page of transactions: the wallets (with owners) its selection reaches, in one statement.
pub async fn transactions<'a>(ctx: &'a Context<'a>, rows: &[TransactionModel]) -> Result<()> {
    let Some(plan) = Plan::connection(ctx)? else {
        return Ok(());
    };
    let joins = tx_joins(plan.node());
    let mut addresses = Vec::new();
    for tx in rows {
        if joins.sender != Side::Skip {
            addresses.push(tx.from_address.clone());
        }
        if joins.recipient != Side::Skip {
            addresses.push(tx.to_address.clone());
        }
    }
    if addresses.is_empty() {
        return Ok(());
    }
    addresses.sort();
    addresses.dedup();
    let found = read_ahead::wallets_with_owners(&ctx.state()?.db, &addresses).await?;
    prime_wallets(&plan, found)
}
