use async_graphql::{Context, ID, InputObject, Json, Object, Result};
use serde_json::Value;
use uuid::Uuid;

use super::types::{Job, JobKind};
use crate::{
    graphql::{context::ContextExt, ids, node::NodeType},
    jobs,
    platform::error::AppError,
};

/// Cache tags each mutation writes (the registry tests hold every Mutation field to this).
pub const MUTATION_TAGS: &[(&str, &[&str])] = &[
    ("submitJob", &["Job", "Event"]),
    ("cancelJob", &["Job", "Event"]),
    ("retryJob", &["Job", "Event"]),
];

#[derive(InputObject)]
pub struct SubmitJobInput {
    pub kind: JobKind,
    /// Per kind: CHAIN_VERIFY `{}`; WALLET_STATEMENT `{address, from?, to?}` (one of your
    /// wallets, RFC 3339 instants); MINE_BLOCK `{maxTransactions?}` (1–100).
    pub payload: Option<Json<Value>>,
}

#[derive(InputObject)]
pub struct CancelJobInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct RetryJobInput {
    pub id: ID,
}

fn job_id(id: &ID) -> Result<Uuid, AppError> {
    match ids::decode(id, "id")? {
        (NodeType::Job, uuid) => Ok(uuid),
        _ => Err(AppError::bad_input("id", "not a job id")),
    }
}

#[derive(Default)]
pub struct JobsMutation;

#[Object]
impl JobsMutation {
    /// Queues a job; a worker on any instance runs it. Follow it with `jobUpdated`.
    async fn submit_job(&self, ctx: &Context<'_>, input: SubmitJobInput) -> Result<Job> {
        let viewer = ctx.viewer()?.require()?;
        let payload = input.payload.map_or_else(|| serde_json::json!({}), |p| p.0);
        let job = jobs::submit(
            ctx.state()?,
            &ctx.audit(),
            &viewer.user,
            input.kind.into(),
            payload,
        )
        .await?;
        Ok(Job(job))
    }

    /// A queued job is cancelled at once; a running one stops at its worker's next heartbeat
    /// (`cancelRequested` until then).
    async fn cancel_job(&self, ctx: &Context<'_>, input: CancelJobInput) -> Result<Job> {
        let viewer = ctx.viewer()?.require()?;
        let id = job_id(&input.id)?;
        let job = jobs::cancel(ctx.state()?, &ctx.audit(), &viewer.user, id).await?;
        Ok(Job(job))
    }

    /// Queues a failed or cancelled job again, with fresh attempts.
    async fn retry_job(&self, ctx: &Context<'_>, input: RetryJobInput) -> Result<Job> {
        let viewer = ctx.viewer()?.require()?;
        let id = job_id(&input.id)?;
        let job = jobs::retry(ctx.state()?, &ctx.audit(), &viewer.user, id).await?;
        Ok(Job(job))
    }
}
