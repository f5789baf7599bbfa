//! The small holes: `next` after sign-in, licence arithmetic, CSV formulas, idempotency keys
//! reused on another object, relationship requests naming strangers, HSTS, the metrics
//! token, slow and idle connections, and turning two-factor off.

use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use twotier_core::CoreSettings;
use twotier_testkit::app::PASSWORD;
use twotier_testkit::{Principal, TestApp};
use twotier_web::WebSettings;

/// Low: `next` is a path of this site or home: a tab, a backslash or a line break never
/// makes an off-site `Location`, and control characters are not a server error.
#[tokio::test]
async fn next_after_sign_in_stays_on_this_site() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let email = world.user("provider_sales_agent").email.clone();
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/x\r\nSet-Cookie: a=b",
        "/\u{1}",
    ] {
        let page = app
            .page(
                &format!("/login?next={}", urlencode(next)),
                &Principal::Anonymous,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{next:?}");
        assert!(
            page.text().contains("name=\"next\" value=\"/\""),
            "{next:?}"
        );
        let r = app
            .form(
                Method::POST,
                "/login",
                &Principal::Anonymous,
                &[("email", &email), ("password", PASSWORD), ("next", next)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}: {}", r.text());
        assert_eq!(r.header("location").as_deref(), Some("/"), "{next:?}");
    }
    let r = app
        .form(
            Method::POST,
            "/login",
            &Principal::Anonymous,
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("next", "/customers?size=5"),
            ],
        )
        .await;
    assert_eq!(r.header("location").as_deref(), Some("/customers?size=5"));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Low: a licence delta beyond any offer's bounds is a 400 with the range, on both backends
/// (it was a 500 on PostgreSQL and wrapped on SQLite), and changes nothing.
#[tokio::test]
async fn huge_licence_deltas_are_refused_with_the_range() {
    let app = TestApp::new().await;
    let m = app.market().await;
    let path = format!("/v1/customers/{}/subscriptions/{}", m.shared, m.sub1);
    let agent = m.user("provider_admin_agent").bearer();
    for delta in [
        json!(2_147_483_647_i64),
        json!(-2_147_483_648_i64),
        json!(2_147_483_648_i64),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(301),
    ] {
        let r = app
            .api(
                Method::PATCH,
                &path,
                &agent,
                Some(json!({ "quantityDelta": delta })),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{delta}: {}", r.text());
        assert_eq!(r.json()["code"], 2002, "{delta}");
        assert!(r.text().contains("between -300 and 300"), "{}", r.text());
    }
    let now = app.api(Method::GET, &path, &agent, None).await.json();
    assert_eq!(now["quantity"], 10);
}

/// Low: every CSV export defuses spreadsheet formulas (the incentives CSV did not).
#[tokio::test]
async fn csv_exports_never_carry_a_formula() {
    let app = TestApp::new().await;
    let m = app.market().await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"Fabrikam\")";
    let r = app
        .api(
            Method::PATCH,
            &format!("/v1/partners/{}", m.world.reseller),
            &m.user("operator_admin").bearer(),
            Some(json!({ "name": formula })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // And the provider's own name of the customer, which its activity log records.
    let billing = format!("/v1/customers/{}/profiles/billing", m.shared);
    let provider_api = m.user("provider_global_admin").bearer();
    let mut profile = app
        .api(Method::GET, &billing, &provider_api, None)
        .await
        .json();
    let etag = profile["attributes"]["etag"].as_str().unwrap().to_owned();
    profile["companyName"] = json!(formula);
    let r = app
        .api_with(
            Method::PUT,
            &billing,
            &provider_api,
            &[("if-match", etag.as_str())],
            Some(profile),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    app.clock.advance_hours(48);
    let (cookie, csrf) = app
        .sign_in(&m.user("provider_global_admin").email, PASSWORD)
        .await;
    let provider = Principal::Session { cookie, csrf };
    for path in ["/incentives.csv?month=2026-11", "/audit.csv"] {
        let csv = app.page(path, &provider).await;
        assert_eq!(csv.status, StatusCode::OK, "{path}");
        let text = csv.text();
        assert!(
            text.contains("HYPERLINK"),
            "{path}: the name is in the export: {text}"
        );
        for line in text.lines() {
            for field in line.split(',') {
                let f = field.trim_start_matches('"');
                assert!(
                    !f.starts_with(['=', '+', '@']),
                    "{path}: a field starts a formula: {field}"
                );
            }
        }
    }
}

/// Low: an idempotency key reused on another object is another request (422), not a replay
/// of the first object's result.
#[tokio::test]
async fn a_request_id_reused_on_another_object_is_refused() {
    let app = TestApp::new().await;
    let m = app.market().await;
    let agent = m.user("provider_admin_agent").bearer();
    let key = [("MS-RequestId", "one-key-for-two-things")];
    let first = app
        .api_with(
            Method::PATCH,
            &format!("/v1/customers/{}/subscriptions/{}", m.shared, m.sub1),
            &agent,
            &key,
            Some(json!({ "quantityDelta": 1 })),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let other = app
        .api_with(
            Method::PATCH,
            &format!("/v1/customers/{}/subscriptions/{}", m.orphan, m.sub3),
            &agent,
            &key,
            Some(json!({ "quantityDelta": 1 })),
        )
        .await;
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other.text()
    );
    let sub3 = app
        .api(
            Method::GET,
            &format!("/v1/customers/{}/subscriptions/{}", m.orphan, m.sub3),
            &agent,
            None,
        )
        .await
        .json();
    assert_eq!(sub3["quantity"], 15, "the second object was not changed");
}

/// Low: a relationship request for a customer the provider has no relationship with names
/// it by the domain the provider typed, never by its company name.
#[tokio::test]
async fn a_relationship_request_does_not_turn_a_domain_into_a_company_name() {
    let app = TestApp::new().await;
    let m = app.market().await;
    let stranger = m.user("provider2_global_admin");
    let r = app
        .api(
            Method::GET,
            "/v1/customers/relationshiprequests?customerDomain=fourthcoffee",
            &stranger.bearer(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(!r.text().contains("fourthcoffee GmbH"), "{}", r.text());
    let page = app
        .page("/customers/relationship-requests", &stranger.session())
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.text().contains("fourthcoffee GmbH"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("fourthcoffee.onmicrosoft.example"));
    // Its own customer it names as before.
    let own = app
        .api(
            Method::GET,
            "/v1/customers/relationshiprequests?customerDomain=fourthcoffee",
            &m.user("provider_admin_agent").bearer(),
            None,
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
}

/// Info: HSTS when the base URL is https, not otherwise.
#[tokio::test]
async fn hsts_is_sent_when_served_over_https() {
    let https = TestApp::with_web(
        CoreSettings::default(),
        WebSettings {
            base_url: "https://partners.example.com".to_owned(),
            ..WebSettings::default()
        },
    )
    .await;
    let r = https.page("/login", &Principal::Anonymous).await;
    assert_eq!(
        r.header("strict-transport-security").as_deref(),
        Some("max-age=31536000")
    );
    let plain = TestApp::new().await;
    let r = plain.page("/login", &Principal::Anonymous).await;
    assert_eq!(r.header("strict-transport-security"), None);
}

/// Info: `/metrics` behind a bearer token when one is configured.
#[tokio::test]
async fn metrics_need_the_configured_token() {
    let app = TestApp::with_web(
        CoreSettings::default(),
        WebSettings {
            metrics_token_sha256: Some(twotier_core::secrets::sha256_hex("scrape-me")),
            ..WebSettings::default()
        },
    )
    .await;
    for auth in [None, Some("Bearer wrong"), Some("scrape-me")] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
        let r = app
            .request(
                Method::GET,
                "/metrics",
                &Principal::Anonymous,
                &headers,
                axum::body::Body::empty(),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert!(!r.text().contains("twotier_"));
    }
    let r = app
        .request(
            Method::GET,
            "/metrics",
            &Principal::Anonymous,
            &[("authorization", "Bearer scrape-me")],
            axum::body::Body::empty(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("twotier_"));
}

/// Reads until the server closes the connection; `None` if it stays open for 10 s.
async fn closed_within_10s(stream: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut got)).await;
    read.ok().map(|_| got)
}

/// Low: a client that does not finish its headers, or leaves a connection idle, is cut off
/// after the header timeout; at most `max_connections` connections are open at once.
#[tokio::test]
async fn slow_and_idle_connections_are_closed_and_connections_are_capped() {
    let app = TestApp::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = twotier_web::server::ConnectionLimits {
        header_read_timeout: Duration::from_millis(300),
        request_body_timeout: Duration::from_millis(300),
        max_connections: 2,
    };
    tokio::spawn(twotier_web::server::serve(
        listener,
        app.router.clone(),
        limits,
        std::future::pending(),
    ));
    // A slow client: half a request line, then nothing.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // An idle client after one request on a kept-alive connection.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    // Both slots are taken: a third connection is closed at once, unanswered.
    let mut third = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _ = third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let refused = closed_within_10s(&mut third).await.expect("closed");
    assert!(refused.is_empty(), "{}", String::from_utf8_lossy(&refused));
    // The slow and the idle one are cut off by the timeout...
    assert!(
        closed_within_10s(&mut slow).await.is_some(),
        "slow client still connected"
    );
    assert!(
        closed_within_10s(&mut idle).await.is_some(),
        "idle client still connected"
    );
    // ...and then the server answers again.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// Info: turning two-factor sign-in off needs the password again.
#[tokio::test]
async fn turning_two_factor_off_needs_the_password() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let agent = world.user("provider_admin_agent");
    let secret = app.enrol_two_factor(agent).await;
    let (cookie, csrf) = app.sign_in(&agent.email, PASSWORD).await;
    let s = Principal::Session { cookie, csrf };
    let code = twotier_core::totp::code_at(&secret, app.svc.now().millis() / 30_000);
    let r = app
        .form(Method::POST, "/two-factor", &s, &[("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for password in ["", "not my password"] {
        let r = app
            .form(
                Method::POST,
                "/two-factor/disable",
                &s,
                &[("current_password", password)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{password:?}");
        assert!(r.text().contains("id=\"current_password-error\""));
    }
    let me = app
        .api(Method::GET, "/v1/me", &agent.bearer(), None)
        .await
        .json();
    assert_eq!(me["twoFactorEnabled"], true);
    let r = app
        .form(
            Method::POST,
            "/two-factor/disable",
            &s,
            &[("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let me = app
        .api(Method::GET, "/v1/me", &agent.bearer(), None)
        .await
        .json();
    assert_eq!(me["twoFactorEnabled"], false);
}
