//! Who administers Global admins: in a partner tenant only a Global admin gives the role,
//! creates an app holding it, or resets, disables or changes a Global admin; in a customer
//! tenant only the customer itself and its provider do, partners create users on the
//! customer's own domain only, and an account a partner created never keeps the customer's
//! last Global admin.

use http::{Method, StatusCode};
use serde_json::{Value, json};
use twotier_testkit::app::PASSWORD;
use twotier_testkit::{Market, TestApp};

fn code(r: &twotier_testkit::TestResponse) -> i64 {
    r.json()["code"].as_i64().unwrap_or_default()
}

/// The customer's users as its own Global admin reads them.
async fn users_of(app: &TestApp, m: &Market) -> Vec<Value> {
    let r = app
        .api(
            Method::GET,
            &format!("/v1/customers/{}/users", m.shared),
            &m.user("provider_global_admin").bearer(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["items"].as_array().unwrap().clone()
}

fn admin_of(users: &[Value]) -> (String, String) {
    let admin = users
        .iter()
        .find(|u| {
            u["userPrincipalName"]
                .as_str()
                .unwrap()
                .starts_with("admin@")
        })
        .unwrap();
    (
        admin["id"].as_str().unwrap().to_owned(),
        admin["userPrincipalName"].as_str().unwrap().to_owned(),
    )
}

/// A reseller's helpdesk agent (holding delegated admin access) gets no temporary password
/// of the customer's Global admin and cannot disable it; no reseller gives the role.
#[tokio::test]
async fn a_reseller_cannot_take_over_the_customers_global_admin() {
    let app = TestApp::new().await;
    let m = app.market().await;
    let c = m.shared.to_string();
    let (admin_id, admin_email) = admin_of(&users_of(&app, &m).await);
    for who in [
        "reseller2_helpdesk_agent",
        "reseller2_global_admin",
        "reseller_global_admin",
    ] {
        let s = m.user(who).session();
        let r = app
            .form(
                Method::POST,
                &format!("/customers/{c}/users/{admin_id}/password"),
                &s,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.text());
        assert_eq!(r.shown_secret(), "", "{who} was shown a password");
        let r = app
            .form(
                Method::POST,
                &format!("/customers/{c}/users/{admin_id}/disabled"),
                &s,
                &[("disabled", "true")],
            )
            .await;
        assert!(
            r.status == StatusCode::FORBIDDEN || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{who}: {}",
            r.text()
        );
        assert!(
            r.text().contains("indirect provider"),
            "{who}: {}",
            r.text()
        );
        let r = app
            .api(
                Method::POST,
                &format!("/v1/customers/{c}/users"),
                &m.user(who).bearer(),
                Some(json!({ "userPrincipalName": format!("{}@wingtip.onmicrosoft.example", who.replace('_', "")),
                    "firstName": "Back", "lastName": "Door", "roles": ["customer_global_admin"] })),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.text());
        assert_eq!(code(&r), 600_007, "{who}");
    }
    // The pages offer a reseller none of it; the provider's Global admin all of it.
    let reset_form = format!("/customers/{c}/users/{admin_id}/password");
    for (who, offered) in [
        ("reseller2_global_admin", false),
        ("reseller_admin_agent", false),
        ("provider_global_admin", true),
    ] {
        let page = app
            .page(&format!("/customers/{c}/users"), &m.user(who).session())
            .await
            .text();
        assert_eq!(page.contains(&reset_form), offered, "{who}");
        assert_eq!(
            page.contains("value=\"customer_global_admin\""),
            offered,
            "{who}"
        );
    }
    // The customer's admin still signs in with its own password, and is the only admin.
    let r = app.login(&admin_email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let admins = users_of(&app, &m)
        .await
        .into_iter()
        .filter(|u| u["roles"].to_string().contains("customer_global_admin"))
        .count();
    assert_eq!(admins, 1);
}

/// Partners create a customer's users on its own domain only, never on another
/// organisation's, and nobody outside the customer takes an address on its domain.
#[tokio::test]
async fn partners_create_customer_users_on_the_customers_domain_only() {
    let app = TestApp::new().await;
    let m = app.market().await;
    let c = m.shared.to_string();
    let new_user =
        |email: &str| json!({ "userPrincipalName": email, "firstName": "Kim", "lastName": "Lee" });
    for (who, email) in [
        ("reseller2_global_admin", "ceo@contoso.test"),
        ("reseller2_global_admin", "ops@operator.test"),
        (
            "provider_global_admin",
            "kim@fourthcoffee.onmicrosoft.example",
        ),
        ("reseller_admin_agent", "kim@gmail.example"),
    ] {
        let r = app
            .api(
                Method::POST,
                &format!("/v1/customers/{c}/users"),
                &m.user(who).bearer(),
                Some(new_user(email)),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{who} {email}: {}",
            r.text()
        );
        assert!(r.text().contains("email"), "{}", r.text());
    }
    let r = app
        .api(
            Method::POST,
            &format!("/v1/customers/{c}/users"),
            &m.user("reseller_admin_agent").bearer(),
            Some(new_user("robin@wingtip.onmicrosoft.example")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // A partner's own users are not on customer domains: an address such as the admin of a
    // customer not created yet cannot be taken first.
    let r = app
        .api(
            Method::POST,
            "/v1/users",
            &m.user("provider_user_management_admin").bearer(),
            Some(json!({ "email": "admin@northwindtraders.onmicrosoft.example", "roles": ["sales_agent"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    // So the customer is created as the domain check promised, with its own admin@.
    let r = app
        .api(
            Method::POST,
            "/v1/customers",
            &m.user("provider_admin_agent").bearer(),
            Some(json!({
                "companyProfile": { "domain": "northwindtraders" },
                "billingProfile": { "email": "it@northwind.test", "culture": "de-DE", "language": "de",
                    "companyName": "Northwind Traders",
                    "defaultAddress": { "addressLine1": "Hauptstrasse 2", "city": "Berlin", "postalCode": "10115",
                        "country": "DE", "firstName": "Ann", "lastName": "Lee" } },
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        r.json()["userCredentials"]["userName"],
        "admin@northwindtraders.onmicrosoft.example"
    );
}

/// A Global admin a partner created does not count as the customer's last one, so the
/// customer's own admin cannot be disabled behind it; the customer itself decides.
#[tokio::test]
async fn an_account_a_partner_created_never_keeps_the_customers_last_admin() {
    let app = TestApp::new().await;
    let m = app.market().await;
    let c = m.shared.to_string();
    let (admin_id, _) = admin_of(&users_of(&app, &m).await);
    let provider = m.user("provider_global_admin");
    let r = app
        .api(
            Method::POST,
            &format!("/v1/customers/{c}/users"),
            &provider.bearer(),
            Some(json!({ "userPrincipalName": "second@wingtip.onmicrosoft.example", "firstName": "Sec", "lastName": "Ond",
                "roles": ["customer_global_admin"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = app
        .form(
            Method::POST,
            &format!("/customers/{c}/users/{admin_id}/disabled"),
            &provider.session(),
            &[("disabled", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("last enabled"), "{}", r.text());
    // The customer's own admin makes a second admin of its own; then either may go.
    let own = m.user("shared_global_admin");
    let r = app
        .form(
            Method::POST,
            &format!("/customers/{c}/users"),
            &own.session(),
            &[
                ("email", "third@wingtip.onmicrosoft.example"),
                ("display_name", "Third"),
                ("role", "customer_global_admin"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .form(
            Method::POST,
            &format!("/customers/{c}/users/{admin_id}/disabled"),
            &provider.session(),
            &[("disabled", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

/// A User management admin manages users, but not Global admins: it cannot give itself
/// or anyone the role, create an app holding it, or reset, disable or rename a Global admin.
#[tokio::test]
async fn a_user_management_admin_cannot_make_itself_global_admin() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let uma = world.user("provider_user_management_admin");
    let ga = world.user("provider_global_admin");
    let who = uma.bearer();
    let cases = [
        (
            Method::PATCH,
            format!("/v1/users/{}", uma.user_id),
            Some(json!({ "roles": ["global_admin", "user_management_admin"] })),
        ),
        (
            Method::POST,
            "/v1/users".to_owned(),
            Some(json!({ "email": "puppet@contoso.test", "roles": ["global_admin"] })),
        ),
        (
            Method::POST,
            "/v1/apps".to_owned(),
            Some(json!({ "name": "Skeleton key", "roles": ["global_admin"] })),
        ),
        (
            Method::POST,
            format!("/v1/users/{}/resetpassword", ga.user_id),
            None,
        ),
        (
            Method::PATCH,
            format!("/v1/users/{}", ga.user_id),
            Some(json!({ "disabled": true })),
        ),
        (
            Method::PATCH,
            format!("/v1/users/{}", ga.user_id),
            Some(json!({ "displayName": "Renamed" })),
        ),
    ];
    for (method, path, body) in cases {
        let r = app.api(method.clone(), &path, &who, body).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            r.text()
        );
    }
    for (path, fields) in [
        (format!("/users/{}/reset-password", ga.user_id), vec![]),
        (
            format!("/users/{}", uma.user_id),
            vec![
                ("display_name", "UMA"),
                ("roles", "global_admin"),
                ("roles", "user_management_admin"),
            ],
        ),
    ] {
        let r = app.form(Method::POST, &path, &uma.session(), &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.text());
        assert_eq!(r.shown_secret(), "");
    }
    // The pages do not offer it: no Global admin role to tick, a Global admin read-only.
    let users_page = app.page("/users", &uma.session()).await.text();
    assert!(
        !users_page.contains("value=\"global_admin\""),
        "{users_page}"
    );
    let ga_page = app
        .page(&format!("/users/{}", ga.user_id), &uma.session())
        .await
        .text();
    assert!(ga_page.contains("id=\"keeper-note\""), "{ga_page}");
    assert!(!ga_page.contains("/reset-password"));
    let own_page = app.page("/users", &ga.session()).await.text();
    assert!(own_page.contains("value=\"global_admin\""));
    // Nothing changed: the Global admin signs in, the UMA holds its one role.
    assert_eq!(
        app.login(&ga.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let me = app.api(Method::GET, "/v1/me", &who, None).await.json();
    assert_eq!(me["roles"], json!(["user_management_admin"]));
    // Everyone else is still the UMA's to manage; the Global admin manages Global admins.
    let r = app
        .api(
            Method::POST,
            "/v1/users",
            &who,
            Some(json!({ "email": "agent2@contoso.test", "roles": ["admin_agent"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = app
        .api(
            Method::POST,
            &format!(
                "/v1/users/{}/resetpassword",
                world.user("provider_sales_agent").user_id
            ),
            &who,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .api(
            Method::POST,
            "/v1/users",
            &ga.bearer(),
            Some(json!({ "email": "deputy@contoso.test", "roles": ["global_admin"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}
