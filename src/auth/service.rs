//! Sessions: registration, login, refresh-token rotation with reuse detection, logout and
//! password changes. A session is a refresh-token family; access tokens name their family
//! (`sid`) so revoking the family ends them too.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    AuthAction, AuthUser, entity as refresh_token,
    tokens::{hash_refresh_token, new_refresh_token},
    validate,
};
use crate::{
    audit::AuditContext,
    platform::{
        error::{AppError, AppResult},
        validate::optional_name,
        write::Write,
    },
    state::AppState,
    users::{self, UserAction, UserModel},
    wallet,
};

const BAD_CREDENTIALS: &str = "invalid username or password";
pub(super) const BAD_REFRESH: &str = "invalid or expired refresh token";

/// What a successful register / login / refresh hands back.
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub user: UserModel,
}

pub struct Registration {
    pub username: String,
    pub email: String,
    pub password: String,
    pub full_name: Option<String>,
}

/// Inserts `refresh` (as its hash) into `family` and signs an access token for it.
pub(super) async fn issue(
    db: &impl ConnectionTrait,
    state: &AppState,
    user: UserModel,
    family_id: Uuid,
    id: Uuid,
    refresh: String,
) -> AppResult<Session> {
    let now = Utc::now();
    let ttl =
        Duration::from_std(state.config.auth.refresh_token_ttl()).map_err(AppError::internal)?;
    refresh_token::ActiveModel {
        id: Set(id),
        user_id: Set(user.id),
        family_id: Set(family_id),
        token_hash: Set(hash_refresh_token(&refresh)),
        expires_at: Set(now + ttl),
        revoked_at: Set(None),
        replaced_by: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let access_token = state.jwt.issue_access(user.id, family_id)?;
    let session = Session {
        access_token,
        refresh_token: refresh,
        expires_in: state.jwt.access_ttl_secs(),
        user,
    };
    Ok(session)
}

pub async fn register(
    state: &AppState,
    audit: &AuditContext,
    input: Registration,
) -> AppResult<Session> {
    let username = validate::username(&input.username)?;
    let email = validate::email(&input.email)?;
    validate::password("password", &input.password)?;
    let full_name = optional_name("fullName", input.full_name.as_deref(), 100)?;
    // Cheap check first so a taken name costs no argon2 run; the unique indexes still decide
    // races between concurrent registrations.
    users::ensure_available(&state.db, &username, &email).await?;
    let password_hash = state.passwords.hash(&input.password).await?;

    // The user row is the first statement, so on SQLite the transaction takes the write lock
    // at once instead of failing to upgrade a read snapshot under contention.
    let mut w = Write::begin(state, audit).await?;
    let user = users::create(
        w.db(),
        users::NewUser {
            username,
            email,
            password_hash,
            full_name,
        },
    )
    .await?;
    // ADMIN_USERNAMES: the first deployment's admin is made one as they sign up.
    let listed_admin = state.config.users.is_listed_admin(&user.username);
    let user = if listed_admin {
        users::set_admin(w.db(), user, true).await?
    } else {
        user
    };
    let wallet = wallet::create(
        w.db(),
        &state.wallet_cipher,
        user.id,
        None,
        true,
        wallet::SIGNUP_GRANT,
    )
    .await?;
    let session = issue(
        w.db(),
        state,
        user,
        Uuid::now_v7(),
        Uuid::now_v7(),
        new_refresh_token(),
    )
    .await?;
    w.act_as(session.user.id);
    w.audit(
        AuthAction::Register,
        user_subject(&session.user),
        json!({"username": session.user.username, "wallet": wallet.address}),
    )
    .await?;
    if listed_admin {
        w.audit(
            UserAction::GrantAdmin,
            user_subject(&session.user),
            json!({"username": session.user.username, "via": "ADMIN_USERNAMES"}),
        )
        .await?;
    }
    w.commit().await?;
    Ok(session)
}

pub(super) fn user_subject(user: &UserModel) -> (&'static str, Option<String>) {
    ("User", Some(user.id.to_string()))
}

pub async fn login(
    state: &AppState,
    audit: &AuditContext,
    login: &str,
    password: &str,
) -> AppResult<Session> {
    let found = users::find_by_login(&state.db, login).await?;
    // Always one argon2 run, so the answer time does not tell whether the user exists.
    let ok = state
        .passwords
        .verify(password, found.as_ref().map(|u| u.password_hash.as_str()))
        .await?;
    let user = match found {
        Some(user) if ok && user.is_active => user,
        other => {
            record_failed_login(state, audit, login, other.as_ref()).await?;
            return Err(AppError::Unauthenticated(BAD_CREDENTIALS));
        }
    };
    let mut w = Write::begin(state, audit).await?;
    let user = users::touch_last_login(w.db(), user).await?;
    let session = issue(
        w.db(),
        state,
        user,
        Uuid::now_v7(),
        Uuid::now_v7(),
        new_refresh_token(),
    )
    .await?;
    w.act_as(session.user.id);
    w.audit(AuthAction::Login, user_subject(&session.user), json!({}))
        .await?;
    w.commit().await?;
    Ok(session)
}

/// Longest login name kept in a failed-login event; anything longer is not a real name.
const MAX_LOGGED_LOGIN: usize = 64;

/// Failed logins are audited too (the attempted name, never the password). The actor is the
/// account that was tried, when it exists, so an admin can follow attacks on one account.
async fn record_failed_login(
    state: &AppState,
    audit: &AuditContext,
    login: &str,
    found: Option<&UserModel>,
) -> AppResult<()> {
    let audit = AuditContext {
        actor_id: found.map(|u| u.id),
        ..audit.clone()
    };
    let attempted: String = login.trim().chars().take(MAX_LOGGED_LOGIN).collect();
    let reason = match found {
        None => "unknown_user",
        Some(u) if !u.is_active => "inactive_user",
        Some(_) => "bad_password",
    };
    let mut w = Write::begin(state, &audit).await?;
    w.audit(
        AuthAction::LoginFailed,
        ("User", found.map(|u| u.id.to_string())),
        json!({"login": attempted, "reason": reason}),
    )
    .await?;
    w.commit().await
}

pub(super) async fn revoke_family(db: &impl ConnectionTrait, family_id: Uuid) -> AppResult<u64> {
    let res = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Revokes the family of `refresh_token` when given, otherwise every session of `viewer`.
pub async fn logout(
    state: &AppState,
    audit: &AuditContext,
    viewer: Option<&AuthUser>,
    presented: Option<&str>,
) -> AppResult<()> {
    match (presented, viewer) {
        (Some(token), _) => {
            let Some(current) = refresh_token::Entity::find()
                .filter(refresh_token::Column::TokenHash.eq(hash_refresh_token(token.trim())))
                .one(&state.db)
                .await?
            else {
                return Err(AppError::Unauthenticated(BAD_REFRESH));
            };
            let mut w = Write::begin(state, &audit.with_actor(current.user_id)).await?;
            revoke_family(w.db(), current.family_id).await?;
            w.audit(
                AuthAction::Logout,
                ("User", Some(current.user_id.to_string())),
                json!({"allSessions": false}),
            )
            .await?;
            w.commit().await?;
        }
        (None, Some(viewer)) => {
            let mut w = Write::begin(state, &audit.with_actor(viewer.user.id)).await?;
            revoke_all(w.db(), viewer.user.id, None).await?;
            w.audit(
                AuthAction::Logout,
                user_subject(&viewer.user),
                json!({"allSessions": true}),
            )
            .await?;
            w.commit().await?;
        }
        (None, None) => return Err(AppError::Unauthenticated("authentication required")),
    }
    Ok(())
}

async fn revoke_all(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    except_family: Option<Uuid>,
) -> AppResult<()> {
    let mut update = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null());
    if let Some(family) = except_family {
        update = update.filter(refresh_token::Column::FamilyId.ne(family));
    }
    update.exec(db).await?;
    Ok(())
}

/// Changes the password and revokes every session but the caller's.
pub async fn change_password(
    state: &AppState,
    audit: &AuditContext,
    viewer: &AuthUser,
    current_password: &str,
    new_password: &str,
) -> AppResult<()> {
    validate::password("newPassword", new_password)?;
    let ok = state
        .passwords
        .verify(current_password, Some(&viewer.user.password_hash))
        .await?;
    if !ok {
        return Err(AppError::bad_input(
            "currentPassword",
            "current password is incorrect",
        ));
    }
    let hash = state.passwords.hash(new_password).await?;
    let mut w = Write::begin(state, &audit.with_actor(viewer.user.id)).await?;
    users::set_password_hash(w.db(), viewer.user.clone(), hash).await?;
    revoke_all(w.db(), viewer.user.id, Some(viewer.session_id)).await?;
    w.audit(
        AuthAction::ChangePassword,
        user_subject(&viewer.user),
        json!({}),
    )
    .await?;
    w.commit().await
}
