//! Lean reads of `users` for lookahead-planned lists: only the columns the selection's fields
//! read. The password hash is never among them.

use sea_orm::QueryResult;

use super::entity::Model;
use crate::{
    graphql::selection::FieldColumns,
    platform::{error::AppResult, sql::Picked},
};

/// The columns of `User`'s fields. `id` is the key and what privacy checks compare with.
pub const USER_COLUMNS: FieldColumns = FieldColumns {
    keys: &["id"],
    fields: &[
        ("id", &[]),
        ("username", &["username"]),
        ("email", &["email"]),
        ("fullName", &["full_name"]),
        ("avatarUrl", &["avatar_url"]),
        ("bio", &["bio"]),
        ("isVerified", &["is_verified"]),
        ("isAdmin", &["is_admin"]),
        ("createdAt", &["created_at"]),
        ("lastLoginAt", &["last_login_at"]),
    ],
    all: &[
        "id",
        "username",
        "email",
        "full_name",
        "avatar_url",
        "bio",
        "is_active",
        "is_verified",
        "is_admin",
        "created_at",
        "updated_at",
        "last_login_at",
    ],
};

/// A user read with only the columns of `picked`; the rest keep their defaults, which no
/// selected field reads. `None` where a LEFT JOIN found no user.
pub fn from_row(row: &QueryResult, picked: &Picked<'_>) -> AppResult<Option<Model>> {
    let Some(id) = picked.id(row)? else {
        return Ok(None);
    };
    let get = |name| picked.get::<Option<String>>(row, name);
    Ok(Some(Model {
        id,
        username: picked.get(row, "username")?,
        email: picked.get(row, "email")?,
        password_hash: String::new(),
        full_name: get("full_name")?,
        avatar_url: get("avatar_url")?,
        bio: get("bio")?,
        is_active: picked.get(row, "is_active")?,
        is_verified: picked.get(row, "is_verified")?,
        is_admin: picked.get(row, "is_admin")?,
        created_at: picked.get(row, "created_at")?,
        updated_at: picked.get(row, "updated_at")?,
        last_login_at: picked.get(row, "last_login_at")?,
    }))
}
