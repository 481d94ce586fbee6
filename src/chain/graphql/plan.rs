//! Lookahead-planned loading for the ledger's lists: a list resolver looks at what its
//! selection reaches and reads those rows with its page — only the columns the selected fields
//! read — and hands them to the nodes it returns, so the nested resolvers answer without a
//! loader round trip. Whatever is not planned here still goes through the loaders, and the
//! authorization rules stay in the resolvers, which see the same models either way. The rows
//! go to the nodes rather than to the request's loaders, so this also runs on a socket.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Context, Lookahead, Result};
use uuid::Uuid;

use super::types::{Block, BlockAhead, Transaction, TxAhead};
use crate::{
    chain::{
        TransactionModel,
        read_ahead::{self, SideRead, TX_COLUMNS, TxRead, TxRow, WalletRow},
    },
    graphql::{context::ContextExt, plan::connection_nodes},
    platform::paging::PageRequest,
    users::lean::USER_COLUMNS,
    wallet::{graphql::Wallet, lean::WALLET_COLUMNS},
};

/// What to read of the wallet under `field` of a transaction node, if it is selected.
fn side(node: &Lookahead<'_>, field: &str) -> Option<SideRead> {
    let wallet = node.field(field);
    if !wallet.exists() {
        return None;
    }
    let owner = wallet.field("owner");
    Some(SideRead {
        wallet: WALLET_COLUMNS.for_selection(&wallet),
        owner: owner.exists().then(|| USER_COLUMNS.for_selection(&owner)),
    })
}

/// What a transaction node's selection reads.
fn tx_read(node: &Lookahead<'_>) -> TxRead {
    TxRead {
        columns: TX_COLUMNS.for_selection(node),
        sender: side(node, "fromWallet"),
        recipient: side(node, "toWallet"),
    }
}

fn wallet(row: Option<WalletRow>) -> Option<Wallet> {
    row.map(|(wallet, owner)| Wallet::read_ahead(wallet, owner.map(Arc::new)))
}

/// A transaction with the wallets read ahead for it; a side that was not read stays with
/// the loaders.
fn transaction(row: TxRow, read: &TxRead) -> Transaction {
    let TxRow {
        tx,
        sender,
        recipient,
    } = row;
    let ahead = TxAhead {
        sender: read.sender.as_ref().map(|_| wallet(sender)),
        recipient: read.recipient.as_ref().map(|_| wallet(recipient)),
    };
    Transaction(tx, Some(Arc::new(ahead)))
}

/// A page of blocks with their miners in the same statement, then their transactions with the
/// wallets and owners the selection reaches: one statement per list level.
pub async fn blocks_page(ctx: &Context<'_>, page: &PageRequest<i64>) -> Result<(Vec<Block>, bool)> {
    let node = connection_nodes(&ctx.look_ahead());
    let db = &ctx.state()?.db;
    let miner = node.field("miner");
    let miner_columns = miner.exists().then(|| USER_COLUMNS.for_selection(&miner));
    let (rows, more) = read_ahead::blocks_page(db, page, miner_columns.as_deref()).await?;
    let transactions = node.field("transactions");
    let read = tx_read(&connection_nodes(&transactions));
    let mut by_block: Option<HashMap<Uuid, Vec<Transaction>>> = if transactions.exists() {
        let ids: Vec<Uuid> = rows.iter().map(|(b, _)| b.id).collect();
        let mut by_block: HashMap<Uuid, Vec<Transaction>> = HashMap::new();
        for row in read_ahead::transactions_of_blocks(db, &ids, &read).await? {
            if let Some(block) = row.tx.block_id {
                by_block
                    .entry(block)
                    .or_default()
                    .push(transaction(row, &read));
            }
        }
        Some(by_block)
    } else {
        None
    };
    let blocks = rows
        .into_iter()
        .map(|(block, miner)| {
            let ahead = BlockAhead {
                miner: miner_columns.is_some().then(|| miner.map(Arc::new)),
                transactions: by_block
                    .as_mut()
                    .map(|b| b.remove(&block.id).unwrap_or_default().into()),
            };
            Block(block, Some(Box::new(ahead)))
        })
        .collect();
    Ok((blocks, more))
}

/// A page of transactions: the wallets (with owners) its selection reaches, in one statement.
pub async fn transactions(
    ctx: &Context<'_>,
    rows: Vec<TransactionModel>,
) -> Result<Vec<Transaction>> {
    let read = tx_read(&connection_nodes(&ctx.look_ahead()));
    let mut addresses = Vec::new();
    for tx in &rows {
        if read.sender.is_some() {
            addresses.push(tx.from_address.clone());
        }
        if read.recipient.is_some() {
            addresses.push(tx.to_address.clone());
        }
    }
    if addresses.is_empty() {
        return Ok(rows.into_iter().map(Transaction::new).collect());
    }
    addresses.sort();
    addresses.dedup();
    // Both sides are read with the union of their selections: one statement.
    let both = merge(read.sender.as_ref(), read.recipient.as_ref());
    let found = read_ahead::wallets_with_owners(&ctx.state()?.db, &addresses, &both).await?;
    let by_address: HashMap<String, Wallet> = found
        .into_iter()
        .filter_map(|row| {
            let wallet = wallet(Some(row))?;
            Some((wallet.model.address.clone(), wallet))
        })
        .collect();
    let ahead = |side: &Option<SideRead>, address: &str| {
        side.as_ref().map(|_| by_address.get(address).cloned())
    };
    Ok(rows
        .into_iter()
        .map(|tx| {
            let ahead = TxAhead {
                sender: ahead(&read.sender, &tx.from_address),
                recipient: ahead(&read.recipient, &tx.to_address),
            };
            Transaction(tx, Some(Arc::new(ahead)))
        })
        .collect())
}

/// One read covering both sides' columns.
fn merge(a: Option<&SideRead>, b: Option<&SideRead>) -> SideRead {
    let mut merged = SideRead::default();
    for side in [a, b].into_iter().flatten() {
        for column in &side.wallet {
            if !merged.wallet.contains(column) {
                merged.wallet.push(column);
            }
        }
        if let Some(owner) = &side.owner {
            let into = merged.owner.get_or_insert_with(Vec::new);
            for column in owner {
                if !into.contains(column) {
                    into.push(column);
                }
            }
        }
    }
    merged
}
