//! `GET /v1/reports/incentives?month=YYYY-MM[&resellerId=]`: seat-days by reseller and offer.

use std::collections::HashMap;

use axum::extract::{Query, State};
use serde_json::json;
use twotier_core::incentives;

use super::{ApiResult, ok};
use crate::AppState;
use crate::extract::Caller;

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
