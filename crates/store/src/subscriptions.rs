//! Subscriptions: created by orders, changed one field at a time on a version, with a
//! history row after every change of quantity, status or reseller of record.

use twotier_domain::ids::{OfferId, OrderId, SubscriptionId, TenantId};

use twotier_domain::subscription::SubscriptionStatus;
use twotier_domain::term::{BillingCycle, TermDuration};

use crate::{Conn, StoreError, exec, on_conn};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub id: SubscriptionId,
    pub customer_tenant_id: TenantId,
    pub provider_tenant_id: TenantId,
    pub order_id: OrderId,
    pub line_item_number: i32,
    pub offer_id: OfferId,
    pub offer_name: String,
    pub friendly_name: String,
    pub quantity: i32,
    pub unit_type: String,
    #[sqlx(try_from = "String")]
    pub status: SubscriptionStatus,
    #[sqlx(try_from = "String")]
    pub billing_cycle: BillingCycle,
    #[sqlx(try_from = "String")]
    pub term: TermDuration,
    pub auto_renew: bool,
    pub reseller_tenant_id: Option<TenantId>,
    pub partner_id_on_record: Option<String>,
    pub created_at: i64,
    pub effective_start: i64,
    pub commitment_end: i64,
    pub version: i64,
    pub updated_at: i64,
    /// The designated support contact's tenant; `None` is the provider.
    pub support_tenant_id: Option<TenantId>,
    pub upgraded_from: Option<String>,
    pub upgraded_to: Option<String>,
}

pub(crate) const COLUMNS: &str = "id, customer_tenant_id, provider_tenant_id, order_id, line_item_number, offer_id, offer_name, \
     friendly_name, quantity, unit_type, status, billing_cycle, term, auto_renew, reseller_tenant_id, partner_id_on_record, \
     created_at, effective_start, commitment_end, version, updated_at, support_tenant_id, upgraded_from, upgraded_to";

pub async fn insert(c: &mut Conn<'_>, s: &SubscriptionRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO subscriptions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)"
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
        .bind(s.status.as_str())
        .bind(s.billing_cycle.as_str())
        .bind(s.term.as_str())
        .bind(s.auto_renew)
        .bind(&s.reseller_tenant_id)
        .bind(&s.partner_id_on_record)
        .bind(s.created_at)
        .bind(s.effective_start)
        .bind(s.commitment_end)
        .bind(s.version)
        .bind(s.updated_at)
        .bind(&s.support_tenant_id)
        .bind(&s.upgraded_from)
        .bind(&s.upgraded_to)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// The customer's subscriptions, optionally of one order or one partner of record (MPN ID).
pub async fn of_customer(
    c: &mut Conn<'_>,
    customer: &TenantId,
    order: Option<&OrderId>,
    mpn_id: Option<&str>,
) -> Result<Vec<SubscriptionRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE customer_tenant_id = $1 AND ($2 IS NULL OR order_id = $2) \
         AND ($3 IS NULL OR partner_id_on_record = $3) ORDER BY created_at, order_id, line_item_number"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, SubscriptionRow>(&sql)
        .bind(customer)
        .bind(order)
        .bind(mpn_id)
        .fetch_all(&mut **x)
        .await)?)
}

pub async fn find(
    c: &mut Conn<'_>,
    customer: &TenantId,
    id: &SubscriptionId,
) -> Result<Option<SubscriptionRow>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM subscriptions WHERE customer_tenant_id = $1 AND id = $2");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, SubscriptionRow>(&sql)
        .bind(customer)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?)
}

/// The subscriptions of several customers (one page of a customers list) in one query.
pub async fn of_customers(
    c: &mut Conn<'_>,
    customers: &[TenantId],
) -> Result<Vec<SubscriptionRow>, StoreError> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=customers.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE customer_tenant_id IN ({}) \
         ORDER BY customer_tenant_id, created_at, order_id, line_item_number",
        marks.join(", ")
    );
    Ok(on_conn!(c, |x| {
        let mut q = sqlx::query_as::<_, SubscriptionRow>(&sql);
        for id in customers {
            q = q.bind(id);
        }
        q.fetch_all(&mut **x).await
    })?)
}

/// The fields a change may set; the rest of a subscription never changes.
#[derive(Debug, Clone)]
pub struct Patch<'a> {
    pub quantity: i32,
    pub status: SubscriptionStatus,
    pub friendly_name: &'a str,
    pub auto_renew: bool,
    pub reseller_tenant_id: Option<&'a TenantId>,
    pub partner_id_on_record: Option<&'a str>,
    pub support_tenant_id: Option<&'a TenantId>,
    pub upgraded_from: Option<&'a str>,
    pub upgraded_to: Option<&'a str>,
}

/// Writes `p` if the subscription is still at `version` (and moves it to the next one);
/// `false` when someone changed it in between.
pub async fn update(
    c: &mut Conn<'_>,
    id: &SubscriptionId,
    version: i64,
    p: &Patch<'_>,
    now: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE subscriptions SET quantity = $3, status = $4, friendly_name = $5, auto_renew = $6, \
         reseller_tenant_id = $7, partner_id_on_record = $8, support_tenant_id = $9, upgraded_from = $10, \
         upgraded_to = $11, version = version + 1, updated_at = $12 WHERE id = $1 AND version = $2";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(version)
        .bind(p.quantity)
        .bind(p.status.as_str())
        .bind(p.friendly_name)
        .bind(p.auto_renew)
        .bind(p.reseller_tenant_id)
        .bind(p.partner_id_on_record)
        .bind(p.support_tenant_id)
        .bind(p.upgraded_from)
        .bind(p.upgraded_to)
        .bind(now)
        .execute(&mut **x)
        .await)?;
    Ok(done == 1)
}

/// Adds `delta` licences in one conditional statement, whatever the version: concurrent
/// deltas all land. `None` when the subscription is not active or the result would leave
/// `min..=max`.
pub async fn add_quantity(
    c: &mut Conn<'_>,
    id: &SubscriptionId,
    delta: i64,
    min: i32,
    max: i32,
    now: i64,
) -> Result<Option<SubscriptionRow>, StoreError> {
    // The bounds are compared in 64-bit arithmetic, so a delta near the integer limit is
    // refused by the condition rather than overflowing it.
    let sql = format!(
        "UPDATE subscriptions SET quantity = quantity + $2, version = version + 1, updated_at = $5 \
         WHERE id = $1 AND status = 'active' AND CAST(quantity AS BIGINT) + $2 >= $3 \
         AND CAST(quantity AS BIGINT) + $2 <= $4 \
         AND ($2 >= 0 OR CAST(quantity AS BIGINT) + $2 >= (SELECT COUNT(*) FROM licence_assignments WHERE subscription_id = $1)) \
         RETURNING {COLUMNS}"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, SubscriptionRow>(&sql)
        .bind(id)
        .bind(delta)
        .bind(min)
        .bind(max)
        .bind(now)
        .fetch_optional(&mut **x)
        .await)?)
}

/// A subscription's state from `at` until its next history row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    pub id: String,
    pub subscription_id: SubscriptionId,
    pub provider_tenant_id: TenantId,
    pub customer_tenant_id: TenantId,
    pub offer_id: OfferId,
    pub at: i64,
    pub quantity: i32,
    #[sqlx(try_from = "String")]
    pub status: SubscriptionStatus,
    pub reseller_tenant_id: Option<TenantId>,
}

const HISTORY_COLUMNS: &str = "id, subscription_id, provider_tenant_id, customer_tenant_id, offer_id, at, quantity, status, reseller_tenant_id";

pub async fn insert_history(c: &mut Conn<'_>, h: &HistoryRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO subscription_history ({HISTORY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    );
    exec!(c, |x| sqlx::query(&sql)
        .bind(&h.id)
        .bind(&h.subscription_id)
        .bind(&h.provider_tenant_id)
        .bind(&h.customer_tenant_id)
        .bind(&h.offer_id)
        .bind(h.at)
        .bind(h.quantity)
        .bind(h.status.as_str())
        .bind(&h.reseller_tenant_id)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// The history of every subscription of the provider that had a row before `until`, in
/// time order per subscription (the incentives report walks it).
pub async fn history_of_provider(
    c: &mut Conn<'_>,
    provider: &TenantId,
    until: i64,
) -> Result<Vec<HistoryRow>, StoreError> {
    let sql = format!(
        "SELECT {HISTORY_COLUMNS} FROM subscription_history WHERE provider_tenant_id = $1 AND at < $2 \
         ORDER BY subscription_id, at, id"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, HistoryRow>(&sql)
        .bind(provider)
        .bind(until)
        .fetch_all(&mut **x)
        .await)?)
}

/// The whole history (before `until`) of every subscription that ever had this reseller of
/// record: the rows naming others are needed to know when its time ended.
pub async fn history_of_reseller(
    c: &mut Conn<'_>,
    reseller: &TenantId,
    until: i64,
) -> Result<Vec<HistoryRow>, StoreError> {
    let sql = format!(
        "SELECT {HISTORY_COLUMNS} FROM subscription_history WHERE subscription_id IN \
         (SELECT subscription_id FROM subscription_history WHERE reseller_tenant_id = $1) AND at < $2 \
         ORDER BY subscription_id, at, id"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, HistoryRow>(&sql)
        .bind(reseller)
        .bind(until)
        .fetch_all(&mut **x)
        .await)?)
}

/// Many subscriptions at once, each with its first history row (bulk loads).
pub async fn insert_many(c: &mut Conn<'_>, rows: &[SubscriptionRow]) -> Result<(), StoreError> {
    use crate::Val::{Bool, Int, OptText, Text};
    let subs: Vec<Vec<crate::Val<'_>>> = rows
        .iter()
        .map(|s| {
            vec![
                Text(s.id.as_str()),
                Text(s.customer_tenant_id.as_str()),
                Text(s.provider_tenant_id.as_str()),
                Text(s.order_id.as_str()),
                Int(i64::from(s.line_item_number)),
                Text(s.offer_id.as_str()),
                Text(&s.offer_name),
                Text(&s.friendly_name),
                Int(i64::from(s.quantity)),
                Text(&s.unit_type),
                Text(s.status.as_str()),
                Text(s.billing_cycle.as_str()),
                Text(s.term.as_str()),
                Bool(s.auto_renew),
                OptText(s.reseller_tenant_id.as_ref().map(TenantId::as_str)),
                OptText(s.partner_id_on_record.as_deref()),
                Int(s.created_at),
                Int(s.effective_start),
                Int(s.commitment_end),
                Int(s.version),
                Int(s.updated_at),
                OptText(s.support_tenant_id.as_ref().map(TenantId::as_str)),
                OptText(s.upgraded_from.as_deref()),
                OptText(s.upgraded_to.as_deref()),
            ]
        })
        .collect();
    crate::insert_rows(c, "subscriptions", COLUMNS, &subs).await?;
    let history: Vec<Vec<crate::Val<'_>>> = rows
        .iter()
        .map(|s| {
            vec![
                Text(s.id.as_str()),
                Text(s.id.as_str()),
                Text(s.provider_tenant_id.as_str()),
                Text(s.customer_tenant_id.as_str()),
                Text(s.offer_id.as_str()),
                Int(s.created_at),
                Int(i64::from(s.quantity)),
                Text(s.status.as_str()),
                OptText(s.reseller_tenant_id.as_ref().map(TenantId::as_str)),
            ]
        })
        .collect();
    crate::insert_rows(c, "subscription_history", HISTORY_COLUMNS, &history).await
}

/// `n` active subscriptions drawn at random from the whole table (benchmarks pick from them):
/// (customer, id).
pub async fn sample(
    c: &mut Conn<'_>,
    n: i64,
) -> Result<Vec<(TenantId, SubscriptionId)>, StoreError> {
    const SQL: &str = "SELECT customer_tenant_id, id FROM subscriptions WHERE status = 'active' \
         ORDER BY random() LIMIT $1";
    Ok(on_conn!(c, |x| sqlx::query_as::<
        _,
        (TenantId, SubscriptionId),
    >(SQL)
    .bind(n)
    .fetch_all(&mut **x)
    .await)?)
}

/// A subscription the partner's Home lists: suspended, or active with a cancellation window
/// that closes soon.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttentionRow {
    pub id: SubscriptionId,
    pub customer_tenant_id: TenantId,
    pub company_name: String,
    pub offer_name: String,
    pub friendly_name: String,
    pub quantity: i32,
    #[sqlx(try_from = "String")]
    pub status: SubscriptionStatus,
    /// When the offer's cancellation window closes (created + its days).
    pub window_closes_at: i64,
}

/// Which of a partner's subscriptions a list reads: the provider's own sales, or those a
/// reseller is the reseller of record of.
#[derive(Debug, Clone, Copy)]
pub enum SoldBy<'a> {
    Provider(&'a TenantId),
    Reseller(&'a TenantId),
}

/// The partner's subscriptions of customers it still serves that are suspended, or active
/// with a cancellation window closing after `now` and by `until`; windows close soonest
/// first, then suspended ones, at most `limit`. `since` bounds the creation time of the
/// active ones (no window is longer than the catalog allows), so both read one index range.
pub async fn needing_attention(
    c: &mut Conn<'_>,
    sold_by: SoldBy<'_>,
    since: i64,
    now: i64,
    until: i64,
    limit: i64,
) -> Result<Vec<AttentionRow>, StoreError> {
    let (column, partner) = match sold_by {
        SoldBy::Provider(id) => ("provider_tenant_id", id),
        SoldBy::Reseller(id) => ("reseller_tenant_id", id),
    };
    let closes = "s.created_at + CAST(o.cancellation_window_days AS BIGINT) * 86400000";
    let sql = format!(
        "SELECT s.id, s.customer_tenant_id, c.company_name, s.offer_name, s.friendly_name, s.quantity, s.status, \
         {closes} AS window_closes_at \
         FROM subscriptions s JOIN offers o ON o.id = s.offer_id \
         JOIN customers c ON c.tenant_id = s.customer_tenant_id \
         JOIN customer_relationships r ON r.partner_tenant_id = $1 AND r.customer_tenant_id = s.customer_tenant_id \
         AND r.state = 'active' \
         WHERE s.{column} = $1 AND (s.status = 'suspended' OR (s.status = 'active' AND s.created_at > $2 \
         AND {closes} > $3 AND {closes} <= $4)) \
         ORDER BY CASE WHEN s.status = 'active' THEN 0 ELSE 1 END, window_closes_at, s.id LIMIT $5"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, AttentionRow>(&sql)
        .bind(partner)
        .bind(since)
        .bind(now)
        .bind(until)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)?)
}
