//! RoadMail: one row per copy of a message (the sender's and each recipient's), and the
//! recipient list of each sending, shared by its copies.

use sea_orm_migration::prelude::*;

use crate::columns::{flag, index, int, text, ts, user_fk, uuid_col, uuid_null, uuid_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailMessages {
    Table,
    Id,
    OwnerId,
    SenderId,
    MessageKey,
    ThreadKey,
    InReplyToKey,
    Subject,
    Body,
    SearchText,
    Folder,
    Outgoing,
    IsRead,
    SentAt,
}

#[derive(DeriveIden)]
enum MailRecipients {
    Table,
    MessageKey,
    Position,
    UserId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailMessages::Table)
                    .col(uuid_pk(MailMessages::Id))
                    .col(uuid_col(MailMessages::OwnerId))
                    .col(uuid_col(MailMessages::SenderId))
                    .col(uuid_col(MailMessages::MessageKey))
                    .col(uuid_col(MailMessages::ThreadKey))
                    .col(uuid_null(MailMessages::InReplyToKey))
                    .col(text(MailMessages::Subject))
                    .col(text(MailMessages::Body))
                    .col(text(MailMessages::SearchText))
                    .col(text(MailMessages::Folder))
                    .col(flag(MailMessages::Outgoing, false))
                    .col(flag(MailMessages::IsRead, false))
                    .col(ts(MailMessages::SentAt))
                    .foreign_key(&mut user_fk(MailMessages::Table, MailMessages::OwnerId))
                    .foreign_key(&mut user_fk(MailMessages::Table, MailMessages::SenderId))
                    .to_owned(),
            )
            .await?;
        // A folder's list (newest first, keyset on id), the unread count, a conversation and
        // the viewer's copy of a sending.
        for (name, cols) in [
            ("idx_mail_owner_folder", &["owner_id", "folder", "id"][..]),
            ("idx_mail_owner_unread", &["owner_id", "folder", "is_read"]),
            ("idx_mail_owner_thread", &["owner_id", "thread_key"]),
            ("idx_mail_owner_message", &["owner_id", "message_key"]),
        ] {
            manager
                .create_index(index(name, MailMessages::Table, cols))
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(MailRecipients::Table)
                    .col(uuid_col(MailRecipients::MessageKey))
                    .col(int(MailRecipients::Position))
                    .col(uuid_col(MailRecipients::UserId))
                    .primary_key(
                        Index::create()
                            .col(MailRecipients::MessageKey)
                            .col(MailRecipients::Position),
                    )
                    .foreign_key(&mut user_fk(MailRecipients::Table, MailRecipients::UserId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailRecipients::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(MailMessages::Table).to_owned())
            .await
    }
}
