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

const COMMERCE_SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/snapshots/commerce_matrix.txt"
);

/// The principals of the commerce matrix: both providers' sides, a former reseller and the
/// customer itself (`twotier_testkit::Market`).
const COMMERCE_USERS: [&str; 9] = [
    // First: a provider's reset of the customer admin's password ends its sessions.
    "shared_global_admin",
    "provider_global_admin",
    "provider_helpdesk_agent",
    "reseller_global_admin",
    "reseller_admin_agent",
    "provider2_global_admin",
    "reseller2_global_admin",
    "reseller2_helpdesk_agent",
    "former_global_admin",
];

/// One object context of the commerce matrix.
struct Context {
    name: &'static str,
    customer: String,
    subscription: String,
    order: String,
    user: String,
    /// Who may see the sale (subscription, order) of this context.
    sellers_side: &'static [&'static str],
}

/// Every customer-scoped route, in three contexts (the first provider's sale to a customer
/// both providers serve, the second provider's sale to it, and a former reseller's former
/// provider's sale), as every principal: the status of each, as one reviewed snapshot. Its
/// invariants hold whatever the snapshot says: a sale outside the principal's scope answers
/// exactly as one that does not exist, no answer is a 5xx, and no answer carries an
/// identifier of a sale it may not see.
#[tokio::test]
async fn commerce_matrix() {
    let app = TestApp::new().await;
    let mut m = app.market().await;
    let contexts = [
        Context {
            name: "own",
            customer: m.shared.to_string(),
            subscription: m.sub1.clone(),
            order: m.order1.clone(),
            user: m.shared_user.clone(),
            sellers_side: &[
                "provider_global_admin",
                "provider_helpdesk_agent",
                "reseller_global_admin",
                "reseller_admin_agent",
                "shared_global_admin",
            ],
        },
        Context {
            name: "other-provider",
            customer: m.shared.to_string(),
            subscription: m.sub2.clone(),
            order: m.order2.clone(),
            user: m.shared_user.clone(),
            sellers_side: &[
                "provider2_global_admin",
                "reseller2_global_admin",
                "reseller2_helpdesk_agent",
                "shared_global_admin",
            ],
        },
        Context {
            name: "former-partner",
            customer: m.orphan.to_string(),
            subscription: m.sub3.clone(),
            order: m.order3.clone(),
            user: m.orphan_user.clone(),
            sellers_side: &["provider_global_admin", "provider_helpdesk_agent"],
        },
    ];
    let sales = [
        (m.sub1.clone(), contexts[0].sellers_side),
        (m.order1.clone(), contexts[0].sellers_side),
        (m.sub2.clone(), contexts[1].sellers_side),
        (m.order2.clone(), contexts[1].sellers_side),
        (m.sub3.clone(), contexts[2].sellers_side),
        (m.order3.clone(), contexts[2].sellers_side),
    ];
    let mut table = String::new();
    let _ = writeln!(
        table,
        "# status per customer-scoped route, object context and principal (API: bearer token, pages: session)"
    );
    let _ = writeln!(
        table,
        "# own = the first provider's sale to a customer both providers serve; other-provider = the second provider's sale to it;"
    );
    let _ = writeln!(
        table,
        "# former-partner = a sale to a customer of a reseller whose partnership was removed (it kept delegated admin access)"
    );
    for (i, key) in COMMERCE_USERS.iter().enumerate() {
        let _ = writeln!(table, "# c{i} = {key}");
    }
    let _ = write!(table, "{:<72} {:<15}", "route", "context");
    for i in 0..COMMERCE_USERS.len() {
        let _ = write!(table, " {:>5}", format!("c{i}"));
    }
    table.push('\n');
    let mut failures = Vec::new();
    let routes: Vec<_> = route_table()
        .into_iter()
        .filter(|s| s.path.contains("/customers/{id}"))
        .collect();
    for spec in &routes {
        for ctx in &contexts {
            let path = spec
                .path
                .replace("{id}", &ctx.customer)
                .replace("{subscription_id}", &ctx.subscription)
                .replace("{order_id}", &ctx.order)
                .replace("{user_id}", &ctx.user);
            let _ = write!(
                table,
                "{:<72} {:<15}",
                format!("{} {}", spec.method, spec.path),
                ctx.name
            );
            for key in COMMERCE_USERS {
                let user = m.user(key).clone();
                let who = if spec.surface == Surface::Page {
                    user.session()
                } else {
                    user.bearer()
                };
                let (status, body) =
                    call_reading(&app, &spec.method, &path, spec.surface, &who).await;
                let _ = write!(table, " {:>5}", status.as_u16());
                if status.is_server_error() {
                    failures.push(format!("{} {path} as {key}: {status}", spec.method));
                }
                let names_a_sale =
                    spec.path.contains("{subscription_id}") || spec.path.contains("{order_id}");
                if names_a_sale && !ctx.sellers_side.contains(&key) {
                    // Outside the principal's scope a sale looks exactly like one that does
                    // not exist (404; 403 only where its role lacks the route anyway).
                    let missing = spec
                        .path
                        .replace("{id}", &ctx.customer)
                        .replace("{subscription_id}", &uuid_like())
                        .replace("{order_id}", &uuid_like())
                        .replace("{user_id}", &ctx.user);
                    let (status_missing, _) =
                        call_reading(&app, &spec.method, &missing, spec.surface, &who).await;
                    if status != status_missing || status.is_success() {
                        failures.push(format!(
                            "{} {} ({}) as {key}: {status}, but {status_missing} for a missing one",
                            spec.method, spec.path, ctx.name
                        ));
                    }
                }
                for (id, side) in &sales {
                    if !side.contains(&key) && body.contains(id.as_str()) {
                        failures.push(format!(
                            "{} {} ({}) as {key} shows {id}, a sale outside its scope",
                            spec.method, spec.path, ctx.name
                        ));
                    }
                }
            }
            table.push('\n');
            if spec.path.ends_with("/admin-password") {
                // A provider reset the customer admin's password, which ends its sessions
                // and tokens: sign it in again for the rows that follow.
                let admin = app
                    .adopt(
                        &m.world.operator,
                        &m.shared,
                        &m.user("shared_global_admin").email.clone(),
                    )
                    .await;
                m.users.insert("shared_global_admin", admin);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "commerce invariants broken:\n{}",
        failures.join("\n")
    );
    let stored = std::fs::read_to_string(COMMERCE_SNAPSHOT).unwrap_or_default();
    if stored != table {
        if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
            std::fs::write(COMMERCE_SNAPSHOT, &table).unwrap();
        } else {
            std::fs::write(format!("{COMMERCE_SNAPSHOT}.new"), &table).unwrap();
            panic!(
                "the commerce matrix changed; review {COMMERCE_SNAPSHOT}.new and rerun with UPDATE_SNAPSHOTS=1 to accept it\n{table}"
            );
        }
    }
}

/// `call`, keeping the body for the canary check.
async fn call_reading(
    app: &TestApp,
    method: &Method,
    path: &str,
    surface: Surface,
    who: &Principal,
) -> (StatusCode, String) {
    let r = match surface {
        Surface::Api | Surface::Ops => {
            let body = matches!(*method, Method::POST | Method::PATCH | Method::PUT)
                .then(|| serde_json::json!({}));
            app.api(method.clone(), path, who, body).await
        }
        Surface::Page => {
            if *method == Method::GET {
                app.page(path, who).await
            } else {
                app.form(method.clone(), path, who, &[]).await
            }
        }
    };
    (r.status, r.text())
}
