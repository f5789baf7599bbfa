//! `/v1/users`: the users of the caller's tenant and their roles; `/v1/me`.

use axum::extract::{Path, State};
use serde::Serialize;
use twotier_core::users::{self, NewUserInput, User, UserPatch};
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::UserId;

use super::{Annotated, ApiResult, collection, created, credential, ok, path_id};
use crate::AppState;
use crate::extract::{ApiWrite, Caller, NoBody};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

fn user_wire(u: &User) -> Annotated<&User> {
    Annotated::hashed(u, "PartnerUser", format!("/users/{}", u.id))
}

/// A new user with the temporary password, shown once.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedUserWire<'a> {
    #[serde(flatten)]
    user: Annotated<&'a User>,
    temporary_password: Option<&'a str>,
    temporary_password_expires_at: Timestamp,
    credential: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PasswordResetWire<'a> {
    user_id: &'a str,
    email: &'a str,
    temporary_password: Option<&'a str>,
    temporary_password_expires_at: Timestamp,
    credential: &'static str,
}

pub async fn get_me(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult {
    ok(user_wire(&users::me(&state.svc, &actor).await?))
}

pub async fn list_users(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult {
    let all = users::list(&state.svc, &actor, &actor.tenant_id).await?;
    let total = all.len() as i64;
    collection(all.iter().map(user_wire).collect(), total, "/users", None)
}

pub async fn create_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    req: ApiWrite<NewUserInput>,
) -> ApiResult {
    let done = users::create(&state.svc, &actor, &req.meta, &actor.tenant_id, &req.body).await?;
    created(CreatedUserWire {
        user: user_wire(&done.user),
        temporary_password: done.temporary_password.as_deref(),
        temporary_password_expires_at: done.temporary_password_expires_at,
        credential: credential(done.temporary_password.is_some()),
    })
}

pub async fn get_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = path_id(&id, UserId::parse)?;
    ok(user_wire(
        &users::get(&state.svc, &actor, &actor.tenant_id, &id).await?,
    ))
}

pub async fn update_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    req: ApiWrite<UserPatch>,
) -> ApiResult {
    let id = path_id(&id, UserId::parse)?;
    ok(user_wire(
        &users::update(
            &state.svc,
            &actor,
            &req.meta,
            &actor.tenant_id,
            &id,
            &req.body,
        )
        .await?,
    ))
}

pub async fn reset_user_password(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    req: ApiWrite<NoBody>,
) -> ApiResult {
    let id = path_id(&id, UserId::parse)?;
    let done = users::reset_password(&state.svc, &actor, &req.meta, &actor.tenant_id, &id).await?;
    ok(Annotated::typed(
        PasswordResetWire {
            user_id: &done.user_id,
            email: &done.email,
            temporary_password: done.temporary_password.as_deref(),
            temporary_password_expires_at: done.temporary_password_expires_at,
            credential: credential(done.temporary_password.is_some()),
        },
        "PasswordReset",
    ))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .get   ("/v1/me",                       Policy::SignedIn,                   get_me)
        .get   ("/v1/users",                    Policy::Permission(P::ManageUsers), list_users)
        .post  ("/v1/users",                    Policy::Permission(P::ManageUsers), create_user)
        .get   ("/v1/users/{id}",               Policy::Permission(P::ManageUsers), get_user)
        .patch ("/v1/users/{id}",               Policy::Permission(P::ManageUsers), update_user)
        .post  ("/v1/users/{id}/resetpassword", Policy::Permission(P::ManageUsers), reset_user_password);
}
