//! Sign-in for programs: personal API tokens and API apps with client credentials.

use http::{Method, StatusCode};
use serde_json::json;
use twotier_testkit::{Principal, TestApp};

#[tokio::test]
async fn personal_tokens_are_shown_once_listed_and_revocable() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_admin_agent");
    let r = app
        .api(
            Method::POST,
            "/v1/tokens",
            &admin.bearer(),
            Some(json!({ "Name": "ci", "ExpiresDays": 7 })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let body = r.json();
    let token = body["token"].as_str().unwrap().to_owned();
    let id = body["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with("ttp_") && token.len() > 40);
    let list = app
        .api(
            Method::GET,
            "/v1/tokens",
            &Principal::Bearer(token.clone()),
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        !list.text().contains(&token),
        "a listing never shows a secret"
    );
    assert!(list.text().contains("\"ci\""));
    // Stored only as a hash.
    let mut c = app.svc.db.read().await.unwrap();
    let stored =
        twotier_store::api_tokens::list_for_user(&mut c.conn(), &world.provider, &admin.user_id)
            .await
            .unwrap();
    assert!(
        stored
            .iter()
            .all(|t| t.token_hash != token && t.token_hash.len() == 64)
    );
    drop(c);
    let revoke = app
        .api(
            Method::DELETE,
            &format!("/v1/tokens/{id}"),
            &admin.bearer(),
            None,
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT);
    let after = app
        .api(Method::GET, "/v1/me", &Principal::Bearer(token), None)
        .await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "a revoked token stops working on its next request"
    );
    assert_eq!(after.json()["code"], 400);
}

#[tokio::test]
async fn tokens_expire_and_bounds_are_checked() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let user = world.user("provider_sales_agent");
    let r = app
        .api(
            Method::POST,
            "/v1/tokens",
            &user.bearer(),
            Some(json!({ "name": "short", "expiresDays": 1 })),
        )
        .await;
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let bad = app
        .api(
            Method::POST,
            "/v1/tokens",
            &user.bearer(),
            Some(json!({ "name": "long", "expiresDays": 5000 })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["code"], 3000);
    assert_eq!(
        app.api(
            Method::GET,
            "/v1/me",
            &Principal::Bearer(token.clone()),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    app.clock.advance_hours(25);
    assert_eq!(
        app.api(Method::GET, "/v1/me", &Principal::Bearer(token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_ui_creates_and_revokes_tokens() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let user = world.user("provider_billing_admin");
    let r = app
        .form(
            Method::POST,
            "/account/tokens",
            &user.session(),
            &[("name", "laptop"), ("expires_days", "30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let token = r.shown_secret();
    assert!(token.starts_with("ttp_"));
    let account = app.page("/account", &user.session()).await.text();
    assert!(account.contains("laptop") && !account.contains(&token));
    let id = app
        .api(
            Method::GET,
            "/v1/tokens",
            &Principal::Bearer(token.clone()),
            None,
        )
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "laptop")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Revoke sent twice from the same page (a double click, Back and send again): the second
    // shows the same success instead of "not found".
    let key = app.page("/account", &user.session()).await.request_key();
    assert!(!key.is_empty());
    for _ in 0..2 {
        let r = app
            .form(
                Method::POST,
                &format!("/account/tokens/{id}/revoke"),
                &user.session(),
                &[("request_key", &key)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(
            r.header("location").as_deref(),
            Some("/account?done=token-revoked")
        );
    }
    // Without the page's key a second revoke is refused: the token is gone.
    let again = app
        .form(
            Method::POST,
            &format!("/account/tokens/{id}/revoke"),
            &user.session(),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api(Method::GET, "/v1/me", &Principal::Bearer(token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let bad = app
        .form(
            Method::POST,
            "/account/tokens",
            &user.session(),
            &[("name", "x"), ("expires_days", "soon")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("enter a number of days"));
}

#[tokio::test]
async fn apps_get_tokens_by_client_credentials_and_act_with_their_roles() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let r = app
        .api(
            Method::POST,
            "/v1/apps",
            &admin.bearer(),
            Some(json!({ "name": "Billing sync", "roles": ["billing_admin"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    let client_id = created["clientId"].as_str().unwrap().to_owned();
    let secret = created["clientSecret"].as_str().unwrap().to_owned();
    let app_id = created["id"].as_str().unwrap().to_owned();
    let listed = app
        .api(Method::GET, "/v1/apps", &admin.bearer(), None)
        .await
        .text();
    assert!(listed.contains(&client_id) && !listed.contains(&secret));

    let form = |id: &str, s: &str| {
        format!("grant_type=client_credentials&client_id={id}&client_secret={s}")
    };
    let token_req = |body: String| async {
        app.request(
            Method::POST,
            "/oauth2/token",
            &Principal::Anonymous,
            &[],
            axum::body::Body::from(body),
            Some("application/x-www-form-urlencoded"),
        )
        .await
    };
    let wrong = token_req(form(&client_id, "nope")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json()["error"], "invalid_client");
    let grant = token_req("grant_type=password&username=a&password=b".to_owned()).await;
    assert_eq!(grant.json()["error"], "unsupported_grant_type");
    let ok = token_req(form(&client_id, &secret)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    let access = ok.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(ok.json()["token_type"], "Bearer");
    let bearer = Principal::Bearer(access);
    assert_eq!(
        app.api(Method::GET, "/v1/auditrecords", &bearer, None)
            .await
            .status,
        StatusCode::OK,
        "billing admin may read the audit log"
    );
    assert_eq!(
        app.api(Method::GET, "/v1/users", &bearer, None)
            .await
            .status,
        StatusCode::FORBIDDEN,
        "but not manage users"
    );
    // Disabling the app revokes its tokens.
    assert_eq!(
        app.api(
            Method::DELETE,
            &format!("/v1/apps/{app_id}"),
            &admin.bearer(),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.api(Method::GET, "/v1/auditrecords", &bearer, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        token_req(form(&client_id, &secret)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn app_roles_must_fit_the_tenant() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let r = app
        .api(
            Method::POST,
            "/v1/apps",
            &admin.bearer(),
            Some(json!({ "name": "Sneaky", "roles": ["operator_admin"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .api(
            Method::POST,
            "/v1/apps",
            &admin.bearer(),
            Some(json!({ "name": "Nothing" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// A bearer token is remembered for a moment (`auth::PrincipalCache`), so a busy client does
/// not read its token, user and roles on every request. Any write this process commits ends
/// that at once, and a change made by another process is seen within the cache's TTL.
#[tokio::test]
async fn a_remembered_token_still_follows_role_changes_disabling_revocation_and_expiry() {
    let owned = TestApp::new().await;
    // Borrowed, so the helpers below can all use it.
    let app = &owned;
    let world = app.world().await;
    let boss = world.user("provider_global_admin");
    let target = world.user("provider_admin_agent");
    let me = |token: &str| {
        let principal = Principal::Bearer(token.to_owned());
        async move { app.api(Method::GET, "/v1/me", &principal, None).await }
    };
    // A new token of the target's, used twice: the first use records it, the second is
    // answered from memory.
    let remembered_token = |days: i64, with: String| async move {
        let r = app
            .api(
                Method::POST,
                "/v1/tokens",
                &Principal::Bearer(with),
                Some(json!({ "name": "cached", "expiresDays": days })),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let (token, id) = (
            r.json()["token"].as_str().unwrap().to_owned(),
            r.json()["id"].as_str().unwrap().to_owned(),
        );
        for _ in 0..2 {
            assert_eq!(me(&token).await.status, StatusCode::OK);
        }
        assert!(app.svc.principals.remembers(&token), "remembered after use");
        (token, id)
    };
    let patch_target = |body: serde_json::Value| async move {
        let r = app
            .api(
                Method::PATCH,
                &format!("/v1/users/{}", target.user_id),
                &boss.bearer(),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    };

    let (token, _) = remembered_token(7, target.token.clone()).await;
    patch_target(json!({ "roles": ["billing_admin"] })).await;
    assert_eq!(me(&token).await.json()["roles"], json!(["billing_admin"]));
    assert!(app.svc.principals.remembers(&token));
    patch_target(json!({ "disabled": true })).await;
    assert_eq!(me(&token).await.status, StatusCode::UNAUTHORIZED);
    patch_target(json!({ "disabled": false, "roles": ["admin_agent"] })).await;
    // Disabling revoked the user's tokens: enabling it again does not bring them back.
    assert_eq!(me(&token).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&target.token).await.status, StatusCode::UNAUTHORIZED);
    let fresh = twotier_core::tokens::create(
        &app.svc,
        &app.cli(&world.operator),
        &twotier_core::RequestMeta::default(),
        &twotier_core::tokens::Owner::Email {
            email: target.email.clone(),
            tenant: None,
        },
        &twotier_core::tokens::NewTokenInput {
            name: "again".to_owned(),
            expires_days: Some(30),
        },
    )
    .await
    .unwrap()
    .secret
    .unwrap();

    let (token, id) = remembered_token(7, fresh.clone()).await;
    let revoked = app
        .api(
            Method::DELETE,
            &format!("/v1/tokens/{id}"),
            &Principal::Bearer(fresh.clone()),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(me(&token).await.status, StatusCode::UNAUTHORIZED);

    // Another process (a second set of services on the same database) revokes a token:
    // this one sees it once its entry is older than the TTL.
    let (token, id) = remembered_token(7, fresh.clone()).await;
    let other = twotier_core::Services::new(
        app.db.connect().await,
        std::sync::Arc::new(app.clock.clone()),
        twotier_core::CoreSettings::default(),
    )
    .await
    .unwrap();
    let actor = twotier_core::auth::resolve_bearer(&app.svc, &fresh)
        .await
        .unwrap()
        .unwrap();
    twotier_core::tokens::revoke(
        &other,
        &actor,
        &twotier_core::RequestMeta::default(),
        &twotier_core::domain::ids::TokenId::from_stored(id),
    )
    .await
    .unwrap();
    tokio::time::sleep(
        twotier_core::auth::PRINCIPAL_CACHE_TTL + std::time::Duration::from_millis(50),
    )
    .await;
    assert_eq!(me(&token).await.status, StatusCode::UNAUTHORIZED);

    // Expiry, on the clock tokens are checked against.
    let (token, _) = remembered_token(1, fresh).await;
    app.clock.advance_hours(25);
    assert_eq!(me(&token).await.status, StatusCode::UNAUTHORIZED);
}

/// A token made in the UI is shown through a redirect to a one-time page: the POST answers
/// 303 (so Back and refresh post nothing), the page shows it once, a refresh and another
/// session of the same user see "shown once", and the database never holds it readable.
#[tokio::test]
async fn a_new_token_is_shown_once_through_a_redirect() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let user = world.user("provider_billing_admin");
    let session = user.session();
    let new_token = |name: &'static str| {
        let (app, session) = (&app, &session);
        async move {
            app.form_unfollowed(
                Method::POST,
                "/account/tokens",
                session,
                &[("name", name), ("expires_days", "30")],
            )
            .await
        }
    };
    let posted = new_token("build server").await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text());
    let page = posted.header("location").expect("location");
    assert!(page.starts_with("/shown-once/"), "{page}");
    assert!(!posted.text().contains("ttp_"));

    // Another session of the same person cannot take it, and leaves it in place.
    let (cookie, csrf) = app
        .sign_in(&user.email, twotier_testkit::app::PASSWORD)
        .await;
    let other = Principal::Session { cookie, csrf };
    let elsewhere = app.page(&page, &other).await;
    assert_eq!(elsewhere.status, StatusCode::OK);
    assert!(elsewhere.text().contains("shown once") && elsewhere.shown_secret().is_empty());

    let shown = app.page(&page, &user.session()).await;
    assert_eq!(shown.status, StatusCode::OK);
    let token = shown.shown_secret();
    assert!(token.starts_with("ttp_"), "{}", shown.text());
    assert_eq!(shown.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        app.api(
            Method::GET,
            "/v1/me",
            &Principal::Bearer(token.clone()),
            None
        )
        .await
        .status,
        StatusCode::OK
    );

    let again = app.page(&page, &user.session()).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.shown_secret().is_empty() && !again.text().contains(&token));
    assert!(again.text().contains("shown once"));

    // A secret nobody opens in ten minutes is gone.
    let waiting = new_token("later").await;
    let late = waiting.header("location").expect("location");
    app.clock.advance_millis(11 * 60_000);
    let stale = app.page(&late, &user.session()).await;
    assert!(stale.shown_secret().is_empty() && stale.text().contains("shown once"));
}
