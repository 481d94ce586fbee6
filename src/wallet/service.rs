//! Wallet rules over any connection.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::crypto::{WalletCipher, generate_key_pair};
use crate::{entities::wallet, error::AppResult};

/// 1 RoadCoin in the smallest unit (1e-8).
pub const UNITS_PER_COIN: i64 = 100_000_000;
/// What a new account's primary wallet starts with.
pub const SIGNUP_GRANT: i64 = 100 * UNITS_PER_COIN;

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
    let model = wallet::ActiveModel {
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
    .await?;
    Ok(model)
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

/// Wallets one user may hold; generous for people, a wall against scripted abuse.
pub const MAX_WALLETS_PER_USER: u64 = 20;

pub async fn count_for_owner(db: &impl ConnectionTrait, owner_id: Uuid) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(wallet::Entity::find()
        .filter(wallet::Column::UserId.eq(owner_id))
        .count(db)
        .await?)
}

/// Makes `wallet` its owner's primary wallet. The old primary is demoted first, because a
/// partial unique index allows one primary per user at any moment.
pub async fn set_primary(
    db: &impl ConnectionTrait,
    wallet: &wallet::Model,
) -> AppResult<wallet::Model> {
    use sea_orm::sea_query::Expr;
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
