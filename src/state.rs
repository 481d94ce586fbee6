//! Shared application state: cheap to clone (one `Arc`), built once in `startup`.

use std::{
    ops::Deref,
    sync::{Arc, atomic::AtomicU64},
};

use sea_orm::DatabaseConnection;

use crate::{
    auth::{password::PasswordHasherPool, tokens::JwtKeys},
    graphql::transport::Sockets,
    platform::{
        cache::ResponseCache, config::Config, db::DbHealth, metrics::Metrics, pubsub::Bus,
        ratelimit::RateLimiter, redis_link::RedisLink,
    },
    wallet::crypto::WalletCipher,
};

pub struct AppStateInner {
    pub db: DatabaseConnection,
    pub config: Config,
    pub jwt: JwtKeys,
    pub wallet_cipher: WalletCipher,
    pub passwords: PasswordHasherPool,
    /// Where committed changes are announced to subscriptions (in-process or Redis).
    pub bus: Bus,
    /// Open WebSockets, counted for the per-instance and per-user limits.
    pub sockets: Sockets,
    /// Shared Redis for the cache and rate limits (`None` in embedded mode).
    pub redis: Option<Arc<RedisLink>>,
    pub cache: ResponseCache,
    pub rate_limiter: RateLimiter,
    pub metrics: Metrics,
    /// Every SQL statement run through `db` (fed by SeaORM's metric hook); tests read it to
    /// guard DataLoaders against N+1.
    pub sql_statements: Arc<AtomicU64>,
    /// Whether the database answers (probed in the background).
    pub db_health: Arc<DbHealth>,
}

#[derive(Clone)]
pub struct AppState(pub Arc<AppStateInner>);

impl Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}
