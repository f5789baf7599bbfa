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
