//! Shared application state: cheap to clone (one `Arc`), built once in `startup`.

use std::{
    ops::Deref,
    sync::{Arc, atomic::AtomicU64},
};

use sea_orm::DatabaseConnection;

use crate::{
    auth::{password::PasswordHasherPool, tokens::JwtKeys},
    config::Config,
    pubsub::Bus,
    subscriptions::Sockets,
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
    /// Every SQL statement run through `db` (fed by SeaORM's metric hook); tests read it to
    /// guard DataLoaders against N+1.
    pub sql_statements: Arc<AtomicU64>,
}

#[derive(Clone)]
pub struct AppState(pub Arc<AppStateInner>);

impl Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}
