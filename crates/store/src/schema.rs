//! A normalised description of the schema, so a test can prove both backends' migrations
//! build the same tables, columns and indexes. Catalog queries differ per backend by nature.

use crate::{Conn, StoreError};

/// One sorted line per column (`table.column type null|not null`), per index
/// (`index table(name) unique|plain cols`), with type names lowercased, and per trigger event
/// (`trigger table before|after update|delete|insert`: SQLite names one trigger per event,
/// PostgreSQL one for several). PostgreSQL's trigger functions are listed as `function name`;
/// SQLite has none, so the parity test names the ones it expects (`PG_ONLY`).
#[expect(
    clippy::items_after_statements,
    reason = "each catalog query stands next to the loop that reads it"
)]
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
            const TRIGGERS: &str =
                "SELECT tbl_name, lower(sql) FROM sqlite_master WHERE type = 'trigger'";
            for (table, sql) in sqlx::query_as::<_, (String, String)>(TRIGGERS)
                .fetch_all(&mut **x)
                .await?
            {
                let words: Vec<&str> = sql.split_whitespace().collect();
                let timing = ["before", "after", "instead"]
                    .into_iter()
                    .find(|t| words.contains(t))
                    .unwrap_or("?");
                for event in ["insert", "update", "delete"] {
                    if words
                        .iter()
                        .take_while(|w| **w != "on")
                        .any(|w| *w == event)
                    {
                        lines.push(format!("trigger {table} {timing} {event}"));
                    }
                }
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
            const TRIGGERS: &str = "SELECT DISTINCT event_object_table::text, lower(action_timing::text), \
                 lower(event_manipulation::text) FROM information_schema.triggers \
                 WHERE trigger_schema = current_schema()";
            for (table, timing, event) in sqlx::query_as::<_, (String, String, String)>(TRIGGERS)
                .fetch_all(&mut **x)
                .await?
            {
                lines.push(format!("trigger {table} {timing} {event}"));
            }
            const FUNCTIONS: &str = "SELECT p.proname::text FROM pg_proc p \
                 JOIN pg_namespace ns ON ns.oid = p.pronamespace WHERE ns.nspname = current_schema()";
            for (name,) in sqlx::query_as::<_, (String,)>(FUNCTIONS)
                .fetch_all(&mut **x)
                .await?
            {
                lines.push(format!("function {name}"));
            }
        }
    }
    lines.sort();
    Ok(lines)
}

/// Schema objects only PostgreSQL has: the functions its triggers run (SQLite triggers carry
/// their body inline).
pub const PG_ONLY: [&str; 1] = ["function audit_records_append_only"];

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

/// Version numbers of the migrations each backend embeds.
pub fn migration_versions() -> (Vec<i64>, Vec<i64>) {
    let versions = |m: &sqlx::migrate::Migrator| m.iter().map(|m| m.version).collect::<Vec<_>>();
    (
        versions(&crate::SQLITE_MIGRATOR),
        versions(&crate::POSTGRES_MIGRATOR),
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The statements that differ between the backends, by migration file: (why, SQLite's
    /// text, PostgreSQL's text). Everything else in a pair of migrations is the same text.
    const BACKEND_SPECIFIC: [(&str, &str, &str, &str); 2] = [
        (
            "20261124000001_foundation.sql",
            "the audit log's append-only trigger: SQLite raises inline, PostgreSQL runs a function",
            "CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records\n\
         BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;\n\
         CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records\n\
         BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;\n",
            "CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n\
         BEGIN\n    RAISE EXCEPTION 'audit records are append-only';\nEND;\n$$;\n\
         CREATE TRIGGER audit_records_no_change BEFORE UPDATE OR DELETE ON audit_records\n\
         FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();\n",
        ),
        (
            "20261207000011_home.sql",
            "a grown CHECK: SQLite copies the table, PostgreSQL replaces the constraint",
            "CREATE TABLE relationship_requests_new (\n\
         id TEXT PRIMARY KEY,\n\
         provider_tenant_id TEXT NOT NULL REFERENCES tenants (id),\n\
         reseller_tenant_id TEXT REFERENCES tenants (id),\n\
         -- The customer it was made for, when the provider named one; any customer otherwise.\n\
         customer_tenant_id TEXT REFERENCES tenants (id),\n\
         delegated_admin BOOLEAN NOT NULL,\n\
         token_hash TEXT NOT NULL,\n\
         state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'revoked', 'declined', 'superseded')),\n\
         created_by TEXT NOT NULL,\n\
         created_at BIGINT NOT NULL,\n\
         expires_at BIGINT NOT NULL,\n\
         decided_at BIGINT,\n\
         decided_by TEXT,\n\
         accepted_by_tenant_id TEXT REFERENCES tenants (id)\n\
     );\n\
     INSERT INTO relationship_requests_new (id, provider_tenant_id, reseller_tenant_id, customer_tenant_id, delegated_admin,\n\
         token_hash, state, created_by, created_at, expires_at, decided_at, decided_by, accepted_by_tenant_id)\n\
     SELECT id, provider_tenant_id, reseller_tenant_id, customer_tenant_id, delegated_admin,\n\
         token_hash, state, created_by, created_at, expires_at, decided_at, decided_by, accepted_by_tenant_id\n\
     FROM relationship_requests;\n\
     DROP TABLE relationship_requests;\n\
     ALTER TABLE relationship_requests_new RENAME TO relationship_requests;\n\
     CREATE UNIQUE INDEX relationship_requests_token ON relationship_requests (token_hash);\n\
     CREATE INDEX relationship_requests_provider ON relationship_requests (provider_tenant_id, created_at);\n\
     CREATE INDEX relationship_requests_customer ON relationship_requests (customer_tenant_id, state);\n",
            "ALTER TABLE relationship_requests DROP CONSTRAINT relationship_requests_state_check;\n\
     ALTER TABLE relationship_requests ADD CONSTRAINT relationship_requests_state_check\n\
         CHECK (state IN ('pending', 'accepted', 'revoked', 'declined', 'superseded'));\n",
        ),
    ];

    /// One source of truth in two folders: every migration exists in both with the same name,
    /// and the two texts are identical except for the statements named above.
    #[test]
    fn each_migration_pair_is_the_same_text_but_for_the_named_statements() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let names = |backend: &str| -> Vec<String> {
            let mut n: Vec<String> = std::fs::read_dir(root.join(backend))
                .expect("migrations folder")
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect();
            n.sort();
            n
        };
        let (sqlite, postgres) = (names("sqlite"), names("postgres"));
        assert_eq!(sqlite, postgres, "the two folders hold different files");
        assert!(sqlite.len() >= 10);
        for name in &sqlite {
            let read = |backend: &str| {
                std::fs::read_to_string(root.join(backend).join(name)).expect("migration")
            };
            let (mut lite, mut pg) = (read("sqlite"), read("postgres"));
            for (file, why, lite_text, pg_text) in BACKEND_SPECIFIC {
                if file == name {
                    assert!(lite.contains(lite_text), "{name}: SQLite lacks {why}");
                    assert!(pg.contains(pg_text), "{name}: PostgreSQL lacks {why}");
                    lite = lite.replacen(lite_text, "", 1);
                    pg = pg.replacen(pg_text, "", 1);
                }
            }
            assert_eq!(
                lite, pg,
                "{name} differs between the backends beyond the named statements"
            );
        }
    }
}
