use async_graphql::{Context, ID, Result, Subscription};
use futures_util::Stream;

use super::types::Job;
use crate::{
    graphql::{context::ContextExt, ids, node::NodeType, subscriptions::receive},
    jobs::JobUpdated,
    platform::error::AppError,
};

#[derive(Default)]
pub struct JobsSubscription;

#[Subscription]
impl JobsSubscription {
    /// The viewer's jobs as they change (status and progress), from any instance: one job
    /// (`id`) or all of them. An admin following one job may follow anyone's, and with
    /// `allUsers: true` every user's jobs (FORBIDDEN for others).
    async fn job_updated(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        #[graphql(default = false)] all_users: bool,
    ) -> Result<impl Stream<Item = Result<Job>> + use<>> {
        let viewer = if all_users {
            ctx.viewer()?
                .require_admin("only admins may follow every user's jobs")?
        } else {
            ctx.viewer()?.require()?
        };
        let (me, admin) = (viewer.user.id, viewer.user.is_admin);
        let only = match id {
            None => None,
            Some(id) => match ids::decode(&id, "id")? {
                (NodeType::Job, uuid) => Some(uuid),
                _ => return Err(AppError::bad_input("id", "not a job id").into()),
            },
        };
        let sub = ctx.state()?.bus.subscribe::<JobUpdated>();
        Ok(receive(sub, move |m| {
            let job = &m.job;
            let visible = all_users || job.owner_id == me || (admin && only.is_some());
            (visible && only.is_none_or(|id| id == job.id)).then(|| Job(job.clone()))
        }))
    }
}
