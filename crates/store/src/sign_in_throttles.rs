//! Failed sign-ins per sign-in name, shared by every server on the database.

use crate::{Conn, StoreError, exec, on_conn};

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct ThrottleRow {
    pub failures: i32,
    pub locks: i32,
    pub locked_until: Option<i64>,
    pub updated_at: i64,
}

/// The name's row, read without a lock (the check before a sign-in).
pub async fn find(c: &mut Conn<'_>, name_hash: &str) -> Result<Option<ThrottleRow>, StoreError> {
    const SQL: &str = "SELECT failures, locks, locked_until, updated_at FROM sign_in_throttles WHERE name_hash = $1";
    Ok(on_conn!(c, |x| sqlx::query_as::<_, ThrottleRow>(SQL)
        .bind(name_hash)
        .fetch_optional(&mut **x)
        .await)?)
}

/// The name's row inside a write transaction, created empty if missing and, on PostgreSQL,
/// locked until the transaction ends, so concurrent failures on several servers all count
/// (SQLite's one writer already serialises them).
pub async fn lock(c: &mut Conn<'_>, name_hash: &str, now: i64) -> Result<ThrottleRow, StoreError> {
    const ENSURE: &str = "INSERT INTO sign_in_throttles (name_hash, failures, locks, locked_until, updated_at) \
         VALUES ($1, 0, 0, NULL, $2) ON CONFLICT (name_hash) DO NOTHING";
    exec!(c, |x| sqlx::query(ENSURE)
        .bind(name_hash)
        .bind(now)
        .execute(&mut **x)
        .await)?;
    let sql = match c {
        Conn::Sqlite(_) => {
            "SELECT failures, locks, locked_until, updated_at FROM sign_in_throttles WHERE name_hash = $1"
        }
        Conn::Postgres(_) => {
            "SELECT failures, locks, locked_until, updated_at FROM sign_in_throttles WHERE name_hash = $1 FOR UPDATE"
        }
    };
    Ok(on_conn!(c, |x| sqlx::query_as::<_, ThrottleRow>(sql)
        .bind(name_hash)
        .fetch_one(&mut **x)
        .await)?)
}

pub async fn save(c: &mut Conn<'_>, name_hash: &str, r: &ThrottleRow) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE sign_in_throttles SET failures = $2, locks = $3, locked_until = $4, updated_at = $5 \
         WHERE name_hash = $1";
    exec!(c, |x| sqlx::query(SQL)
        .bind(name_hash)
        .bind(r.failures)
        .bind(r.locks)
        .bind(r.locked_until)
        .bind(r.updated_at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// Forgets the name's failures (a complete sign-in, a password reset).
pub async fn clear(c: &mut Conn<'_>, name_hash: &str) -> Result<(), StoreError> {
    const SQL: &str = "DELETE FROM sign_in_throttles WHERE name_hash = $1";
    exec!(c, |x| sqlx::query(SQL)
        .bind(name_hash)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// Deletes rows untouched since `cutoff` whose lock has ended (housekeeping).
pub async fn purge_before(c: &mut Conn<'_>, cutoff: i64) -> Result<u64, StoreError> {
    const SQL: &str = "DELETE FROM sign_in_throttles WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)";
    Ok(exec!(c, |x| sqlx::query(SQL)
        .bind(cutoff)
        .execute(&mut **x)
        .await)?)
}
