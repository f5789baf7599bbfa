//! `/v1/partnerships/invitations`: twotier's own endpoints for the invitation flow that
//! Partner Center only offers in its UI.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use http::StatusCode;
use serde_json::json;
use twotier_core::partnerships::{self, Invitation, InviteInput};

use super::{ApiResult, collection, created, ok, resource};
use crate::AppState;
use crate::api::relationships::relationship_json;
use crate::error::ApiError;
use crate::extract::{ApiWrite, Caller};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

fn invitation_json(i: &Invitation) -> serde_json::Value {
    resource(
        i,
        "PartnershipInvitation",
        &format!("/partnerships/invitations/{}", i.id),
    )
}

/// 201 with `{id, url, emailSubject, emailBody, expiresAt, state}`; the link is never shown again.
pub async fn create_invitation(
    State(state): State<AppState>,
    Caller(actor): Caller,
    req: ApiWrite<InviteInput>,
) -> ApiResult {
    let done = partnerships::invite(&state.svc, &actor, &req.meta, &req.body).await?;
    let mut body = invitation_json(&done.invitation);
    body["url"] = json!(done.url);
    body["emailSubject"] = json!(done.email_subject);
    body["emailBody"] = json!(done.email_body);
    created(body)
}

pub async fn list_invitations(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult {
    let all = partnerships::list_invitations(&state.svc, &actor).await?;
    let total = all.len() as i64;
    collection(
        all.iter().map(invitation_json).collect(),
        total,
        "/partnerships/invitations",
        None,
    )
}

pub async fn revoke_invitation(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    req: ApiWrite<crate::extract::NoBody>,
) -> ApiResult {
    if twotier_domain::ids::InvitationId::parse(&id).is_none() {
        return Err(ApiError(twotier_core::CoreError::NotFound));
    }
    ok(invitation_json(
        &partnerships::revoke_invitation(&state.svc, &actor, &req.meta, id.trim()).await?,
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AcceptInput {
    token: String,
}

/// `POST /v1/partnerships/invitations/accept {token}`: the reseller's Global admin accepts.
pub async fn accept_invitation(
    State(state): State<AppState>,
    Caller(actor): Caller,
    req: ApiWrite<AcceptInput>,
) -> ApiResult {
    let rel = partnerships::accept(&state.svc, &actor, &req.meta, &req.body.token).await?;
    Ok((StatusCode::CREATED, axum::Json(relationship_json(&rel))).into_response())
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .get   ("/v1/partnerships/invitations",        Policy::Permission(P::ViewPartnerships),   list_invitations)
        .post  ("/v1/partnerships/invitations",        Policy::Permission(P::ManagePartnerships), create_invitation)
        .delete("/v1/partnerships/invitations/{id}",   Policy::Permission(P::ManagePartnerships), revoke_invitation)
        .post  ("/v1/partnerships/invitations/accept", Policy::Permission(P::AcceptPartnership),  accept_invitation);
}
