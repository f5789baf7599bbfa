//! Users and roles through the UI and the API.

use http::{Method, StatusCode};
use serde_json::json;
use twotier_testkit::TestApp;

#[tokio::test]
async fn admins_manage_users_and_roles_in_the_ui() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let uma = world.user("provider_user_management_admin");
    let page = app.page("/users", &uma.session()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("sales_agent@contoso.test"));
    let bad = app
        .form(
            Method::POST,
            "/users",
            &uma.session(),
            &[("email", "dup@contoso"), ("roles", "operator_admin")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("id=\"email-error\""));
    let target = world.user("provider_billing_admin");
    let r = app
        .form(
            Method::POST,
            &format!("/users/{}", target.user_id),
            &uma.session(),
            &[
                ("display_name", "Bill"),
                ("roles", "billing_admin"),
                ("roles", "sales_agent"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let me = app
        .api(Method::GET, "/v1/me", &target.bearer(), None)
        .await
        .json();
    assert_eq!(me["roles"], json!(["billing_admin", "sales_agent"]));
    assert_eq!(me["displayName"], "Bill");
    let reset = app
        .form(
            Method::POST,
            &format!("/users/{}/reset-password", target.user_id),
            &uma.session(),
            &[],
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    assert!(reset.text().contains("Temporary password"));
    let login = app
        .form(
            Method::POST,
            "/login",
            &twotier_testkit::Principal::Anonymous,
            &[
                ("email", &target.email),
                ("password", twotier_testkit::app::PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        login.status,
        StatusCode::UNAUTHORIZED,
        "the old password stops working after a reset"
    );
}

#[tokio::test]
async fn the_api_creates_users_with_partner_center_conventions() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    let r = app.api(Method::POST, "/v1/users", &admin.bearer(), Some(json!({ "Email": "Mixed.Case@Contoso.test", "DisplayName": "Mixed", "Roles": ["Admin Agent"] }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let u = r.json();
    assert_eq!(u["roles"], json!(["admin_agent"]));
    assert_eq!(u["mustChangePassword"], true);
    assert!(
        u["links"]["self"]["uri"]
            .as_str()
            .unwrap()
            .starts_with("/users/")
    );
    let dup = app
        .api(
            Method::POST,
            "/v1/users",
            &admin.bearer(),
            Some(json!({ "email": "mixed.case@contoso.TEST" })),
        )
        .await;
    assert_eq!(
        dup.status,
        StatusCode::BAD_REQUEST,
        "emails are unique without regard to case"
    );
    let bad_role = app
        .api(
            Method::POST,
            "/v1/users",
            &admin.bearer(),
            Some(json!({ "email": "r@contoso.test", "roles": ["owner"] })),
        )
        .await;
    assert!(
        bad_role.json()["description"]
            .as_str()
            .unwrap()
            .contains("unknown role")
    );
}
