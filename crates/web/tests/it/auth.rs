//! Sign-in for people: passwords, temporary passwords, sessions, throttling, CSRF, two-factor.

use http::{Method, StatusCode};
use twotier_core::RequestMeta;
use twotier_core::users::{NewUserInput, UserPatch};
use twotier_domain::ids::UserId;
use twotier_testkit::{Principal, TestApp};

const NEW_PASSWORD: &str = "a brand new passphrase";

#[tokio::test]
async fn sign_in_opens_a_session_and_sign_out_ends_it() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let home = app.page("/", &admin.session()).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("Welcome"));
    let out = app
        .form(Method::POST, "/logout", &admin.session(), &[])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = app.page("/", &admin.session()).await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "the cookie of an ended session must not work"
    );
    assert_eq!(after.header("location").as_deref(), Some("/login"));
}

#[tokio::test]
async fn session_cookies_are_httponly_lax_and_rotated() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let r = app
        .form(
            Method::POST,
            "/login",
            &admin.session(),
            &[
                ("email", &admin.email),
                ("password", twotier_testkit::app::PASSWORD),
            ],
        )
        .await;
    let cookie = r.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http must not set Secure");
    let new = r.session_cookie().unwrap();
    assert_ne!(new, admin.cookie, "a sign-in issues a new session id");
    assert_eq!(
        app.page("/", &admin.session()).await.status,
        StatusCode::SEE_OTHER,
        "the old session ends at sign-in"
    );
}

#[tokio::test]
async fn a_failed_sign_in_says_the_same_for_unknown_and_known_accounts() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let known = app
        .form(
            Method::POST,
            "/login",
            &Principal::Anonymous,
            &[
                ("email", &world.user("provider_sales_agent").email),
                ("password", "wrong password!!"),
            ],
        )
        .await;
    let unknown = app.login("nobody@nowhere.test", "wrong password!!").await;
    assert_eq!(known.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let message = "The email or password is wrong, or the account is disabled.";
    assert!(known.text().contains(message) && unknown.text().contains(message));
    assert!(known.session_cookie().is_none());
}

#[tokio::test]
async fn an_account_locks_after_repeated_failures_and_unlocks_later() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let email = world.user("provider_helpdesk_agent").email.clone();
    for _ in 0..5 {
        let r = app.login(&email, "not the password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let locked = app.login(&email, twotier_testkit::app::PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password is refused while locked"
    );
    assert!(locked.text().contains("Too many failed sign-ins"));
    app.clock.advance_millis(16 * 60 * 1000);
    let ok = app.login(&email, twotier_testkit::app::PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn unknown_accounts_are_throttled_like_known_ones() {
    let app = TestApp::new().await;
    for _ in 0..5 {
        app.login("ghost@nowhere.test", "guess guess guess").await;
    }
    let r = app.login("ghost@nowhere.test", "guess guess guess").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

/// A user created by an admin gets a temporary password shown once; it forces a change,
/// then stops working.
#[tokio::test]
async fn temporary_password_is_shown_once_forces_a_change_and_dies_after_it() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let created = app
        .form(
            Method::POST,
            "/users",
            &admin.session(),
            &[("email", "newbie@contoso.test"), ("roles", "sales_agent")],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text());
    let html = created.text();
    let temp = created.shown_secret();
    assert_eq!(temp.chars().count(), 20);
    assert!(html.contains("will not be shown again"));
    // No later page shows it.
    let users_page = app.page("/users", &admin.session()).await.text();
    assert!(!users_page.contains(&temp));

    let r = app.login("newbie@contoso.test", &temp).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r.session_cookie().unwrap();
    let session = twotier_core::auth::resolve_session(&app.svc, &cookie)
        .await
        .unwrap()
        .unwrap();
    let newbie = Principal::Session {
        cookie,
        csrf: session.csrf_token,
    };
    // Every page sends the user to the password change first; the session has no roles yet.
    let home = app.page("/", &newbie).await;
    assert_eq!(home.header("location").as_deref(), Some("/password"));
    assert!(session.actor.roles.is_empty());
    let weak = app
        .form(
            Method::POST,
            "/password",
            &newbie,
            &[
                ("current_password", &temp),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text().contains("at least 12 characters"));
    let changed = app
        .form(
            Method::POST,
            "/password",
            &newbie,
            &[
                ("current_password", &temp),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.text());
    assert_eq!(app.page("/", &newbie).await.status, StatusCode::OK);
    let again = app.login("newbie@contoso.test", &temp).await;
    assert_eq!(
        again.status,
        StatusCode::UNAUTHORIZED,
        "the temporary password must be useless after the change"
    );
    let fine = app.login("newbie@contoso.test", NEW_PASSWORD).await;
    assert_eq!(fine.status, StatusCode::SEE_OTHER);
    // The secret is nowhere at rest: not in the audit log, not in the idempotency table.
    for r in app.audit_records().await {
        assert!(!format!("{r:?}").contains(&temp));
    }
}

#[tokio::test]
async fn temporary_password_expires_after_72_hours() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let created = twotier_core::users::create(
        &app.svc,
        &app.cli(&world.operator),
        &RequestMeta::default(),
        &world.provider,
        &NewUserInput {
            email: "late@contoso.test".to_owned(),
            display_name: String::new(),
            roles: vec!["sales_agent".to_owned()],
        },
    )
    .await
    .unwrap();
    let temp = created.temporary_password.unwrap();
    app.clock.advance_hours(72);
    let r = app.login("late@contoso.test", &temp).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "an expired temporary password must not sign in"
    );
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_tokens_at_once() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let victim = world.user("provider_sales_agent");
    assert_eq!(
        app.page("/", &victim.session()).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.api(Method::GET, "/v1/me", &victim.bearer(), None)
            .await
            .status,
        StatusCode::OK
    );
    let admin = world.user("provider_global_admin");
    let r = app
        .form(
            Method::POST,
            &format!("/users/{}", victim.user_id),
            &admin.session(),
            &[("action", "disable")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        app.page("/", &victim.session()).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.api(Method::GET, "/v1/me", &victim.bearer(), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let login = app
        .login(&victim.email, twotier_testkit::app::PASSWORD)
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_role_change_ends_sessions_and_tokens_act_with_the_new_roles() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let agent = world.user("provider_admin_agent");
    assert_eq!(
        app.page("/audit", &agent.session()).await.status,
        StatusCode::OK
    );
    let patch = UserPatch {
        roles: Some(vec!["helpdesk_agent".to_owned()]),
        ..UserPatch::default()
    };
    let admin = world.user("provider_global_admin");
    twotier_core::users::update(
        &app.svc,
        &app.svc_actor(admin).await,
        &RequestMeta::default(),
        &world.provider,
        &UserId::parse(agent.user_id.as_str()).unwrap(),
        &patch,
    )
    .await
    .unwrap();
    assert_eq!(
        app.page("/audit", &agent.session()).await.status,
        StatusCode::SEE_OTHER,
        "the session ended"
    );
    let r = app
        .api(Method::GET, "/v1/auditrecords", &agent.bearer(), None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "the token acts with the new roles at once"
    );
}

#[tokio::test]
async fn the_last_global_admin_cannot_lose_the_role_or_disable_themselves() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    // The enrolment created a first Global admin too; disable them so `admin` is the last.
    let users = app
        .api(Method::GET, "/v1/users", &admin.bearer(), None)
        .await
        .json();
    let founder = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"].as_str().unwrap().starts_with("founder@"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .api(
            Method::PATCH,
            &format!("/v1/users/{founder}"),
            &admin.bearer(),
            Some(serde_json::json!({ "disabled": true })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .api(
            Method::PATCH,
            &format!("/v1/users/{}", admin.user_id),
            &admin.bearer(),
            Some(serde_json::json!({ "roles": ["sales_agent"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.json()["description"]
            .as_str()
            .unwrap()
            .contains("last enabled Global admin")
    );
    let r = app
        .api(
            Method::PATCH,
            &format!("/v1/users/{}", admin.user_id),
            &admin.bearer(),
            Some(serde_json::json!({ "disabled": true })),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn forms_without_the_session_token_or_from_other_sites_are_refused() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let Principal::Session { cookie, .. } = admin.session() else {
        unreachable!()
    };
    let forged = Principal::Session {
        cookie,
        csrf: "not-the-token".to_owned(),
    };
    let r = app
        .form(
            Method::POST,
            "/users",
            &forged,
            &[("email", "evil@contoso.test"), ("roles", "global_admin")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .request(
            Method::POST,
            "/users",
            &admin.session(),
            &[("sec-fetch-site", "cross-site")],
            axum::body::Body::from(format!(
                "email=evil2%40contoso.test&roles=global_admin&_csrf={}",
                admin.csrf
            )),
            Some("application/x-www-form-urlencoded"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let users = app
        .api(Method::GET, "/v1/users", &admin.bearer(), None)
        .await
        .text();
    assert!(!users.contains("evil"), "nothing was created");
}

#[tokio::test]
async fn two_factor_enrolment_and_a_policy_that_requires_it() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let agent = world.user("provider_admin_agent");
    // The admin requires two-factor for the organisation.
    let r = app
        .form(
            Method::POST,
            "/security",
            &admin.session(),
            &[("require_two_factor", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The agent must now enrol before anything else.
    let home = app.page("/", &agent.session()).await;
    assert_eq!(
        home.header("location").as_deref(),
        Some("/two-factor/setup")
    );
    let setup = app.page("/two-factor/setup", &agent.session()).await;
    assert_eq!(setup.status, StatusCode::OK);
    let page = setup.text();
    assert!(page.contains("<svg"), "the QR code is an inline SVG");
    let secret = page
        .split("<code class=\"secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    let raw = twotier_core::totp::base32_decode(&secret).unwrap();
    let step = app.svc.now().millis() / 30_000;
    let wrong = app
        .form(
            Method::POST,
            "/two-factor/setup",
            &agent.session(),
            &[("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = twotier_core::totp::code_at(&raw, step);
    let ok = app
        .form(
            Method::POST,
            "/two-factor/setup",
            &agent.session(),
            &[("code", &code)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(app.page("/", &agent.session()).await.status, StatusCode::OK);

    // Next sign-in asks for a code; a used code cannot be replayed.
    let (cookie, csrf) = app
        .sign_in(&agent.email, twotier_testkit::app::PASSWORD)
        .await;
    let fresh = Principal::Session { cookie, csrf };
    assert_eq!(
        app.page("/", &fresh).await.header("location").as_deref(),
        Some("/two-factor")
    );
    let replay = app
        .form(Method::POST, "/two-factor", &fresh, &[("code", &code)])
        .await;
    assert_eq!(
        replay.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code works once"
    );
    app.clock.advance_millis(30_000);
    let next = twotier_core::totp::code_at(&raw, step + 1);
    let ok = app
        .form(Method::POST, "/two-factor", &fresh, &[("code", &next)])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(app.page("/", &fresh).await.status, StatusCode::OK);
}

#[tokio::test]
async fn sessions_expire_when_idle() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let user = world.user("provider_sales_agent");
    app.clock.advance_hours(9);
    assert_eq!(
        app.page("/", &user.session()).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_client_address_is_throttled_after_many_failures() {
    let settings = twotier_core::CoreSettings {
        address_failure_limit: 3,
        ..twotier_core::CoreSettings::default()
    };
    let app = TestApp::with_settings(settings).await;
    for i in 0..3 {
        let email = format!("guess{i}@nowhere.test");
        let r = app.login(&email, "wrong wrong wrong").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = app
        .login("someone-else@nowhere.test", "wrong wrong wrong")
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "different accounts from one address are throttled together"
    );
}

#[tokio::test]
async fn cookies_are_secure_when_served_over_https() {
    let mut app = TestApp::new().await;
    let world = app.world().await;
    let state = twotier_web::AppState::new(
        app.svc.clone(),
        twotier_web::WebSettings {
            base_url: "https://partners.example".to_owned(),
            ..Default::default()
        },
    );
    app.router = twotier_web::router(state);
    let admin = world.user("provider_global_admin");
    let r = app
        .login(&admin.email, twotier_testkit::app::PASSWORD)
        .await;
    assert!(r.header("set-cookie").unwrap().contains("; Secure"));
}
