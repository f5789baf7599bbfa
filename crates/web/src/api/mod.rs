//! The JSON API: Partner Center shapes under `/v1` (also `/v1.0`).

pub mod apps;
pub mod audit;
pub mod customer_relationships;
pub mod customers;
pub mod incentives;
pub mod licences;
pub mod oauth;
pub mod offers;
pub mod ops;
pub mod orders;
pub mod partners;
pub mod partnerships;
pub mod profiles;
pub mod relationships;
pub mod subscriptions;
pub mod tokens;
pub mod users;

use axum::Json;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use twotier_core::CoreError;
use twotier_domain::authz::Permission as P;

use crate::error::ApiError;
use crate::routes::{Policy, Routes, Surface};

pub type ApiResult = Result<Response, ApiError>;

pub fn routes(r: Routes) -> Routes {
    use axum::routing::{delete, get, patch, post, put};
    let api = |r: Routes, m: Method, path: &'static str, policy: Policy, h| {
        r.add(m, path, Surface::Api, policy, h)
    };
    let r = api(
        r,
        Method::POST,
        "/oauth2/token",
        Policy::Public,
        post(oauth::issue_token),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/partners",
        Policy::Permission(P::ViewPartners),
        get(partners::list_partners),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/partners",
        Policy::Permission(P::ManagePartners),
        post(partners::create_partner),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/partners/{id}",
        Policy::SignedIn,
        get(partners::get_partner),
    );
    let r = api(
        r,
        Method::PATCH,
        "/v1/partners/{id}",
        Policy::Permission(P::ManagePartners),
        patch(partners::update_partner),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/partners/{id}/agreement",
        Policy::Permission(P::AcceptAgreement),
        post(partners::accept_agreement),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/me",
        Policy::SignedIn,
        get(users::get_me),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/users",
        Policy::Permission(P::ManageUsers),
        get(users::list_users),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/users",
        Policy::Permission(P::ManageUsers),
        post(users::create_user),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/users/{id}",
        Policy::Permission(P::ManageUsers),
        get(users::get_user),
    );
    let r = api(
        r,
        Method::PATCH,
        "/v1/users/{id}",
        Policy::Permission(P::ManageUsers),
        patch(users::update_user),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/users/{id}/resetpassword",
        Policy::Permission(P::ManageUsers),
        post(users::reset_user_password),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/apps",
        Policy::Permission(P::ManageApps),
        get(apps::list_apps),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/apps",
        Policy::Permission(P::ManageApps),
        post(apps::create_app),
    );
    let r = api(
        r,
        Method::DELETE,
        "/v1/apps/{id}",
        Policy::Permission(P::ManageApps),
        delete(apps::disable_app),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/tokens",
        Policy::SignedIn,
        get(tokens::list_tokens),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/tokens",
        Policy::SignedIn,
        post(tokens::create_token),
    );
    let r = api(
        r,
        Method::DELETE,
        "/v1/tokens/{id}",
        Policy::SignedIn,
        delete(tokens::revoke_token),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/auditrecords",
        Policy::Permission(P::ViewAudit),
        get(audit::list_audit_records),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/auditrecords/{id}",
        Policy::Permission(P::ViewAudit),
        get(audit::get_audit_record),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/relationships",
        Policy::Permission(P::ViewPartnerships),
        get(relationships::list_relationships),
    );
    let r = api(
        r,
        Method::DELETE,
        "/v1/relationships/{id}",
        Policy::Permission(P::ManagePartnerships),
        delete(relationships::remove_relationship),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/partnerships/invitations",
        Policy::Permission(P::ViewPartnerships),
        get(partnerships::list_invitations),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/partnerships/invitations",
        Policy::Permission(P::ManagePartnerships),
        post(partnerships::create_invitation),
    );
    let r = api(
        r,
        Method::DELETE,
        "/v1/partnerships/invitations/{id}",
        Policy::Permission(P::ManagePartnerships),
        delete(partnerships::revoke_invitation),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/partnerships/invitations/accept",
        Policy::Permission(P::AcceptPartnership),
        post(partnerships::accept_invitation),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/profiles/mpn",
        Policy::SignedIn,
        get(profiles::get_mpn_profile),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/compliance/csp/agreementstatus",
        Policy::Permission(P::ViewPartnerships),
        get(profiles::get_agreement_status),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/partners/validateresellers",
        Policy::Permission(P::SetResellerOfRecord),
        post(profiles::validate_resellers),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/customers",
        Policy::Permission(P::CreateCustomers),
        post(customers::create_customer),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers",
        Policy::Permission(P::ViewCustomers),
        get(customers::list_customers),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}",
        Policy::Permission(P::ViewCustomers),
        get(customers::get_customer),
    );
    let r = api(
        r,
        Method::PATCH,
        "/v1/customers/{id}",
        Policy::Permission(P::EditCustomers),
        patch(customer_relationships::patch_customer),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/relationshiprequests",
        Policy::Permission(P::RequestCustomerRelationship),
        get(customer_relationships::create_request),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}/relationships",
        Policy::SignedIn,
        get(customer_relationships::list_relationships),
    );
    // The customer's own admins and partners holding delegated admin access: the core decides.
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}/users",
        Policy::SignedIn,
        get(licences::list_users),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/customers/{id}/users",
        Policy::SignedIn,
        post(licences::create_user),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}/users/{user_id}/licenses",
        Policy::SignedIn,
        get(licences::list_licences),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/customers/{id}/users/{user_id}/licenseupdates",
        Policy::SignedIn,
        post(licences::update_licences),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}/profiles/company",
        Policy::Permission(P::ViewCustomers),
        get(customers::get_company_profile),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}/profiles/billing",
        Policy::Permission(P::ViewCustomers),
        get(customers::get_billing_profile),
    );
    let r = api(
        r,
        Method::PUT,
        "/v1/customers/{id}/profiles/billing",
        Policy::Permission(P::EditCustomers),
        put(customers::update_billing_profile),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/validations/checkdomainavailability/{id}",
        Policy::Permission(P::CreateCustomers),
        get(customers::check_domain_availability),
    );
    let r = api(
        r,
        Method::HEAD,
        "/v1/domains/{id}",
        Policy::Permission(P::CreateCustomers),
        axum::routing::head(customers::head_domain),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}/offers",
        Policy::Permission(P::ViewCustomers),
        get(offers::list_customer_offers),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/customers/{id}/orders",
        Policy::Permission(P::PlaceOrders),
        post(orders::create_order),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}/orders",
        Policy::Permission(P::ViewCustomers),
        get(orders::list_orders),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}/orders/{order_id}",
        Policy::Permission(P::ViewCustomers),
        get(orders::get_order),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}/subscriptions",
        Policy::Permission(P::ViewCustomers),
        get(subscriptions::list_subscriptions),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}/subscriptions/{subscription_id}",
        Policy::Permission(P::ViewCustomers),
        get(subscriptions::get_subscription),
    );
    let r = api(
        r,
        Method::PATCH,
        "/v1/customers/{id}/subscriptions/{subscription_id}",
        Policy::Permission(P::ManageSubscriptions),
        patch(subscriptions::patch_subscription),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}/subscriptions/{subscription_id}/upgrades",
        Policy::Permission(P::ViewCustomers),
        get(subscriptions::list_upgrades),
    );
    let r = api(
        r,
        Method::POST,
        "/v1/customers/{id}/subscriptions/{subscription_id}/upgrades",
        Policy::Permission(P::ManageSubscriptions),
        post(subscriptions::create_upgrade),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}/subscriptions/{subscription_id}/addons",
        Policy::Permission(P::ViewCustomers),
        get(subscriptions::list_addons),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/customers/{id}/subscriptions/{subscription_id}/supportcontact",
        Policy::Permission(P::ViewCustomers),
        get(subscriptions::get_support_contact),
    );
    let r = api(
        r,
        Method::PUT,
        "/v1/customers/{id}/subscriptions/{subscription_id}/supportcontact",
        Policy::Permission(P::SetSupportContact),
        put(subscriptions::put_support_contact),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/reports/incentives",
        Policy::Permission(P::ViewIncentives),
        get(incentives::incentives_report),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/offers",
        Policy::SignedIn,
        get(offers::list_offers),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/offers/{id}",
        Policy::SignedIn,
        get(offers::get_offer),
    );
    let r = api(
        r,
        Method::GET,
        "/v1/offercategories",
        Policy::SignedIn,
        get(offers::list_offer_categories),
    );
    let ops = |r: Routes, path: &'static str, h| {
        r.add(Method::GET, path, Surface::Ops, Policy::Public, h)
    };
    let r = ops(r, "/healthz", get(ops::healthz));
    let r = ops(r, "/readyz", get(ops::readyz));
    let r = ops(r, "/metrics", get(ops::metrics));
    ops(r, "/openapi.json", get(ops::openapi))
}

/// A single resource with Partner Center's `links.self` and `attributes`. The etag is a hash
/// of the resource's content, so it changes whenever the resource does.
pub fn resource<T: Serialize>(value: &T, object_type: &str, self_uri: &str) -> Value {
    let mut v = serde_json::to_value(value).unwrap_or(Value::Null);
    if let Value::Object(map) = &v {
        let etag =
            hex::encode(&Sha256::digest(Value::Object(map.clone()).to_string().as_bytes())[..12]);
        annotate(&mut v, object_type, self_uri, &etag);
    }
    v
}

/// Adds `links.self` and `attributes` to a resource already turned into JSON, with an etag
/// the caller knows (a version), which spares hashing the body: lists of many resources
/// are the API's hottest path.
pub fn annotate(v: &mut Value, object_type: &str, self_uri: &str, etag: &str) {
    if let Value::Object(map) = v {
        map.insert(
            "links".to_owned(),
            json!({ "self": { "uri": self_uri, "method": "GET", "headers": [] } }),
        );
        map.insert(
            "attributes".to_owned(),
            json!({ "objectType": object_type, "etag": etag }),
        );
    }
}

/// `links.self` of a resource, typed (see [`Annotated`]).
#[derive(Debug, Serialize)]
pub struct SelfLinks {
    #[serde(rename = "self")]
    pub this: Link,
}

#[derive(Debug, Serialize)]
pub struct Link {
    pub uri: String,
    pub method: &'static str,
    pub headers: [(); 0],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attributes {
    pub object_type: &'static str,
    pub etag: String,
}

/// A resource with `links.self` and `attributes`, serialised in one pass without building a
/// `Value`: what [`annotate`] does, for the hot paths (long lists).
#[derive(Debug, Serialize)]
pub struct Annotated<T> {
    #[serde(flatten)]
    pub body: T,
    pub links: SelfLinks,
    pub attributes: Attributes,
}

impl<T> Annotated<T> {
    pub fn new(body: T, object_type: &'static str, self_uri: String, etag: String) -> Self {
        Self {
            body,
            links: SelfLinks {
                this: Link {
                    uri: self_uri,
                    method: "GET",
                    headers: [],
                },
            },
            attributes: Attributes { object_type, etag },
        }
    }
}

/// A collection of typed items, shaped as [`collection`] shapes one of `Value`s.
pub fn typed_collection<T: Serialize>(
    items: &[T],
    self_uri: &str,
    next: Option<String>,
) -> ApiResult {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Collection<'a, T> {
        total_count: usize,
        items: &'a [T],
        links: Value,
        attributes: Value,
    }
    let shell = collection(Vec::new(), 0, self_uri, next);
    Ok(Json(Collection {
        total_count: items.len(),
        items,
        links: shell["links"].clone(),
        attributes: shell["attributes"].clone(),
    })
    .into_response())
}

/// A Partner Center collection; `next` carries the continuation token for the next page.
pub fn collection(items: Vec<Value>, total: i64, self_uri: &str, next: Option<String>) -> Value {
    let mut links = json!({ "self": { "uri": self_uri, "method": "GET", "headers": [] } });
    if let Some(token) = next {
        links["next"] = json!({
            "uri": self_uri, "method": "GET",
            "headers": [{ "key": "MS-ContinuationToken", "value": token }]
        });
    }
    json!({ "totalCount": total, "items": items, "links": links, "attributes": { "objectType": "Collection" } })
}

pub fn ok(v: Value) -> ApiResult {
    Ok(Json(v).into_response())
}

pub fn created(v: Value) -> ApiResult {
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// Encodes a keyset cursor as an opaque continuation token.
pub fn encode_cursor<T: Serialize>(cursor: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

/// Reads `MS-ContinuationToken`; a token that was not ours is a 400, not a 500.
pub fn continuation<T: DeserializeOwned>(headers: &HeaderMap) -> Result<Option<T>, ApiError> {
    let Some(raw) = headers
        .get("ms-continuationtoken")
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(raw.trim())
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError(CoreError::rule(
                twotier_core::Code::InvalidRequest,
                "The MS-ContinuationToken header is not a valid continuation token",
            ))
        })
}

/// `size`: default 100, at most 500 (Partner Center's paging).
pub fn page_size(size: Option<&str>) -> Result<i64, ApiError> {
    match size.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(100),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=500).contains(&n) => Ok(n),
            _ => Err(ApiError(CoreError::invalid(
                "size",
                "size must be a number from 1 to 500",
            ))),
        },
    }
}

/// Partner Center's `filter` query parameter: `{"Field": …, "Value": …, "Operator": …}`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Filter {
    pub field: String,
    pub value: String,
    #[serde(default)]
    pub operator: String,
}

pub fn parse_filter(raw: Option<&str>) -> Result<Option<Filter>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let value = crate::extract::parse_json(raw.as_bytes())
        .map_err(|_| ApiError(CoreError::invalid("filter", "filter must be JSON such as {\"Field\":\"Name\",\"Value\":\"Con\",\"Operator\":\"starts_with\"}")))?;
    serde_json::from_value(value).map(Some).map_err(|_| {
        ApiError(CoreError::invalid(
            "filter",
            "filter needs Field, Value and Operator",
        ))
    })
}

/// Parses an id from the path; a malformed id is simply not found.
pub fn path_id<T>(raw: &str, parse: fn(&str) -> Option<T>) -> Result<T, ApiError> {
    parse(raw).ok_or(ApiError(CoreError::NotFound))
}
