//! Subscription changes: versions (If-Match), every rule with Partner Center's codes, the
//! reseller of record, the support contact, upgrades, on-behalf administration by the
//! reseller, and concurrent licence deltas.

use http::{Method, StatusCode};
use serde_json::{Value, json};
use twotier_testkit::{Principal, TestApp, World};

/// A customer of the provider associated with the reseller, and an order of CNT-BASIC (10)
/// and MAIL-P1 (10) + MAIL-ARCHIVE (10, an add-on of MAIL-P1) with the reseller of record.
/// Returns (customer id, CNT-BASIC subscription, MAIL-P1 subscription).
pub async fn setup(app: &TestApp, world: &World) -> (String, Value, Value) {
    app.import_demo_catalog(world).await;
    app.partner(world).await;
    let agent = world.user("provider_admin_agent").bearer();
    let body = json!({
        "companyProfile": { "domain": "subsco" },
        "billingProfile": { "email": "it@subsco.test", "culture": "fr-FR", "language": "fr", "companyName": "Subs Co",
            "defaultAddress": { "addressLine1": "3 quai Est", "city": "Lyon", "postalCode": "69001", "country": "FR", "firstName": "Ana", "lastName": "Roux" } },
        "associatedPartnerId": world.reseller.to_string(),
    });
    let c = app
        .api(Method::POST, "/v1/customers", &agent, Some(body))
        .await;
    let customer = c.json()["id"].as_str().unwrap().to_owned();
    let order = json!({ "billingCycle": "monthly", "lineItems": [
        { "lineItemNumber": 0, "offerId": "CNT-BASIC", "quantity": 10, "partnerIdOnRecord": "2000001" },
        { "lineItemNumber": 1, "offerId": "MAIL-P1", "quantity": 10 },
        { "lineItemNumber": 2, "offerId": "MAIL-ARCHIVE", "quantity": 10 } ] });
    let r = app
        .api(
            Method::POST,
            &format!("/v1/customers/{customer}/orders"),
            &agent,
            Some(order),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let subs = app
        .api(
            Method::GET,
            &format!("/v1/customers/{customer}/subscriptions"),
            &agent,
            None,
        )
        .await
        .json();
    let find = |offer: &str| {
        subs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["offerId"] == offer)
            .unwrap()
            .clone()
    };
    (customer, find("CNT-BASIC"), find("MAIL-P1"))
}

fn path(customer: &str, sub: &Value) -> String {
    format!(
        "/v1/customers/{customer}/subscriptions/{}",
        sub["id"].as_str().unwrap()
    )
}

fn etag(v: &Value) -> String {
    v["attributes"]["etag"].as_str().unwrap().to_owned()
}

async fn patch(
    app: &TestApp,
    who: &Principal,
    path: &str,
    etag: Option<&str>,
    body: Value,
) -> twotier_testkit::TestResponse {
    let quoted = etag.map(|e| format!("\"{e}\""));
    let headers: Vec<(&str, &str)> = quoted
        .as_deref()
        .map(|e| vec![("If-Match", e)])
        .unwrap_or_default();
    app.api_with(Method::PATCH, path, who, &headers, Some(body))
        .await
}

fn code(r: &twotier_testkit::TestResponse) -> i64 {
    r.json()["code"].as_i64().unwrap_or_default()
}

#[tokio::test]
async fn changes_need_the_current_etag_and_follow_the_rules() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, basic, _) = setup(&app, &world).await;
    let agent = world.user("provider_admin_agent").bearer();
    let p = path(&customer, &basic);
    let before = app.audit_records().await.len();

    // No etag, or a stale one: 412, nothing changes.
    let none = patch(&app, &agent, &p, None, json!({ "quantity": 12 })).await;
    assert_eq!(
        (none.status, code(&none)),
        (StatusCode::PRECONDITION_FAILED, 2055)
    );
    let stale = patch(&app, &agent, &p, Some("99"), json!({ "quantity": 12 })).await;
    assert_eq!(
        (stale.status, code(&stale)),
        (StatusCode::PRECONDITION_FAILED, 2055)
    );
    assert_eq!(app.audit_records().await.len(), before);

    // The current etag: the change lands and the etag moves on.
    let first = etag(&basic);
    let ok = patch(&app, &agent, &p, Some(&first), json!({ "quantity": 12 })).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(ok.json()["quantity"], 12);
    assert_ne!(etag(&ok.json()), first);
    let replayed = patch(&app, &agent, &p, Some(&first), json!({ "quantity": 13 })).await;
    assert_eq!(
        replayed.status,
        StatusCode::PRECONDITION_FAILED,
        "the old etag is stale now"
    );
    let records = app.audit_records().await;
    let update = records
        .iter()
        .find(|r| r.operation == "update_subscription")
        .unwrap();
    assert!(
        update
            .old_value
            .as_deref()
            .unwrap()
            .contains("\"value\":10")
    );
    assert!(
        update
            .new_value
            .as_deref()
            .unwrap()
            .contains("\"value\":12")
    );
    assert_eq!(update.resource_type, "subscription");

    // The full resource sent back, as Partner Center clients do, with one field changed.
    let mut full = ok.json();
    full["friendlyName"] = json!("Basic for Subs Co");
    let renamed = patch(&app, &agent, &p, None, full).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text());
    assert_eq!(renamed.json()["friendlyName"], "Basic for Subs Co");
    assert_eq!(renamed.json()["quantity"], 12);

    let cur = etag(&renamed.json());
    let too_many = patch(&app, &agent, &p, Some(&cur), json!({ "quantity": 301 })).await;
    assert_eq!(code(&too_many), 2002, "{}", too_many.text());
    let both = patch(
        &app,
        &agent,
        &p,
        Some(&cur),
        json!({ "quantity": 5, "status": "suspended" }),
    )
    .await;
    assert_eq!(code(&both), 2001);
    let bad_status = patch(&app, &agent, &p, Some(&cur), json!({ "status": "frozen" })).await;
    assert_eq!(bad_status.status, StatusCode::BAD_REQUEST);

    // Suspend, then only reactivation (or cancel, or rename) is possible.
    let suspended = patch(
        &app,
        &agent,
        &p,
        Some(&cur),
        json!({ "status": "suspended" }),
    )
    .await;
    assert_eq!(suspended.json()["status"], "suspended");
    let cur = etag(&suspended.json());
    let q = patch(&app, &agent, &p, Some(&cur), json!({ "quantity": 11 })).await;
    assert_eq!(code(&q), 800_091);
    let again = patch(
        &app,
        &agent,
        &p,
        Some(&cur),
        json!({ "status": "suspended", "autoRenewEnabled": false }),
    )
    .await;
    assert_eq!(code(&again), 800_091);
    let active = patch(&app, &agent, &p, Some(&cur), json!({ "status": "active" })).await;
    assert_eq!(active.json()["status"], "active");
    let cur = etag(&active.json());
    let renew = patch(
        &app,
        &agent,
        &p,
        Some(&cur),
        json!({ "autoRenewEnabled": false }),
    )
    .await;
    assert_eq!(renew.json()["autoRenewEnabled"], false);
}

#[tokio::test]
async fn lowering_and_cancelling_only_inside_the_cancellation_window() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, basic, _) = setup(&app, &world).await;
    let agent = world.user("provider_admin_agent").bearer();
    // Inside the 7-day window: lowering works.
    let p = path(&customer, &basic);
    let lower = patch(
        &app,
        &agent,
        &p,
        Some(&etag(&basic)),
        json!({ "quantity": 8 }),
    )
    .await;
    assert_eq!(lower.json()["quantity"], 8, "{}", lower.text());
    // Eight days later: neither lowering nor cancelling, raising still works.
    app.clock.advance_hours(8 * 24);
    let cur = etag(&lower.json());
    let refused = patch(&app, &agent, &p, Some(&cur), json!({ "quantity": 7 })).await;
    assert_eq!(code(&refused), 800_090, "{}", refused.text());
    let delta = patch(&app, &agent, &p, None, json!({ "quantityDelta": -1 })).await;
    assert_eq!(code(&delta), 800_090);
    let cancel = patch(&app, &agent, &p, Some(&cur), json!({ "status": "deleted" })).await;
    assert_eq!(code(&cancel), 900_117, "{}", cancel.text());
    assert!(
        cancel.json()["description"]
            .as_str()
            .unwrap()
            .contains("7-day")
    );
    let raise = patch(&app, &agent, &p, Some(&cur), json!({ "quantity": 9 })).await;
    assert_eq!(raise.json()["quantity"], 9);

    // A fresh subscription can be cancelled, and then never changed again.
    let fresh = TestApp::new().await;
    let world = fresh.world().await;
    let (customer, _, mail2) = setup(&fresh, &world).await;
    let agent = world.user("provider_admin_agent").bearer();
    let p = path(&customer, &mail2);
    fresh.clock.advance_hours(6 * 24);
    let gone = patch(
        &fresh,
        &agent,
        &p,
        Some(&etag(&mail2)),
        json!({ "status": "deleted" }),
    )
    .await;
    assert_eq!(gone.json()["status"], "deleted", "{}", gone.text());
    let after = patch(
        &fresh,
        &agent,
        &p,
        Some(&etag(&gone.json())),
        json!({ "friendlyName": "x" }),
    )
    .await;
    assert_eq!(code(&after), 2011);
}

#[tokio::test]
async fn the_reseller_of_record_is_checked_and_audited() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, _, mail) = setup(&app, &world).await;
    let admin = world.user("provider_admin_agent").bearer();
    let p = path(&customer, &mail);
    let e = etag(&mail);
    for (mpn, expected) in [
        ("1000001", 2072),
        ("9999999", 800_015),
        ("3000001", 800_016),
    ] {
        let r = patch(&app, &admin, &p, Some(&e), json!({ "partnerId": mpn })).await;
        assert_eq!(code(&r), expected, "{mpn}: {}", r.text());
    }
    // Roles: neither a Helpdesk agent nor a Billing admin changes the reseller of record or
    // the quantity; an Admin agent changes the quantity.
    let helpdesk = world.user("provider_helpdesk_agent").bearer();
    let r = patch(
        &app,
        &helpdesk,
        &p,
        Some(&e),
        json!({ "partnerId": "2000001" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let billing = world.user("provider_billing_admin").bearer();
    let r = patch(&app, &billing, &p, Some(&e), json!({ "quantity": 11 })).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = patch(&app, &helpdesk, &p, Some(&e), json!({ "quantity": 11 })).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let agent = world.user("provider_admin_agent").bearer();
    let r = patch(&app, &agent, &p, Some(&e), json!({ "quantity": 11 })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let e = etag(&r.json());
    let set = patch(
        &app,
        &admin,
        &p,
        Some(&e),
        json!({ "partnerId": "2000001" }),
    )
    .await;
    assert_eq!(set.json()["partnerId"], "2000001", "{}", set.text());
    let records = app.audit_records().await;
    let assoc = records
        .iter()
        .find(|r| r.operation == "create_mpn_association")
        .expect("audited");
    assert_eq!(assoc.resource_type, "mpn_association");
    assert!(assoc.new_value.as_deref().unwrap().contains("2000001"));
    // Removing it is a change of association too.
    let removed = patch(
        &app,
        &admin,
        &p,
        Some(&etag(&set.json())),
        json!({ "partnerId": null }),
    )
    .await;
    assert!(removed.json()["partnerId"].is_null(), "{}", removed.text());
    assert!(
        app.audit_records()
            .await
            .iter()
            .any(|r| r.operation == "update_mpn_association")
    );
}

#[tokio::test]
async fn the_support_contact_is_the_provider_or_a_related_partnered_reseller() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, basic, _) = setup(&app, &world).await;
    let admin = world.user("provider_admin_agent").bearer();
    let p = format!("{}/supportcontact", path(&customer, &basic));
    let first = app.api(Method::GET, &p, &admin, None).await.json();
    assert_eq!(first["supportTenantId"], world.provider.to_string());
    assert_eq!(first["attributes"]["objectType"], "SupportContact");
    let other = app
        .api(
            Method::PUT,
            &p,
            &admin,
            Some(json!({ "supportTenantId": world.other_reseller.to_string() })),
        )
        .await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST, "{}", other.text());
    let sales = world.user("provider_sales_agent").bearer();
    let r = app
        .api(
            Method::PUT,
            &p,
            &sales,
            Some(json!({ "supportMpnId": "2000001" })),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "sales agents do not set support contacts"
    );
    let set = app
        .api(
            Method::PUT,
            &p,
            &admin,
            Some(json!({ "supportMpnId": "2000001" })),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    assert_eq!(set.json()["supportTenantId"], world.reseller.to_string());
    assert!(
        app.audit_records()
            .await
            .iter()
            .any(|r| r.operation == "update_subscription_support_contact")
    );
    // The partnership ends: the designation stays, but the reseller cannot be chosen again.
    let removed = app
        .api(
            Method::DELETE,
            &format!("/v1/relationships/{}", world.reseller),
            &world.user("provider_global_admin").bearer(),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.api(Method::GET, &p, &admin, None).await.json()["supportTenantId"],
        world.reseller.to_string()
    );
    let back = app
        .api(
            Method::PUT,
            &p,
            &admin,
            Some(json!({ "supportTenantId": world.provider.to_string() })),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK);
    let again = app
        .api(
            Method::PUT,
            &p,
            &admin,
            Some(json!({ "supportMpnId": "2000001" })),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text());
}

#[tokio::test]
async fn upgrades_move_the_licences_and_refuse_what_cannot_move() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, basic, mail) = setup(&app, &world).await;
    let admin = world.user("provider_admin_agent").bearer();
    let ups = app
        .api(
            Method::GET,
            &format!("{}/upgrades", path(&customer, &basic)),
            &admin,
            None,
        )
        .await
        .json();
    let targets: Vec<&str> = ups["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["targetOffer"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["CNT-STANDARD", "CNT-PREMIUM"]);
    assert_eq!(ups["items"][0]["isEligible"], true);
    // MAIL-P1 has the MAIL-ARCHIVE add-on: not eligible, with Partner Center's error name.
    let mail_ups = app
        .api(
            Method::GET,
            &format!("{}/upgrades", path(&customer, &mail)),
            &admin,
            None,
        )
        .await
        .json();
    assert_eq!(mail_ups["items"][0]["isEligible"], false);
    assert_eq!(
        mail_ups["items"][0]["upgradeErrors"][0]["code"],
        "subscription_add_ons_present"
    );
    let addons = app
        .api(
            Method::GET,
            &format!("{}/addons", path(&customer, &mail)),
            &admin,
            None,
        )
        .await
        .json();
    assert_eq!(addons["items"][0]["offerId"], "MAIL-ARCHIVE");
    let refused = app
        .api(
            Method::POST,
            &format!("{}/upgrades", path(&customer, &mail)),
            &admin,
            Some(json!({ "targetOffer": { "id": "MAIL-P2" }, "upgradeType": "upgrade_with_license_transfer" })),
        )
        .await;
    assert!(
        refused.text().contains("subscription_add_ons_present"),
        "{}",
        refused.text()
    );
    let not_a_path = app
        .api(
            Method::POST,
            &format!("{}/upgrades", path(&customer, &basic)),
            &admin,
            Some(json!({ "targetOffer": { "id": "MAIL-P2" } })),
        )
        .await;
    assert!(
        not_a_path
            .text()
            .contains("subscription_target_offer_not_found")
    );

    let done = app
        .api(
            Method::POST,
            &format!("{}/upgrades", path(&customer, &basic)),
            &admin,
            Some(json!({ "targetOffer": { "id": "CNT-STANDARD" }, "upgradeType": "upgrade_with_license_transfer" })),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let result = done.json();
    assert_eq!(result["sourceSubscriptionId"], basic["id"]);
    let target = result["targetSubscriptionID"].as_str().unwrap();
    let source = app
        .api(Method::GET, &path(&customer, &basic), &admin, None)
        .await
        .json();
    assert_eq!(source["status"], "suspended");
    assert_eq!(source["upgradedTo"], target);
    let new = app
        .api(
            Method::GET,
            &format!("/v1/customers/{customer}/subscriptions/{target}"),
            &admin,
            None,
        )
        .await
        .json();
    assert_eq!(
        (
            new["offerId"].clone(),
            new["quantity"].clone(),
            new["status"].clone(),
            new["partnerId"].clone()
        ),
        (
            json!("CNT-STANDARD"),
            json!(10),
            json!("active"),
            json!("2000001")
        )
    );
    assert!(
        app.audit_records()
            .await
            .iter()
            .any(|r| r.operation == "upgrade_subscription")
    );
    // A suspended source cannot be upgraded again.
    let twice = app
        .api(
            Method::POST,
            &format!("{}/upgrades", path(&customer, &basic)),
            &admin,
            Some(json!({ "targetOffer": { "id": "CNT-PREMIUM" } })),
        )
        .await;
    assert!(twice.text().contains("subscription_status_not_active"));
}

#[tokio::test]
async fn the_reseller_administers_on_behalf_but_not_what_is_the_providers() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, basic, _) = setup(&app, &world).await;
    let reseller = world.user("reseller_admin_agent").bearer();
    let p = path(&customer, &basic);
    let e = etag(&basic);
    let q = patch(&app, &reseller, &p, Some(&e), json!({ "quantity": 15 })).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text());
    let e = etag(&q.json());
    for body in [
        json!({ "status": "deleted" }),
        json!({ "partnerId": "2000001x" }),
    ] {
        let r = patch(&app, &reseller, &p, Some(&e), body.clone()).await;
        assert_eq!(
            (r.status, code(&r)),
            (StatusCode::FORBIDDEN, 600_008),
            "{body}"
        );
    }
    let s = patch(
        &app,
        &reseller,
        &p,
        Some(&e),
        json!({ "status": "suspended" }),
    )
    .await;
    assert_eq!(s.json()["status"], "suspended");
    let up = app
        .api(
            Method::POST,
            &format!("{p}/upgrades"),
            &reseller,
            Some(json!({ "targetOffer": { "id": "CNT-STANDARD" } })),
        )
        .await;
    assert_eq!(up.status, StatusCode::FORBIDDEN);
    // Another reseller, and the reseller for a customer not associated with it: 404.
    let other = world.user("other_reseller_global_admin").bearer();
    let r = patch(&app, &other, &p, Some(&e), json!({ "quantity": 3 })).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let direct = app
        .api(
            Method::POST,
            "/v1/customers",
            &world.user("provider_admin_agent").bearer(),
            Some(json!({
                "companyProfile": { "domain": "directsubs" },
                "billingProfile": { "email": "it@directsubs.test", "culture": "fr-FR", "language": "fr", "companyName": "Direct Subs",
                    "defaultAddress": { "addressLine1": "1 rue", "city": "Lyon", "postalCode": "69001", "country": "FR", "firstName": "A", "lastName": "B" } },
            })),
        )
        .await
        .json();
    let r = app
        .api(
            Method::GET,
            &format!(
                "/v1/customers/{}/subscriptions",
                direct["id"].as_str().unwrap()
            ),
            &reseller,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn fifty_concurrent_deltas_lose_none() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, basic, _) = setup(&app, &world).await;
    let agent = world.user("provider_admin_agent").bearer();
    let p = path(&customer, &basic);
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (app, p, agent) = (app.clone(), p.clone(), agent.clone());
        let delta = if i % 5 == 0 { -1 } else { 2 };
        tasks.push(tokio::spawn(async move {
            let r = app
                .api(
                    Method::PATCH,
                    &p,
                    &agent,
                    Some(json!({ "quantityDelta": delta })),
                )
                .await;
            (r.status, delta)
        }));
    }
    let mut acknowledged = 0;
    for t in tasks {
        let (status, delta) = t.await.unwrap();
        if status == StatusCode::OK {
            acknowledged += delta;
        } else {
            assert_ne!(status.as_u16() / 100, 5, "no server error");
        }
    }
    let after = app.api(Method::GET, &p, &agent, None).await.json();
    assert_eq!(after["quantity"], 10 + acknowledged);
    assert!(acknowledged > 0);
}

#[tokio::test]
async fn a_repeated_delta_with_a_request_id_counts_once() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, basic, _) = setup(&app, &world).await;
    let agent = world.user("provider_admin_agent").bearer();
    let p = path(&customer, &basic);
    let key = [("MS-RequestId", "delta-once")];
    let body = json!({ "quantityDelta": 3 });
    let first = app
        .api_with(Method::PATCH, &p, &agent, &key, Some(body.clone()))
        .await;
    let again = app
        .api_with(Method::PATCH, &p, &agent, &key, Some(body))
        .await;
    assert_eq!(first.json()["quantity"], 13, "{}", first.text());
    assert_eq!(again.json()["quantity"], 13);
    let now = app.api(Method::GET, &p, &agent, None).await.json();
    assert_eq!(now["quantity"], 13);
    // A delta that would leave the offer's bounds says so.
    let over = app
        .api(
            Method::PATCH,
            &p,
            &agent,
            Some(json!({ "quantityDelta": 1000 })),
        )
        .await;
    assert_eq!(code(&over), 2002, "{}", over.text());
}

/// On SQLite a repeat of a request id can run in the same batch as the first request, whose
/// change is not saved until the batch commits: the repeat must not answer before that.
#[tokio::test]
async fn a_repeat_answers_only_once_the_first_request_is_saved() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, basic, _) = setup(&app, &world).await;
    let agent = world.user("provider_admin_agent").bearer();
    let p = path(&customer, &basic);
    let app = std::sync::Arc::new(app);
    let send = || {
        let (app, p, agent) = (app.clone(), p.clone(), agent.clone());
        tokio::spawn(async move {
            let key = [("MS-RequestId", "delta-in-one-batch")];
            let body = json!({ "quantityDelta": 4 });
            app.api_with(Method::PATCH, &p, &agent, &key, Some(body))
                .await
        })
    };
    let until_waiting = |n: usize| {
        let app = app.clone();
        async move {
            // PostgreSQL has no shared writer: nothing queues there.
            while app.svc.db.stats().writes_waiting.is_some_and(|w| w < n) {
                tokio::task::yield_now().await;
            }
        }
    };
    // A write held here makes both requests queue for SQLite's writer, in order; the first
    // then leaves its batch open for the repeat behind it.
    let held = app.svc.db.begin().await.unwrap();
    let batches = app.svc.db.stats().write_batches;
    let first = send();
    until_waiting(1).await;
    let repeat = send();
    until_waiting(2).await;
    drop(held);
    let repeat = repeat.await.unwrap();
    if let Some(before) = batches {
        let after = app.svc.db.stats().write_batches.unwrap_or_default();
        assert!(after > before, "answered before the batch committed");
    }
    assert_eq!(repeat.status, StatusCode::OK, "{}", repeat.text());
    assert_eq!(repeat.json()["quantity"], 14);
    // What the repeat reported is saved by the time it answers.
    let now = app.api(Method::GET, &p, &agent, None).await.json();
    assert_eq!(now["quantity"], 14);
    assert_eq!(first.await.unwrap().json()["quantity"], 14);
}

/// A helpdesk agent reads subscriptions and sets the support contact, but changes nothing
/// billable: no licence count, no cancelling, no suspending, no upgrade, no reseller of
/// record; the admin agent does all of it.
#[tokio::test]
async fn a_helpdesk_agent_reads_but_never_buys_or_cancels() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, basic, _) = setup(&app, &world).await;
    let p = path(&customer, &basic);
    let e = etag(&basic);
    {
        let who = "provider_helpdesk_agent";
        let helpdesk = world.user(who).bearer();
        let read = app.api(Method::GET, &p, &helpdesk, None).await;
        assert_eq!(read.status, StatusCode::OK, "{who}: {}", read.text());
        for body in [
            json!({ "quantity": 11 }),
            json!({ "status": "deleted" }),
            json!({ "status": "suspended" }),
            json!({ "autoRenewEnabled": false }),
            json!({ "quantityDelta": 1 }),
        ] {
            let r = patch(&app, &helpdesk, &p, Some(&e), body.clone()).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{who} {body}: {}",
                r.text()
            );
        }
        let up = app
            .api(
                Method::POST,
                &format!("{p}/upgrades"),
                &helpdesk,
                Some(json!({ "targetOffer": { "id": "CNT-STANDARD" } })),
            )
            .await;
        assert_eq!(up.status, StatusCode::FORBIDDEN, "{who}");
    }
    let after = app
        .api(
            Method::GET,
            &p,
            &world.user("provider_admin_agent").bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(
        (after["quantity"].clone(), after["status"].clone()),
        (json!(10), json!("active"))
    );
    let agent = world.user("provider_admin_agent").bearer();
    let q = patch(&app, &agent, &p, Some(&e), json!({ "quantity": 11 })).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text());
}

/// The confirmation step checks the change with every rule first: a value that is not one,
/// a change that changes nothing and a change the subscription's state refuses never reach
/// "Confirm", and the refusal does not echo the bad value.
#[tokio::test]
async fn a_change_is_checked_before_it_is_confirmed() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, _basic, mail) = setup(&app, &world).await;
    let agent = world.user("provider_admin_agent").session();
    let page = format!(
        "/customers/{customer}/subscriptions/{}",
        mail["id"].as_str().unwrap()
    );
    let version = |html: &str| {
        html.split("name=\"etag\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned()
    };
    let ask = |fields: Vec<(&'static str, String)>| {
        let (app, agent, page) = (&app, &agent, &page);
        async move {
            let current = version(&app.page(page, agent).await.text());
            let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            all.push(("etag", &current));
            app.form(Method::POST, page, agent, &all).await
        }
    };
    let r = ask(vec![
        ("action", "quantity".into()),
        ("quantity", "abc".into()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !r.text().contains("to abc") && !r.text().contains("Confirm:"),
        "{}",
        r.text()
    );
    assert!(r.text().contains("whole number"), "{}", r.text());

    let r = ask(vec![
        ("action", "quantity".into()),
        ("quantity", "10".into()),
    ])
    .await;
    assert!(r.text().contains("Nothing to change"), "{}", r.text());
    assert!(!r.text().contains("Confirm:"), "{}", r.text());
    let r = ask(vec![
        ("action", "rename".into()),
        ("friendly_name", "   ".into()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.text().contains("Confirm:"), "{}", r.text());

    let r = ask(vec![
        ("action", "quantity".into()),
        ("quantity", "12".into()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("from 10 to 12"), "{}", r.text());
    assert!(
        r.text()
            .contains("The 2 added licences are committed until the term ends on"),
        "an increase says what it commits to: {}",
        r.text()
    );
    let cancel = ask(vec![("action", "cancel".into())]).await.text();
    assert!(
        cancel.contains("class=\"danger\">Yes, cancel the subscription</button>")
            && cancel.contains("aria-label=\"Breadcrumb\""),
        "cancel is red and the page has its breadcrumbs: {cancel}"
    );
    // Only the confirmation step ran: nothing changed.
    let still = app.page(&page, &agent).await.text();
    assert!(still.contains("10 Licenses"), "{still}");

    // A suspended subscription's licence count is refused at once.
    let r = ask(vec![("action", "suspend".into())]).await;
    assert!(r.text().contains("Confirm:"), "{}", r.text());
    let r = ask(vec![
        ("action", "suspend".into()),
        ("confirmed", "yes".into()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = ask(vec![
        ("action", "quantity".into()),
        ("quantity", "12".into()),
    ])
    .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(r.text().contains("suspended subscription"), "{}", r.text());
    assert!(!r.text().contains("Confirm:"), "{}", r.text());
    // The page offers a suspended subscription only what it allows, and says why.
    let suspended = app.page(&page, &agent).await.text();
    assert!(
        !suspended.contains("id=\"change-quantity\"")
            && !suspended.contains("id=\"toggle-auto-renew\"")
            && !suspended.contains("id=\"save-partner\"")
            && suspended.contains("id=\"quantity-suspended\"")
            && suspended.contains("id=\"reactivate\"")
            && suspended.contains("id=\"rename\""),
        "{suspended}"
    );

    // Confirm clicked twice (or Back and Confirm again): one change, both show its success,
    // not "this subscription changed since you opened it".
    let current = version(&app.page(&page, &agent).await.text());
    let confirm = app
        .form(
            Method::POST,
            &page,
            &agent,
            &[("action", "reactivate"), ("etag", &current)],
        )
        .await;
    assert!(confirm.text().contains("Confirm:"), "{}", confirm.text());
    let key = confirm.request_key();
    for _ in 0..2 {
        let r = app
            .form(
                Method::POST,
                &page,
                &agent,
                &[
                    ("action", "reactivate"),
                    ("etag", &current),
                    ("confirmed", "yes"),
                    ("request_key", &key),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert!(
            r.header("location")
                .is_some_and(|l| l.ends_with("?done=subscription-reactivated"))
        );
    }
    let history = app
        .audit_records()
        .await
        .into_iter()
        .filter(|a| a.operation == "update_subscription")
        .count();
    assert_eq!(history, 2, "one suspension and one reactivation");
}
