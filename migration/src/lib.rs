//! Schema migrations for blackroad-api. One file per migration; a landed migration is never
//! edited, only followed by a new one.

pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod columns;
mod genesis;
mod m20261125_000001_initial;
mod m20261126_000010_notifications;
mod m20261126_000020_social;
mod m20261126_000030_video;
mod m20261126_000040_mail;
mod m20261126_000050_devices;
mod m20261126_000060_files;
mod m20261126_000070_jobs;
mod m20261126_000080_ai;
mod m20261126_000090_job_error_code;

pub use genesis::{GENESIS_BLOCK_ID, GENESIS_PREVIOUS_HASH, block_hash, genesis_timestamp};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_initial::Migration),
            Box::new(m20261126_000010_notifications::Migration),
            Box::new(m20261126_000020_social::Migration),
            Box::new(m20261126_000030_video::Migration),
            Box::new(m20261126_000040_mail::Migration),
            Box::new(m20261126_000050_devices::Migration),
            Box::new(m20261126_000060_files::Migration),
            Box::new(m20261126_000070_jobs::Migration),
            Box::new(m20261126_000080_ai::Migration),
            Box::new(m20261126_000090_job_error_code::Migration),
        ]
    }
}
