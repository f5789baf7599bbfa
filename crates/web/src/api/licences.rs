//! A customer's users and their licences, in Partner Center's shapes:
//! `GET/POST /v1/customers/{id}/users`, `GET …/users/{uid}/licenses`,
//! `POST …/users/{uid}/licenseupdates`. The customer's admins and partners holding delegated
//! admin access use them.

use axum::extract::{Path, State};
use serde_json::{Value, json};
use twotier_core::licences::{self, Licence, LicenceUpdate};
use twotier_core::users::{self, NewUserInput, User};
use twotier_domain::ids::{TenantId, UserId};
use twotier_domain::user::UserState;

use super::{ApiResult, collection, created, path_id};
use crate::AppState;
use crate::extract::{ApiWrite, Caller};
use crate::routes::{Policy, Routes};

/// Partner Center's CustomerUser.
fn customer_user_json(customer: &TenantId, u: &User) -> Value {
    let (first, last) = u
        .display_name
        .split_once(' ')
        .unwrap_or((u.display_name.as_str(), ""));
    json!({
        "id": u.id,
        "userPrincipalName": u.email,
        "displayName": u.display_name,
        "firstName": first,
        "lastName": last,
        "state": UserState::of(u.disabled),
        "userDomainType": "none",
        "roles": u.roles,
        "lastDirectorySyncTime": null,
        "links": { "self": { "uri": format!("/customers/{customer}/users/{}", u.id), "method": "GET", "headers": [] } },
        "attributes": { "objectType": "CustomerUser" },
    })
}

/// Partner Center's License: the offer as the product SKU, and the subscription it comes from.
fn licence_json(l: &Licence) -> Value {
    json!({
        "servicePlans": [],
        "productSku": {
            "id": l.offer_id,
            "name": l.offer_name,
            "skuPartNumber": l.offer_id,
            "targetType": "User",
            "licenseGroupId": "group1",
        },
        "subscriptionId": l.subscription_id,
        "subscriptionName": l.subscription_name,
        "assignedAt": l.assigned_at,
        "attributes": { "objectType": "License" },
    })
}

pub async fn list_users(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let all = users::list(&state.svc, &actor, &id).await?;
    let total = all.len() as i64;
    collection(
        all.iter().map(|u| customer_user_json(&id, u)).collect(),
        total,
        &format!("/customers/{id}/users"),
        None,
    )
}

/// Partner Center's request (other fields, such as `usageLocation`, are accepted and not
/// kept): the password the client may send is not used; twotier issues a
/// temporary one, returned once in `temporaryPassword` and changed at first sign-in.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewCustomerUser {
    user_principal_name: String,
    display_name: String,
    first_name: String,
    last_name: String,
    roles: Vec<String>,
}

pub async fn create_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    req: ApiWrite<NewCustomerUser>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let b = &req.body;
    let display_name = if b.display_name.trim().is_empty() {
        format!("{} {}", b.first_name.trim(), b.last_name.trim())
            .trim()
            .to_owned()
    } else {
        b.display_name.clone()
    };
    let input = NewUserInput {
        email: b.user_principal_name.clone(),
        display_name,
        roles: if b.roles.is_empty() {
            vec!["customer_user".to_owned()]
        } else {
            b.roles.clone()
        },
    };
    let done = users::create(&state.svc, &actor, &req.meta, &id, &input).await?;
    let mut body = customer_user_json(&id, &done.user);
    // Partner Center's client models the password as a SecureString object, which a plain
    // string would break; the temporary password goes in twotier's own field, as for
    // /v1/users, and the profile says it must be changed.
    body["passwordProfile"] = json!({ "forceChangePassword": true });
    body["temporaryPassword"] = json!(done.temporary_password);
    body["credential"] = json!(if done.temporary_password.is_some() {
        "issued"
    } else {
        "already_issued"
    });
    created(body)
}

pub async fn list_licences(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, user)): Path<(String, String)>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let user = path_id(&user, UserId::parse)?;
    let all = licences::of_user(&state.svc, &actor, &id, &user).await?;
    let total = all.len() as i64;
    collection(
        all.iter().map(licence_json).collect(),
        total,
        &format!("/customers/{id}/users/{user}/licenses"),
        None,
    )
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct LicenceAssignment {
    sku_id: String,
    subscription_id: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct LicenceUpdateBody {
    licenses_to_assign: Vec<LicenceAssignment>,
    licenses_to_remove: Vec<String>,
}

/// `POST …/licenseupdates`: 201 with the LicenseUpdate, all of it applied or none.
pub async fn update_licences(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, user)): Path<(String, String)>,
    req: ApiWrite<LicenceUpdateBody>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    let user = path_id(&user, UserId::parse)?;
    let b = &req.body;
    let input = LicenceUpdate {
        assign: b
            .licenses_to_assign
            .iter()
            .map(|a| {
                if a.subscription_id.trim().is_empty() {
                    a.sku_id.clone()
                } else {
                    a.subscription_id.clone()
                }
            })
            .collect(),
        remove: b.licenses_to_remove.clone(),
    };
    let done = licences::update(&state.svc, &actor, &req.meta, &id, &user, &input).await?;
    created(json!({
        "licensesToAssign": b.licenses_to_assign.iter().map(|a| json!({ "skuId": if a.sku_id.is_empty() { &a.subscription_id } else { &a.sku_id }, "excludedPlans": null })).collect::<Vec<_>>(),
        "licensesToRemove": b.licenses_to_remove,
        "licenseWarnings": [],
        "licenses": done.licences.iter().map(licence_json).collect::<Vec<_>>(),
        "attributes": { "objectType": "LicenseUpdate" },
    }))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .get   ("/v1/customers/{id}/users",                          Policy::SignedIn, list_users)
        .post  ("/v1/customers/{id}/users",                          Policy::SignedIn, create_user)
        .get   ("/v1/customers/{id}/users/{user_id}/licenses",       Policy::SignedIn, list_licences)
        .post  ("/v1/customers/{id}/users/{user_id}/licenseupdates", Policy::SignedIn, update_licences);
}
