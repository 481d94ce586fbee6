//! AI chat: a user's conversations and their messages (the assistant's replies included).

use sea_orm_migration::prelude::*;

use crate::columns::{index, text, text_null, ts, user_fk, uuid_col, uuid_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
    UserId,
    Title,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ChatMessages {
    Table,
    Id,
    ConversationId,
    UserId,
    Role,
    Content,
    Status,
    ErrorCode,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Conversations::Table)
                    .col(uuid_pk(Conversations::Id))
                    .col(uuid_col(Conversations::UserId))
                    .col(text(Conversations::Title))
                    .col(ts(Conversations::CreatedAt))
                    .col(ts(Conversations::UpdatedAt))
                    .foreign_key(&mut user_fk(Conversations::Table, Conversations::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_conversations_user",
                Conversations::Table,
                &["user_id", "id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChatMessages::Table)
                    .col(uuid_pk(ChatMessages::Id))
                    .col(uuid_col(ChatMessages::ConversationId))
                    .col(uuid_col(ChatMessages::UserId))
                    .col(text(ChatMessages::Role))
                    .col(ColumnDef::new(ChatMessages::Content).text().not_null())
                    .col(text(ChatMessages::Status))
                    .col(text_null(ChatMessages::ErrorCode))
                    .col(ts(ChatMessages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ChatMessages::Table, ChatMessages::ConversationId)
                            .to(Conversations::Table, Conversations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut user_fk(ChatMessages::Table, ChatMessages::UserId))
                    .to_owned(),
            )
            .await?;
        // A conversation's messages in order; a user's messages of the day (the budget).
        manager
            .create_index(index(
                "idx_chat_messages_conversation",
                ChatMessages::Table,
                &["conversation_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_chat_messages_user",
                ChatMessages::Table,
                &["user_id", "created_at"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ChatMessages::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Conversations::Table).to_owned())
            .await
    }
}
