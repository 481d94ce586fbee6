use async_graphql::{Context, Object, Result};
use uuid::Uuid;

use super::{
    plan,
    types::{
        BLOCK_CURSOR, Block, BlockConnection, BlockTotal, ChainStats, ChainVerification,
        MinerStats, TX_CURSOR, Transaction, TransactionConnection, TransactionStatus, TxTotal,
        block_connection, miner_stats_of, not_found, tx_connection_of,
    },
};
use crate::{
    chain::{self as service, TxFilter},
    graphql::{context::ContextExt, direct::Direct},
    platform::{
        error::AppError,
        paging::{self as pagination, Direction},
    },
    users::{self, graphql::UserRef},
};

#[derive(Default)]
pub struct ChainQuery;

#[Object]
impl ChainQuery {
    /// Blocks, newest first.
    #[graphql(
        cache_control(max_age = 30),
        complexity = "crate::platform::paging::cost(first, last, child_complexity)"
    )]
    async fn blocks(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Direct<BlockConnection>> {
        let page = pagination::bidirectional::<i64>(
            BLOCK_CURSOR,
            first,
            after.as_deref(),
            last,
            before.as_deref(),
        )?;
        let (rows, more) = plan::blocks_page(ctx, &page).await?;
        let (has_next, has_previous) = match page.direction {
            Direction::Forward => (more, page.cursor.is_some()),
            Direction::Backward => (page.cursor.is_some(), more),
        };
        let connection = block_connection(rows, has_next, has_previous, BlockTotal::All);
        Ok(Direct(connection))
    }

    /// A block by index or by hash (exactly one of them).
    #[graphql(cache_control(max_age = 60))]
    async fn block(
        &self,
        ctx: &Context<'_>,
        index: Option<i32>,
        hash: Option<String>,
    ) -> Result<Option<Block>> {
        let db = &ctx.state()?.db;
        let found = match (index, hash) {
            (Some(index), None) => service::block_by_index(db, index as i64).await?,
            (None, Some(hash)) => service::block_by_hash(db, hash.trim()).await?,
            _ => {
                return Err(
                    AppError::bad_input("index", "give exactly one of index or hash").into(),
                );
            }
        };
        Ok(found.map(Block::new))
    }

    /// Transactions, newest first, optionally of one address (either side) or one status.
    #[graphql(
        cache_control(max_age = 10),
        complexity = "crate::platform::paging::cost(first, None, child_complexity)"
    )]
    async fn transactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        address: Option<String>,
        status: Option<TransactionStatus>,
    ) -> Result<Direct<TransactionConnection>> {
        let page = pagination::forward::<Uuid>(TX_CURSOR, first, after.as_deref())?;
        let filter = TxFilter {
            address: address.map(|a| a.trim().to_owned()),
            status: status.map(TransactionStatus::as_db),
        };
        let (rows, more) =
            service::transactions_page(&ctx.state()?.db, &filter, &page, false).await?;
        let rows = plan::transactions(ctx, rows).await?;
        let connection =
            tx_connection_of(rows, more, page.cursor.is_some(), TxTotal::Filter(filter));
        Ok(Direct(connection))
    }

    #[graphql(cache_control(max_age = 10))]
    async fn transaction(&self, ctx: &Context<'_>, hash: String) -> Result<Option<Transaction>> {
        Ok(service::transaction_by_hash(&ctx.state()?.db, hash.trim())
            .await?
            .map(Transaction::new))
    }

    /// The pool waiting to be mined, oldest (next to be mined) first.
    #[graphql(
        cache_control(max_age = 5),
        complexity = "crate::platform::paging::cost(first, None, child_complexity)"
    )]
    async fn pending_transactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Direct<TransactionConnection>> {
        let page = pagination::forward::<Uuid>(TX_CURSOR, first, after.as_deref())?;
        let filter = TxFilter {
            address: None,
            status: Some(TransactionStatus::Pending.as_db()),
        };
        let (rows, more) =
            service::transactions_page(&ctx.state()?.db, &filter, &page, true).await?;
        let rows = plan::transactions(ctx, rows).await?;
        let connection =
            tx_connection_of(rows, more, page.cursor.is_some(), TxTotal::Filter(filter));
        Ok(Direct(connection))
    }

    #[graphql(cache_control(max_age = 5))]
    async fn chain_stats(&self, ctx: &Context<'_>) -> Result<ChainStats> {
        let state = ctx.state()?;
        let stats = service::chain_stats(&state.db).await?;
        Ok(ChainStats::new(stats, state.config.chain.chain_difficulty))
    }

    /// Re-hashes every block and transaction and checks links, proof of work and signatures.
    #[graphql(cache_control(max_age = 30))]
    async fn verify_chain(&self, ctx: &Context<'_>) -> Result<ChainVerification> {
        Ok(service::verify_chain(&ctx.state()?.db).await?.into())
    }

    /// Mining statistics of `username`, or of the viewer when omitted.
    #[graphql(cache_control(max_age = 10, private))]
    async fn miner_stats(&self, ctx: &Context<'_>, username: Option<String>) -> Result<MinerStats> {
        let user = match username {
            Some(name) => users::find_by_username(&ctx.state()?.db, &name)
                .await?
                .filter(|u| u.is_active)
                .ok_or_else(|| not_found("user"))?,
            None => ctx.viewer()?.require()?.user.clone(),
        };
        miner_stats_of(ctx, UserRef::new(user, false)).await
    }
}
