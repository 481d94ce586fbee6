//! A mail page's read-ahead (see `platform::read_ahead`): the senders, and the recipients
//! with their users, each in one statement.

use std::collections::HashMap;

use sea_orm::{
    ConnectionTrait, Order,
    sea_query::{Alias, Expr, ExprTrait, JoinType, Query},
};
use uuid::Uuid;

use super::entity::{message, recipient};
use crate::{
    platform::{
        error::AppResult,
        read_ahead::{select_prefixed, to_one},
        sql::joined,
    },
    users::{UserEntity, UserModel},
};

/// The sender of each copy (by copy id); absent where the user is gone.
pub async fn senders(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, UserModel>> {
    to_one::<message::Entity, UserEntity>(db, ids, "sender_id").await
}

/// The recipients of each sending (by message key) in order, with their users.
pub async fn recipients(
    db: &impl ConnectionTrait,
    keys: &[Uuid],
) -> AppResult<Vec<(Uuid, Uuid, Option<UserModel>)>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let r = Alias::new("r");
    let mut select = Query::select();
    select
        .expr_as(
            Expr::col((r.clone(), recipient::Column::MessageKey)),
            Alias::new("k"),
        )
        .expr_as(
            Expr::col((r.clone(), recipient::Column::UserId)),
            Alias::new("uid"),
        )
        .from_as(recipient::Entity, r.clone())
        .join_as(
            JoinType::LeftJoin,
            UserEntity,
            Alias::new("u"),
            Expr::col((Alias::new("u"), Alias::new("id")))
                .equals((r.clone(), recipient::Column::UserId)),
        )
        .and_where(
            Expr::col((r.clone(), recipient::Column::MessageKey)).is_in(keys.iter().copied()),
        )
        .order_by((r.clone(), recipient::Column::MessageKey), Order::Asc)
        .order_by((r, recipient::Column::Position), Order::Asc);
    select_prefixed::<UserEntity>(&mut select, "u");
    let rows = db
        .query_all_raw(db.get_database_backend().build(&select))
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("", "k")?,
                row.try_get("", "uid")?,
                joined::<UserModel>(row, "u_")?,
            ))
        })
        .collect()
}
