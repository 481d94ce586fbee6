use async_graphql::{Context, Object, Result};

use super::types::Wallet;
use crate::{graphql::context::ContextExt, wallet};

#[derive(Default)]
pub struct WalletQuery;

#[Object]
impl WalletQuery {
    /// Any wallet by address; address and balance are public.
    #[graphql(cache_control(max_age = 10))]
    async fn wallet(&self, ctx: &Context<'_>, address: String) -> Result<Option<Wallet>> {
        let found = wallet::by_address(&ctx.state()?.db, address.trim()).await?;
        Ok(found.map(|w| Wallet::new(w, false)))
    }

    /// The viewer's wallets, primary first.
    #[graphql(cache_control(max_age = 10, private))]
    async fn my_wallets(&self, ctx: &Context<'_>) -> Result<Vec<Wallet>> {
        let viewer = ctx.viewer()?.require()?;
        let wallets = wallet::of_owner(&ctx.state()?.db, viewer.user.id).await?;
        Ok(wallets.into_iter().map(|w| Wallet::new(w, true)).collect())
    }
}
