//! Audit records: written with every change in its transaction, absent when the change
//! failed, filterable, exportable.

use http::{Method, StatusCode};
use serde_json::json;
use twotier_testkit::TestApp;

#[tokio::test]
async fn every_change_writes_one_record_and_a_failed_change_writes_none() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let before = app.audit_records().await.len();
    let r = app
        .api_with(
            Method::POST,
            "/v1/users",
            &admin.bearer(),
            &[
                ("MS-CorrelationId", "corr-123"),
                ("MS-RequestId", "req-abc-1"),
            ],
            Some(json!({ "email": "auditee@contoso.test", "roles": ["sales_agent"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let records = app.audit_records().await;
    assert_eq!(records.len(), before + 1);
    let rec = records.last().unwrap();
    assert_eq!(rec.operation, "create_partner_user");
    assert_eq!(rec.resource_type, "partner_user");
    assert_eq!(rec.actor_label, admin.email);
    assert_eq!(rec.actor_kind, "api_token");
    assert_eq!(rec.correlation_id.as_deref(), Some("corr-123"));
    assert_eq!(rec.request_id.as_deref(), Some("req-abc-1"));
    assert!(
        rec.new_value
            .as_deref()
            .unwrap()
            .contains("auditee@contoso.test")
    );

    // A refused change (duplicate email) leaves no record.
    let r = app
        .api(
            Method::POST,
            "/v1/users",
            &admin.bearer(),
            Some(json!({ "email": "AUDITEE@contoso.test", "roles": ["sales_agent"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.audit_records().await.len(), before + 1);
    // Nor does a change the role does not allow.
    let agent = world.user("provider_sales_agent");
    let r = app
        .api(
            Method::POST,
            "/v1/users",
            &agent.bearer(),
            Some(json!({ "email": "x@contoso.test", "roles": [] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.audit_records().await.len(), before + 1);
}

#[tokio::test]
async fn changes_record_old_and_new_values() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let ops = world.user("operator_admin");
    let r = app
        .api(
            Method::PATCH,
            &format!("/v1/partners/{}", world.reseller),
            &ops.bearer(),
            Some(json!({ "Description": "Now in Lyon too" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let rec = app.audit_records().await.pop().unwrap();
    assert_eq!(rec.operation, "update_partner_profile");
    assert_eq!(
        rec.subject_tenant_id
            .as_ref()
            .map(twotier_domain::ids::TenantId::as_str),
        Some(world.reseller.as_str())
    );
    assert!(rec.old_value.unwrap().contains("\"description\":\"\""));
    assert!(rec.new_value.unwrap().contains("Now in Lyon too"));
}

#[tokio::test]
async fn the_api_lists_records_in_partner_center_shape_with_filters_and_paging() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    for i in 0..3 {
        app.api(
            Method::POST,
            "/v1/users",
            &admin.bearer(),
            Some(json!({ "email": format!("p{i}@contoso.test"), "roles": ["sales_agent"] })),
        )
        .await;
    }
    let r = app
        .api(
            Method::GET,
            "/v1/auditrecords?size=2",
            &admin.bearer(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let page = r.json();
    assert_eq!(page["attributes"]["objectType"], "Collection");
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let item = &page["items"][0];
    assert_eq!(item["attributes"]["objectType"], "AuditRecord");
    assert_eq!(item["operationType"], "create_partner_user");
    assert!(item["operationDate"].as_str().unwrap().ends_with('Z'));
    let token = page["links"]["next"]["headers"][0]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let next = app
        .api_with(
            Method::GET,
            "/v1/auditrecords?size=2",
            &admin.bearer(),
            &[("MS-ContinuationToken", &token)],
            None,
        )
        .await
        .json();
    assert_ne!(next["items"][0]["id"], page["items"][0]["id"]);
    let bad = app
        .api_with(
            Method::GET,
            "/v1/auditrecords",
            &admin.bearer(),
            &[("MS-ContinuationToken", "garbage!")],
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let filter = r#"{"Field":"ResourceType","Value":"partner_user","Operator":"equals"}"#;
    let filtered = app
        .api(
            Method::GET,
            &format!("/v1/auditrecords?filter={}", urlencode(filter)),
            &admin.bearer(),
            None,
        )
        .await
        .json();
    assert!(
        filtered["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["resourceType"] == "partner_user")
    );
    let bad_date = app
        .api(
            Method::GET,
            "/v1/auditrecords?startDate=yesterday",
            &admin.bearer(),
            None,
        )
        .await;
    assert_eq!(bad_date.status, StatusCode::BAD_REQUEST);
    // A reseller sees nothing of the provider's log.
    let reseller = world.user("reseller_global_admin");
    let theirs = app
        .api(
            Method::GET,
            "/v1/auditrecords?size=500",
            &reseller.bearer(),
            None,
        )
        .await
        .json();
    assert!(!theirs.to_string().contains("p0@contoso.test"));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn the_viewer_filters_and_exports_csv() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let ops = world.user("operator_admin");
    let page = app
        .page("/audit?operation=enroll_partner", &ops.session())
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("enroll_partner") && !html.contains("<td>create_partner_user</td>"));
    let by_user = app
        .page("/audit?user=nobody-matches-this", &ops.session())
        .await
        .text();
    assert!(by_user.contains("No records match"));
    let future = app
        .page("/audit?from=2030-01-01", &ops.session())
        .await
        .text();
    assert!(future.contains("No records match"));
    let bad = app
        .page("/audit?from=31/12/2026", &ops.session())
        .await
        .text();
    assert!(bad.contains("use a date such as"));
    let reversed = app
        .page("/audit?from=2026-12-01&to=2026-11-01", &ops.session())
        .await
        .text();
    assert!(reversed.contains("must not be before"));
    let csv = app
        .page("/audit.csv?resource_type=partner", &ops.session())
        .await;
    assert_eq!(
        csv.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let text = csv.text();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("id,date,actor_kind,user,operation")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3, "three partners enrolled:\n{text}");
    assert!(rows.iter().all(|l| l.contains(",partner,")));
}

/// The provider's activity log shows what its reseller did to the provider's customers (a
/// licence count, a user created on the customer's behalf, licences assigned), filtered by
/// the reseller's user too; a provider that does not serve the customer sees none of it.
#[tokio::test]
async fn the_provider_sees_what_its_reseller_did_to_its_customers() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, basic, _) = crate::subscriptions::setup(&app, &world).await;
    let reseller = world.user("reseller_admin_agent");
    let sub = format!(
        "/v1/customers/{customer}/subscriptions/{}",
        basic["id"].as_str().unwrap()
    );
    let etag = format!("\"{}\"", basic["attributes"]["etag"].as_str().unwrap());
    let r = app
        .api_with(
            Method::PATCH,
            &sub,
            &reseller.bearer(),
            &[("If-Match", &etag)],
            Some(json!({ "quantity": 12 })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let user = app
        .api(
            Method::POST,
            &format!("/v1/customers/{customer}/users"),
            &reseller.bearer(),
            Some(json!({ "userPrincipalName": "ana@subsco.onmicrosoft.example", "displayName": "Ana Roux" })),
        )
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.text());
    let uid = user.json()["id"].as_str().unwrap().to_owned();
    let assign = app
        .api(
            Method::POST,
            &format!("/v1/customers/{customer}/users/{uid}/licenseupdates"),
            &reseller.bearer(),
            Some(json!({ "licensesToAssign": [{ "skuId": "CNT-BASIC" }] })),
        )
        .await;
    assert!(assign.status.is_success(), "{}", assign.text());
    let wanted = [
        "update_subscription",
        "create_customer_user",
        "update_customer_user_licenses",
    ];
    let ops_of = |v: serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["operationType"].as_str().unwrap().to_owned())
            .collect()
    };
    let filter =
        json!({ "Field": "UserPrincipalName", "Value": reseller.email, "Operator": "substring" });
    let by_reseller = format!(
        "/v1/auditrecords?filter={}",
        percent_encoding::utf8_percent_encode(
            &filter.to_string(),
            percent_encoding::NON_ALPHANUMERIC
        )
    );
    let provider = world.user("provider_global_admin").bearer();
    let seen = ops_of(
        app.api(Method::GET, &by_reseller, &provider, None)
            .await
            .json(),
    );
    for op in wanted {
        assert!(
            seen.iter().any(|o| o == op),
            "the provider misses {op}: {seen:?}"
        );
    }
    let page = app
        .page(
            &format!("/audit?user={}", reseller.email),
            &world.user("provider_global_admin").session(),
        )
        .await
        .text();
    assert!(
        page.contains("ana@subsco.onmicrosoft.example"),
        "the page shows it too"
    );
    // In words, with links to what it was about.
    assert!(page.contains("Subscription changed"), "{page}");
    assert!(
        page.contains("→ 12"),
        "the licence count change in words: {page}"
    );
    let licences = page
        .split("Licences assigned<br><code class=\"muted\">")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .expect("the licences row");
    assert!(
        licences.contains("<li>Licences: none → ")
            && !licences.contains("<li>Subscriptions:")
            && licences.contains("Licences of ana@subsco.onmicrosoft.example"),
        "licences by name, not by id: {licences}"
    );
    assert!(
        page.contains(&format!(
            "href=\"/customers/{customer}/subscriptions/{}\"",
            basic["id"].as_str().unwrap()
        )),
        "{page}"
    );
    // The operator's other tenants see none of it.
    let other = world.user("other_reseller_global_admin").bearer();
    let unseen = ops_of(
        app.api(Method::GET, &by_reseller, &other, None)
            .await
            .json(),
    );
    assert!(unseen.is_empty(), "{unseen:?}");
}

/// The audit record ids of a log page's rows, in order.
fn listed_records(page: &str) -> Vec<String> {
    page.split("<tr data-audit-id=\"")
        .skip(1)
        .filter_map(|row| Some(row.split('"').next()?.to_owned()))
        .collect()
}

#[tokio::test]
async fn the_log_sorts_either_way_counts_and_pages_back_and_forth_keeping_its_filters() {
    use crate::customers::pager_link;
    let app = TestApp::new().await;
    let world = app.world().await;
    let all: Vec<String> = app
        .audit_records()
        .await
        .into_iter()
        .map(|r| r.id.to_string())
        .collect();
    let n = all.len();
    assert!(n > 25, "the world writes enough records to page: {n}");
    let ops = world.user("operator_admin").session();
    let first = app.page("/audit?size=25", &ops).await.text();
    let newest: Vec<String> = all.iter().rev().take(25).cloned().collect();
    assert_eq!(listed_records(&first), newest, "newest first");
    assert!(first.contains(&format!("{n} records")), "{first}");
    assert!(pager_link(&first, "prev").is_none());
    let next = pager_link(&first, "next").expect("an older page");
    assert!(next.contains("size=25"), "the page size is kept: {next}");
    let second = app.page(&next, &ops).await.text();
    let older: Vec<String> = all.iter().rev().skip(25).take(25).cloned().collect();
    assert_eq!(listed_records(&second), older);
    let back = pager_link(&second, "prev").expect("a newer page");
    assert_eq!(listed_records(&app.page(&back, &ops).await.text()), newest);
    // Oldest first, then its next page.
    let oldest = app.page("/audit?sort=oldest&size=25", &ops).await.text();
    let first_ones: Vec<String> = all.iter().take(25).cloned().collect();
    assert_eq!(listed_records(&oldest), first_ones);
    assert!(oldest.contains("aria-sort=\"ascending\""), "{oldest}");
    let later = pager_link(&oldest, "next").expect("a later page");
    let later = app.page(&later, &ops).await.text();
    let then: Vec<String> = all.iter().skip(25).take(25).cloned().collect();
    assert_eq!(listed_records(&later), then);
    let back = pager_link(&later, "prev").expect("an earlier page");
    assert_eq!(
        listed_records(&app.page(&back, &ops).await.text()),
        first_ones
    );
    // A filter is counted, shown in words and kept in the pages' links.
    let filtered = app
        .page("/audit?operation=enroll_partner&size=25", &ops)
        .await
        .text();
    assert!(
        filtered.contains("3 records (operation “") && filtered.contains("Clear the filters"),
        "{filtered}"
    );
    let none = app
        .page("/audit?user=nobody-matches-this", &ops)
        .await
        .text();
    assert!(
        none.contains("No records match user contains “nobody-matches-this”"),
        "{none}"
    );
    // The export holds every matching record whatever page it was asked from.
    let csv = app
        .page(
            &format!("/audit.csv?{}", next.split('?').nth(1).unwrap()),
            &ops,
        )
        .await
        .text();
    assert_eq!(csv.lines().count(), n + 1, "a header and every record");
}
