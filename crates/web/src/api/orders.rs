//! `/v1/customers/{id}/orders`.

use axum::extract::{Path, State};
use serde_json::{Value, json};
use twotier_core::orders::{self, Order, OrderInput};
use twotier_domain::ids::TenantId;

use super::{ApiResult, collection, created, ok, path_id, resource};
use crate::AppState;
use crate::extract::{ApiWrite, Caller};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

fn order_json(customer: &str, o: &Order) -> Value {
    let mut v = resource(
        o,
        "Order",
        &format!("/customers/{customer}/orders/{}", o.id),
    );
    if let Some(items) = v["lineItems"].as_array_mut() {
        for li in items {
            let sid = li["subscriptionId"].as_str().unwrap_or_default().to_owned();
            li["links"] = json!({ "subscription": { "uri": format!("/customers/{customer}/subscriptions/{sid}"), "method": "GET", "headers": [] } });
        }
    }
    v
}

/// `POST /v1/customers/{id}/orders`: 201 with the order; a repeated MS-RequestId returns the
/// first order and creates nothing.
pub async fn create_order(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    req: ApiWrite<OrderInput>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let o = orders::create(&state.svc, &actor, &req.meta, &id, &req.body).await?;
    created(order_json(id.as_str(), &o))
}

pub async fn list_orders(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let all = orders::list(&state.svc, &actor, &id).await?;
    let total = all.len() as i64;
    collection(
        all.iter().map(|o| order_json(id.as_str(), o)).collect(),
        total,
        &format!("/customers/{id}/orders"),
        None,
    )
}

pub async fn get_order(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, order_id)): Path<(String, String)>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    ok(order_json(
        id.as_str(),
        &orders::get(&state.svc, &actor, &id, &order_id).await?,
    ))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .post  ("/v1/customers/{id}/orders",            Policy::Permission(P::PlaceOrders),   create_order)
        .get   ("/v1/customers/{id}/orders",            Policy::Permission(P::ViewCustomers), list_orders)
        .get   ("/v1/customers/{id}/orders/{order_id}", Policy::Permission(P::ViewCustomers), get_order);
}
