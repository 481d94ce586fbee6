use async_graphql::{Context, InputObject, Object, Result};

use super::types::Wallet;
use crate::{graphql::context::ContextExt, platform::validate::optional_name, wallet};

/// Cache tags each mutation writes (the registry tests hold every Mutation field to this).
pub const MUTATION_TAGS: &[(&str, &[&str])] = &[
    ("createWallet", &["Wallet", "User", "Event"]),
    ("setPrimaryWallet", &["Wallet", "User", "Event"]),
];

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
        let label = optional_name("label", input.label.as_deref(), 50)?;
        let created =
            wallet::create_wallet(ctx.state()?, &ctx.audit(), viewer.user.id, label).await?;
        Ok(Wallet::new(created, true))
    }

    /// Makes one of your wallets the primary one (where transfers come from by default and
    /// mining rewards go).
    async fn set_primary_wallet(
        &self,
        ctx: &Context<'_>,
        input: SetPrimaryWalletInput,
    ) -> Result<Wallet> {
        let viewer = ctx.viewer()?.require()?;
        let changed = wallet::set_primary_wallet(
            ctx.state()?,
            &ctx.audit(),
            viewer.user.id,
            input.address.trim(),
        )
        .await?;
        Ok(Wallet::new(changed, true))
    }
}
