//! Read-ahead statements for list pages: for the rows of one page (by id), one statement that
//! joins the to-one rows and computes the per-row figures a GraphQL selection reaches, so the
//! nested fields need no loader round trip. Each domain's repo says what to join or count
//! (its SQL stays there); this only assembles and decodes the statement.

use sea_orm::{
    ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryResult,
    sea_query::{
        Alias, Asterisk, Expr, ExprTrait, IntoCondition, JoinType, Query, SelectStatement,
    },
};
use uuid::Uuid;

use crate::platform::{error::AppResult, sql::joined};

/// The alias of the page's own table in the statement.
const BASE: &str = "b";
/// The page row's id, under a name no table column uses.
const KEY: &str = "ra_key";

/// One statement over the rows of `E` with the given ids.
pub struct ReadAhead {
    select: SelectStatement,
}

/// `"b"."column"`: the page row's column, for a domain's join or correlated sub-query.
pub fn base(column: &str) -> Expr {
    Expr::col((Alias::new(BASE), Alias::new(column)))
}

/// Selects every column of `T` (joined under `alias`) as `{alias}_{column}`, decoded by
/// `sql::joined(row, "{alias}_")`.
pub fn select_prefixed<T: EntityTrait>(select: &mut SelectStatement, alias: &str) {
    for column in T::Column::iter() {
        let name = column.as_str();
        select.expr_as(
            Expr::col((Alias::new(alias), Alias::new(name))),
            Alias::new(format!("{alias}_{name}")),
        );
    }
}

impl ReadAhead {
    pub fn of<E: EntityTrait>(ids: impl IntoIterator<Item = Uuid>) -> Self {
        let mut select = Query::select();
        select
            .expr_as(base("id"), Alias::new(KEY))
            .from_as(E::default(), Alias::new(BASE))
            .and_where(base("id").is_in(ids));
        Self { select }
    }

    /// LEFT JOINs the `T` row whose id is in the page row's `column`; decode it with
    /// `ReadRow::joined(alias)`.
    pub fn join<T: EntityTrait>(&mut self, alias: &str, column: &str) -> &mut Self {
        let on = Expr::col((Alias::new(alias), Alias::new("id")))
            .equals((Alias::new(BASE), Alias::new(column)));
        self.join_on::<T>(alias, on)
    }

    /// LEFT JOINs `T` under `alias` on any condition (at most one row may match).
    pub fn join_on<T: EntityTrait>(&mut self, alias: &str, on: impl IntoCondition) -> &mut Self {
        select_prefixed::<T>(&mut self.select, alias);
        self.select
            .join_as(JoinType::LeftJoin, T::default(), Alias::new(alias), on);
        self
    }

    /// `name`: how many rows of `C` match `condition` (which correlates them with `base(…)`).
    pub fn count<C: EntityTrait>(
        &mut self,
        name: &str,
        condition: impl IntoCondition,
    ) -> &mut Self {
        let mut sub = Query::select();
        sub.expr(Expr::col(Asterisk).count())
            .from(C::default())
            .cond_where(condition);
        self.value(name, sub)
    }

    /// `name`: the single value `sub` selects for the row (NULL when it selects none).
    pub fn value(&mut self, name: &str, sub: SelectStatement) -> &mut Self {
        self.select
            .expr_as(Expr::SubQuery(None, Box::new(sub.into())), Alias::new(name));
        self
    }

    pub async fn rows(&self, db: &impl ConnectionTrait) -> AppResult<Vec<ReadRow>> {
        let statement = db.get_database_backend().build(&self.select);
        let rows = db.query_all_raw(statement).await?;
        Ok(rows.into_iter().map(ReadRow).collect())
    }
}

/// One page row's read-ahead values.
pub struct ReadRow(QueryResult);

impl ReadRow {
    /// The page row's id.
    pub fn id(&self) -> AppResult<Uuid> {
        Ok(self.0.try_get("", KEY)?)
    }

    /// The row joined under `alias`, `None` where the join found none.
    pub fn joined<M: FromQueryResult>(&self, alias: &str) -> AppResult<Option<M>> {
        joined(&self.0, &format!("{alias}_"))
    }

    pub fn int(&self, name: &str) -> AppResult<i64> {
        Ok(self.0.try_get::<Option<i64>>("", name)?.unwrap_or(0))
    }

    pub fn text(&self, name: &str) -> AppResult<Option<String>> {
        Ok(self.0.try_get("", name)?)
    }
}

/// The `T` row each row of `E` (by id) refers to through `column`, in one statement: the
/// common read-ahead of a page's single to-one relation (an owner, a sender, a folder).
pub async fn to_one<E: EntityTrait, T: EntityTrait>(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    column: &str,
) -> AppResult<std::collections::HashMap<Uuid, T::Model>>
where
    T::Model: FromQueryResult,
{
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut read = ReadAhead::of::<E>(ids.iter().copied());
    read.join::<T>("j", column);
    for row in read.rows(db).await? {
        if let Some(model) = row.joined::<T::Model>("j")? {
            out.insert(row.id()?, model);
        }
    }
    Ok(out)
}
