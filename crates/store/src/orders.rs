//! Orders and the subscriptions they create.

use crate::{Conn, StoreError, exec, on_conn};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: String,
    pub customer_tenant_id: String,
    pub provider_tenant_id: String,
    pub billing_cycle: String,
    pub status: String,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub id: String,
    pub customer_tenant_id: String,
    pub provider_tenant_id: String,
    pub order_id: String,
    pub line_item_number: i32,
    pub offer_id: String,
    pub offer_name: String,
    pub friendly_name: String,
    pub quantity: i32,
    pub unit_type: String,
    pub status: String,
    pub billing_cycle: String,
    pub term: String,
    pub auto_renew: bool,
    pub reseller_tenant_id: Option<String>,
    pub partner_id_on_record: Option<String>,
    pub created_at: i64,
    pub effective_start: i64,
    pub commitment_end: i64,
    pub version: i64,
    pub updated_at: i64,
}

const ORDER_COLUMNS: &str =
    "id, customer_tenant_id, provider_tenant_id, billing_cycle, status, created_by, created_at";
const SUB_COLUMNS: &str = "id, customer_tenant_id, provider_tenant_id, order_id, line_item_number, offer_id, offer_name, \
     friendly_name, quantity, unit_type, status, billing_cycle, term, auto_renew, reseller_tenant_id, partner_id_on_record, \
     created_at, effective_start, commitment_end, version, updated_at";

pub async fn insert_order(c: &mut Conn<'_>, o: &OrderRow) -> Result<(), StoreError> {
    let sql = format!("INSERT INTO orders ({ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
    exec!(c, |x| sqlx::query(&sql)
        .bind(&o.id)
        .bind(&o.customer_tenant_id)
        .bind(&o.provider_tenant_id)
        .bind(&o.billing_cycle)
        .bind(&o.status)
        .bind(&o.created_by)
        .bind(o.created_at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn insert_subscription(c: &mut Conn<'_>, s: &SubscriptionRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO subscriptions ({SUB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
    );
    exec!(c, |x| sqlx::query(&sql)
        .bind(&s.id)
        .bind(&s.customer_tenant_id)
        .bind(&s.provider_tenant_id)
        .bind(&s.order_id)
        .bind(s.line_item_number)
        .bind(&s.offer_id)
        .bind(&s.offer_name)
        .bind(&s.friendly_name)
        .bind(s.quantity)
        .bind(&s.unit_type)
        .bind(&s.status)
        .bind(&s.billing_cycle)
        .bind(&s.term)
        .bind(s.auto_renew)
        .bind(&s.reseller_tenant_id)
        .bind(&s.partner_id_on_record)
        .bind(s.created_at)
        .bind(s.effective_start)
        .bind(s.commitment_end)
        .bind(s.version)
        .bind(s.updated_at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn orders_of(c: &mut Conn<'_>, customer: &str) -> Result<Vec<OrderRow>, StoreError> {
    let sql = format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE customer_tenant_id = $1 ORDER BY created_at, id"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, OrderRow>(&sql)
        .bind(customer)
        .fetch_all(&mut **x)
        .await)?)
}

pub async fn find_order(
    c: &mut Conn<'_>,
    customer: &str,
    id: &str,
) -> Result<Option<OrderRow>, StoreError> {
    let sql =
        format!("SELECT {ORDER_COLUMNS} FROM orders WHERE customer_tenant_id = $1 AND id = $2");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, OrderRow>(&sql)
        .bind(customer)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?)
}

/// The customer's subscriptions, optionally of one order or one partner of record (MPN ID).
pub async fn subscriptions_of(
    c: &mut Conn<'_>,
    customer: &str,
    order: Option<&str>,
    mpn_id: Option<&str>,
) -> Result<Vec<SubscriptionRow>, StoreError> {
    let sql = format!(
        "SELECT {SUB_COLUMNS} FROM subscriptions WHERE customer_tenant_id = $1 AND ($2 IS NULL OR order_id = $2) \
         AND ($3 IS NULL OR partner_id_on_record = $3) ORDER BY created_at, order_id, line_item_number"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, SubscriptionRow>(&sql)
        .bind(customer)
        .bind(order)
        .bind(mpn_id)
        .fetch_all(&mut **x)
        .await)?)
}

pub async fn find_subscription(
    c: &mut Conn<'_>,
    customer: &str,
    id: &str,
) -> Result<Option<SubscriptionRow>, StoreError> {
    let sql = format!(
        "SELECT {SUB_COLUMNS} FROM subscriptions WHERE customer_tenant_id = $1 AND id = $2"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, SubscriptionRow>(&sql)
        .bind(customer)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?)
}

/// The subscriptions of several customers (one page of a customers list) in one query.
pub async fn subscriptions_of_customers(
    c: &mut Conn<'_>,
    customers: &[&str],
) -> Result<Vec<SubscriptionRow>, StoreError> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=customers.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {SUB_COLUMNS} FROM subscriptions WHERE customer_tenant_id IN ({}) \
         ORDER BY customer_tenant_id, created_at, order_id, line_item_number",
        marks.join(", ")
    );
    Ok(on_conn!(c, |x| {
        let mut q = sqlx::query_as::<_, SubscriptionRow>(&sql);
        for id in customers {
            q = q.bind(*id);
        }
        q.fetch_all(&mut **x).await
    })?)
}
