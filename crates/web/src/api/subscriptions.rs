//! `/v1/customers/{id}/subscriptions`: Partner Center's subscriptions, their changes
//! (`PATCH` with `If-Match`), upgrades, add-ons and the designated support contact.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use http::HeaderMap;
use serde::Serialize;
use serde_json::Value;
use twotier_core::subscriptions::{
    self, ChangeInput, Subscription, SupportContact, SupportContactInput, UpgradeInput,
    UpgradeResult,
};
use twotier_domain::ids::TenantId;

use super::{Annotated, ApiResult, collection, if_match, ok, path_id};
use crate::AppState;
use crate::extract::{ApiWrite, Caller};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// The etag is the subscription's version, which changes must send back.
pub fn subscription_wire<'a>(customer: &str, s: &'a Subscription) -> Annotated<&'a Subscription> {
    Annotated::new(
        s,
        "Subscription",
        format!("/customers/{customer}/subscriptions/{}", s.id),
        s.version.to_string(),
    )
}

fn contact_wire<'a>(
    customer: &str,
    subscription: &str,
    c: &'a SupportContact,
) -> Annotated<&'a SupportContact> {
    Annotated::hashed(
        c,
        "SupportContact",
        format!("/customers/{customer}/subscriptions/{subscription}/supportcontact"),
    )
}

/// Partner Center's documentation spells it `targetSubscriptionID`, its 2019 swagger (and the
/// clients generated from it) `targetSubscriptionId`: both are sent.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UpgradeResultWire<'a> {
    #[serde(flatten)]
    result: &'a UpgradeResult,
    target_subscription_id: &'a str,
}

fn list_json(customer: &str, all: &[Subscription]) -> ApiResult {
    collection(
        all.iter().map(|s| subscription_wire(customer, s)).collect(),
        all.len() as i64,
        &format!("/customers/{customer}/subscriptions"),
        None,
    )
}

/// `GET /v1/customers/{id}/subscriptions[?order_id=|mpn_id=]`
pub async fn list_subscriptions(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let all = subscriptions::list(
        &state.svc,
        &actor,
        &id,
        q.get("order_id").map(String::as_str),
        q.get("mpn_id").map(String::as_str),
    )
    .await?;
    list_json(id.as_str(), &all)
}

pub async fn get_subscription(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, sid)): Path<(String, String)>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    ok(subscription_wire(
        id.as_str(),
        &subscriptions::get(&state.svc, &actor, &id, &sid).await?,
    ))
}

/// The PATCH body: the Subscription resource (or just the fields to change), its etag in
/// `attributes.etag` when no `If-Match` header is sent, and twotier's `quantityDelta`, which
/// adds licences without an etag in one atomic step.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PatchBody {
    #[serde(flatten)]
    change: ChangeInput,
    quantity_delta: Option<i64>,
    attributes: Option<Value>,
}

/// `PATCH /v1/customers/{id}/subscriptions/{sid}`
pub async fn patch_subscription(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, sid)): Path<(String, String)>,
    headers: HeaderMap,
    req: ApiWrite<PatchBody>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let s = match req.body.quantity_delta {
        Some(delta) => {
            subscriptions::add_quantity(&state.svc, &actor, &req.meta, &id, &sid, delta).await?
        }
        None => {
            let etag = if_match(&headers, req.body.attributes.as_ref());
            subscriptions::change(
                &state.svc,
                &actor,
                &req.meta,
                &id,
                &sid,
                etag.as_deref(),
                &req.body.change,
            )
            .await?
        }
    };
    ok(subscription_wire(id.as_str(), &s))
}

/// `GET …/upgrades`: the offers this subscription can move to.
pub async fn list_upgrades(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, sid)): Path<(String, String)>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let all = subscriptions::upgrades(&state.svc, &actor, &id, &sid).await?;
    let items = all.iter().map(|u| Annotated::typed(u, "Upgrade")).collect();
    collection(
        items,
        all.len() as i64,
        &format!("/customers/{id}/subscriptions/{sid}/upgrades"),
        None,
    )
}

/// `POST …/upgrades`: moves the licences to the target offer.
pub async fn create_upgrade(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, sid)): Path<(String, String)>,
    req: ApiWrite<UpgradeInput>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let r = subscriptions::upgrade(&state.svc, &actor, &req.meta, &id, &sid, &req.body).await?;
    ok(Annotated::typed(
        UpgradeResultWire {
            result: &r,
            target_subscription_id: &r.target_subscription_id,
        },
        "UpgradeResult",
    ))
}

/// `GET …/addons`: the active add-ons that depend on this subscription.
pub async fn list_addons(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, sid)): Path<(String, String)>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let all = subscriptions::addons(&state.svc, &actor, &id, &sid).await?;
    list_json(id.as_str(), &all)
}

pub async fn get_support_contact(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, sid)): Path<(String, String)>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let c = subscriptions::support_contact(&state.svc, &actor, &id, &sid).await?;
    ok(contact_wire(id.as_str(), &sid, &c))
}

pub async fn put_support_contact(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, sid)): Path<(String, String)>,
    req: ApiWrite<SupportContactInput>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let c = subscriptions::set_support_contact(&state.svc, &actor, &req.meta, &id, &sid, &req.body)
        .await?;
    ok(contact_wire(id.as_str(), &sid, &c))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .get   ("/v1/customers/{id}/subscriptions",                                  Policy::Permission(P::ViewCustomers),       list_subscriptions)
        .get   ("/v1/customers/{id}/subscriptions/{subscription_id}",                Policy::Permission(P::ViewCustomers),       get_subscription)
        .patch ("/v1/customers/{id}/subscriptions/{subscription_id}",                Policy::Permission(P::ManageSubscriptions), patch_subscription)
        .get   ("/v1/customers/{id}/subscriptions/{subscription_id}/upgrades",       Policy::Permission(P::ViewCustomers),       list_upgrades)
        .post  ("/v1/customers/{id}/subscriptions/{subscription_id}/upgrades",       Policy::Permission(P::ManageSubscriptions), create_upgrade)
        .get   ("/v1/customers/{id}/subscriptions/{subscription_id}/addons",         Policy::Permission(P::ViewCustomers),       list_addons)
        .get   ("/v1/customers/{id}/subscriptions/{subscription_id}/supportcontact", Policy::Permission(P::ViewCustomers),       get_support_contact)
        .put   ("/v1/customers/{id}/subscriptions/{subscription_id}/supportcontact", Policy::Permission(P::SetSupportContact),   put_support_contact);
}
