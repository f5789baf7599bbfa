//! Customers: a customer tenant's company and billing profiles, and the partners' reseller
//! relationships with it.

use twotier_domain::ids::{BillingProfileId, TenantId};

use twotier_domain::customer::DomainPrefix;
use twotier_domain::link::RelationshipState;

use crate::{Conn, CustomerTenant, Db, PartnerTenant, ProviderTenant, StoreError, exec, on_conn};

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct CustomerRow {
    pub tenant_id: TenantId,
    pub provider_tenant_id: TenantId,
    pub reseller_tenant_id: Option<TenantId>,
    pub company_name: String,
    pub company_name_lower: String,
    pub domain_prefix: String,
    pub domain: String,
    pub billing_id: BillingProfileId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub culture: String,
    pub language: String,
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub country: String,
    pub billing_version: i64,
    pub created_at: i64,
}

const COLUMNS: &str = "tenant_id, provider_tenant_id, reseller_tenant_id, company_name, company_name_lower, domain_prefix, \
     domain, billing_id, first_name, last_name, email, phone, culture, language, address_line1, address_line2, city, state, \
     postal_code, country, billing_version, created_at";

pub async fn insert(c: &mut Conn<'_>, r: &CustomerRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO customers ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
    );
    exec!(c, |x| sqlx::query(&sql)
        .bind(&r.tenant_id)
        .bind(&r.provider_tenant_id)
        .bind(&r.reseller_tenant_id)
        .bind(&r.company_name)
        .bind(&r.company_name_lower)
        .bind(&r.domain_prefix)
        .bind(&r.domain)
        .bind(&r.billing_id)
        .bind(&r.first_name)
        .bind(&r.last_name)
        .bind(&r.email)
        .bind(&r.phone)
        .bind(&r.culture)
        .bind(&r.language)
        .bind(&r.address_line1)
        .bind(&r.address_line2)
        .bind(&r.city)
        .bind(&r.state)
        .bind(&r.postal_code)
        .bind(&r.country)
        .bind(r.billing_version)
        .bind(r.created_at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn find(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
) -> Result<Option<CustomerRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM customers WHERE tenant_id = $1");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, CustomerRow>(&sql)
        .bind(tenant_id)
        .fetch_optional(&mut **x)
        .await)?)
}

pub async fn find_by_prefix(
    c: &mut Conn<'_>,
    prefix: &str,
) -> Result<Option<CustomerRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM customers WHERE domain_prefix = $1");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, CustomerRow>(&sql)
        .bind(prefix)
        .fetch_optional(&mut **x)
        .await)?)
}

pub async fn prefix_taken(c: &mut Conn<'_>, prefix: &DomainPrefix) -> Result<bool, StoreError> {
    const SQL: &str = "SELECT COUNT(*) FROM customers WHERE domain_prefix = $1";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, i64>(SQL)
        .bind(prefix.as_str())
        .fetch_one(&mut **x)
        .await)?
        > 0)
}

/// Whose customers a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner<'a> {
    Provider(&'a TenantId),
    Reseller(&'a TenantId),
}

#[derive(Debug, Clone)]
pub struct ListFilter<'a> {
    pub owner: Owner<'a>,
    pub name_prefix: Option<&'a str>,
    pub domain_prefix: Option<&'a str>,
    /// Company name or domain containing this text anywhere (the UI's search; it reads the
    /// owner's whole list when few match, where a prefix reads an index range).
    pub contains: Option<&'a str>,
    pub reseller: Option<&'a TenantId>,
    pub sort: ListSort,
    /// Keyset cursor: the sort key and tenant id of the row the page starts after, read
    /// forwards (the next page) or backwards (the previous one).
    pub cursor: Option<Cursor<'a>>,
    pub limit: i64,
}

/// The order of a customer list, each on an index that leads with the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListSort {
    /// By company name, A to Z.
    #[default]
    Name,
    /// By company name, Z to A.
    NameDescending,
    /// Newest relationship first.
    Newest,
    /// Oldest relationship first.
    Oldest,
}

impl ListSort {
    fn column(self) -> &'static str {
        match self {
            Self::Name | Self::NameDescending => "r.company_name_lower",
            Self::Newest | Self::Oldest => "r.created_at",
        }
    }
    pub(crate) fn descending(self) -> bool {
        matches!(self, Self::NameDescending | Self::Newest)
    }
    /// The row's key in this order, as a cursor carries it.
    pub fn key_of(self, row: &CustomerListRow) -> String {
        match self {
            Self::Name | Self::NameDescending => row.company_name_lower.clone(),
            Self::Newest | Self::Oldest => row.since.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Cursor<'a> {
    pub key: &'a str,
    pub id: &'a str,
    /// Read the rows before the cursor (the previous page), nearest first.
    pub backwards: bool,
}

/// One row of a partner's customer list: what a list shows, not the whole customer (the
/// billing profile is read one customer at a time, as in Partner Center).
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct CustomerListRow {
    pub tenant_id: TenantId,
    pub company_name: String,
    pub company_name_lower: String,
    pub domain: String,
    pub country: String,
    /// The reseller associated through the listing provider's relationship.
    pub reseller_tenant_id: Option<TenantId>,
    pub reseller_name: Option<String>,
    pub billing_version: i64,
    pub created_at: i64,
    /// When the owner's relationship with the customer began.
    pub since: i64,
}

/// The list's columns as (expression, name), in `CustomerListRow`'s order.
const LIST_COLUMNS: [(&str, &str); 10] = [
    ("r.customer_tenant_id", "tenant_id"),
    ("r.company_name", "company_name"),
    ("r.company_name_lower", "company_name_lower"),
    ("c.domain", "domain"),
    ("c.country", "country"),
    ("r.reseller_tenant_id", "reseller_tenant_id"),
    ("t.name", "reseller_name"),
    ("r.billing_version", "billing_version"),
    ("c.created_at", "created_at"),
    ("r.created_at", "since"),
];

/// The page query with only the conditions asked for, so each backend picks the index that
/// leads with the narrowest column (the reseller's when the list is one reseller's), and the
/// values to bind in order; the row-value comparison is the keyset cursor.
fn list_sql<'a>(f: &'a ListFilter<'a>, backend: crate::Backend) -> (String, Vec<Option<String>>) {
    // The list is read from the partner's relationships, which carry the sort key, so a
    // partner's page is one index range however many partners a customer has. A provider's
    // relationship names the reseller associated through it; a reseller's own list never
    // shows a reseller, so it skips those columns and the join.
    let columns: Vec<String> = LIST_COLUMNS
        .iter()
        .map(|&(expr, name)| match (f.owner, name) {
            (Owner::Reseller(_), "reseller_tenant_id" | "reseller_name") => {
                format!("CAST(NULL AS TEXT) AS {name}")
            }
            _ => format!("{expr} AS {name}"),
        })
        .collect();
    let mut sql = format!(
        "SELECT {} FROM customer_relationships r JOIN customers c ON c.tenant_id = r.customer_tenant_id ",
        columns.join(", ")
    );
    if let Owner::Provider(_) = f.owner {
        sql.push_str("LEFT JOIN tenants t ON t.id = r.reseller_tenant_id ");
    }
    let owner = match f.owner {
        Owner::Provider(id) | Owner::Reseller(id) => id,
    };
    sql.push_str("WHERE r.partner_tenant_id = $1 AND r.state = 'active'");
    let mut binds = vec![Some(owner.to_string())];
    let mut add = |sql: &mut String, condition: &str, values: &[Option<String>]| {
        let mut condition = condition.to_owned();
        for v in values {
            binds.push(v.clone());
            condition = condition.replacen('?', &format!("${}", binds.len()), 1);
        }
        sql.push_str(" AND ");
        sql.push_str(&condition);
    };
    if let Some(reseller) = f.reseller {
        add(
            &mut sql,
            "r.reseller_tenant_id = ?",
            &[Some(reseller.to_string())],
        );
    }
    if let Some(name) = crate::like_prefix(f.name_prefix) {
        add(
            &mut sql,
            "r.company_name_lower LIKE ? ESCAPE '\\'",
            &[Some(name)],
        );
    }
    if let Some(domain) = crate::like_prefix(f.domain_prefix) {
        add(
            &mut sql,
            "c.domain_prefix LIKE ? ESCAPE '\\'",
            &[Some(domain)],
        );
    }
    if let Some(text) = crate::like_contains(f.contains) {
        add(
            &mut sql,
            "(r.company_name_lower LIKE ? ESCAPE '\\' OR c.domain LIKE ? ESCAPE '\\')",
            &[Some(text.clone()), Some(text)],
        );
    }
    let column = f.sort.column();
    // Backwards reads the list in the opposite order from the cursor; the caller turns the
    // rows round.
    let descending = f.sort.descending() != f.cursor.is_some_and(|c| c.backwards);
    if let Some(cursor) = f.cursor {
        let key = if column == "r.created_at" {
            "CAST(? AS BIGINT)"
        } else {
            "?"
        };
        let op = if descending { "<" } else { ">" };
        add(
            &mut sql,
            &format!("({column}, r.customer_tenant_id) {op} ({key}, ?)"),
            &[Some(cursor.key.to_owned()), Some(cursor.id.to_owned())],
        );
    }
    let dir = if descending { "DESC" } else { "ASC" };
    sql.push_str(&format!(
        " ORDER BY {column} {dir}, r.customer_tenant_id {dir} LIMIT {}",
        f.limit.max(1)
    ));
    let sql = match backend {
        // SQLite's driver hands every row from its database thread to the caller's task, a
        // wake-up each; the page comes back as one JSON array, so one row crosses instead.
        crate::Backend::Sqlite => {
            let fields: Vec<String> = LIST_COLUMNS
                .iter()
                .map(|(_, name)| format!("'{name}', p.{name}"))
                .collect();
            format!(
                "SELECT json_group_array(json_object({})) FROM ({sql}) p",
                fields.join(", ")
            )
        }
        crate::Backend::Postgres => sql,
    };
    (sql, binds)
}

/// A page of customers in the filter's order (a backwards page too, its rows in that
/// order); keyset, so deep pages cost what the first does.
pub async fn list(db: &Db, f: &ListFilter<'_>) -> Result<Vec<CustomerListRow>, StoreError> {
    // A page of an owner's list (or of one reseller's part of it) has one best plan for every
    // owner, small or the largest: the list index in order, then the customer of each row, so
    // PostgreSQL keeps that plan (`Db::read_list`). A search's best plan depends on what is
    // searched for, so it is planned for the values at hand, on the ordinary pool.
    let searching = crate::like_prefix(f.name_prefix).is_some()
        || crate::like_prefix(f.domain_prefix).is_some()
        || crate::like_prefix(f.contains).is_some()
        || f.sort != ListSort::Name;
    let mut c = if searching {
        db.read().await?
    } else {
        db.read_list().await?
    };
    let (sql, binds) = list_sql(f, db.backend());
    match c.conn() {
        Conn::Sqlite(x) => {
            let mut q = sqlx::query_scalar::<_, String>(&sql);
            for b in &binds {
                q = q.bind(b.as_deref());
            }
            let page = q.fetch_one(&mut *x).await?;
            let mut rows: Vec<CustomerListRow> = serde_json::from_str(&page)
                .map_err(|e| StoreError::Corrupt(format!("customer list: {e}")))?;
            // An aggregate's order is not promised; the page's order is the keyset's, which
            // is byte order, as SQLite compares text.
            rows.sort_by(|a, b| match f.sort.column() {
                "r.created_at" => (a.since, &a.tenant_id).cmp(&(b.since, &b.tenant_id)),
                _ => (&a.company_name_lower, &a.tenant_id)
                    .cmp(&(&b.company_name_lower, &b.tenant_id)),
            });
            if f.sort.descending() {
                rows.reverse();
            }
            Ok(rows)
        }
        Conn::Postgres(x) => {
            let mut q = sqlx::query_as::<_, CustomerListRow>(&sql).persistent(!searching);
            for b in &binds {
                q = q.bind(b.as_deref());
            }
            let mut rows = q.fetch_all(&mut *x).await?;
            if f.cursor.is_some_and(|c| c.backwards) {
                rows.reverse();
            }
            Ok(rows)
        }
    }
}

/// How many customers the list's filter matches, counted up to `cap` (a page shows "more
/// than" beyond it, so a large owner's count costs a bounded read).
pub async fn count(db: &Db, f: &ListFilter<'_>, cap: i64) -> Result<i64, StoreError> {
    let unpaged = ListFilter {
        cursor: None,
        limit: cap,
        sort: ListSort::Name,
        ..f.clone()
    };
    let (sql, binds) = list_sql(&unpaged, crate::Backend::Postgres);
    let sql = format!("SELECT COUNT(*) FROM ({sql}) counted");
    let mut c = db.read().await?;
    Ok(on_conn!(&mut c.conn(), |x| {
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for b in &binds {
            q = q.bind(b.as_deref());
        }
        q.fetch_one(&mut **x).await
    })?)
}

/// How many customers of the provider each reseller is associated with.
pub async fn counts_by_reseller(
    c: &mut Conn<'_>,
    provider: &TenantId,
) -> Result<Vec<(String, i64)>, StoreError> {
    const SQL: &str = "SELECT reseller_tenant_id, COUNT(*) FROM customer_relationships WHERE partner_tenant_id = $1 \
         AND state = 'active' AND reseller_tenant_id IS NOT NULL GROUP BY reseller_tenant_id";
    Ok(on_conn!(c, |x| sqlx::query_as::<_, (String, i64)>(SQL)
        .bind(provider)
        .fetch_all(&mut **x)
        .await)?)
}

#[derive(Debug, Clone)]
pub struct BillingPatch<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub culture: &'a str,
    pub language: &'a str,
    pub company_name: &'a str,
    pub address_line1: &'a str,
    pub address_line2: &'a str,
    pub city: &'a str,
    pub state: &'a str,
    pub postal_code: &'a str,
}

/// The customer as one partner sees it: the partner's own billing profile (the customer's
/// record where the partner has not changed it) and the partner's version of it. `None`
/// without an active relationship.
pub async fn find_for_partner(
    c: &mut Conn<'_>,
    PartnerTenant(partner): PartnerTenant<'_>,
    CustomerTenant(customer): CustomerTenant<'_>,
) -> Result<Option<CustomerRow>, StoreError> {
    const SQL: &str = "SELECT c.tenant_id, c.provider_tenant_id, c.reseller_tenant_id, r.company_name, \
         r.company_name_lower, c.domain_prefix, c.domain, c.billing_id, \
         COALESCE(r.billing_first_name, c.first_name) AS first_name, COALESCE(r.billing_last_name, c.last_name) AS last_name, \
         COALESCE(r.billing_email, c.email) AS email, COALESCE(r.billing_phone, c.phone) AS phone, \
         COALESCE(r.billing_culture, c.culture) AS culture, COALESCE(r.billing_language, c.language) AS language, \
         COALESCE(r.billing_address_line1, c.address_line1) AS address_line1, \
         COALESCE(r.billing_address_line2, c.address_line2) AS address_line2, COALESCE(r.billing_city, c.city) AS city, \
         COALESCE(r.billing_state, c.state) AS state, COALESCE(r.billing_postal_code, c.postal_code) AS postal_code, \
         c.country, r.billing_version, c.created_at \
         FROM customer_relationships r JOIN customers c ON c.tenant_id = r.customer_tenant_id \
         WHERE r.partner_tenant_id = $1 AND r.customer_tenant_id = $2 AND r.state = 'active'";
    Ok(on_conn!(c, |x| sqlx::query_as::<_, CustomerRow>(SQL)
        .bind(partner)
        .bind(customer)
        .fetch_optional(&mut **x)
        .await)?)
}

/// Replaces the partner's billing profile of the customer if it is still at `version`; false
/// when it changed meanwhile (or the relationship is gone). Nobody else's profile changes.
pub async fn update_billing(
    c: &mut Conn<'_>,
    PartnerTenant(partner): PartnerTenant<'_>,
    CustomerTenant(customer): CustomerTenant<'_>,
    version: i64,
    p: &BillingPatch<'_>,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE customer_relationships SET billing_first_name = $4, billing_last_name = $5, \
         billing_email = $6, billing_phone = $7, billing_culture = $8, billing_language = $9, company_name = $10, \
         company_name_lower = lower($10), billing_address_line1 = $11, billing_address_line2 = $12, billing_city = $13, \
         billing_state = $14, billing_postal_code = $15, billing_version = billing_version + 1 \
         WHERE partner_tenant_id = $1 AND customer_tenant_id = $2 AND state = 'active' AND billing_version = $3";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(partner)
        .bind(customer)
        .bind(version)
        .bind(p.first_name)
        .bind(p.last_name)
        .bind(p.email)
        .bind(p.phone)
        .bind(p.culture)
        .bind(p.language)
        .bind(p.company_name)
        .bind(p.address_line1)
        .bind(p.address_line2)
        .bind(p.city)
        .bind(p.state)
        .bind(p.postal_code)
        .execute(&mut **x)
        .await)?;
    Ok(done == 1)
}

/// A partner's reseller relationship with a customer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RelationshipRow {
    pub partner_tenant_id: TenantId,
    pub customer_tenant_id: TenantId,
    /// On a provider's relationship: the indirect reseller associated through it.
    pub reseller_tenant_id: Option<TenantId>,
    pub delegated_admin: bool,
    pub delegated_admin_since: Option<i64>,
    #[sqlx(try_from = "String")]
    pub state: RelationshipState,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

const RELATIONSHIP_COLUMNS: &str = "partner_tenant_id, customer_tenant_id, reseller_tenant_id, delegated_admin, \
     delegated_admin_since, state, created_at, ended_at";

#[derive(Debug, Clone, Copy)]
pub struct NewRelationship<'a> {
    pub partner: &'a TenantId,
    pub customer: &'a TenantId,
    pub reseller: Option<&'a TenantId>,
    /// The customer's name as the partner's list starts showing it.
    pub company_name: &'a str,
    pub delegated_admin: bool,
    pub at: i64,
}

/// Makes the relationship active, whether it is new or was removed before (a partner that
/// comes back keeps its own billing profile of the customer).
pub async fn insert_relationship(
    c: &mut Conn<'_>,
    r: &NewRelationship<'_>,
) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO customer_relationships (partner_tenant_id, customer_tenant_id, reseller_tenant_id, \
         company_name, company_name_lower, delegated_admin, delegated_admin_since, state, created_at) \
         VALUES ($1, $2, $3, $4, lower($4), $5, CASE WHEN $5 THEN $6 END, 'active', $6) \
         ON CONFLICT (partner_tenant_id, customer_tenant_id) DO UPDATE SET reseller_tenant_id = excluded.reseller_tenant_id, \
         delegated_admin = excluded.delegated_admin, delegated_admin_since = excluded.delegated_admin_since, \
         state = 'active', created_at = excluded.created_at, ended_at = NULL";
    exec!(c, |x| sqlx::query(SQL)
        .bind(r.partner)
        .bind(r.customer)
        .bind(r.reseller)
        .bind(r.company_name)
        .bind(r.delegated_admin)
        .bind(r.at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// The partner's relationship with the customer, active or ended.
pub async fn relationship(
    c: &mut Conn<'_>,
    PartnerTenant(partner): PartnerTenant<'_>,
    CustomerTenant(customer): CustomerTenant<'_>,
) -> Result<Option<RelationshipRow>, StoreError> {
    let sql = format!(
        "SELECT {RELATIONSHIP_COLUMNS} FROM customer_relationships WHERE partner_tenant_id = $1 AND customer_tenant_id = $2"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, RelationshipRow>(&sql)
        .bind(partner)
        .bind(customer)
        .fetch_optional(&mut **x)
        .await)?)
}

/// The customer's active relationships, oldest first.
pub async fn relationships_of(
    c: &mut Conn<'_>,
    customer: &TenantId,
) -> Result<Vec<RelationshipRow>, StoreError> {
    let sql = format!(
        "SELECT {RELATIONSHIP_COLUMNS} FROM customer_relationships WHERE customer_tenant_id = $1 AND state = 'active' \
         ORDER BY created_at, partner_tenant_id"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, RelationshipRow>(&sql)
        .bind(customer)
        .fetch_all(&mut **x)
        .await)?)
}

/// Grants (at `at`) or withdraws delegated admin access on an active relationship; false when
/// there is none or it already was so.
pub async fn set_delegated_admin(
    c: &mut Conn<'_>,
    PartnerTenant(partner): PartnerTenant<'_>,
    CustomerTenant(customer): CustomerTenant<'_>,
    granted: bool,
    at: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE customer_relationships SET delegated_admin = $3, \
         delegated_admin_since = CASE WHEN $3 THEN $4 END \
         WHERE partner_tenant_id = $1 AND customer_tenant_id = $2 AND state = 'active' AND delegated_admin <> $3";
    Ok(exec!(c, |x| sqlx::query(SQL)
        .bind(partner)
        .bind(customer)
        .bind(granted)
        .bind(at)
        .execute(&mut **x)
        .await)?
        == 1)
}

/// Sets the indirect reseller associated with the customer through a provider's relationship.
pub async fn set_associated_reseller(
    c: &mut Conn<'_>,
    ProviderTenant(provider): ProviderTenant<'_>,
    CustomerTenant(customer): CustomerTenant<'_>,
    reseller: Option<&TenantId>,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE customer_relationships SET reseller_tenant_id = $3 \
         WHERE partner_tenant_id = $1 AND customer_tenant_id = $2";
    exec!(c, |x| sqlx::query(SQL)
        .bind(provider)
        .bind(customer)
        .bind(reseller)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// Ends an active relationship (and the delegated admin access with it); false when none.
pub async fn end_relationship(
    c: &mut Conn<'_>,
    PartnerTenant(partner): PartnerTenant<'_>,
    CustomerTenant(customer): CustomerTenant<'_>,
    at: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE customer_relationships SET state = 'removed', delegated_admin = FALSE, \
         delegated_admin_since = NULL, ended_at = $3 \
         WHERE partner_tenant_id = $1 AND customer_tenant_id = $2 AND state = 'active'";
    Ok(exec!(c, |x| sqlx::query(SQL)
        .bind(partner)
        .bind(customer)
        .bind(at)
        .execute(&mut **x)
        .await)?
        == 1)
}

/// Whether the partner has an active relationship with the customer.
pub async fn related(
    c: &mut Conn<'_>,
    PartnerTenant(partner): PartnerTenant<'_>,
    CustomerTenant(customer): CustomerTenant<'_>,
) -> Result<bool, StoreError> {
    const SQL: &str = "SELECT COUNT(*) FROM customer_relationships WHERE partner_tenant_id = $1 AND customer_tenant_id = $2 AND state = 'active'";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, i64>(SQL)
        .bind(partner)
        .bind(customer)
        .fetch_one(&mut **x)
        .await)?
        > 0)
}

/// Many customers at once (bulk loads), with their partners' relationships, all active with
/// delegated admin access.
pub async fn insert_many(
    c: &mut Conn<'_>,
    rows: &[CustomerRow],
    relationships: &[NewRelationship<'_>],
) -> Result<(), StoreError> {
    use crate::Val::{Bool, Int, OptText, Text};
    let customers: Vec<Vec<crate::Val<'_>>> = rows
        .iter()
        .map(|r| {
            vec![
                Text(r.tenant_id.as_str()),
                Text(r.provider_tenant_id.as_str()),
                OptText(r.reseller_tenant_id.as_ref().map(TenantId::as_str)),
                Text(&r.company_name),
                Text(&r.company_name_lower),
                Text(&r.domain_prefix),
                Text(&r.domain),
                Text(r.billing_id.as_str()),
                Text(&r.first_name),
                Text(&r.last_name),
                Text(&r.email),
                Text(&r.phone),
                Text(&r.culture),
                Text(&r.language),
                Text(&r.address_line1),
                Text(&r.address_line2),
                Text(&r.city),
                Text(&r.state),
                Text(&r.postal_code),
                Text(&r.country),
                Int(r.billing_version),
                Int(r.created_at),
            ]
        })
        .collect();
    crate::insert_rows(c, "customers", COLUMNS, &customers).await?;
    let lower: Vec<String> = relationships
        .iter()
        .map(|r| r.company_name.to_lowercase())
        .collect();
    let rels: Vec<Vec<crate::Val<'_>>> = relationships
        .iter()
        .zip(&lower)
        .map(|(r, lower)| {
            vec![
                Text(r.partner.as_str()),
                Text(r.customer.as_str()),
                OptText(r.reseller.map(TenantId::as_str)),
                Text(r.company_name),
                Text(lower),
                Bool(r.delegated_admin),
                crate::Val::OptInt(r.delegated_admin.then_some(r.at)),
                Text(RelationshipState::Active.as_str()),
                Int(r.at),
            ]
        })
        .collect();
    crate::insert_rows(
        c,
        "customer_relationships",
        "partner_tenant_id, customer_tenant_id, reseller_tenant_id, company_name, company_name_lower, \
         delegated_admin, delegated_admin_since, state, created_at",
        &rels,
    )
    .await
}

/// (customer, provider) for each of these customers whose active relationship with a
/// provider names the reseller as the customer's indirect reseller; one query for a page.
pub async fn associations(
    c: &mut Conn<'_>,
    reseller: &TenantId,
    customers: &[TenantId],
) -> Result<Vec<(TenantId, TenantId)>, StoreError> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (2..=customers.len() + 1).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT customer_tenant_id, partner_tenant_id FROM customer_relationships \
         WHERE reseller_tenant_id = $1 AND state = 'active' AND customer_tenant_id IN ({})",
        marks.join(", ")
    );
    Ok(on_conn!(c, |x| {
        let mut q = sqlx::query_as::<_, (TenantId, TenantId)>(&sql).bind(reseller);
        for id in customers {
            q = q.bind(id);
        }
        q.fetch_all(&mut **x).await
    })?)
}

/// The partners with an active relationship with the customer.
pub async fn partners_of(
    c: &mut Conn<'_>,
    customer: &TenantId,
) -> Result<Vec<TenantId>, StoreError> {
    const SQL: &str = "SELECT partner_tenant_id FROM customer_relationships WHERE customer_tenant_id = $1 \
         AND state = 'active' ORDER BY partner_tenant_id";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, TenantId>(SQL)
        .bind(customer)
        .fetch_all(&mut **x)
        .await)?)
}

/// How many customers the partner serves (its active relationships).
pub async fn count_of_partner(
    c: &mut Conn<'_>,
    PartnerTenant(partner): PartnerTenant<'_>,
) -> Result<i64, StoreError> {
    const SQL: &str = "SELECT COUNT(*) FROM customer_relationships WHERE partner_tenant_id = $1 AND state = 'active'";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, i64>(SQL)
        .bind(partner)
        .fetch_one(&mut **x)
        .await)?)
}
