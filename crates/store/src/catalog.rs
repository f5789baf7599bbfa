//! The offer catalog. Lists (billing cycles, countries, offer ids) are stored as
//! comma-separated text, which both backends search the same way; the catalog is small.

use twotier_domain::ids::OfferId;

use twotier_domain::term::{BillingCycle, TermDuration};

use crate::{Conn, StoreError, exec, on_conn};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CategoryRow {
    pub id: String,
    pub name: String,
    pub rank: i32,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OfferRow {
    pub id: OfferId,
    pub name: String,
    pub description: String,
    pub category_id: String,
    pub category_name: String,
    pub min_quantity: i32,
    pub max_quantity: i32,
    pub unit_type: String,
    pub billing: String,
    pub billing_cycles: String,
    #[sqlx(try_from = "String")]
    pub term: TermDuration,
    pub is_add_on: bool,
    pub prerequisites: String,
    pub upgrade_targets: String,
    pub available: bool,
    pub countries: String,
    pub cancellation_window_days: i32,
    pub rank: i32,
    pub updated_at: i64,
}

impl OfferRow {
    /// The billing cycles the offer supports, in catalog order.
    pub fn cycles(&self) -> Vec<BillingCycle> {
        self.billing_cycles
            .split(',')
            .filter_map(BillingCycle::from_stored)
            .collect()
    }
}

const SELECT: &str = "SELECT o.id, o.name, o.description, o.category_id, c.name AS category_name, o.min_quantity, \
     o.max_quantity, o.unit_type, o.billing, o.billing_cycles, o.term, o.is_add_on, o.prerequisites, o.upgrade_targets, \
     o.available, o.countries, o.cancellation_window_days, o.rank, o.updated_at \
     FROM offers o JOIN offer_categories c ON c.id = o.category_id";

pub async fn upsert_category(c: &mut Conn<'_>, cat: &CategoryRow) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO offer_categories (id, name, rank) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, rank = excluded.rank";
    exec!(c, |x| sqlx::query(SQL)
        .bind(&cat.id)
        .bind(&cat.name)
        .bind(cat.rank)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn upsert_offer(c: &mut Conn<'_>, o: &OfferRow) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO offers (id, name, description, category_id, min_quantity, max_quantity, unit_type, \
         billing, billing_cycles, term, is_add_on, prerequisites, upgrade_targets, available, countries, \
         cancellation_window_days, rank, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, \
         category_id = excluded.category_id, min_quantity = excluded.min_quantity, max_quantity = excluded.max_quantity, \
         unit_type = excluded.unit_type, billing = excluded.billing, billing_cycles = excluded.billing_cycles, \
         term = excluded.term, is_add_on = excluded.is_add_on, prerequisites = excluded.prerequisites, \
         upgrade_targets = excluded.upgrade_targets, available = excluded.available, countries = excluded.countries, \
         cancellation_window_days = excluded.cancellation_window_days, rank = excluded.rank, updated_at = excluded.updated_at";
    exec!(c, |x| sqlx::query(SQL)
        .bind(&o.id)
        .bind(&o.name)
        .bind(&o.description)
        .bind(&o.category_id)
        .bind(o.min_quantity)
        .bind(o.max_quantity)
        .bind(&o.unit_type)
        .bind(&o.billing)
        .bind(&o.billing_cycles)
        .bind(o.term.as_str())
        .bind(o.is_add_on)
        .bind(&o.prerequisites)
        .bind(&o.upgrade_targets)
        .bind(o.available)
        .bind(&o.countries)
        .bind(o.cancellation_window_days)
        .bind(o.rank)
        .bind(o.updated_at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// Offers, optionally only those sold in a country and of a category, by category then rank.
pub async fn list(
    c: &mut Conn<'_>,
    country: Option<&str>,
    category: Option<&str>,
) -> Result<Vec<OfferRow>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE ($1 IS NULL OR (',' || o.countries || ',') LIKE $1) AND ($2 IS NULL OR o.category_id = $2) \
         ORDER BY c.rank, o.rank, o.id"
    );
    let pattern = country.map(|cc| format!("%,{cc},%"));
    Ok(on_conn!(c, |x| sqlx::query_as::<_, OfferRow>(&sql)
        .bind(pattern.as_deref())
        .bind(category)
        .fetch_all(&mut **x)
        .await)?)
}

pub async fn find(c: &mut Conn<'_>, id: &OfferId) -> Result<Option<OfferRow>, StoreError> {
    let sql = format!("{SELECT} WHERE o.id = $1");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, OfferRow>(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?)
}

pub async fn ids(c: &mut Conn<'_>) -> Result<Vec<OfferId>, StoreError> {
    const SQL: &str = "SELECT id FROM offers";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, OfferId>(SQL)
        .fetch_all(&mut **x)
        .await)?)
}

pub async fn categories(c: &mut Conn<'_>) -> Result<Vec<CategoryRow>, StoreError> {
    const SQL: &str = "SELECT id, name, rank FROM offer_categories ORDER BY rank, id";
    Ok(on_conn!(c, |x| sqlx::query_as::<_, CategoryRow>(SQL)
        .fetch_all(&mut **x)
        .await)?)
}

pub async fn set_available(
    c: &mut Conn<'_>,
    id: &OfferId,
    available: bool,
    at: i64,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE offers SET available = $2, updated_at = $3 WHERE id = $1";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(available)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    crate::expect_row(done)
}
