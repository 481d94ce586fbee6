//! Read-ahead statements: a page's transactions together with the wallets (and their owners)
//! the selection reaches, in one statement, reading only the columns the selected fields need,
//! so nested fields need no loader round trips and no row carries data nobody asked for.

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::entity::transaction::Model as TransactionModel;
use crate::{
    graphql::selection::FieldColumns,
    platform::{
        error::AppResult,
        sql::{InList, SqlBuilder, picked, picked_columns},
    },
    users::{UserModel, lean as user_lean},
    wallet::{WalletModel, lean as wallet_lean},
};

/// The columns of `Transaction`'s fields. `id` is the key and the cursor, `block_id` groups a
/// page's rows by block. The signature is no field, so it is never read here.
pub const TX_COLUMNS: FieldColumns = FieldColumns {
    keys: &["id", "block_id"],
    fields: &[
        ("id", &[]),
        ("block", &[]),
        ("hash", &["hash"]),
        ("fromAddress", &["from_address"]),
        ("toAddress", &["to_address"]),
        ("fromWallet", &["from_address"]),
        ("toWallet", &["to_address"]),
        ("amount", &["amount"]),
        ("fee", &["fee"]),
        ("message", &["message"]),
        ("status", &["status"]),
        ("createdAt", &["created_at"]),
        ("confirmedAt", &["confirmed_at"]),
    ],
    all: &[
        "id",
        "hash",
        "from_address",
        "to_address",
        "amount",
        "fee",
        "message",
        "status",
        "block_id",
        "created_at",
        "confirmed_at",
    ],
};

/// What to read of one side's wallet: its columns, and its owner's when asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SideRead {
    pub wallet: Vec<&'static str>,
    pub owner: Option<Vec<&'static str>>,
}

/// What to read with each transaction: its columns and the wallets asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxRead {
    pub columns: Vec<&'static str>,
    pub sender: Option<SideRead>,
    pub recipient: Option<SideRead>,
}

/// A wallet read with a transaction, and its owner when asked for.
pub type WalletRow = (WalletModel, Option<UserModel>);

pub struct TxRow {
    pub tx: TransactionModel,
    /// `None` where the side was not read or no wallet has the address.
    pub sender: Option<WalletRow>,
    pub recipient: Option<WalletRow>,
}

fn join_side(select: &mut String, from: &mut String, side: &SideRead, column: &str, alias: &str) {
    select.push_str(", ");
    select.push_str(&picked_columns(alias, &format!("{alias}_"), &side.wallet));
    from.push_str(&format!(
        " LEFT JOIN wallets \"{alias}\" ON \"{alias}\".address = t.{column}"
    ));
    if let Some(owner_columns) = &side.owner {
        let owner = format!("{alias}o");
        select.push_str(", ");
        select.push_str(&picked_columns(&owner, &format!("{owner}_"), owner_columns));
        from.push_str(&format!(
            " LEFT JOIN users \"{owner}\" ON \"{owner}\".id = \"{alias}\".user_id"
        ));
    }
}

fn read_side(
    row: &sea_orm::QueryResult,
    side: Option<&SideRead>,
    alias: &str,
) -> AppResult<Option<WalletRow>> {
    let Some(side) = side else {
        return Ok(None);
    };
    let Some(wallet) = wallet_lean::from_row(row, &format!("{alias}_"), &side.wallet)? else {
        return Ok(None);
    };
    let owner = match &side.owner {
        Some(columns) => user_lean::from_row(row, &format!("{alias}o_"), columns)?,
        None => None,
    };
    Ok(Some((wallet, owner)))
}

/// A transaction read under `t_` with only `columns`; the rest keep their defaults, which no
/// selected field reads.
fn tx_from_row(row: &sea_orm::QueryResult, columns: &[&str]) -> AppResult<TransactionModel> {
    let get = |name| picked::<String>(row, "t_", columns, name);
    Ok(TransactionModel {
        id: row.try_get("t_", "id")?,
        hash: get("hash")?,
        from_address: get("from_address")?,
        to_address: get("to_address")?,
        amount: picked(row, "t_", columns, "amount")?,
        fee: picked(row, "t_", columns, "fee")?,
        message: picked(row, "t_", columns, "message")?,
        signature: None,
        status: get("status")?,
        block_id: picked(row, "t_", columns, "block_id")?,
        created_at: picked(row, "t_", columns, "created_at")?,
        confirmed_at: picked(row, "t_", columns, "confirmed_at")?,
    })
}

/// Every transaction of the given blocks (in hashing order), with the wallets asked for.
pub async fn transactions_of_blocks(
    db: &impl ConnectionTrait,
    blocks: &[Uuid],
    read: &TxRead,
) -> AppResult<Vec<TxRow>> {
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = format!("SELECT {}", picked_columns("t", "t_", &read.columns));
    let mut from = String::from(" FROM transactions t");
    if let Some(side) = &read.sender {
        join_side(&mut select, &mut from, side, "from_address", "fw");
    }
    if let Some(side) = &read.recipient {
        join_side(&mut select, &mut from, side, "to_address", "tw");
    }
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push(&select)
        .push(&from)
        .push(" WHERE ")
        .bind_in("t.block_id", InList::Uuids(blocks))
        .push(" ORDER BY t.id");
    let rows = sql.all(db).await?;
    rows.iter()
        .map(|row| {
            Ok(TxRow {
                tx: tx_from_row(row, &read.columns)?,
                sender: read_side(row, read.sender.as_ref(), "fw")?,
                recipient: read_side(row, read.recipient.as_ref(), "tw")?,
            })
        })
        .collect()
}

/// The wallets at these addresses (with their owners when asked for), in one statement.
pub async fn wallets_with_owners(
    db: &impl ConnectionTrait,
    addresses: &[String],
    side: &SideRead,
) -> AppResult<Vec<WalletRow>> {
    if addresses.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = format!("SELECT {}", picked_columns("w", "w_", &side.wallet));
    let mut from = String::from(" FROM wallets w");
    if let Some(owner_columns) = &side.owner {
        select.push_str(", ");
        select.push_str(&picked_columns("wo", "wo_", owner_columns));
        from.push_str(" LEFT JOIN users wo ON wo.id = w.user_id");
    }
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push(&select)
        .push(&from)
        .push(" WHERE ")
        .bind_in("w.address", InList::Texts(addresses));
    let rows = sql.all(db).await?;
    rows.iter()
        .filter_map(|row| read_side(row, Some(side), "w").transpose())
        .collect()
}
