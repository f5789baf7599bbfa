//! `GET /v1/reports/incentives?month=YYYY-MM[&resellerId=]`: seat-days by reseller and offer.

use std::collections::HashMap;

use axum::extract::{Query, State};
use serde::Serialize;
use twotier_core::incentives::{self, IncentiveLine};
use twotier_domain::clock::Timestamp;

use super::{Annotated, ApiResult, ok};
use crate::AppState;
use crate::extract::Caller;
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportWire<'a> {
    month: &'a str,
    from: Timestamp,
    to: Timestamp,
    total_count: usize,
    items: &'a [IncentiveLine],
}

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
    ok(Annotated::typed(
        ReportWire {
            month: &report.month,
            from: report.from,
            to: report.to,
            total_count: report.lines.len(),
            items: &report.lines,
        },
        "IncentiveReport",
    ))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .get   ("/v1/reports/incentives", Policy::Permission(P::ViewIncentives), incentives_report);
}
