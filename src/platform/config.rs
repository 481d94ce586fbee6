//! One typed configuration, read once from the environment (and `.env`).
//!
//! Every variable has an embedded-mode default, so `cargo run` needs none of them. A value
//! that does not parse is a start-up error naming the variable.

use std::{net::IpAddr, path::PathBuf, time::Duration};

use anyhow::{Context, bail};
use figment::{Figment, providers::Serialized};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`; unset means the embedded SQLite file under `data_dir`.
    pub database_url: Option<String>,
    /// Unset means in-process cache, rate limits and pub/sub.
    pub redis_url: Option<String>,
    pub environment: Environment,
    /// Comma-separated origins allowed by CORS; empty allows none (same-origin only).
    pub allowed_origins: String,
    pub host: IpAddr,
    pub port: u16,
    /// Defaults to json in production and pretty in development.
    pub log_format: Option<LogFormat>,
    pub data_dir: PathBuf,
    pub static_dir: PathBuf,
    /// Apply pending migrations on `serve` against PostgreSQL. SQLite always migrates.
    pub auto_migrate: bool,
    /// Pool size; unset means sized for the backend and the cores (`db_pool_size`).
    pub db_max_connections: Option<u32>,
    pub db_min_connections: u32,
    pub db_acquire_timeout_secs: u64,
    pub body_limit_bytes: usize,
    pub max_query_depth: usize,
    /// List fields count `first`/`last` (default 20) times their selection.
    pub max_query_complexity: usize,
    pub max_aliases: usize,
    pub max_root_fields: usize,
    pub max_directives: usize,
    /// Lexical tokens in one document, checked before parsing.
    pub max_query_tokens: usize,
    /// Operations in one batched POST; 0 turns batching off.
    pub max_batch_size: usize,
    /// Planned lists build their answer without the executor when they cover the selection.
    pub graphql_direct_write: bool,
    pub request_timeout_ms: u64,
    /// GraphQL requests served at once; beyond it requests are shed with 503.
    pub max_concurrent_requests: usize,
    /// Default: on in development, off in production.
    pub introspection: Option<bool>,
    /// "Did you mean" hints in validation errors. Default: on in development only.
    pub field_suggestions: Option<bool>,
    /// GraphiQL at `/graphiql`. Default: on in development, off in production.
    pub graphiql: Option<bool>,
    /// Trusted documents: run only operations registered in the manifest.
    pub persisted_queries_only: bool,
    /// JSON manifest: Apollo's persisted-query manifest or a `{ "sha256": "document" }` map.
    pub persisted_queries_manifest: Option<PathBuf>,
    /// Bytes of automatic persisted queries kept in memory.
    pub apq_cache_bytes: u64,
    /// Bytes of automatic persisted queries shared in Redis (oldest evicted first).
    pub apq_shared_bytes: u64,
    /// Larger documents run but are not registered: persisted queries are for ordinary
    /// operations, and a registration must not be a way to store data.
    pub apq_max_document_bytes: usize,
    /// Bytes of query text whose parsed documents are kept for reuse; 0 parses every time.
    pub document_cache_bytes: u64,
    /// Prepended to every Redis key and channel, so several deployments (or tests) can share
    /// one Redis.
    pub redis_key_prefix: String,
    /// A PEM bundle of the CA(s) that sign the Redis server's certificate (`rediss://` with a
    /// private CA); the system's roots are trusted either way.
    pub redis_tls_ca_file: Option<PathBuf>,
    /// Report Redis trouble as not ready (503) instead of degraded (200).
    pub redis_required: bool,
    /// The response cache (Redis when REDIS_URL is set, in-process otherwise).
    pub cache_enabled: bool,
    /// Entries the in-process cache holds.
    pub cache_capacity: u64,
    /// Per minute, per IP and per login name: register, login, refreshToken, REST refresh.
    pub rate_limit_auth: u64,
    /// Per minute, per user (or IP when anonymous). 0 disables a limit.
    pub rate_limit_mutation: u64,
    pub rate_limit_query: u64,
    /// Take the client IP from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_proxy: bool,
    /// Ceiling on every Redis call; past it the call counts as failed and we degrade.
    pub redis_timeout_ms: u64,
    /// Open WebSockets per instance; further upgrades get 503.
    pub ws_max_connections: usize,
    /// Open WebSockets per signed-in user (anonymous sockets count only per instance).
    pub ws_max_connections_per_user: usize,
    /// Active subscriptions per socket.
    pub ws_max_subscriptions: usize,
    /// Largest WebSocket message (and frame) accepted from a client.
    pub ws_max_message_bytes: usize,
    /// A socket that has not sent `connection_init` by then is closed (4408).
    pub ws_init_timeout_secs: u64,
    /// Interval of server pings (`ping` / legacy `ka`); a send stalled this long closes the
    /// socket.
    pub ws_keepalive_secs: u64,
    /// Events a subscription may fall behind by before it is ended with an error.
    pub ws_subscription_buffer: usize,
    pub openai_api_key: Option<String>,
    pub openai_base_url: Option<String>,
    pub ai_model: Option<String>,
    /// Domain sections: each is read from the same flat environment (see `sections!`).
    #[serde(skip)]
    pub auth: crate::auth::AuthConfig,
    #[serde(skip)]
    pub wallet: crate::wallet::WalletConfig,
    #[serde(skip)]
    pub chain: crate::chain::ChainConfig,
    #[serde(skip)]
    pub users: crate::users::UsersConfig,
    #[serde(skip)]
    pub files: crate::files::FilesConfig,
    #[serde(skip)]
    pub video: crate::video::VideoConfig,
    #[serde(skip)]
    pub devices: crate::devices::DevicesConfig,
    #[serde(skip)]
    pub jobs: crate::jobs::JobsConfig,
    #[serde(skip)]
    pub ai: crate::ai::AiConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: None,
            redis_url: None,
            environment: Environment::Development,
            allowed_origins: String::new(),
            // Dual-stack: IPv6 and IPv4 (see `startup::listen`).
            host: IpAddr::from([0u16; 8]),
            port: 8000,
            log_format: None,
            data_dir: PathBuf::from("data"),
            static_dir: PathBuf::from("static"),
            auto_migrate: false,
            db_max_connections: None,
            db_min_connections: 0,
            db_acquire_timeout_secs: 5,
            body_limit_bytes: 1024 * 1024,
            max_query_depth: 15,
            max_query_complexity: 10_000,
            max_aliases: 50,
            max_root_fields: 20,
            max_directives: 50,
            max_query_tokens: 10_000,
            max_batch_size: 10,
            graphql_direct_write: true,
            request_timeout_ms: 10_000,
            max_concurrent_requests: 512,
            introspection: None,
            field_suggestions: None,
            graphiql: None,
            persisted_queries_only: false,
            persisted_queries_manifest: None,
            apq_cache_bytes: 16 * 1024 * 1024,
            apq_shared_bytes: 64 * 1024 * 1024,
            apq_max_document_bytes: 32 * 1024,
            document_cache_bytes: 4 * 1024 * 1024,
            redis_key_prefix: String::new(),
            redis_tls_ca_file: None,
            redis_required: false,
            cache_enabled: true,
            cache_capacity: 10_000,
            rate_limit_auth: 10,
            rate_limit_mutation: 120,
            rate_limit_query: 1_200,
            trust_proxy: false,
            redis_timeout_ms: 500,
            ws_max_connections: 25_000,
            ws_max_connections_per_user: 16,
            ws_max_subscriptions: 32,
            ws_max_message_bytes: 64 * 1024,
            ws_init_timeout_secs: 10,
            ws_keepalive_secs: 20,
            ws_subscription_buffer: 256,
            openai_api_key: None,
            openai_base_url: None,
            ai_model: None,
            auth: Default::default(),
            wallet: Default::default(),
            chain: Default::default(),
            users: Default::default(),
            files: Default::default(),
            video: Default::default(),
            devices: Default::default(),
            jobs: Default::default(),
            ai: Default::default(),
        }
    }
}

mod section;

pub use section::{MIN_SECRET_LEN, Section, require_secret};
use section::{invalid, variables_of};

/// The one list of domain sections: each line makes its section read, validated and part of
/// the variables `from_env` accepts. A section field of `Config` missing here stays at its
/// defaults, which `every_section_reads_its_variables` catches.
macro_rules! sections {
    ($($field:ident),* $(,)?) => {
        impl Config {
            fn read_sections(&mut self, figment: &Figment) -> anyhow::Result<()> {
                $(
                    self.$field = Figment::from(Serialized::defaults(&self.$field))
                        .merge(figment.clone())
                        .extract_lossy()
                        .map_err(invalid)?;
                    Section::validate(&self.$field)?;
                )*
                Ok(())
            }

            fn require_sections_for_serving(&self) -> anyhow::Result<()> {
                let production = self.is_production();
                $( Section::require_for_serving(&self.$field, production)?; )*
                Ok(())
            }

            /// Every variable this crate reads; anything else in the environment is ignored.
            pub fn variables() -> Vec<String> {
                let defaults = Config::default();
                let mut all = variables_of(&defaults);
                $( all.extend(variables_of(&defaults.$field)); )*
                all
            }
        }
    };
}

sections!(auth, wallet, chain, users, files, video, devices, jobs, ai);

impl Config {
    /// Reads `.env` (if present) and the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        // A missing .env is normal; a malformed one is worth stopping for.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(e).context("could not read .env"),
        }
        let known = Self::variables();
        let vars: Vec<(String, String)> = std::env::vars()
            .filter(|(k, v)| known.contains(k) && !v.trim().is_empty())
            .collect();
        Self::from_vars(vars)
    }

    /// Builds a config from explicit variables; used by `from_env` and by tests.
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> anyhow::Result<Self> {
        let known = Self::variables();
        let mut figment = Figment::new();
        for (key, value) in vars {
            if known.contains(&key) {
                figment = figment.merge(Serialized::default(&key.to_lowercase(), value.trim()));
            }
        }
        // Defaults under the given values: each section fills its own from the same keys.
        let mut config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(figment.clone())
            .extract_lossy()
            .map_err(invalid)?;
        config.read_sections(&figment)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if let Some(url) = &self.database_url
            && !(url.starts_with("sqlite:")
                || url.starts_with("postgres://")
                || url.starts_with("postgresql://"))
        {
            bail!(
                "invalid value for environment variable DATABASE_URL: expected sqlite:… or postgres://…"
            );
        }
        if let Some(url) = &self.redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            bail!(
                "invalid value for environment variable REDIS_URL: expected redis://… or rediss://…"
            );
        }
        if self.db_max_connections == Some(0) || self.db_min_connections > self.db_pool_size() {
            bail!(
                "invalid value for environment variable DB_MAX_CONNECTIONS: must be at least 1 and at least DB_MIN_CONNECTIONS"
            );
        }
        if self.persisted_queries_only && self.persisted_queries_manifest.is_none() {
            bail!("PERSISTED_QUERIES_ONLY=true needs PERSISTED_QUERIES_MANIFEST");
        }
        for (name, value) in [
            ("MAX_QUERY_DEPTH", self.max_query_depth),
            ("MAX_QUERY_COMPLEXITY", self.max_query_complexity),
            ("MAX_ROOT_FIELDS", self.max_root_fields),
            ("MAX_QUERY_TOKENS", self.max_query_tokens),
            ("MAX_CONCURRENT_REQUESTS", self.max_concurrent_requests),
            ("REDIS_TIMEOUT_MS", self.redis_timeout_ms as usize),
            ("WS_MAX_CONNECTIONS", self.ws_max_connections),
            (
                "WS_MAX_CONNECTIONS_PER_USER",
                self.ws_max_connections_per_user,
            ),
            ("WS_MAX_SUBSCRIPTIONS", self.ws_max_subscriptions),
            ("WS_MAX_MESSAGE_BYTES", self.ws_max_message_bytes),
            ("WS_INIT_TIMEOUT_SECS", self.ws_init_timeout_secs as usize),
            ("WS_KEEPALIVE_SECS", self.ws_keepalive_secs as usize),
            ("WS_SUBSCRIPTION_BUFFER", self.ws_subscription_buffer),
        ] {
            if value == 0 {
                bail!("invalid value for environment variable {name}: must be at least 1");
            }
        }
        if self.request_timeout_ms == 0 {
            bail!("invalid value for environment variable REQUEST_TIMEOUT_MS: must be at least 1");
        }
        Ok(())
    }

    /// Serving in production needs real secrets; `migrate` and `schema` do not.
    pub fn require_serving_secrets(&self) -> anyhow::Result<()> {
        self.require_sections_for_serving()
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    pub fn log_format(&self) -> LogFormat {
        self.log_format.unwrap_or(if self.is_production() {
            LogFormat::Json
        } else {
            LogFormat::Pretty
        })
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}/blackroad.db?mode=rwc", self.data_dir.display()),
        }
    }

    pub fn introspection_enabled(&self) -> bool {
        self.introspection.unwrap_or(!self.is_production())
    }

    pub fn graphiql_enabled(&self) -> bool {
        self.graphiql.unwrap_or(!self.is_production())
    }

    pub fn suggestions_enabled(&self) -> bool {
        self.field_suggestions.unwrap_or(!self.is_production())
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// `DB_MAX_CONNECTIONS`, else sized for the backend: SQLite runs its statements on one
    /// thread per connection and serializes writers, so more connections than cores only
    /// contend (one per core to read, one more to write); PostgreSQL works in its own
    /// processes, so a few connections per core keep it busy while ours wait on I/O.
    pub fn db_pool_size(&self) -> u32 {
        if let Some(size) = self.db_max_connections {
            return size;
        }
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
        if self.is_sqlite() {
            cores.clamp(1, 16) + 1
        } else {
            (cores * 4).clamp(4, 32)
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }

    pub fn allowed_origins(&self) -> Vec<String> {
        self.allowed_origins
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    pub fn redis_timeout(&self) -> Duration {
        Duration::from_millis(self.redis_timeout_ms)
    }
}

#[cfg(test)]
mod tests;
