//! Queries over `wallets`, on any connection (inside a unit of work or not). Balances change
//! only through `debit_if_covered`, `credit` and `credit_primary`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{
    crypto::{WalletCipher, generate_key_pair},
    entity as wallet,
};
use crate::platform::{
    error::{AppError, AppResult, UniqueKey},
    sql::SqlBuilder,
};

const UNIQUE_KEYS: &[UniqueKey] = &[UniqueKey {
    postgres: "wallets_address_key",
    sqlite: "wallets.address",
    field: "address",
}];

/// `RD` followed by 38 lower-case hex digits.
pub fn is_valid_address(address: &str) -> bool {
    address.len() == 40
        && address.starts_with("RD")
        && address[2..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub async fn create(
    db: &impl ConnectionTrait,
    cipher: &WalletCipher,
    owner_id: Uuid,
    label: Option<String>,
    is_primary: bool,
    initial_balance: i64,
) -> AppResult<wallet::Model> {
    let pair = generate_key_pair();
    let encrypted = cipher.encrypt(&pair.signing_key, &pair.address)?;
    let now = Utc::now();
    wallet::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(owner_id),
        address: Set(pair.address),
        public_key: Set(pair.public_key_hex),
        encrypted_private_key: Set(encrypted),
        label: Set(label),
        is_primary: Set(is_primary),
        balance: Set(initial_balance),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| AppError::from_db_unique(e, UNIQUE_KEYS))
}

pub async fn by_address(
    db: &impl ConnectionTrait,
    address: &str,
) -> AppResult<Option<wallet::Model>> {
    Ok(wallet::Entity::find()
        .filter(wallet::Column::Address.eq(address))
        .one(db)
        .await?)
}

pub async fn primary_of(
    db: &impl ConnectionTrait,
    owner_id: Uuid,
) -> AppResult<Option<wallet::Model>> {
    Ok(wallet::Entity::find()
        .filter(wallet::Column::UserId.eq(owner_id))
        .filter(wallet::Column::IsPrimary.eq(true))
        .one(db)
        .await?)
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, wallet::Model>> {
    let rows = wallet::Entity::find()
        .filter(wallet::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|w| (w.id, w)).collect())
}

/// Every wallet of one owner, primary first, then oldest first.
pub async fn of_owner(db: &impl ConnectionTrait, owner: Uuid) -> AppResult<Vec<wallet::Model>> {
    Ok(by_owners(db, &[owner])
        .await?
        .remove(&owner)
        .unwrap_or_default())
}

/// Every wallet of each owner, primary first, then oldest first.
pub async fn by_owners(
    db: &impl ConnectionTrait,
    owner_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<wallet::Model>>> {
    let rows = wallet::Entity::find()
        .filter(wallet::Column::UserId.is_in(owner_ids.iter().copied()))
        .order_by_desc(wallet::Column::IsPrimary)
        .order_by_asc(wallet::Column::CreatedAt)
        .order_by_asc(wallet::Column::Id)
        .all(db)
        .await?;
    let mut grouped: HashMap<Uuid, Vec<wallet::Model>> =
        owner_ids.iter().map(|id| (*id, Vec::new())).collect();
    for w in rows {
        grouped.entry(w.user_id).or_default().push(w);
    }
    Ok(grouped)
}

pub async fn by_addresses(
    db: &impl ConnectionTrait,
    addresses: &[String],
) -> AppResult<HashMap<String, wallet::Model>> {
    let rows = wallet::Entity::find()
        .filter(wallet::Column::Address.is_in(addresses.iter().cloned()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|w| (w.address.clone(), w)).collect())
}

/// Public keys by address, for checking signatures.
pub async fn public_keys(
    db: &impl ConnectionTrait,
    addresses: Vec<String>,
) -> AppResult<HashMap<String, String>> {
    Ok(wallet::Entity::find()
        .filter(wallet::Column::Address.is_in(addresses))
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.address, w.public_key))
        .collect())
}

pub async fn count_for_owner(db: &impl ConnectionTrait, owner_id: Uuid) -> AppResult<u64> {
    Ok(wallet::Entity::find()
        .filter(wallet::Column::UserId.eq(owner_id))
        .count(db)
        .await?)
}

/// Sum of every balance.
pub async fn total_balance(db: &impl ConnectionTrait) -> AppResult<i64> {
    SqlBuilder::new(db.get_database_backend())
        .push("SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM wallets")
        .scalar_i64(db)
        .await
}

/// Takes `total` from the wallet if it holds that much, in one conditional statement, so
/// concurrent debits can never overdraw it. False when the balance does not cover it.
pub async fn debit_if_covered(
    db: &impl ConnectionTrait,
    wallet_id: Uuid,
    total: i64,
    at: DateTime<Utc>,
) -> AppResult<bool> {
    let debited = wallet::Entity::update_many()
        .col_expr(
            wallet::Column::Balance,
            Expr::col(wallet::Column::Balance).sub(total),
        )
        .col_expr(wallet::Column::UpdatedAt, Expr::value(at))
        .filter(wallet::Column::Id.eq(wallet_id))
        .filter(wallet::Column::Balance.gte(total))
        .exec(db)
        .await?;
    Ok(debited.rows_affected == 1)
}

pub async fn credit(db: &impl ConnectionTrait, address: &str, amount: i64) -> AppResult<()> {
    wallet::Entity::update_many()
        .col_expr(
            wallet::Column::Balance,
            Expr::col(wallet::Column::Balance).add(amount),
        )
        .filter(wallet::Column::Address.eq(address))
        .exec(db)
        .await?;
    Ok(())
}

/// Credits the owner's primary wallet; false when they have none.
pub async fn credit_primary(
    db: &impl ConnectionTrait,
    owner_id: Uuid,
    amount: i64,
) -> AppResult<bool> {
    let paid = wallet::Entity::update_many()
        .col_expr(
            wallet::Column::Balance,
            Expr::col(wallet::Column::Balance).add(amount),
        )
        .filter(wallet::Column::UserId.eq(owner_id))
        .filter(wallet::Column::IsPrimary.eq(true))
        .exec(db)
        .await?;
    Ok(paid.rows_affected == 1)
}

/// Makes `wallet` its owner's primary wallet. The old primary is demoted first, because a
/// partial unique index allows one primary per user at any moment.
pub async fn set_primary(
    db: &impl ConnectionTrait,
    wallet: &wallet::Model,
) -> AppResult<wallet::Model> {
    let now = Utc::now();
    wallet::Entity::update_many()
        .col_expr(wallet::Column::IsPrimary, Expr::value(false))
        .col_expr(wallet::Column::UpdatedAt, Expr::value(now))
        .filter(wallet::Column::UserId.eq(wallet.user_id))
        .filter(wallet::Column::IsPrimary.eq(true))
        .exec(db)
        .await?;
    wallet::Entity::update_many()
        .col_expr(wallet::Column::IsPrimary, Expr::value(true))
        .col_expr(wallet::Column::UpdatedAt, Expr::value(now))
        .filter(wallet::Column::Id.eq(wallet.id))
        .exec(db)
        .await?;
    Ok(wallet::Model {
        is_primary: true,
        updated_at: now,
        ..wallet.clone()
    })
}

/// The sum of the owner's wallets' balances, in one statement.
pub async fn balance_of_owner(db: &impl ConnectionTrait, owner: Uuid) -> AppResult<i64> {
    SqlBuilder::new(db.get_database_backend())
        .push("SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM wallets WHERE user_id = ")
        .bind(owner)
        .scalar_i64(db)
        .await
}
