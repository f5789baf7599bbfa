//! Provider-scoped commerce: a customer served by two providers (each with a reseller of its
//! own) and a former reseller that kept its delegated admin access. Every partner reads and
//! changes only its own sales, in the API and on the pages; the customer sees all of its own.

use http::{Method, StatusCode};
use serde_json::{Value, json};
use twotier_testkit::{Market, TestApp};

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The subscription as the provider that sold it reads it.
async fn subscription(app: &TestApp, m: &Market, customer: &str, sid: &str) -> Value {
    let seller = if sid == m.sub2 {
        "provider2_global_admin"
    } else {
        "provider_global_admin"
    };
    let r = app
        .api(
            Method::GET,
            &format!("/v1/customers/{customer}/subscriptions/{sid}"),
            &m.user(seller).bearer(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// Every change a partner could try on a subscription it did not sell, through the API and
/// the subscription page, each refused as not found, and nothing changed.
async fn every_change_is_not_found(
    app: &TestApp,
    m: &Market,
    who: &str,
    customer: &str,
    sid: &str,
) {
    let before = subscription(app, m, customer, sid).await;
    let etag = before["attributes"]["etag"].as_str().unwrap().to_owned();
    let user = m.user(who);
    let path = format!("/v1/customers/{customer}/subscriptions/{sid}");
    for body in [
        json!({ "quantity": 1 }),
        json!({ "quantity": 20 }),
        json!({ "status": "suspended" }),
        json!({ "friendlyName": "taken over" }),
        json!({ "autoRenewEnabled": false }),
        json!({ "status": "deleted" }),
        json!({ "partnerId": "" }),
    ] {
        let r = app
            .api_with(
                Method::PATCH,
                &path,
                &user.bearer(),
                &[("if-match", etag.as_str())],
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{who} PATCH {body}: {}",
            r.text()
        );
    }
    for delta in [5, -5] {
        let r = app
            .api(
                Method::PATCH,
                &path,
                &user.bearer(),
                Some(json!({ "quantityDelta": delta })),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{who} delta {delta}: {}",
            r.text()
        );
    }
    for (method, sub_path, body) in [
        (Method::GET, "", None),
        (Method::GET, "/upgrades", None),
        (
            Method::POST,
            "/upgrades",
            Some(json!({ "targetOffer": { "id": "CNT-STANDARD" } })),
        ),
        (Method::GET, "/addons", None),
        (Method::GET, "/supportcontact", None),
        (
            Method::PUT,
            "/supportcontact",
            Some(json!({ "supportTenantId": user.tenant_id.to_string() })),
        ),
    ] {
        let r = app
            .api(
                method.clone(),
                &format!("{path}{sub_path}"),
                &user.bearer(),
                body,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{who} {method} {sub_path}: {}",
            r.text()
        );
    }
    let page = format!("/customers/{customer}/subscriptions/{sid}");
    assert_eq!(
        app.page(&page, &user.session()).await.status,
        StatusCode::NOT_FOUND,
        "{who} page"
    );
    for fields in [
        vec![("action", "quantity"), ("quantity", "1")],
        vec![
            ("action", "quantity"),
            ("quantity", "1"),
            ("confirmed", "yes"),
        ],
        vec![("action", "suspend"), ("confirmed", "yes")],
        vec![
            ("action", "rename"),
            ("friendly_name", "taken over"),
            ("confirmed", "yes"),
        ],
    ] {
        let mut fields = fields;
        fields.push(("etag", etag.as_str()));
        let r = app
            .form(Method::POST, &page, &user.session(), &fields)
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{who} form {fields:?}: {}",
            r.text()
        );
    }
    let after = subscription(app, m, customer, sid).await;
    assert_eq!(
        before, after,
        "{who} changed a subscription it did not sell"
    );
}

/// A reseller of the second provider, holding delegated admin access to the customer,
/// cannot change the first provider's subscription; neither can the second provider.
#[tokio::test]
async fn another_providers_reseller_cannot_change_its_subscriptions() {
    let app = TestApp::new().await;
    let m = app.market().await;
    let (c, s1) = (m.shared.to_string(), m.sub1.clone());
    // (Its helpdesk agent holds no subscription rights at all: 403 before any object.)
    for who in ["reseller2_global_admin", "provider2_global_admin"] {
        every_change_is_not_found(&app, &m, who, &c, &s1).await;
    }
    // And the other way round: the first provider's side cannot touch the second's sale.
    for who in [
        "reseller_global_admin",
        "reseller_admin_agent",
        "provider_global_admin",
    ] {
        every_change_is_not_found(&app, &m, who, &c, &m.sub2).await;
    }
}

/// A former reseller (partnership removed, delegated admin access kept) cannot change
/// what its former provider sold, though it still administers the customer's users.
#[tokio::test]
async fn a_former_reseller_cannot_change_its_former_providers_subscriptions() {
    let app = TestApp::new().await;
    let m = app.market().await;
    every_change_is_not_found(
        &app,
        &m,
        "former_global_admin",
        &m.orphan.to_string(),
        &m.sub3,
    )
    .await;
    let former = m.user("former_global_admin").bearer();
    let list = app
        .api(
            Method::GET,
            &format!("/v1/customers/{}/subscriptions", m.orphan),
            &former,
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(ids(&list.json()), Vec::<String>::new());
    // The customer's admin access stays: its users are still the reseller's to help with.
    let users = app
        .api(
            Method::GET,
            &format!("/v1/customers/{}/users", m.orphan),
            &former,
            None,
        )
        .await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.text());
}

/// The customer's own reseller changes its provider's subscription on the customer's
/// behalf, and the change is in the selling provider's activity log.
#[tokio::test]
async fn the_sellers_reseller_changes_it_and_the_seller_sees_the_change() {
    let app = TestApp::new().await;
    let m = app.market().await;
    let path = format!("/v1/customers/{}/subscriptions/{}", m.shared, m.sub1);
    let r = app
        .api(
            Method::PATCH,
            &path,
            &m.user("reseller_admin_agent").bearer(),
            Some(json!({ "quantityDelta": 2 })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["quantity"], 12);
    let log = app
        .api(
            Method::GET,
            "/v1/auditrecords?size=500",
            &m.user("provider_global_admin").bearer(),
            None,
        )
        .await
        .json();
    let seen = log["items"].as_array().unwrap().iter().any(|rec| {
        rec["resourceId"] == m.sub1.as_str()
            && rec["userPrincipalName"] == "agent@fabrikam.test"
            && rec["operationType"] == "update_subscription"
    });
    assert!(
        seen,
        "the reseller's change is not in the provider's log: {log}"
    );
    // The other provider's log does not show it.
    let other = app
        .api(
            Method::GET,
            "/v1/auditrecords?size=500",
            &m.user("provider2_global_admin").bearer(),
            None,
        )
        .await
        .text();
    assert!(!other.contains(m.sub1.as_str()), "{other}");
}

/// Each partner reads only its own sales (subscriptions, orders and their line items,
/// the MPN IDs of resellers of record); the customer reads all of its own.
#[tokio::test]
async fn partners_read_only_their_own_sales_and_the_customer_reads_all() {
    let app = TestApp::new().await;
    let m = app.market().await;
    let c = m.shared.to_string();
    let cases: [(&str, &str, &str, &str); 6] = [
        ("provider_global_admin", &m.sub1, &m.sub2, "2000002"),
        ("provider_helpdesk_agent", &m.sub1, &m.sub2, "2000002"),
        ("reseller_global_admin", &m.sub1, &m.sub2, "2000002"),
        ("provider2_global_admin", &m.sub2, &m.sub1, "2000001"),
        ("reseller2_global_admin", &m.sub2, &m.sub1, "2000001"),
        ("reseller2_helpdesk_agent", &m.sub2, &m.sub1, "2000001"),
    ];
    for (who, mine, theirs, their_mpn) in cases {
        let user = m.user(who);
        let (own_order, their_order) = if mine == m.sub1 {
            (&m.order1, &m.order2)
        } else {
            (&m.order2, &m.order1)
        };
        let subs = app
            .api(
                Method::GET,
                &format!("/v1/customers/{c}/subscriptions"),
                &user.bearer(),
                None,
            )
            .await;
        assert_eq!(subs.status, StatusCode::OK, "{who}");
        assert_eq!(ids(&subs.json()), vec![mine.to_owned()], "{who}");
        let by_mpn = app
            .api(
                Method::GET,
                &format!("/v1/customers/{c}/subscriptions?mpn_id={their_mpn}"),
                &user.bearer(),
                None,
            )
            .await;
        assert_eq!(ids(&by_mpn.json()), Vec::<String>::new(), "{who}");
        let by_order = app
            .api(
                Method::GET,
                &format!("/v1/customers/{c}/subscriptions?order_id={their_order}"),
                &user.bearer(),
                None,
            )
            .await;
        assert_eq!(ids(&by_order.json()), Vec::<String>::new(), "{who}");
        let orders = app
            .api(
                Method::GET,
                &format!("/v1/customers/{c}/orders"),
                &user.bearer(),
                None,
            )
            .await;
        assert_eq!(ids(&orders.json()), vec![own_order.clone()], "{who}");
        let theirs_order = app
            .api(
                Method::GET,
                &format!("/v1/customers/{c}/orders/{their_order}"),
                &user.bearer(),
                None,
            )
            .await;
        assert_eq!(theirs_order.status, StatusCode::NOT_FOUND, "{who}");
        // No trace of the other sale in anything the partner reads about the customer.
        let mut seen = String::new();
        for path in [
            format!("/v1/customers/{c}/subscriptions"),
            format!("/v1/customers/{c}/orders"),
            format!("/v1/customers/{c}"),
            format!("/v1/customers/{c}/relationships"),
            format!("/v1/customers/{c}/subscriptions/{mine}/addons"),
            format!("/v1/customers/{c}/subscriptions/{mine}/upgrades"),
            "/v1/customers?size=500".to_owned(),
        ] {
            seen.push_str(
                &app.api(Method::GET, &path, &user.bearer(), None)
                    .await
                    .text(),
            );
        }
        for page in [
            format!("/customers/{c}"),
            "/customers".to_owned(),
            format!("/customers/{c}/subscriptions/{mine}"),
            format!("/customers/{c}/users"),
        ] {
            seen.push_str(&app.page(&page, &user.session()).await.text());
        }
        for canary in [theirs, their_order.as_str(), their_mpn] {
            assert!(!seen.contains(canary), "{who} sees {canary}");
        }
    }
    // The customer sees both providers' subscriptions.
    let admin = m.user("shared_global_admin");
    let portal = app.page("/my/subscriptions", &admin.session()).await.text();
    assert!(
        portal.contains("Contoso") && portal.contains("Northwind"),
        "{portal}"
    );
}

/// The provider's customer-list rows expand to its own subscriptions only, and a
/// licence page shows only the seats of the partner's own sales.
#[tokio::test]
async fn lists_and_seat_counts_show_only_the_partners_own_sales() {
    let app = TestApp::new().await;
    let m = app.market().await;
    for (who, theirs) in [
        ("provider_global_admin", &m.sub2),
        ("provider2_global_admin", &m.sub1),
        ("reseller2_global_admin", &m.sub1),
    ] {
        let list = app.page("/customers", &m.user(who).session()).await.text();
        assert!(!list.contains(theirs.as_str()), "{who}");
        let seats = app
            .page(
                &format!("/customers/{}/users", m.shared),
                &m.user(who).session(),
            )
            .await;
        assert_eq!(seats.status, StatusCode::OK, "{who}: {}", seats.text());
        assert!(!seats.text().contains(theirs.as_str()), "{who}");
    }
    // A licence of another provider's subscription cannot be assigned by a partner.
    let r = app
        .api(
            Method::POST,
            &format!("/v1/customers/{}/users", m.shared),
            &m.user("reseller2_global_admin").bearer(),
            Some(json!({ "userPrincipalName": "sam@wingtip.onmicrosoft.example", "firstName": "Kim", "lastName": "Lee" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let user = r.json()["id"].as_str().unwrap().to_owned();
    let r = app
        .api(
            Method::POST,
            &format!("/v1/customers/{}/users/{user}/licenseupdates", m.shared),
            &m.user("reseller2_global_admin").bearer(),
            Some(json!({ "licensesToAssign": [{ "skuId": m.sub1 }] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
}

/// The customer as a partner reads it: its billing profile and etag.
async fn billing(app: &TestApp, m: &Market, who: &str) -> (Value, String) {
    let r = app
        .api(
            Method::GET,
            &format!("/v1/customers/{}/profiles/billing", m.shared),
            &m.user(who).bearer(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.text());
    let etag = r.json()["attributes"]["etag"].as_str().unwrap().to_owned();
    (r.json(), etag)
}

/// Each partner keeps its own billing profile of the customer; a change by one (a
/// provider, or a reseller without any say over the others) is seen by nobody else.
#[tokio::test]
async fn a_partner_changes_only_its_own_billing_profile() {
    let app = TestApp::new().await;
    let m = app.market().await;
    let partners = [
        "provider_global_admin",
        "reseller_global_admin",
        "provider2_global_admin",
        "reseller2_global_admin",
    ];
    let mut before = Vec::new();
    for who in partners {
        before.push(billing(&app, &m, who).await.0);
    }
    for (i, who) in partners.iter().enumerate() {
        let (mut profile, etag) = billing(&app, &m, who).await;
        profile["companyName"] = json!(format!("Renamed by {who}"));
        profile["email"] = json!(format!("billing{i}@example.test"));
        let r = app
            .api_with(
                Method::PUT,
                &format!("/v1/customers/{}/profiles/billing", m.shared),
                &m.user(who).bearer(),
                &[("if-match", etag.as_str())],
                Some(profile),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.text());
        assert_eq!(r.json()["companyName"], format!("Renamed by {who}"));
        // Everyone who has not changed theirs yet still sees the profile as it was.
        for (j, other) in partners.iter().enumerate().skip(i + 1) {
            assert_eq!(
                billing(&app, &m, other).await.0,
                before[j],
                "{who} changed {other}'s"
            );
        }
        let list = app
            .api(Method::GET, "/v1/customers", &m.user(who).bearer(), None)
            .await
            .text();
        assert!(list.contains(&format!("Renamed by {who}")), "{who}: {list}");
    }
    // The company keeps its own name where the customer sees it.
    let portal = app
        .page(
            "/my/subscriptions",
            &m.user("shared_global_admin").session(),
        )
        .await
        .text();
    assert!(!portal.contains("Renamed by"), "{portal}");
    // A stale etag is refused as before.
    let (profile, _) = billing(&app, &m, "provider_global_admin").await;
    let r = app
        .api_with(
            Method::PUT,
            &format!("/v1/customers/{}/profiles/billing", m.shared),
            &m.user("provider_global_admin").bearer(),
            &[("if-match", "1")],
            Some(profile),
        )
        .await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.text());
}
