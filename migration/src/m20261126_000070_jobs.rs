//! Prism jobs: the initial migration created the `jobs` table before anything ran jobs; this
//! adds what workers need to share it: attempts allowed, the retry backoff, the lease and its
//! holder, and cancellation of a running job. Times a worker compares (`run_after_ms`,
//! `lease_until_ms`) are epoch milliseconds, so they compare the same on PostgreSQL and
//! SQLite. `progress` stays the initial integer column, in basis points (0–10000).

use sea_orm_migration::prelude::*;

use crate::columns::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    MaxAttempts,
    RunAfterMs,
    LeaseUntilMs,
    Worker,
    CancelRequested,
}

fn columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new(Jobs::MaxAttempts)
            .integer()
            .not_null()
            .default(3)
            .to_owned(),
        ColumnDef::new(Jobs::RunAfterMs)
            .big_integer()
            .not_null()
            .default(0)
            .to_owned(),
        ColumnDef::new(Jobs::LeaseUntilMs)
            .big_integer()
            .null()
            .to_owned(),
        ColumnDef::new(Jobs::Worker).string().null().to_owned(),
        ColumnDef::new(Jobs::CancelRequested)
            .boolean()
            .not_null()
            .default(false)
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds only one at a time.
        for mut column in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Jobs::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // The owner's list (newest first, keyset on the UUIDv7 id).
        manager
            .create_index(index("idx_jobs_owner_id", Jobs::Table, &["owner_id", "id"]))
            .await?;
        // Claiming: the oldest due queued job, or a running one whose lease ran out.
        manager
            .create_index(index(
                "idx_jobs_claim",
                Jobs::Table,
                &["status", "run_after_ms"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_jobs_claim", "idx_jobs_owner_id"] {
            manager
                .drop_index(Index::drop().name(name).table(Jobs::Table).to_owned())
                .await?;
        }
        for column in [
            Jobs::CancelRequested,
            Jobs::Worker,
            Jobs::LeaseUntilMs,
            Jobs::RunAfterMs,
            Jobs::MaxAttempts,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Jobs::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
