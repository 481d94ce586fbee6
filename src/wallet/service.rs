//! Wallet rules on the write path.

use serde_json::json;
use uuid::Uuid;

use super::{WalletAction, WalletModel, repo};
use crate::{
    audit::AuditContext,
    platform::{
        error::{AppError, AppResult},
        write::Write,
    },
    state::AppState,
};

/// Wallets one user may hold; generous for people, a wall against scripted abuse.
pub const MAX_WALLETS_PER_USER: u64 = 20;

fn subject(wallet: &WalletModel) -> (&'static str, Option<String>) {
    ("Wallet", Some(wallet.id.to_string()))
}

/// A new, empty wallet with its own key pair.
pub async fn create_wallet(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    label: Option<String>,
) -> AppResult<WalletModel> {
    if repo::count_for_owner(&state.db, owner).await? >= MAX_WALLETS_PER_USER {
        return Err(AppError::Conflict {
            field: None,
            message: format!("at most {MAX_WALLETS_PER_USER} wallets per user"),
        });
    }
    let mut w = Write::begin(state, audit).await?;
    let wallet = repo::create(w.db(), &state.wallet_cipher, owner, label, false, 0).await?;
    w.audit(
        WalletAction::Create,
        subject(&wallet),
        json!({"address": wallet.address}),
    )
    .await?;
    w.commit().await?;
    Ok(wallet)
}

/// Makes one of the owner's wallets the primary one.
pub async fn set_primary_wallet(
    state: &AppState,
    audit: &AuditContext,
    owner: Uuid,
    address: &str,
) -> AppResult<WalletModel> {
    if !repo::is_valid_address(address) {
        return Err(AppError::bad_input(
            "address",
            "address is not a wallet address",
        ));
    }
    let wallet = repo::by_address(&state.db, address)
        .await?
        .ok_or(AppError::NotFound("wallet"))?;
    if wallet.user_id != owner {
        return Err(AppError::Forbidden("you can only change your own wallets"));
    }
    let mut w = Write::begin(state, audit).await?;
    let wallet = repo::set_primary(w.db(), &wallet).await?;
    w.audit(
        WalletAction::SetPrimary,
        subject(&wallet),
        json!({"address": wallet.address}),
    )
    .await?;
    w.commit().await?;
    Ok(wallet)
}
