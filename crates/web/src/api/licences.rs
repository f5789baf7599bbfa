//! A customer's users and their licences, in Partner Center's shapes:
//! `GET/POST /v1/customers/{id}/users`, `GET …/users/{uid}/licenses`,
//! `POST …/users/{uid}/licenseupdates`. The customer's admins and partners holding delegated
//! admin access use them.

use axum::extract::{Path, State};
use serde::Serialize;
use twotier_core::licences::{self, Licence, LicenceUpdate};
use twotier_core::users::{self, NewUserInput, User};
use twotier_domain::ids::{TenantId, UserId};
use twotier_domain::user::UserState;

use super::{Annotated, ApiResult, collection, created, credential, path_id};
use crate::AppState;
use crate::extract::{ApiWrite, Caller};
use crate::routes::{Policy, Routes};

/// Partner Center's CustomerUser.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CustomerUserWire<'a> {
    id: &'a UserId,
    user_principal_name: &'a str,
    display_name: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    state: UserState,
    user_domain_type: &'static str,
    roles: &'a [twotier_domain::authz::Role],
    last_directory_sync_time: Option<()>,
}

fn customer_user_wire<'a>(customer: &TenantId, u: &'a User) -> Annotated<CustomerUserWire<'a>> {
    let (first, last) = u
        .display_name
        .split_once(' ')
        .unwrap_or((u.display_name.as_str(), ""));
    Annotated::unversioned(
        CustomerUserWire {
            id: &u.id,
            user_principal_name: &u.email,
            display_name: &u.display_name,
            first_name: first,
            last_name: last,
            state: UserState::of(u.disabled),
            user_domain_type: "none",
            roles: &u.roles,
            last_directory_sync_time: None,
        },
        "CustomerUser",
        format!("/customers/{customer}/users/{}", u.id),
    )
}

/// A new customer user with the temporary password, shown once. Partner Center's client
/// models the password as a SecureString object, which a plain string would break; the
/// temporary password goes in twotier's own field, as for /v1/users, and the profile says it
/// must be changed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedCustomerUser<'a> {
    #[serde(flatten)]
    user: Annotated<CustomerUserWire<'a>>,
    password_profile: PasswordProfile,
    temporary_password: Option<&'a str>,
    credential: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PasswordProfile {
    force_change_password: bool,
}

/// Partner Center's LicenseUpdate, as answered: what was asked and the user's licences now.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LicenceUpdateWire<'a> {
    licenses_to_assign: Vec<AssignedSku<'a>>,
    licenses_to_remove: &'a [String],
    license_warnings: [(); 0],
    licenses: Vec<Annotated<LicenceWire<'a>>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AssignedSku<'a> {
    sku_id: &'a str,
    excluded_plans: Option<()>,
}

/// Partner Center's License: the offer as the product SKU, and the subscription it comes from.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LicenceWire<'a> {
    service_plans: [(); 0],
    product_sku: ProductSku<'a>,
    subscription_id: &'a twotier_domain::ids::SubscriptionId,
    subscription_name: &'a str,
    assigned_at: twotier_domain::clock::Timestamp,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProductSku<'a> {
    id: &'a str,
    name: &'a str,
    sku_part_number: &'a str,
    target_type: &'static str,
    license_group_id: &'static str,
}

fn licence_wire(l: &Licence) -> Annotated<LicenceWire<'_>> {
    Annotated::typed(
        LicenceWire {
            service_plans: [],
            product_sku: ProductSku {
                id: &l.offer_id,
                name: &l.offer_name,
                sku_part_number: &l.offer_id,
                target_type: "User",
                license_group_id: "group1",
            },
            subscription_id: &l.subscription_id,
            subscription_name: &l.subscription_name,
            assigned_at: l.assigned_at,
        },
        "License",
    )
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
        all.iter().map(|u| customer_user_wire(&id, u)).collect(),
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
    created(CreatedCustomerUser {
        user: customer_user_wire(&id, &done.user),
        password_profile: PasswordProfile {
            force_change_password: true,
        },
        temporary_password: done.temporary_password.as_deref(),
        credential: credential(done.temporary_password.is_some()),
    })
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
        all.iter().map(licence_wire).collect(),
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
    created(Annotated::typed(
        LicenceUpdateWire {
            licenses_to_assign: b
                .licenses_to_assign
                .iter()
                .map(|a| AssignedSku {
                    sku_id: if a.sku_id.is_empty() {
                        &a.subscription_id
                    } else {
                        &a.sku_id
                    },
                    excluded_plans: None,
                })
                .collect(),
            licenses_to_remove: &b.licenses_to_remove,
            license_warnings: [],
            licenses: done.licences.iter().map(licence_wire).collect(),
        },
        "LicenseUpdate",
    ))
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
