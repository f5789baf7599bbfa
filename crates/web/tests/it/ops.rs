//! Health, readiness, metrics, the OpenAPI document, security headers.

use http::{Method, StatusCode};
use twotier_testkit::{Principal, TestApp};
use twotier_web::{Surface, route_table};

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::new().await;
    assert_eq!(
        app.page("/healthz", &Principal::Anonymous).await.status,
        StatusCode::OK
    );
    let ready = app.page("/readyz", &Principal::Anonymous).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json()["status"], "ready");
    app.svc.db.close().await;
    assert_eq!(
        app.page("/readyz", &Principal::Anonymous).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::new().await;
    app.page("/healthz", &Principal::Anonymous).await;
    app.api(Method::GET, "/v1/me", &Principal::Anonymous, None)
        .await;
    let m = app.page("/metrics", &Principal::Anonymous).await.text();
    assert!(
        m.contains(
            "twotier_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{m}"
    );
    assert!(m.contains("route=\"/v1/me\",status=\"401\""));
    assert!(m.contains("twotier_http_request_duration_seconds_bucket"));
    assert!(m.contains("twotier_db_pool_connections"));
    let counter = |name: &str| {
        m.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse::<u64>().ok())
    };
    let writes = counter("twotier_db_write_transactions_total").expect("write count");
    assert!(writes > 0, "{m}");
    match app.svc.db.backend() {
        twotier_core::store::Backend::Sqlite => {
            let batches = counter("twotier_db_write_batches_total").expect("batch count");
            assert!((1..=writes).contains(&batches), "{m}");
            assert!(counter("twotier_db_writes_waiting").is_some(), "{m}");
        }
        twotier_core::store::Backend::Postgres => {
            assert!(!m.contains("twotier_db_write_batches_total"), "{m}");
            assert!(!m.contains("twotier_db_writes_waiting"), "{m}");
        }
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_api_route() {
    let app = TestApp::new().await;
    let doc = app
        .page("/openapi.json", &Principal::Anonymous)
        .await
        .json();
    for spec in route_table()
        .into_iter()
        .filter(|s| s.surface == Surface::Api)
    {
        let op = &doc["paths"][spec.path][spec.method.as_str().to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} missing from the OpenAPI document",
            spec.method,
            spec.path
        );
    }
}

#[tokio::test]
async fn pages_carry_security_headers_and_responses_are_not_cached() {
    let app = TestApp::new().await;
    let r = app.page("/login", &Principal::Anonymous).await;
    assert!(
        r.header("content-security-policy")
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let api = app
        .api(Method::GET, "/healthz", &Principal::Anonymous, None)
        .await;
    assert_eq!(
        api.header("content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );
}

#[tokio::test]
async fn a_failure_inside_shows_only_internal_error_and_the_request_id() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let token = world.user("provider_sales_agent").bearer();
    app.svc.db.close().await;
    let r = app
        .api_with(
            Method::GET,
            "/v1/me",
            &token,
            &[("MS-RequestId", "trace-me-1")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    let body = r.json();
    assert_eq!(body["description"], "internal error");
    assert_eq!(body["data"][0], "request id trace-me-1");
    assert!(!r.text().to_lowercase().contains("pool") && !r.text().contains("sqlx"));
    let page = app
        .page(
            "/",
            &Principal::Session {
                cookie: "whatever".to_owned(),
                csrf: String::new(),
            },
        )
        .await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(page.text().contains("internal error (request id"));
}

#[tokio::test]
async fn a_tenant_over_its_budget_gets_429_and_others_do_not() {
    let mut app = TestApp::new().await;
    let world = app.world().await;
    let settings = twotier_web::WebSettings {
        tenant_requests_per_minute: 5,
        ..Default::default()
    };
    app.router = twotier_web::router(twotier_web::AppState::new(app.svc.clone(), settings));
    let provider = world.user("provider_sales_agent").bearer();
    for _ in 0..5 {
        assert_eq!(
            app.api(Method::GET, "/v1/me", &provider, None).await.status,
            StatusCode::OK
        );
    }
    let r = app.api(Method::GET, "/v1/me", &provider, None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Rate limit is exceeded")
    );
    // The provider's other users share its budget; another tenant has its own.
    assert_eq!(
        app.api(
            Method::GET,
            "/v1/me",
            &world.user("provider_global_admin").bearer(),
            None
        )
        .await
        .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        app.api(
            Method::GET,
            "/v1/me",
            &world.user("reseller_global_admin").bearer(),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    // Pages and health checks are not API calls.
    assert_eq!(
        app.page("/healthz", &Principal::Anonymous).await.status,
        StatusCode::OK
    );
}
