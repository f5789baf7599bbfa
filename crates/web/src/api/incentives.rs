//! `GET /v1/reports/incentives?month=YYYY-MM[&resellerId=]`: seat-days by reseller and offer.

use std::collections::HashMap;

use axum::extract::{Query, State};
use serde_json::json;
use twotier_core::incentives;

use super::{ApiResult, ok};
use crate::AppState;
use crate::extract::Caller;
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

pub async fn incentives_report(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let report = incentives::report(
        &state.svc,
        &actor,
        q.get("month").map(String::as_str).unwrap_or_default(),
        q.get("resellerId").map(String::as_str),
    )
    .await?;
    ok(json!({
        "month": report.month, "from": report.from, "to": report.to,
        "totalCount": report.lines.len(), "items": report.lines,
        "attributes": { "objectType": "IncentiveReport" },
    }))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .get   ("/v1/reports/incentives", Policy::Permission(P::ViewIncentives), incentives_report);
}
