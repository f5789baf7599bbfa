//! `/v1/customers/{id}/subscriptions`: Partner Center's subscriptions, their changes
//! (`PATCH` with `If-Match`), upgrades, add-ons and the designated support contact.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use http::HeaderMap;
use serde_json::{Value, json};
use twotier_core::subscriptions::{
    self, ChangeInput, Subscription, SupportContact, SupportContactInput, UpgradeInput,
};
use twotier_domain::ids::TenantId;

use super::{ApiResult, collection, ok, path_id, resource};
use crate::AppState;
use crate::extract::{ApiWrite, Caller};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

pub fn subscription_json(customer: &str, s: &Subscription) -> Value {
    let mut v = resource(
        s,
        "Subscription",
        &format!("/customers/{customer}/subscriptions/{}", s.id),
    );
    // The etag is the subscription's version, which changes must send back.
    v["attributes"]["etag"] = json!(s.version.to_string());
    v
}

fn contact_json(customer: &str, subscription: &str, c: &SupportContact) -> Value {
    resource(
        c,
        "SupportContact",
        &format!("/customers/{customer}/subscriptions/{subscription}/supportcontact"),
    )
}

fn list_json(customer: &str, all: &[Subscription]) -> ApiResult {
    collection(
        all.iter().map(|s| subscription_json(customer, s)).collect(),
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
    ok(subscription_json(
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

fn etag(headers: &HeaderMap, attributes: Option<&Value>) -> Option<String> {
    headers
        .get(http::header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            attributes
                .and_then(|a| a.get("etag"))
                .and_then(|e| e.as_str().map(str::to_owned))
        })
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
            let etag = etag(&headers, req.body.attributes.as_ref());
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
    ok(subscription_json(id.as_str(), &s))
}

/// `GET …/upgrades`: the offers this subscription can move to.
pub async fn list_upgrades(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, sid)): Path<(String, String)>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let all = subscriptions::upgrades(&state.svc, &actor, &id, &sid).await?;
    let items: Vec<Value> = all
        .iter()
        .map(|u| {
            let mut v = json!(u);
            v["attributes"] = json!({ "objectType": "Upgrade" });
            v
        })
        .collect();
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
    let mut v = json!(r);
    // Partner Center's documentation spells it `targetSubscriptionID`, its 2019 swagger (and
    // the clients generated from it) `targetSubscriptionId`: both are sent.
    v["targetSubscriptionId"] = json!(r.target_subscription_id);
    v["attributes"] = json!({ "objectType": "UpgradeResult" });
    ok(v)
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
    ok(contact_json(id.as_str(), &sid, &c))
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
    ok(contact_json(id.as_str(), &sid, &c))
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
