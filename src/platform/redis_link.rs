//! One Redis connection for the cache and the rate limiter, with a timeout on every call and a
//! circuit breaker: after a few consecutive failures Redis is left alone for a cool-down, so a
//! dead or hanging Redis costs requests nothing but a flag check. Callers get `None` and fall
//! back (no cache, in-process counters). State changes are logged once, not per request.

use std::{
    future::Future,
    sync::{
        Mutex,
        atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use redis::{
    RedisResult,
    aio::{ConnectionManager, ConnectionManagerConfig},
};

/// Consecutive failures that open the breaker.
const FAILURE_THRESHOLD: u32 = 3;
/// How long an open breaker keeps Redis out of the request path.
const COOL_DOWN: Duration = Duration::from_secs(2);

pub struct RedisLink {
    conn: ConnectionManager,
    prefix: String,
    timeout: Duration,
    failures: AtomicU32,
    open_until: Mutex<Option<Instant>>,
    degraded: AtomicBool,
    /// Failed or timed-out calls, for /metrics.
    pub errors: AtomicU64,
}

impl RedisLink {
    /// Connects lazily: a Redis that is down at start-up is a degraded state, not a failure.
    pub fn new(url: &str, prefix: &str, timeout: Duration) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(COOL_DOWN);
        let conn = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(Self {
            conn,
            prefix: prefix.to_owned(),
            timeout,
            failures: AtomicU32::new(0),
            open_until: Mutex::new(None),
            degraded: AtomicBool::new(false),
            errors: AtomicU64::new(0),
        })
    }

    /// `<prefix><namespace><rest>`, e.g. `br:api:cache:…`.
    pub fn key(&self, namespace: &str, rest: &str) -> String {
        format!("{}{namespace}{rest}", self.prefix)
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// True while the breaker is open or the last call failed.
    pub fn is_degraded(&self) -> bool {
        self.degraded.load(Ordering::Acquire)
    }

    fn allowed(&self) -> bool {
        let Ok(mut open) = self.open_until.lock() else {
            return false;
        };
        match *open {
            Some(until) if Instant::now() < until => false,
            Some(_) => {
                // Half-open: let calls through; the next failure re-opens at once.
                *open = None;
                self.failures
                    .store(FAILURE_THRESHOLD - 1, Ordering::Release);
                true
            }
            None => true,
        }
    }

    fn succeeded(&self) {
        self.failures.store(0, Ordering::Release);
        if self.degraded.swap(false, Ordering::AcqRel) {
            tracing::info!("redis is reachable again; cache and shared rate limits resume");
        }
    }

    fn failed(&self, error: &dyn std::fmt::Display) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let failures = self.failures.fetch_add(1, Ordering::AcqRel) + 1;
        if failures >= FAILURE_THRESHOLD
            && let Ok(mut open) = self.open_until.lock()
        {
            *open = Some(Instant::now() + COOL_DOWN);
        }
        if !self.degraded.swap(true, Ordering::AcqRel) {
            tracing::warn!(%error, "redis unavailable; serving without cache, rate limits fall back to in-process counters");
        }
    }

    /// Runs one Redis call under the timeout and the breaker; `None` means "fall back".
    pub async fn call<T, F, Fut>(&self, f: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        if !self.allowed() {
            return None;
        }
        match tokio::time::timeout(self.timeout, f(self.conn.clone())).await {
            Ok(Ok(value)) => {
                self.succeeded();
                Some(value)
            }
            Ok(Err(e)) => {
                self.failed(&e);
                None
            }
            Err(_) => {
                self.failed(&"timed out");
                None
            }
        }
    }

    /// For readiness: one PING, outside the breaker so a recovered Redis is noticed.
    pub async fn ping(&self) -> bool {
        let mut conn = self.conn.clone();
        let ok = matches!(
            tokio::time::timeout(
                self.timeout,
                redis::cmd("PING").query_async::<String>(&mut conn)
            )
            .await,
            Ok(Ok(_))
        );
        if ok {
            self.succeeded();
            if let Ok(mut open) = self.open_until.lock() {
                *open = None;
            }
        } else {
            self.failed(&"ping failed");
        }
        ok
    }
}
