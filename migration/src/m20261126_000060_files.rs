//! Files: a folder tree per user (`file_nodes`, folders and files in one table so that a name
//! is unique within its folder whatever it names), the content blobs files point at by sha256
//! (`file_blobs`, reference-counted so a blob nobody uses is removed), and each user's bytes
//! in use (`file_usage`, the row a quota check reserves against and the per-user lock of
//! tree changes).

use sea_orm_migration::prelude::*;

use crate::columns::{
    bigint, flag, index, text, text_null, ts, unique_index, user_fk, uuid_col, uuid_null, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FileNodes {
    Table,
    Id,
    OwnerId,
    ParentId,
    IsFolder,
    Name,
    Size,
    MimeType,
    Sha256,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FileBlobs {
    Table,
    Sha256,
    Size,
    RefCount,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FileUsage {
    Table,
    UserId,
    UsedBytes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FileNodes::Table)
                    .col(uuid_pk(FileNodes::Id))
                    .col(uuid_col(FileNodes::OwnerId))
                    .col(uuid_null(FileNodes::ParentId))
                    .col(flag(FileNodes::IsFolder, false))
                    .col(text(FileNodes::Name))
                    .col(bigint(FileNodes::Size))
                    .col(text_null(FileNodes::MimeType))
                    .col(text_null(FileNodes::Sha256))
                    .col(ts(FileNodes::CreatedAt))
                    .col(ts(FileNodes::UpdatedAt))
                    .foreign_key(&mut user_fk(FileNodes::Table, FileNodes::OwnerId))
                    // Deleting a folder takes everything inside with it.
                    .foreign_key(
                        ForeignKey::create()
                            .from(FileNodes::Table, FileNodes::ParentId)
                            .to(FileNodes::Table, FileNodes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Names are unique within a folder (roots have no parent, one per user by their id).
        manager
            .create_index(unique_index(
                "file_nodes_parent_name_key",
                FileNodes::Table,
                &["parent_id", "name"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_file_nodes_owner",
                FileNodes::Table,
                &["owner_id", "id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FileBlobs::Table)
                    .col(
                        ColumnDef::new(FileBlobs::Sha256)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(bigint(FileBlobs::Size))
                    .col(bigint(FileBlobs::RefCount))
                    .col(ts(FileBlobs::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FileUsage::Table)
                    .col(uuid_pk(FileUsage::UserId))
                    .col(bigint(FileUsage::UsedBytes))
                    .foreign_key(&mut user_fk(FileUsage::Table, FileUsage::UserId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FileUsage::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(FileBlobs::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(FileNodes::Table).to_owned())
            .await
    }
}
