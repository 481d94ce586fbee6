//! Who is asking: the viewer of a request or socket, resolved from an access token.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::entity as refresh_token;
use crate::{
    platform::error::{AppError, AppResult},
    state::AppState,
    users::{self, UserModel},
};

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: UserModel,
    pub session_id: Uuid,
}

/// A present but bad token is remembered so that fields needing a user can say why, while
/// public fields still answer.
#[derive(Debug, Clone)]
pub enum Viewer {
    Anonymous,
    Invalid(&'static str),
    User(Box<AuthUser>),
}

impl Viewer {
    /// The viewer of an `Authorization` header value (`Bearer <token>`). A present but bad
    /// token gives `Invalid`; only a failure to check it (database down) is an error.
    pub async fn from_authorization(state: &AppState, header: Option<&str>) -> AppResult<Viewer> {
        let Some(value) = header else {
            return Ok(Viewer::Anonymous);
        };
        let Some(token) = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
        else {
            return Ok(Viewer::Invalid(
                "malformed Authorization header; expected Bearer token",
            ));
        };
        match authenticate(state, token).await {
            Ok(user) => Ok(Viewer::User(Box::new(user))),
            Err(AppError::Unauthenticated(reason)) => Ok(Viewer::Invalid(reason)),
            Err(other) => Err(other),
        }
    }

    pub fn require(&self) -> AppResult<&AuthUser> {
        match self {
            Viewer::User(user) => Ok(user),
            Viewer::Anonymous => Err(AppError::Unauthenticated("authentication required")),
            Viewer::Invalid(reason) => Err(AppError::Unauthenticated(reason)),
        }
    }

    /// Admins only: anonymous callers are told to sign in, others that they may not.
    pub fn require_admin(&self, refusal: &'static str) -> AppResult<&AuthUser> {
        let user = self.require()?;
        if user.user.is_admin {
            Ok(user)
        } else {
            Err(AppError::Forbidden(refusal))
        }
    }

    pub fn user(&self) -> Option<&AuthUser> {
        match self {
            Viewer::User(user) => Some(user),
            _ => None,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.user().is_some_and(|u| u.user.is_admin)
    }

    /// Owner-only data is visible to its owner and to admins.
    pub fn can_see_private_of(&self, owner_id: Uuid) -> bool {
        self.user()
            .is_some_and(|v| v.user.id == owner_id || v.user.is_admin)
    }
}

/// Resolves a bearer token to its user: a valid signature is not enough, the user must still
/// be active and the session not revoked.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<AuthUser> {
    let claims = state.jwt.verify_access(token)?;
    let live_session = refresh_token::Entity::find()
        .filter(refresh_token::Column::FamilyId.eq(claims.sid))
        .filter(refresh_token::Column::UserId.eq(claims.sub))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .count(&state.db)
        .await?;
    if live_session == 0 {
        return Err(AppError::Unauthenticated("session has been revoked"));
    }
    match users::find_by_id(&state.db, claims.sub).await? {
        Some(user) if user.is_active => Ok(AuthUser {
            user,
            session_id: claims.sid,
        }),
        _ => Err(AppError::Unauthenticated("invalid or expired access token")),
    }
}
