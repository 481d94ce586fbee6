//! `POST /api/auth/refresh`: the REST shim for clients that keep the refresh token in an
//! HttpOnly cookie (or simply prefer REST for it).

use std::net::SocketAddr;

use axum::{
    Json,
    body::Bytes,
    extract::{ConnectInfo, State},
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use serde_json::json;

use super::{client_ip, request_id};
use crate::{
    audit::AuditContext,
    platform::{
        error::{AppError, DATABASE_UNAVAILABLE},
        ratelimit::Class,
    },
    state::AppState,
};

pub const REFRESH_COOKIE: &str = "refresh_token";

#[derive(Deserialize)]
struct RefreshBody {
    refresh_token: Option<String>,
}

pub async fn refresh(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    body: Bytes,
) -> Result<Response, AppError> {
    if !state.db_health.is_up() {
        return Err(AppError::ServiceUnavailable(DATABASE_UNAVAILABLE));
    }
    // Refreshing is an authentication attempt: it shares the auth class's per-IP limit.
    let ip = client_ip(&headers, peer, state.config.trust_proxy);
    let decision = state
        .rate_limiter
        .hit(Class::Auth, &[format!("ip:{ip}")])
        .await;
    if !decision.allowed {
        return Err(AppError::RateLimited {
            retry_after_secs: decision.reset_secs,
        });
    }
    let from_body = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let is_json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            });
        if !is_json {
            return Err(AppError::BadRequest(
                "body must be JSON (Content-Type: application/json)".into(),
            ));
        }
        let parsed: RefreshBody = serde_json::from_slice(&body).map_err(|_| {
            AppError::BadRequest("body must be a JSON object with refresh_token".into())
        })?;
        parsed.refresh_token
    };
    let token = from_body
        .filter(|t| !t.trim().is_empty())
        .or_else(|| jar.get(REFRESH_COOKIE).map(|c| c.value().to_owned()))
        .ok_or_else(|| {
            AppError::bad_input(
                "refresh_token",
                "refresh_token is required (body or cookie)",
            )
        })?;

    let audit = AuditContext {
        actor_id: None,
        ip: Some(ip),
        request_id: Some(request_id(&headers)),
    };
    let session = crate::auth::refresh(&state, &audit, &token).await?;

    let cookie = Cookie::build((REFRESH_COOKIE, session.refresh_token.clone()))
        .http_only(true)
        .secure(state.config.is_production())
        .same_site(SameSite::Strict)
        .path("/api/auth")
        .max_age(time::Duration::seconds(
            state.config.auth.refresh_token_ttl().as_secs() as i64,
        ))
        .build();
    let body = Json(json!({
        "access_token": session.access_token,
        "refresh_token": session.refresh_token,
        "token_type": "Bearer",
        "expires_in": session.expires_in,
    }));
    Ok((jar.add(cookie), body).into_response())
}
