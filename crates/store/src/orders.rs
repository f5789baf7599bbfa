//! Orders and the subscriptions they create.

use twotier_domain::ids::{OrderId, TenantId};

use twotier_domain::subscription::OrderStatus;
use twotier_domain::term::BillingCycle;

use crate::{Conn, StoreError, exec, on_conn};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: OrderId,
    pub customer_tenant_id: TenantId,
    pub provider_tenant_id: TenantId,
    #[sqlx(try_from = "String")]
    pub billing_cycle: BillingCycle,
    #[sqlx(try_from = "String")]
    pub status: OrderStatus,
    pub created_by: String,
    pub created_at: i64,
}

const ORDER_COLUMNS: &str =
    "id, customer_tenant_id, provider_tenant_id, billing_cycle, status, created_by, created_at";
pub async fn insert_order(c: &mut Conn<'_>, o: &OrderRow) -> Result<(), StoreError> {
    let sql = format!("INSERT INTO orders ({ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
    exec!(c, |x| sqlx::query(&sql)
        .bind(&o.id)
        .bind(&o.customer_tenant_id)
        .bind(&o.provider_tenant_id)
        .bind(o.billing_cycle.as_str())
        .bind(o.status.as_str())
        .bind(&o.created_by)
        .bind(o.created_at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn orders_of(c: &mut Conn<'_>, customer: &TenantId) -> Result<Vec<OrderRow>, StoreError> {
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
    customer: &TenantId,
    id: &OrderId,
) -> Result<Option<OrderRow>, StoreError> {
    let sql =
        format!("SELECT {ORDER_COLUMNS} FROM orders WHERE customer_tenant_id = $1 AND id = $2");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, OrderRow>(&sql)
        .bind(customer)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?)
}

/// Many orders at once (bulk loads).
pub async fn insert_many(c: &mut Conn<'_>, rows: &[OrderRow]) -> Result<(), StoreError> {
    use crate::Val::{Int, Text};
    let rows: Vec<Vec<crate::Val<'_>>> = rows
        .iter()
        .map(|o| {
            vec![
                Text(o.id.as_str()),
                Text(o.customer_tenant_id.as_str()),
                Text(o.provider_tenant_id.as_str()),
                Text(o.billing_cycle.as_str()),
                Text(o.status.as_str()),
                Text(&o.created_by),
                Int(o.created_at),
            ]
        })
        .collect();
    crate::insert_rows(c, "orders", ORDER_COLUMNS, &rows).await
}
