//! The mining fields of `User`.

use async_graphql::{Context, Object, Result};

use super::{
    loaders::BlocksByMiner,
    types::{
        BLOCK_CURSOR, Block, BlockConnection, BlockTotal, MinerStats, block_connection,
        miner_stats_of,
    },
};
use crate::{
    chain::batched::MinerBlocksKey, graphql::context::ContextExt, platform::paging,
    users::graphql::UserRef,
};

pub struct UserMining(pub UserRef);

#[Object]
impl UserMining {
    async fn miner_stats(&self, ctx: &Context<'_>) -> Result<MinerStats> {
        miner_stats_of(ctx, self.0.clone()).await
    }

    /// Blocks this user mined, newest first.
    #[graphql(complexity = "crate::platform::paging::cost(first, None, child_complexity)")]
    async fn blocks_mined(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<BlockConnection> {
        let page = paging::forward::<i64>(BLOCK_CURSOR, first, after.as_deref())?;
        let key = MinerBlocksKey {
            miner: self.0.model.id,
            limit: page.limit + 1,
            before_index: page.cursor,
        };
        let rows = ctx
            .loader::<BlocksByMiner>()?
            .load_one(key)
            .await?
            .unwrap_or_default();
        let (rows, more) = paging::split_page(rows, page.limit);
        Ok(block_connection(
            rows.into_iter().map(Block::new).collect(),
            more,
            page.cursor.is_some(),
            BlockTotal::Miner(self.0.model.id),
        ))
    }
}
