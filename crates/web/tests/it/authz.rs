//! The permission matrix: every route against every principal, as one reviewed snapshot,
//! plus the invariants that must hold whatever the snapshot says.

use std::fmt::Write as _;

use http::{Method, StatusCode};
use twotier_testkit::app::MATRIX_USERS;
use twotier_testkit::{Principal, TestApp, World};
use twotier_web::{Policy, Surface, route_table};

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/snapshots/permission_matrix.txt"
);

/// Ids to put into a path: objects of a tenant no provider user relates to.
fn foreign_path(path: &str, world: &World, audit_id: &str, foreign_user: &str) -> String {
    let id = if path.contains("/partners/") {
        world.other_reseller.to_string()
    } else if path.contains("/users/") {
        foreign_user.to_owned()
    } else if path.contains("/auditrecords/") {
        audit_id.to_owned()
    } else {
        uuid_like()
    };
    path.replace("{id}", &id)
}

fn uuid_like() -> String {
    "0190f0a0-0000-7000-8000-000000000001".to_owned()
}

async fn call(
    app: &TestApp,
    method: &Method,
    path: &str,
    surface: Surface,
    who: &Principal,
) -> StatusCode {
    match surface {
        Surface::Api | Surface::Ops => {
            let body = matches!(*method, Method::POST | Method::PATCH | Method::PUT)
                .then(|| serde_json::json!({}));
            app.api(method.clone(), path, who, body).await.status
        }
        Surface::Page => {
            if *method == Method::GET {
                app.page(path, who).await.status
            } else {
                app.form(method.clone(), path, who, &[]).await.status
            }
        }
    }
}

#[tokio::test]
async fn permission_matrix() {
    let app = TestApp::new().await;
    let mut world = app.world().await;
    let audit_id = app
        .audit_records()
        .await
        .into_iter()
        .find(|r| r.subject_tenant_id.as_deref() == Some(world.other_reseller.as_str()))
        .unwrap()
        .id;
    // The other reseller's first Global admin: a user no matrix principal is.
    let foreign_user = {
        let mut c = app.svc.db.read().await.unwrap();
        twotier_store::users::list_for_tenant(&mut c.conn(), world.other_reseller.as_str())
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.email.starts_with("founder@"))
            .unwrap()
            .id
    };
    let mut table = String::new();
    let _ = writeln!(
        table,
        "# status per route and principal; anon = no credentials; API routes use a bearer token, pages a session"
    );
    let _ = writeln!(
        table,
        "# {{id}} is an object of a tenant that only the operator relates to"
    );
    let _ = write!(table, "{:<48}", "route");
    let _ = write!(table, " {:>5}", "anon");
    for (i, _) in MATRIX_USERS.iter().enumerate() {
        let _ = write!(table, " {:>5}", format!("u{i}"));
    }
    table.push('\n');
    for (i, key) in MATRIX_USERS.iter().enumerate() {
        let _ = writeln!(table, "# u{i} = {key}");
    }
    let mut failures = Vec::new();
    for spec in route_table() {
        if spec.path.starts_with("/static/") {
            continue;
        }
        let path = foreign_path(spec.path, &world, &audit_id, &foreign_user);
        let _ = write!(table, "{:<48}", format!("{} {}", spec.method, spec.path));
        let anon = call(
            &app,
            &spec.method,
            &path,
            spec.surface,
            &Principal::Anonymous,
        )
        .await;
        let _ = write!(table, " {:>5}", anon.as_u16());
        if spec.policy != Policy::Public {
            let expected = if spec.surface == Surface::Page {
                StatusCode::SEE_OTHER
            } else {
                StatusCode::UNAUTHORIZED
            };
            if anon != expected {
                failures.push(format!(
                    "{} {} anonymous got {anon}",
                    spec.method, spec.path
                ));
            }
        }
        for key in MATRIX_USERS {
            let user = world.user(key).clone();
            let who = if spec.surface == Surface::Page {
                user.session()
            } else {
                user.bearer()
            };
            let status = call(&app, &spec.method, &path, spec.surface, &who).await;
            let _ = write!(table, " {:>5}", status.as_u16());
            if status.is_server_error() {
                failures.push(format!("{} {} as {key}: {status}", spec.method, spec.path));
            }
            // A foreign object and an object that does not exist must look the same.
            if spec.path.contains("{id}")
                && !key.starts_with("operator")
                && key != "other_reseller_global_admin"
            {
                let missing = spec.path.replace("{id}", &uuid_like());
                let status_missing = call(&app, &spec.method, &missing, spec.surface, &who).await;
                if status_missing != status {
                    failures.push(format!(
                        "{} {} as {key}: foreign {status} but missing {status_missing}",
                        spec.method, spec.path
                    ));
                }
            }
            if spec.path == "/logout" {
                // Signing out ends the session; sign in again for the rows that follow.
                let (cookie, csrf) = app
                    .sign_in(&user.email, twotier_testkit::app::PASSWORD)
                    .await;
                let u = world.users.get_mut(key).unwrap();
                u.cookie = cookie;
                u.csrf = csrf;
            }
        }
        table.push('\n');
    }
    assert!(
        failures.is_empty(),
        "permission invariants broken:\n{}",
        failures.join("\n")
    );
    let stored = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    if stored != table {
        if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
            std::fs::write(SNAPSHOT, &table).unwrap();
        } else {
            std::fs::write(format!("{SNAPSHOT}.new"), &table).unwrap();
            panic!(
                "the permission matrix changed; review {SNAPSHOT}.new and rerun with UPDATE_SNAPSHOTS=1 to accept it\n{table}"
            );
        }
    }
}

#[test]
fn every_route_has_a_policy_and_appears_once() {
    let table = route_table();
    let mut seen = std::collections::HashSet::new();
    for spec in &table {
        assert!(
            seen.insert((spec.method.clone(), spec.path)),
            "{} {} registered twice",
            spec.method,
            spec.path
        );
    }
    assert!(table.len() > 40);
}

#[tokio::test]
async fn cross_tenant_objects_are_not_found_never_forbidden() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let provider = world.user("provider_global_admin");
    let other = world.user("other_reseller_global_admin");
    let r = app
        .api(
            Method::GET,
            &format!("/v1/partners/{}", world.other_reseller),
            &provider.bearer(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], 1000);
    let r = app
        .api(
            Method::GET,
            &format!("/v1/users/{}", other.user_id),
            &provider.bearer(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .api(
            Method::PATCH,
            &format!("/v1/users/{}", other.user_id),
            &provider.bearer(),
            Some(serde_json::json!({ "disabled": true })),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .api(
            Method::POST,
            &format!("/v1/users/{}/resetpassword", other.user_id),
            &provider.bearer(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .page(&format!("/users/{}", other.user_id), &provider.session())
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Nothing happened to the other tenant's user.
    assert_eq!(
        app.api(Method::GET, "/v1/me", &other.bearer(), None)
            .await
            .status,
        StatusCode::OK
    );
    // A partner sees itself; the operator sees everyone.
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/v1/partners/{}", world.provider),
            &provider.bearer(),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    let ops = world.user("operator_support");
    assert_eq!(
        app.api(
            Method::GET,
            &format!("/v1/partners/{}", world.other_reseller),
            &ops.bearer(),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    // Operator support is read-only.
    let r = app
        .api(
            Method::PATCH,
            &format!("/v1/partners/{}", world.other_reseller),
            &ops.bearer(),
            Some(serde_json::json!({ "disabled": true })),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_user_with_no_role_sees_only_their_own_profile() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let nobody = world.user("provider_no_role");
    let me = app.api(Method::GET, "/v1/me", &nobody.bearer(), None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["roles"], serde_json::json!([]));
    for path in ["/v1/users", "/v1/auditrecords", "/v1/apps", "/v1/partners"] {
        assert_eq!(
            app.api(Method::GET, path, &nobody.bearer(), None)
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let home = app.page("/", &nobody.session()).await.text();
    assert!(home.contains("My account") && !home.contains("href=\"/users\""));
}
