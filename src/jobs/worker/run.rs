//! One worker: claim, run under a heartbeat, release.

use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::json;
use tokio::sync::watch;

use super::{
    JobMetrics,
    execute::{Progress, execute},
    wakes,
};
use crate::{
    audit::AuditContext,
    jobs::{
        JobAction, JobModel, JobUpdated, Kind, Status,
        repo::{self, Outcome},
        service::now_ms,
    },
    notifications::{self, NewNotification},
    platform::{
        error::{AppError, Limit},
        write::Write,
    },
    state::AppState,
};

/// Tries at recording how a job ended.
const RELEASE_TRIES: u32 = 5;
/// `errorCode` of a job whose result did not fit its owner's storage quota.
pub const QUOTA_EXCEEDED: &str = "QUOTA_EXCEEDED";
/// `errorCode` of a job claimed again after its lease ran out more often than it may be tried.
pub const WORKER_LOST: &str = "WORKER_LOST";

pub struct Worker {
    pub state: AppState,
    pub id: String,
    pub metrics: JobMetrics,
    pub stop: watch::Receiver<bool>,
    pub hand_back: watch::Receiver<bool>,
}

/// How running a claimed job ended, from the worker's side.
enum Ended {
    Done(Result<serde_json::Value, AppError>),
    /// Another worker holds it now (this one's lease ran out).
    Lost,
    /// Claimed once too often after its lease ran out: its workers keep dying.
    Abandoned,
    Cancelled,
    HandedBack,
}

impl Worker {
    pub async fn run(mut self) {
        let mut news = self.state.bus.subscribe::<JobUpdated>();
        let poll = Duration::from_millis(self.state.config.jobs.job_poll_ms);
        let lease_ms = self.state.config.jobs.lease().as_millis() as i64;
        while !*self.stop.borrow() {
            match repo::claim(&self.state.db, &self.id, now_ms(), lease_ms, Utc::now()).await {
                Ok(Some(job)) => {
                    self.run_claimed(job).await;
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(worker = %self.id, error = %e.message(), "claiming a job failed")
                }
            }
            // Idle until a job is queued (on any instance), the poll interval passes (a
            // backoff or a lease runs out), or the pool stops.
            let deadline = tokio::time::sleep(poll);
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    _ = &mut deadline => break,
                    _ = self.stop.changed() => break,
                    message = news.recv() => match message {
                        Some(Ok(m)) if !wakes(&m) => continue,
                        None => return,
                        _ => break,
                    },
                }
            }
        }
    }

    async fn run_claimed(&mut self, job: JobModel) {
        let kind = Kind::parse(&job.kind).map_or("unknown", Kind::as_str);
        let started = Instant::now();
        let ended = if job.attempts > job.max_attempts {
            Ended::Abandoned
        } else if job.cancel_requested {
            Ended::Cancelled
        } else {
            self.state.bus.publish(JobUpdated::from(&job));
            self.supervise(&job).await
        };
        self.metrics
            .duration
            .with_label_values(&[kind])
            .observe(started.elapsed().as_secs_f64());
        let outcome = match ended {
            Ended::Lost => {
                tracing::warn!(job = %job.id, worker = %self.id, "lost the job's lease to another worker");
                return;
            }
            Ended::Abandoned => Outcome::Failed {
                error: "the job stopped its worker too many times".to_owned(),
                code: WORKER_LOST.to_owned(),
            },
            Ended::Cancelled => Outcome::Cancelled,
            Ended::HandedBack => Outcome::Requeue {
                error: None,
                run_after_ms: now_ms(),
                refund: true,
            },
            Ended::Done(Ok(result)) => Outcome::Succeeded(result),
            Ended::Done(Err(e)) => self.failure(&job, e),
        };
        let label = match &outcome {
            Outcome::Succeeded(_) => "succeeded",
            Outcome::Failed { .. } => "failed",
            Outcome::Cancelled => "cancelled",
            Outcome::Requeue { refund: true, .. } => "handed_back",
            Outcome::Requeue { .. } => "retried",
        };
        // A database hiccup (a pool timeout under load) must not strand the job until its
        // lease runs out: try again a few times, briefly.
        for attempt in 0..RELEASE_TRIES {
            match self.release(&job, outcome.clone()).await {
                Ok(()) => {
                    self.metrics
                        .finished
                        .with_label_values(&[kind, label])
                        .inc();
                    return;
                }
                Err(e) if attempt + 1 == RELEASE_TRIES => {
                    // The lease runs out and another worker (or this one) takes the job again.
                    e.log();
                }
                Err(e) => {
                    tracing::warn!(job = %job.id, error = %e.message(), "recording a job's outcome failed; trying again");
                    tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                }
            }
        }
    }

    /// A failed attempt: retried with backoff while attempts remain and the error is not the
    /// job's own (a bad payload fails at once; so does a statement file over the owner's
    /// storage quota, which waiting does not change). Users see safe messages only.
    fn failure(&self, job: &JobModel, e: AppError) -> Outcome {
        let permanent = matches!(
            e,
            AppError::BadInput { .. }
                | AppError::NotFound(_)
                | AppError::Forbidden(_)
                | AppError::InsufficientFunds
                | AppError::Limit { .. }
        );
        let code = match &e {
            AppError::Limit {
                limit: Limit::StorageQuota,
                ..
            } => QUOTA_EXCEEDED,
            other => other.code(),
        }
        .to_owned();
        let message = match &e {
            AppError::Internal(_) => {
                e.log();
                "internal error".to_owned()
            }
            other => other.message(),
        };
        if permanent || job.attempts >= job.max_attempts {
            Outcome::Failed {
                error: message,
                code,
            }
        } else {
            let wait = self.state.config.jobs.backoff(job.attempts);
            Outcome::Requeue {
                error: Some((message, code)),
                run_after_ms: now_ms() + wait.as_millis() as i64,
                refund: false,
            }
        }
    }

    /// Runs the job while renewing its lease; stops it when it is cancelled, lost or handed
    /// back. A page report is stored and announced before the work goes on (the work is only
    /// polled when no report waits), so each page is one `jobUpdated`, and a cancellation is
    /// seen at the next page at the latest.
    async fn supervise(&mut self, job: &JobModel) -> Ended {
        let (progress, mut pages) = Progress::channel();
        let work = execute(&self.state, job, &progress);
        tokio::pin!(work);
        let mut beat = tokio::time::interval(self.state.config.jobs.heartbeat());
        beat.tick().await;
        let mut reported = 0;
        loop {
            let held = tokio::select! {
                biased;
                Some(now) = pages.recv() => self.beat(job, now, &mut reported).await,
                _ = self.hand_back.changed() => return Ended::HandedBack,
                _ = beat.tick() => self.beat(job, progress.get(), &mut reported).await,
                result = &mut work => {
                    // Pages the work finished in its last step are announced before its end.
                    while let Ok(now) = pages.try_recv() {
                        if self.beat(job, now, &mut reported).await.is_some() {
                            break;
                        }
                    }
                    return Ended::Done(result);
                }
            };
            if let Some(ended) = held {
                return ended;
            }
        }
    }

    /// Renews the lease and stores `now`, announcing it when it changed; how the job ended
    /// when this worker is to stop it.
    async fn beat(&self, job: &JobModel, now: i32, reported: &mut i32) -> Option<Ended> {
        let lease_until = now_ms() + self.state.config.jobs.lease().as_millis() as i64;
        match repo::heartbeat(&self.state.db, job.id, &self.id, lease_until, now).await {
            Ok(None) => Some(Ended::Lost),
            Ok(Some(true)) => Some(Ended::Cancelled),
            Ok(Some(false)) => {
                if now != *reported {
                    *reported = now;
                    let mut update = job.clone();
                    update.progress = now;
                    self.state.bus.publish(JobUpdated::from(&update));
                }
                None
            }
            Err(e) => {
                tracing::warn!(job = %job.id, error = %e.message(), "heartbeat failed");
                None
            }
        }
    }

    /// Records the outcome if this worker still holds the job; a final one is announced to the
    /// owner (`JOB_FINISHED`) and the audit log in the same transaction.
    async fn release(&self, job: &JobModel, outcome: Outcome) -> Result<(), AppError> {
        let mut w = Write::begin(&self.state, &AuditContext::default()).await?;
        let Some(row) = repo::release(w.db(), job.id, &self.id, outcome, Utc::now()).await? else {
            return w.rollback().await;
        };
        let status = Status::parse(&row.status);
        if status.is_some_and(Status::is_final) {
            w.audit(
                JobAction::Finish,
                ("Job", Some(row.id.to_string())),
                json!({"status": row.status, "attempts": row.attempts}),
            )
            .await?;
            notifications::notify(
                &mut w,
                NewNotification {
                    recipient: row.owner_id,
                    kind: notifications::Kind::JobFinished,
                    title: format!("Job {}", row.status),
                    body: row.error.clone(),
                    subject: Some(("Job", row.id)),
                },
            )
            .await?;
        } else {
            w.touch(&["Job"]);
        }
        w.publish(JobUpdated::from(&row));
        w.commit().await
    }
}
