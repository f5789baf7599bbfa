//! The audit log. Append-only: this module has no update or delete, and the migrations add
//! triggers that refuse both on each backend.

use twotier_domain::ids::{AppId, AuditId, TenantId, TokenId, UserId};

use crate::{Conn, StoreError, exec, on_conn};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct AuditRow {
    pub id: AuditId,
    pub tenant_id: TenantId,
    pub subject_tenant_id: Option<TenantId>,
    pub at: i64,
    pub actor_kind: String,
    pub actor_user_id: Option<UserId>,
    pub actor_label: String,
    pub actor_token_id: Option<TokenId>,
    pub actor_app_id: Option<AppId>,
    pub customer_id: Option<TenantId>,
    pub customer_name: Option<String>,
    pub operation: String,
    pub resource_type: String,
    pub resource_id: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub outcome: String,
    pub correlation_id: Option<String>,
    pub request_id: Option<String>,
}

const COLUMNS: &str = "id, tenant_id, subject_tenant_id, at, actor_kind, actor_user_id, actor_label, actor_token_id, \
     actor_app_id, customer_id, customer_name, operation, resource_type, resource_id, old_value, new_value, outcome, \
     correlation_id, request_id";

pub async fn insert(c: &mut Conn<'_>, r: &AuditRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO audit_records ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    );
    exec!(c, |x| sqlx::query(&sql)
        .bind(&r.id)
        .bind(&r.tenant_id)
        .bind(&r.subject_tenant_id)
        .bind(r.at)
        .bind(&r.actor_kind)
        .bind(&r.actor_user_id)
        .bind(&r.actor_label)
        .bind(&r.actor_token_id)
        .bind(&r.actor_app_id)
        .bind(&r.customer_id)
        .bind(&r.customer_name)
        .bind(&r.operation)
        .bind(&r.resource_type)
        .bind(&r.resource_id)
        .bind(&r.old_value)
        .bind(&r.new_value)
        .bind(&r.outcome)
        .bind(&r.correlation_id)
        .bind(&r.request_id)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// Which records a query may see and which it wants. `scope_tenant` None means every tenant
/// (the operator); otherwise what `SCOPE` lets that tenant see.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter<'a> {
    pub scope_tenant: Option<&'a TenantId>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub actor: Option<&'a str>,
    pub operation: Option<&'a str>,
    pub resource_type: Option<&'a str>,
    pub customer_id: Option<&'a TenantId>,
    /// Only rows older than this (at, id).
    pub before: Option<(i64, &'a str)>,
    /// Only rows newer than this (at, id).
    pub after: Option<(i64, &'a str)>,
    /// Read oldest first (else newest first).
    pub ascending: bool,
    pub limit: i64,
}

/// The records tenant `$1` sees: made by it, about it, or for it as a customer; and, for a
/// partner, the changes to a customer it serves (active relationship) made by the customer
/// itself or by the reseller the partner associated with it, unless about another partner
/// (another provider's sale stays that provider's).
const SCOPE: &str = "($1 IS NULL OR tenant_id = $1 OR subject_tenant_id = $1 OR customer_id = $1 \
     OR EXISTS (SELECT 1 FROM customer_relationships cr WHERE cr.partner_tenant_id = $1 \
     AND cr.state = 'active' \
     AND (cr.customer_tenant_id = audit_records.customer_id OR cr.customer_tenant_id = audit_records.subject_tenant_id) \
     AND (audit_records.tenant_id = cr.customer_tenant_id OR audit_records.tenant_id = cr.reseller_tenant_id) \
     AND (audit_records.subject_tenant_id IS NULL OR audit_records.subject_tenant_id = cr.customer_tenant_id)))";

/// The filter's conditions on `audit_records`, binds `$1` to `$11`.
const MATCHES: &str = "($2 IS NULL OR at >= $2) AND ($3 IS NULL OR at < $3) \
     AND ($4 IS NULL OR lower(actor_label) LIKE $4) \
     AND ($5 IS NULL OR operation = $5) AND ($6 IS NULL OR resource_type = $6) \
     AND ($7 IS NULL OR customer_id = $7) \
     AND ($8 IS NULL OR at < $8 OR (at = $8 AND id < $9)) \
     AND ($10 IS NULL OR at > $10 OR (at = $10 AND id > $11))";

/// Binds the filter's values to a query over [`MATCHES`].
macro_rules! bind_matches {
    ($q:expr, $f:expr) => {{
        let f = $f;
        let actor = f
            .actor
            .map(|a| format!("%{}%", a.to_lowercase().replace(['%', '_'], "")));
        let (before_at, before_id) = f
            .before
            .map_or((None, None), |(at, id)| (Some(at), Some(id)));
        let (after_at, after_id) = f
            .after
            .map_or((None, None), |(at, id)| (Some(at), Some(id)));
        $q.bind(f.scope_tenant)
            .bind(f.from)
            .bind(f.to)
            .bind(actor)
            .bind(f.operation)
            .bind(f.resource_type)
            .bind(f.customer_id)
            .bind(before_at)
            .bind(before_id)
            .bind(after_at)
            .bind(after_id)
    }};
}

/// The records that match, in the filter's read order.
pub async fn list(c: &mut Conn<'_>, f: &AuditFilter<'_>) -> Result<Vec<AuditRow>, StoreError> {
    let dir = if f.ascending { "ASC" } else { "DESC" };
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_records WHERE {SCOPE} AND {MATCHES} \
         ORDER BY at {dir}, id {dir} LIMIT $12"
    );
    Ok(on_conn!(c, |x| bind_matches!(
        sqlx::query_as::<_, AuditRow>(&sql),
        f
    )
    .bind(f.limit)
    .fetch_all(&mut **x)
    .await)?)
}

/// How many records match, counted up to `cap`.
pub async fn count(c: &mut Conn<'_>, f: &AuditFilter<'_>, cap: i64) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM audit_records WHERE {SCOPE} AND {MATCHES} LIMIT $12) m"
    );
    Ok(on_conn!(c, |x| bind_matches!(
        sqlx::query_scalar::<_, i64>(&sql),
        f
    )
    .bind(cap)
    .fetch_one(&mut **x)
    .await)?)
}

pub async fn find(
    c: &mut Conn<'_>,
    scope_tenant: Option<&TenantId>,
    id: &AuditId,
) -> Result<Option<AuditRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_records WHERE {SCOPE} AND id = $2");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, AuditRow>(&sql)
        .bind(scope_tenant)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?)
}

pub async fn count_all(c: &mut Conn<'_>) -> Result<i64, StoreError> {
    const SQL: &str = "SELECT COUNT(*) FROM audit_records";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, i64>(SQL)
        .fetch_one(&mut **x)
        .await)?)
}
