//! The SQL of a list page read by keyset: conditions with numbered binds, then the cursor's
//! condition, the order and the limit (`customers::ListSort`, `customers::Cursor`).

use crate::customers::{Cursor, ListSort};

/// A query's text and its text binds, numbered after the ones the query binds first.
pub(crate) struct Query {
    pub sql: String,
    pub binds: Vec<String>,
    first_free: usize,
}

impl Query {
    /// `sql` binds `$1`…`$bound` itself; the binds added here follow.
    pub fn new(sql: String, bound: usize) -> Self {
        Self {
            sql,
            binds: Vec::new(),
            first_free: bound + 1,
        }
    }

    /// Adds ` AND condition`, each `?` in it taking the next of `values`.
    pub fn and(&mut self, condition: &str, values: Vec<String>) {
        let mut condition = condition.to_owned();
        for v in values {
            let n = self.first_free + self.binds.len();
            self.binds.push(v);
            condition = condition.replacen('?', &format!("${n}"), 1);
        }
        self.sql.push_str(" AND ");
        self.sql.push_str(&condition);
    }

    /// The page: rows past `cursor` in `sort` (by `name_key` or `time_key`, ties by
    /// `id`), in order (backwards from a backward cursor: the caller turns them round),
    /// `limit` of them.
    pub fn page(
        &mut self,
        (name_key, time_key, id): (&str, &str, &str),
        sort: ListSort,
        cursor: Option<Cursor<'_>>,
        limit: i64,
    ) {
        let (column, key) = match sort {
            ListSort::Name | ListSort::NameDescending => (name_key, "?"),
            ListSort::Newest | ListSort::Oldest => (time_key, "CAST(? AS BIGINT)"),
        };
        let descending = sort.descending() != cursor.is_some_and(|c| c.backwards);
        if let Some(cursor) = cursor {
            let op = if descending { "<" } else { ">" };
            self.and(
                &format!("({column} {op} {key} OR ({column} = {key} AND {id} {op} ?))"),
                vec![
                    cursor.key.to_owned(),
                    cursor.key.to_owned(),
                    cursor.id.to_owned(),
                ],
            );
        }
        let dir = if descending { "DESC" } else { "ASC" };
        self.sql.push_str(&format!(
            " ORDER BY {column} {dir}, {id} {dir} LIMIT {}",
            limit.max(1)
        ));
    }
}

impl Query {
    /// The page's rows for the owner `$1` in the list's order: a backward page, read in
    /// reverse, is turned round.
    pub async fn rows_of<R>(
        &self,
        c: &mut crate::Conn<'_>,
        owner: &twotier_domain::ids::TenantId,
        backwards: bool,
    ) -> Result<Vec<R>, crate::StoreError>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        let mut rows = crate::on_conn!(c, |x| {
            let mut q = sqlx::query_as::<_, R>(&self.sql).bind(owner);
            for b in &self.binds {
                q = q.bind(b);
            }
            q.fetch_all(&mut **x).await
        })?;
        if backwards {
            rows.reverse();
        }
        Ok(rows)
    }

    /// The count this query selects for the owner `$1`.
    pub async fn count_of(
        &self,
        c: &mut crate::Conn<'_>,
        owner: &twotier_domain::ids::TenantId,
    ) -> Result<i64, crate::StoreError> {
        Ok(crate::on_conn!(c, |x| {
            let mut q = sqlx::query_scalar::<_, i64>(&self.sql).bind(owner);
            for b in &self.binds {
                q = q.bind(b);
            }
            q.fetch_one(&mut **x).await
        })?)
    }
}
