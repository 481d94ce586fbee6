//! Devices: a user's registered machines, their last heartbeat and status.

use sea_orm_migration::prelude::*;

use crate::columns::{
    flag, index, json_null, text, text_null, ts, ts_null, user_fk, uuid_col, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
    UserId,
    Name,
    Kind,
    Platform,
    Status,
    LastSeenAt,
    OfflineAnnounced,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Devices::Table)
                    .col(uuid_pk(Devices::Id))
                    .col(uuid_col(Devices::UserId))
                    .col(text(Devices::Name))
                    .col(text(Devices::Kind))
                    .col(text_null(Devices::Platform))
                    .col(json_null(Devices::Status))
                    .col(ts_null(Devices::LastSeenAt))
                    .col(flag(Devices::OfflineAnnounced, true))
                    .col(ts(Devices::CreatedAt))
                    .foreign_key(&mut user_fk(Devices::Table, Devices::UserId))
                    .to_owned(),
            )
            .await?;
        // The viewer's list and online count; the watcher's next expiring heartbeat.
        manager
            .create_index(index(
                "idx_devices_user",
                Devices::Table,
                &["user_id", "last_seen_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_devices_pending_offline",
                Devices::Table,
                &["offline_announced", "last_seen_at"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Devices::Table).to_owned())
            .await
    }
}
