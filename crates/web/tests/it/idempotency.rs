//! `MS-RequestId` / `Idempotency-Key`: a repeated request returns the first result and does
//! nothing again; another body is 422; keys are scoped to tenant and principal.

use std::future::Future;

use http::{Method, StatusCode};
use serde_json::json;
use twotier_testkit::TestApp;

#[tokio::test]
async fn a_repeated_request_id_replays_without_doing_it_again() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let body = json!({ "email": "once@contoso.test", "roles": ["admin_agent"] });
    let headers = [("MS-RequestId", "7f6b5c1e-0000-4000-8000-000000000001")];
    let first = app
        .api_with(
            Method::POST,
            "/v1/users",
            &admin.bearer(),
            &headers,
            Some(body.clone()),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let password = first.json()["temporaryPassword"]
        .as_str()
        .unwrap()
        .to_owned();
    let audit_before = app.audit_records().await.len();
    let second = app
        .api_with(
            Method::POST,
            "/v1/users",
            &admin.bearer(),
            &headers,
            Some(body.clone()),
        )
        .await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(second.json()["id"], first.json()["id"]);
    assert_eq!(
        second.json()["temporaryPassword"],
        serde_json::Value::Null,
        "a secret is never replayed"
    );
    assert_eq!(second.json()["credential"], "already_issued");
    assert_eq!(second.header("ms-requestid").as_deref(), Some(headers[0].1));
    assert_eq!(
        app.audit_records().await.len(),
        audit_before,
        "the replay changed nothing"
    );
    let users = app
        .api(Method::GET, "/v1/users", &admin.bearer(), None)
        .await
        .json();
    let count = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["email"] == "once@contoso.test")
        .count();
    assert_eq!(count, 1);
    // The stored response does not hold the password.
    let mut c = app.svc.db.read().await.unwrap();
    for stored in twotier_store::idempotency::all_responses(&mut c.conn())
        .await
        .unwrap()
    {
        assert!(!stored.contains(&password));
    }
    // The same key with another body is refused.
    let other = app
        .api_with(
            Method::POST,
            "/v1/users",
            &admin.bearer(),
            &headers,
            Some(json!({ "email": "twice@contoso.test" })),
        )
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Case of property names does not change the request.
    let pascal = app
        .api_with(
            Method::POST,
            "/v1/users",
            &admin.bearer(),
            &headers,
            Some(json!({ "Email": "once@contoso.test", "Roles": ["admin_agent"] })),
        )
        .await;
    assert_eq!(pascal.status, StatusCode::CREATED);
}

#[tokio::test]
async fn keys_are_scoped_to_the_tenant_and_principal() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let provider = world.user("provider_global_admin");
    let reseller = world.user("reseller_global_admin");
    let key = [("Idempotency-Key", "shared-key-1")];
    let a = app
        .api_with(
            Method::POST,
            "/v1/users",
            &provider.bearer(),
            &key,
            Some(json!({ "email": "a@contoso.test", "roles": ["sales_agent"] })),
        )
        .await;
    let b = app
        .api_with(
            Method::POST,
            "/v1/users",
            &reseller.bearer(),
            &key,
            Some(json!({ "email": "a@contoso.test", "roles": ["sales_agent"] })),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    // Not a replay of the provider's result: the reseller's own request ran and made a user
    // of its own (an address is unique inside a tenant only).
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.text());
    assert_ne!(b.json()["id"], a.json()["id"]);
    assert_eq!(b.json()["tenantId"], reseller.tenant_id.to_string());
}

#[tokio::test]
async fn a_failed_request_does_not_burn_its_key() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let key = [("MS-RequestId", "retry-me")];
    let bad = app
        .api_with(
            Method::POST,
            "/v1/users",
            &admin.bearer(),
            &key,
            Some(json!({ "email": "not-an-email", "roles": ["sales_agent"] })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let fixed = app
        .api_with(
            Method::POST,
            "/v1/users",
            &admin.bearer(),
            &key,
            Some(json!({ "email": "not-an-email", "roles": ["sales_agent"] })),
        )
        .await;
    assert_eq!(
        fixed.status,
        StatusCode::BAD_REQUEST,
        "validation failures are not stored, so the same request fails the same way"
    );
}

#[tokio::test]
async fn concurrent_duplicates_create_one_user() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let body = json!({ "email": "race@contoso.test", "roles": ["sales_agent"] });
    let key = [("MS-RequestId", "race-1")];
    let bearer = admin.bearer();
    let calls =
        (0..8).map(|_| app.api_with(Method::POST, "/v1/users", &bearer, &key, Some(body.clone())));
    let results = futures_join_all(calls).await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .map(|r| r.json()["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "{:?}",
        results
            .iter()
            .map(|r| (r.status, r.text()))
            .collect::<Vec<_>>()
    );
    assert!(
        results
            .iter()
            .all(|r| r.status == StatusCode::CREATED || r.status == StatusCode::CONFLICT)
    );
}

async fn futures_join_all<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    let handles: Vec<_> = futures.collect();
    // Poll them together: a local join without an extra dependency.
    let mut pinned: Vec<_> = handles.into_iter().map(Box::pin).collect();
    let mut results: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if results[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => results[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.extend(results.into_iter().map(Option::unwrap));
    out
}
