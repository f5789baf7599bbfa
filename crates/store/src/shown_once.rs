//! Secrets waiting for the one page view that shows them (`shown_once`). A shown secret
//! leaves its row behind (`taken_at` set; `sealed` wiped by the first `take` or `insert`
//! seconds later) until it goes stale, so a repeat of the change that made it can tell
//! "shown already" from "not kept yet".

use crate::{Conn, StoreError, exec, on_conn};
use twotier_domain::ids::ShownOnceId;

/// Wipes the secrets shown before `$1`.
const WIPE: &str = "UPDATE shown_once SET sealed = '' WHERE taken_at < $1 AND sealed <> ''";

/// Keeps a sealed secret for the session, first purging what is older than `stale_before`
/// and wiping what was shown before `wipe_before`.
pub async fn insert(
    c: &mut Conn<'_>,
    id: &ShownOnceId,
    session_hash: &str,
    sealed: &str,
    at: i64,
    (stale_before, wipe_before): (i64, i64),
) -> Result<(), StoreError> {
    const PURGE: &str = "DELETE FROM shown_once WHERE created_at < $1";
    const INSERT: &str = "INSERT INTO shown_once (id, session_hash, sealed, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO NOTHING";
    exec!(c, |x| sqlx::query(WIPE)
        .bind(wipe_before)
        .execute(&mut **x)
        .await)?;
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

/// Marks the session's waiting secret shown and returns it, if it is there, fresh and not
/// shown yet; wipes the secrets shown before `wipe_before`. A second call finds nothing.
pub async fn take(
    c: &mut Conn<'_>,
    id: &ShownOnceId,
    session_hash: &str,
    stale_before: i64,
    at: i64,
    wipe_before: i64,
) -> Result<Option<String>, StoreError> {
    const FIND: &str = "SELECT sealed, created_at FROM shown_once \
         WHERE id = $1 AND session_hash = $2 AND taken_at IS NULL AND sealed <> ''";
    // Only the call that marks the row gets the secret (two page views at once).
    const MARK: &str = "UPDATE shown_once SET taken_at = $3 \
         WHERE id = $1 AND session_hash = $2 AND taken_at IS NULL AND sealed <> ''";
    exec!(c, |x| sqlx::query(WIPE)
        .bind(wipe_before)
        .execute(&mut **x)
        .await)?;
    let row = on_conn!(c, |x| sqlx::query_as::<_, (String, i64)>(FIND)
        .bind(id)
        .bind(session_hash)
        .fetch_optional(&mut **x)
        .await)?;
    let Some((sealed, created)) = row else {
        return Ok(None);
    };
    let marked = exec!(c, |x| sqlx::query(MARK)
        .bind(id)
        .bind(session_hash)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    Ok((marked == 1 && created >= stale_before).then_some(sealed))
}

/// Whether the session has a secret under `id`, waiting or shown, that is not stale; one
/// shown at or after `again_after` and not wiped waits to be shown once more.
pub async fn find_again(
    c: &mut Conn<'_>,
    id: &ShownOnceId,
    session_hash: &str,
    stale_before: i64,
    again_after: i64,
) -> Result<bool, StoreError> {
    const AGAIN: &str = "UPDATE shown_once SET taken_at = NULL \
         WHERE id = $1 AND session_hash = $2 AND taken_at >= $3 AND sealed <> ''";
    const SQL: &str = "SELECT COUNT(*) FROM shown_once \
         WHERE id = $1 AND session_hash = $2 AND created_at >= $3";
    exec!(c, |x| sqlx::query(AGAIN)
        .bind(id)
        .bind(session_hash)
        .bind(again_after)
        .execute(&mut **x)
        .await)?;
    let n = on_conn!(c, |x| sqlx::query_scalar::<_, i64>(SQL)
        .bind(id)
        .bind(session_hash)
        .bind(stale_before)
        .fetch_one(&mut **x)
        .await)?;
    Ok(n > 0)
}
