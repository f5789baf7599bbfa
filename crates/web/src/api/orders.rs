//! `/v1/customers/{id}/orders`.

use axum::extract::{Path, State};
use serde::Serialize;
use twotier_core::orders::{self, LineItem, Order, OrderInput};
use twotier_domain::ids::TenantId;

use super::{Annotated, ApiResult, collection, created, ok, path_id};
use crate::AppState;
use crate::api::envelope::Link;
use crate::extract::{ApiWrite, Caller};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// Partner Center's Order: each line item links to the subscription it created.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrderWire<'a> {
    id: &'a str,
    reference_customer_id: &'a str,
    billing_cycle: twotier_domain::term::BillingCycle,
    line_items: Vec<LineItemWire<'a>>,
    creation_date: twotier_domain::clock::Timestamp,
    status: twotier_domain::subscription::OrderStatus,
}

#[derive(Serialize)]
struct LineItemWire<'a> {
    #[serde(flatten)]
    item: &'a LineItem,
    links: LineItemLinks,
}

#[derive(Serialize)]
struct LineItemLinks {
    subscription: Link,
}

fn order_wire<'a>(customer: &str, o: &'a Order) -> Annotated<OrderWire<'a>> {
    let body = OrderWire {
        id: &o.id,
        reference_customer_id: &o.reference_customer_id,
        billing_cycle: o.billing_cycle,
        line_items: o
            .line_items
            .iter()
            .map(|item| LineItemWire {
                item,
                links: LineItemLinks {
                    subscription: Link::get(format!(
                        "/customers/{customer}/subscriptions/{}",
                        item.subscription_id
                    )),
                },
            })
            .collect(),
        creation_date: o.creation_date,
        status: o.status,
    };
    Annotated::hashed(
        body,
        "Order",
        format!("/customers/{customer}/orders/{}", o.id),
    )
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
    created(order_wire(id.as_str(), &o))
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
        all.iter().map(|o| order_wire(id.as_str(), o)).collect(),
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
    ok(order_wire(
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
