//! Incentives: seat-days from the subscription history, against a hand-computed example.

use http::{Method, StatusCode};
use serde_json::json;
use twotier_testkit::TestApp;

#[tokio::test]
async fn seat_days_follow_every_change_from_the_moment_it_happened() {
    let app = TestApp::new().await;
    let world = app.world().await;
    // 2026-11-24 00:00: CNT-BASIC, 10 seats, Fabrikam (2000001) reseller of record.
    let (customer, basic, _) = crate::subscriptions::setup(&app, &world).await;
    let admin = world.user("provider_admin_agent").bearer();
    let p = format!(
        "/v1/customers/{customer}/subscriptions/{}",
        basic["id"].as_str().unwrap()
    );
    // Nov 26: 20 seats. Nov 28: suspended. Dec 5: active again.
    app.clock.advance_hours(48);
    let r = app
        .api(
            Method::PATCH,
            &p,
            &admin,
            Some(json!({ "quantityDelta": 10 })),
        )
        .await;
    assert_eq!(r.json()["quantity"], 20, "{}", r.text());
    app.clock.advance_hours(48);
    let e = r.json()["attributes"]["etag"].as_str().unwrap().to_owned();
    let r = app
        .api_with(
            Method::PATCH,
            &p,
            &admin,
            &[("If-Match", &e)],
            Some(json!({ "status": "suspended" })),
        )
        .await;
    assert_eq!(r.json()["status"], "suspended");
    app.clock.advance_hours(7 * 24);
    let e = r.json()["attributes"]["etag"].as_str().unwrap().to_owned();
    app.api_with(
        Method::PATCH,
        &p,
        &admin,
        &[("If-Match", &e)],
        Some(json!({ "status": "active" })),
    )
    .await;
    // Now Dec 5. November: 10 × 2 days + 20 × 2 days = 60 seat-days; MAIL-P1 and its add-on
    // have no reseller of record and do not count.
    let billing = world.user("provider_billing_admin").bearer();
    let nov = app
        .api(
            Method::GET,
            "/v1/reports/incentives?month=2026-11",
            &billing,
            None,
        )
        .await;
    assert_eq!(nov.status, StatusCode::OK, "{}", nov.text());
    let nov = nov.json();
    assert_eq!(nov["totalCount"], 1);
    assert_eq!(nov["items"][0]["offerId"], "CNT-BASIC");
    assert_eq!(nov["items"][0]["mpnId"], "2000001");
    assert_eq!(nov["items"][0]["seatDays"], 60.0);
    // December so far: suspended Dec 1–5, nothing yet.
    let dec = app
        .api(
            Method::GET,
            "/v1/reports/incentives?month=2026-12",
            &billing,
            None,
        )
        .await
        .json();
    assert_eq!(dec["totalCount"], 0);
    // Two more days: 20 × 2 = 40.
    app.clock.advance_hours(48);
    let dec = app
        .api(
            Method::GET,
            "/v1/reports/incentives?month=2026-12",
            &billing,
            None,
        )
        .await
        .json();
    assert_eq!(dec["items"][0]["seatDays"], 40.0);

    // The reseller sees its own; another reseller nothing; a Helpdesk agent may not look.
    let mine = app
        .api(
            Method::GET,
            "/v1/reports/incentives?month=2026-11",
            &world.user("reseller_global_admin").bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(mine["items"][0]["seatDays"], 60.0);
    let other = app
        .api(
            Method::GET,
            "/v1/reports/incentives?month=2026-11",
            &world.user("other_reseller_global_admin").bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(other["totalCount"], 0);
    let helpdesk = app
        .api(
            Method::GET,
            "/v1/reports/incentives?month=2026-11",
            &world.user("provider_helpdesk_agent").bearer(),
            None,
        )
        .await;
    assert_eq!(helpdesk.status, StatusCode::FORBIDDEN);
    let bad = app
        .api(
            Method::GET,
            "/v1/reports/incentives?month=November",
            &billing,
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // No month: this month (December, the clock's).
    let current = app
        .api(Method::GET, "/v1/reports/incentives", &billing, None)
        .await
        .json();
    assert_eq!(current["month"], "2026-12");
    assert_eq!(current["items"][0]["seatDays"], 40.0);

    // The page: table, chart and CSV (a new sign-in: the clock has moved on 13 days).
    let (cookie, csrf) = app
        .sign_in(
            &world.user("provider_billing_admin").email,
            twotier_testkit::app::PASSWORD,
        )
        .await;
    let session = twotier_testkit::Principal::Session { cookie, csrf };
    let page = app.page("/incentives?month=2026-11", &session).await.text();
    assert!(
        page.contains("<svg") && page.contains("Fabrikam IT") && page.contains("60.00"),
        "{page}"
    );
    // Twelve months of seat-days per reseller: a chart with its legend, and the same figures
    // in a table, the month asked for last.
    let trend = page
        .split("<table id=\"trend\">")
        .nth(1)
        .expect("the trend table");
    let header = trend.split("</thead>").next().unwrap();
    assert_eq!(
        header.matches("<th scope=\"col\" class=\"num\">").count(),
        12,
        "{header}"
    );
    assert!(
        header.contains("Dec 25") && header.trim_end().ends_with("Nov 26</th></tr>"),
        "{header}"
    );
    assert!(trend.contains("<td class=\"num\">60</td>"), "{trend}");
    assert!(page.contains("class=\"legend\""), "{page}");
    // The month's lines end with their total.
    let lines = page
        .split("<table id=\"incentives\">")
        .nth(1)
        .expect("the lines table");
    let total = lines
        .split("<tr class=\"total\">")
        .nth(1)
        .expect("a total row");
    assert!(
        total.contains("Total, 1 line") && total.contains("<td class=\"num\">60.00</td>"),
        "{total}"
    );
    let csv = app.page("/incentives.csv?month=2026-11", &session).await;
    assert_eq!(
        csv.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    assert!(
        csv.text().contains("2026-11,") && csv.text().contains(",CNT-BASIC,"),
        "{}",
        csv.text()
    );
    assert!(csv.text().ends_with("60.00\n"), "{}", csv.text());
    assert!(
        csv.header("content-disposition")
            .is_some_and(|d| d.contains("twotier-incentives-2026-11.csv")),
        "the file is named after its month"
    );
}
