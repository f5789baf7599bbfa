//! Idempotency keys, scoped to (tenant, principal, key), written in the same transaction as the
//! change they guard.

use twotier_domain::ids::TenantId;

use crate::{Conn, StoreError, exec, on_conn};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdempotencyRow {
    pub fingerprint: String,
    pub response: Option<String>,
}

/// Inserts the key. Returns false when it already exists; on PostgreSQL a concurrent
/// transaction holding the same key makes this wait until that one commits or rolls back.
pub async fn claim(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    principal: &str,
    key: &str,
    fingerprint: &str,
    at: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "INSERT INTO idempotency_keys (tenant_id, principal_id, idem_key, fingerprint, response, created_at) \
         VALUES ($1, $2, $3, $4, NULL, $5) ON CONFLICT (tenant_id, principal_id, idem_key) DO NOTHING";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(tenant_id)
        .bind(principal)
        .bind(key)
        .bind(fingerprint)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    Ok(done == 1)
}

pub async fn find(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    principal: &str,
    key: &str,
) -> Result<Option<IdempotencyRow>, StoreError> {
    const SQL: &str = "SELECT fingerprint, response FROM idempotency_keys WHERE tenant_id = $1 AND principal_id = $2 AND idem_key = $3";
    Ok(on_conn!(c, |x| sqlx::query_as::<_, IdempotencyRow>(SQL)
        .bind(tenant_id)
        .bind(principal)
        .bind(key)
        .fetch_optional(&mut **x)
        .await)?)
}

pub async fn complete(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    principal: &str,
    key: &str,
    response: &str,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE idempotency_keys SET response = $4 WHERE tenant_id = $1 AND principal_id = $2 AND idem_key = $3";
    exec!(c, |x| sqlx::query(SQL)
        .bind(tenant_id)
        .bind(principal)
        .bind(key)
        .bind(response)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// Forgets keys older than the cut-off, in one batch.
pub async fn purge_before(c: &mut Conn<'_>, cutoff: i64) -> Result<u64, StoreError> {
    const SQL: &str = "DELETE FROM idempotency_keys WHERE created_at < $1";
    let done = exec!(c, |x| sqlx::query(SQL).bind(cutoff).execute(&mut **x).await)?;
    Ok(done)
}

/// Every stored response, for tests that look for leaked secrets.
pub async fn all_responses(c: &mut Conn<'_>) -> Result<Vec<String>, StoreError> {
    const SQL: &str = "SELECT COALESCE(response, '') FROM idempotency_keys";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, String>(SQL)
        .fetch_all(&mut **x)
        .await)?)
}
