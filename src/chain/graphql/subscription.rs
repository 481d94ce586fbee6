//! Ledger subscriptions. Blocks and transfers are public like the chain itself;
//! `walletActivity` follows one wallet and is for its owner (or an admin).

use async_graphql::{Context, Result, Subscription};
use futures_util::Stream;

use super::types::{Block, Transaction};
use crate::{
    chain::{BlockMined, TransferEvent, TransferKind},
    graphql::{context::ContextExt, subscriptions::receive},
    platform::error::AppError,
    wallet,
};

#[derive(Default)]
pub struct ChainSubscription;

#[Subscription]
impl ChainSubscription {
    /// Every block mined from now on, by any instance.
    async fn block_mined(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<Block>> + use<>> {
        let sub = ctx.state()?.bus.subscribe::<BlockMined>();
        Ok(receive(sub, |block| Some(Block::new(block.into()))))
    }

    /// Every new (pending) transfer; only those from or to `address` when given.
    async fn transaction_added(
        &self,
        ctx: &Context<'_>,
        address: Option<String>,
    ) -> Result<impl Stream<Item = Result<Transaction>> + use<>> {
        let sub = ctx.state()?.bus.subscribe::<TransferEvent>();
        let address = address.map(|a| a.trim().to_owned());
        Ok(receive(sub, move |tx| {
            (tx.kind == TransferKind::Added && address.as_deref().is_none_or(|a| tx.involves(a)))
                .then(|| Transaction::new(tx.into()))
        }))
    }

    /// Everything that moves money in or out of one of your wallets: transfers out (debited
    /// at once), transfers in (pending) and their confirmations (credited).
    async fn wallet_activity(
        &self,
        ctx: &Context<'_>,
        address: String,
    ) -> Result<impl Stream<Item = Result<Transaction>> + use<>> {
        let viewer = ctx.viewer()?;
        viewer.require()?;
        let address = address.trim().to_owned();
        if !wallet::is_valid_address(&address) {
            return Err(AppError::bad_input("address", "address is not a wallet address").into());
        }
        let state = ctx.state()?;
        let found = wallet::by_address(&state.db, &address)
            .await?
            .ok_or(AppError::NotFound("wallet"))?;
        if !viewer.can_see_private_of(found.user_id) {
            return Err(AppError::Forbidden("you can only follow your own wallets").into());
        }
        let sub = state.bus.subscribe::<TransferEvent>();
        Ok(receive(sub, move |tx| {
            tx.involves(&address).then(|| Transaction::new(tx.into()))
        }))
    }
}
