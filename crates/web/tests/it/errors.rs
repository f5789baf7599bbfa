//! Bad input never hurts: every malformed request gets a clean 4xx in our format, never a
//! 500 or a stack trace, and changes nothing.

use axum::body::Body;
use http::{Method, StatusCode};
use serde_json::json;
use twotier_testkit::{Principal, TestApp};

#[tokio::test]
async fn malformed_api_requests_get_partner_center_error_bodies() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let ops = world.user("operator_admin");
    let before = app.audit_records().await.len();
    let bodies: [&[u8]; 6] = [
        b"{not json",
        b"[]",
        b"\"just a string\"",
        b"{\"kind\": {\"nested\": true}}",
        b"\xff\xfe",
        b"null",
    ];
    for raw in bodies {
        let r = app
            .request(
                Method::POST,
                "/v1/partners",
                &ops.bearer(),
                &[],
                Body::from(raw.to_vec()),
                Some("application/json"),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{raw:?}: {}", r.text());
        let e = r.json();
        assert_eq!(e["code"], 3000);
        assert_eq!(e["source"], "twotier");
        assert!(!r.text().contains("serde") && !r.text().contains("panicked"));
    }
    let huge = "x".repeat(2 * 1024 * 1024);
    let r = app
        .api(
            Method::POST,
            "/v1/partners",
            &ops.bearer(),
            Some(json!({ "name": huge })),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(app.audit_records().await.len(), before);
}

#[tokio::test]
async fn unknown_routes_methods_and_ids_are_clean_4xx() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let ops = world.user("operator_admin");
    let cases = [
        (Method::GET, "/v1/nothing-here", StatusCode::NOT_FOUND),
        (Method::PUT, "/v1/partners", StatusCode::METHOD_NOT_ALLOWED),
        (
            Method::GET,
            "/v1/partners/not-a-uuid",
            StatusCode::NOT_FOUND,
        ),
        (Method::GET, "/v1/partners/%00%ff", StatusCode::BAD_REQUEST),
        (
            Method::GET,
            "/v1/users/0190f0a0-0000-7000-8000-00000000dead",
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/v1/auditrecords?size=-1",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/v1/partners?filter=%7Bbroken",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/v1/partners?kind=wizard",
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (method, path, want) in cases {
        let r = app.api(method.clone(), path, &ops.bearer(), None).await;
        assert_eq!(r.status, want, "{method} {path}: {}", r.text());
        assert!(
            r.header("content-type")
                .unwrap()
                .starts_with("application/json"),
            "{method} {path}"
        );
        assert!(r.json()["code"].is_number());
    }
    let page = app.page("/no/such/page", &Principal::Anonymous).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.text().contains("Not found"));
}

#[tokio::test]
async fn the_v1_0_spelling_works_too() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let r = app
        .api(
            Method::GET,
            "/v1.0/me",
            &world.user("provider_sales_agent").bearer(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn request_and_correlation_ids_are_echoed() {
    let app = TestApp::new().await;
    let r = app
        .api_with(
            Method::GET,
            "/healthz",
            &Principal::Anonymous,
            &[("MS-RequestId", "abc-123"), ("MS-CorrelationId", "corr-9")],
            None,
        )
        .await;
    assert_eq!(r.header("ms-requestid").as_deref(), Some("abc-123"));
    assert_eq!(r.header("ms-correlationid").as_deref(), Some("corr-9"));
    let r = app
        .api(Method::GET, "/healthz", &Principal::Anonymous, None)
        .await;
    assert_eq!(
        r.header("ms-requestid").unwrap().len(),
        36,
        "generated when absent"
    );
}

#[tokio::test]
async fn bad_bearer_tokens_are_401_with_a_challenge() {
    let app = TestApp::new().await;
    for token in ["", "garbage", &"x".repeat(500)] {
        let r = app
            .api(
                Method::GET,
                "/v1/me",
                &Principal::Bearer(token.to_owned()),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.header("www-authenticate").is_some());
    }
}

#[tokio::test]
async fn pages_reject_bad_form_input_next_to_the_field() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let r = app
        .form(
            Method::POST,
            "/apps",
            &admin.session(),
            &[("name", ""), ("roles", "nonsense")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("id=\"name-error\"") && html.contains("id=\"roles-error\""));
    let r = app
        .request(
            Method::POST,
            "/users",
            &admin.session(),
            &[("sec-fetch-site", "same-origin")],
            Body::from(vec![0xff, 0xfe, 0x00]),
            Some("application/x-www-form-urlencoded"),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
}

/// Every route, as every kind of caller, with hostile ids, query strings and bodies: never a
/// 5xx, and always our error format.
#[tokio::test]
async fn no_route_answers_hostile_input_with_a_server_error() {
    use twotier_web::{Surface, route_table};
    let app = TestApp::new().await;
    let world = app.world().await;
    let callers = [
        Principal::Anonymous,
        world.user("operator_admin").bearer(),
        world.user("provider_global_admin").bearer(),
        world.user("provider_global_admin").session(),
        world.user("reseller_global_admin").session(),
    ];
    let ids = [
        "%00",
        "..%2F..%2Fetc%2Fpasswd",
        "'%20OR%201=1--",
        &"9".repeat(300),
        "0190f0a0-0000-7000-8000-000000000001",
    ];
    let queries = [
        "",
        "?size=-5&offset=abc&country=%FF",
        "?filter=%7B%22Field%22%3A1%7D&relationship_type=%00",
        "?startDate=9999-99-99&token=%E2%80%AE",
        // A NUL inside JSON and plain parameters: PostgreSQL refuses NUL in text.
        "?filter=%7B%22Field%22%3A%22Name%22%2C%22Value%22%3A%22a%5Cu0000b%22%7D&name=%00&user=%00&country=D%00&mpnId=%00&tenantId=%00",
    ];
    let bodies: [&[u8]; 5] = [
        b"",
        b"{",
        b"[[[[[[[[[[]]]]]]]]]]",
        b"{\"email\": [1,2,3], \"roles\": {\"a\": null}, \"mpnId\": 1e400}",
        b"email=%FF%FE&_csrf=x&roles=%00",
    ];
    let mut failures = Vec::new();
    for spec in route_table()
        .into_iter()
        .filter(|s| !s.path.starts_with("/static/"))
    {
        let ids: &[&str] = if spec.path.contains("{id}") {
            &ids
        } else {
            &[""]
        };
        for id in ids {
            let path = spec.path.replace("{id}", id);
            for q in queries {
                let uri = format!("{path}{q}");
                for who in &callers {
                    if matches!(
                        (who, spec.surface),
                        (Principal::Bearer(_), Surface::Page)
                            | (Principal::Session { .. }, Surface::Api)
                    ) {
                        continue;
                    }
                    for body in bodies {
                        let ct = if spec.surface == Surface::Page {
                            "application/x-www-form-urlencoded"
                        } else {
                            "application/json"
                        };
                        let r = app
                            .request(
                                spec.method.clone(),
                                &uri,
                                who,
                                &[("sec-fetch-site", "same-origin")],
                                Body::from(body.to_vec()),
                                Some(ct),
                            )
                            .await;
                        if r.status.is_server_error() {
                            failures.push(format!(
                                "{} {uri} body {:?}: {}",
                                spec.method,
                                String::from_utf8_lossy(body),
                                r.status
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} server errors:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A refusal, an unknown page or a malformed address seen by someone signed in is shown in
/// the signed-in layout, in user words; a page that needs a sign-in keeps its address.
#[tokio::test]
async fn error_pages_keep_the_signed_in_layout_and_sign_in_keeps_the_deep_link() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    for path in [
        "/no/such/page",
        "/incentives?month=abc",
        "/customers/not-an-id",
    ] {
        let page = app.page(path, &admin.session()).await;
        assert!(page.status.is_client_error(), "{path}: {}", page.status);
        let html = page.text();
        assert!(
            html.contains("Sign out") && !html.contains("href=\"/login\""),
            "{path} is not in the signed-in layout: {html}"
        );
        assert!(
            html.contains("aria-label=\"Main\""),
            "{path}: no navigation"
        );
    }
    let page = app.page("/no/such/page", &Principal::Anonymous).await;
    assert!(page.text().contains("href=\"/login\""));

    // The deep link survives the sign-in.
    let r = app
        .page("/customers?q=Adv&size=10", &Principal::Anonymous)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let to = r.header("location").unwrap();
    assert_eq!(to, "/login?next=%2Fcustomers%3Fq%3DAdv%26size%3D10");
    let login = app.page(&to, &Principal::Anonymous).await;
    assert!(
        login
            .text()
            .contains("name=\"next\" value=\"/customers?q=Adv&#38;size=10\""),
        "{}",
        login.text()
    );
    let r = app
        .form(
            Method::POST,
            "/login",
            &Principal::Anonymous,
            &[
                ("email", admin.email.as_str()),
                ("password", twotier_testkit::app::PASSWORD),
                ("next", "/customers?q=Adv&size=10"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location").unwrap(), "/customers?q=Adv&size=10");
}

/// A form refused for several reasons lists them all at once above it, each linking to its
/// field (whose id is there), next to the messages under the fields.
#[tokio::test]
async fn a_form_with_several_errors_lists_them_above_it_with_links_to_the_fields() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.import_demo_catalog(&world).await;
    let operator = world.user("operator_admin");
    let admin = world.user("provider_global_admin");
    let agent = world.user("provider_admin_agent");
    for (who, path, fields) in [
        (
            operator,
            "/partners",
            vec![("kind", "reseller"), ("website", "not a url")],
        ),
        (
            admin,
            "/users",
            vec![("email", "not-an-email"), ("roles", "no_such_role")],
        ),
        (
            agent,
            "/customers/new",
            vec![("domain", "x"), ("country", "FR")],
        ),
    ] {
        let r = app.form(Method::POST, path, &who.session(), &fields).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.text()
        );
        let html = r.text();
        let summary = html
            .split("class=\"error-summary\"")
            .nth(1)
            .and_then(|s| s.split("</div>").next())
            .unwrap_or_else(|| panic!("{path}: no error summary: {html}"));
        let anchors: Vec<&str> = summary
            .split("href=\"#")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        assert!(anchors.len() >= 2, "{path}: {summary}");
        for anchor in anchors {
            assert!(
                html.contains(&format!("id=\"{anchor}\"")),
                "{path}: the summary links to #{anchor}, which is not on the page"
            );
        }
        assert!(html.contains("aria-invalid=\"true\""), "{path}");
    }
}
