use async_graphql::{
    Context, Enum, ID, Json, Object, Result,
    connection::{Connection, Edge, EmptyFields},
};
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::loaders::JobById;
use crate::{
    graphql::{
        context::ContextExt,
        node::{NodeObject, NodeType},
        schema::User,
    },
    jobs::{JobModel, Kind, Status},
    platform::{error::AppError, paging::encode_cursor},
    users::graphql::UserById,
};

pub const JOB_CURSOR: &str = "job";

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum JobKind {
    ChainVerify,
    WalletStatement,
    MineBlock,
}

impl From<JobKind> for Kind {
    fn from(kind: JobKind) -> Self {
        match kind {
            JobKind::ChainVerify => Kind::ChainVerify,
            JobKind::WalletStatement => Kind::WalletStatement,
            JobKind::MineBlock => Kind::MineBlock,
        }
    }
}

impl From<Kind> for JobKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::ChainVerify => JobKind::ChainVerify,
            Kind::WalletStatement => JobKind::WalletStatement,
            Kind::MineBlock => JobKind::MineBlock,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl From<JobStatus> for Status {
    fn from(status: JobStatus) -> Self {
        match status {
            JobStatus::Queued => Status::Queued,
            JobStatus::Running => Status::Running,
            JobStatus::Succeeded => Status::Succeeded,
            JobStatus::Failed => Status::Failed,
            JobStatus::Cancelled => Status::Cancelled,
        }
    }
}

impl From<Status> for JobStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Queued => JobStatus::Queued,
            Status::Running => JobStatus::Running,
            Status::Succeeded => JobStatus::Succeeded,
            Status::Failed => JobStatus::Failed,
            Status::Cancelled => JobStatus::Cancelled,
        }
    }
}

/// Background work of one user, run by the servers' worker pools. Only its owner (or an
/// admin) sees it. Never cached: workers change it between requests.
pub struct Job(pub JobModel);

impl NodeObject for Job {
    const KIND: NodeType = NodeType::Job;

    async fn fetch(ctx: &Context<'_>, id: Uuid) -> Result<Option<Self>> {
        let viewer = ctx.viewer()?;
        if viewer.user().is_none() {
            return Ok(None);
        }
        let job = ctx.loader::<JobById>()?.load_one(id).await?;
        Ok(job
            .filter(|j| viewer.can_see_private_of(j.owner_id))
            .map(Job))
    }
}

fn stored<T>(value: Option<T>, what: &str, stored: &str) -> Result<T> {
    value.ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown job {what} {stored}")).into())
}

#[Object]
impl Job {
    pub async fn id(&self) -> ID {
        Self::node_id(self.0.id)
    }

    async fn kind(&self) -> Result<JobKind> {
        stored(
            Kind::parse(&self.0.kind).map(Into::into),
            "kind",
            &self.0.kind,
        )
    }

    async fn status(&self) -> Result<JobStatus> {
        stored(
            Status::parse(&self.0.status).map(Into::into),
            "status",
            &self.0.status,
        )
    }

    /// 0..1, as of the worker's last heartbeat.
    async fn progress(&self) -> f64 {
        f64::from(self.0.progress) / 10_000.0
    }

    async fn payload(&self) -> Json<Value> {
        Json(self.0.payload.clone())
    }

    /// What a succeeded job produced (a small statement's CSV is inline under `csv`, a large
    /// one is a file of the owner's, under `file`).
    async fn result(&self) -> Option<Json<Value>> {
        self.0.result.clone().map(Json)
    }

    /// Why the last attempt failed (safe to show).
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }

    /// Why the last attempt failed, as a stable code: `QUOTA_EXCEEDED` (a statement file did
    /// not fit the owner's storage quota), `WORKER_LOST`, or an error code such as
    /// `BAD_USER_INPUT` or `INTERNAL`.
    async fn error_code(&self) -> Option<&str> {
        self.0.error_code.as_deref()
    }

    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    async fn max_attempts(&self) -> i32 {
        self.0.max_attempts
    }

    /// A running job the owner asked to stop; its worker stops at its next heartbeat.
    async fn cancel_requested(&self) -> bool {
        self.0.cancel_requested
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the latest attempt started.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }

    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }

    async fn owner(&self, ctx: &Context<'_>) -> Result<User> {
        let owner = ctx.loader::<UserById>()?.load_one(self.0.owner_id).await?;
        owner.map(User::new).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("job {} has no owner", self.0.id)).into()
        })
    }
}

pub type JobConnection = Connection<String, Job, EmptyFields>;

pub fn job_connection(rows: Vec<JobModel>, has_next: bool, has_previous: bool) -> JobConnection {
    let mut connection = Connection::new(has_previous, has_next);
    connection.edges.extend(
        rows.into_iter()
            .map(|j| Edge::new(encode_cursor(JOB_CURSOR, j.id), Job(j))),
    );
    connection
}
