//! The worker pool inside the server: `JOB_WORKERS` tasks that claim due jobs from the
//! database, run them under a lease renewed by heartbeat, and record how they ended. Any
//! number of instances can run pools on one database (see `repo::claim`).

mod execute;
mod metrics;
mod run;

use std::time::Duration;

use tokio::{sync::watch, task::JoinSet};

pub use execute::STATEMENT_FOLDER;
use metrics::JobMetrics;

use super::{JobUpdated, Status, repo};
use crate::state::AppState;

/// Stops the pool: first no more claims, then (after the grace period) running jobs are
/// handed back to the queue.
pub struct WorkerPool {
    stop: watch::Sender<bool>,
    hand_back: watch::Sender<bool>,
    tasks: JoinSet<()>,
    grace: Duration,
}

/// Starts `JOB_WORKERS` workers; `None` when the instance runs none.
pub fn start(state: &AppState) -> anyhow::Result<Option<WorkerPool>> {
    let config = &state.config.jobs;
    if config.job_workers == 0 {
        return Ok(None);
    }
    let metrics = JobMetrics::register(state)?;
    let (stop, _) = watch::channel(false);
    let (hand_back, _) = watch::channel(false);
    let instance = uuid::Uuid::new_v4().simple().to_string();
    let mut tasks = JoinSet::new();
    for n in 0..config.job_workers {
        let worker = run::Worker {
            state: state.clone(),
            id: format!("{}-{n}", &instance[..12]),
            metrics: metrics.clone(),
            stop: stop.subscribe(),
            hand_back: hand_back.subscribe(),
        };
        tasks.spawn(worker.run());
    }
    tasks.spawn(watch_queue(state.clone(), metrics, stop.subscribe()));
    tracing::info!(workers = config.job_workers, "job workers started");
    Ok(Some(WorkerPool {
        stop,
        hand_back,
        tasks,
        grace: Duration::from_secs(config.job_shutdown_grace_secs),
    }))
}

impl WorkerPool {
    /// Claims nothing more, lets running jobs finish within the grace period, then hands
    /// the rest back to the queue (another instance, or this one after a restart, runs them).
    pub async fn shut_down(mut self) {
        let _ = self.stop.send(true);
        let drained = tokio::time::timeout(self.grace, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::info!("handing running jobs back to the queue");
            let _ = self.hand_back.send(true);
            while self.tasks.join_next().await.is_some() {}
        }
        tracing::info!("job workers stopped");
    }
}

/// Keeps the queue-depth and running gauges current.
async fn watch_queue(state: AppState, metrics: JobMetrics, mut stop: watch::Receiver<bool>) {
    let period = Duration::from_millis(state.config.jobs.job_poll_ms.max(1000));
    loop {
        if let (Ok(queued), Ok(running)) = (
            repo::count_with_status(&state.db, None, Status::Queued).await,
            repo::count_with_status(&state.db, None, Status::Running).await,
        ) {
            metrics.queue_depth.set(queued as i64);
            metrics.running.set(running as i64);
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Whether a bus message means there may be a job to claim.
fn wakes(message: &JobUpdated) -> bool {
    message.job.status == Status::Queued.as_str()
}
