//! The incentives page: a month's seat-days by reseller and offer, as a table, a chart drawn
//! on the server (SVG, readable without JavaScript) and a CSV download.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use twotier_core::incentives::{self, IncentiveReport};

use super::{Ctx, csv_response, render};
use crate::AppState;
use crate::error::PageResult;
use crate::extract::Viewer;
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// One bar of the chart.
#[derive(Debug)]
pub struct Bar {
    label: String,
    value: String,
    y: usize,
    width: usize,
}

#[derive(Template)]
#[template(path = "incentives.html")]
struct IncentivesPage {
    ctx: Ctx,
    report: IncentiveReport,
    month: String,
    reseller: String,
    /// (tenant id, name) for the provider's filter.
    resellers: Vec<(String, String)>,
    bars: Vec<Bar>,
    chart_height: usize,
    csv_href: String,
}

const BAR_HEIGHT: usize = 28;
const BAR_SPACE: usize = 320;

fn bars(report: &IncentiveReport) -> Vec<Bar> {
    let totals = report.totals();
    let max = totals.iter().map(|t| t.1).fold(0.0_f64, f64::max);
    totals
        .into_iter()
        .enumerate()
        .map(|(i, (label, v))| Bar {
            label,
            value: format!("{v:.0}"),
            y: i * BAR_HEIGHT,
            width: if max > 0.0 {
                ((v / max) * BAR_SPACE as f64).round() as usize
            } else {
                0
            },
        })
        .collect()
}

fn month_of(q: &HashMap<String, String>, state: &AppState) -> String {
    q.get("month")
        .filter(|m| !m.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| state.svc.now().rfc3339()[..7].to_owned())
}

/// The month asked for (or this one) and the reseller filter, from the query.
fn params(q: &HashMap<String, String>, state: &AppState) -> (String, String) {
    (
        month_of(q, state),
        q.get("reseller").cloned().unwrap_or_default(),
    )
}

pub async fn incentives_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let (month, reseller) = params(&q, &state);
    let v = incentives::view(&state.svc, &s.actor, &month, Some(&reseller)).await?;
    let (report, resellers) = (v.report, v.resellers);
    let bars = bars(&report);
    let csv_href = format!(
        "/incentives.csv?{}",
        serde_urlencoded::to_string([("month", month.as_str()), ("reseller", reseller.as_str())])
            .unwrap_or_default()
    );
    Ok(render(&IncentivesPage {
        ctx: Ctx::new(&s, "Incentives", "/incentives"),
        chart_height: bars.len().max(1) * BAR_HEIGHT,
        report,
        month,
        reseller,
        resellers,
        bars,
        csv_href,
    }))
}

pub async fn incentives_csv(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let (month, reseller) = params(&q, &state);
    let report = incentives::report(&state.svc, &s.actor, &month, Some(&reseller)).await?;
    Ok(csv_response(
        incentives::to_csv(&report)?,
        "twotier-incentives.csv",
    ))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/incentives",     Policy::Permission(P::ViewIncentives), incentives_page)
        .get   ("/incentives.csv", Policy::Permission(P::ViewIncentives), incentives_csv);
}
