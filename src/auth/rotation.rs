//! Refresh-token rotation. Each refresh replaces the presented token by its successor in the
//! same family (session). Presenting a token that was already rotated means it leaked, and
//! the whole family is revoked — except within REFRESH_REUSE_GRACE_SECS of the rotation, when
//! it is two tabs refreshing at once: the late one gets the same successor instead.

use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::json;
use uuid::Uuid;

use super::{
    AuthAction,
    entity::{self as refresh_token},
    service::{BAD_REFRESH, Session, issue, revoke_family, user_subject},
    tokens::hash_refresh_token,
};
use crate::{
    audit::AuditContext,
    platform::{
        error::{AppError, AppResult},
        write::Write,
    },
    state::AppState,
    users::{self, UserModel},
};

/// Rotates a refresh token.
pub async fn refresh(
    state: &AppState,
    audit: &AuditContext,
    presented: &str,
) -> AppResult<Session> {
    let presented = presented.trim();
    let Some(current) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_refresh_token(presented)))
        .one(&state.db)
        .await?
    else {
        return Err(AppError::Unauthenticated(BAD_REFRESH));
    };
    if current.revoked_at.is_some() {
        return Err(reused(state, &current).await);
    }
    if current.expires_at <= Utc::now() {
        return Err(AppError::Unauthenticated(BAD_REFRESH));
    }
    let Some(user) = users::find_by_id(&state.db, current.user_id)
        .await?
        .filter(|u| u.is_active)
    else {
        return Err(AppError::Unauthenticated(BAD_REFRESH));
    };
    let successor = state.jwt.successor_token(presented);
    if let Some(next) = current.replaced_by {
        return again(state, audit, user, &current, next, successor).await;
    }

    let mut w = Write::begin(state, &audit.with_actor(user.id)).await?;
    let next_id = Uuid::now_v7();
    // Claim the token with a conditional update: of two concurrent refreshes with the same
    // token exactly one rotates it; the other finds it rotated.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::ReplacedBy, Expr::value(next_id))
        .filter(refresh_token::Column::Id.eq(current.id))
        .filter(refresh_token::Column::ReplacedBy.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(w.db())
        .await?;
    if claimed.rows_affected != 1 {
        w.rollback().await?;
        let Some(current) = refresh_token::Entity::find_by_id(current.id)
            .one(&state.db)
            .await?
        else {
            return Err(AppError::Unauthenticated(BAD_REFRESH));
        };
        return match current.replaced_by {
            Some(next) if current.revoked_at.is_none() => {
                again(state, audit, user, &current, next, successor).await
            }
            _ => Err(reused(state, &current).await),
        };
    }
    let session = issue(w.db(), state, user, current.family_id, next_id, successor).await?;
    w.audit(AuthAction::Refresh, user_subject(&session.user), json!({}))
        .await?;
    w.commit().await?;
    Ok(session)
}

/// A token presented again after its rotation: the same successor within the grace window
/// (when the successor is alive and is the one this token derives), else a leak.
async fn again(
    state: &AppState,
    audit: &AuditContext,
    user: UserModel,
    current: &refresh_token::Model,
    next: Uuid,
    successor: String,
) -> AppResult<Session> {
    let grace = Duration::seconds(state.config.auth.refresh_reuse_grace_secs);
    let row = refresh_token::Entity::find_by_id(next)
        .one(&state.db)
        .await?;
    let fresh = row.is_some_and(|r| {
        r.revoked_at.is_none()
            && r.created_at + grace > Utc::now()
            && r.token_hash == hash_refresh_token(&successor)
    });
    if !fresh {
        return Err(reused(state, current).await);
    }
    let mut w = Write::begin(state, &audit.with_actor(user.id)).await?;
    w.audit(
        AuthAction::Refresh,
        user_subject(&user),
        json!({"concurrent": true}),
    )
    .await?;
    let session = Session {
        access_token: state.jwt.issue_access(user.id, current.family_id)?,
        refresh_token: successor,
        expires_in: state.jwt.access_ttl_secs(),
        user,
    };
    w.commit().await?;
    Ok(session)
}

/// A leaked token: its family is revoked, so the thief's newer token dies too.
async fn reused(state: &AppState, current: &refresh_token::Model) -> AppError {
    match revoke_family(&state.db, current.family_id).await {
        Ok(revoked) => {
            tracing::warn!(family = %current.family_id, revoked, "refresh token reuse; family revoked");
            AppError::Unauthenticated(BAD_REFRESH)
        }
        Err(err) => err,
    }
}
