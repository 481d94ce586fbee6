use async_graphql::{InputObject, SimpleObject};

use crate::{auth::Session, graphql::schema::User};

#[derive(SimpleObject)]
pub struct AuthPayload {
    pub access_token: String,
    pub refresh_token: String,
    /// Always "Bearer".
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i32,
    pub user: User,
}

impl From<Session> for AuthPayload {
    fn from(s: Session) -> Self {
        Self {
            access_token: s.access_token,
            refresh_token: s.refresh_token,
            token_type: "Bearer".into(),
            expires_in: i32::try_from(s.expires_in).unwrap_or(i32::MAX),
            user: User::owned(s.user),
        }
    }
}

#[derive(InputObject)]
pub struct RegisterInput {
    /// 3–32 characters of a–z, 0–9 and _; upper case is folded to lower.
    pub username: String,
    pub email: String,
    /// 8–128 characters.
    pub password: String,
    pub full_name: Option<String>,
}

#[derive(InputObject)]
pub struct LoginInput {
    /// Username or email.
    pub login: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct RefreshTokenInput {
    pub refresh_token: String,
}

#[derive(InputObject)]
pub struct LogoutInput {
    /// Revoke this token's session; without it, every session of the viewer is revoked.
    pub refresh_token: Option<String>,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}
