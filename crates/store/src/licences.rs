//! Licence assignments: which customer user holds a licence of which subscription.

use twotier_domain::ids::{SubscriptionId, TenantId, UserId};

use crate::{Conn, StoreError, exec, on_conn};

/// Assigns a licence unless the user already holds one or every licence of the subscription
/// is taken. The caller holds the subscription's row lock (`lock_subscription`), so concurrent
/// assignments count each other. Returns false when the seats are all taken.
pub async fn assign(
    c: &mut Conn<'_>,
    subscription: &SubscriptionId,
    user: &UserId,
    customer: &TenantId,
    at: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "INSERT INTO licence_assignments (subscription_id, user_id, customer_tenant_id, assigned_at) \
         SELECT $1, $2, $3, $4 WHERE \
         (SELECT COUNT(*) FROM licence_assignments WHERE subscription_id = $1) \
         < (SELECT quantity FROM subscriptions WHERE id = $1) \
         ON CONFLICT (subscription_id, user_id) DO NOTHING";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(subscription)
        .bind(user)
        .bind(customer)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    if done == 1 {
        return Ok(true);
    }
    // Nothing inserted: either it was already held (fine) or the seats are full.
    held(c, subscription, user).await
}

/// Serialises licence changes of one subscription: PostgreSQL takes the row lock until the
/// transaction ends; SQLite's write transaction already excludes every other writer.
pub async fn lock_subscription(
    c: &mut Conn<'_>,
    subscription: &SubscriptionId,
) -> Result<(), StoreError> {
    if let Conn::Postgres(x) = c {
        sqlx::query("SELECT id FROM subscriptions WHERE id = $1 FOR UPDATE")
            .bind(subscription)
            .fetch_optional(&mut **x)
            .await?;
    }
    Ok(())
}

pub async fn held(
    c: &mut Conn<'_>,
    subscription: &SubscriptionId,
    user: &UserId,
) -> Result<bool, StoreError> {
    const SQL: &str =
        "SELECT COUNT(*) FROM licence_assignments WHERE subscription_id = $1 AND user_id = $2";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, i64>(SQL)
        .bind(subscription)
        .bind(user)
        .fetch_one(&mut **x)
        .await)?
        > 0)
}

/// Removes a licence; false when the user did not hold it.
pub async fn unassign(
    c: &mut Conn<'_>,
    subscription: &SubscriptionId,
    user: &UserId,
) -> Result<bool, StoreError> {
    const SQL: &str = "DELETE FROM licence_assignments WHERE subscription_id = $1 AND user_id = $2";
    Ok(exec!(c, |x| sqlx::query(SQL)
        .bind(subscription)
        .bind(user)
        .execute(&mut **x)
        .await)?
        == 1)
}

/// The subscriptions a user holds licences of, with when.
pub async fn of_user(
    c: &mut Conn<'_>,
    user: &UserId,
) -> Result<Vec<(SubscriptionId, i64)>, StoreError> {
    const SQL: &str = "SELECT subscription_id, assigned_at FROM licence_assignments WHERE user_id = $1 \
         ORDER BY assigned_at, subscription_id";
    Ok(on_conn!(c, |x| {
        sqlx::query_as::<_, (SubscriptionId, i64)>(SQL)
            .bind(user)
            .fetch_all(&mut **x)
            .await
    })?)
}

/// Every assignment in the customer: (subscription, user).
pub async fn of_customer(
    c: &mut Conn<'_>,
    customer: &TenantId,
) -> Result<Vec<(SubscriptionId, UserId)>, StoreError> {
    const SQL: &str = "SELECT subscription_id, user_id FROM licence_assignments WHERE customer_tenant_id = $1 \
         ORDER BY subscription_id, assigned_at, user_id";
    Ok(on_conn!(c, |x| sqlx::query_as::<
        _,
        (SubscriptionId, UserId),
    >(SQL)
    .bind(customer)
    .fetch_all(&mut **x)
    .await)?)
}

/// How many licences of the subscription are assigned.
pub async fn count(c: &mut Conn<'_>, subscription: &SubscriptionId) -> Result<i64, StoreError> {
    const SQL: &str = "SELECT COUNT(*) FROM licence_assignments WHERE subscription_id = $1";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, i64>(SQL)
        .bind(subscription)
        .fetch_one(&mut **x)
        .await)?)
}
