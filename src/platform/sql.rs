//! Raw SQL for what the query builder cannot say on both databases (window functions,
//! aggregates that must come back as BIGINT), with placeholders in each backend's syntax.

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, QueryResult, Statement, Value};

use crate::platform::error::AppResult;

/// Builds a statement, numbering `$n` placeholders for PostgreSQL and `?` for SQLite.
pub struct SqlBuilder {
    backend: DbBackend,
    sql: String,
    values: Vec<Value>,
}

impl SqlBuilder {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            sql: String::new(),
            values: Vec::new(),
        }
    }

    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                let n = self.values.len();
                self.sql.push_str(&format!("${n}"));
            }
            _ => self.sql.push('?'),
        }
        self
    }

    /// `(p1, p2, …)` for an IN list.
    pub fn bind_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Self {
        self.sql.push('(');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.bind(v);
        }
        self.sql.push(')');
        self
    }

    pub fn build(&self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.sql.clone(), self.values.clone())
    }

    pub async fn all(&self, db: &impl ConnectionTrait) -> AppResult<Vec<QueryResult>> {
        Ok(db.query_all_raw(self.build()).await?)
    }

    pub async fn models<M: FromQueryResult>(&self, db: &impl ConnectionTrait) -> AppResult<Vec<M>> {
        let rows = self.all(db).await?;
        rows.iter()
            .map(|r| M::from_query_result(r, "").map_err(Into::into))
            .collect()
    }

    /// The first column of the first row as an integer (0 when there is no row or it is NULL).
    pub async fn scalar_i64(&self, db: &impl ConnectionTrait) -> AppResult<i64> {
        let row = db.query_one_raw(self.build()).await?;
        Ok(match row {
            Some(row) => row.try_get_by_index::<Option<i64>>(0)?.unwrap_or(0),
            None => 0,
        })
    }
}

/// `"t"."id" AS "t_id", …` for every column of `E`: a joined table's columns under a prefix,
/// decoded with `Model::from_query_result(row, prefix)`.
pub fn prefixed_columns<E: sea_orm::EntityTrait>(table: &str, prefix: &str) -> String {
    use sea_orm::{IdenStatic, Iterable};
    E::Column::iter()
        .map(|c| {
            let name = c.as_str();
            format!("\"{table}\".\"{name}\" AS \"{prefix}{name}\"")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Decodes the model under `prefix` of a LEFT JOIN, or `None` where the join found no row.
pub fn joined<M: FromQueryResult>(row: &QueryResult, prefix: &str) -> AppResult<Option<M>> {
    if row.try_get::<Option<uuid::Uuid>>(prefix, "id")?.is_none() {
        return Ok(None);
    }
    Ok(Some(M::from_query_result(row, prefix)?))
}

/// A LIKE pattern matching `needle` anywhere: `%`, `_` and the escape character itself match
/// literally.
pub fn like_contains(needle: &str) -> sea_orm::sea_query::LikeExpr {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')
}

/// A lean SELECT list: groups of named columns of joined tables. Each group reads its values
/// back by position, so a row costs no column-name formatting or lookup per value (it did:
/// about a tenth of a nested list's CPU on PostgreSQL).
#[derive(Default)]
pub struct LeanSelect {
    sql: String,
    count: usize,
}

impl LeanSelect {
    /// Adds `"table"."column"` for each of `columns`; the group reads them back from a row.
    pub fn pick<'c>(&mut self, table: &str, columns: &'c [&'static str]) -> Picked<'c> {
        let start = self.count;
        for name in columns {
            if self.count > 0 {
                self.sql.push_str(", ");
            }
            self.sql.push_str(&format!("\"{table}\".\"{name}\""));
            self.count += 1;
        }
        Picked { start, columns }
    }

    /// Every column of `E` under `prefix` (`"t"."id" AS "t_id"`, …), decoded with
    /// `Model::from_query_result(row, prefix)`.
    pub fn entity<E: sea_orm::EntityTrait>(&mut self, table: &str, prefix: &str) {
        use sea_orm::Iterable;
        if self.count > 0 {
            self.sql.push_str(", ");
        }
        self.sql.push_str(&prefixed_columns::<E>(table, prefix));
        self.count += E::Column::iter().count();
    }

    /// `col, col, …`, to follow `SELECT `.
    pub fn sql(&self) -> &str {
        &self.sql
    }
}

/// One table's columns in a lean SELECT list, from position `start` on.
#[derive(Clone, Copy)]
pub struct Picked<'c> {
    start: usize,
    columns: &'c [&'static str],
}

impl Picked<'_> {
    /// Column `name` when it was read, else the type's default: decodes a lean row into a model
    /// whose unread columns no selected field looks at.
    pub fn get<T: sea_orm::TryGetable + Default>(
        &self,
        row: &QueryResult,
        name: &str,
    ) -> AppResult<T> {
        match self.columns.iter().position(|c| *c == name) {
            Some(i) => Ok(row.try_get_by_index(self.start + i)?),
            None => Ok(T::default()),
        }
    }

    /// The key `id` of a LEFT JOINed table: `None` where the join found no row.
    pub fn id(&self, row: &QueryResult) -> AppResult<Option<uuid::Uuid>> {
        self.get::<Option<uuid::Uuid>>(row, "id")
    }
}

/// Values of an IN list passed as one parameter, so the statement's text (and the prepared
/// statement a connection caches for it) is the same whatever the number of values.
pub enum InList<'a> {
    Uuids(&'a [uuid::Uuid]),
    Texts(&'a [String]),
}

impl SqlBuilder {
    /// `column = ANY(CAST($n AS uuid[]))` on PostgreSQL, `column IN (SELECT … FROM
    /// json_each(?))` on SQLite (which stores UUIDs as 16-byte blobs, hence `unhex`).
    pub fn bind_in(&mut self, column: &str, values: InList<'_>) -> &mut Self {
        let postgres = self.backend == DbBackend::Postgres;
        match (postgres, values) {
            (true, InList::Uuids(ids)) => {
                let items: Vec<String> = ids.iter().map(|id| id.hyphenated().to_string()).collect();
                self.push(&format!("{column} = ANY(CAST("))
                    .bind(format!("{{{}}}", items.join(",")))
                    .push(" AS uuid[]))")
            }
            (true, InList::Texts(texts)) => {
                let items: Vec<String> = texts
                    .iter()
                    .map(|t| format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\"")))
                    .collect();
                self.push(&format!("{column} = ANY(CAST("))
                    .bind(format!("{{{}}}", items.join(",")))
                    .push(" AS text[]))")
            }
            (false, InList::Uuids(ids)) => {
                let items: Vec<String> = ids.iter().map(|id| id.simple().to_string()).collect();
                self.push(&format!("{column} IN (SELECT unhex(value) FROM json_each("))
                    .bind(serde_json::Value::from(items).to_string())
                    .push("))")
            }
            (false, InList::Texts(texts)) => self
                .push(&format!("{column} IN (SELECT value FROM json_each("))
                .bind(serde_json::Value::from(texts.to_vec()).to_string())
                .push("))"),
        }
    }
}
