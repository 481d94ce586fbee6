//! Read-ahead statements: a page's transactions together with the wallets (and their owners)
//! the selection reaches, in one statement, so nested fields need no loader round trips.

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::entity::transaction;
use crate::{
    platform::{
        error::AppResult,
        sql::{SqlBuilder, joined, prefixed_columns},
    },
    users::{UserEntity, UserModel},
    wallet::{WalletModel, entity as wallet},
};

/// Which related rows to read with each transaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TxJoins {
    pub sender: Side,
    pub recipient: Side,
}

/// One side of a transfer: its wallet, and maybe the wallet's owner.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Side {
    #[default]
    Skip,
    Wallet,
    WalletAndOwner,
}

/// A wallet read with a transaction, and its owner when asked for.
pub type WalletRow = (WalletModel, Option<UserModel>);

pub struct TxRow {
    pub tx: transaction::Model,
    pub sender: Option<WalletRow>,
    pub recipient: Option<WalletRow>,
}

fn join_side(select: &mut String, from: &mut String, side: Side, column: &str, alias: &str) {
    if side == Side::Skip {
        return;
    }
    let owner = format!("{alias}o");
    select.push_str(", ");
    select.push_str(&prefixed_columns::<wallet::Entity>(
        alias,
        &format!("{alias}_"),
    ));
    from.push_str(&format!(
        " LEFT JOIN wallets \"{alias}\" ON \"{alias}\".address = t.{column}"
    ));
    if side == Side::WalletAndOwner {
        select.push_str(", ");
        select.push_str(&prefixed_columns::<UserEntity>(
            &owner,
            &format!("{owner}_"),
        ));
        from.push_str(&format!(
            " LEFT JOIN users \"{owner}\" ON \"{owner}\".id = \"{alias}\".user_id"
        ));
    }
}

fn read_side(row: &sea_orm::QueryResult, side: Side, alias: &str) -> AppResult<Option<WalletRow>> {
    if side == Side::Skip {
        return Ok(None);
    }
    let Some(wallet) = joined::<WalletModel>(row, &format!("{alias}_"))? else {
        return Ok(None);
    };
    let owner = match side {
        Side::WalletAndOwner => joined::<UserModel>(row, &format!("{alias}o_"))?,
        _ => None,
    };
    Ok(Some((wallet, owner)))
}

/// Every transaction of the given blocks (in hashing order), with the wallets asked for.
pub async fn transactions_of_blocks(
    db: &impl ConnectionTrait,
    blocks: &[Uuid],
    joins: TxJoins,
) -> AppResult<Vec<TxRow>> {
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = format!(
        "SELECT {}",
        prefixed_columns::<transaction::Entity>("t", "t_")
    );
    let mut from = String::from(" FROM transactions t");
    join_side(&mut select, &mut from, joins.sender, "from_address", "fw");
    join_side(&mut select, &mut from, joins.recipient, "to_address", "tw");
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push(&select)
        .push(&from)
        .push(" WHERE t.block_id IN ")
        .bind_list(blocks.iter().copied())
        .push(" ORDER BY t.id");
    let rows = sql.all(db).await?;
    rows.iter()
        .map(|row| {
            Ok(TxRow {
                tx: sea_orm::FromQueryResult::from_query_result(row, "t_")?,
                sender: read_side(row, joins.sender, "fw")?,
                recipient: read_side(row, joins.recipient, "tw")?,
            })
        })
        .collect()
}

/// The wallets at these addresses with their owners, in one statement.
pub async fn wallets_with_owners(
    db: &impl ConnectionTrait,
    addresses: &[String],
) -> AppResult<Vec<WalletRow>> {
    if addresses.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT {}, {} FROM wallets w LEFT JOIN users wo ON wo.id = w.user_id WHERE w.address IN ",
        prefixed_columns::<wallet::Entity>("w", "w_"),
        prefixed_columns::<UserEntity>("wo", "wo_"),
    ))
    .bind_list(addresses.to_vec());
    let rows = sql.all(db).await?;
    rows.iter()
        .filter_map(|row| read_side(row, Side::WalletAndOwner, "w").transpose())
        .collect()
}
