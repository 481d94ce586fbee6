//! Ledger subscriptions. Blocks and transfers are public like the chain itself;
//! `walletActivity` follows one wallet and is for its owner (or an admin).

use async_graphql::{Context, Result, Subscription};
use futures_util::Stream;

use super::{
    ledger::{is_valid_address, wallet_by_address},
    types::{Block, Transaction},
};
use crate::{
    error::AppError,
    graphql::context::ContextExt,
    pubsub::{BusMessage, Topic},
    subscriptions::receive,
};

#[derive(Default)]
pub struct ChainSubscription;

fn involves(tx: &crate::entities::transaction::Model, address: &str) -> bool {
    tx.from_address == address || tx.to_address == address
}

#[Subscription]
impl ChainSubscription {
    /// Every block mined from now on, by any instance.
    async fn block_mined(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<Block>> + use<>> {
        let rx = ctx.state()?.bus.subscribe(Topic::Blocks);
        Ok(receive(rx, |message| match message {
            BusMessage::BlockMined(block) => Some(Block(block.clone())),
            _ => None,
        }))
    }

    /// Every new (pending) transfer; only those from or to `address` when given.
    async fn transaction_added(
        &self,
        ctx: &Context<'_>,
        address: Option<String>,
    ) -> Result<impl Stream<Item = Result<Transaction>> + use<>> {
        let rx = ctx.state()?.bus.subscribe(Topic::Transactions);
        let address = address.map(|a| a.trim().to_owned());
        Ok(receive(rx, move |message| match message {
            BusMessage::TransactionAdded(tx)
                if address.as_deref().is_none_or(|a| involves(tx, a)) =>
            {
                Some(Transaction(tx.clone()))
            }
            _ => None,
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
        if !is_valid_address(&address) {
            return Err(AppError::bad_input("address", "address is not a wallet address").into());
        }
        let state = ctx.state()?;
        let wallet = wallet_by_address(&state.db, &address)
            .await?
            .ok_or(AppError::NotFound("wallet"))?;
        if !viewer.can_see_private_of(wallet.user_id) {
            return Err(AppError::Forbidden("you can only follow your own wallets").into());
        }
        let rx = state.bus.subscribe(Topic::Transactions);
        Ok(receive(rx, move |message| match message {
            BusMessage::TransactionAdded(tx) | BusMessage::TransactionConfirmed(tx)
                if involves(tx, &address) =>
            {
                Some(Transaction(tx.clone()))
            }
            _ => None,
        }))
    }
}
