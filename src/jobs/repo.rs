//! Queries over `jobs`, including the claim that lets many workers on many instances share one
//! queue without running a job twice.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType},
};
use serde_json::Value;
use uuid::Uuid;

use super::{Status, entity as job};
use crate::platform::{
    error::AppResult,
    paging::{PageRequest, split_page},
};

pub async fn insert(db: &impl ConnectionTrait, model: job::Model) -> AppResult<job::Model> {
    let active: job::ActiveModel = model.into();
    Ok(active.insert(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<job::Model>> {
    Ok(job::Entity::find_by_id(id).one(db).await?)
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, job::Model>> {
    let rows = job::Entity::find()
        .filter(job::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|j| (j.id, j)).collect())
}

#[derive(Debug, Clone, Copy)]
pub struct JobFilter {
    /// One owner's jobs; `None` for everyone's (admins).
    pub user_id: Option<Uuid>,
    pub status: Option<Status>,
}

/// Jobs newest first (ids are UUIDv7, so the id is the keyset).
pub async fn page(
    db: &impl ConnectionTrait,
    filter: JobFilter,
    page: &PageRequest<Uuid>,
) -> AppResult<(Vec<job::Model>, bool)> {
    let mut query = job::Entity::find()
        .order_by_desc(job::Column::Id)
        .limit(page.limit + 1);
    if let Some(user) = filter.user_id {
        query = query.filter(job::Column::OwnerId.eq(user));
    }
    if let Some(status) = filter.status {
        query = query.filter(job::Column::Status.eq(status.as_str()));
    }
    if let Some(cursor) = page.cursor {
        query = query.filter(job::Column::Id.lt(cursor));
    }
    Ok(split_page(query.all(db).await?, page.limit))
}

pub async fn count_with_status(
    db: &impl ConnectionTrait,
    user_id: Option<Uuid>,
    status: Status,
) -> AppResult<u64> {
    let mut query = job::Entity::find().filter(job::Column::Status.eq(status.as_str()));
    if let Some(user) = user_id {
        query = query.filter(job::Column::OwnerId.eq(user));
    }
    Ok(query.count(db).await?)
}

/// Claims one due job for `worker`: the oldest queued one whose backoff has passed, or a
/// running one whose worker stopped renewing its lease. On PostgreSQL the candidate row is
/// locked with `FOR UPDATE SKIP LOCKED`, so concurrent claimers pick different rows; on
/// SQLite one conditional update does it (SQLite runs each write statement alone).
pub async fn claim(
    db: &DatabaseConnection,
    worker: &str,
    now_ms: i64,
    lease_ms: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Option<job::Model>> {
    let due = Condition::any()
        .add(
            Condition::all()
                .add(job::Column::Status.eq(Status::Queued.as_str()))
                .add(job::Column::RunAfterMs.lte(now_ms)),
        )
        .add(
            Condition::all()
                .add(job::Column::Status.eq(Status::Running.as_str()))
                .add(job::Column::LeaseUntilMs.lt(now_ms)),
        );
    let mut candidate = job::Entity::find()
        .select_only()
        .column(job::Column::Id)
        .filter(due.clone())
        .order_by_asc(job::Column::RunAfterMs)
        .order_by_asc(job::Column::Id)
        .limit(1);
    let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
    if postgres {
        candidate = candidate.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let update = job::Entity::update_many()
        .col_expr(job::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .col_expr(job::Column::Status, Expr::value(Status::Running.as_str()))
        .col_expr(job::Column::Worker, Expr::value(worker))
        .col_expr(job::Column::LeaseUntilMs, Expr::value(now_ms + lease_ms))
        .col_expr(
            job::Column::Attempts,
            Expr::col(job::Column::Attempts).add(Expr::val(1)),
        )
        .col_expr(job::Column::StartedAt, Expr::value(now))
        // Re-checked on the row itself: the row may have moved on since it was picked.
        .filter(due);
    if postgres {
        // Pick and lock one row, then update exactly that row, in one transaction. (An
        // `UPDATE … WHERE id IN (SELECT … SKIP LOCKED LIMIT 1)` may rescan the subquery and
        // claim several rows at once.)
        let txn = db.begin().await?;
        let Some(id) = candidate.into_tuple::<Uuid>().one(&txn).await? else {
            txn.commit().await?;
            return Ok(None);
        };
        let claimed = update
            .filter(job::Column::Id.eq(id))
            .exec_with_returning(&txn)
            .await?;
        txn.commit().await?;
        return Ok(claimed.into_iter().next());
    }
    // SQLite runs one write statement at a time and evaluates the subquery once.
    let claimed = update
        .filter(job::Column::Id.in_subquery(sea_orm::QueryTrait::into_query(candidate)))
        .exec_with_returning(db)
        .await?;
    Ok(claimed.into_iter().next())
}

/// Renews `worker`'s lease and records progress. `None` when the worker no longer holds the
/// job (its lease ran out and another worker took it); otherwise whether cancellation was
/// requested.
pub async fn heartbeat(
    db: &impl ConnectionTrait,
    id: Uuid,
    worker: &str,
    lease_until_ms: i64,
    progress: i32,
) -> AppResult<Option<bool>> {
    let rows = job::Entity::update_many()
        .col_expr(job::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .col_expr(job::Column::LeaseUntilMs, Expr::value(lease_until_ms))
        .col_expr(job::Column::Progress, Expr::value(progress))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Worker.eq(worker))
        .filter(job::Column::Status.eq(Status::Running.as_str()))
        .exec_with_returning(db)
        .await?;
    Ok(rows.into_iter().next().map(|j| j.cancel_requested))
}

/// How a worker leaves a job it holds.
#[derive(Debug, Clone)]
pub enum Outcome {
    Succeeded(Value),
    /// Failed for good: a safe message and its code.
    Failed {
        error: String,
        code: String,
    },
    Cancelled,
    /// Queued again after `run_after_ms`; `refund` gives the attempt back (a hand-back on
    /// shutdown is not the job's fault).
    Requeue {
        /// The failed attempt's message and code.
        error: Option<(String, String)>,
        run_after_ms: i64,
        refund: bool,
    },
}

/// Applies `outcome` if `worker` still holds the job; the row as it now stands.
pub async fn release(
    db: &impl ConnectionTrait,
    id: Uuid,
    worker: &str,
    outcome: Outcome,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Option<job::Model>> {
    let mut update = job::Entity::update_many()
        .col_expr(job::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .col_expr(job::Column::Worker, Expr::value(Option::<String>::None))
        .col_expr(job::Column::LeaseUntilMs, Expr::value(Option::<i64>::None))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Worker.eq(worker))
        .filter(job::Column::Status.eq(Status::Running.as_str()));
    let finished = |update: sea_orm::UpdateMany<job::Entity>, status: Status| {
        update
            .col_expr(job::Column::Status, Expr::value(status.as_str()))
            .col_expr(job::Column::FinishedAt, Expr::value(now))
    };
    update = match outcome {
        Outcome::Succeeded(result) => finished(update, Status::Succeeded)
            .col_expr(job::Column::Result, Expr::value(result))
            .col_expr(job::Column::Progress, Expr::value(10_000))
            .col_expr(job::Column::Error, Expr::value(Option::<String>::None))
            .col_expr(job::Column::ErrorCode, Expr::value(Option::<String>::None)),
        Outcome::Failed { error, code } => finished(update, Status::Failed)
            .col_expr(job::Column::Error, Expr::value(error))
            .col_expr(job::Column::ErrorCode, Expr::value(code)),
        Outcome::Cancelled => finished(update, Status::Cancelled),
        Outcome::Requeue {
            error,
            run_after_ms,
            refund,
        } => {
            let mut update = update
                .col_expr(job::Column::Status, Expr::value(Status::Queued.as_str()))
                .col_expr(job::Column::RunAfterMs, Expr::value(run_after_ms))
                .col_expr(job::Column::Progress, Expr::value(0));
            if let Some((error, code)) = error {
                update = update
                    .col_expr(job::Column::Error, Expr::value(error))
                    .col_expr(job::Column::ErrorCode, Expr::value(code));
            }
            if refund {
                update = update.col_expr(
                    job::Column::Attempts,
                    Expr::col(job::Column::Attempts).sub(Expr::val(1)),
                );
            }
            update
        }
    };
    Ok(update.exec_with_returning(db).await?.into_iter().next())
}

/// Cancels a queued job at once; the row when it was queued.
pub async fn cancel_queued(
    db: &impl ConnectionTrait,
    id: Uuid,
    owner: Option<Uuid>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Option<job::Model>> {
    let rows = owned_update(owner)
        .col_expr(job::Column::Status, Expr::value(Status::Cancelled.as_str()))
        .col_expr(job::Column::FinishedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.eq(Status::Queued.as_str()))
        .exec_with_returning(db)
        .await?;
    Ok(rows.into_iter().next())
}

/// Asks the worker of a running job to stop; the row when it was running.
pub async fn request_cancel(
    db: &impl ConnectionTrait,
    id: Uuid,
    owner: Option<Uuid>,
) -> AppResult<Option<job::Model>> {
    let rows = owned_update(owner)
        .col_expr(job::Column::CancelRequested, Expr::value(true))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.eq(Status::Running.as_str()))
        .exec_with_returning(db)
        .await?;
    Ok(rows.into_iter().next())
}

/// Queues a failed or cancelled job again with a fresh set of attempts.
pub async fn requeue_finished(
    db: &impl ConnectionTrait,
    id: Uuid,
    owner: Option<Uuid>,
    now_ms: i64,
) -> AppResult<Option<job::Model>> {
    let rows = owned_update(owner)
        .col_expr(job::Column::Status, Expr::value(Status::Queued.as_str()))
        .col_expr(job::Column::Attempts, Expr::value(0))
        .col_expr(job::Column::Progress, Expr::value(0))
        .col_expr(job::Column::RunAfterMs, Expr::value(now_ms))
        .col_expr(job::Column::CancelRequested, Expr::value(false))
        .col_expr(job::Column::Error, Expr::value(Option::<String>::None))
        .col_expr(job::Column::ErrorCode, Expr::value(Option::<String>::None))
        .col_expr(job::Column::Result, Expr::value(Option::<Value>::None))
        .col_expr(
            job::Column::FinishedAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.is_in([Status::Failed.as_str(), Status::Cancelled.as_str()]))
        .exec_with_returning(db)
        .await?;
    Ok(rows.into_iter().next())
}

/// An update of one owner's jobs (`None`: anyone's, for admins). Writes come first in a
/// transaction, so SQLite takes its write lock at once.
fn owned_update(owner: Option<Uuid>) -> sea_orm::UpdateMany<job::Entity> {
    let update = job::Entity::update_many()
        .col_expr(job::Column::UpdatedAt, Expr::value(chrono::Utc::now()));
    match owner {
        Some(owner) => update.filter(job::Column::OwnerId.eq(owner)),
        None => update,
    }
}

/// The owner of each job (by job id), in one statement: a job page's read-ahead.
pub async fn owners_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, crate::users::UserModel>> {
    crate::platform::read_ahead::to_one::<job::Entity, crate::users::UserEntity>(
        db, ids, "owner_id",
    )
    .await
}
