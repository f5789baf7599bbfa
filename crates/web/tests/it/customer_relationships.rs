//! Existing customers: relationship requests and their acceptance (every refusal), the
//! customer's users and licences under concurrency, delegated admin access checked at each
//! request, ending relationships, and cross-tenant probes.

use http::{Method, StatusCode};
use serde_json::{Value, json};
use twotier_testkit::{Principal, TestApp, TestResponse, TestUser, World};

fn code(r: &TestResponse) -> i64 {
    r.json()["code"].as_i64().unwrap_or_default()
}

/// The token of a request link.
fn token_of(url: &str) -> String {
    url.split("token=").nth(1).expect("token").to_owned()
}

/// A new relationship request link from the provider's Admin agent.
async fn request_link(app: &TestApp, world: &World, query: &str) -> String {
    let agent = world.user("provider_admin_agent").bearer();
    let r = app
        .api(
            Method::GET,
            &format!("/v1/customers/relationshiprequests{query}"),
            &agent,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["attributes"]["objectType"], "RelationshipRequest");
    let url = r.json()["url"].as_str().unwrap().to_owned();
    assert!(
        url.contains("/customer-relationships/accept?token="),
        "{url}"
    );
    token_of(&url)
}

async fn accept(app: &TestApp, who: &TestUser, token: &str) -> TestResponse {
    app.form(
        Method::POST,
        "/customer-relationships/accept",
        &who.session(),
        &[("token", token), ("consent", "on")],
    )
    .await
}

/// The refusal's message on the acceptance page.
fn refusal(r: &TestResponse) -> String {
    let html = r.text();
    let start = html.find("id=\"refusal\">").map_or(0, |i| i + 13);
    html[start..]
        .split('<')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// An existing customer in France that accepted the provider with the reseller and delegated
/// admin access, and a CNT-BASIC subscription of `quantity` licences sold by the provider.
async fn related(app: &TestApp, world: &World, quantity: i64) -> (String, TestUser, Value) {
    app.import_demo_catalog(world).await;
    app.partner(world).await;
    let (customer, admin) = app.existing_customer(world, "acme", "FR").await;
    let token = request_link(
        app,
        world,
        &format!("?indirectResellerId={}", world.reseller),
    )
    .await;
    let r = accept(app, &admin, &token).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let agent = world.user("provider_admin_agent").bearer();
    let order = json!({ "lineItems": [{ "lineItemNumber": 0, "offerId": "CNT-BASIC", "quantity": quantity }] });
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
    (customer.to_string(), admin, subs["items"][0].clone())
}

async fn create_user(app: &TestApp, who: &Principal, customer: &str, name: &str) -> String {
    let r = app
        .api(
            Method::POST,
            &format!("/v1/customers/{customer}/users"),
            who,
            Some(json!({ "userPrincipalName": format!("{name}@acme.onmicrosoft.example"), "firstName": name, "lastName": "Doe", "usageLocation": "FR" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["attributes"]["objectType"], "CustomerUser");
    assert!(
        r.json()["temporaryPassword"]
            .as_str()
            .is_some_and(|p| p.len() >= 16)
    );
    r.json()["id"].as_str().unwrap().to_owned()
}

async fn assign(
    app: &TestApp,
    who: &Principal,
    customer: &str,
    user: &str,
    sku: &str,
) -> TestResponse {
    app.api(
        Method::POST,
        &format!("/v1/customers/{customer}/users/{user}/licenseupdates"),
        who,
        Some(json!({ "licensesToAssign": [{ "skuId": sku, "excludedPlans": null }], "licensesToRemove": [], "attributes": { "objectType": "LicenseUpdate" } })),
    )
    .await
}

fn operations(records: &Value) -> Vec<String> {
    records["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["operationType"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn the_customers_global_admin_accepts_a_request_naming_a_reseller() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.import_demo_catalog(&world).await;
    app.partner(&world).await;
    let (customer, admin) = app.existing_customer(&world, "acme", "FR").await;
    let provider = world.user("provider_admin_agent").bearer();
    let reseller = world.user("reseller_admin_agent").bearer();
    // Before: nobody sees it.
    let before = app
        .api(
            Method::GET,
            &format!("/v1/customers/{customer}"),
            &provider,
            None,
        )
        .await;
    assert_eq!(before.status, StatusCode::NOT_FOUND);

    let token = request_link(
        &app,
        &world,
        &format!("?indirectResellerId={}", world.reseller),
    )
    .await;
    // The page says who asks for what, to anyone with the link.
    let page = app
        .page(
            &format!("/customer-relationships/accept?token={token}"),
            &admin.session(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(page.text().contains("Fabrikam IT"));
    assert!(page.text().contains("Requested"));
    // Without ticking the box nothing happens.
    let unticked = app
        .form(
            Method::POST,
            "/customer-relationships/accept",
            &admin.session(),
            &[("token", &token)],
        )
        .await;
    assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = accept(&app, &admin, &token).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    // Both partners now list it; the provider's row names the reseller.
    let list = app
        .api(Method::GET, "/v1/customers?size=50", &provider, None)
        .await
        .json();
    let row = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == customer.as_str())
        .expect("in the provider's list")
        .clone();
    assert_eq!(row["associatedPartnerId"], world.reseller.to_string());
    let list = app
        .api(Method::GET, "/v1/customers", &reseller, None)
        .await
        .json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == customer.as_str())
    );
    let one = app
        .api(
            Method::GET,
            &format!("/v1/customers/{customer}"),
            &provider,
            None,
        )
        .await;
    assert_eq!(one.json()["allowDelegatedAccess"], true);
    let rels = app
        .api(
            Method::GET,
            &format!("/v1/customers/{customer}/relationships"),
            &provider,
            None,
        )
        .await
        .json();
    assert_eq!(rels["totalCount"], 1);
    assert_eq!(rels["items"][0]["id"], world.reseller.to_string());
    assert_eq!(rels["items"][0]["relationshipType"], "IsIndirectResellerOf");

    // The customer's Partners page shows both, with admin access and since when.
    let partners = app.page("/my/partners", &admin.session()).await;
    assert_eq!(partners.status, StatusCode::OK);
    assert!(partners.text().contains("Contoso"));
    assert!(partners.text().contains("Fabrikam IT"));
    assert_eq!(partners.text().matches("Remove admin access").count(), 2);

    // The customer sees the audit records made for it.
    let records = app
        .api(Method::GET, "/v1/auditrecords", &admin.bearer(), None)
        .await
        .json();
    let ops = operations(&records);
    assert!(
        ops.contains(&"accept_customer_relationship_request".to_owned()),
        "{ops:?}"
    );
    assert_eq!(
        ops.iter()
            .filter(|o| *o == "dap_admin_relationship_approved")
            .count(),
        2
    );

    // The link worked once.
    let again = accept(&app, &admin, &token).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(refusal(&again).contains("already used"));
}

#[tokio::test]
async fn every_refusal_changes_nothing() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.partner(&world).await;
    let (acme, admin) = app.existing_customer(&world, "acme", "FR").await;
    let provider = world.user("provider_admin_agent").bearer();
    let before = app.audit_records().await.len();

    // Not a customer's Global admin: a partner's Global admin, or a plain customer user.
    let token = request_link(&app, &world, "").await;
    let partner_admin = world.user("reseller_global_admin");
    let r = accept(&app, partner_admin, &token).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(refusal(&r).contains("Global admin"));
    let plain = app
        .user(
            &world.operator,
            &acme,
            "plain@acme.test",
            &["customer_user"],
        )
        .await;
    let r = accept(&app, &plain, &token).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Revoked, then expired.
    let revoked = app
        .api(
            Method::GET,
            "/v1/customers/relationshiprequests",
            &provider,
            None,
        )
        .await
        .json();
    let id = revoked["id"].as_str().unwrap().to_owned();
    let revoked_token = token_of(revoked["url"].as_str().unwrap());
    let r = app
        .form(
            Method::POST,
            &format!("/customers/relationship-requests/{id}/revoke"),
            &world.user("provider_admin_agent").session(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = accept(&app, &admin, &revoked_token).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(refusal(&r).contains("revoked"));
    let short = request_link(&app, &world, "?expiresInDays=1").await;

    // Made for another customer (named by domain in the UI).
    let (_other, _) = app.existing_customer(&world, "other", "FR").await;
    let made = app
        .form(
            Method::POST,
            "/customers/relationship-requests",
            &world.user("provider_admin_agent").session(),
            &[
                ("customer_domain", "other"),
                ("delegated_admin", "on"),
                ("expires_in_days", "7"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text());
    let html = made.text();
    let start = html.find("id=\"invitation-link\">").unwrap() + 20;
    let for_other = token_of(html[start..].split('<').next().unwrap());
    let r = accept(&app, &admin, &for_other).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(refusal(&r).contains("another organisation"));

    // A customer in another CSP region.
    let (_us, us_admin) = app.existing_customer(&world, "usco", "US").await;
    let r = accept(&app, &us_admin, &token).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(refusal(&r).contains("CSP region"), "{}", refusal(&r));

    // A reseller that is no longer partnered with the provider.
    let naming = request_link(
        &app,
        &world,
        &format!("?indirectResellerId={}", world.reseller),
    )
    .await;
    let removed = app
        .api(
            Method::DELETE,
            &format!("/v1/relationships/{}", world.reseller),
            &world.user("provider_global_admin").bearer(),
            None,
        )
        .await;
    assert!(removed.status.is_success(), "{}", removed.text());
    let r = accept(&app, &admin, &naming).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(refusal(&r).contains("no longer an indirect reseller"));

    // Expired.
    app.clock.advance_hours(2 * 24);
    let admin = app
        .user(
            &world.operator,
            &acme,
            "boss2@acme.test",
            &["customer_global_admin"],
        )
        .await;
    let r = accept(&app, &admin, &short).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(refusal(&r).contains("expired"));

    // None of it made a relationship or an acceptance record.
    let seen = app
        .api(
            Method::GET,
            &format!("/v1/customers/{acme}"),
            &provider,
            None,
        )
        .await;
    assert_eq!(seen.status, StatusCode::NOT_FOUND);
    let ops: Vec<String> = app.audit_records().await[before..]
        .iter()
        .map(|r| r.operation.clone())
        .collect();
    assert!(
        !ops.iter()
            .any(|o| o == "accept_customer_relationship_request")
    );
    // A bad reseller id in the request itself is a clear 400.
    let bad = app
        .api(
            Method::GET,
            &format!(
                "/v1/customers/relationshiprequests?indirectResellerId={}",
                world.other_reseller
            ),
            &provider,
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text());
}

#[tokio::test]
async fn concurrent_licence_assignments_never_exceed_the_quantity() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, admin, sub) = related(&app, &world, 3).await;
    let sub_id = sub["id"].as_str().unwrap().to_owned();
    let reseller = world.user("reseller_admin_agent").bearer();
    let mut users = Vec::new();
    for i in 0..8 {
        users.push(create_user(&app, &reseller, &customer, &format!("user{i}")).await);
    }
    let app = std::sync::Arc::new(app);
    let tasks: Vec<_> = users
        .iter()
        .map(|u| {
            let (app, reseller, customer, u, sub_id) = (
                app.clone(),
                reseller.clone(),
                customer.clone(),
                u.clone(),
                sub_id.clone(),
            );
            tokio::spawn(async move { assign(&app, &reseller, &customer, &u, &sub_id).await })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let granted = results
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let refused: Vec<_> = results
        .iter()
        .filter(|r| r.status != StatusCode::CREATED)
        .collect();
    assert_eq!(granted, 3);
    assert!(
        refused
            .iter()
            .all(|r| r.status == StatusCode::CONFLICT && code(r) == 600_014)
    );
    // Each user's licences, and the customer's count of assigned seats.
    let mut holders = 0;
    for u in &users {
        let l = app
            .api(
                Method::GET,
                &format!("/v1/customers/{customer}/users/{u}/licenses"),
                &admin.bearer(),
                None,
            )
            .await
            .json();
        if l["totalCount"] == 1 {
            assert_eq!(l["items"][0]["productSku"]["id"], "CNT-BASIC");
            holders += 1;
        }
    }
    assert_eq!(holders, 3);
    let page = app
        .page(&format!("/customers/{customer}/users"), &admin.session())
        .await;
    assert!(page.text().contains("3 / 3"), "{}", page.text());

    // The licence count cannot go below what is assigned.
    let agent = world.user("provider_admin_agent").bearer();
    let etag = format!("\"{}\"", sub["attributes"]["etag"].as_str().unwrap());
    let lower = app
        .api_with(
            Method::PATCH,
            &format!("/v1/customers/{customer}/subscriptions/{sub_id}"),
            &agent,
            &[("If-Match", etag.as_str())],
            Some(json!({ "quantity": 2 })),
        )
        .await;
    assert_eq!(
        (lower.status, code(&lower)),
        (StatusCode::CONFLICT, 600_011)
    );
    let delta = app
        .api(
            Method::PATCH,
            &format!("/v1/customers/{customer}/subscriptions/{sub_id}"),
            &agent,
            Some(json!({ "quantityDelta": -1 })),
        )
        .await;
    assert_eq!(
        (delta.status, code(&delta)),
        (StatusCode::CONFLICT, 600_011)
    );

    // Removing one frees a seat; the customer's own admin assigns it by offer id.
    let holder = users
        .iter()
        .zip(&results)
        .find(|(_, r)| r.status == StatusCode::CREATED)
        .unwrap()
        .0;
    let waiting = users
        .iter()
        .zip(&results)
        .find(|(_, r)| r.status != StatusCode::CREATED)
        .unwrap()
        .0;
    let freed = app
        .api(
            Method::POST,
            &format!("/v1/customers/{customer}/users/{holder}/licenseupdates"),
            &admin.bearer(),
            Some(json!({ "licensesToRemove": [sub_id] })),
        )
        .await;
    assert_eq!(freed.status, StatusCode::CREATED, "{}", freed.text());
    let by_offer = assign(&app, &admin.bearer(), &customer, waiting, "CNT-BASIC").await;
    assert_eq!(by_offer.status, StatusCode::CREATED, "{}", by_offer.text());
    // Bad updates are refused and change nothing: an unknown licence, one the user does not
    // hold, nothing at all, a disabled user, a subscription that is not active.
    let path = format!("/v1/customers/{customer}/users/{waiting}/licenseupdates");
    for (body, status) in [
        (
            json!({ "licensesToAssign": [{ "skuId": "NO-SUCH-OFFER" }] }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "licensesToRemove": ["NO-SUCH-OFFER"] }),
            StatusCode::BAD_REQUEST,
        ),
        (json!({}), StatusCode::BAD_REQUEST),
    ] {
        let r = app
            .api(Method::POST, &path, &reseller, Some(body.clone()))
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
    }
    let to_disabled = app
        .form(
            Method::POST,
            &format!("/customers/{customer}/users/{holder}/disabled"),
            &admin.session(),
            &[("disabled", "true")],
        )
        .await;
    assert_eq!(to_disabled.status, StatusCode::SEE_OTHER);
    let r = assign(&app, &reseller, &customer, holder, &sub_id).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let records = app.audit_records().await;
    assert!(records.iter().any(|r| {
        r.operation == "update_customer_user_licenses"
            && r.customer_id
                .as_ref()
                .map(twotier_domain::ids::TenantId::as_str)
                == Some(customer.as_str())
    }));
    assert!(
        records
            .iter()
            .any(|r| r.operation == "create_customer_user")
    );
}

#[tokio::test]
async fn a_removed_admin_access_refuses_the_partners_next_request() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, admin, sub) = related(&app, &world, 5).await;
    let reseller = world.user("reseller_admin_agent").bearer();
    let users = format!("/v1/customers/{customer}/users");
    assert_eq!(
        app.api(Method::GET, &users, &reseller, None).await.status,
        StatusCode::OK
    );
    let form = app
        .page(
            &format!("/my/partners/{}/remove-admin", world.reseller),
            &admin.session(),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    let r = app
        .form(
            Method::POST,
            &format!("/my/partners/{}/remove-admin", world.reseller),
            &admin.session(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    // The reseller's next requests inside the customer are refused; the provider's are not.
    let refused = app.api(Method::GET, &users, &reseller, None).await;
    assert_eq!(
        (refused.status, code(&refused)),
        (StatusCode::FORBIDDEN, 600_010)
    );
    let page = app
        .page(
            &format!("/customers/{customer}/users"),
            &world.user("reseller_admin_agent").session(),
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let sub_path = format!(
        "/v1/customers/{customer}/subscriptions/{}",
        sub["id"].as_str().unwrap()
    );
    let delta = app
        .api(
            Method::PATCH,
            &sub_path,
            &reseller,
            Some(json!({ "quantityDelta": 1 })),
        )
        .await;
    assert_eq!(
        (delta.status, code(&delta)),
        (StatusCode::FORBIDDEN, 600_010)
    );
    let provider = world.user("provider_admin_agent").bearer();
    assert_eq!(
        app.api(Method::GET, &users, &provider, None).await.status,
        StatusCode::OK
    );
    // It still sees the customer (the reseller relationship stays) without admin access.
    let seen = app
        .api(
            Method::GET,
            &format!("/v1/customers/{customer}"),
            &reseller,
            None,
        )
        .await;
    assert_eq!(seen.json()["allowDelegatedAccess"], false);
    // Twice is a clear refusal.
    let again = app
        .form(
            Method::POST,
            &format!("/my/partners/{}/remove-admin", world.reseller),
            &admin.session(),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let records = app
        .api(Method::GET, "/v1/auditrecords", &admin.bearer(), None)
        .await
        .json();
    assert!(operations(&records).contains(&"dap_admin_relationship_terminated".to_owned()));
}

#[tokio::test]
async fn the_provider_ends_the_relationship_only_when_no_subscription_is_active() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, _admin, sub) = related(&app, &world, 2).await;
    let provider = world.user("provider_admin_agent").bearer();
    let path = format!("/v1/customers/{customer}");
    let none =
        json!({ "relationshipToPartner": "none", "attributes": { "objectType": "Customer" } });

    let active = app
        .api(Method::PATCH, &path, &provider, Some(none.clone()))
        .await;
    assert_eq!(
        (active.status, code(&active)),
        (StatusCode::CONFLICT, 600_012)
    );
    assert!(
        active.json()["description"]
            .as_str()
            .unwrap()
            .contains("active subscription")
    );
    let by_reseller = app
        .api(
            Method::PATCH,
            &path,
            &world.user("reseller_admin_agent").bearer(),
            Some(none.clone()),
        )
        .await;
    assert_eq!(
        (by_reseller.status, code(&by_reseller)),
        (StatusCode::FORBIDDEN, 600_013)
    );
    let bad = app
        .api(
            Method::PATCH,
            &path,
            &provider,
            Some(json!({ "relationshipToPartner": "friend" })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // Withdrawing its own admin access: its next request inside the customer is refused.
    let withdrawn = app
        .api(
            Method::PATCH,
            &path,
            &provider,
            Some(json!({ "allowDelegatedAccess": false })),
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.text());
    assert_eq!(withdrawn.json()["allowDelegatedAccess"], false);
    let users = app
        .api(Method::GET, &format!("{path}/users"), &provider, None)
        .await;
    assert_eq!(code(&users), 600_010);

    // Cancel the subscription, then the relationship can end.
    let etag = format!("\"{}\"", sub["attributes"]["etag"].as_str().unwrap());
    let cancel = app
        .api_with(
            Method::PATCH,
            &format!("{path}/subscriptions/{}", sub["id"].as_str().unwrap()),
            &provider,
            &[("If-Match", etag.as_str())],
            Some(json!({ "status": "deleted" })),
        )
        .await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.text());
    let ended = app
        .api(Method::PATCH, &path, &provider, Some(none.clone()))
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.text());
    assert_eq!(ended.json()["relationshipToPartner"], "none");
    assert_eq!(
        app.api(Method::GET, &path, &provider, None).await.status,
        StatusCode::NOT_FOUND
    );
    let again = app.api(Method::PATCH, &path, &provider, Some(none)).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let records = app.audit_records().await;
    assert!(
        records
            .iter()
            .any(|r| r.operation == "remove_partner_customer_relationship")
    );
}

#[tokio::test]
async fn customers_see_only_themselves_and_resellers_only_their_customers() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, admin, _) = related(&app, &world, 2).await;
    let (other, other_admin) = app.existing_customer(&world, "zeta", "FR").await;
    let me = admin.bearer();
    // Its own users: yes; another customer's: 404, by API and page.
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/v1/customers/{customer}/users"),
            &me,
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    for path in [
        format!("/v1/customers/{other}/users"),
        format!("/v1/customers/{other}/relationships"),
    ] {
        assert_eq!(
            app.api(Method::GET, &path, &me, None).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        app.page(&format!("/customers/{other}/users"), &admin.session())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Partner lists are not a customer's to read.
    assert_eq!(
        app.api(Method::GET, "/v1/customers", &me, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A plain user of the customer cannot manage users.
    let plain = app
        .user(
            &world.operator,
            &other,
            "plain@zeta.test",
            &["customer_user"],
        )
        .await;
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/v1/customers/{other}/users"),
            &plain.bearer(),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // The unrelated reseller and the unrelated customer's admin: 404.
    let stranger = world.user("other_reseller_global_admin").bearer();
    for who in [&stranger, &other_admin.bearer()] {
        for path in [
            format!("/v1/customers/{customer}/users"),
            format!("/v1/customers/{customer}/relationships"),
        ] {
            assert_eq!(
                app.api(Method::GET, &path, who, None).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
    }
    // The customer's portal pages show its own subscriptions with the support contact.
    let subs = app.page("/my/subscriptions", &admin.session()).await;
    assert_eq!(subs.status, StatusCode::OK);
    assert!(subs.text().contains("Contoso"), "{}", subs.text());
    assert!(subs.text().contains("0 / 2"));
}

#[tokio::test]
async fn the_customers_global_admin_manages_its_users_in_the_portal() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, admin, sub) = related(&app, &world, 2).await;
    let page = format!("/customers/{customer}/users");
    let me = admin.session();
    // Home and navigation lead to the portal's pages.
    let home = app.page("/", &me).await.text();
    for link in ["/my/subscriptions", "/my/partners", "/my/users"] {
        assert!(home.contains(link), "{link} on the home page");
    }
    let mine = app.page("/my/users", &me).await;
    assert_eq!(mine.status, StatusCode::SEE_OTHER);
    // A bad email is shown next to the field and creates nothing.
    let bad = app
        .form(
            Method::POST,
            &page,
            &me,
            &[("email", "not-an-email"), ("display_name", "X")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("id=\"email-error\""));
    let created = app
        .form(
            Method::POST,
            &page,
            &me,
            &[
                ("email", "dee@acme.onmicrosoft.example"),
                ("display_name", "Dee"),
                ("role", "customer_user"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text());
    let temporary = created.shown_secret();
    assert!(temporary.len() >= 16);
    let users = app
        .api(
            Method::GET,
            &format!("/v1/customers/{customer}/users"),
            &admin.bearer(),
            None,
        )
        .await
        .json();
    let dee = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userPrincipalName"] == "dee@acme.onmicrosoft.example")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Licences by ticking the subscription, then the seats say so.
    let sub_id = sub["id"].as_str().unwrap();
    let saved = app
        .form(
            Method::POST,
            &format!("{page}/{dee}/licences"),
            &me,
            &[("subscription", sub_id)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert!(app.page(&page, &me).await.text().contains("1 / 2"));
    // Dee signs in with the temporary password and must replace it; a plain user cannot
    // manage users.
    let login = app.login("dee@acme.onmicrosoft.example", &temporary).await;
    let step = Principal::Session {
        cookie: login.session_cookie().unwrap(),
        csrf: String::new(),
    };
    let home = app.page("/", &step).await;
    assert_eq!(home.header("location").as_deref(), Some("/password"));
    app.set_password(
        "dee@acme.onmicrosoft.example",
        twotier_testkit::app::PASSWORD,
    )
    .await;
    let (cookie, csrf) = app
        .sign_in(
            "dee@acme.onmicrosoft.example",
            twotier_testkit::app::PASSWORD,
        )
        .await;
    let dee_session = Principal::Session { cookie, csrf };
    assert_eq!(
        app.page(&page, &dee_session).await.status,
        StatusCode::FORBIDDEN
    );
    let own = app.page("/my/subscriptions", &dee_session).await;
    assert_eq!(own.status, StatusCode::OK);
    // Reset and disable: the user's session ends at once.
    let reset = app
        .form(Method::POST, &format!("{page}/{dee}/password"), &me, &[])
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    assert!(reset.shown_secret().len() >= 16);
    assert_eq!(
        app.page("/my/subscriptions", &dee_session).await.status,
        StatusCode::SEE_OTHER
    );
    let disabled = app
        .form(
            Method::POST,
            &format!("{page}/{dee}/disabled"),
            &me,
            &[("disabled", "true")],
        )
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    let ops: Vec<String> = app
        .audit_records()
        .await
        .iter()
        .map(|r| r.operation.clone())
        .collect();
    for op in [
        "create_customer_user",
        "update_customer_user_licenses",
        "reset_customer_user_password",
        "update_customer_user",
    ] {
        assert!(ops.iter().any(|o| o == op), "{op}");
    }
    // The reseller's customer page says it cannot end the relationship.
    let seen = app
        .page(
            &format!("/customers/{customer}?tab=account"),
            &world.user("reseller_admin_agent").session(),
        )
        .await;
    assert!(seen.text().contains("id=\"reseller-cannot-end\""));
}

/// A request made for the customer's organisation, created from the provider's page.
async fn request_for(app: &TestApp, world: &World, domain: &str, reseller: bool) -> String {
    let agent = world.user("provider_admin_agent").session();
    let reseller_id = if reseller {
        world.reseller.to_string()
    } else {
        String::new()
    };
    let r = app
        .form(
            Method::POST,
            "/customers/relationship-requests",
            &agent,
            &[
                ("customer_domain", domain),
                ("indirect_reseller_id", reseller_id.as_str()),
                ("delegated_admin", "on"),
                ("expires_in_days", "7"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    let rest = html
        .split("customer-relationships/accept?token=")
        .nth(1)
        .expect("the link on the page");
    rest.split(['"', '<', '&', '\n'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The customer's Global admin answers the requests made for it on its Partners page: one
/// accept (again: the same success) closes the provider's older pending request, a decline
/// spends its link, and nothing else sees or answers them.
#[tokio::test]
async fn the_customer_accepts_or_declines_requests_on_its_partners_page() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.import_demo_catalog(&world).await;
    app.partner(&world).await;
    let (_customer, admin) = app.existing_customer(&world, "acme", "FR").await;
    let older = request_for(&app, &world, "acme", false).await;
    app.clock.advance_hours(1);
    let newer = request_for(&app, &world, "acme", true).await;
    let page = app.page("/my/partners", &admin.session()).await;
    let html = page.text();
    let ids: Vec<String> = html
        .split("data-request-id=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2, "{html}");
    assert!(html.contains("with delegated admin access"), "{html}");
    // Newest first: the one that names the reseller.
    let (newer_id, older_id) = (ids[0].clone(), ids[1].clone());

    // Another customer's admin cannot answer them: not found, nothing changes.
    let (_other, stranger) = app.existing_customer(&world, "globex", "FR").await;
    for action in ["accept", "decline"] {
        let r = app
            .form(
                Method::POST,
                &format!("/my/partners/requests/{newer_id}/{action}"),
                &stranger.session(),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{action}");
    }

    let accept = |id: String| {
        let app = &app;
        let admin = &admin;
        async move {
            app.form(
                Method::POST,
                &format!("/my/partners/requests/{id}/accept"),
                &admin.session(),
                &[],
            )
            .await
        }
    };
    let r = accept(newer_id.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.header("location").unwrap(),
        "/my/partners?done=relationship-accepted"
    );
    // A double click shows the same success and does nothing more.
    let again = accept(newer_id.clone()).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.text());
    let accepted = app
        .audit_records()
        .await
        .iter()
        .filter(|r| r.operation == "accept_customer_relationship_request")
        .count();
    assert_eq!(accepted, 1);

    // The older request of the same provider is closed, and its link says why.
    let page = app.page("/my/partners", &admin.session()).await;
    assert!(!page.text().contains("data-request-id"), "{}", page.text());
    let r = app
        .page(
            &format!("/customer-relationships/accept?token={older}"),
            &admin.session(),
        )
        .await;
    assert!(
        r.text()
            .contains("a newer request from the provider was accepted"),
        "{}",
        r.text()
    );
    let list = app
        .page(
            "/customers/relationship-requests",
            &world.user("provider_admin_agent").session(),
        )
        .await;
    assert!(
        list.text().contains("Closed: a newer request was accepted"),
        "{}",
        list.text()
    );
    let r = accept(older_id).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("id=\"request-error\""), "{}", r.text());

    // A decline spends the link; declining again is the same success.
    let third = request_for(&app, &world, "acme", false).await;
    let page = app.page("/my/partners", &admin.session()).await;
    let third_id = page
        .text()
        .split("data-request-id=\"")
        .nth(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .expect("the third request");
    for _ in 0..2 {
        let r = app
            .form(
                Method::POST,
                &format!("/my/partners/requests/{third_id}/decline"),
                &admin.session(),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    }
    let r = accept(third_id).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let r = app
        .page(
            &format!("/customer-relationships/accept?token={third}"),
            &admin.session(),
        )
        .await;
    assert!(r.text().contains("was declined"), "{}", r.text());
    let declined = app
        .audit_records()
        .await
        .iter()
        .filter(|r| r.operation == "decline_customer_relationship_request")
        .count();
    assert_eq!(declined, 1);
    let r = app
        .page(
            &format!("/customer-relationships/accept?token={newer}"),
            &admin.session(),
        )
        .await;
    assert!(r.text().contains("already used"), "{}", r.text());
}

#[tokio::test]
async fn a_customers_users_page_searches_sorts_and_pages_with_the_licence_forms_on_each_row() {
    use crate::customers::pager_link;
    let app = TestApp::new().await;
    let world = app.world().await;
    let (customer, admin, _) = related(&app, &world, 5).await;
    let who = admin.bearer();
    for n in 0..26 {
        create_user(&app, &who, &customer, &format!("aauser{n:02}")).await;
    }
    let session = admin.session();
    let base = format!("/customers/{customer}/users");
    let rows = |page: &str| -> Vec<String> {
        page.split("<tr data-user-email=\"")
            .skip(1)
            .filter_map(|r| Some(r.split('"').next()?.to_owned()))
            .collect()
    };
    let first = app.page(&format!("{base}?size=25"), &session).await.text();
    let emails = rows(&first);
    assert_eq!(emails.len(), 25);
    assert!(emails[0].starts_with("aauser00@"), "{emails:?}");
    let all = rows(&app.page(&format!("{base}?size=200"), &session).await.text()).len();
    assert!(
        all > 26 && first.contains(&format!("{all} users")),
        "{all}: {first}"
    );
    assert_eq!(
        first.matches("/licences\" class=\"stack\"").count(),
        25,
        "each row keeps its licence form"
    );
    let next = pager_link(&first, "next").expect("a next page");
    assert!(
        next.starts_with(&base) && next.contains("size=25"),
        "{next}"
    );
    let second = app.page(&next, &session).await.text();
    assert_eq!(rows(&second).len(), all - 25);
    let back = pager_link(&second, "prev").expect("a previous page");
    assert_eq!(rows(&app.page(&back, &session).await.text()), emails);
    let found = app
        .page(&format!("{base}?q=AAUSER2"), &session)
        .await
        .text();
    assert_eq!(rows(&found).len(), 6, "aauser20 to aauser25");
    assert!(
        found.contains("(name or email contains “AAUSER2”)"),
        "{found}"
    );
    let none = app
        .page(&format!("{base}?q=zzzz-nobody"), &session)
        .await
        .text();
    assert!(none.contains("No users match"), "{none}");
    // A refused new user comes back with every error at its field and a summary.
    let long_name = "n".repeat(101);
    let refused = app
        .form(
            Method::POST,
            &base,
            &session,
            &[
                ("email", "not an address"),
                ("display_name", long_name.as_str()),
                ("role", "customer_user"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(
        html.contains("class=\"error-summary\"")
            && html.contains("id=\"email-error\"")
            && html.contains("id=\"display_name-error\"")
            && html.contains("type=\"email\""),
        "{html}"
    );
    // Another customer's admin sees none of them.
    let (_, stranger) = app.existing_customer(&world, "other", "FR").await;
    let probe = app
        .page(&format!("{base}?q=aauser"), &stranger.session())
        .await;
    assert_eq!(probe.status, StatusCode::NOT_FOUND);
}
