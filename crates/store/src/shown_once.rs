//! Secrets waiting for the one page view that shows them (`shown_once`).

use crate::{Conn, StoreError, exec, on_conn};
use twotier_domain::ids::ShownOnceId;

/// Keeps a sealed secret for the session, purging what is older than `stale_before` first.
pub async fn insert(
    c: &mut Conn<'_>,
    id: &ShownOnceId,
    session_hash: &str,
    sealed: &str,
    at: i64,
    stale_before: i64,
) -> Result<(), StoreError> {
    const PURGE: &str = "DELETE FROM shown_once WHERE created_at < $1";
    const INSERT: &str =
        "INSERT INTO shown_once (id, session_hash, sealed, created_at) VALUES ($1, $2, $3, $4)";
    exec!(c, |x| sqlx::query(PURGE)
        .bind(stale_before)
        .execute(&mut **x)
        .await)?;
    exec!(c, |x| sqlx::query(INSERT)
        .bind(id)
        .bind(session_hash)
        .bind(sealed)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// Removes and returns the session's sealed secret, if it is still there and fresh: a
/// second call finds nothing.
pub async fn take(
    c: &mut Conn<'_>,
    id: &ShownOnceId,
    session_hash: &str,
    stale_before: i64,
) -> Result<Option<String>, StoreError> {
    const SQL: &str = "DELETE FROM shown_once WHERE id = $1 AND session_hash = $2 \
         RETURNING sealed, created_at";
    let row = on_conn!(c, |x| sqlx::query_as::<_, (String, i64)>(SQL)
        .bind(id)
        .bind(session_hash)
        .fetch_optional(&mut **x)
        .await)?;
    Ok(row
        .filter(|(_, created)| *created >= stale_before)
        .map(|(sealed, _)| sealed))
}
