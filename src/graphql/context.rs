//! What every resolver can reach: the app state, the viewer, request metadata and the
//! per-request DataLoaders (created per request so nothing cached leaks between viewers).

use std::time::Duration;

use async_graphql::{Context, dataloader::DataLoader};
use uuid::Uuid;

use super::batching::BatchSpawner;
use axum::http::{HeaderMap, header};

use crate::{
    auth::service::{AuthUser, authenticate},
    chain::loaders::{
        BlockById, BlocksByMiner, MinerStatsById, PendingIncoming, TransactionById,
        TransactionsByBlock, WalletTransactions, WalletTxCount,
    },
    error::{AppError, AppResult},
    events::AuditContext,
    state::AppState,
    users::loaders::UserById,
    wallet::loaders::{WalletByAddress, WalletById, WalletsByOwner},
};

/// Who is asking. A present but bad token is remembered so that fields needing a user can
/// say why, while public fields still answer.
#[derive(Debug, Clone)]
pub enum Viewer {
    Anonymous,
    Invalid(&'static str),
    User(Box<AuthUser>),
}

impl Viewer {
    /// The viewer of an HTTP request, from its bearer token. A present but bad token gives
    /// `Invalid`; only a failure to check it (database down) is an error.
    pub async fn from_headers(state: &AppState, headers: &HeaderMap) -> Result<Viewer, AppError> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Ok(Viewer::Anonymous);
        };
        let Some(token) = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
        else {
            return Ok(Viewer::Invalid(
                "malformed Authorization header; expected Bearer token",
            ));
        };
        match authenticate(state, token).await {
            Ok(user) => Ok(Viewer::User(Box::new(user))),
            Err(AppError::Unauthenticated(reason)) => Ok(Viewer::Invalid(reason)),
            Err(other) => Err(other),
        }
    }

    pub fn require(&self) -> AppResult<&AuthUser> {
        match self {
            Viewer::User(user) => Ok(user),
            Viewer::Anonymous => Err(AppError::Unauthenticated("authentication required")),
            Viewer::Invalid(reason) => Err(AppError::Unauthenticated(reason)),
        }
    }

    pub fn user(&self) -> Option<&AuthUser> {
        match self {
            Viewer::User(user) => Some(user),
            _ => None,
        }
    }

    /// Owner-only data is visible to its owner and to admins.
    pub fn can_see_private_of(&self, owner_id: Uuid) -> bool {
        self.user()
            .is_some_and(|v| v.user.id == owner_id || v.user.is_admin)
    }
}

#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub request_id: String,
    pub ip: Option<String>,
}

pub struct Loaders {
    pub user_by_id: DataLoader<UserById>,
    pub wallet_by_id: DataLoader<WalletById>,
    pub wallets_by_owner: DataLoader<WalletsByOwner>,
    pub wallet_by_address: DataLoader<WalletByAddress>,
    pub block_by_id: DataLoader<BlockById>,
    pub transaction_by_id: DataLoader<TransactionById>,
    pub transactions_by_block: DataLoader<TransactionsByBlock>,
    pub wallet_transactions: DataLoader<WalletTransactions>,
    pub wallet_tx_count: DataLoader<WalletTxCount>,
    pub pending_incoming: DataLoader<PendingIncoming>,
    pub blocks_by_miner: DataLoader<BlocksByMiner>,
    pub miner_stats: DataLoader<MinerStatsById>,
}

fn loader<T>(inner: T, spawner: &BatchSpawner) -> DataLoader<T> {
    let spawner = spawner.clone();
    // The zero delay hands the batch over at once; `BatchSpawner` decides when it runs.
    DataLoader::new(inner, move |batch| spawner.spawn(batch)).delay(Duration::ZERO)
}

impl Loaders {
    pub fn new(state: &AppState, spawner: &BatchSpawner) -> Self {
        Self {
            user_by_id: loader(UserById(state.db.clone()), spawner),
            wallet_by_id: loader(WalletById(state.db.clone()), spawner),
            wallets_by_owner: loader(WalletsByOwner(state.db.clone()), spawner),
            wallet_by_address: loader(WalletByAddress(state.db.clone()), spawner),
            block_by_id: loader(BlockById(state.db.clone()), spawner),
            transaction_by_id: loader(TransactionById(state.db.clone()), spawner),
            transactions_by_block: loader(TransactionsByBlock(state.db.clone()), spawner),
            wallet_transactions: loader(WalletTransactions(state.db.clone()), spawner),
            wallet_tx_count: loader(WalletTxCount(state.db.clone()), spawner),
            pending_incoming: loader(PendingIncoming(state.db.clone()), spawner),
            blocks_by_miner: loader(BlocksByMiner(state.db.clone()), spawner),
            miner_stats: loader(MinerStatsById(state.db.clone()), spawner),
        }
    }
}

/// Typed access to request data; missing data is a wiring bug, reported as INTERNAL.
pub trait ContextExt {
    fn state(&self) -> AppResult<&AppState>;
    fn viewer(&self) -> AppResult<&Viewer>;
    fn loaders(&self) -> AppResult<&Loaders>;
    fn audit(&self) -> AuditContext;
}

fn missing(what: &str) -> AppError {
    AppError::internal(anyhow::anyhow!("{what} missing from GraphQL context"))
}

impl ContextExt for Context<'_> {
    fn state(&self) -> AppResult<&AppState> {
        self.data_opt::<AppState>()
            .ok_or_else(|| missing("AppState"))
    }

    fn viewer(&self) -> AppResult<&Viewer> {
        self.data_opt::<Viewer>().ok_or_else(|| missing("Viewer"))
    }

    fn loaders(&self) -> AppResult<&Loaders> {
        self.data_opt::<Loaders>().ok_or_else(|| missing("Loaders"))
    }

    fn audit(&self) -> AuditContext {
        let meta = self.data_opt::<RequestMeta>();
        AuditContext {
            actor_id: self
                .data_opt::<Viewer>()
                .and_then(|v| v.user())
                .map(|u| u.user.id),
            ip: meta.and_then(|m| m.ip.clone()),
            request_id: meta.map(|m| m.request_id.clone()),
        }
    }
}
