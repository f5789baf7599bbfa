//! A customer's partners: `PATCH /v1/customers/{id}` (`relationshipToPartner: none`,
//! `allowDelegatedAccess: false`), `GET /v1/customers/{id}/relationships` (its indirect
//! resellers) and the relationship request link `GET /v1/customers/relationshiprequests`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use serde_json::{Value, json};
use twotier_core::CoreError;
use twotier_core::customer_relationships::{self, CustomerPartner, PartnerChange};
use twotier_core::relationship_requests::{self, RequestInput};
use twotier_domain::ids::TenantId;
use twotier_domain::tenant::TenantKind;

use super::{ApiResult, collection, ok, path_id};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiWrite, Caller, Meta};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// Partner Center's PartnerRelationship for one indirect reseller of the customer.
fn reseller_json(p: &CustomerPartner) -> Value {
    json!({
        "id": p.tenant_id,
        "name": p.name,
        "relationshipType": "IsIndirectResellerOf",
        "state": "Active",
        "mpnId": p.mpn_id.to_string(),
        "location": p.country,
        "delegatedAdmin": p.delegated_admin,
        "attributes": { "objectType": "PartnerRelationship" },
    })
}

/// `GET /v1/customers/{id}/relationships`: the customer's indirect resellers (an empty list,
/// not null, when there are none).
pub async fn list_relationships(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let items: Vec<Value> = customer_relationships::partners(&state.svc, &actor, &id)
        .await?
        .iter()
        .filter(|p| p.kind == TenantKind::Reseller)
        .map(reseller_json)
        .collect();
    let total = items.len() as i64;
    collection(
        items,
        total,
        &format!("/customers/{id}/relationships"),
        None,
    )
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CustomerPatch {
    relationship_to_partner: Option<String>,
    allow_delegated_access: Option<bool>,
}

/// `PATCH /v1/customers/{id}`: 200 with the Customer's `relationshipToPartner` and
/// `allowDelegatedAccess` as they now are.
pub async fn patch_customer(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    req: ApiWrite<CustomerPatch>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let what = match (
        req.body.relationship_to_partner.as_deref().map(str::trim),
        req.body.allow_delegated_access,
    ) {
        (Some(r), _) if r.eq_ignore_ascii_case("none") => PartnerChange::EndRelationship,
        (Some(r), _) if !r.eq_ignore_ascii_case("reseller") => {
            return Err(ApiError(CoreError::invalid(
                "relationshipToPartner",
                "relationshipToPartner can only be set to none (to end the relationship)",
            )));
        }
        (_, Some(false)) => PartnerChange::WithdrawDelegatedAdmin,
        (_, Some(true)) => {
            return Err(ApiError(CoreError::invalid(
                "allowDelegatedAccess",
                "delegated admin access is granted by the customer, by accepting a relationship request",
            )));
        }
        _ => {
            return Err(ApiError(CoreError::invalid(
                "relationshipToPartner",
                "send relationshipToPartner: none or allowDelegatedAccess: false",
            )));
        }
    };
    customer_relationships::change(&state.svc, &actor, &req.meta, &id, what).await?;
    let ended = what == PartnerChange::EndRelationship;
    ok(json!({
        "id": id.to_string(),
        "companyProfile": null,
        "billingProfile": null,
        "relationshipToPartner": if ended { "none" } else { "reseller" },
        "allowDelegatedAccess": false,
        "attributes": { "objectType": "Customer" },
    }))
}

/// `GET /v1/customers/relationshiprequests?indirectResellerId=&delegatedAdmin=&expiresInDays=`:
/// a new single-use link, `{url, attributes}` as in Partner Center.
pub async fn create_request(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<HashMap<String, String>>,
    Meta(meta): Meta,
) -> ApiResult {
    let get = |k: &str| {
        q.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let flag = |k: &str| -> Result<Option<bool>, ApiError> {
        match get(k).map(|v| v.to_ascii_lowercase()) {
            None => Ok(None),
            Some(v) if v == "true" => Ok(Some(true)),
            Some(v) if v == "false" => Ok(Some(false)),
            Some(_) => Err(ApiError(CoreError::invalid(k, "must be true or false"))),
        }
    };
    let days = match get("expiresInDays") {
        None => None,
        Some(d) => Some(d.parse::<i64>().map_err(|_| {
            ApiError(CoreError::invalid(
                "expiresInDays",
                "must be a number of days",
            ))
        })?),
    };
    let input = RequestInput {
        indirect_reseller_id: get("indirectResellerId"),
        delegated_admin: flag("delegatedAdmin")?.or(flag("DAP")?),
        customer_domain: get("customerDomain"),
        expires_in_days: days,
    };
    let done = relationship_requests::create(&state.svc, &actor, &meta, &input).await?;
    ok(json!({
        "url": done.url,
        "id": done.request.id,
        "indirectResellerId": done.request.indirect_reseller_id,
        "delegatedAdmin": done.request.delegated_admin,
        "expiresAt": done.request.expires_at,
        "attributes": { "objectType": "RelationshipRequest" },
    }))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .patch ("/v1/customers/{id}",                 Policy::Permission(P::EditCustomers),               patch_customer)
        .get   ("/v1/customers/relationshiprequests", Policy::Permission(P::RequestCustomerRelationship), create_request)
        .get   ("/v1/customers/{id}/relationships",   Policy::SignedIn,                                   list_relationships);
}
