//! Database connection and migration policy.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::{Context, bail};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbBackend,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::config::Config;

/// How long a SQLite writer waits for the lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const SLOW_STATEMENT: Duration = Duration::from_secs(1);
/// Rows a SQLite connection's worker thread hands over at once (sqlx's default is 50): a
/// list page's rows cross threads in one go instead of waking the reader per few rows.
const SQLITE_ROW_BUFFER: usize = 1024;

/// Where a URL points, without user or password: `host:port/db`, or a SQLite file's path.
pub fn describe(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    rest.split('?').next().unwrap_or(rest).to_owned()
}

/// The URL without its password, for error messages.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).with_context(|| {
            format!(
                "could not create the database directory {}",
                parent.display()
            )
        })?;
    }
    Ok(())
}

/// Connects with the configured pool; `statements` counts every SQL statement run.
pub async fn connect(
    config: &Config,
    statements: Arc<AtomicU64>,
) -> anyhow::Result<DatabaseConnection> {
    let url = config.database_url();
    if config.is_sqlite() {
        ensure_sqlite_dir(&url)?;
        super::sqlite_library::configure();
    }
    let mut options = ConnectOptions::new(url.clone());
    options
        .max_connections(config.db_pool_size())
        .min_connections(config.db_min_connections)
        .acquire_timeout(Duration::from_secs(config.db_acquire_timeout_secs))
        .connect_timeout(Duration::from_secs(config.db_acquire_timeout_secs))
        .sqlx_logging_level(log::LevelFilter::Debug)
        .sqlx_slow_statements_logging_settings(log::LevelFilter::Warn, SLOW_STATEMENT)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
                .row_buffer_size(SQLITE_ROW_BUFFER)
        });
    let mut db = Database::connect(options)
        .await
        .with_context(|| format!("could not connect to the database at {}", redacted(&url)))?;
    db.set_metric_callback(move |_| {
        statements.fetch_add(1, Ordering::Relaxed);
    });
    Ok(db)
}

/// Whether the database answers, kept by a probe in the background. While it does not,
/// requests that need it are answered SERVICE_UNAVAILABLE at once instead of each waiting out
/// the pool's acquire timeout; the probe notices its return by itself. Changes are logged
/// once.
#[derive(Debug)]
pub struct DbHealth {
    up: AtomicBool,
}

impl Default for DbHealth {
    fn default() -> Self {
        Self {
            up: AtomicBool::new(true),
        }
    }
}

/// How often the database is probed, and how long a probe may take.
const PROBE_EVERY: Duration = Duration::from_millis(500);
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

impl DbHealth {
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    fn set(&self, up: bool, error: &dyn std::fmt::Display) {
        if self.up.swap(up, Ordering::AcqRel) != up {
            if up {
                tracing::info!("the database is reachable again");
            } else {
                tracing::error!(%error, "the database is unreachable; answering SERVICE_UNAVAILABLE until it returns");
            }
        }
    }

    /// Probes the database until `self` is dropped, over a connection of its own: a pool
    /// busy with slow requests is not an outage, and must not shed everyone with 503s.
    /// `requests` is the serving pool; once it is closed the database counts as gone.
    pub fn start_probe(self: &Arc<Self>, config: &Config, requests: DatabaseConnection) {
        let health = Arc::downgrade(self);
        let mut options = ConnectOptions::new(config.database_url());
        options
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(PROBE_TIMEOUT)
            .connect_timeout(PROBE_TIMEOUT)
            .sqlx_logging(false);
        tokio::spawn(async move {
            let mut probe: Option<DatabaseConnection> = None;
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                let Some(health) = health.upgrade() else {
                    return;
                };
                if pool_closed(&requests) {
                    health.set(false, &"the connection pool is closed");
                    continue;
                }
                let outcome = tokio::time::timeout(PROBE_TIMEOUT, async {
                    if probe.is_none() {
                        probe = Some(Database::connect(options.clone()).await?);
                    }
                    match &probe {
                        Some(db) => db.ping().await,
                        None => Ok(()),
                    }
                })
                .await;
                match outcome {
                    Ok(Ok(())) => health.set(true, &""),
                    Ok(Err(e)) => health.set(false, &e),
                    Err(_) => health.set(false, &"timed out"),
                }
            }
        });
    }
}

fn pool_closed(db: &DatabaseConnection) -> bool {
    match db.get_database_backend() {
        DbBackend::Sqlite => db.get_sqlite_connection_pool().is_closed(),
        DbBackend::Postgres => db.get_postgres_connection_pool().is_closed(),
        _ => false,
    }
}

/// SQLite (embedded) always migrates. PostgreSQL migrates only with AUTO_MIGRATE=true and
/// otherwise refuses to serve a schema older than the code.
pub async fn prepare(db: &DatabaseConnection, config: &Config) -> anyhow::Result<()> {
    if config.is_sqlite() || config.auto_migrate {
        return Migrator::up(db, None)
            .await
            .context("applying migrations failed");
    }
    let pending = Migrator::get_pending_migrations_read_only(db)
        .await
        .context("could not read the migration status")?;
    if !pending.is_empty() {
        let names: Vec<&str> = pending.iter().map(|m| m.name()).collect();
        bail!(
            "the database has {} pending migration(s) ({}); run `blackroad-api migrate up` or set AUTO_MIGRATE=true",
            names.len(),
            names.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_password() {
        assert_eq!(
            super::redacted("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(super::redacted("sqlite://data/x.db"), "sqlite://data/x.db");
        assert_eq!(
            super::describe("postgres://u:secret@h:5432/db?x=1"),
            "h:5432/db"
        );
        assert_eq!(
            super::describe("sqlite://data/blackroad.db?mode=rwc"),
            "data/blackroad.db"
        );
        assert_eq!(super::describe("rediss://:pw@cache:6380/0"), "cache:6380/0");
    }
}
