//! Queries over `users`, on any connection (inside a unit of work or not).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::{UNIQUE_KEYS, entity as user};
use crate::platform::{
    error::{AppError, AppResult},
    sql::like_contains,
};

pub struct NewUser {
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub full_name: Option<String>,
}

pub async fn create(db: &impl ConnectionTrait, new: NewUser) -> AppResult<user::Model> {
    let now = Utc::now();
    let model = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(new.username),
        email: Set(new.email),
        password_hash: Set(new.password_hash),
        full_name: Set(new.full_name),
        avatar_url: Set(None),
        bio: Set(None),
        is_active: Set(true),
        is_verified: Set(false),
        is_admin: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| AppError::from_db_unique(e, UNIQUE_KEYS))?;
    Ok(model)
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, user::Model>> {
    let rows = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|u| (u.id, u)).collect())
}

pub async fn find_by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

pub async fn find_by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username.trim().to_lowercase()))
        .one(db)
        .await?)
}

/// `login` may be a username or an email; both are stored lower-cased.
pub async fn find_by_login(
    db: &impl ConnectionTrait,
    login: &str,
) -> AppResult<Option<user::Model>> {
    let login = login.trim().to_lowercase();
    Ok(user::Entity::find()
        .filter(
            Condition::any()
                .add(user::Column::Username.eq(login.clone()))
                .add(user::Column::Email.eq(login)),
        )
        .one(db)
        .await?)
}

/// Reports which unique field is already taken, so register can fail before hashing.
pub async fn ensure_available(
    db: &impl ConnectionTrait,
    username: &str,
    email: &str,
) -> AppResult<()> {
    let taken = user::Entity::find()
        .filter(
            Condition::any()
                .add(user::Column::Username.eq(username))
                .add(user::Column::Email.eq(email)),
        )
        .all(db)
        .await?;
    if taken.iter().any(|u| u.username == username) {
        return Err(AppError::Conflict {
            field: Some("username"),
            message: "username is already taken".into(),
        });
    }
    if !taken.is_empty() {
        return Err(AppError::Conflict {
            field: Some("email"),
            message: "email is already taken".into(),
        });
    }
    Ok(())
}

pub async fn touch_last_login(
    db: &impl ConnectionTrait,
    user: user::Model,
) -> AppResult<user::Model> {
    let mut active: user::ActiveModel = user.into();
    active.last_login_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?)
}

pub struct ProfileChanges {
    /// `None` leaves a field unchanged; `Some(None)` clears it.
    pub full_name: Option<Option<String>>,
    pub avatar_url: Option<Option<String>>,
    pub bio: Option<Option<String>>,
}

pub async fn update_profile(
    db: &impl ConnectionTrait,
    user: user::Model,
    changes: ProfileChanges,
) -> AppResult<user::Model> {
    let mut active: user::ActiveModel = user.into();
    if let Some(v) = changes.full_name {
        active.full_name = Set(v);
    }
    if let Some(v) = changes.avatar_url {
        active.avatar_url = Set(v);
    }
    if let Some(v) = changes.bio {
        active.bio = Set(v);
    }
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    user: user::Model,
    password_hash: String,
) -> AppResult<user::Model> {
    let mut active: user::ActiveModel = user.into();
    active.password_hash = Set(password_hash);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

pub async fn set_admin(
    db: &impl ConnectionTrait,
    user: user::Model,
    is_admin: bool,
) -> AppResult<user::Model> {
    let mut active: user::ActiveModel = user.into();
    active.is_admin = Set(is_admin);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// Takes the write locks on `ids`' rows (PostgreSQL: row locks; SQLite: the database's write
/// lock, as a first statement must) so that what is read next in the transaction cannot change
/// before it commits.
pub async fn lock_rows(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<()> {
    user::Entity::update_many()
        .col_expr(
            user::Column::UpdatedAt,
            sea_orm::sea_query::Expr::col(user::Column::UpdatedAt),
        )
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// What an admin's user search asks for.
#[derive(Debug, Clone, Default)]
pub struct UserSearch {
    /// Lower-cased; matched anywhere in the username or the email.
    pub text: Option<String>,
    pub admin: Option<bool>,
}

/// A page of users by username (the keyset), `limit + 1` rows to tell whether more follow.
pub async fn search(
    db: &impl ConnectionTrait,
    search: &UserSearch,
    after: Option<&str>,
    limit: u64,
) -> AppResult<Vec<user::Model>> {
    use sea_orm::{QueryOrder, QuerySelect};
    let mut query = user::Entity::find()
        .order_by_asc(user::Column::Username)
        .limit(limit + 1);
    if let Some(text) = &search.text {
        // Usernames and emails are stored lower-cased, so LIKE needs no case folding.
        query = query.filter(
            Condition::any()
                .add(user::Column::Username.like(like_contains(text)))
                .add(user::Column::Email.like(like_contains(text))),
        );
    }
    if let Some(admin) = search.admin {
        query = query.filter(user::Column::IsAdmin.eq(admin));
    }
    if let Some(after) = after {
        query = query.filter(user::Column::Username.gt(after));
    }
    Ok(query.all(db).await?)
}
