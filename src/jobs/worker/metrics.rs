//! The workers' figures in `/metrics`: queue depth and jobs running (across all instances, read
//! from the database), and this instance's finished jobs, failures and durations.

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts};

use crate::state::AppState;

#[derive(Clone)]
pub struct JobMetrics {
    pub queue_depth: IntGauge,
    pub running: IntGauge,
    /// By kind and outcome (succeeded | failed | cancelled | retried | handed_back).
    pub finished: IntCounterVec,
    pub duration: HistogramVec,
}

impl JobMetrics {
    pub fn register(state: &AppState) -> anyhow::Result<Self> {
        let m = Self {
            queue_depth: IntGauge::new("jobs_queue_depth", "Jobs queued, on all instances")?,
            running: IntGauge::new("jobs_running", "Jobs running, on all instances")?,
            finished: IntCounterVec::new(
                Opts::new(
                    "jobs_attempts_total",
                    "Job attempts run by this instance, by kind and outcome",
                ),
                &["kind", "outcome"],
            )?,
            duration: HistogramVec::new(
                HistogramOpts::new("job_duration_seconds", "Time of one job attempt")
                    .buckets(vec![0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0]),
                &["kind"],
            )?,
        };
        state.metrics.register(m.queue_depth.clone());
        state.metrics.register(m.running.clone());
        state.metrics.register(m.finished.clone());
        state.metrics.register(m.duration.clone());
        Ok(m)
    }
}
