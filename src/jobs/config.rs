//! The jobs section of the configuration.

use std::time::Duration;

use anyhow::bail;
use serde::{Deserialize, Serialize};

use crate::platform::config::Section;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobsConfig {
    /// Workers this instance runs; 0 = it only accepts and serves jobs.
    pub job_workers: usize,
    /// A running job's lease; a worker renews it every third of it. A job whose worker died
    /// is claimed again once its lease has run out.
    pub job_lease_secs: u64,
    /// Attempts of a new job before it fails for good.
    pub job_max_attempts: i32,
    /// The first retry waits this long, each later one twice as long as the one before.
    pub job_retry_base_ms: u64,
    /// How often an idle worker looks for due jobs (new jobs also wake it at once).
    pub job_poll_ms: u64,
    /// Queued (not yet running) jobs one user may have.
    pub job_max_queued_per_user: u64,
    /// On shutdown, running jobs get this long to finish before they are handed back.
    pub job_shutdown_grace_secs: u64,
    /// A wallet statement up to this many bytes is returned inline in the job's `result`; a
    /// larger one becomes a file of the owner's (`statements/…csv`).
    pub job_statement_inline_bytes: u64,
    /// Rows read per round trip by CHAIN_VERIFY (blocks) and WALLET_STATEMENT
    /// (transactions); each page is one progress report.
    pub job_page_size: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            job_workers: 2,
            job_lease_secs: 30,
            job_max_attempts: 3,
            job_retry_base_ms: 1000,
            job_poll_ms: 1000,
            job_max_queued_per_user: 20,
            job_shutdown_grace_secs: 10,
            job_statement_inline_bytes: 256 * 1024,
            job_page_size: 500,
        }
    }
}

impl JobsConfig {
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.job_lease_secs)
    }

    /// The lease is renewed three times per period, so one slow renewal does not lose it.
    pub fn heartbeat(&self) -> Duration {
        Duration::from_millis((self.job_lease_secs * 1000 / 3).max(100))
    }

    /// Wait before attempt `attempts + 1`: base, 2·base, 4·base, … (capped at an hour).
    pub fn backoff(&self, attempts: i32) -> Duration {
        let factor = 1u64 << attempts.clamp(1, 20).saturating_sub(1);
        Duration::from_millis(self.job_retry_base_ms.saturating_mul(factor).min(3_600_000))
    }
}

impl Section for JobsConfig {
    fn validate(&self) -> anyhow::Result<()> {
        if self.job_lease_secs == 0 {
            bail!("invalid value for environment variable JOB_LEASE_SECS: must be at least 1");
        }
        if !(1..=20).contains(&self.job_max_attempts) {
            bail!("invalid value for environment variable JOB_MAX_ATTEMPTS: must be 1–20");
        }
        if self.job_poll_ms == 0 {
            bail!("invalid value for environment variable JOB_POLL_MS: must be at least 1");
        }
        if !(1..=10_000).contains(&self.job_page_size) {
            bail!("invalid value for environment variable JOB_PAGE_SIZE: must be 1–10000");
        }
        if self.job_workers > 64 {
            bail!("invalid value for environment variable JOB_WORKERS: at most 64");
        }
        Ok(())
    }
}
