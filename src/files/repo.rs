//! Queries over the files tables. The tree walks (a folder's subtree, a node's ancestors) are
//! recursive CTEs, which both databases run; everything a loader needs is one statement per
//! batch.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::entity::{node, usage};
use crate::platform::{
    error::{AppError, AppResult, UniqueKey},
    paging::{PageRequest, split_page},
    sql::SqlBuilder,
};

/// Runs a statement that returns no rows.
trait Execute {
    async fn execute(&self, db: &impl ConnectionTrait) -> AppResult<u64>;
}

impl Execute for SqlBuilder {
    async fn execute(&self, db: &impl ConnectionTrait) -> AppResult<u64> {
        Ok(db.execute_raw(self.build()).await?.rows_affected())
    }
}

const UNIQUE_KEYS: &[UniqueKey] = &[UniqueKey {
    postgres: "file_nodes_parent_name_key",
    sqlite: "file_nodes.parent_id, file_nodes.name",
    field: "name",
}];

fn name_taken(err: sea_orm::DbErr) -> AppError {
    match AppError::from_db_unique(err, UNIQUE_KEYS) {
        AppError::Conflict { field, .. } => AppError::Conflict {
            field,
            message: "a file or folder with this name is already in that folder".into(),
        },
        other => other,
    }
}

/// A user's root folder id: derived from theirs, so creating it twice is one row.
pub fn root_id(owner: Uuid) -> Uuid {
    let digest = Sha256::new()
        .chain_update(b"blackroad files root")
        .chain_update(owner.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The user's root folder, created on first use.
pub async fn ensure_root(db: &impl ConnectionTrait, owner: Uuid) -> AppResult<node::Model> {
    let id = root_id(owner);
    if let Some(root) = by_id(db, id).await? {
        return Ok(root);
    }
    let now = Utc::now();
    SqlBuilder::new(db.get_database_backend())
        .push("INSERT INTO file_nodes (id, owner_id, parent_id, is_folder, name, size, created_at, updated_at) VALUES (")
        .bind(id)
        .push(", ")
        .bind(owner)
        .push(", NULL, ")
        .bind(true)
        .push(", '', 0, ")
        .bind(now)
        .push(", ")
        .bind(now)
        .push(") ON CONFLICT DO NOTHING")
        .execute(db)
        .await?;
    by_id(db, id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("root folder of {owner} not created")))
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<node::Model>> {
    Ok(node::Entity::find_by_id(id).one(db).await?)
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, node::Model>> {
    let rows = node::Entity::find()
        .filter(node::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|n| (n.id, n)).collect())
}

pub async fn insert(db: &impl ConnectionTrait, model: node::Model) -> AppResult<node::Model> {
    let active: node::ActiveModel = model.into();
    active.insert(db).await.map_err(name_taken)
}

/// Renames and/or moves a node; a name clash in the destination is a CONFLICT on `name`.
pub async fn relocate(
    db: &impl ConnectionTrait,
    node: &node::Model,
    parent_id: Uuid,
    name: &str,
) -> AppResult<node::Model> {
    let now = Utc::now();
    node::Entity::update_many()
        .col_expr(node::Column::ParentId, Expr::value(parent_id))
        .col_expr(node::Column::Name, Expr::value(name))
        .col_expr(node::Column::UpdatedAt, Expr::value(now))
        .filter(node::Column::Id.eq(node.id))
        .exec(db)
        .await
        .map_err(name_taken)?;
    Ok(node::Model {
        parent_id: Some(parent_id),
        name: name.to_owned(),
        updated_at: now,
        ..node.clone()
    })
}

/// The node called `name` in the folder `parent`, if any.
pub async fn child_named(
    db: &impl ConnectionTrait,
    parent: Uuid,
    name: &str,
) -> AppResult<Option<node::Model>> {
    Ok(node::Entity::find()
        .filter(node::Column::ParentId.eq(parent))
        .filter(node::Column::Name.eq(name))
        .one(db)
        .await?)
}

/// Deletes the node; its descendants go with it (the parent key cascades).
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    node::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// The node and everything under it.
pub async fn subtree(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Vec<node::Model>> {
    SqlBuilder::new(db.get_database_backend())
        .push("WITH RECURSIVE sub(id) AS (SELECT id FROM file_nodes WHERE id = ")
        .bind(id)
        .push(
            " UNION ALL SELECT n.id FROM file_nodes n JOIN sub ON n.parent_id = sub.id) \
             SELECT f.* FROM file_nodes f JOIN sub ON f.id = sub.id",
        )
        .models(db)
        .await
}

/// For each of `ids`, its chain of ancestors from itself up to the root: (id, name, is root).
pub async fn ancestors(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<(Uuid, String, bool)>>> {
    let rows = SqlBuilder::new(db.get_database_backend())
        .push(
            "WITH RECURSIVE up(id, parent_id, name) AS (\
             SELECT id, parent_id, name FROM file_nodes WHERE id IN ",
        )
        .bind_list(ids.iter().copied())
        .push(
            " UNION SELECT n.id, n.parent_id, n.name FROM file_nodes n \
             JOIN up ON n.id = up.parent_id) SELECT id, parent_id, name FROM up",
        )
        .all(db)
        .await?;
    let mut known: HashMap<Uuid, (Option<Uuid>, String)> = HashMap::new();
    for row in rows {
        let id: Uuid = row.try_get("", "id")?;
        let parent: Option<Uuid> = row.try_get("", "parent_id")?;
        let name: String = row.try_get("", "name")?;
        known.insert(id, (parent, name));
    }
    let mut chains = HashMap::new();
    for start in ids {
        let mut chain = Vec::new();
        let mut at = Some(*start);
        // The tree has no cycles (moves refuse them); the bound guards against a corrupt one.
        while let Some(id) = at.filter(|_| chain.len() <= known.len()) {
            let Some((parent, name)) = known.get(&id) else {
                break;
            };
            chain.push((id, name.clone(), parent.is_none()));
            at = *parent;
        }
        if !chain.is_empty() {
            chains.insert(*start, chain);
        }
    }
    Ok(chains)
}

/// The sub-folders of each parent, by name.
pub async fn folders_in(
    db: &impl ConnectionTrait,
    parents: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<node::Model>>> {
    let rows = node::Entity::find()
        .filter(node::Column::ParentId.is_in(parents.iter().copied()))
        .filter(node::Column::IsFolder.eq(true))
        .order_by_asc(node::Column::Name)
        .all(db)
        .await?;
    let mut grouped: HashMap<Uuid, Vec<node::Model>> =
        parents.iter().map(|p| (*p, Vec::new())).collect();
    for row in rows {
        if let Some(parent) = row.parent_id {
            grouped.entry(parent).or_default().push(row);
        }
    }
    Ok(grouped)
}

/// Up to `limit` files of each parent, by name, after the name `after` (names are unique
/// within a folder, so the name is the keyset): one statement with a window function.
pub async fn files_in(
    db: &impl ConnectionTrait,
    parents: &[Uuid],
    limit: u64,
    after: Option<&str>,
) -> AppResult<HashMap<Uuid, Vec<node::Model>>> {
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push(
        "SELECT * FROM (SELECT f.*, ROW_NUMBER() OVER (PARTITION BY f.parent_id ORDER BY f.name) AS rn \
         FROM file_nodes f WHERE f.is_folder = ",
    )
    .bind(false)
    .push(" AND f.parent_id IN ")
    .bind_list(parents.iter().copied());
    if let Some(after) = after {
        sql.push(" AND f.name > ").bind(after.to_owned());
    }
    sql.push(") t WHERE t.rn <= ")
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .push(" ORDER BY t.name");
    let rows: Vec<node::Model> = sql.models(db).await?;
    let mut grouped: HashMap<Uuid, Vec<node::Model>> =
        parents.iter().map(|p| (*p, Vec::new())).collect();
    for row in rows {
        if let Some(parent) = row.parent_id {
            grouped.entry(parent).or_default().push(row);
        }
    }
    Ok(grouped)
}

/// The owner's files whose name contains `needle` (case-insensitively), newest first.
pub async fn search(
    db: &impl ConnectionTrait,
    owner: Uuid,
    needle: &str,
    page: &PageRequest<Uuid>,
) -> AppResult<(Vec<node::Model>, bool)> {
    let escaped: String = needle
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let mut sql = SqlBuilder::new(db.get_database_backend());
    sql.push("SELECT * FROM file_nodes WHERE owner_id = ")
        .bind(owner)
        .push(" AND is_folder = ")
        .bind(false)
        .push(" AND LOWER(name) LIKE ")
        .bind(format!("%{escaped}%"))
        .push(" ESCAPE '\\'");
    if let Some(cursor) = page.cursor {
        sql.push(" AND id < ").bind(cursor);
    }
    sql.push(" ORDER BY id DESC LIMIT ")
        .bind(i64::try_from(page.limit + 1).unwrap_or(i64::MAX));
    Ok(split_page(sql.models(db).await?, page.limit))
}

/// Bytes the user's files take (0 before their first upload).
pub async fn used_bytes(db: &impl ConnectionTrait, user: Uuid) -> AppResult<i64> {
    Ok(usage::Entity::find_by_id(user)
        .one(db)
        .await?
        .map_or(0, |u| u.used_bytes))
}

/// Makes sure the user's usage row exists and locks it: every change to a user's tree takes
/// this first, so concurrent moves cannot build a cycle nor uploads overrun the quota. On
/// SQLite it is also the write that takes the database's write lock at the start.
pub async fn lock_owner(db: &impl ConnectionTrait, user: Uuid) -> AppResult<()> {
    let backend = db.get_database_backend();
    SqlBuilder::new(backend)
        .push("INSERT INTO file_usage (user_id, used_bytes) VALUES (")
        .bind(user)
        .push(", 0) ON CONFLICT DO NOTHING")
        .execute(db)
        .await?;
    SqlBuilder::new(backend)
        .push("UPDATE file_usage SET used_bytes = used_bytes WHERE user_id = ")
        .bind(user)
        .execute(db)
        .await?;
    Ok(())
}

/// Adds `bytes` to the user's usage if that stays within `quota`; false otherwise.
pub async fn reserve(
    db: &impl ConnectionTrait,
    user: Uuid,
    bytes: i64,
    quota: i64,
) -> AppResult<bool> {
    let result = usage::Entity::update_many()
        .col_expr(
            usage::Column::UsedBytes,
            Expr::col(usage::Column::UsedBytes).add(bytes),
        )
        .filter(usage::Column::UserId.eq(user))
        .filter(Expr::col(usage::Column::UsedBytes).add(bytes).lte(quota))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn release(db: &impl ConnectionTrait, user: Uuid, bytes: i64) -> AppResult<()> {
    usage::Entity::update_many()
        .col_expr(
            usage::Column::UsedBytes,
            Expr::col(usage::Column::UsedBytes).sub(bytes),
        )
        .filter(usage::Column::UserId.eq(user))
        .exec(db)
        .await?;
    Ok(())
}

/// One more file points at the blob (the row is created with the first). The row stays
/// locked until the transaction ends, so a concurrent release cannot remove the content.
pub async fn blob_acquire(db: &impl ConnectionTrait, sha256: &str, size: i64) -> AppResult<()> {
    SqlBuilder::new(db.get_database_backend())
        .push("INSERT INTO file_blobs (sha256, size, ref_count, created_at) VALUES (")
        .bind(sha256.to_owned())
        .push(", ")
        .bind(size)
        .push(", 1, ")
        .bind(Utc::now())
        .push(") ON CONFLICT (sha256) DO UPDATE SET ref_count = file_blobs.ref_count + 1")
        .execute(db)
        .await?;
    Ok(())
}

/// `count` fewer files point at each blob; the blobs no file points at any more are deleted
/// and returned (their content is to be removed).
pub async fn blob_release(
    db: &impl ConnectionTrait,
    counts: &HashMap<String, i64>,
) -> AppResult<Vec<String>> {
    if counts.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    for (sha256, count) in counts {
        SqlBuilder::new(backend)
            .push("UPDATE file_blobs SET ref_count = ref_count - ")
            .bind(*count)
            .push(" WHERE sha256 = ")
            .bind(sha256.clone())
            .execute(db)
            .await?;
    }
    let rows = SqlBuilder::new(backend)
        .push("DELETE FROM file_blobs WHERE ref_count <= 0 AND sha256 IN ")
        .bind_list(counts.keys().cloned())
        .push(" RETURNING sha256")
        .all(db)
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "sha256").map_err(Into::into))
        .collect()
}
