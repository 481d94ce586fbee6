//! Lean reads of `wallets` for lookahead-planned lists: only the columns the selection's
//! fields read. The encrypted private key is never among them.

use sea_orm::QueryResult;
use uuid::Uuid;

use super::entity::Model;
use crate::{
    graphql::selection::FieldColumns,
    platform::{error::AppResult, sql::picked},
};

/// The columns of `Wallet`'s fields. `user_id` is what the label's privacy rule and `owner`
/// read; `address` is the key transactions join on.
pub const WALLET_COLUMNS: FieldColumns = FieldColumns {
    keys: &["id", "address", "user_id"],
    fields: &[
        ("id", &[]),
        ("address", &[]),
        ("owner", &[]),
        ("label", &["label"]),
        ("isPrimary", &["is_primary"]),
        ("balance", &["balance"]),
        ("createdAt", &["created_at"]),
        ("pendingIncoming", &[]),
        ("transactions", &[]),
    ],
    all: &[
        "id",
        "user_id",
        "address",
        "public_key",
        "label",
        "is_primary",
        "balance",
        "created_at",
        "updated_at",
    ],
};

/// A wallet read under `prefix` with only `columns`; the rest keep their defaults, which no
/// selected field reads. `None` where a LEFT JOIN found no wallet.
pub fn from_row(row: &QueryResult, prefix: &str, columns: &[&str]) -> AppResult<Option<Model>> {
    let Some(id) = row.try_get::<Option<Uuid>>(prefix, "id")? else {
        return Ok(None);
    };
    Ok(Some(Model {
        id,
        user_id: picked(row, prefix, columns, "user_id")?,
        address: picked(row, prefix, columns, "address")?,
        public_key: picked(row, prefix, columns, "public_key")?,
        encrypted_private_key: String::new(),
        label: picked(row, prefix, columns, "label")?,
        is_primary: picked(row, prefix, columns, "is_primary")?,
        balance: picked(row, prefix, columns, "balance")?,
        created_at: picked(row, prefix, columns, "created_at")?,
        updated_at: picked(row, prefix, columns, "updated_at")?,
    }))
}
