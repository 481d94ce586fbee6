//! Lean reads of `users` for lookahead-planned lists: only the columns the selection's fields
//! read. The password hash is never among them.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::entity::Model;
use crate::{
    graphql::selection::FieldColumns,
    platform::{
        error::AppResult,
        sql::{InList, SqlBuilder, picked, picked_columns},
    },
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

/// A user read under `prefix` with only `columns`; the rest keep their defaults, which no
/// selected field reads. `None` where a LEFT JOIN found no user.
pub fn from_row(row: &QueryResult, prefix: &str, columns: &[&str]) -> AppResult<Option<Model>> {
    let Some(id) = row.try_get::<Option<Uuid>>(prefix, "id")? else {
        return Ok(None);
    };
    let get = |name| picked::<Option<String>>(row, prefix, columns, name);
    Ok(Some(Model {
        id,
        username: picked(row, prefix, columns, "username")?,
        email: picked(row, prefix, columns, "email")?,
        password_hash: String::new(),
        full_name: get("full_name")?,
        avatar_url: get("avatar_url")?,
        bio: get("bio")?,
        is_active: picked(row, prefix, columns, "is_active")?,
        is_verified: picked(row, prefix, columns, "is_verified")?,
        is_admin: picked(row, prefix, columns, "is_admin")?,
        created_at: picked(row, prefix, columns, "created_at")?,
        updated_at: picked(row, prefix, columns, "updated_at")?,
        last_login_at: picked(row, prefix, columns, "last_login_at")?,
    }))
}

/// The users with these ids, lean.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    columns: &[&str],
) -> AppResult<HashMap<Uuid, Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT {} FROM users u WHERE ",
        picked_columns("u", "u_", columns)
    ))
    .bind_in("u.id", InList::Uuids(ids));
    let mut found = HashMap::new();
    for row in sql.all(db).await? {
        if let Some(user) = from_row(&row, "u_", columns)? {
            found.insert(user.id, user);
        }
    }
    Ok(found)
}
