//! Prometheus metrics (`GET /metrics`, text format): requests by operation type and outcome,
//! latency, cache, rate limits, Redis, sockets and the database pool.

use std::{fmt::Write, sync::atomic::Ordering, time::Duration};

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    /// `graphql_direct_writes_total` by result, resolved once: it is counted on hot lists.
    direct_written: IntCounter,
    direct_declined: IntCounter,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "graphql_requests_total",
                "GraphQL operations by type and outcome",
            ),
            &["operation", "outcome"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "graphql_request_duration_seconds",
                "GraphQL request latency",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["operation"],
        )?;
        let direct_writes = IntCounterVec::new(
            Opts::new(
                "graphql_direct_writes_total",
                "Planned lists answered without the executor (written) or left to it (declined)",
            ),
            &["result"],
        )?;
        registry.register(Box::new(direct_writes.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            direct_written: direct_writes.with_label_values(&["written"]),
            direct_declined: direct_writes.with_label_values(&["declined"]),
        })
    }

    /// Adds a domain's own collectors (e.g. the job workers') to `/metrics`.
    pub fn register(&self, collector: impl prometheus::core::Collector + 'static) {
        if let Err(e) = self.registry.register(Box::new(collector)) {
            tracing::warn!(error = %e, "metric not registered");
        }
    }

    /// `operation`: query | mutation | subscription | batch | unknown; `outcome`: ok | error |
    /// rejected | cache_hit.
    pub fn observe(&self, operation: &str, outcome: &str, elapsed: Duration) {
        self.requests.with_label_values(&[operation, outcome]).inc();
        self.latency
            .with_label_values(&[operation])
            .observe(elapsed.as_secs_f64());
    }

    /// A planned list's writer answered (`true`) or declined its selection.
    pub fn direct_write(&self, written: bool) {
        if written {
            self.direct_written.inc();
        } else {
            self.direct_declined.inc();
        }
    }

    pub fn render(&self, state: &crate::state::AppState) -> String {
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(error = %e, "metrics encoding failed");
        }
        let mut text = String::from_utf8(out).unwrap_or_default();
        let counters = &state.cache.counters;
        let gauge = |text: &mut String, name: &str, help: &str, kind: &str, value: f64| {
            let _ = writeln!(
                text,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        gauge(
            &mut text,
            "cache_hits_total",
            "Response cache hits",
            "counter",
            counters.hits.load(Ordering::Relaxed) as f64,
        );
        gauge(
            &mut text,
            "cache_misses_total",
            "Response cache misses",
            "counter",
            counters.misses.load(Ordering::Relaxed) as f64,
        );
        gauge(
            &mut text,
            "cache_invalidations_total",
            "Mutations that dropped cache tags",
            "counter",
            counters.invalidations.load(Ordering::Relaxed) as f64,
        );
        gauge(
            &mut text,
            "cache_compressions_total",
            "Cached bodies compressed (once per entry and encoding)",
            "counter",
            counters.compressions.load(Ordering::Relaxed) as f64,
        );
        gauge(
            &mut text,
            "cache_compressed_hits_total",
            "Cache hits served with a body compressed by an earlier hit",
            "counter",
            counters.compressed_hits.load(Ordering::Relaxed) as f64,
        );
        gauge(
            &mut text,
            "rate_limit_rejections_total",
            "Requests refused by rate limits",
            "counter",
            state.rate_limiter.rejected.load(Ordering::Relaxed) as f64,
        );
        if let Some(link) = &state.redis {
            gauge(
                &mut text,
                "redis_errors_total",
                "Failed or timed-out Redis calls",
                "counter",
                link.errors.load(Ordering::Relaxed) as f64,
            );
            gauge(
                &mut text,
                "redis_degraded",
                "1 while Redis is unavailable (breaker open)",
                "gauge",
                f64::from(u8::from(link.is_degraded())),
            );
        }
        gauge(
            &mut text,
            "bus_messages_dropped_total",
            "Event-bus messages not forwarded to other instances",
            "counter",
            state.bus.dropped() as f64,
        );
        gauge(
            &mut text,
            "database_up",
            "1 while the database answers its probe",
            "gauge",
            f64::from(u8::from(state.db_health.is_up())),
        );
        gauge(
            &mut text,
            "websocket_connections",
            "Open subscription sockets",
            "gauge",
            state.sockets.open_count() as f64,
        );
        let (size, idle) = pool_usage(&state.db);
        gauge(
            &mut text,
            "db_pool_connections",
            "Database pool connections open",
            "gauge",
            size as f64,
        );
        gauge(
            &mut text,
            "db_pool_in_use",
            "Database pool connections in use",
            "gauge",
            (size as usize).saturating_sub(idle) as f64,
        );
        gauge(
            &mut text,
            "sql_statements_total",
            "SQL statements executed",
            "counter",
            state.sql_statements.load(Ordering::Relaxed) as f64,
        );
        text
    }
}

fn pool_usage(db: &sea_orm::DatabaseConnection) -> (u32, usize) {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    }
}
