//! Schema migrations for blackroad-api. One file per migration; a landed migration is never
//! edited, only followed by a new one.

pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod genesis;
mod m20261125_000001_initial;

pub use genesis::{GENESIS_BLOCK_ID, GENESIS_PREVIOUS_HASH, block_hash, genesis_timestamp};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20261125_000001_initial::Migration)]
    }
}
