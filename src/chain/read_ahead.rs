//! Read-ahead statements: a page's transactions together with the wallets (and their owners)
//! the selection reaches, in one statement, reading only the columns the selected fields need,
//! so nested fields need no loader round trips and no row carries data nobody asked for.

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::entity::{block, transaction::Model as TransactionModel};
use crate::{
    graphql::selection::FieldColumns,
    platform::{
        error::AppResult,
        paging::{Direction, PageRequest, split_page},
        sql::{InList, LeanSelect, Picked, SqlBuilder},
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

/// Where one side's wallet (and owner) sit in a row.
struct SideCols<'c> {
    wallet: Picked<'c>,
    owner: Option<Picked<'c>>,
}

fn join_side<'c>(
    select: &mut LeanSelect,
    from: &mut String,
    side: &'c SideRead,
    column: &str,
    alias: &str,
) -> SideCols<'c> {
    let wallet = select.pick(alias, &side.wallet);
    from.push_str(&format!(
        " LEFT JOIN wallets \"{alias}\" ON \"{alias}\".address = t.{column}"
    ));
    let owner = side.owner.as_ref().map(|owner_columns| {
        let owner = format!("{alias}o");
        from.push_str(&format!(
            " LEFT JOIN users \"{owner}\" ON \"{owner}\".id = \"{alias}\".user_id"
        ));
        select.pick(&owner, owner_columns)
    });
    SideCols { wallet, owner }
}

fn read_side(
    row: &sea_orm::QueryResult,
    side: Option<&SideCols<'_>>,
) -> AppResult<Option<WalletRow>> {
    let Some(side) = side else {
        return Ok(None);
    };
    let Some(wallet) = wallet_lean::from_row(row, &side.wallet)? else {
        return Ok(None);
    };
    let owner = match &side.owner {
        Some(owner) => user_lean::from_row(row, owner)?,
        None => None,
    };
    Ok(Some((wallet, owner)))
}

/// A transaction read with only the columns of `t`; the rest keep their defaults, which no
/// selected field reads.
fn tx_from_row(row: &sea_orm::QueryResult, t: &Picked<'_>) -> AppResult<TransactionModel> {
    let get = |name| t.get::<String>(row, name);
    Ok(TransactionModel {
        id: t.get(row, "id")?,
        hash: get("hash")?,
        from_address: get("from_address")?,
        to_address: get("to_address")?,
        amount: t.get(row, "amount")?,
        fee: t.get(row, "fee")?,
        message: t.get(row, "message")?,
        signature: None,
        status: get("status")?,
        block_id: t.get(row, "block_id")?,
        created_at: t.get(row, "created_at")?,
        confirmed_at: t.get(row, "confirmed_at")?,
    })
}

/// A block with its miner when the selection reaches it (`None`: not read, or no such user).
pub type BlockRow = (block::Model, Option<UserModel>);

/// A page of blocks, newest first (backward pages are read ascending and flipped back), with
/// their miners' `miner` columns in the same statement when asked for.
pub async fn blocks_page(
    db: &impl ConnectionTrait,
    page: &PageRequest<i64>,
    miner: Option<&[&'static str]>,
) -> AppResult<(Vec<BlockRow>, bool)> {
    let mut select = LeanSelect::default();
    select.entity::<block::Entity>("b", "b_");
    let mut from = String::from(" FROM blocks b");
    let user = miner.map(|columns| {
        from.push_str(" LEFT JOIN users u ON u.id = b.miner_id");
        select.pick("u", columns)
    });
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT ").push(select.sql()).push(&from);
    if let Some(cursor) = page.cursor {
        let op = match page.direction {
            Direction::Forward => " WHERE b.\"index\" < ",
            Direction::Backward => " WHERE b.\"index\" > ",
        };
        sql.push(op).bind(cursor);
    }
    sql.push(match page.direction {
        Direction::Forward => " ORDER BY b.\"index\" DESC LIMIT ",
        Direction::Backward => " ORDER BY b.\"index\" ASC LIMIT ",
    })
    .bind(page.limit as i64 + 1);
    let mut rows = Vec::new();
    for row in sql.all(db).await? {
        let model = <block::Model as sea_orm::FromQueryResult>::from_query_result(&row, "b_")?;
        let miner = match &user {
            Some(user) => user_lean::from_row(&row, user)?,
            None => None,
        };
        rows.push((model, miner));
    }
    let (mut rows, more) = split_page(rows, page.limit);
    if page.direction == Direction::Backward {
        rows.reverse();
    }
    Ok((rows, more))
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
    let mut select = LeanSelect::default();
    let t = select.pick("t", &read.columns);
    let mut from = String::from(" FROM transactions t");
    let sender = read
        .sender
        .as_ref()
        .map(|side| join_side(&mut select, &mut from, side, "from_address", "fw"));
    let recipient = read
        .recipient
        .as_ref()
        .map(|side| join_side(&mut select, &mut from, side, "to_address", "tw"));
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT ")
        .push(select.sql())
        .push(&from)
        .push(" WHERE ")
        .bind_in("t.block_id", InList::Uuids(blocks))
        .push(" ORDER BY t.id");
    let rows = sql.all(db).await?;
    rows.iter()
        .map(|row| {
            Ok(TxRow {
                tx: tx_from_row(row, &t)?,
                sender: read_side(row, sender.as_ref())?,
                recipient: read_side(row, recipient.as_ref())?,
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
    let mut select = LeanSelect::default();
    let wallet = select.pick("w", &side.wallet);
    let mut from = String::from(" FROM wallets w");
    let owner = side.owner.as_ref().map(|owner_columns| {
        from.push_str(" LEFT JOIN users wo ON wo.id = w.user_id");
        select.pick("wo", owner_columns)
    });
    let cols = SideCols { wallet, owner };
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT ")
        .push(select.sql())
        .push(&from)
        .push(" WHERE ")
        .bind_in("w.address", InList::Texts(addresses));
    let rows = sql.all(db).await?;
    rows.iter()
        .filter_map(|row| read_side(row, Some(&cols)).transpose())
        .collect()
}
