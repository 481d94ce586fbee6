//! What every resolver can reach: the app state, the viewer, request metadata and the
//! per-request DataLoaders (created per request so nothing cached leaks between viewers).

use std::time::Duration;

use async_graphql::{Context, dataloader::DataLoader};
use uuid::Uuid;

use crate::{
    auth::service::AuthUser,
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

/// How long a DataLoader collects keys before it queries.
const BATCH_WINDOW: Duration = Duration::from_millis(1);
/// Extra scheduler turns after the window, so that a resolver pass that yielded mid-way
/// (async-graphql resolves long lists in several polls) still joins the batch.
const BATCH_YIELDS: usize = 8;

/// async-graphql's own delay would take the keys the moment its timer fires, even while
/// the list being resolved is only half-way through; we wait here instead and give it a zero
/// delay, so every key of one list level lands in one statement.
fn loader<T>(inner: T) -> DataLoader<T> {
    DataLoader::new(inner, |batch| {
        tokio::spawn(async move {
            tokio::time::sleep(BATCH_WINDOW).await;
            for _ in 0..BATCH_YIELDS {
                tokio::task::yield_now().await;
            }
            batch.await
        })
    })
    .delay(Duration::ZERO)
}

impl Loaders {
    pub fn new(state: &AppState) -> Self {
        Self {
            user_by_id: loader(UserById(state.db.clone())),
            wallet_by_id: loader(WalletById(state.db.clone())),
            wallets_by_owner: loader(WalletsByOwner(state.db.clone())),
            wallet_by_address: loader(WalletByAddress(state.db.clone())),
            block_by_id: loader(BlockById(state.db.clone())),
            transaction_by_id: loader(TransactionById(state.db.clone())),
            transactions_by_block: loader(TransactionsByBlock(state.db.clone())),
            wallet_transactions: loader(WalletTransactions(state.db.clone())),
            wallet_tx_count: loader(WalletTxCount(state.db.clone())),
            pending_incoming: loader(PendingIncoming(state.db.clone())),
            blocks_by_miner: loader(BlocksByMiner(state.db.clone())),
            miner_stats: loader(MinerStatsById(state.db.clone())),
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
