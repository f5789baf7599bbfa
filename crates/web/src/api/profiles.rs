//! Partner validation: MPN profiles, agreement status, partner-of-record validation.

use std::collections::HashMap;

use axum::extract::{Query, State};
use serde_json::json;
use twotier_core::partnerships;

use super::{Annotated, ApiResult, ok};
use crate::AppState;
use crate::extract::{ApiWrite, Caller};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// `GET /v1/profiles/mpn[?mpnId=]`: the caller's MPN profile, or the one of an MPN ID.
pub async fn get_mpn_profile(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let mpn = q
        .get("mpnId")
        .or_else(|| q.get("mpn_id"))
        .map(String::as_str);
    let p = partnerships::mpn_profile(&state.svc, &actor, mpn).await?;
    ok(Annotated::unversioned(
        &p,
        "MpnProfile",
        "/profiles/mpn".to_owned(),
    ))
}

/// `GET /v1/compliance/csp/agreementstatus?mpnId=|tenantId=`
pub async fn get_agreement_status(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let signed = partnerships::agreement_status(
        &state.svc,
        &actor,
        q.get("mpnId").map(String::as_str),
        q.get("tenantId").map(String::as_str),
    )
    .await?;
    ok(json!({ "isAgreementSigned": signed }))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ValidateInput {
    partner_ids: Vec<String>,
}

/// `POST /v1/partners/validateresellers {"partnerIds": [...]}`
pub async fn validate_resellers(
    State(state): State<AppState>,
    Caller(actor): Caller,
    req: ApiWrite<ValidateInput>,
) -> ApiResult {
    let results =
        partnerships::validate_resellers(&state.svc, &actor, &req.body.partner_ids).await?;
    ok(json!({ "validationResults": results }))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .get   ("/v1/profiles/mpn",                   Policy::SignedIn,                           get_mpn_profile)
        .get   ("/v1/compliance/csp/agreementstatus", Policy::Permission(P::ViewPartnerships),    get_agreement_status)
        .post  ("/v1/partners/validateresellers",     Policy::Permission(P::SetResellerOfRecord), validate_resellers);
}
