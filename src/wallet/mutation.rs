use async_graphql::{Context, InputObject, Object, Result};
use sea_orm::TransactionTrait;
use serde_json::json;

use super::{service, types::Wallet};
use crate::{
    auth::validate,
    chain::ledger::{is_valid_address, wallet_by_address},
    error::AppError,
    events,
    graphql::context::ContextExt,
    pubsub::BusMessage,
};

#[derive(InputObject)]
pub struct CreateWalletInput {
    /// Up to 50 characters, visible only to you.
    pub label: Option<String>,
}

#[derive(InputObject)]
pub struct SetPrimaryWalletInput {
    pub address: String,
}

#[derive(Default)]
pub struct WalletMutation;

#[Object]
impl WalletMutation {
    /// A new, empty wallet with its own key pair.
    async fn create_wallet(&self, ctx: &Context<'_>, input: CreateWalletInput) -> Result<Wallet> {
        let viewer = ctx.viewer()?.require()?;
        let label = validate::optional_text("label", input.label.as_deref(), 50)?;
        let state = ctx.state()?;
        if service::count_for_owner(&state.db, viewer.user.id).await?
            >= service::MAX_WALLETS_PER_USER
        {
            return Err(AppError::Conflict {
                field: None,
                message: format!("at most {} wallets per user", service::MAX_WALLETS_PER_USER),
            }
            .into());
        }
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let wallet =
            service::create(&txn, &state.wallet_cipher, viewer.user.id, label, false, 0).await?;
        let event = events::record(
            &txn,
            &ctx.audit(),
            "wallet.create",
            ("Wallet", Some(wallet.id.to_string())),
            json!({"address": wallet.address}),
        )
        .await?;
        events::commit_and_publish(txn, &state.bus, [BusMessage::Audit(event)]).await?;
        Ok(Wallet::new(wallet, true))
    }

    /// Makes one of your wallets the primary one (where transfers come from by default and
    /// mining rewards go).
    async fn set_primary_wallet(
        &self,
        ctx: &Context<'_>,
        input: SetPrimaryWalletInput,
    ) -> Result<Wallet> {
        let viewer = ctx.viewer()?.require()?;
        let address = input.address.trim();
        if !is_valid_address(address) {
            return Err(AppError::bad_input("address", "address is not a wallet address").into());
        }
        let state = ctx.state()?;
        let wallet = wallet_by_address(&state.db, address)
            .await?
            .ok_or(AppError::NotFound("wallet"))?;
        if wallet.user_id != viewer.user.id {
            return Err(AppError::Forbidden("you can only change your own wallets").into());
        }
        let txn = state.db.begin().await.map_err(AppError::from)?;
        let wallet = service::set_primary(&txn, &wallet).await?;
        let event = events::record(
            &txn,
            &ctx.audit(),
            "wallet.set_primary",
            ("Wallet", Some(wallet.id.to_string())),
            json!({"address": wallet.address}),
        )
        .await?;
        events::commit_and_publish(txn, &state.bus, [BusMessage::Audit(event)]).await?;
        Ok(Wallet::new(wallet, true))
    }
}
