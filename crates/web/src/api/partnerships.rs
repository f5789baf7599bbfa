//! `/v1/partnerships/invitations`: twotier's own endpoints for the invitation flow that
//! Partner Center only offers in its UI.

use axum::extract::{Path, State};
use serde::Serialize;
use twotier_core::partnerships::{self, Invitation, InviteInput};

use super::{Annotated, ApiResult, collection, created, ok};
use crate::AppState;
use crate::api::relationships::relationship_wire;
use crate::error::ApiError;
use crate::extract::{ApiWrite, Caller};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

fn invitation_wire(i: &Invitation) -> Annotated<&Invitation> {
    Annotated::hashed(
        i,
        "PartnershipInvitation",
        format!("/partnerships/invitations/{}", i.id),
    )
}

/// A new invitation with its link and draft email; the link is never shown again.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedInvitation<'a> {
    #[serde(flatten)]
    invitation: Annotated<&'a Invitation>,
    url: Option<&'a str>,
    email_subject: &'a str,
    email_body: Option<&'a str>,
}

/// 201 with `{id, url, emailSubject, emailBody, expiresAt, state}`; the link is never shown again.
pub async fn create_invitation(
    State(state): State<AppState>,
    Caller(actor): Caller,
    req: ApiWrite<InviteInput>,
) -> ApiResult {
    let done = partnerships::invite(&state.svc, &actor, &req.meta, &req.body).await?;
    created(CreatedInvitation {
        invitation: invitation_wire(&done.invitation),
        url: done.url.as_deref(),
        email_subject: &done.email_subject,
        email_body: done.email_body.as_deref(),
    })
}

pub async fn list_invitations(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult {
    let all = partnerships::list_invitations(&state.svc, &actor).await?;
    let total = all.len() as i64;
    collection(
        all.iter().map(invitation_wire).collect(),
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
    ok(invitation_wire(
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
    created(relationship_wire(&rel))
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
