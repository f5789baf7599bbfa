//! Sign-in hardening: the password step before the second factor, the back-off per
//! sign-in name (shared by known and unknown names, forgotten when a lock ends), wrong codes
//! counted in the database, client addresses behind trusted proxies, the password policy,
//! addresses unique inside a tenant only, and the life of API tokens.

use http::{Method, StatusCode};
use serde_json::json;
use twotier_core::CoreSettings;
use twotier_testkit::app::PASSWORD;
use twotier_testkit::{Principal, TestApp, TestUser};
use twotier_web::WebSettings;

const MESSAGE: &str = "The email or password is wrong, or the account is disabled.";
const LOCKED: &str = "Too many failed sign-ins";

/// A signed-in session as a browser holds it, with its form token.
async fn session(app: &TestApp, email: &str) -> Principal {
    let (cookie, csrf) = app.sign_in(email, PASSWORD).await;
    Principal::Session { cookie, csrf }
}

/// With the second factor still to come, the password page sends the person to it, and a
/// posted password change is refused: a stolen password alone changes nothing.
#[tokio::test]
async fn the_password_cannot_change_before_the_second_factor() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let agent = world.user("provider_admin_agent");
    app.enrol_two_factor(agent).await;
    let pending = session(&app, &agent.email).await;
    let form = app.page("/password", &pending).await;
    assert_eq!(form.status, StatusCode::SEE_OTHER);
    assert_eq!(form.header("location").as_deref(), Some("/two-factor"));
    let r = app
        .form(
            Method::POST,
            "/password",
            &pending,
            &[
                ("current_password", PASSWORD),
                ("new_password", "a thief's new passphrase"),
                ("confirm_password", "a thief's new passphrase"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location").as_deref(), Some("/two-factor"));
    // The old password still works, and the owner's other sessions were not ended.
    assert_eq!(
        app.login(&agent.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.api(Method::GET, "/v1/me", &agent.bearer(), None)
            .await
            .status,
        StatusCode::OK
    );
}

/// When a lock ends, the count starts again: one failure does not lock the account
/// again; repeated locks grow (one minute, then two); unknown names behave the same.
#[tokio::test]
async fn a_lock_that_ended_starts_a_fresh_count_and_locks_grow() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let known = world.user("provider_helpdesk_agent").email.clone();
    let unknown = "nobody@nowhere.test".to_owned();
    for name in [&known, &unknown] {
        for _ in 0..5 {
            let r = app.login(name, "not the password").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name}");
            assert!(r.text().contains(MESSAGE));
        }
        let r = app.login(name, PASSWORD).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{name}");
        assert!(r.text().contains(LOCKED));
    }
    // After the lock (old code: 15 minutes), one more failure must not lock again.
    app.clock.advance_millis(16 * 60 * 1000);
    assert_eq!(
        app.login(&known, "one more typo").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&known, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.login(&unknown, "one more typo").await.status,
        StatusCode::UNAUTHORIZED
    );
    // The sign-in cleared the known name; the unknown one locks again sooner and longer.
    for _ in 0..4 {
        app.login(&unknown, "guess").await;
    }
    assert_eq!(
        app.login(&unknown, "guess").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance_millis(61 * 1000);
    assert_eq!(
        app.login(&unknown, "guess").await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the second lock in a row lasts two minutes"
    );
    app.clock.advance_millis(60 * 1000);
    assert_eq!(
        app.login(&unknown, "guess").await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Every sign-in costs one argon2 run whatever the account is:
/// unknown, known, locked, disabled, with a temporary password only, or an address used in
/// two organisations.
#[tokio::test]
async fn every_failed_sign_in_does_the_same_work() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    // A second organisation's user with an address the first uses.
    let r = app
        .api(
            Method::POST,
            "/v1/users",
            &world.user("reseller_global_admin").bearer(),
            Some(json!({ "email": world.user("provider_sales_agent").email, "roles": ["sales_agent"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let temporary = app
        .api(
            Method::POST,
            "/v1/users",
            &admin.bearer(),
            Some(json!({ "email": "fresh@contoso.test", "roles": ["sales_agent"] })),
        )
        .await;
    assert_eq!(temporary.status, StatusCode::CREATED);
    let disabled = world.user("provider_billing_admin");
    let r = app
        .api(
            Method::PATCH,
            &format!("/v1/users/{}", disabled.user_id),
            &admin.bearer(),
            Some(json!({ "disabled": true })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let locked = world.user("provider_helpdesk_agent").email.clone();
    for _ in 0..5 {
        app.login(&locked, "wrong wrong wrong").await;
    }
    for name in [
        "nobody@nowhere.test".to_owned(),
        world.user("provider_admin_agent").email.clone(),
        locked.clone(),
        disabled.email.clone(),
        "fresh@contoso.test".to_owned(),
        world.user("provider_sales_agent").email.clone(),
    ] {
        let before = app.svc.passwords.runs();
        let r = app.login(&name, "wrong wrong wrong").await;
        assert_eq!(app.svc.passwords.runs() - before, 1, "{name}");
        assert!(r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::TOO_MANY_REQUESTS);
        if r.status == StatusCode::UNAUTHORIZED {
            assert!(r.text().contains(MESSAGE), "{name}");
        }
    }
    // A disabled account with its right password gets the same answer as a wrong one.
    let r = app.login(&disabled.email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains(MESSAGE));
}

/// Behind a configured reverse proxy each client's own address is throttled, never the
/// proxy's, and a client cannot claim another address by sending the header itself.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_throttled_on_its_own() {
    let core = CoreSettings {
        address_failure_limit: 3,
        ..CoreSettings::default()
    };
    let web = WebSettings {
        trusted_proxies: vec!["10.0.0.0/24".parse().unwrap()],
        ..WebSettings::default()
    };
    let app = TestApp::with_web(core.clone(), web).await;
    let proxy = "10.0.0.1";
    let via = |client: &'static str| [("x-forwarded-for", client)];
    for i in 0..3 {
        let r = app
            .login_from(
                proxy,
                &via("198.51.100.1"),
                &format!("a{i}@nowhere.test"),
                "wrong",
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = app
        .login_from(proxy, &via("198.51.100.1"), "a9@nowhere.test", "wrong")
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the failing client is throttled"
    );
    let r = app
        .login_from(proxy, &via("198.51.100.2"), "b@nowhere.test", "wrong")
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "another client behind the proxy is not"
    );
    // A client talking to us directly cannot borrow another's address.
    let r = app
        .login_from(
            "203.0.113.5",
            &via("198.51.100.1"),
            "c@nowhere.test",
            "wrong",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // Without the setting the proxy is the client: everyone behind it shares its address.
    let plain = TestApp::with_settings(core).await;
    for i in 0..3 {
        plain
            .login_from(
                proxy,
                &via("198.51.100.1"),
                &format!("a{i}@nowhere.test"),
                "wrong",
            )
            .await;
    }
    let r = plain
        .login_from(proxy, &via("198.51.100.2"), "b@nowhere.test", "wrong")
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

/// Low: wrong second-factor codes are counted in the database per account; a round of them
/// ends the session (the password is asked again) and locks the sign-in name for a back-off
/// that grows, so guessing codes for a year gets nowhere. The right code clears the count.
#[tokio::test]
async fn wrong_codes_end_the_session_and_lock_the_name() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let agent = world.user("provider_admin_agent");
    let secret = app.enrol_two_factor(agent).await;
    let pending = session(&app, &agent.email).await;
    for i in 0..4 {
        let r = app
            .form(Method::POST, "/two-factor", &pending, &[("code", "000000")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "code {i}");
    }
    let stored = |app: &TestApp| {
        let svc = app.svc.clone();
        let id = agent.user_id.clone();
        let tenant = agent.tenant_id.clone();
        async move {
            let mut c = svc.db.read().await.unwrap();
            twotier_store::users::find(&mut c.conn(), &tenant, &id)
                .await
                .unwrap()
                .unwrap()
                .totp_failures
        }
    };
    assert_eq!(stored(&app).await, 4, "counted in the database");
    let r = app
        .form(Method::POST, "/two-factor", &pending, &[("code", "000000")])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
    assert!(r.text().contains("sign in again"), "{}", r.text());
    // The session is over, and the name is locked for the first back-off.
    let home = app.page("/", &pending).await;
    assert_eq!(home.header("location").as_deref(), Some("/login"));
    assert_eq!(
        app.login(&agent.email, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance_millis(61 * 1000);
    let (cookie, csrf) = app.sign_in(&agent.email, PASSWORD).await;
    let pending = Principal::Session { cookie, csrf };
    // Another round: the next lock lasts longer (two minutes).
    for _ in 0..5 {
        app.form(Method::POST, "/two-factor", &pending, &[("code", "111111")])
            .await;
    }
    app.clock.advance_millis(61 * 1000);
    assert_eq!(
        app.login(&agent.email, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance_millis(60 * 1000);
    let (cookie, csrf) = app.sign_in(&agent.email, PASSWORD).await;
    let pending = Principal::Session { cookie, csrf };
    let code = twotier_core::totp::code_at(&secret, app.svc.now().millis() / 30_000);
    let r = app
        .form(Method::POST, "/two-factor", &pending, &[("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(stored(&app).await, 0, "the right code clears the count");
    assert_eq!(app.page("/", &pending).await.status, StatusCode::OK);
}

/// Low: the password policy refuses guessable passwords, next to the field.
#[tokio::test]
async fn guessable_passwords_are_refused() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let agent = world.user("provider_sales_agent");
    for weak in [
        "password1234",
        "qwertyuiop123",
        &format!("{}1", agent.email),
    ] {
        let r = app
            .form(
                Method::POST,
                "/password",
                &agent.session(),
                &[
                    ("current_password", PASSWORD),
                    ("new_password", weak),
                    ("confirm_password", weak),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{weak}");
        assert!(
            r.text().contains("too easy to guess"),
            "{weak}: {}",
            r.text()
        );
    }
    assert_eq!(
        app.login(&agent.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

/// An address is unique inside its tenant only. Creating a user never says whether
/// another organisation has the address; two organisations' accounts with one address sign
/// in to their own tenant, and one person with both chooses.
#[tokio::test]
async fn an_address_is_unique_inside_its_tenant_only() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let uma = world.user("provider_user_management_admin").bearer();
    let create = |who: Principal, email: String| {
        let app = &app;
        async move {
            app.api(
                Method::POST,
                "/v1/users",
                &who,
                Some(json!({ "email": email, "roles": ["sales_agent"] })),
            )
            .await
        }
    };
    // Taken elsewhere or not at all: the same answer (created).
    for email in [
        "ops@operator.test",
        "admin@tailspin.test",
        "never@seen.test",
    ] {
        let r = create(uma.clone(), email.to_owned()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{email}: {}", r.text());
    }
    let again = create(uma.clone(), "never@seen.test".to_owned()).await;
    assert_eq!(
        again.status,
        StatusCode::BAD_REQUEST,
        "inside the tenant it is unique"
    );
    assert!(again.text().contains("your organisation"));
    // The operator's own account still signs in to the operator; the copy cannot take it.
    let ops = world.user("operator_admin");
    let r = app.login(&ops.email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let s = twotier_core::auth::resolve_session(&app.svc, &r.session_cookie().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.actor.tenant_id, world.operator);
    // One person with accounts in two organisations and one password chooses.
    app.set_password_of(&world.provider, "admin@tailspin.test", PASSWORD)
        .await;
    let r = app.login("admin@tailspin.test", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("Tailspin Toys") && r.text().contains("Contoso Distribution"));
    assert!(r.session_cookie().is_none());
    let chosen = app
        .form(
            Method::POST,
            "/login",
            &Principal::Anonymous,
            &[
                ("email", "admin@tailspin.test"),
                ("password", PASSWORD),
                ("organisation", world.provider.as_str()),
            ],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER);
    let s = twotier_core::auth::resolve_session(&app.svc, &chosen.session_cookie().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.actor.tenant_id, world.provider);
}

/// Low: a password reset and disabling a user revoke its API tokens; enabling it again does
/// not bring them back.
#[tokio::test]
async fn a_reset_or_disabling_revokes_tokens_for_good() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin").bearer();
    let me = |u: &TestUser| {
        let app = &app;
        let p = u.bearer();
        async move { app.api(Method::GET, "/v1/me", &p, None).await.status }
    };
    let agent = world.user("provider_admin_agent");
    let r = app
        .api(
            Method::POST,
            &format!("/v1/users/{}/resetpassword", agent.user_id),
            &admin,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(me(agent).await, StatusCode::UNAUTHORIZED);
    let sales = world.user("provider_sales_agent");
    for disabled in [true, false] {
        let r = app
            .api(
                Method::PATCH,
                &format!("/v1/users/{}", sales.user_id),
                &admin,
                Some(json!({ "disabled": disabled })),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    assert_eq!(me(sales).await, StatusCode::UNAUTHORIZED);
}

/// Low: a token cannot make one that outlives it; without a lifetime asked for, the new one
/// ends when the old one does.
#[tokio::test]
async fn a_token_cannot_mint_a_longer_lived_one() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let user = world.user("provider_sales_agent");
    let short = app
        .api(
            Method::POST,
            "/v1/tokens",
            &user.bearer(),
            Some(json!({ "name": "one day", "expiresDays": 1 })),
        )
        .await;
    assert_eq!(short.status, StatusCode::CREATED);
    let short_token = Principal::Bearer(short.json()["token"].as_str().unwrap().to_owned());
    let short_end = short.json()["expiresAt"].as_str().unwrap().to_owned();
    let long = app
        .api(
            Method::POST,
            "/v1/tokens",
            &short_token,
            Some(json!({ "name": "a year", "expiresDays": 366 })),
        )
        .await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST, "{}", long.text());
    let default = app
        .api(
            Method::POST,
            "/v1/tokens",
            &short_token,
            Some(json!({ "name": "default" })),
        )
        .await;
    assert_eq!(default.status, StatusCode::CREATED);
    assert_eq!(default.json()["expiresAt"], short_end.as_str());
}

/// Info: a tenant that requires two-factor sign-in requires it for API tokens too.
#[tokio::test]
async fn a_tenant_requiring_two_factor_requires_it_for_tokens() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let r = app
        .form(
            Method::POST,
            "/security",
            &admin.session(),
            &[("require_two_factor", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.header("location").as_deref(),
        Some("/security?done=security")
    );
    let agent = world.user("provider_admin_agent");
    let r = app
        .api(
            Method::POST,
            "/v1/tokens",
            &agent.bearer(),
            Some(json!({ "name": "x" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.json()["code"], 600_018);
    app.enrol_two_factor(agent).await;
    let r = app
        .api(
            Method::POST,
            "/v1/tokens",
            &agent.bearer(),
            Some(json!({ "name": "x" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

/// A deep link survives the whole sign-in: the password, a forced password change and the
/// second factor each carry `next`, and the last one opens the page that was asked for.
#[tokio::test]
async fn a_deep_link_survives_a_forced_password_change_and_the_second_factor() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let wanted = "/customers?q=Adv&size=10";
    let encoded = "%2Fcustomers%3Fq%3DAdv%26size%3D10";

    // A new user with a temporary password opens the link.
    let created = app
        .form(
            Method::POST,
            "/users",
            &admin.session(),
            &[
                ("email", "deep@fabrikam.example"),
                ("display_name", "Deep Link"),
                ("roles", "sales_agent"),
            ],
        )
        .await;
    let temporary = created.shown_secret();
    assert!(!temporary.is_empty(), "{}", created.text());
    let (cookie, csrf) = app.sign_in("deep@fabrikam.example", &temporary).await;
    let pending = Principal::Session { cookie, csrf };
    let r = app.page(wanted, &pending).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.header("location").unwrap(),
        format!("/password?next={encoded}")
    );
    let form = app
        .page(&r.header("location").unwrap(), &pending)
        .await
        .text();
    assert!(
        form.contains("name=\"next\" value=\"/customers?q=Adv&#38;size=10\""),
        "{form}"
    );
    let changed = app
        .form(
            Method::POST,
            "/password",
            &pending,
            &[
                ("current_password", temporary.as_str()),
                ("new_password", "a long new passphrase 4 deep"),
                ("confirm_password", "a long new passphrase 4 deep"),
                ("next", wanted),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.text());
    assert_eq!(changed.header("location").unwrap(), wanted);

    // Someone with two-factor sign-in: the code page keeps the link too.
    let agent = world.user("provider_admin_agent");
    let secret = app.enrol_two_factor(agent).await;
    let (cookie, csrf) = app.sign_in(&agent.email, PASSWORD).await;
    let pending = Principal::Session { cookie, csrf };
    let r = app.page(wanted, &pending).await;
    assert_eq!(
        r.header("location").unwrap(),
        format!("/two-factor?next={encoded}")
    );
    let form = app
        .page(&r.header("location").unwrap(), &pending)
        .await
        .text();
    assert!(form.contains("name=\"next\" value=\"/customers?q=Adv&#38;size=10\""));
    let code = twotier_core::totp::code_at(&secret, app.svc.now().millis() / 30_000);
    let r = app
        .form(
            Method::POST,
            "/two-factor",
            &pending,
            &[("code", &code), ("next", wanted)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location").unwrap(), wanted);
    // A `next` of another site is not followed.
    let (cookie, csrf) = app.sign_in(&agent.email, PASSWORD).await;
    let pending = Principal::Session { cookie, csrf };
    let code = twotier_core::totp::code_at(&secret, app.svc.now().millis() / 30_000 + 1);
    let r = app
        .form(
            Method::POST,
            "/two-factor",
            &pending,
            &[("code", &code), ("next", "//evil.example/")],
        )
        .await;
    assert_eq!(r.header("location").as_deref(), Some("/"), "{}", r.text());
}
