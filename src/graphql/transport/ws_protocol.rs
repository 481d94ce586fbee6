//! The protocol pieces the socket driver shares: close codes, token handling and error
//! codes.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use uuid::Uuid;

use super::ws::{Flow, close};
use crate::{
    auth::{Viewer, authenticate},
    platform::{error::AppError, pubsub::Subscription},
    state::AppState,
    users::AdminChanged,
};

/// Close codes of graphql-transport-ws (also used for the legacy protocol, which has none).
pub const CLOSE_BAD_MESSAGE: u16 = 4400;
pub const CLOSE_UNAUTHORIZED: u16 = 4401;
pub const CLOSE_FORBIDDEN: u16 = 4403;
pub const CLOSE_INIT_TIMEOUT: u16 = 4408;
pub const CLOSE_DUPLICATE_ID: u16 = 4409;
pub const CLOSE_TOO_MANY: u16 = 4429;
pub const CLOSE_INTERNAL: u16 = 1011;
/// "Try again later": the socket cannot be served right now (the database is away).
pub const CLOSE_TRY_AGAIN_LATER: u16 = 1013;
/// RFC 6455 "going away": the server is shutting down.
pub const CLOSE_GOING_AWAY: u16 = 1001;

/// Checks a token; a bad one ends the socket with 4403. (A free function: the connection
/// itself is not `Sync`, so it cannot be borrowed shared across an await.)
pub async fn verify(state: &AppState, token: &str) -> Result<(Viewer, Uuid, Instant), Flow> {
    if !state.db_health.is_up() {
        return Err(close(
            CLOSE_TRY_AGAIN_LATER,
            "the database is unavailable; retry shortly",
        ));
    }
    let user = match authenticate(state, token).await {
        Ok(user) => user,
        Err(AppError::Unauthenticated(reason)) => return Err(close(CLOSE_FORBIDDEN, reason)),
        Err(other) => {
            if let AppError::Internal(e) = &other {
                tracing::error!(error = ?e, "socket authentication failed");
            }
            return Err(close(CLOSE_INTERNAL, "internal error"));
        }
    };
    let exp = state
        .jwt
        .verify_access(token)
        .map_err(|_| close(CLOSE_FORBIDDEN, "invalid or expired access token"))?
        .exp;
    let left = u64::try_from(exp - chrono::Utc::now().timestamp()).unwrap_or(0);
    let id = user.user.id;
    Ok((
        Viewer::User(Box::new(user)),
        id,
        Instant::now() + Duration::from_secs(left),
    ))
}

/// The token of a `connection_init` (or renewing `ping`) payload:
/// `{"Authorization": "Bearer …"}` or `{"authToken": "…"}`.
pub fn token_of(payload: &Value) -> Option<&str> {
    let bearer = ["Authorization", "authorization"]
        .iter()
        .find_map(|key| payload.get(*key)?.as_str())
        .map(|v| match v.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => v.trim(),
        });
    bearer
        .or_else(|| payload.get("authToken")?.as_str().map(str::trim))
        .filter(|t| !t.is_empty())
}

/// Resolves when `user`'s admin rights change (or when changes may have been missed);
/// pending for an anonymous socket.
pub async fn rights_changed(rights: &mut Option<Subscription<AdminChanged>>, user: Option<Uuid>) {
    let (Some(rights), Some(user)) = (rights.as_mut(), user) else {
        return std::future::pending().await;
    };
    loop {
        match rights.recv().await {
            Some(Ok(change)) if change.user_id == user => return,
            Some(Ok(_)) => {}
            Some(Err(_lagged)) => return,
            None => return std::future::pending().await,
        }
    }
}
