//! Orders: validation with Partner Center's codes, all-or-nothing, idempotent, and the
//! subscriptions they create.

use http::{Method, StatusCode};
use serde_json::{Value, json};
use twotier_testkit::{TestApp, World};

async fn setup(app: &TestApp, world: &World) -> String {
    app.import_demo_catalog(world).await;
    app.partner(world).await;
    let body = json!({
        "companyProfile": { "domain": "orderco" },
        "billingProfile": { "email": "it@orderco.test", "culture": "fr-FR", "language": "fr", "companyName": "Order Co",
            "defaultAddress": { "addressLine1": "3 quai Est", "city": "Lyon", "postalCode": "69001", "country": "FR", "firstName": "Ana", "lastName": "Roux" } },
        "associatedPartnerId": world.reseller.to_string(),
    });
    let c = app
        .api(
            Method::POST,
            "/v1/customers",
            &world.user("provider_admin_agent").bearer(),
            Some(body),
        )
        .await;
    c.json()["id"].as_str().unwrap().to_owned()
}

fn line(n: i64, offer: &str, quantity: i64, por: Option<&str>) -> Value {
    json!({ "LineItemNumber": n, "OfferId": offer, "Quantity": quantity, "PartnerIdOnRecord": por, "FriendlyName": null })
}

#[tokio::test]
async fn an_order_creates_subscriptions_with_the_reseller_of_record() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let customer = setup(&app, &world).await;
    let agent = world.user("provider_sales_agent").bearer();
    let body = json!({ "BillingCycle": "monthly", "LineItems": [line(0, "MAIL-P1", 10, Some("2000001")), line(1, "MAIL-ARCHIVE", 10, None)] });
    let key = [("MS-RequestId", "order-1")];
    let r = app
        .api_with(
            Method::POST,
            &format!("/v1/customers/{customer}/orders"),
            &agent,
            &key,
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let order = r.json();
    assert_eq!(order["attributes"]["objectType"], "Order");
    assert_eq!(order["status"], "completed");
    assert_eq!(order["lineItems"].as_array().unwrap().len(), 2);
    assert_eq!(order["lineItems"][0]["partnerIdOnRecord"], "2000001");
    // A repeated request id returns the same order and creates nothing.
    let again = app
        .api_with(
            Method::POST,
            &format!("/v1/customers/{customer}/orders"),
            &agent,
            &key,
            Some(body),
        )
        .await;
    assert_eq!(again.json()["id"], order["id"]);
    let orders = app
        .api(
            Method::GET,
            &format!("/v1/customers/{customer}/orders"),
            &agent,
            None,
        )
        .await
        .json();
    assert_eq!(orders["totalCount"], 1);

    let subs = app
        .api(
            Method::GET,
            &format!("/v1/customers/{customer}/subscriptions"),
            &agent,
            None,
        )
        .await
        .json();
    assert_eq!(subs["totalCount"], 2);
    let mail = &subs["items"][0];
    assert_eq!(
        (
            mail["offerId"].clone(),
            mail["quantity"].clone(),
            mail["status"].clone(),
            mail["partnerId"].clone()
        ),
        (
            json!("MAIL-P1"),
            json!(10),
            json!("active"),
            json!("2000001")
        )
    );
    assert_eq!(mail["billingCycle"], "monthly");
    assert!(
        mail["commitmentEndDate"].as_str().unwrap() > mail["effectiveStartDate"].as_str().unwrap()
    );
    // The customer page names the reseller of record, its MPN ID beneath, and each offer.
    let page = app
        .page(
            &format!("/customers/{customer}"),
            &world.user("provider_sales_agent").session(),
        )
        .await
        .text();
    let row = page
        .split(&format!(
            "data-subscription-id=\"{}\"",
            mail["id"].as_str().unwrap()
        ))
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .expect("the subscription's row");
    assert!(
        row.contains("Fabrikam IT<br><span class=\"muted\">MPN ID 2000001</span>")
            && row.contains("<code class=\"muted\">MAIL-P1</code>"),
        "{row}"
    );
    let orders_tab = app
        .page(
            &format!("/customers/{customer}?tab=orders"),
            &world.user("provider_sales_agent").session(),
        )
        .await
        .text();
    assert!(
        orders_tab.contains("(reseller Fabrikam IT, MPN ID 2000001)"),
        "{orders_tab}"
    );
    let by_mpn = app
        .api(
            Method::GET,
            &format!("/v1/customers/{customer}/subscriptions?mpn_id=2000001"),
            &agent,
            None,
        )
        .await
        .json();
    assert_eq!(by_mpn["totalCount"], 1);
    let order_id = order["id"].as_str().unwrap();
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/v1/customers/{customer}/orders/{order_id}"),
            &agent,
            None
        )
        .await
        .json()["id"],
        order["id"]
    );
    // The associated reseller reads them; it cannot order; strangers see nothing.
    let reseller = world.user("reseller_global_admin").bearer();
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/v1/customers/{customer}/subscriptions"),
            &reseller,
            None
        )
        .await
        .json()["totalCount"],
        2
    );
    let r = app
        .api(
            Method::POST,
            &format!("/v1/customers/{customer}/orders"),
            &reseller,
            Some(json!({ "lineItems": [line(0, "MAIL-P1", 1, None)] })),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (StatusCode::FORBIDDEN, json!(600_006))
    );
    let stranger = world.user("other_reseller_global_admin").bearer();
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/v1/customers/{customer}/subscriptions"),
            &stranger,
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let page = app
        .page(
            &format!("/customers/{customer}"),
            &world.user("reseller_admin_agent").session(),
        )
        .await
        .text();
    assert_eq!(
        page.matches("data-subscription-id").count(),
        2,
        "the customer page lists the subscriptions"
    );
    let audit = app
        .audit_records()
        .await
        .into_iter()
        .find(|r| r.operation == "create_order")
        .unwrap();
    assert!(
        audit
            .new_value
            .unwrap()
            .contains("\"PartnerOnRecord-0\":\"2000001\"")
    );
    assert_eq!(audit.customer_name.as_deref(), Some("Order Co"));
}

#[tokio::test]
async fn every_order_rule_is_checked_and_a_refused_order_leaves_nothing() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let customer = setup(&app, &world).await;
    let rival = app
        .enroll(
            &world.operator,
            "provider",
            "Rival Distribution",
            "9000001",
            "DE",
        )
        .await;
    let _ = rival;
    let agent = world.user("provider_admin_agent").bearer();
    let before = app.audit_records().await.len();
    let path = format!("/v1/customers/{customer}/orders");
    let cases: Vec<(Value, StatusCode, u64, &str)> = vec![
        (
            json!({ "lineItems": [line(0, "CNT-BASIC", 5, Some("1000001"))] }),
            StatusCode::NOT_FOUND,
            2072,
            "provider",
        ),
        (
            json!({ "lineItems": [line(0, "CNT-BASIC", 5, Some("424242"))] }),
            StatusCode::NOT_FOUND,
            800_015,
            "not found",
        ),
        (
            json!({ "lineItems": [line(0, "CNT-BASIC", 5, Some("9000001"))] }),
            StatusCode::BAD_REQUEST,
            800_016,
            "indirect reseller",
        ),
        (
            json!({ "lineItems": [line(0, "CNT-BASIC", 5, Some("3000001"))] }),
            StatusCode::BAD_REQUEST,
            800_016,
            "indirect reseller",
        ),
        (
            json!({ "lineItems": [line(1, "CNT-BASIC", 5, None)] }),
            StatusCode::BAD_REQUEST,
            800_071,
            "line item numbers",
        ),
        (
            json!({ "lineItems": [line(0, "CNT-BASIC", 5, None), line(0, "MAIL-P1", 5, None)] }),
            StatusCode::BAD_REQUEST,
            800_071,
            "line item numbers",
        ),
        (
            json!({ "lineItems": [] }),
            StatusCode::BAD_REQUEST,
            3000,
            "lineItems",
        ),
        (
            json!({ "lineItems": [line(0, "CNT-BASIC", 0, None)] }),
            StatusCode::BAD_REQUEST,
            3000,
            "quantity",
        ),
        (
            json!({ "lineItems": [line(0, "MTG-ROOM", 101, None)] }),
            StatusCode::BAD_REQUEST,
            3000,
            "quantities of 1 to 100",
        ),
        (
            json!({ "lineItems": [line(0, "NO-SUCH", 1, None)] }),
            StatusCode::BAD_REQUEST,
            3000,
            "no offer",
        ),
        (
            json!({ "lineItems": [line(0, "LEGACY-MAIL", 1, None)] }),
            StatusCode::BAD_REQUEST,
            3000,
            "cannot be bought",
        ),
        (
            json!({ "lineItems": [line(0, "MAIL-ARCHIVE", 1, None)] }),
            StatusCode::BAD_REQUEST,
            3000,
            "add-on",
        ),
        (
            json!({ "billingCycle": "annual", "lineItems": [line(0, "CNT-FRONTLINE", 1, None)] }),
            StatusCode::BAD_REQUEST,
            3000,
            "billed annual",
        ),
        // The last line item fails after the first was checked: nothing at all is created.
        (
            json!({ "lineItems": [line(0, "CNT-BASIC", 5, Some("2000001")), line(1, "CNT-APPS", 5, Some("1000001"))] }),
            StatusCode::NOT_FOUND,
            2072,
            "provider",
        ),
    ];
    for (body, status, code, text) in cases {
        let r = app
            .api(Method::POST, &path, &agent, Some(body.clone()))
            .await;
        assert_eq!(
            (r.status, r.json()["code"].as_u64().unwrap()),
            (status, code),
            "{body}: {}",
            r.text()
        );
        assert!(r.text().contains(text), "{text}: {}", r.text());
    }
    assert_eq!(
        app.api(Method::GET, &path, &agent, None).await.json()["totalCount"],
        0
    );
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/v1/customers/{customer}/subscriptions"),
            &agent,
            None
        )
        .await
        .json()["totalCount"],
        0
    );
    assert_eq!(
        app.audit_records().await.len(),
        before,
        "no audit record for a refused order"
    );
}

#[tokio::test]
async fn the_customer_page_adds_subscriptions_once_per_form() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let customer = setup(&app, &world).await;
    let provider = world.user("provider_sales_agent");
    let session = provider.session();
    let page = app
        .page(&format!("/customers/{customer}/orders/new"), &session)
        .await
        .text();
    assert!(
        page.contains("Add subscription") && page.contains("<option value=\"2000001\" selected>"),
        "the associated reseller is preselected"
    );
    // Search by part of a name, any case; a count typed for a hidden offer is carried.
    let found = app
        .page(
            &format!("/customers/{customer}/orders/new?q=ARCH&qty.MTG-ROOM=2"),
            &session,
        )
        .await
        .text();
    assert!(
        found.contains("id=\"qty-MAIL-ARCHIVE\"")
            && !found.contains("id=\"qty-MTG-ROOM\"")
            && found.contains("<input type=\"hidden\" name=\"qty.MTG-ROOM\" value=\"2\">"),
        "{found}"
    );
    // The review step checks the order as placing it would, each message under its field.
    let review = |query: &str| {
        let path = format!("/customers/{customer}/orders/review?{query}");
        let session = session.clone();
        let app = &app;
        async move { app.page(&path, &session).await }
    };
    let bad = review(
        "qty.MTG-ROOM=500&qty.MAIL-P1=lots&billing_cycle=annual&partner_id_on_record=2000001",
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = bad.text();
    assert!(
        bad.contains("enter a whole number of licences for")
            && bad.contains("id=\"qty-MAIL-P1-error\""),
        "{bad}"
    );
    let bad = review("qty.MTG-ROOM=500&billing_cycle=annual&partner_id_on_record=2000001")
        .await
        .text();
    assert!(
        bad.contains("quantities of 1 to 100")
            && bad.contains("value=\"500\" aria-invalid=\"true\"")
            && bad.contains("id=\"qty-MTG-ROOM-error\""),
        "the message under the field, with what was typed: {bad}"
    );
    let none = review("billing_cycle=monthly").await.text();
    assert!(none.contains("at least one offer"));
    let reviewed = review(
        "qty.MAIL-P1=5&qty.MAIL-ARCHIVE=5&billing_cycle=monthly&partner_id_on_record=2000001",
    )
    .await;
    assert_eq!(reviewed.status, StatusCode::OK);
    let key = reviewed.request_key();
    let reviewed = reviewed.text();
    assert!(
        reviewed.contains("2 subscriptions, 10 licences")
            && reviewed.contains("Fabrikam IT")
            && reviewed.contains("Submit order"),
        "{reviewed}"
    );
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/v1/customers/{customer}/orders"),
            &provider.bearer(),
            None,
        )
        .await
        .json()["totalCount"],
        0,
        "a review orders nothing"
    );
    let path = format!("/customers/{customer}/orders");
    let fields = [
        ("request_key", key.as_str()),
        ("qty.MAIL-P1", "5"),
        ("qty.MAIL-ARCHIVE", "5"),
        ("billing_cycle", "monthly"),
        ("partner_id_on_record", "2000001"),
    ];
    let ok = app
        .form_unfollowed(Method::POST, &path, &session, &fields)
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(
        ok.header("location").as_deref(),
        Some(format!("/customers/{customer}?tab=orders&done=order-placed").as_str())
    );
    let again = app
        .form(Method::POST, &path, &provider.session(), &fields)
        .await;
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "a repeated submit replays"
    );
    let orders = app
        .api(
            Method::GET,
            &format!("/v1/customers/{customer}/orders"),
            &provider.bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(orders["totalCount"], 1, "one order for one form");
    assert_eq!(orders["items"][0]["lineItems"].as_array().unwrap().len(), 2);
    // A reseller sees the subscriptions but no order form.
    let reseller_page = app
        .page(
            &format!("/customers/{customer}"),
            &world.user("reseller_global_admin").session(),
        )
        .await
        .text();
    assert!(
        !reseller_page.contains("Add subscription")
            && reseller_page.matches("data-subscription-id").count() == 2
    );
    // The customer page lists the order with its line items.
    let order_id = orders["items"][0]["id"].as_str().unwrap();
    let customer_page = app
        .page(
            &format!("/customers/{customer}?tab=orders"),
            &provider.session(),
        )
        .await
        .text();
    assert!(
        customer_page.contains(&format!("data-order-id=\"{order_id}\""))
            && customer_page.contains("5 × "),
        "{customer_page}"
    );
    // Each row of the customers list expands to the customer's subscriptions.
    let list = app.page("/customers", &provider.session()).await.text();
    let row = list
        .split(&format!("data-subscriptions-of=\"{customer}\""))
        .nth(1)
        .and_then(|s| s.split("</details>").next())
        .unwrap_or_default()
        .to_owned();
    assert!(
        row.contains("2 subscriptions of")
            && row.contains("reseller Fabrikam IT")
            && row.contains(&format!("/customers/{customer}/orders/new")),
        "{row}"
    );
    let reseller_list = app
        .page("/customers", &world.user("reseller_global_admin").session())
        .await
        .text();
    assert!(
        reseller_list.contains("2 subscriptions of")
            && !reseller_list.contains("#add-subscription"),
        "a reseller sees the subscriptions but cannot order"
    );
}
