//! BlackStream: videos, who viewed them (for one counted view per viewer per hour), and
//! like/dislike reactions.

use sea_orm_migration::prelude::*;

use crate::columns::{
    bigint, index, int, text, text_null, ts, unique_index, user_fk, uuid_col, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Videos {
    Table,
    Id,
    OwnerId,
    Title,
    Description,
    Url,
    DurationSeconds,
    Visibility,
    ViewCount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum VideoViewers {
    Table,
    Id,
    VideoId,
    ViewerId,
    /// When this viewer's last counted view was, in Unix seconds.
    LastCountedAt,
}

#[derive(DeriveIden)]
enum VideoReactions {
    Table,
    Id,
    VideoId,
    UserId,
    Reaction,
    CreatedAt,
}

fn video_fk(table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Videos::Table, Videos::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Videos::Table)
                    .col(uuid_pk(Videos::Id))
                    .col(uuid_col(Videos::OwnerId))
                    .col(text(Videos::Title))
                    .col(text_null(Videos::Description))
                    .col(text(Videos::Url))
                    .col(int(Videos::DurationSeconds))
                    .col(text(Videos::Visibility))
                    .col(bigint(Videos::ViewCount).default(0).to_owned())
                    .col(ts(Videos::CreatedAt))
                    .col(ts(Videos::UpdatedAt))
                    .foreign_key(&mut user_fk(Videos::Table, Videos::OwnerId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_videos_owner",
                Videos::Table,
                &["owner_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_videos_visibility",
                Videos::Table,
                &["visibility", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VideoViewers::Table)
                    .col(uuid_pk(VideoViewers::Id))
                    .col(uuid_col(VideoViewers::VideoId))
                    .col(uuid_col(VideoViewers::ViewerId))
                    .col(bigint(VideoViewers::LastCountedAt))
                    .foreign_key(&mut video_fk(VideoViewers::Table, VideoViewers::VideoId))
                    .foreign_key(&mut user_fk(VideoViewers::Table, VideoViewers::ViewerId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "video_viewers_video_viewer_key",
                VideoViewers::Table,
                &["video_id", "viewer_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VideoReactions::Table)
                    .col(uuid_pk(VideoReactions::Id))
                    .col(uuid_col(VideoReactions::VideoId))
                    .col(uuid_col(VideoReactions::UserId))
                    .col(text(VideoReactions::Reaction))
                    .col(ts(VideoReactions::CreatedAt))
                    .foreign_key(&mut video_fk(
                        VideoReactions::Table,
                        VideoReactions::VideoId,
                    ))
                    .foreign_key(&mut user_fk(VideoReactions::Table, VideoReactions::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "video_reactions_video_user_key",
                VideoReactions::Table,
                &["video_id", "user_id"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            VideoReactions::Table.into_iden(),
            VideoViewers::Table.into_iden(),
            Videos::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
