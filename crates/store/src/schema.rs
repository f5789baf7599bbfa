//! A normalised description of the schema, so a test can prove both backends' migrations
//! build the same tables, columns and indexes. Catalog queries differ per backend by nature.

use crate::{Conn, StoreError};

/// One sorted line per column (`table.column type null|not null`) and per index
/// (`index table(name) unique|plain cols`), with type names lowercased.
pub async fn describe(c: &mut Conn<'_>) -> Result<Vec<String>, StoreError> {
    let mut lines = Vec::new();
    match c {
        Conn::Sqlite(x) => {
            const COLUMNS: &str = "SELECT m.name, p.name, lower(p.type), p.\"notnull\", p.pk FROM sqlite_master m \
                 JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                 AND m.name <> '_sqlx_migrations'";
            for (table, column, ty, notnull, pk) in
                sqlx::query_as::<_, (String, String, String, bool, i64)>(COLUMNS)
                    .fetch_all(&mut **x)
                    .await?
            {
                let nullable = if notnull || pk > 0 {
                    "not null"
                } else {
                    "null"
                };
                lines.push(format!("column {table}.{column} {ty} {nullable}"));
            }
            const INDEXES: &str = "SELECT m.name, il.name, il.\"unique\", \
                 (SELECT group_concat(ii.name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno) ii) \
                 FROM sqlite_master m JOIN pragma_index_list(m.name) il \
                 WHERE m.type = 'table' AND il.origin = 'c' AND m.name <> '_sqlx_migrations'";
            for (table, index, unique, cols) in
                sqlx::query_as::<_, (String, String, bool, String)>(INDEXES)
                    .fetch_all(&mut **x)
                    .await?
            {
                let kind = if unique { "unique" } else { "plain" };
                lines.push(format!("index {table}({index}) {kind} {cols}"));
            }
        }
        Conn::Postgres(x) => {
            const COLUMNS: &str = "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text \
                 FROM information_schema.columns c WHERE c.table_schema = current_schema() \
                 AND c.table_name <> '_sqlx_migrations'";
            for (table, column, ty, nullable) in
                sqlx::query_as::<_, (String, String, String, String)>(COLUMNS)
                    .fetch_all(&mut **x)
                    .await?
            {
                let nullable = if nullable == "YES" {
                    "null"
                } else {
                    "not null"
                };
                lines.push(format!(
                    "column {table}.{column} {} {nullable}",
                    ty.to_lowercase()
                ));
            }
            const INDEXES: &str = "SELECT t.relname::text, i.relname::text, ix.indisunique, \
                 string_agg(a.attname::text, ',' ORDER BY k.n) \
                 FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
                 JOIN pg_namespace ns ON ns.oid = t.relnamespace \
                 CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
                 WHERE ns.nspname = current_schema() AND NOT ix.indisprimary AND t.relname <> '_sqlx_migrations' \
                 GROUP BY t.relname, i.relname, ix.indisunique";
            for (table, index, unique, cols) in
                sqlx::query_as::<_, (String, String, bool, String)>(INDEXES)
                    .fetch_all(&mut **x)
                    .await?
            {
                let kind = if unique { "unique" } else { "plain" };
                lines.push(format!("index {table}({index}) {kind} {cols}"));
            }
        }
    }
    lines.sort();
    Ok(lines)
}

/// Version numbers of the migrations each backend embeds.
/// A short fingerprint of the PostgreSQL migrations' contents: a migrated template database
/// named after it is never reused once a migration has changed.
pub fn postgres_migrations_fingerprint() -> String {
    let mut all = Vec::new();
    for m in crate::POSTGRES_MIGRATOR.iter() {
        all.extend_from_slice(&m.version.to_le_bytes());
        all.extend_from_slice(&m.checksum);
    }
    // FNV-1a: enough to tell versions of our own files apart.
    let hash = all.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

pub fn migration_versions() -> (Vec<i64>, Vec<i64>) {
    let versions = |m: &sqlx::migrate::Migrator| m.iter().map(|m| m.version).collect::<Vec<_>>();
    (
        versions(&crate::SQLITE_MIGRATOR),
        versions(&crate::POSTGRES_MIGRATOR),
    )
}
