//! The file lists' lookahead plans (see `graphql::plan`): each file's folder.

use async_graphql::{Context, Result};
use uuid::Uuid;

use super::loaders::FileNodeById;
use crate::{
    files::{NodeModel, read_ahead},
    graphql::{context::ContextExt, plan::Plan},
};

/// A page of files from anywhere in the tree (a search): their folders in one statement.
pub async fn files<'a>(ctx: &'a Context<'a>, rows: &[NodeModel]) -> Result<()> {
    let Some(plan) = Plan::connection(ctx)? else {
        return Ok(());
    };
    if !plan.wants("folder") {
        return Ok(());
    }
    let ids: Vec<Uuid> = rows.iter().map(|f| f.id).collect();
    let parents = read_ahead::parents(&ctx.state()?.db, &ids).await?;
    plan.prime::<FileNodeById, _>(parents.into_values().map(|p| (p.id, p)))
}

/// A page of one folder's files: their folder is that folder, already at hand.
pub fn files_in<'a>(ctx: &'a Context<'a>, folder: &NodeModel) -> Result<()> {
    if let Some(plan) = Plan::connection(ctx)?.filter(|p| p.wants("folder")) {
        plan.prime::<FileNodeById, _>([(folder.id, folder.clone())])?;
    }
    Ok(())
}
