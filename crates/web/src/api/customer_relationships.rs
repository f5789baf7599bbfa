//! A customer's partners: `PATCH /v1/customers/{id}` (`relationshipToPartner: none`,
//! `allowDelegatedAccess: false`), `GET /v1/customers/{id}/relationships` (its indirect
//! resellers) and the relationship request link `GET /v1/customers/relationshiprequests`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use serde::Serialize;
use twotier_core::CoreError;
use twotier_core::customer_relationships::{self, CustomerPartner, PartnerChange};
use twotier_core::relationship_requests::{self, RequestInput};
use twotier_domain::ids::TenantId;
use twotier_domain::tenant::TenantKind;

use super::{Annotated, ApiResult, collection, ok, path_id};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiWrite, Caller, Meta};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// Partner Center's PartnerRelationship for one indirect reseller of the customer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResellerWire<'a> {
    id: &'a str,
    name: &'a str,
    relationship_type: &'static str,
    state: &'static str,
    mpn_id: String,
    location: &'a str,
    delegated_admin: bool,
}

fn reseller_wire(p: &CustomerPartner) -> Annotated<ResellerWire<'_>> {
    Annotated::typed(
        ResellerWire {
            id: &p.tenant_id,
            name: &p.name,
            relationship_type: "IsIndirectResellerOf",
            state: "Active",
            mpn_id: p.mpn_id.to_string(),
            location: &p.country,
            delegated_admin: p.delegated_admin,
        },
        "PartnerRelationship",
    )
}

/// The customer after a `PATCH`: its relationship to the caller, without its profiles.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PatchedCustomer {
    id: String,
    company_profile: Option<()>,
    billing_profile: Option<()>,
    relationship_to_partner: &'static str,
    allow_delegated_access: bool,
}

/// Partner Center's answer to a relationship request: the link to send the customer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestLink<'a> {
    url: Option<&'a str>,
    id: &'a str,
    indirect_reseller_id: Option<&'a str>,
    delegated_admin: bool,
    expires_at: twotier_domain::clock::Timestamp,
}

/// `GET /v1/customers/{id}/relationships`: the customer's indirect resellers (an empty list,
/// not null, when there are none).
pub async fn list_relationships(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let partners = customer_relationships::partners(&state.svc, &actor, &id).await?;
    let items: Vec<_> = partners
        .iter()
        .filter(|p| p.kind == TenantKind::Reseller)
        .map(reseller_wire)
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
    ok(Annotated::typed(
        PatchedCustomer {
            id: id.to_string(),
            company_profile: None,
            billing_profile: None,
            relationship_to_partner: if ended { "none" } else { "reseller" },
            allow_delegated_access: false,
        },
        "Customer",
    ))
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
    ok(Annotated::typed(
        RequestLink {
            url: done.url.as_deref(),
            id: &done.request.id,
            indirect_reseller_id: done.request.indirect_reseller_id.as_deref(),
            delegated_admin: done.request.delegated_admin,
            expires_at: done.request.expires_at,
        },
        "RelationshipRequest",
    ))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .patch ("/v1/customers/{id}",                 Policy::Permission(P::EditCustomers),               patch_customer)
        .get   ("/v1/customers/relationshiprequests", Policy::Permission(P::RequestCustomerRelationship), create_request)
        .get   ("/v1/customers/{id}/relationships",   Policy::SignedIn,                                   list_relationships);
}
