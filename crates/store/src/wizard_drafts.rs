//! What the new-customer wizard holds between its steps (`wizard_drafts`), per session.

use crate::{Conn, StoreError, exec, on_conn};
use twotier_domain::ids::WizardDraftId;

/// Creates or replaces the session's draft, purging drafts untouched since `stale_before`.
pub async fn save(
    c: &mut Conn<'_>,
    id: &WizardDraftId,
    session_hash: &str,
    fields: &str,
    at: i64,
    stale_before: i64,
) -> Result<(), StoreError> {
    const PURGE: &str = "DELETE FROM wizard_drafts WHERE updated_at < $1";
    // Another session's draft of the same id is never overwritten.
    const SAVE: &str = "INSERT INTO wizard_drafts (id, session_hash, fields, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET fields = excluded.fields, updated_at = excluded.updated_at \
         WHERE wizard_drafts.session_hash = excluded.session_hash";
    exec!(c, |x| sqlx::query(PURGE)
        .bind(stale_before)
        .execute(&mut **x)
        .await)?;
    exec!(c, |x| sqlx::query(SAVE)
        .bind(id)
        .bind(session_hash)
        .bind(fields)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// The session's draft, if it is there and fresh.
pub async fn find(
    c: &mut Conn<'_>,
    id: &WizardDraftId,
    session_hash: &str,
    stale_before: i64,
) -> Result<Option<String>, StoreError> {
    const SQL: &str =
        "SELECT fields FROM wizard_drafts WHERE id = $1 AND session_hash = $2 AND updated_at >= $3";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, String>(SQL)
        .bind(id)
        .bind(session_hash)
        .bind(stale_before)
        .fetch_optional(&mut **x)
        .await)?)
}

pub async fn delete(
    c: &mut Conn<'_>,
    id: &WizardDraftId,
    session_hash: &str,
) -> Result<(), StoreError> {
    const SQL: &str = "DELETE FROM wizard_drafts WHERE id = $1 AND session_hash = $2";
    exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(session_hash)
        .execute(&mut **x)
        .await)?;
    Ok(())
}
