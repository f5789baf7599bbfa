//! The new-customer wizard: each step is a page of its own with what was typed kept in a
//! server-side draft, each step is checked, Submit creates the customer and its order in one
//! transaction (or nothing), and a repeated submit creates nothing.

use http::{Method, StatusCode};
use twotier_testkit::{Principal, TestApp, TestResponse};

fn details<'a>(reseller: &'a str, domain: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("action", "next"),
        ("reseller", reseller),
        ("company_name", "Wizard Co"),
        ("domain", domain),
        ("first_name", "Noa"),
        ("last_name", "Blanc"),
        ("email", "it@wizardco.test"),
        ("phone_number", ""),
        ("address_line1", "9 rue Haute"),
        ("address_line2", ""),
        ("postal_code", "33000"),
        ("city", "Bordeaux"),
        ("state", ""),
        ("culture", "fr-FR"),
        ("language", "fr"),
        ("country", "FR"),
        ("billing_cycle", "monthly"),
    ]
}

/// Where a step's post redirects (post/redirect/get); panics if it did not.
fn redirected(r: &TestResponse) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    r.header("location").expect("location")
}

/// The details and subscriptions steps of a new draft; returns the draft's review page.
async fn to_review(
    app: &TestApp,
    who: &Principal,
    details: &[(&str, &str)],
    qty: &[(&str, &str)],
) -> String {
    let subscriptions = redirected(&app.form(Method::POST, "/customers/new", who, details).await);
    let mut fields = vec![("action", "next"), ("billing_cycle", "monthly")];
    fields.extend_from_slice(qty);
    let review = redirected(&app.form(Method::POST, &subscriptions, who, &fields).await);
    assert!(review.ends_with("/review"), "{review}");
    review
}

async fn count(app: &TestApp, who: &Principal) -> u64 {
    app.api(Method::GET, "/v1/customers", who, None)
        .await
        .json()["totalCount"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn from_a_resellers_row_to_the_password_shown_once() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.import_demo_catalog(&world).await;
    app.partner(&world).await;
    let agent = world.user("provider_admin_agent");
    let reseller = world.reseller.to_string();
    let row = app.page("/resellers", &agent.session()).await.text();
    assert!(row.contains(&format!("/customers/new?reseller={reseller}")));
    let start = app
        .page(
            &format!("/customers/new?reseller={reseller}"),
            &agent.session(),
        )
        .await;
    assert_eq!(start.status, StatusCode::OK);
    assert!(
        start
            .text()
            .contains(&format!("<option value=\"{reseller}\" selected>")),
        "the reseller is preselected"
    );

    let bad = app
        .form(
            Method::POST,
            "/customers/new",
            &agent.session(),
            &details(&reseller, "no-dash"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text().contains("id=\"domain-error\"") && bad.text().contains("value=\"Wizard Co\"")
    );
    // A passing step is kept as a draft and the next step opens through a redirect.
    let subscriptions = redirected(
        &app.form(
            Method::POST,
            "/customers/new",
            &agent.session(),
            &details(&reseller, "wizardco"),
        )
        .await,
    );
    assert!(
        subscriptions.starts_with("/customers/new/") && subscriptions.ends_with("/subscriptions"),
        "{subscriptions}"
    );
    let step2 = app.page(&subscriptions, &agent.session()).await;
    assert_eq!(step2.status, StatusCode::OK, "{}", step2.text());
    assert!(step2.text().contains("name=\"qty.CNT-BASIC\""));
    assert_eq!(
        count(&app, &agent.bearer()).await,
        0,
        "checking a step creates nothing"
    );
    // Another session, even of the same person, does not see the draft.
    let (cookie, csrf) = app
        .sign_in(&agent.email, twotier_testkit::app::PASSWORD)
        .await;
    let other = Principal::Session { cookie, csrf };
    assert_eq!(
        app.page(&subscriptions, &other).await.status,
        StatusCode::GONE
    );

    let empty = app
        .form(
            Method::POST,
            &subscriptions,
            &agent.session(),
            &[("action", "next")],
        )
        .await;
    assert!(empty.text().contains("at least one offer"));
    let too_many = app
        .form(
            Method::POST,
            &subscriptions,
            &agent.session(),
            &[("action", "next"), ("qty.MTG-ROOM", "999")],
        )
        .await;
    assert!(
        too_many.text().contains("quantities of 1 to 100"),
        "{}",
        too_many.text()
    );
    let review = redirected(
        &app.form(
            Method::POST,
            &subscriptions,
            &agent.session(),
            &[
                ("action", "next"),
                ("qty.MTG-ROOM", ""),
                ("qty.CNT-BASIC", "12"),
            ],
        )
        .await,
    );
    let shown = app.page(&review, &agent.session()).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text());
    assert!(
        shown.text().contains("Contour Business Basic") && shown.text().contains("Fabrikam IT"),
        "{}",
        shown.text()
    );
    // Back keeps what was typed, on every step.
    let details_page = redirected(
        &app.form(
            Method::POST,
            &review,
            &agent.session(),
            &[("action", "back_to_details")],
        )
        .await,
    );
    assert!(details_page.ends_with("/details"));
    assert!(
        app.page(&details_page, &agent.session())
            .await
            .text()
            .contains("value=\"wizardco\"")
    );
    assert!(
        app.page(&subscriptions, &agent.session())
            .await
            .text()
            .contains("name=\"qty.CNT-BASIC\" type=\"number\" min=\"0\" step=\"1\" class=\"qty\" inputmode=\"numeric\" value=\"12\"")
    );

    let done = app
        .form(
            Method::POST,
            &review,
            &agent.session(),
            &[("action", "submit")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let html = done.text();
    assert!(
        html.contains("admin@wizardco.onmicrosoft.example")
            && html.contains("will not be shown again")
    );
    let password = done.shown_secret();
    assert_eq!(password.chars().count(), 20);
    // A repeated submit (Back, then Submit again, or a double-click) creates nothing and is
    // sent to the password's one page: at once (the browser may have abandoned the first
    // page) it shows the password once more, seconds later it says it was seen.
    let session = agent.session();
    let resubmit = || app.form(Method::POST, &review, &session, &[("action", "submit")]);
    let at_once = resubmit().await;
    assert_eq!(at_once.shown_secret(), password);
    app.clock.advance_millis(11_000);
    let replay = resubmit().await;
    assert_eq!(replay.status, StatusCode::OK);
    assert!(
        replay.text().contains("This secret was shown once") && !replay.text().contains(&password),
        "{}",
        replay.text()
    );
    assert_eq!(count(&app, &agent.bearer()).await, 1);
    let customers = app
        .api(Method::GET, "/v1/customers", &agent.bearer(), None)
        .await
        .json();
    assert_eq!(customers["items"][0]["associatedPartnerId"], reseller);
    let id = customers["items"][0]["id"].as_str().unwrap();
    let subs = app
        .api(
            Method::GET,
            &format!("/v1/customers/{id}/subscriptions"),
            &agent.bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(
        (
            subs["totalCount"].clone(),
            subs["items"][0]["partnerId"].clone()
        ),
        (serde_json::json!(1), serde_json::json!("2000001"))
    );
    let ops: Vec<String> = app
        .audit_records()
        .await
        .into_iter()
        .map(|r| r.operation)
        .collect();
    assert!(ops.contains(&"add_customer".to_owned()) && ops.contains(&"create_order".to_owned()));
    // The customer's admin signs in with it.
    assert_eq!(
        app.login("admin@wizardco.onmicrosoft.example", &password)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

/// If the order fails at Submit (the offer went off sale after the review), the customer is
/// not created either.
#[tokio::test]
async fn a_failing_order_at_submit_leaves_no_customer() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.import_demo_catalog(&world).await;
    let agent = world.user("provider_admin_agent");
    let review = to_review(
        &app,
        &agent.session(),
        &details("", "atomicco"),
        &[("qty.CNT-BASIC", "3")],
    )
    .await;
    let ops = world.user("operator_admin");
    let r = app
        .form(
            Method::POST,
            "/catalog/offers/CNT-BASIC",
            &ops.session(),
            &[("action", "stop")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let before = app.audit_records().await.len();
    let failed = app
        .form(
            Method::POST,
            &review,
            &agent.session(),
            &[("action", "submit")],
        )
        .await;
    assert_eq!(
        failed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        failed.text()
    );
    assert!(failed.text().contains("cannot be bought"));
    assert_eq!(count(&app, &agent.bearer()).await, 0);
    assert_eq!(
        app.audit_records().await.len(),
        before,
        "no customer, user, order or audit record"
    );
    assert!(
        app.login("admin@atomicco.onmicrosoft.example", "whatever-password")
            .await
            .status
            == StatusCode::UNAUTHORIZED
    );
    // A reseller does not create customers: the page is not there, and a forged post is refused.
    let reseller = world.user("reseller_global_admin");
    assert_eq!(
        app.page("/customers/new", &reseller.session()).await.status,
        StatusCode::NOT_FOUND
    );
    let forged = details("", "forgedco");
    let r = app
        .form(Method::POST, "/customers/new", &reseller.session(), &forged)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Nor does it open or post to a provider's draft.
    for method in [Method::GET, Method::POST] {
        let r = app
            .form(
                method,
                &review,
                &reseller.session(),
                &[("action", "submit")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    }
    assert_eq!(count(&app, &agent.bearer()).await, 0);
}

/// The reseller of record comes from the associated reseller itself, however many resellers
/// the provider has: the wizard used to look its MPN ID up in the first 500 partnerships, so a
/// reseller listed after them got subscriptions with no reseller of record (no incentives).
#[tokio::test]
async fn the_reseller_of_record_is_the_associated_reseller_past_the_500th() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.import_demo_catalog(&world).await;
    app.partner(&world).await;
    app.partnered_resellers(&world.provider, 500).await;
    let agent = world.user("provider_admin_agent");
    let reseller = world.reseller.to_string();
    let start = app
        .page(
            &format!("/customers/new?reseller={reseller}"),
            &agent.session(),
        )
        .await;
    assert!(
        start
            .text()
            .contains(&format!("<option value=\"{reseller}\" selected>")),
        "the reseller is listed and preselected though 500 others sort before it"
    );
    let review = to_review(
        &app,
        &agent.session(),
        &details(&reseller, "pastfivehundred"),
        &[("qty.CNT-BASIC", "3")],
    )
    .await;
    let done = app
        .form(
            Method::POST,
            &review,
            &agent.session(),
            &[("action", "submit")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let customers = app
        .api(Method::GET, "/v1/customers", &agent.bearer(), None)
        .await
        .json();
    let id = customers["items"][0]["id"].as_str().unwrap();
    let subs = app
        .api(
            Method::GET,
            &format!("/v1/customers/{id}/subscriptions"),
            &agent.bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(subs["items"][0]["partnerId"], "2000001", "{subs}");
    // The customer's page preselects the same reseller for the next order.
    let page = app
        .page(&format!("/customers/{id}/orders/new"), &agent.session())
        .await
        .text();
    assert!(
        page.contains("<option value=\"2000001\" selected>"),
        "the associated reseller is preselected"
    );
}
