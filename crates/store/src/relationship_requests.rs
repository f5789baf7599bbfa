//! Relationship request links: a provider asks an existing customer tenant for a reseller
//! relationship (optionally for one of its indirect resellers, optionally with delegated
//! admin access). Only the SHA-256 of the link's token is stored.

use twotier_domain::ids::{RelationshipRequestId, TenantId};

use twotier_domain::link::InvitationState;

use crate::{Conn, StoreError, exec, on_conn};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    pub id: RelationshipRequestId,
    pub provider_tenant_id: TenantId,
    pub reseller_tenant_id: Option<TenantId>,
    pub customer_tenant_id: Option<TenantId>,
    pub delegated_admin: bool,
    pub token_hash: String,
    #[sqlx(try_from = "String")]
    pub state: InvitationState,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub accepted_by_tenant_id: Option<TenantId>,
}

const COLUMNS: &str = "id, provider_tenant_id, reseller_tenant_id, customer_tenant_id, delegated_admin, token_hash, \
     state, created_by, created_at, expires_at, decided_at, decided_by, accepted_by_tenant_id";

pub async fn insert(c: &mut Conn<'_>, r: &RequestRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO relationship_requests ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    );
    exec!(c, |x| sqlx::query(&sql)
        .bind(&r.id)
        .bind(&r.provider_tenant_id)
        .bind(&r.reseller_tenant_id)
        .bind(&r.customer_tenant_id)
        .bind(r.delegated_admin)
        .bind(&r.token_hash)
        .bind(r.state.as_str())
        .bind(&r.created_by)
        .bind(r.created_at)
        .bind(r.expires_at)
        .bind(r.decided_at)
        .bind(&r.decided_by)
        .bind(&r.accepted_by_tenant_id)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn find_by_hash(
    c: &mut Conn<'_>,
    token_hash: &str,
) -> Result<Option<RequestRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM relationship_requests WHERE token_hash = $1");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, RequestRow>(&sql)
        .bind(token_hash)
        .fetch_optional(&mut **x)
        .await)?)
}

/// One of the provider's requests.
pub async fn find(
    c: &mut Conn<'_>,
    provider: &TenantId,
    id: &RelationshipRequestId,
) -> Result<Option<RequestRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM relationship_requests WHERE provider_tenant_id = $1 AND id = $2"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, RequestRow>(&sql)
        .bind(provider)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?)
}

/// The provider's requests, newest first.
pub async fn list_of_provider(
    c: &mut Conn<'_>,
    provider: &TenantId,
    limit: i64,
) -> Result<Vec<RequestRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM relationship_requests WHERE provider_tenant_id = $1 ORDER BY created_at DESC, id LIMIT $2"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, RequestRow>(&sql)
        .bind(provider)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)?)
}

/// The pending, unexpired requests made for this customer, newest first.
pub async fn pending_for_customer(
    c: &mut Conn<'_>,
    customer: &TenantId,
    now: i64,
) -> Result<Vec<RequestRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM relationship_requests WHERE customer_tenant_id = $1 AND state = 'pending' \
         AND expires_at > $2 ORDER BY created_at DESC, id"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, RequestRow>(&sql)
        .bind(customer)
        .bind(now)
        .fetch_all(&mut **x)
        .await)?)
}

/// Revokes a pending request; false when it was no longer pending.
pub async fn revoke(
    c: &mut Conn<'_>,
    id: &RelationshipRequestId,
    by: &str,
    at: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE relationship_requests SET state = 'revoked', decided_at = $2, decided_by = $3 \
         WHERE id = $1 AND state = 'pending'";
    Ok(exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(at)
        .bind(by)
        .execute(&mut **x)
        .await)?
        == 1)
}

/// Spends a pending, unexpired request for the customer; of concurrent acceptances exactly
/// one gets true.
pub async fn spend(
    c: &mut Conn<'_>,
    id: &RelationshipRequestId,
    customer: &TenantId,
    by: &str,
    at: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE relationship_requests SET state = 'accepted', decided_at = $3, decided_by = $4, \
         accepted_by_tenant_id = $2 WHERE id = $1 AND state = 'pending' AND expires_at > $3";
    Ok(exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(customer)
        .bind(at)
        .bind(by)
        .execute(&mut **x)
        .await)?
        == 1)
}

/// A request made for this customer.
pub async fn find_for_customer(
    c: &mut Conn<'_>,
    customer: &TenantId,
    id: &RelationshipRequestId,
) -> Result<Option<RequestRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM relationship_requests WHERE customer_tenant_id = $1 AND id = $2"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, RequestRow>(&sql)
        .bind(customer)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?)
}

/// The customer declines a pending request made for it; false when it was no longer pending.
pub async fn decline(
    c: &mut Conn<'_>,
    id: &RelationshipRequestId,
    customer: &TenantId,
    by: &str,
    at: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE relationship_requests SET state = 'declined', decided_at = $3, decided_by = $4 \
         WHERE id = $1 AND customer_tenant_id = $2 AND state = 'pending'";
    Ok(exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(customer)
        .bind(at)
        .bind(by)
        .execute(&mut **x)
        .await)?
        == 1)
}

/// Closes the provider's other pending requests made for this customer once one is accepted;
/// returns the ids it closed.
pub async fn supersede(
    c: &mut Conn<'_>,
    provider: &TenantId,
    customer: &TenantId,
    accepted: &RelationshipRequestId,
    at: i64,
) -> Result<Vec<RelationshipRequestId>, StoreError> {
    const SQL: &str = "UPDATE relationship_requests SET state = 'superseded', decided_at = $4 \
         WHERE provider_tenant_id = $1 AND customer_tenant_id = $2 AND id <> $3 AND state = 'pending' RETURNING id";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<
        _,
        RelationshipRequestId,
    >(SQL)
    .bind(provider)
    .bind(customer)
    .bind(accepted)
    .bind(at)
    .fetch_all(&mut **x)
    .await)?)
}
