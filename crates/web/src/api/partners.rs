//! `/v1/partners`: enrolment and directory profiles (twotier's own endpoints, Partner Center
//! conventions).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use serde::Serialize;
use twotier_core::partners::{self, EnrollInput, ListQuery, Partner, ProfileInput};
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::TenantId;
use twotier_domain::tenant::TenantKind;

use super::{
    Annotated, ApiResult, Paging, collection, created, credential, encode_cursor, ok, parse_filter,
    path_id,
};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiWrite, Caller, NoBody};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

pub fn partner_wire(p: &Partner) -> Annotated<&Partner> {
    Annotated::hashed(p, "Partner", format!("/partners/{}", p.id))
}

/// A new partner with its first Global admin's temporary password, shown once.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnrolledWire<'a> {
    #[serde(flatten)]
    partner: Annotated<&'a Partner>,
    admin_user: AdminUserWire<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AdminUserWire<'a> {
    id: &'a str,
    email: &'a str,
    temporary_password: Option<&'a str>,
    temporary_password_expires_at: Option<Timestamp>,
    credential: &'static str,
}

/// `GET /v1/partners?kind=&size=&filter={"Field":"Name","Value":…,"Operator":"starts_with"}`
pub async fn list_partners(
    State(state): State<AppState>,
    Caller(actor): Caller,
    paging: Paging<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let kind = match q.get("kind").map(String::as_str).filter(|s| !s.is_empty()) {
        Some(k) => Some(
            TenantKind::parse(k)
                .map_err(|e| ApiError(twotier_core::CoreError::field("kind", e)))?,
        ),
        None => None,
    };
    let name_prefix = match parse_filter(q.get("filter").map(String::as_str))? {
        Some(f) if f.field.eq_ignore_ascii_case("name") => Some(f.value),
        Some(_) => {
            return Err(ApiError(twotier_core::CoreError::invalid(
                "filter",
                "partners can be filtered by Name only",
            )));
        }
        None => None,
    };
    let query = ListQuery {
        kind,
        name_prefix,
        include_disabled: true,
        after: paging.cursor,
        limit: paging.size,
        ..ListQuery::default()
    };
    let page = partners::list(&state.svc, &actor, &query).await?;
    let items = page.items.iter().map(partner_wire).collect();
    collection(
        items,
        page.total,
        "/partners",
        page.next.as_ref().map(encode_cursor),
    )
}

/// `POST /v1/partners`: 201 with the partner and its first Global admin's temporary password.
pub async fn create_partner(
    State(state): State<AppState>,
    Caller(actor): Caller,
    req: ApiWrite<EnrollInput>,
) -> ApiResult {
    let done = partners::enroll(&state.svc, &actor, &req.meta, &req.body).await?;
    created(EnrolledWire {
        partner: partner_wire(&done.partner),
        admin_user: AdminUserWire {
            id: &done.admin_user_id,
            email: &done.admin_email,
            temporary_password: done.temporary_password.as_deref(),
            temporary_password_expires_at: done.temporary_password_expires_at,
            credential: credential(done.temporary_password.is_some()),
        },
    })
}

pub async fn get_partner(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    ok(partner_wire(&partners::get(&state.svc, &actor, &id).await?))
}

/// `PATCH /v1/partners/{id}`: directory profile fields and `disabled`.
pub async fn update_partner(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    req: ApiWrite<ProfileInput>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    ok(partner_wire(
        &partners::update_profile(&state.svc, &actor, &req.meta, &id, &req.body).await?,
    ))
}

/// `POST /v1/partners/{id}/agreement`: the partner's Global admin accepts the agreement.
pub async fn accept_agreement(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    req: ApiWrite<NoBody>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    ok(partner_wire(
        &partners::accept_agreement(&state.svc, &actor, &req.meta, &id).await?,
    ))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .get   ("/v1/partners",                Policy::Permission(P::ViewPartners),    list_partners)
        .post  ("/v1/partners",                Policy::Permission(P::ManagePartners),  create_partner)
        .get   ("/v1/partners/{id}",           Policy::SignedIn,                       get_partner)
        .patch ("/v1/partners/{id}",           Policy::Permission(P::ManagePartners),  update_partner)
        .post  ("/v1/partners/{id}/agreement", Policy::Permission(P::AcceptAgreement), accept_agreement);
}
