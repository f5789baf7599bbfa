//! The incentives page: a month's seat-days by reseller and offer as a table and a CSV
//! download, and twelve months of seat-days per reseller as a chart drawn on the server
//! (SVG, readable without JavaScript) with the same figures in a table.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use twotier_core::incentives::{self, IncentiveReport, Trend};

use twotier_core::CoreError;
use twotier_domain::FieldErrors;
use twotier_domain::clock::{MONTH_NAMES, Timestamp};

use super::{Ctx, csv_response, form_status, render_status};
use crate::AppState;
use crate::error::PageResult;
use crate::extract::Viewer;
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// The twelve-month trend as a server-drawn SVG line chart: one line per reseller, with
/// axes, a legend and every value in the table beside it.
#[derive(Debug, Default)]
pub struct TrendChart {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    /// (y, label) of each horizontal grid line.
    pub y_ticks: Vec<(f64, String)>,
    /// (x, label) of each month.
    pub x_labels: Vec<(f64, String)>,
    pub lines: Vec<ChartLine>,
}

#[derive(Debug)]
pub struct ChartLine {
    pub name: String,
    pub colour: &'static str,
    /// The polyline's points, `x,y x,y …`.
    pub points: String,
    /// (x, y, value) of each month's point.
    pub dots: Vec<(f64, f64, String)>,
}

/// Colours told apart with the common colour-vision deficiencies (Okabe and Ito).
const COLOURS: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
];

/// A round step for about four grid lines up to `max`: 1, 2 or 5 times a power of ten.
fn nice_step(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let rough = max / 4.0;
    let power = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= rough)
        .unwrap_or(10.0 * power)
}

fn chart(trend: &Trend) -> TrendChart {
    let (width, height, left, right, top, bottom) = (720.0, 300.0, 64.0, 16.0, 16.0, 40.0);
    let max = trend
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0_f64, f64::max);
    let step = nice_step(max);
    let top_value = (max / step).ceil().max(1.0) * step;
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let n = trend.months.len().max(1);
    let x_of = |i: usize| left + plot_w * (i as f64 + 0.5) / n as f64;
    let y_of = |v: f64| top + plot_h * (1.0 - v / top_value);
    let ticks = (top_value / step).round() as usize;
    TrendChart {
        width,
        height,
        left,
        right: width - right,
        top,
        bottom: height - bottom,
        y_ticks: (0..=ticks)
            .map(|k| {
                let v = step * k as f64;
                (y_of(v), format!("{v:.0}"))
            })
            .collect(),
        x_labels: trend
            .months
            .iter()
            .enumerate()
            .map(|(i, m)| (x_of(i), short_month(m)))
            .collect(),
        lines: trend
            .series
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let dots: Vec<(f64, f64, String)> = s
                    .values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (x_of(i), y_of(*v), format!("{v:.0}")))
                    .collect();
                ChartLine {
                    name: s.reseller_name.clone(),
                    colour: COLOURS[k % COLOURS.len()],
                    points: dots
                        .iter()
                        .map(|(x, y, _)| format!("{x:.1},{y:.1}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    dots,
                }
            })
            .collect(),
    }
}

/// `2026-09` → `Sep 26`, for the axis.
fn short_month(month: &str) -> String {
    let (y, m) = month.split_once('-').unwrap_or_default();
    let name = m
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTH_NAMES.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or(m);
    format!("{name} {}", y.get(2..).unwrap_or(y))
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
    trend: Trend,
    chart: TrendChart,
    csv_href: String,
    /// A month that could not be read, next to its field.
    errors: FieldErrors,
}

impl IncentivesPage {
    fn short_month(m: &str) -> String {
        short_month(m)
    }
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
    let (report, resellers, trend, errors) =
        match incentives::view(&state.svc, &s.actor, &month, Some(&reseller)).await {
            Ok(v) => (v.report, v.resellers, v.trend, FieldErrors::new()),
            // A month that is not one is shown next to its field, with nothing to report.
            Err(CoreError::Invalid(errors)) => (
                IncentiveReport {
                    month: month.clone(),
                    from: Timestamp(0),
                    to: Timestamp(0),
                    lines: Vec::new(),
                },
                Vec::new(),
                Trend::default(),
                errors,
            ),
            Err(e) => return Err(e.into()),
        };
    let chart = chart(&trend);
    let csv_href = format!(
        "/incentives.csv?{}",
        serde_urlencoded::to_string([("month", month.as_str()), ("reseller", reseller.as_str())])
            .unwrap_or_default()
    );
    Ok(render_status(
        form_status(&errors),
        &IncentivesPage {
            errors,
            ctx: Ctx::new(&s, "Incentives", "/incentives"),
            report,
            month,
            reseller,
            resellers,
            trend,
            chart,
            csv_href,
        },
    ))
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
        &format!("twotier-incentives-{}.csv", report.month),
    ))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/incentives",     Policy::Permission(P::ViewIncentives), incentives_page)
        .get   ("/incentives.csv", Policy::Permission(P::ViewIncentives), incentives_csv);
}

#[cfg(test)]
mod tests {
    use super::{nice_step, short_month};

    #[test]
    fn axis_steps_are_round_and_months_short() {
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(9.0), 5.0);
        assert_eq!(nice_step(1_234.0), 500.0);
        assert_eq!(nice_step(4_000.0), 1_000.0);
        assert_eq!(short_month("2026-09"), "Sep 26");
        assert_eq!(short_month("2026-12"), "Dec 26");
    }
}
