//! The wallet fields of `User`.

use async_graphql::{Context, Object, Result};

use super::{loaders::WalletsByOwner, types::Wallet};
use crate::{graphql::context::ContextExt, platform::error::AppError, users::graphql::UserRef};

pub struct UserWallets(pub UserRef);

impl UserWallets {
    /// Every wallet of this user, through the batched loader.
    async fn all(&self, ctx: &Context<'_>) -> Result<Vec<Wallet>> {
        let wallets = ctx
            .loader::<WalletsByOwner>()?
            .load_one(self.0.model.id)
            .await?;
        Ok(wallets
            .unwrap_or_default()
            .into_iter()
            .map(|w| Wallet::new(w, self.0.owner_view))
            .collect())
    }
}

#[Object]
impl UserWallets {
    /// The wallet others pay this user into; its address and balance are public.
    async fn primary_wallet(&self, ctx: &Context<'_>) -> Result<Option<Wallet>> {
        Ok(self
            .all(ctx)
            .await?
            .into_iter()
            .find(|w| w.model.is_primary))
    }

    /// Every wallet of this user; FORBIDDEN unless the viewer is this user or an admin.
    #[graphql(cache_control(private))]
    async fn wallets(&self, ctx: &Context<'_>) -> Result<Vec<Wallet>> {
        if !self.0.private_visible(ctx) {
            ctx.viewer()?.require()?;
            return Err(AppError::Forbidden("only the owner can list a user's wallets").into());
        }
        self.all(ctx).await
    }
}
