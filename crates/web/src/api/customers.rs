//! `/v1/customers`: Partner Center's customers, their company and billing profiles, and the
//! domain availability checks.

use std::collections::HashMap;

use axum::extract::{Path, Query, RawQuery, State};
use axum::response::IntoResponse;
use http::{HeaderMap, StatusCode};
use serde::Serialize;
use serde_json::Value;
use twotier_core::CoreError;
use twotier_core::customers::{
    self, BillingInput, BillingProfile, CompanyProfile, Customer, CustomerListItem, ListQuery,
    NewCustomerInput, UserCredentials,
};
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::TenantId;

use super::{
    Annotated, ApiResult, Paging, collection, created, encode_cursor, if_match, ok, parse_filter,
    path_id,
};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiWrite, Caller};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// The billing profile's version is the etag of all three resources of a customer, since a
/// customer changes only through its billing profile (a PUT must send it back).
fn etag(c: &Customer) -> String {
    c.billing_profile.version.to_string()
}

fn company_wire(c: &Customer) -> Annotated<&CompanyProfile> {
    annotated_company(&c.company_profile, etag(c))
}

fn annotated_company(p: &CompanyProfile, etag: String) -> Annotated<&CompanyProfile> {
    Annotated::new(
        p,
        "CustomerCompanyProfile",
        format!("/customers/{}/profiles/company", p.tenant_id),
        etag,
    )
}

fn billing_wire(c: &Customer) -> Annotated<&BillingProfile> {
    Annotated::new(
        &c.billing_profile,
        "CustomerBillingProfile",
        format!("/customers/{}/profiles/billing", c.id),
        etag(c),
    )
}

/// Partner Center's Customer with its annotated profiles.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerWire<'a> {
    id: &'a str,
    commerce_id: &'a str,
    company_profile: Annotated<&'a CompanyProfile>,
    billing_profile: Annotated<&'a BillingProfile>,
    relationship_to_partner: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_delegated_access: Option<bool>,
    associated_partner_id: &'a Option<TenantId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_credentials: &'a Option<UserCredentials>,
    created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential: &'a Option<String>,
}

pub fn customer_wire(c: &Customer) -> Annotated<CustomerWire<'_>> {
    Annotated::new(
        CustomerWire {
            id: &c.id,
            commerce_id: &c.commerce_id,
            company_profile: company_wire(c),
            billing_profile: billing_wire(c),
            relationship_to_partner: &c.relationship_to_partner,
            allow_delegated_access: c.allow_delegated_access,
            associated_partner_id: &c.associated_partner_id,
            user_credentials: &c.user_credentials,
            created_at: c.created_at,
            credential: &c.credential,
        },
        "Customer",
        format!("/customers/{}", c.id),
        etag(c),
    )
}

/// A customer as a list shows it: Partner Center's list items carry the company profile and
/// the relationship, not the billing profile (read with `GET /v1/customers/{id}`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerListItemWire<'a> {
    id: &'a str,
    commerce_id: &'a str,
    company_profile: Annotated<&'a CompanyProfile>,
    relationship_to_partner: &'a str,
    associated_partner_id: &'a Option<TenantId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    associated_partner_name: &'a Option<String>,
    created_at: Timestamp,
}

fn list_item_wire(c: &CustomerListItem) -> Annotated<CustomerListItemWire<'_>> {
    let etag = c.version.to_string();
    Annotated::new(
        CustomerListItemWire {
            id: &c.id,
            commerce_id: &c.id,
            company_profile: annotated_company(&c.company_profile, etag.clone()),
            relationship_to_partner: c.relationship_to_partner,
            associated_partner_id: &c.associated_partner_id,
            associated_partner_name: &c.associated_partner_name,
            created_at: c.created_at,
        },
        "Customer",
        format!("/customers/{}", c.id),
        etag,
    )
}

/// `POST /v1/customers`: 201 with `userCredentials`, which no later response repeats.
pub async fn create_customer(
    State(state): State<AppState>,
    Caller(actor): Caller,
    req: ApiWrite<NewCustomerInput>,
) -> ApiResult {
    created(customer_wire(
        &customers::create(&state.svc, &actor, &req.meta, &req.body).await?,
    ))
}

/// `GET /v1/customers?size=&filter={"Field":"CompanyName"|"Domain"|"IndirectReseller",...}`
pub async fn list_customers(
    State(state): State<AppState>,
    Caller(actor): Caller,
    paging: Paging<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    // The links keep the filter and size, so a client following `next` gets the same list.
    let self_uri = match raw.filter(|r| !r.is_empty()) {
        Some(r) => format!("/customers?{r}"),
        None => "/customers".to_owned(),
    };
    let mut query = ListQuery {
        after: paging.cursor,
        limit: paging.size,
        ..ListQuery::default()
    };
    if let Some(f) = parse_filter(q.get("filter").map(String::as_str))? {
        match f.field.to_ascii_lowercase().as_str() {
            // DisplayName and DefaultDomainName are the names in Partner Center's swagger.
            "companyname" | "displayname" => query.company_name = Some(f.value),
            "domain" | "defaultdomainname" => query.domain = Some(f.value),
            "indirectreseller" => {
                let id = TenantId::parse(&f.value).ok_or_else(|| {
                    ApiError(CoreError::invalid(
                        "filter",
                        "IndirectReseller takes a reseller tenant id",
                    ))
                })?;
                query.reseller = Some(id.to_string());
            }
            _ => {
                return Err(ApiError(CoreError::invalid(
                    "filter",
                    "filter Field must be CompanyName, Domain or IndirectReseller",
                )));
            }
        }
    }
    let page = customers::list(&state.svc, &actor, &query).await?;
    let items: Vec<_> = page.items.iter().map(list_item_wire).collect();
    let count = items.len() as i64;
    collection(
        items,
        count,
        &self_uri,
        page.next.as_ref().map(encode_cursor),
    )
}

pub async fn get_customer(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    ok(customer_wire(
        &customers::get(&state.svc, &actor, &id).await?,
    ))
}

pub async fn get_company_profile(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    ok(company_wire(
        &customers::get(&state.svc, &actor, &id).await?,
    ))
}

pub async fn get_billing_profile(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    ok(billing_wire(
        &customers::get(&state.svc, &actor, &id).await?,
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct BillingBody {
    #[serde(flatten)]
    profile: BillingInput,
    attributes: Option<Value>,
}

/// `PUT /v1/customers/{id}/profiles/billing` with the current etag (`If-Match` or
/// `attributes.etag`); a stale etag is 412 with code 2055.
pub async fn update_billing_profile(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    req: ApiWrite<BillingBody>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let etag = if_match(&headers, req.body.attributes.as_ref());
    let c = customers::update_billing(
        &state.svc,
        &actor,
        &req.meta,
        &id,
        etag.as_deref(),
        &req.body.profile,
    )
    .await?;
    ok(billing_wire(&c))
}

/// `GET /v1/validations/checkdomainavailability/{prefix}`: `true` when free.
pub async fn check_domain_availability(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(prefix): Path<String>,
) -> ApiResult {
    ok(customers::domain_available(&state.svc, &actor, &prefix).await?)
}

/// `HEAD /v1/domains/{domain}`: 200 when the domain is taken, 404 when it is free.
pub async fn head_domain(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(domain): Path<String>,
) -> ApiResult {
    let free = customers::domain_available(&state.svc, &actor, &domain).await?;
    Ok(if free {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    }
    .into_response())
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .post  ("/v1/customers",                                Policy::Permission(P::CreateCustomers), create_customer)
        .get   ("/v1/customers",                                Policy::Permission(P::ViewCustomers),   list_customers)
        .get   ("/v1/customers/{id}",                           Policy::Permission(P::ViewCustomers),   get_customer)
        .get   ("/v1/customers/{id}/profiles/company",          Policy::Permission(P::ViewCustomers),   get_company_profile)
        .get   ("/v1/customers/{id}/profiles/billing",          Policy::Permission(P::ViewCustomers),   get_billing_profile)
        .put   ("/v1/customers/{id}/profiles/billing",          Policy::Permission(P::EditCustomers),   update_billing_profile)
        .get   ("/v1/validations/checkdomainavailability/{id}", Policy::Permission(P::CreateCustomers), check_domain_availability)
        .head  ("/v1/domains/{id}",                             Policy::Permission(P::CreateCustomers), head_domain);
}
