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
    let ok = database == "ok";
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut body = json!({
        "status": if ok { "ok" } else { "unavailable" },
        "checks": {"database": database},
    });
    // Redis holds nothing that cannot be lost: without it the instance still serves (its own
    // subscribers only), so it is reported but does not fail readiness.
    if state.config.redis_url.is_some() {
        body["checks"]["redis"] = json!(if state.bus.connected() {
            "ok"
        } else {
            "degraded"
        });
    }
    (status, Json(body))
}
