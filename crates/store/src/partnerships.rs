//! Partnerships between indirect providers and indirect resellers, and the invitations that
//! create them.

use twotier_domain::ids::{InvitationId, PartnershipId, TenantId};

use twotier_domain::link::{InvitationState, RelationshipState};

use crate::customers::{Cursor, ListSort};
use crate::{Conn, ProviderTenant, ResellerTenant, StoreError, exec, keyset, on_conn};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: InvitationId,
    pub provider_tenant_id: TenantId,
    pub token_hash: String,
    #[sqlx(try_from = "String")]
    pub state: InvitationState,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub reseller_tenant_id: Option<TenantId>,
}

const INVITATION_COLUMNS: &str = "id, provider_tenant_id, token_hash, state, created_by, created_at, expires_at, \
     decided_at, decided_by, reseller_tenant_id";

pub async fn insert_invitation(c: &mut Conn<'_>, i: &InvitationRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO partnership_invitations ({INVITATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    );
    exec!(c, |x| sqlx::query(&sql)
        .bind(&i.id)
        .bind(&i.provider_tenant_id)
        .bind(&i.token_hash)
        .bind(i.state.as_str())
        .bind(&i.created_by)
        .bind(i.created_at)
        .bind(i.expires_at)
        .bind(i.decided_at)
        .bind(&i.decided_by)
        .bind(&i.reseller_tenant_id)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn find_invitation_by_hash(
    c: &mut Conn<'_>,
    token_hash: &str,
) -> Result<Option<InvitationRow>, StoreError> {
    let sql =
        format!("SELECT {INVITATION_COLUMNS} FROM partnership_invitations WHERE token_hash = $1");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, InvitationRow>(&sql)
        .bind(token_hash)
        .fetch_optional(&mut **x)
        .await)?)
}

pub async fn find_invitation(
    c: &mut Conn<'_>,
    provider: &TenantId,
    id: &InvitationId,
) -> Result<Option<InvitationRow>, StoreError> {
    let sql = format!(
        "SELECT {INVITATION_COLUMNS} FROM partnership_invitations WHERE provider_tenant_id = $1 AND id = $2"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, InvitationRow>(&sql)
        .bind(provider)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?)
}

/// The provider's invitations, newest first.
pub async fn list_invitations(
    c: &mut Conn<'_>,
    provider: &TenantId,
    limit: i64,
) -> Result<Vec<InvitationRow>, StoreError> {
    let sql = format!(
        "SELECT {INVITATION_COLUMNS} FROM partnership_invitations WHERE provider_tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, InvitationRow>(&sql)
        .bind(provider)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)?)
}

/// Revokes a pending invitation; false when it was not pending.
pub async fn revoke_invitation(
    c: &mut Conn<'_>,
    provider: &TenantId,
    id: &InvitationId,
    by: &str,
    at: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE partnership_invitations SET state = 'revoked', decided_at = $3, decided_by = $4 \
         WHERE provider_tenant_id = $1 AND id = $2 AND state = 'pending'";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(provider)
        .bind(id)
        .bind(at)
        .bind(by)
        .execute(&mut **x)
        .await)?;
    Ok(done == 1)
}

/// Spends a pending, unexpired invitation for a reseller. Exactly one of any number of
/// concurrent calls gets `true`.
pub async fn spend_invitation(
    c: &mut Conn<'_>,
    id: &InvitationId,
    reseller: &TenantId,
    by: &str,
    at: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE partnership_invitations SET state = 'accepted', decided_at = $3, decided_by = $4, \
         reseller_tenant_id = $2 WHERE id = $1 AND state = 'pending' AND expires_at > $3";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(reseller)
        .bind(at)
        .bind(by)
        .execute(&mut **x)
        .await)?;
    Ok(done == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartnershipRow {
    pub id: PartnershipId,
    pub provider_tenant_id: TenantId,
    pub reseller_tenant_id: TenantId,
    #[sqlx(try_from = "String")]
    pub state: RelationshipState,
    pub invitation_id: Option<InvitationId>,
    pub created_at: i64,
    pub created_by: String,
    pub removed_at: Option<i64>,
    pub removed_by: Option<String>,
}

pub async fn insert(c: &mut Conn<'_>, p: &PartnershipRow) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO partnerships (id, provider_tenant_id, reseller_tenant_id, state, invitation_id, \
         created_at, created_by, removed_at, removed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    exec!(c, |x| sqlx::query(SQL)
        .bind(&p.id)
        .bind(&p.provider_tenant_id)
        .bind(&p.reseller_tenant_id)
        .bind(p.state.as_str())
        .bind(&p.invitation_id)
        .bind(p.created_at)
        .bind(&p.created_by)
        .bind(p.removed_at)
        .bind(&p.removed_by)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn find_active(
    c: &mut Conn<'_>,
    ProviderTenant(provider): ProviderTenant<'_>,
    ResellerTenant(reseller): ResellerTenant<'_>,
) -> Result<Option<PartnershipRow>, StoreError> {
    const SQL: &str = "SELECT id, provider_tenant_id, reseller_tenant_id, state, invitation_id, created_at, created_by, \
         removed_at, removed_by FROM partnerships WHERE provider_tenant_id = $1 AND reseller_tenant_id = $2 AND state = 'active'";
    Ok(on_conn!(c, |x| sqlx::query_as::<_, PartnershipRow>(SQL)
        .bind(provider)
        .bind(reseller)
        .fetch_optional(&mut **x)
        .await)?)
}

/// Whether two tenants have an active partnership, in either direction.
pub async fn active_between(c: &mut Conn<'_>, a: &str, b: &str) -> Result<bool, StoreError> {
    const SQL: &str = "SELECT COUNT(*) FROM partnerships WHERE state = 'active' AND \
         ((provider_tenant_id = $1 AND reseller_tenant_id = $2) OR (provider_tenant_id = $2 AND reseller_tenant_id = $1))";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, i64>(SQL)
        .bind(a)
        .bind(b)
        .fetch_one(&mut **x)
        .await)?
        > 0)
}

/// Ends the active partnership of the pair; false when there was none.
pub async fn remove(
    c: &mut Conn<'_>,
    ProviderTenant(provider): ProviderTenant<'_>,
    ResellerTenant(reseller): ResellerTenant<'_>,
    by: &str,
    at: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE partnerships SET state = 'removed', removed_at = $3, removed_by = $4 \
         WHERE provider_tenant_id = $1 AND reseller_tenant_id = $2 AND state = 'active'";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(provider)
        .bind(reseller)
        .bind(at)
        .bind(by)
        .execute(&mut **x)
        .await)?;
    Ok(done == 1)
}

/// One row of a partner's list: the partnership and the partner on the other side.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CounterpartRow {
    pub partnership_id: PartnershipId,
    pub tenant_id: TenantId,
    pub name: String,
    /// The name as the database lowercases it: the key of the name orders.
    pub name_key: String,
    pub mpn_id: i64,
    pub country: String,
    #[sqlx(try_from = "String")]
    pub state: RelationshipState,
    pub created_at: i64,
}

/// Which side the listing tenant is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The tenant is the provider; list its resellers.
    Provider,
    /// The tenant is the reseller; list its providers.
    Reseller,
}

#[derive(Debug, Clone)]
pub struct CounterpartFilter<'a> {
    pub side: Side,
    pub tenant: &'a TenantId,
    /// Names that start with this (the API's `starts_with`).
    pub name_prefix: Option<&'a str>,
    /// Names or MPN IDs that contain this (the lists' search).
    pub contains: Option<&'a str>,
    pub sort: ListSort,
    /// The page starts after (or, backwards, ends before) this row of the order.
    pub cursor: Option<Cursor<'a>>,
    pub limit: i64,
}

impl ListSort {
    /// A partner's key in this order, as a cursor carries it.
    pub fn key_of_counterpart(self, row: &CounterpartRow) -> String {
        match self {
            Self::Name | Self::NameDescending => row.name_key.clone(),
            Self::Newest | Self::Oldest => row.created_at.to_string(),
        }
    }
}

/// The query of a partner list: `select` over the active partnerships of `$1` with the
/// partner on the other side, filtered, and when `paged` its page in order.
fn counterpart_sql(f: &CounterpartFilter<'_>, select: &str, paged: bool) -> keyset::Query {
    let (me, other) = match f.side {
        Side::Provider => ("provider_tenant_id", "reseller_tenant_id"),
        Side::Reseller => ("reseller_tenant_id", "provider_tenant_id"),
    };
    let mut q = keyset::Query::new(
        format!(
            "SELECT {select} FROM partnerships s JOIN tenants t ON t.id = s.{other} JOIN partner_profiles p ON p.tenant_id = t.id \
             WHERE s.{me} = $1 AND s.state = 'active'"
        ),
        1,
    );
    crate::partners::search(&mut q, f.name_prefix, f.contains);
    if paged {
        q.page(
            ("lower(t.name)", "s.created_at", "t.id"),
            f.sort,
            f.cursor,
            f.limit,
        );
    }
    q
}

/// A page of the tenant's active partnerships with the partner on the other side, in the
/// filter's order (backwards from a backward cursor, turned round).
pub async fn list_counterparts(
    c: &mut Conn<'_>,
    f: &CounterpartFilter<'_>,
) -> Result<Vec<CounterpartRow>, StoreError> {
    let page = counterpart_sql(
        f,
        "s.id AS partnership_id, t.id AS tenant_id, t.name, lower(t.name) AS name_key, p.mpn_id, p.country, s.state, s.created_at",
        true,
    );
    page.rows_of(c, f.tenant, f.cursor.is_some_and(|c| c.backwards))
        .await
}

pub async fn count_counterparts(
    c: &mut Conn<'_>,
    f: &CounterpartFilter<'_>,
) -> Result<i64, StoreError> {
    counterpart_sql(f, "COUNT(*)", false)
        .count_of(c, f.tenant)
        .await
}

/// The provider's former resellers, (tenant id, name) by name: a partnership was removed
/// and none is active now. Their customers and seat-days remain, so lists filter by them.
pub async fn former_resellers(
    c: &mut Conn<'_>,
    provider: &TenantId,
) -> Result<Vec<(TenantId, String)>, StoreError> {
    const SQL: &str = "SELECT DISTINCT t.id, t.name FROM partnerships s JOIN tenants t ON t.id = s.reseller_tenant_id \
         WHERE s.provider_tenant_id = $1 AND s.state = 'removed' AND NOT EXISTS (SELECT 1 FROM partnerships a \
         WHERE a.provider_tenant_id = s.provider_tenant_id AND a.reseller_tenant_id = s.reseller_tenant_id AND a.state = 'active') \
         ORDER BY t.name, t.id";
    Ok(on_conn!(c, |x| sqlx::query_as::<_, (TenantId, String)>(
        SQL
    )
    .bind(provider)
    .fetch_all(&mut **x)
    .await)?)
}

/// The providers the reseller is partnered with now.
pub async fn current_providers(
    c: &mut Conn<'_>,
    reseller: &TenantId,
) -> Result<Vec<TenantId>, StoreError> {
    const SQL: &str = "SELECT provider_tenant_id FROM partnerships WHERE reseller_tenant_id = $1 \
         AND state = 'active' ORDER BY provider_tenant_id";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, TenantId>(SQL)
        .bind(reseller)
        .fetch_all(&mut **x)
        .await)?)
}
