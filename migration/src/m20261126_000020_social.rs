//! BlackRoad Social: posts, their comments and likes, and follows between users.

use sea_orm_migration::prelude::*;

use crate::columns::{index, text, text_null, ts, unique_index, user_fk, uuid_col, uuid_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    AuthorId,
    Body,
    MediaUrl,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PostComments {
    Table,
    Id,
    PostId,
    AuthorId,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PostLikes {
    Table,
    Id,
    PostId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Follows {
    Table,
    Id,
    FollowerId,
    FolloweeId,
    CreatedAt,
}

/// A foreign key to `posts(id)` that goes with the post (its comments and likes).
fn post_fk(table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Posts::Table, Posts::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Posts::Table)
                    .col(uuid_pk(Posts::Id))
                    .col(uuid_col(Posts::AuthorId))
                    .col(text(Posts::Body))
                    .col(text_null(Posts::MediaUrl))
                    .col(ts(Posts::CreatedAt))
                    .foreign_key(&mut user_fk(Posts::Table, Posts::AuthorId))
                    .to_owned(),
            )
            .await?;
        // A user's posts and the feed (authors IN (…), newest first, keyset on id).
        manager
            .create_index(index(
                "idx_posts_author",
                Posts::Table,
                &["author_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PostComments::Table)
                    .col(uuid_pk(PostComments::Id))
                    .col(uuid_col(PostComments::PostId))
                    .col(uuid_col(PostComments::AuthorId))
                    .col(text(PostComments::Body))
                    .col(ts(PostComments::CreatedAt))
                    .foreign_key(&mut post_fk(PostComments::Table, PostComments::PostId))
                    .foreign_key(&mut user_fk(PostComments::Table, PostComments::AuthorId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_post_comments_post",
                PostComments::Table,
                &["post_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PostLikes::Table)
                    .col(uuid_pk(PostLikes::Id))
                    .col(uuid_col(PostLikes::PostId))
                    .col(uuid_col(PostLikes::UserId))
                    .col(ts(PostLikes::CreatedAt))
                    .foreign_key(&mut post_fk(PostLikes::Table, PostLikes::PostId))
                    .foreign_key(&mut user_fk(PostLikes::Table, PostLikes::UserId))
                    .to_owned(),
            )
            .await?;
        // One like per user and post: what makes liking idempotent under concurrency.
        manager
            .create_index(unique_index(
                "post_likes_post_user_key",
                PostLikes::Table,
                &["post_id", "user_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_post_likes_user",
                PostLikes::Table,
                &["user_id", "post_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Follows::Table)
                    .col(uuid_pk(Follows::Id))
                    .col(uuid_col(Follows::FollowerId))
                    .col(uuid_col(Follows::FolloweeId))
                    .col(ts(Follows::CreatedAt))
                    .foreign_key(&mut user_fk(Follows::Table, Follows::FollowerId))
                    .foreign_key(&mut user_fk(Follows::Table, Follows::FolloweeId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index(
                "follows_follower_followee_key",
                Follows::Table,
                &["follower_id", "followee_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_follows_followee",
                Follows::Table,
                &["followee_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_follows_follower",
                Follows::Table,
                &["follower_id", "id"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Follows::Table.into_iden(),
            PostLikes::Table.into_iden(),
            PostComments::Table.into_iden(),
            Posts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
