//! Enrolment, directory profiles, the partner agreement, disabling, the public list.

use http::{Method, StatusCode};
use serde_json::json;
use twotier_testkit::{Principal, TestApp};

#[tokio::test]
async fn the_operator_enrols_a_partner_through_the_api() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let ops = world.user("operator_admin");
    let r = app
        .api(
            Method::POST,
            "/v1/partners",
            &ops.bearer(),
            Some(json!({ "Kind": "reseller", "Name": "Wingtip MSP", "MpnId": 4_455_667, "Country": "nl", "AdminEmail": "boss@wingtip.test", "id": "ignored" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let p = r.json();
    assert_eq!(p["attributes"]["objectType"], "Partner");
    assert_eq!(p["mpnId"], 4_455_667);
    assert_eq!(p["country"], "NL");
    assert_eq!(p["region"], "europe");
    assert_eq!(p["agreementAccepted"], false);
    assert_ne!(
        p["id"], "ignored",
        "server-owned properties are never taken from the client"
    );
    let temp = p["adminUser"]["temporaryPassword"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = app
        .api(
            Method::GET,
            &format!("/v1/partners/{}", p["id"].as_str().unwrap()),
            &ops.bearer(),
            None,
        )
        .await;
    assert!(!again.text().contains(&temp));
    let login = app.login("boss@wingtip.test", &temp).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn enrolment_input_is_validated_field_by_field() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let ops = world.user("operator_admin");
    let before = app.audit_records().await.len();
    let cases = [
        (
            json!({ "kind": "customer", "name": "X Co", "mpnId": "1", "country": "DE", "adminEmail": "a@x.test" }),
            "kind",
        ),
        (
            json!({ "kind": "provider", "name": "X", "mpnId": "1", "country": "DE", "adminEmail": "a@x.test" }),
            "name",
        ),
        (
            json!({ "kind": "provider", "name": "X Co", "mpnId": "12ab", "country": "DE", "adminEmail": "a@x.test" }),
            "mpnId",
        ),
        (
            json!({ "kind": "provider", "name": "X Co", "mpnId": "1", "country": "ZZ", "adminEmail": "a@x.test" }),
            "country",
        ),
        (
            json!({ "kind": "provider", "name": "X Co", "mpnId": "1", "country": "DE", "adminEmail": "not-mail" }),
            "adminEmail",
        ),
        (
            json!({ "kind": "provider", "name": "X Co", "mpnId": "1000001", "country": "DE", "adminEmail": "a@x.test" }),
            "mpnId",
        ),
        (
            json!({ "kind": "provider", "name": "X Co", "mpnId": "5", "country": "DE", "adminEmail": "admin@acme.onmicrosoft.example" }),
            "adminEmail",
        ),
        (
            json!({ "kind": "provider", "name": "X Co", "mpnId": "5", "country": "DE", "adminEmail": "a@x.test", "website": "javascript:alert(1)" }),
            "website",
        ),
    ];
    for (body, field) in cases {
        let r = app
            .api(
                Method::POST,
                "/v1/partners",
                &ops.bearer(),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text());
        let e = r.json();
        assert_eq!(e["code"], 3000);
        assert!(
            e["description"].as_str().unwrap().contains(field),
            "{body}: {e}"
        );
    }
    let unknown = app.api(Method::POST, "/v1/partners", &ops.bearer(), Some(json!({ "kind": "provider", "name": "X Co", "mpnId": "9", "country": "ZZ", "adminEmail": "a@x.test" }))).await;
    assert!(
        unknown.json()["description"]
            .as_str()
            .unwrap()
            .contains("no CSP region")
    );
    assert_eq!(
        app.audit_records().await.len(),
        before,
        "nothing was written"
    );
}

#[tokio::test]
async fn the_operator_console_enrols_with_errors_next_to_fields() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let ops = world.user("operator_admin");
    let form = app.page("/partners/new", &ops.session()).await;
    assert_eq!(form.status, StatusCode::OK);
    let bad = app
        .form(
            Method::POST,
            "/partners",
            &ops.session(),
            &[
                ("kind", "provider"),
                ("name", "Lamna Cloud"),
                ("mpn_id", "x"),
                ("country", "DE"),
                ("admin_email", "lead@lamna.test"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text();
    assert!(
        html.contains("id=\"mpn_id-error\"") && html.contains("value=\"Lamna Cloud\""),
        "typed values are kept"
    );
    let ok = app
        .form(
            Method::POST,
            "/partners",
            &ops.session(),
            &[
                ("kind", "provider"),
                ("name", "Lamna Cloud"),
                ("mpn_id", "7788990"),
                ("country", "DE"),
                ("admin_email", "lead@lamna.test"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.text().contains("Temporary password of the Global admin"));
    let list = app.page("/partners?q=lam", &ops.session()).await.text();
    assert!(list.contains("Lamna Cloud") && !list.contains("Fabrikam"));
    let support = world.user("operator_support");
    assert_eq!(
        app.page("/partners/new", &support.session()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.page("/partners", &support.session()).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn disabling_a_partner_signs_out_its_users_and_hides_it() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let ops = world.user("operator_admin");
    let reseller = world.user("reseller_global_admin");
    assert_eq!(
        app.page("/", &reseller.session()).await.status,
        StatusCode::OK
    );
    let r = app
        .form(
            Method::POST,
            &format!("/partners/{}", world.reseller),
            &ops.session(),
            &[("action", "disable")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.page("/", &reseller.session()).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.api(Method::GET, "/v1/me", &reseller.bearer(), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let login = app
        .login(&reseller.email, twotier_testkit::app::PASSWORD)
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    let r = app
        .api(
            Method::PATCH,
            &format!("/v1/partners/{}", world.reseller),
            &ops.bearer(),
            Some(json!({ "disabled": false })),
        )
        .await;
    assert_eq!(r.json()["disabled"], false);
    let ops_records: Vec<_> = app
        .audit_records()
        .await
        .into_iter()
        .map(|r| r.operation)
        .collect();
    assert!(
        ops_records.contains(&"disable_partner".to_owned())
            && ops_records.contains(&"enable_partner".to_owned())
    );
}

#[tokio::test]
async fn a_partner_global_admin_accepts_the_agreement_once() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let ops = world.user("operator_admin");
    let r = app.api(Method::POST, "/v1/partners", &ops.bearer(), Some(json!({ "kind": "reseller", "name": "Adatum", "mpnId": "8080", "country": "GB", "adminEmail": "ga@adatum.test" }))).await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let tenant = twotier_domain::ids::TenantId::parse(&id).unwrap();
    let ga = app
        .user(
            &world.operator,
            &tenant,
            "second@adatum.test",
            &["global_admin"],
        )
        .await;
    let sales = app
        .user(
            &world.operator,
            &tenant,
            "sales@adatum.test",
            &["sales_agent"],
        )
        .await;
    assert_eq!(
        app.page("/agreement", &sales.session()).await.status,
        StatusCode::FORBIDDEN
    );
    let no_consent = app
        .form(Method::POST, "/agreement", &ga.session(), &[])
        .await;
    assert_eq!(no_consent.status, StatusCode::BAD_REQUEST);
    // The operator cannot sign for the partner.
    let r = app
        .api(
            Method::POST,
            &format!("/v1/partners/{id}/agreement"),
            &ops.bearer(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let ok = app
        .form(
            Method::POST,
            "/agreement",
            &ga.session(),
            &[("consent", "on")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let p = app
        .api(
            Method::GET,
            &format!("/v1/partners/{id}"),
            &ga.bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(p["agreementAccepted"], true);
    assert_eq!(p["agreementAcceptedBy"], ga.user_id.as_str());
    let count = app
        .audit_records()
        .await
        .iter()
        .filter(|r| r.operation == "accept_partner_agreement")
        .count();
    app.form(
        Method::POST,
        "/agreement",
        &ga.session(),
        &[("consent", "on")],
    )
    .await;
    assert_eq!(
        app.audit_records()
            .await
            .iter()
            .filter(|r| r.operation == "accept_partner_agreement")
            .count(),
        count,
        "a second acceptance changes nothing"
    );
}

#[tokio::test]
async fn the_public_list_shows_enabled_providers_without_sign_in() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let r = app.page("/providers", &Principal::Anonymous).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(
        html.contains("Contoso Distribution") && !html.contains("Fabrikam"),
        "resellers are not listed"
    );
    let ops = world.user("operator_admin");
    app.api(
        Method::PATCH,
        &format!("/v1/partners/{}", world.provider),
        &ops.bearer(),
        Some(json!({ "disabled": true })),
    )
    .await;
    assert!(
        !app.page("/providers", &Principal::Anonymous)
            .await
            .text()
            .contains("Contoso Distribution")
    );
    // Escaping: a hostile name is shown as text.
    let r = app.api(Method::POST, "/v1/partners", &ops.bearer(), Some(json!({ "kind": "provider", "name": "<script>alert(1)</script>", "mpnId": "99", "country": "US", "adminEmail": "x@evil.test" }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let html = app.page("/providers", &Principal::Anonymous).await.text();
    assert!(
        !html.contains("<script>alert(1)</script>") && html.contains("alert(1)"),
        "{html}"
    );
}

#[tokio::test]
async fn the_partner_list_pages_with_continuation_tokens() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let ops = world.user("operator_admin");
    let first = app
        .api(Method::GET, "/v1/partners?size=2", &ops.bearer(), None)
        .await
        .json();
    assert_eq!(first["totalCount"], 3);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let token = first["links"]["next"]["headers"][0]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = app
        .api_with(
            Method::GET,
            "/v1/partners?size=2",
            &ops.bearer(),
            &[("MS-ContinuationToken", &token)],
            None,
        )
        .await
        .json();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert!(second["links"].get("next").is_none());
    let filter = "%7B%22Field%22%3A%22Name%22%2C%22Value%22%3A%22fab%22%2C%22Operator%22%3A%22starts_with%22%7D";
    let named = app
        .api(
            Method::GET,
            &format!("/v1/partners?filter={filter}"),
            &ops.bearer(),
            None,
        )
        .await
        .json();
    assert_eq!(named["totalCount"], 1);
    assert_eq!(named["items"][0]["name"], "Fabrikam IT");
    let bad = app
        .api(Method::GET, "/v1/partners?size=9999", &ops.bearer(), None)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// The partner names of the operator's list, in order.
fn listed(page: &str) -> Vec<String> {
    crate::customers::first_links(page, "<tr data-partner-id=")
}

#[tokio::test]
async fn the_operators_list_searches_filters_sorts_counts_and_pages_both_ways() {
    use crate::customers::pager_link;
    let app = TestApp::new().await;
    let world = app.world().await;
    app.partnered_resellers(&world.provider, 30).await;
    let ops = world.user("operator_admin").session();
    let all = app.page("/partners?size=200", &ops).await.text();
    let n = listed(&all).len();
    assert!(n >= 33, "the world's partners and thirty more: {n}");
    assert!(all.contains(&format!("{n} partners")), "{all}");
    let first = app.page("/partners?size=25", &ops).await.text();
    let names = listed(&first);
    assert_eq!((names.len(), names[0].as_str()), (25, "Aaa reseller 0000"));
    let next = pager_link(&first, "next").expect("a next page");
    let second = app.page(&next, &ops).await.text();
    assert_eq!(listed(&second)[0], "Aaa reseller 0025");
    let back = pager_link(&second, "prev").expect("a previous page");
    assert_eq!(listed(&app.page(&back, &ops).await.text()), names);
    let desc = app.page("/partners?sort=name-desc", &ops).await.text();
    assert!(listed(&desc)[0] > listed(&desc)[1], "Z to A");
    let newest = app
        .page("/partners?sort=newest&size=200", &ops)
        .await
        .text();
    assert_eq!(listed(&newest).len(), n);
    // Part of a name, any case, or of an MPN ID; with the kind; shown in words.
    let found = app
        .page("/partners?q=SELLER+001&kind=reseller", &ops)
        .await
        .text();
    assert_eq!(listed(&found).len(), 10, "0010 to 0019");
    assert!(
        found.contains("10 partners (name or MPN ID contains “SELLER 001”, indirect resellers)"),
        "{found}"
    );
    let mpn = app.page("/partners?q=7100007", &ops).await.text();
    assert_eq!(listed(&mpn), ["Aaa reseller 0007"]);
    let providers = app
        .page("/partners?q=SELLER&kind=provider", &ops)
        .await
        .text();
    assert!(providers.contains("No partners match"), "{providers}");
}
