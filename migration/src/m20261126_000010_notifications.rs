//! Notifications: what happened to a user's things, for that user.

use sea_orm_migration::prelude::*;

use crate::columns::{flag, index, text, text_null, ts, user_fk, uuid_col, uuid_null, uuid_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    Title,
    Body,
    SubjectType,
    SubjectId,
    IsRead,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(uuid_pk(Notifications::Id))
                    .col(uuid_col(Notifications::UserId))
                    .col(text(Notifications::Kind))
                    .col(text(Notifications::Title))
                    .col(text_null(Notifications::Body))
                    .col(text_null(Notifications::SubjectType))
                    .col(uuid_null(Notifications::SubjectId))
                    .col(flag(Notifications::IsRead, false))
                    .col(ts(Notifications::CreatedAt))
                    .foreign_key(&mut user_fk(Notifications::Table, Notifications::UserId))
                    .to_owned(),
            )
            .await?;
        // The viewer's list (newest first, keyset on id) and the unread count.
        manager
            .create_index(index(
                "idx_notifications_user",
                Notifications::Table,
                &["user_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_notifications_unread",
                Notifications::Table,
                &["user_id", "is_read"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await
    }
}
