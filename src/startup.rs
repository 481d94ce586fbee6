//! Builds the state, the schema and the router, binds the listener, and serves with graceful
//! shutdown.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    path::Path,
    sync::{Arc, atomic::AtomicU64},
    time::Duration,
};

use anyhow::Context;
use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, HeaderValue, Method, header},
    response::IntoResponse,
    routing::{any, get, post},
};
use rand::RngCore;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    compression::{
        CompressionLayer, CompressionLevel, Predicate,
        predicate::{DefaultPredicate, SizeAbove},
    },
    cors::{AllowOrigin, CorsLayer},
    request_id::{PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{
    auth::{password::PasswordHasherPool, tokens::JwtKeys},
    graphql::{
        schema,
        transport::{Sockets, http as gql_http},
    },
    http::{
        MakeRequestUuid,
        encoding::{COMPRESS_ABOVE, DYNAMIC_COMPRESSION},
        health, refresh, security_headers, static_files,
    },
    platform::{
        cache::ResponseCache,
        config::Config,
        db,
        error::AppError,
        metrics::Metrics,
        pubsub::Bus,
        ratelimit::RateLimiter,
        redis_link::{self, RedisLink},
        telemetry,
    },
    state::{AppState, AppStateInner},
    wallet::crypto::WalletCipher,
};

pub struct Application {
    listener: TcpListener,
    router: Router,
    pub state: AppState,
}

/// In embedded mode a missing secret is generated once and kept under the data directory, so
/// tokens and wallet keys survive restarts. Production never gets here without both set.
fn secret_from_file(dir: &Path, name: &str) -> anyhow::Result<String> {
    let path = dir.join(name);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if !existing.is_empty() {
            return Ok(existing);
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    std::fs::write(&path, &secret)
        .with_context(|| format!("could not write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("could not restrict {}", path.display()))?;
    }
    tracing::info!(path = %path.display(), "generated {name}");
    Ok(secret)
}

/// Fills in generated secrets for embedded mode (see `secret_from_file`).
pub fn resolve_secrets(config: &mut Config) -> anyhow::Result<()> {
    if !config.is_sqlite()
        && (config.auth.secret_key.is_none() || config.wallet.wallet_master_key.is_none())
    {
        // Instances sharing one database must share these keys, or they reject each
        // other's tokens and cannot decrypt each other's wallets.
        tracing::warn!(
            "SECRET_KEY or WALLET_MASTER_KEY unset with a shared database: using keys generated under DATA_DIR, which other instances will not have"
        );
    }
    if config.auth.secret_key.is_none() {
        config.auth.secret_key = Some(secret_from_file(&config.data_dir, "secret_key")?);
    }
    if config.wallet.wallet_master_key.is_none() {
        config.wallet.wallet_master_key =
            Some(secret_from_file(&config.data_dir, "wallet_master_key")?);
    }
    Ok(())
}

/// The shared state: database (migrated as the policy says), keys, bus, cache, limits. The
/// server and the commands that write (`admin`) run on it.
pub async fn build_state(mut config: Config) -> anyhow::Result<AppState> {
    resolve_secrets(&mut config)?;
    let statements = Arc::new(AtomicU64::new(0));
    let db = db::connect(&config, statements.clone()).await?;
    db::prepare(&db, &config).await?;

    let secret = config.auth.secret_key.clone().unwrap_or_default();
    let master = config.wallet.wallet_master_key.clone().unwrap_or_default();
    let jwt = JwtKeys::new(
        secret.as_bytes(),
        config.auth.access_token_ttl().as_secs() as i64,
    );
    let passwords = PasswordHasherPool::new(config.auth.hashing_concurrency);
    let bus = Bus::start(&config)?;
    let redis = match &config.redis_url {
        Some(url) => Some(Arc::new(RedisLink::new(
            redis_link::client(url, config.redis_tls_ca_file.as_deref())?,
            &config.redis_key_prefix,
            Duration::from_millis(config.redis_timeout_ms),
        )?)),
        None => None,
    };
    if let Some(link) = &redis {
        link.start_probe();
    }
    let cache = match &redis {
        Some(link) => ResponseCache::redis(link.clone()),
        None => ResponseCache::memory(config.cache_capacity),
    };
    let rate_limiter = RateLimiter::new(&config, redis.clone());
    let state = AppState(Arc::new(AppStateInner {
        db,
        jwt,
        wallet_cipher: WalletCipher::new(master.as_bytes())?,
        passwords,
        bus,
        sockets: Sockets::default(),
        redis,
        cache,
        rate_limiter,
        metrics: Metrics::new()?,
        sql_statements: statements,
        db_health: Arc::new(db::DbHealth::default()),
        config,
    }));
    state.db_health.start_probe(&state.config, state.db.clone());
    Ok(state)
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let state = build_state(config).await?;
        for name in crate::users::grant_listed_admins(&state)
            .await
            .map_err(|e| e.into_anyhow())?
        {
            tracing::info!(username = %name, "made admin by ADMIN_USERNAMES");
        }
        crate::devices::start_offline_watcher(&state).await;
        let router = router(state.clone())?;
        let address = SocketAddr::new(state.config.host, state.config.port);
        let listener = listen(address).await?;
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` resolves, then stops accepting and drains in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let sockets = self.state.sockets.clone();
        let shutdown = async move {
            shutdown.await;
            // Upgraded sockets are not drained by the HTTP server: close them ourselves.
            sockets.shut_down();
        };
        if let Ok(address) = self.listener.local_addr() {
            announce(&self.state.config, address);
        }
        let sweeper = crate::files::start_sweeper(&self.state);
        let workers = crate::jobs::start_workers(&self.state)?;
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("server error");
        sweeper.abort();
        // Stop claiming, let running jobs finish (or hand them back), then exit.
        if let Some(workers) = workers {
            workers.shut_down().await;
        }
        served
    }
}

/// Binds `address`. The default `[::]` is dual-stack (IPv4 too), so `localhost` works whether it
/// resolves to `::1` or `127.0.0.1`; a machine without IPv6 gets `0.0.0.0` instead.
async fn listen(address: SocketAddr) -> anyhow::Result<TcpListener> {
    match TcpListener::bind(address).await {
        Ok(listener) => Ok(listener),
        Err(e) if address.ip() == IpAddr::V6(Ipv6Addr::UNSPECIFIED) => {
            tracing::warn!(error = %e, "no IPv6 here; listening on IPv4 only");
            let v4 = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), address.port());
            TcpListener::bind(v4)
                .await
                .with_context(|| format!("could not listen on {v4}"))
        }
        Err(e) => Err(e).with_context(|| format!("could not listen on {address}")),
    }
}

/// The start-up lines a person reads: where to click, and what the server runs on (never a
/// secret).
fn announce(config: &Config, address: SocketAddr) {
    let host = if address.ip().is_unspecified() {
        "localhost".to_owned()
    } else if address.is_ipv6() {
        format!("[{}]", address.ip())
    } else {
        address.ip().to_string()
    };
    let base = format!("http://{host}:{}", address.port());
    let graphiql = if config.graphiql_enabled() {
        format!("{base}/graphiql")
    } else {
        "off (GRAPHIQL=true turns it on)".to_owned()
    };
    tracing::info!(
        desktop = %format!("{base}/"),
        graphiql = %graphiql,
        api = %format!("{base}/graphql"),
        listen = %address,
        "blackroad-api is serving"
    );
    let database = if config.is_sqlite() {
        format!("SQLite {}", db::describe(&config.database_url()))
    } else {
        format!("PostgreSQL {}", db::describe(&config.database_url()))
    };
    let shared = match &config.redis_url {
        Some(url) => format!("Redis {}", db::describe(url)),
        None => "in-process (no REDIS_URL)".to_owned(),
    };
    tracing::info!(%database, cache_rate_limits_pubsub = %shared, "backends");
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}

async fn metrics_text(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&state),
    )
}

/// Unknown API paths are a JSON 404, not the static UI's index page.
async fn api_not_found() -> impl IntoResponse {
    AppError::NotFound("API route")
}

fn cors(config: &Config) -> Option<CorsLayer> {
    let origins = config.allowed_origins();
    if origins.is_empty() {
        return None;
    }
    let base = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static("x-request-id"),
            // Uploads' CSRF preflight headers, and conditional or partial downloads.
            HeaderName::from_static("apollo-require-preflight"),
            HeaderName::from_static("x-apollo-operation-name"),
            header::RANGE,
            header::IF_NONE_MATCH,
            header::IF_RANGE,
        ])
        .expose_headers([
            HeaderName::from_static("x-request-id"),
            header::ETAG,
            header::CONTENT_RANGE,
            header::CONTENT_DISPOSITION,
        ]);
    if origins.iter().any(|o| o == "*") {
        return Some(base.allow_origin(AllowOrigin::any()));
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(base.allow_origin(list).allow_credentials(true))
}

pub fn router(state: AppState) -> anyhow::Result<Router> {
    let graphql = gql_http::GraphqlHttp::new(state.clone(), schema::build(Some(state.clone())))?;
    let graphql_routes = Router::new()
        .route(
            "/graphql",
            get(gql_http::get_handler).post(gql_http::post_handler),
        )
        .with_state(graphql);
    let static_files =
        static_files::routes(&state.config.static_dir, state.config.graphiql_enabled());
    let mut router = Router::new()
        .route("/health", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(metrics_text))
        .route("/api/auth/refresh", post(refresh::refresh))
        .route("/files/{id}", get(crate::files::http::download))
        .route("/api/{*rest}", any(api_not_found))
        .with_state(state.clone())
        .merge(graphql_routes)
        .merge(static_files);
    if let Some(cors) = cors(&state.config) {
        router = router.layer(cors);
    }
    Ok(router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(telemetry::request_span)
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(security_headers())
            .layer(
                CompressionLayer::new()
                    .quality(CompressionLevel::Precise(DYNAMIC_COMPRESSION))
                    .compress_when(
                        DefaultPredicate::new()
                            .and(SizeAbove::new(COMPRESS_ABOVE))
                            .and(crate::files::http::compressible),
                    ),
            )
            .layer(DefaultBodyLimit::max(state.config.body_limit_bytes)),
    ))
}
