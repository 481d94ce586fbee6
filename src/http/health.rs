//! Liveness and readiness probes.

use std::time::Duration;

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde_json::json;

use crate::state::AppState;

/// How long readiness waits on a dependency before calling it down.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness: no I/O, so a slow database never makes the orchestrator kill the process.
pub async fn live() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// Readiness: 200 when every dependency answers, 503 naming the one that did not.
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let database = match tokio::time::timeout(CHECK_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => "ok",
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database check failed");
            "unavailable"
        }
        Err(_) => {
            tracing::warn!("readiness: database check timed out");
            "unavailable"
        }
    };
    // Redis holds nothing that cannot be lost: without it the instance still serves (no cache,
    // local rate limits, its own subscribers), so by default it is reported, not fatal.
    let redis = match &state.redis {
        Some(link) => Some(if link.ping().await && state.bus.connected() {
            "ok"
        } else {
            "degraded"
        }),
        None => None,
    };
    let redis_fatal = state.config.redis_required && redis == Some("degraded");
    let ok = database == "ok" && !redis_fatal;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut body = json!({
        "status": if ok { "ok" } else { "unavailable" },
        "checks": {"database": database},
    });
    if let Some(redis) = redis {
        body["checks"]["redis"] = json!(redis);
    }
    (status, Json(body))
}
