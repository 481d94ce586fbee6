//! Initial schema: accounts, sessions, wallets, the ledger, jobs and the audit log.

use sea_orm_migration::prelude::*;

use crate::genesis::{GENESIS_BLOCK_ID, GENESIS_PREVIOUS_HASH, block_hash, genesis_timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    Email,
    PasswordHash,
    FullName,
    AvatarUrl,
    Bio,
    IsActive,
    IsVerified,
    IsAdmin,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    RevokedAt,
    ReplacedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Wallets {
    Table,
    Id,
    UserId,
    Address,
    PublicKey,
    EncryptedPrivateKey,
    Label,
    IsPrimary,
    Balance,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Blocks {
    Table,
    Id,
    Index,
    Timestamp,
    Nonce,
    PreviousHash,
    Hash,
    Difficulty,
    MinerId,
    Reward,
    TransactionCount,
}

#[derive(DeriveIden)]
enum Transactions {
    Table,
    Id,
    Hash,
    FromAddress,
    ToAddress,
    Amount,
    Fee,
    Message,
    Signature,
    Status,
    BlockId,
    CreatedAt,
    ConfirmedAt,
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    OwnerId,
    Kind,
    Payload,
    Status,
    Progress,
    Result,
    Error,
    Attempts,
    CreatedAt,
    UpdatedAt,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    ActorId,
    Action,
    SubjectType,
    SubjectId,
    Ip,
    RequestId,
    Data,
    CreatedAt,
}

fn uuid_pk(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

fn uuid_col(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().to_owned()
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string().not_null().to_owned()
}

fn text_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string().null().to_owned()
}

fn flag(col: impl IntoIden, default: bool) -> ColumnDef {
    ColumnDef::new(col)
        .boolean()
        .not_null()
        .default(default)
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(uuid_pk(Users::Id))
                    .col(text(Users::Username).unique_key().to_owned())
                    .col(text(Users::Email).unique_key().to_owned())
                    .col(text(Users::PasswordHash))
                    .col(text_null(Users::FullName))
                    .col(text_null(Users::AvatarUrl))
                    .col(ColumnDef::new(Users::Bio).text().null())
                    .col(flag(Users::IsActive, true))
                    .col(flag(Users::IsVerified, false))
                    .col(flag(Users::IsAdmin, false))
                    .col(ts(Users::CreatedAt))
                    .col(ts(Users::UpdatedAt))
                    .col(ts_null(Users::LastLoginAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(uuid_pk(RefreshTokens::Id))
                    .col(uuid_col(RefreshTokens::UserId))
                    .col(uuid_col(RefreshTokens::FamilyId))
                    .col(text(RefreshTokens::TokenHash).unique_key().to_owned())
                    .col(ts(RefreshTokens::ExpiresAt))
                    .col(ts_null(RefreshTokens::RevokedAt))
                    .col(ColumnDef::new(RefreshTokens::ReplacedBy).uuid().null())
                    .col(ts(RefreshTokens::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RefreshTokens::Table, RefreshTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_refresh_tokens_user",
                RefreshTokens::Table,
                &["user_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_refresh_tokens_family",
                RefreshTokens::Table,
                &["family_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Wallets::Table)
                    .col(uuid_pk(Wallets::Id))
                    .col(uuid_col(Wallets::UserId))
                    .col(text(Wallets::Address).unique_key().to_owned())
                    .col(text(Wallets::PublicKey))
                    .col(text(Wallets::EncryptedPrivateKey))
                    .col(text_null(Wallets::Label))
                    .col(flag(Wallets::IsPrimary, false))
                    .col(
                        ColumnDef::new(Wallets::Balance)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ts(Wallets::CreatedAt))
                    .col(ts(Wallets::UpdatedAt))
                    .check(Expr::col(Wallets::Balance).gte(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Wallets::Table, Wallets::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_wallets_user",
                Wallets::Table,
                &["user_id", "created_at"],
            ))
            .await?;
        // At most one primary wallet per user; a partial index is the only way both databases
        // can enforce it.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_wallets_one_primary ON wallets (user_id) WHERE is_primary",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Blocks::Table)
                    .col(uuid_pk(Blocks::Id))
                    .col(
                        ColumnDef::new(Blocks::Index)
                            .big_integer()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ts(Blocks::Timestamp))
                    .col(text(Blocks::Nonce))
                    .col(text(Blocks::PreviousHash))
                    .col(text(Blocks::Hash).unique_key().to_owned())
                    .col(ColumnDef::new(Blocks::Difficulty).integer().not_null())
                    .col(ColumnDef::new(Blocks::MinerId).uuid().null())
                    .col(ColumnDef::new(Blocks::Reward).big_integer().not_null())
                    .col(
                        ColumnDef::new(Blocks::TransactionCount)
                            .integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Blocks::Table, Blocks::MinerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_blocks_miner", Blocks::Table, &["miner_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Transactions::Table)
                    .col(uuid_pk(Transactions::Id))
                    .col(text(Transactions::Hash).unique_key().to_owned())
                    .col(text(Transactions::FromAddress))
                    .col(text(Transactions::ToAddress))
                    .col(
                        ColumnDef::new(Transactions::Amount)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Transactions::Fee)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Transactions::Message).text().null())
                    .col(text_null(Transactions::Signature))
                    .col(text(Transactions::Status))
                    .col(ColumnDef::new(Transactions::BlockId).uuid().null())
                    .col(ts(Transactions::CreatedAt))
                    .col(ts_null(Transactions::ConfirmedAt))
                    .check(Expr::col(Transactions::Amount).gt(0))
                    .check(Expr::col(Transactions::Fee).gte(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Transactions::Table, Transactions::BlockId)
                            .to(Blocks::Table, Blocks::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_transactions_from", &["from_address", "created_at"][..]),
            ("idx_transactions_to", &["to_address", "created_at"][..]),
            ("idx_transactions_status", &["status", "created_at"][..]),
            ("idx_transactions_block", &["block_id"][..]),
        ] {
            manager
                .create_index(index(name, Transactions::Table, cols))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(uuid_pk(Jobs::Id))
                    .col(uuid_col(Jobs::OwnerId))
                    .col(text(Jobs::Kind))
                    .col(ColumnDef::new(Jobs::Payload).json_binary().not_null())
                    .col(text(Jobs::Status))
                    .col(
                        ColumnDef::new(Jobs::Progress)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Jobs::Result).json_binary().null())
                    .col(ColumnDef::new(Jobs::Error).text().null())
                    .col(
                        ColumnDef::new(Jobs::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ts(Jobs::CreatedAt))
                    .col(ts(Jobs::UpdatedAt))
                    .col(ts_null(Jobs::StartedAt))
                    .col(ts_null(Jobs::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Jobs::Table, Jobs::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_jobs_owner",
                Jobs::Table,
                &["owner_id", "created_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_jobs_queue",
                Jobs::Table,
                &["status", "created_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(uuid_pk(Events::Id))
                    .col(ColumnDef::new(Events::ActorId).uuid().null())
                    .col(text(Events::Action))
                    .col(text_null(Events::SubjectType))
                    .col(text_null(Events::SubjectId))
                    .col(text_null(Events::Ip))
                    .col(text_null(Events::RequestId))
                    .col(ColumnDef::new(Events::Data).json_binary().not_null())
                    .col(ts(Events::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Events::Table, Events::ActorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_events_actor",
                Events::Table,
                &["actor_id", "created_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_events_action",
                Events::Table,
                &["action", "created_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_events_subject",
                Events::Table,
                &["subject_type", "subject_id"],
            ))
            .await?;

        let timestamp = genesis_timestamp();
        let hash = block_hash(0, timestamp, GENESIS_PREVIOUS_HASH, &[], "0");
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(Blocks::Table)
                    .columns([
                        Blocks::Id,
                        Blocks::Index,
                        Blocks::Timestamp,
                        Blocks::Nonce,
                        Blocks::PreviousHash,
                        Blocks::Hash,
                        Blocks::Difficulty,
                        Blocks::Reward,
                        Blocks::TransactionCount,
                    ])
                    .values_panic([
                        GENESIS_BLOCK_ID.into(),
                        0i64.into(),
                        timestamp.into(),
                        "0".into(),
                        GENESIS_PREVIOUS_HASH.into(),
                        hash.into(),
                        0i32.into(),
                        0i64.into(),
                        0i32.into(),
                    ])
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Events::Table.into_iden(),
            Jobs::Table.into_iden(),
            Transactions::Table.into_iden(),
            Blocks::Table.into_iden(),
            Wallets::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
