//! One Redis connection for the cache and the rate limiter, with a timeout on every call and a
//! circuit breaker: after a few consecutive failures Redis is left alone for a cool-down, so a
//! dead or hanging Redis costs requests nothing but a flag check. Callers get `None` and fall
//! back (no cache, in-process counters). State changes are logged once, not per request.

use std::{
    future::Future,
    sync::{
        Arc, Mutex,
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
/// How often an unreachable Redis is probed in the background.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// A Redis client for `url`. With `rediss://`, the server's certificate is checked against the
/// system's roots and, when given, the PEM bundle at `ca_file` (a private CA).
pub fn client(url: &str, ca_file: Option<&std::path::Path>) -> anyhow::Result<redis::Client> {
    let invalid = |e: redis::RedisError| {
        anyhow::anyhow!("invalid value for environment variable REDIS_URL: {e}")
    };
    let Some(path) = ca_file else {
        return redis::Client::open(url).map_err(invalid);
    };
    let root_cert = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("could not read REDIS_TLS_CA_FILE {}: {e}", path.display()))?;
    redis::Client::build_with_tls(
        url,
        redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(root_cert),
        },
    )
    .map_err(invalid)
}

pub struct RedisLink {
    conn: ConnectionManager,
    prefix: String,
    timeout: Duration,
    failures: AtomicU32,
    open_until: Mutex<Option<Instant>>,
    degraded: AtomicBool,
    /// Times Redis came back after being unreachable; the cache starts a new generation then.
    recoveries: AtomicU64,
    /// Failed or timed-out calls, for /metrics.
    pub errors: AtomicU64,
}

impl RedisLink {
    /// Connects lazily: a Redis that is down at start-up is a degraded state, not a failure.
    pub fn new(client: redis::Client, prefix: &str, timeout: Duration) -> anyhow::Result<Self> {
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
            recoveries: AtomicU64::new(0),
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
            self.recoveries.fetch_add(1, Ordering::AcqRel);
            tracing::info!("redis is reachable again; cache and shared rate limits resume");
        }
    }

    /// How many times Redis has come back after an outage.
    pub fn recoveries(&self) -> u64 {
        self.recoveries.load(Ordering::Acquire)
    }

    /// While Redis is unreachable, pings it every `PROBE_EVERY` in the background, so that
    /// shared rate limits and the cache resume within a second of its return rather than at
    /// the first request after the breaker's cool-down.
    pub fn start_probe(self: &Arc<Self>) {
        let link = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                let Some(link) = link.upgrade() else { return };
                if link.is_degraded() {
                    link.ping().await;
                }
            }
        });
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
