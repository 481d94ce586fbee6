use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use crate::{
    chain::{
        loaders::MinerBlocksKey,
        types::{
            BLOCK_CURSOR, BlockConnection, BlockTotal, MinerStats, block_connection, miner_stats_of,
        },
    },
    entities::user,
    error::AppError,
    graphql::{
        context::ContextExt,
        ids::{self, NodeType},
        pagination,
    },
    wallet::types::Wallet,
};

/// A registered account. Private fields (email, last login, wallets) are visible only to the
/// user themself and to admins.
pub struct User {
    pub model: user::Model,
    /// Set when the response itself proves the caller is this user (the payload of
    /// register, login or refresh), before any token was sent.
    pub owner_view: bool,
}

impl User {
    pub fn new(model: user::Model) -> Self {
        Self {
            model,
            owner_view: false,
        }
    }

    pub fn owned(model: user::Model) -> Self {
        Self {
            model,
            owner_view: true,
        }
    }

    /// Every wallet of this user, through the batched loader.
    async fn all_wallets(&self, ctx: &Context<'_>) -> Result<Vec<Wallet>> {
        let wallets = ctx
            .loaders()?
            .wallets_by_owner
            .load_one(self.model.id)
            .await?;
        Ok(wallets
            .unwrap_or_default()
            .into_iter()
            .map(|w| Wallet::new(w, self.owner_view))
            .collect())
    }

    fn private_visible(&self, ctx: &Context<'_>) -> bool {
        self.owner_view
            || ctx
                .viewer()
                .is_ok_and(|v| v.can_see_private_of(self.model.id))
    }
}

#[Object(cache_control(max_age = 30))]
impl User {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::User, self.model.id)
    }

    async fn username(&self) -> &str {
        &self.model.username
    }

    /// Null unless the viewer is this user or an admin.
    #[graphql(cache_control(private))]
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(self
            .private_visible(ctx)
            .then_some(self.model.email.as_str()))
    }

    async fn full_name(&self) -> Option<&str> {
        self.model.full_name.as_deref()
    }

    async fn avatar_url(&self) -> Option<&str> {
        self.model.avatar_url.as_deref()
    }

    async fn bio(&self) -> Option<&str> {
        self.model.bio.as_deref()
    }

    async fn is_verified(&self) -> bool {
        self.model.is_verified
    }

    async fn is_admin(&self) -> bool {
        self.model.is_admin
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// Null unless the viewer is this user or an admin.
    #[graphql(cache_control(private))]
    async fn last_login_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .model
            .last_login_at
            .filter(|_| self.private_visible(ctx)))
    }

    /// The wallet others pay this user into; its address and balance are public.
    async fn primary_wallet(&self, ctx: &Context<'_>) -> Result<Option<Wallet>> {
        Ok(self
            .all_wallets(ctx)
            .await?
            .into_iter()
            .find(|w| w.model.is_primary))
    }

    async fn miner_stats(&self, ctx: &Context<'_>) -> Result<MinerStats> {
        miner_stats_of(
            ctx,
            User {
                model: self.model.clone(),
                owner_view: self.owner_view,
            },
        )
        .await
    }

    /// Blocks this user mined, newest first.
    #[graphql(complexity = "crate::graphql::pagination::cost(first, None, child_complexity)")]
    async fn blocks_mined(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<BlockConnection> {
        let page = pagination::forward::<i64>(BLOCK_CURSOR, first, after.as_deref())?;
        let key = MinerBlocksKey {
            miner: self.model.id,
            limit: page.limit + 1,
            before_index: page.cursor,
        };
        let rows = ctx
            .loaders()?
            .blocks_by_miner
            .load_one(key)
            .await?
            .unwrap_or_default();
        let (rows, more) = pagination::split_page(rows, page.limit);
        Ok(block_connection(
            rows,
            more,
            page.cursor.is_some(),
            BlockTotal::Miner(self.model.id),
        ))
    }

    /// Every wallet of this user; FORBIDDEN unless the viewer is this user or an admin.
    #[graphql(cache_control(private))]
    async fn wallets(&self, ctx: &Context<'_>) -> Result<Vec<Wallet>> {
        if !self.private_visible(ctx) {
            ctx.viewer()?.require()?;
            return Err(AppError::Forbidden("only the owner can list a user's wallets").into());
        }
        self.all_wallets(ctx).await
    }
}
