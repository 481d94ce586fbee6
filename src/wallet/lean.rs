//! Lean reads of `wallets` for lookahead-planned lists: only the columns the selection's
//! fields read. The encrypted private key is never among them.

use sea_orm::QueryResult;

use super::entity::Model;
use crate::{
    graphql::selection::FieldColumns,
    platform::{error::AppResult, sql::Picked},
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

/// A wallet read with only the columns of `picked`; the rest keep their defaults, which no
/// selected field reads. `None` where a LEFT JOIN found no wallet.
pub fn from_row(row: &QueryResult, picked: &Picked<'_>) -> AppResult<Option<Model>> {
    let Some(id) = picked.id(row)? else {
        return Ok(None);
    };
    Ok(Some(Model {
        id,
        user_id: picked.get(row, "user_id")?,
        address: picked.get(row, "address")?,
        public_key: picked.get(row, "public_key")?,
        encrypted_private_key: String::new(),
        label: picked.get(row, "label")?,
        is_primary: picked.get(row, "is_primary")?,
        balance: picked.get(row, "balance")?,
        created_at: picked.get(row, "created_at")?,
        updated_at: picked.get(row, "updated_at")?,
    }))
}
