use crate::customers::{Cursor, ListSort};
use crate::{Conn, StoreError, exec, keyset, on_conn};
use twotier_domain::ids::{TenantId, UserId};

/// A partner organisation: its tenant joined with its directory profile.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartnerRow {
    pub tenant_id: TenantId,
    pub kind: String,
    pub name: String,
    /// The name as the database lowercases it: the key of the name orders.
    pub name_key: String,
    pub disabled: bool,
    pub require_mfa: bool,
    pub created_at: i64,
    pub legal_name: String,
    pub country: String,
    pub region: String,
    pub mpn_id: i64,
    pub contact_email: String,
    pub description: String,
    pub website: String,
    pub agreement_accepted_at: Option<i64>,
    pub agreement_accepted_by: Option<UserId>,
    pub updated_at: i64,
}

const SELECT_COLUMNS: &str = "SELECT t.id AS tenant_id, t.kind, t.name, lower(t.name) AS name_key, t.disabled, \
     t.require_mfa, t.created_at, p.legal_name, p.country, p.region, p.mpn_id, p.contact_email, p.description, \
     p.website, p.agreement_accepted_at, p.agreement_accepted_by, p.updated_at";
const FROM: &str = "FROM partner_profiles p JOIN tenants t ON t.id = p.tenant_id";

#[derive(Debug, Clone)]
pub struct NewProfile<'a> {
    pub tenant_id: &'a TenantId,
    pub legal_name: &'a str,
    pub country: &'a str,
    pub region: &'a str,
    pub mpn_id: i64,
    pub contact_email: &'a str,
    pub description: &'a str,
    pub website: &'a str,
    pub agreement_accepted_at: Option<i64>,
    pub agreement_accepted_by: Option<&'a UserId>,
    pub updated_at: i64,
}

pub async fn insert_profile(c: &mut Conn<'_>, p: &NewProfile<'_>) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO partner_profiles (tenant_id, legal_name, country, region, mpn_id, \
         contact_email, description, website, agreement_accepted_at, agreement_accepted_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    exec!(c, |x| sqlx::query(SQL)
        .bind(p.tenant_id)
        .bind(p.legal_name)
        .bind(p.country)
        .bind(p.region)
        .bind(p.mpn_id)
        .bind(p.contact_email)
        .bind(p.description)
        .bind(p.website)
        .bind(p.agreement_accepted_at)
        .bind(p.agreement_accepted_by)
        .bind(p.updated_at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn find(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
) -> Result<Option<PartnerRow>, StoreError> {
    let sql = format!("{SELECT_COLUMNS} {FROM} WHERE t.id = $1");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, PartnerRow>(&sql)
        .bind(tenant_id)
        .fetch_optional(&mut **x)
        .await)?)
}

pub async fn find_by_mpn_id(
    c: &mut Conn<'_>,
    mpn_id: i64,
) -> Result<Option<PartnerRow>, StoreError> {
    let sql = format!("{SELECT_COLUMNS} {FROM} WHERE p.mpn_id = $1");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, PartnerRow>(&sql)
        .bind(mpn_id)
        .fetch_optional(&mut **x)
        .await)?)
}

/// Filters for a partner list; `after` is the keyset cursor (name, id) of the previous page's last row.
#[derive(Debug, Clone, Default)]
pub struct ListFilter<'a> {
    pub kind: Option<&'a str>,
    /// Names that start with this (the API's filter and the public directory).
    pub name_prefix: Option<&'a str>,
    /// Names or MPN IDs that contain this (the operator's list).
    pub contains: Option<&'a str>,
    pub include_disabled: bool,
    /// By name or by when the partner was enrolled.
    pub sort: ListSort,
    pub cursor: Option<Cursor<'a>>,
    pub limit: i64,
}

impl ListSort {
    /// A partner's key in this order, as a cursor carries it.
    pub fn key_of_partner(self, row: &PartnerRow) -> String {
        match self {
            Self::Name | Self::NameDescending => row.name_key.clone(),
            Self::Newest | Self::Oldest => row.created_at.to_string(),
        }
    }
}

/// Adds the searches of a partner list on tenants `t` with their profiles `p`: names that
/// start with `prefix`, names or MPN IDs that contain `contains`.
pub(crate) fn search(q: &mut keyset::Query, prefix: Option<&str>, contains: Option<&str>) {
    if let Some(prefix) = crate::like_prefix(prefix) {
        q.and("lower(t.name) LIKE ? ESCAPE '\\'", vec![prefix]);
    }
    if let Some(text) = crate::like_contains(contains) {
        q.and(
            "(lower(t.name) LIKE ? ESCAPE '\\' OR CAST(p.mpn_id AS TEXT) LIKE ? ESCAPE '\\')",
            vec![text.clone(), text],
        );
    }
}

/// The partners of the filter: `select` over tenants `t` and profiles `p`, with the page
/// in order when `paged`; binds `$1` (kind) and `$2` (include disabled) first.
fn list_sql(f: &ListFilter<'_>, select: &str, paged: bool) -> keyset::Query {
    let mut q = keyset::Query::new(
        format!("{select} {FROM} WHERE ($1 IS NULL OR t.kind = $1) AND ($2 OR NOT t.disabled)"),
        2,
    );
    search(&mut q, f.name_prefix, f.contains);
    if paged {
        q.page(
            ("lower(t.name)", "t.created_at", "t.id"),
            f.sort,
            f.cursor,
            f.limit,
        );
    }
    q
}

/// A page of partners in the filter's order (backwards from a backward cursor, turned
/// round).
pub async fn list(c: &mut Conn<'_>, f: &ListFilter<'_>) -> Result<Vec<PartnerRow>, StoreError> {
    let page = list_sql(f, SELECT_COLUMNS, true);
    let mut rows = on_conn!(c, |x| {
        let mut q = sqlx::query_as::<_, PartnerRow>(&page.sql)
            .bind(f.kind)
            .bind(f.include_disabled);
        for b in &page.binds {
            q = q.bind(b);
        }
        q.fetch_all(&mut **x).await
    })?;
    if f.cursor.is_some_and(|c| c.backwards) {
        rows.reverse();
    }
    Ok(rows)
}

pub async fn count(c: &mut Conn<'_>, f: &ListFilter<'_>) -> Result<i64, StoreError> {
    let count = list_sql(f, "SELECT COUNT(*)", false);
    Ok(on_conn!(c, |x| {
        let mut q = sqlx::query_scalar::<_, i64>(&count.sql)
            .bind(f.kind)
            .bind(f.include_disabled);
        for b in &count.binds {
            q = q.bind(b);
        }
        q.fetch_one(&mut **x).await
    })?)
}

#[derive(Debug, Clone)]
pub struct ProfilePatch<'a> {
    pub legal_name: &'a str,
    pub contact_email: &'a str,
    pub description: &'a str,
    pub website: &'a str,
    pub updated_at: i64,
}

pub async fn update_profile(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    p: &ProfilePatch<'_>,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE partner_profiles SET legal_name = $2, contact_email = $3, description = $4, \
         website = $5, updated_at = $6 WHERE tenant_id = $1";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(tenant_id)
        .bind(p.legal_name)
        .bind(p.contact_email)
        .bind(p.description)
        .bind(p.website)
        .bind(p.updated_at)
        .execute(&mut **x)
        .await)?;
    crate::expect_row(done)
}

/// Records the acceptance once; a second acceptance changes nothing and returns false.
pub async fn accept_agreement(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    user_id: &UserId,
    at: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE partner_profiles SET agreement_accepted_at = $2, agreement_accepted_by = $3, \
         updated_at = $2 WHERE tenant_id = $1 AND agreement_accepted_at IS NULL";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(tenant_id)
        .bind(at)
        .bind(user_id)
        .execute(&mut **x)
        .await)?;
    Ok(done == 1)
}
