//! Submitting, cancelling and retrying jobs (the owner's rules); running them is `worker`.

use chrono::Utc;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{JobAction, JobModel, JobUpdated, Kind, Payload, Status, repo};
use crate::{
    audit::AuditContext,
    platform::{
        error::{AppError, AppResult},
        write::Write,
    },
    state::AppState,
    users::UserModel,
    wallet,
};

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Queues a job of `kind` for `owner` after checking its payload (a statement's wallet must
/// be the owner's) and the owner's queue limit.
pub async fn submit(
    state: &AppState,
    audit: &AuditContext,
    owner: &UserModel,
    kind: Kind,
    payload: Value,
) -> AppResult<JobModel> {
    let parsed = Payload::parse(kind, &payload)?;
    if let Payload::WalletStatement(p) = &parsed {
        let mine = wallet::by_address(&state.db, p.address.trim())
            .await?
            .is_some_and(|w| w.user_id == owner.id);
        if !mine {
            return Err(AppError::bad_input(
                "payload",
                "invalid payload: address is not one of your wallets",
            ));
        }
    }
    let config = &state.config.jobs;
    let mut w = Write::begin(state, audit).await?;
    let now = Utc::now();
    let job = repo::insert(
        w.db(),
        JobModel {
            id: Uuid::now_v7(),
            owner_id: owner.id,
            kind: kind.as_str().to_owned(),
            status: Status::Queued.as_str().to_owned(),
            payload,
            result: None,
            error: None,
            error_code: None,
            progress: 0,
            attempts: 0,
            max_attempts: config.job_max_attempts,
            run_after_ms: now.timestamp_millis(),
            lease_until_ms: None,
            worker: None,
            cancel_requested: false,
            created_at: now,
            updated_at: now,
            started_at: None,
            finished_at: None,
        },
    )
    .await?;
    // Counted after the insert, in the same transaction: the write came first, so SQLite holds
    // its write lock, and concurrent submissions cannot all pass the check.
    let queued = repo::count_with_status(w.db(), Some(owner.id), Status::Queued).await?;
    if queued > config.job_max_queued_per_user {
        w.rollback().await?;
        return Err(AppError::RateLimited {
            retry_after_secs: config.job_lease_secs,
        });
    }
    w.audit(
        JobAction::Submit,
        ("Job", Some(job.id.to_string())),
        json!({"kind": job.kind}),
    )
    .await?;
    w.publish(JobUpdated::from(&job));
    w.commit().await?;
    Ok(job)
}

/// Whose jobs `viewer` may act on: their own, or everyone's for an admin.
fn scope(viewer: &UserModel) -> Option<Uuid> {
    (!viewer.is_admin).then_some(viewer.id)
}

/// Why nothing changed: the job is not the viewer's (NOT_FOUND, as if it did not exist) or
/// it is in the wrong state (`conflict`).
async fn refusal(
    w: Write<'_>,
    viewer: &UserModel,
    id: Uuid,
    conflict: impl FnOnce(&JobModel) -> String,
) -> AppError {
    let found = repo::by_id(w.db(), id).await;
    if let Err(e) = w.rollback().await {
        return e;
    }
    match found {
        Err(e) => e,
        Ok(Some(job)) if scope(viewer).is_none_or(|me| me == job.owner_id) => {
            AppError::conflict("id", conflict(&job))
        }
        Ok(_) => AppError::NotFound("job"),
    }
}

/// Queued: cancelled at once. Running: its worker is asked to stop and does so at its next
/// heartbeat. Finished: a conflict.
pub async fn cancel(
    state: &AppState,
    audit: &AuditContext,
    viewer: &UserModel,
    id: Uuid,
) -> AppResult<JobModel> {
    let mut w = Write::begin(state, audit).await?;
    let changed = match repo::cancel_queued(w.db(), id, scope(viewer), Utc::now()).await? {
        Some(job) => Some(job),
        None => repo::request_cancel(w.db(), id, scope(viewer)).await?,
    };
    let Some(job) = changed else {
        return Err(refusal(w, viewer, id, |j| {
            format!("the job has already {}", j.status)
        })
        .await);
    };
    w.audit(
        JobAction::Cancel,
        ("Job", Some(job.id.to_string())),
        json!({"status": job.status}),
    )
    .await?;
    w.publish(JobUpdated::from(&job));
    w.commit().await?;
    Ok(job)
}

/// A failed or cancelled job, queued again with fresh attempts.
pub async fn retry(
    state: &AppState,
    audit: &AuditContext,
    viewer: &UserModel,
    id: Uuid,
) -> AppResult<JobModel> {
    let mut w = Write::begin(state, audit).await?;
    let Some(job) = repo::requeue_finished(w.db(), id, scope(viewer), now_ms()).await? else {
        return Err(refusal(w, viewer, id, |j| {
            format!(
                "only a failed or cancelled job can be retried; this one is {}",
                j.status
            )
        })
        .await);
    };
    w.audit(
        JobAction::Retry,
        ("Job", Some(job.id.to_string())),
        json!({}),
    )
    .await?;
    w.publish(JobUpdated::from(&job));
    w.commit().await?;
    Ok(job)
}
