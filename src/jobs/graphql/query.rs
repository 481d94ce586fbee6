use async_graphql::{Context, ID, Object, Result};
use uuid::Uuid;

use super::types::{JOB_CURSOR, Job, JobConnection, JobStatus, job_connection};
use crate::{
    graphql::{
        context::ContextExt,
        ids,
        node::{NodeObject, NodeType},
        plan::Plan,
    },
    jobs::{self, JobFilter},
    platform::{error::AppError, paging},
    users::graphql::UserById,
};

#[derive(Default)]
pub struct JobsQuery;

#[Object]
impl JobsQuery {
    /// The viewer's jobs, newest first; an admin sees everyone's.
    #[graphql(complexity = "crate::platform::paging::cost(first, None, child_complexity)")]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        status: Option<JobStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<JobConnection> {
        let viewer = ctx.viewer()?.require()?;
        let page = paging::forward::<Uuid>(JOB_CURSOR, first, after.as_deref())?;
        let filter = JobFilter {
            user_id: (!viewer.user.is_admin).then_some(viewer.user.id),
            status: status.map(Into::into),
        };
        let db = &ctx.state()?.db;
        let (rows, more) = jobs::page(db, filter, &page).await?;
        // Lookahead plan (see `graphql::plan`): the owners in one statement.
        if let Some(plan) = Plan::connection(ctx)?.filter(|p| p.wants("owner")) {
            let ids: Vec<Uuid> = rows.iter().map(|j| j.id).collect();
            let owners = jobs::owners_of(db, &ids).await?;
            plan.prime::<UserById, _>(owners.into_values().map(|u| (u.id, u)))?;
        }
        Ok(job_connection(rows, more, page.cursor.is_some()))
    }

    /// One of the viewer's jobs; null when it does not exist or is someone else's.
    async fn job(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Job>> {
        ctx.viewer()?.require()?;
        match ids::decode(&id, "id")? {
            (NodeType::Job, uuid) => Job::fetch(ctx, uuid).await,
            _ => Err(AppError::bad_input("id", "not a job id").into()),
        }
    }
}
