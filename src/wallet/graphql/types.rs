use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::loaders::WalletById;
use crate::{
    chain::graphql::{
        PendingIncoming, TX_CURSOR, TransactionConnection, TransactionStatus, TxTotal,
        WalletTransactions, WalletTxKey, tx_connection,
    },
    graphql::{
        context::ContextExt,
        node::{NodeObject, NodeType},
        schema::User,
    },
    platform::{error::AppError, money::Amount, paging},
    users::{
        UserModel,
        graphql::{UserById, UserRef},
    },
    wallet::WalletModel,
};

/// A RoadCoin wallet. Address and balance are public; the label is the owner's.
#[derive(Clone)]
pub struct Wallet {
    pub model: WalletModel,
    /// Inherited from a `User` seen by its owner (see `UserRef::owner_view`).
    pub owner_view: bool,
    /// The owner, when a list read it ahead with the wallet.
    pub owner: Option<Arc<UserModel>>,
}

impl Wallet {
    pub fn new(model: WalletModel, owner_view: bool) -> Self {
        Self {
            model,
            owner_view,
            owner: None,
        }
    }

    /// A wallet seen by anyone, with its owner read ahead.
    pub fn read_ahead(model: WalletModel, owner: Option<Arc<UserModel>>) -> Self {
        Self {
            model,
            owner_view: false,
            owner,
        }
    }
}

impl NodeObject for Wallet {
    const KIND: NodeType = NodeType::Wallet;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        let wallet = ctx.loader::<WalletById>()?.load_one(id).await?;
        Ok(wallet.map(|w| Wallet::new(w, false)))
    }
}

#[Object(cache_control(max_age = 10))]
impl Wallet {
    pub async fn id(&self) -> ID {
        Self::node_id(self.model.id)
    }

    async fn address(&self) -> &str {
        &self.model.address
    }

    /// Null unless the viewer owns the wallet (or is an admin).
    #[graphql(cache_control(private))]
    async fn label(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let visible = self.owner_view || ctx.viewer()?.can_see_private_of(self.model.user_id);
        Ok(self.model.label.as_deref().filter(|_| visible))
    }

    async fn is_primary(&self) -> bool {
        self.model.is_primary
    }

    async fn balance(&self) -> Amount {
        Amount(self.model.balance)
    }

    async fn owner(&self, ctx: &Context<'_>) -> Result<User> {
        if let Some(model) = &self.owner {
            return Ok(User::from_ref(UserRef {
                model: model.clone(),
                owner_view: false,
            }));
        }
        let owner = ctx
            .loader::<UserById>()?
            .load_one(self.model.user_id)
            .await?;
        owner.map(User::new).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("wallet {} has no owner", self.model.id)).into()
        })
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// Sum of pending transfers to this wallet, credited when mined.
    async fn pending_incoming(&self, ctx: &Context<'_>) -> Result<Amount> {
        let total = ctx
            .loader::<PendingIncoming>()?
            .load_one(self.model.address.clone())
            .await?;
        Ok(Amount(total.unwrap_or(0)))
    }

    /// Transfers from or to this wallet, newest first.
    #[graphql(complexity = "crate::platform::paging::cost(first, None, child_complexity)")]
    async fn transactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<TransactionStatus>,
    ) -> Result<TransactionConnection> {
        let page = paging::forward::<Uuid>(TX_CURSOR, first, after.as_deref())?;
        let status = status.map(|s| s.as_db().to_owned());
        let key = WalletTxKey {
            address: self.model.address.clone(),
            status: status.clone(),
            limit: page.limit + 1,
            after: page.cursor,
        };
        let rows = ctx
            .loader::<WalletTransactions>()?
            .load_one(key)
            .await?
            .unwrap_or_default();
        let (rows, more) = paging::split_page(rows, page.limit);
        let total = TxTotal::Wallet(self.model.address.clone(), status);
        Ok(tx_connection(rows, more, page.cursor.is_some(), total))
    }
}
