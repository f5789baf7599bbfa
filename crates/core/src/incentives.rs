//! Incentives: per reseller and month, the seat-days by offer of the
//! subscriptions where it is the reseller of record, from the subscription history. A
//! history row holds a subscription's state from its time until the next row, so a change of
//! quantity or of the reseller of record counts from the moment it happened; only active
//! time counts.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use twotier_domain::actor::Actor;
use twotier_domain::authz::Permission;
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::{OfferId, TenantId};
use twotier_domain::subscription::SubscriptionStatus;
use twotier_domain::tenant::TenantKind;
use twotier_store::subscriptions::{self as rows, HistoryRow};
use twotier_store::{catalog as offer_rows, partners as partner_rows};

use crate::{CoreError, Services, authz};

const DAY_MS: f64 = 86_400_000.0;

/// One line of the report: a reseller's seat-days of one offer.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IncentiveLine {
    pub reseller_id: String,
    pub reseller_name: String,
    pub mpn_id: String,
    pub offer_id: String,
    pub offer_name: String,
    pub seat_days: f64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IncentiveReport {
    pub month: String,
    pub from: Timestamp,
    pub to: Timestamp,
    pub lines: Vec<IncentiveLine>,
}

impl IncentiveReport {
    /// Seat-days per reseller (name, total), largest first: the chart's bars.
    pub fn totals(&self) -> Vec<(String, f64)> {
        let mut by: BTreeMap<&str, f64> = BTreeMap::new();
        for l in &self.lines {
            *by.entry(l.reseller_name.as_str()).or_default() += l.seat_days;
        }
        let mut out: Vec<(String, f64)> = by.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }

    /// Seat-days of every line together.
    pub fn total(&self) -> f64 {
        self.lines.iter().map(|l| l.seat_days).sum()
    }
}

/// `YYYY-MM` → the month's first instant and the next month's (UTC).
pub fn month_bounds(month: &str) -> Result<(Timestamp, Timestamp), CoreError> {
    let bad = || CoreError::invalid("month", "give the month as YYYY-MM, e.g. 2026-11");
    let (y, m) = month.trim().split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u8) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(2000..=2999).contains(&y) {
        return Err(bad());
    }
    let start_of = |y: i32, m: u8| -> Result<Timestamp, CoreError> {
        let month = time::Month::try_from(m).map_err(|_| bad())?;
        let date = time::Date::from_calendar_date(y, month, 1).map_err(|_| bad())?;
        Ok(Timestamp(
            (date.midnight().assume_utc().unix_timestamp_nanos() / 1_000_000) as i64,
        ))
    };
    let from = start_of(y, m)?;
    let to = if m == 12 {
        start_of(y + 1, 1)?
    } else {
        start_of(y, m + 1)?
    };
    Ok((from, to))
}

/// Seat-days per (reseller, offer) within `[from, to)`, from history rows ordered by
/// subscription and time.
pub fn seat_days(history: &[HistoryRow], from: i64, to: i64) -> HashMap<(TenantId, OfferId), f64> {
    let mut out: HashMap<(TenantId, OfferId), f64> = HashMap::new();
    for (i, h) in history.iter().enumerate() {
        let end = history
            .get(i + 1)
            .filter(|n| n.subscription_id == h.subscription_id)
            .map_or(to, |n| n.at);
        let (start, end) = (h.at.max(from), end.min(to));
        let Some(reseller) = &h.reseller_tenant_id else {
            continue;
        };
        if h.status != SubscriptionStatus::Active || end <= start {
            continue;
        }
        *out.entry((reseller.clone(), h.offer_id.clone()))
            .or_default() += f64::from(h.quantity) * (end - start) as f64 / DAY_MS;
    }
    out
}

/// The incentives page: the month's report and, for a provider, its resellers to filter by.
#[derive(Debug, Clone)]
pub struct IncentivesView {
    pub report: IncentiveReport,
    /// (tenant id, name) of the provider's resellers; empty for a reseller.
    pub resellers: Vec<(String, String)>,
    /// Seat-days per reseller over the twelve months up to the report's.
    pub trend: Trend,
}

/// Seat-days per reseller for a run of months (oldest first).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trend {
    /// `YYYY-MM`, oldest first.
    pub months: Vec<String>,
    /// One series per reseller that earned any, by name.
    pub series: Vec<TrendSeries>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrendSeries {
    pub reseller_name: String,
    /// Seat-days of each month of `months`.
    pub values: Vec<f64>,
}

/// How many months the trend shows.
pub const TREND_MONTHS: usize = 12;

/// The `YYYY-MM` `n` months before `month` (which month_bounds has read).
fn months_back(month: &str, n: usize) -> Vec<String> {
    let (y, m) = month.trim().split_once('-').unwrap_or_default();
    let (mut y, mut m): (i32, i32) = (y.parse().unwrap_or(2000), m.parse().unwrap_or(1));
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(format!("{y:04}-{m:02}"));
        m -= 1;
        if m == 0 {
            m = 12;
            y -= 1;
        }
    }
    out.reverse();
    out
}

pub async fn view(
    svc: &Services,
    actor: &Actor,
    month: &str,
    reseller: Option<&str>,
) -> Result<IncentivesView, CoreError> {
    let report = report(svc, actor, month, reseller).await?;
    let resellers = crate::partnerships::reseller_filter(svc, actor).await?;
    let trend = trend(svc, actor, &report.month, reseller).await?;
    Ok(IncentivesView {
        report,
        resellers,
        trend,
    })
}

/// The report for a month: a provider sees all its resellers (or one, with `reseller`); a
/// reseller sees only itself, across its providers.
pub async fn report(
    svc: &Services,
    actor: &Actor,
    month: &str,
    reseller: Option<&str>,
) -> Result<IncentiveReport, CoreError> {
    authz::require(actor, Permission::ViewIncentives)?;
    // No month: the current one.
    let current = svc.now().rfc3339()[..7].to_owned();
    let month = if month.trim().is_empty() {
        current.as_str()
    } else {
        month
    };
    let (from, to) = month_bounds(month)?;
    let mut c = svc.db.read().await?;
    let (history, wanted) = history_for(&mut c.conn(), actor, reseller, to).await?;
    let mut lines = Vec::new();
    let mut names: HashMap<TenantId, (String, String)> = HashMap::new();
    let mut offers: HashMap<OfferId, String> = HashMap::new();
    // The current month counts until now, not until its end.
    let until = to.millis().min(svc.now().millis());
    for ((reseller_id, offer_id), days) in seat_days(&history, from.millis(), until) {
        if wanted.as_ref().is_some_and(|w| w != reseller_id.as_str()) {
            continue;
        }
        if !names.contains_key(&reseller_id) {
            let p = partner_rows::find(&mut c.conn(), &reseller_id).await?;
            names.insert(
                reseller_id.clone(),
                p.map_or_else(Default::default, |p| (p.name, p.mpn_id.to_string())),
            );
        }
        if !offers.contains_key(&offer_id) {
            let o = offer_rows::find(&mut c.conn(), &offer_id).await?;
            offers.insert(offer_id.clone(), o.map_or_else(String::new, |o| o.name));
        }
        let (reseller_name, mpn_id) = names[&reseller_id].clone();
        lines.push(IncentiveLine {
            reseller_name,
            mpn_id,
            offer_name: offers[&offer_id].clone(),
            reseller_id: reseller_id.to_string(),
            offer_id: offer_id.to_string(),
            seat_days: (days * 100.0).round() / 100.0,
        });
    }
    lines.sort_by(|a, b| {
        (a.reseller_name.as_str(), a.offer_id.as_str())
            .cmp(&(b.reseller_name.as_str(), b.offer_id.as_str()))
    });
    Ok(IncentiveReport {
        month: month.trim().to_owned(),
        from,
        to,
        lines,
    })
}

/// The subscription history the actor's report reads (up to `to`), and the one reseller it
/// is limited to: the one asked for, and always a reseller's own.
async fn history_for(
    c: &mut twotier_store::Conn<'_>,
    actor: &Actor,
    reseller: Option<&str>,
    to: Timestamp,
) -> Result<(Vec<HistoryRow>, Option<String>), CoreError> {
    let reseller = reseller.map(str::trim).filter(|s| !s.is_empty());
    let history = match actor.tenant_kind {
        TenantKind::Provider => rows::history_of_provider(c, &actor.tenant_id, to.millis()).await?,
        TenantKind::Reseller => {
            if reseller.is_some_and(|r| r != actor.tenant_id.as_str()) {
                return Err(CoreError::NotFound);
            }
            rows::history_of_reseller(c, &actor.tenant_id, to.millis()).await?
        }
        _ => return Err(CoreError::Forbidden(Permission::ViewIncentives)),
    };
    if let Some(r) = reseller
        && actor.tenant_kind == TenantKind::Provider
    {
        let id = TenantId::parse(r)
            .ok_or_else(|| CoreError::invalid("resellerId", "not a tenant id"))?;
        authz::visible_tenant(c, actor, &id).await?;
    }
    let own = (actor.tenant_kind == TenantKind::Reseller).then(|| actor.tenant_id.to_string());
    Ok((history, reseller.map(str::to_owned).or(own)))
}

/// Seat-days per reseller in each of the [`TREND_MONTHS`] months up to `month`, from one
/// read of the history.
async fn trend(
    svc: &Services,
    actor: &Actor,
    month: &str,
    reseller: Option<&str>,
) -> Result<Trend, CoreError> {
    let months = months_back(month, TREND_MONTHS);
    let (_, to) = month_bounds(month)?;
    let mut c = svc.db.read().await?;
    let (history, wanted) = history_for(&mut c.conn(), actor, reseller, to).await?;
    let now = svc.now().millis();
    let mut by_reseller: HashMap<TenantId, Vec<f64>> = HashMap::new();
    for (i, m) in months.iter().enumerate() {
        // Months before the calendar twotier counts in are empty.
        let Ok((from, to)) = month_bounds(m) else {
            continue;
        };
        for ((reseller_id, _), days) in seat_days(&history, from.millis(), to.millis().min(now)) {
            if wanted.as_ref().is_some_and(|w| w != reseller_id.as_str()) {
                continue;
            }
            by_reseller
                .entry(reseller_id)
                .or_insert_with(|| vec![0.0; TREND_MONTHS])[i] += days;
        }
    }
    let mut series = Vec::with_capacity(by_reseller.len());
    for (id, values) in by_reseller {
        let name = partner_rows::find(&mut c.conn(), &id)
            .await?
            .map_or_else(|| id.to_string(), |p| p.name);
        series.push(TrendSeries {
            reseller_name: name,
            values: values
                .into_iter()
                .map(|d| (d * 100.0).round() / 100.0)
                .collect(),
        });
    }
    series.sort_by(|a, b| a.reseller_name.cmp(&b.reseller_name));
    Ok(Trend { months, series })
}

/// The report as CSV: one line per reseller and offer.
pub fn to_csv(report: &IncentiveReport) -> Result<String, CoreError> {
    let mut csv = crate::csv_export::Csv::new(&[
        "month",
        "reseller_id",
        "reseller_name",
        "mpn_id",
        "offer_id",
        "offer_name",
        "seat_days",
    ])?;
    for l in &report.lines {
        let seat_days = format!("{:.2}", l.seat_days);
        csv.row([
            report.month.as_str(),
            &l.reseller_id,
            &l.reseller_name,
            &l.mpn_id,
            &l.offer_id,
            &l.offer_name,
            &seat_days,
        ])?;
    }
    csv.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    use twotier_domain::ids::SubscriptionId;

    #[test]
    fn the_trend_runs_back_twelve_months_across_the_year() {
        let months = months_back("2026-03", 12);
        assert_eq!(months.len(), 12);
        assert_eq!(months.first().map(String::as_str), Some("2025-04"));
        assert_eq!(months.last().map(String::as_str), Some("2026-03"));
        assert_eq!(months_back("2026-01", 2), ["2025-12", "2026-01"]);
    }

    fn h(
        sub: &str,
        at_day: i64,
        quantity: i32,
        status: SubscriptionStatus,
        reseller: Option<&str>,
    ) -> HistoryRow {
        HistoryRow {
            id: format!("{sub}-{at_day}"),
            subscription_id: SubscriptionId::from_stored(sub.to_owned()),
            provider_tenant_id: TenantId::from_stored("p".to_owned()),
            customer_tenant_id: TenantId::from_stored("c".to_owned()),
            offer_id: offer(),
            at: at_day * 86_400_000,
            quantity,
            status,
            reseller_tenant_id: reseller.map(|r| TenantId::from_stored(r.to_owned())),
        }
    }

    /// A 30-day month [day 0, day 30). Subscription A: 10 seats from day -5 (before the
    /// month) for R1, raised to 20 on day 10, reseller changed to R2 on day 20, suspended on
    /// day 25. Subscription B: 4 seats for R1 from day 15, no reseller from day 27.
    /// R1: 10×10 + 20×10 (A) + 4×12 (B) = 348. R2: 20×5 (A, days 20–25) = 100.
    fn offer() -> OfferId {
        OfferId::from_stored("OFFER".to_owned())
    }

    #[test]
    fn a_hand_computed_month() {
        let history = vec![
            h("A", -5, 10, SubscriptionStatus::Active, Some("R1")),
            h("A", 10, 20, SubscriptionStatus::Active, Some("R1")),
            h("A", 20, 20, SubscriptionStatus::Active, Some("R2")),
            h("A", 25, 20, SubscriptionStatus::Suspended, Some("R2")),
            h("B", 15, 4, SubscriptionStatus::Active, Some("R1")),
            h("B", 27, 4, SubscriptionStatus::Active, None),
        ];
        let got = seat_days(&history, 0, 30 * 86_400_000);
        assert_eq!(
            got[&(TenantId::from_stored("R1".to_owned()), offer())],
            348.0
        );
        assert_eq!(
            got[&(TenantId::from_stored("R2".to_owned()), offer())],
            100.0
        );
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn months_have_their_own_bounds() {
        let (from, to) = month_bounds("2026-02").unwrap();
        assert_eq!((to.millis() - from.millis()) / 86_400_000, 28);
        let (_, dec_end) = month_bounds("2026-12").unwrap();
        assert_eq!(dec_end, month_bounds("2027-01").unwrap().0);
        for bad in ["2026-13", "26-01", "2026", "x-y", ""] {
            assert!(month_bounds(bad).is_err(), "{bad}");
        }
    }
}
