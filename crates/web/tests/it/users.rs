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
    // Resetting a password asks first, in red; so does disabling.
    let user_page = app
        .page(&format!("/users/{}", target.user_id), &uma.session())
        .await
        .text();
    assert!(
        user_page.contains("<summary>Reset password…</summary>")
            && user_page.contains("class=\"danger\">Yes, reset the password</button>")
            && user_page.contains("class=\"danger\">Yes, disable the user</button>"),
        "{user_page}"
    );
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

#[tokio::test]
async fn the_users_list_searches_name_or_email_sorts_counts_and_pages_both_ways() {
    use crate::customers::{first_links, pager_link};
    let app = TestApp::new().await;
    let world = app.world().await;
    let admin = world.user("provider_global_admin");
    for n in 0..20 {
        let r = app
            .api(
                Method::POST,
                "/v1/users",
                &admin.bearer(),
                Some(json!({ "email": format!("clerk{n:02}@contoso.test"), "displayName": format!("Aa Clerk {n:02}"), "roles": ["sales_agent"] })),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let session = admin.session();
    let listed = |page: &str| first_links(page, "<tr data-user-id=");
    let all = app.page("/users?size=200", &session).await.text();
    let n = listed(&all).len();
    assert!(n > 25 && all.contains(&format!("{n} users")), "{n}: {all}");
    let first = app.page("/users?size=25", &session).await.text();
    let names = listed(&first);
    assert_eq!((names.len(), names[0].as_str()), (25, "Aa Clerk 00"));
    assert!(pager_link(&first, "prev").is_none());
    let next = pager_link(&first, "next").expect("a next page");
    let second = app.page(&next, &session).await.text();
    assert_eq!(listed(&second).len(), n - 25);
    let back = pager_link(&second, "prev").expect("a previous page");
    assert_eq!(listed(&app.page(&back, &session).await.text()), names);
    let desc = app
        .page("/users?sort=name-desc&size=200", &session)
        .await
        .text();
    assert_eq!(
        listed(&desc).last().map(String::as_str),
        Some("Aa Clerk 00")
    );
    let newest = app.page("/users?sort=newest", &session).await.text();
    assert_eq!(
        listed(&newest)[0],
        "Aa Clerk 19",
        "the last one added first"
    );
    // Part of a name or of an email address, any case.
    let by_name = app.page("/users?q=CLERK+1", &session).await.text();
    assert_eq!(listed(&by_name).len(), 10);
    assert!(
        by_name.contains("10 users (name or email contains “CLERK 1”)"),
        "{by_name}"
    );
    let by_email = app.page("/users?q=clerk07%40", &session).await.text();
    assert_eq!(listed(&by_email), ["Aa Clerk 07"]);
    let none = app
        .page("/users?q=zzzz-no-such-user", &session)
        .await
        .text();
    assert!(none.contains("No users match"), "{none}");
    // Another tenant's users are not in the list.
    let other = app
        .page(
            "/users?q=clerk",
            &world.user("reseller_global_admin").session(),
        )
        .await
        .text();
    assert!(listed(&other).is_empty(), "{other}");
}
