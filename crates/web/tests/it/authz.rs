//! The permission matrix: every route against every principal, as one reviewed snapshot,
//! plus the invariants that must hold whatever the snapshot says.

use std::fmt::Write as _;

use http::{Method, StatusCode};
use twotier_domain::ids::TenantId;
use twotier_testkit::app::MATRIX_USERS;
use twotier_testkit::{Principal, TestApp};
use twotier_web::{Policy, Surface, route_table};

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/snapshots/permission_matrix.txt"
);

/// What a route's `{id}` names, from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Partner,
    User,
    Audit,
    App,
    Token,
    Reseller,
    Invitation,
    Request,
    /// `/customers/{id}…`, with the subscription, order and user ids under it.
    Customer,
    /// Not an object of anyone: an offer id, a domain name.
    Name,
}

fn kind_of(path: &str) -> Kind {
    let p = path.trim_start_matches("/v1");
    if p.contains("/customers/{id}") {
        Kind::Customer
    } else if p.starts_with("/partners/{id}") || p.starts_with("/my/partners/{id}") {
        Kind::Partner
    } else if p.starts_with("/users/{id}") {
        Kind::User
    } else if p.starts_with("/auditrecords/{id}") {
        Kind::Audit
    } else if p.starts_with("/apps/{id}") {
        Kind::App
    } else if p.contains("tokens/{id}") {
        Kind::Token
    } else if p.starts_with("/relationships/{id}") || p.starts_with("/resellers/{id}") {
        Kind::Reseller
    } else if p.contains("invitations/{id}") {
        Kind::Invitation
    } else if p.contains("relationship-requests/{id}") {
        Kind::Request
    } else {
        Kind::Name
    }
}

/// Real objects of one owner, one of each kind it has (`None`: it has none of that kind).
#[derive(Debug, Clone)]
struct Objects {
    name: &'static str,
    partner: String,
    user: String,
    audit: String,
    app: Option<String>,
    token: Option<String>,
    reseller: Option<String>,
    invitation: Option<String>,
    request: Option<String>,
    customer: Option<(String, String, String, String)>,
    /// Only reads run on these objects (writes would change the rows that follow).
    reads_only: bool,
}

impl Objects {
    /// The path with this owner's objects in it; `None` when it has no object of the kind.
    fn fill(&self, path: &str) -> Option<String> {
        let id = match kind_of(path) {
            Kind::Partner => self.partner.clone(),
            Kind::User => self.user.clone(),
            Kind::Audit => self.audit.clone(),
            Kind::App => self.app.clone()?,
            Kind::Token => self.token.clone()?,
            Kind::Reseller => self.reseller.clone()?,
            Kind::Invitation => self.invitation.clone()?,
            Kind::Request => self.request.clone()?,
            Kind::Name if path.contains("/offers/") => "CNT-BASIC".to_owned(),
            Kind::Name => "wingtip".to_owned(),
            Kind::Customer => {
                let (customer, subscription, order, user) = self.customer.as_ref()?;
                return Some(
                    path.replace("{id}", customer)
                        .replace("{subscription_id}", subscription)
                        .replace("{order_id}", order)
                        .replace("{user_id}", user),
                );
            }
        };
        Some(path.replace("{id}", &id))
    }

    /// The same path with its innermost object replaced by one that does not exist.
    fn missing(&self, path: &str) -> Option<String> {
        let filled = self.fill(path)?;
        let innermost = if path.contains("{subscription_id}") {
            self.customer.as_ref()?.1.clone()
        } else if path.contains("{order_id}") {
            self.customer.as_ref()?.2.clone()
        } else if path.contains("{user_id}") {
            self.customer.as_ref()?.3.clone()
        } else if kind_of(path) == Kind::Customer {
            self.customer.as_ref()?.0.clone()
        } else {
            let with_marker = self.fill(&path.replace("{id}", "\u{1}"))?;
            return Some(with_marker.replace('\u{1}', &uuid_like()));
        };
        Some(filled.replace(&innermost, &uuid_like()))
    }
}

/// Whether a matrix principal relates to these objects (its answer is then its role's, not
/// "not found"); for everyone else a real object must answer exactly as a missing one.
fn insider(objects: &Objects, kind: Kind, key: &str) -> bool {
    let provider_side = key.starts_with("provider_");
    match objects.name {
        "unrelated" => key == "other_reseller_global_admin",
        "sibling-reseller" => provider_side,
        "former-partner" => provider_side && kind == Kind::Customer,
        "other-provider" => false,
        _ => true,
    }
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
    call_reading(app, method, path, surface, who).await.0
}

/// A tenant's objects made the way people make them: an API app, a spare token (no matrix
/// principal signs in with it), a pending invitation and relationship request for a
/// provider, and for customers one sale with a user of the customer.
async fn objects_of(
    app: &TestApp,
    name: &'static str,
    tenant: &TenantId,
    admin: &twotier_testkit::TestUser,
    reseller: Option<&TenantId>,
    customer: Option<(String, String, String, String)>,
) -> Objects {
    let mut c = app.svc.db.read().await.unwrap();
    let user = twotier_store::users::list_for_tenant(&mut c.conn(), tenant)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email.starts_with("founder@"))
        .unwrap()
        .id;
    drop(c);
    let audit = app
        .audit_records()
        .await
        .into_iter()
        .find(|r| r.tenant_id == *tenant || r.subject_tenant_id.as_ref() == Some(tenant))
        .unwrap()
        .id;
    let created = |r: twotier_testkit::TestResponse| {
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()["id"].as_str().unwrap().to_owned()
    };
    let body = serde_json::json!({ "name": format!("{name} app"), "roles": ["sales_agent"] });
    let app_id = created(
        app.api(Method::POST, "/v1/apps", &admin.bearer(), Some(body))
            .await,
    );
    let body = serde_json::json!({ "Name": "spare", "ExpiresDays": 7 });
    let token = created(
        app.api(Method::POST, "/v1/tokens", &admin.bearer(), Some(body))
            .await,
    );
    let (invitation, request) = match reseller {
        Some(reseller) => {
            let r = app
                .api(
                    Method::POST,
                    "/v1/partnerships/invitations",
                    &admin.bearer(),
                    Some(serde_json::json!({})),
                )
                .await;
            let invitation = created(r);
            let r = app
                .api(
                    Method::GET,
                    &format!("/v1/customers/relationshiprequests?indirectResellerId={reseller}"),
                    &admin.bearer(),
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            let mut c = app.svc.db.read().await.unwrap();
            let request =
                twotier_store::relationship_requests::list_of_provider(&mut c.conn(), tenant, 1)
                    .await
                    .unwrap()
                    .remove(0)
                    .id;
            (Some(invitation), Some(request))
        }
        None => (None, None),
    };
    Objects {
        name,
        partner: tenant.to_string(),
        user: user.to_string(),
        audit: audit.to_string(),
        app: Some(app_id),
        token: Some(token),
        reseller: reseller.map(ToString::to_string),
        invitation,
        request: request.map(|v| v.to_string()),
        customer,
        reads_only: false,
    }
}

/// Every route against every principal. A route that names an object (`{id}`) is called
/// with real objects of each ownership context: the principal's own provider's (reads only),
/// a sibling reseller's (another reseller of the same provider), another provider's, a former
/// partner's, and a tenant only the operator relates to. For every principal outside a
/// context, a real object must answer exactly as a missing one (and never with success), so
/// removing an object check makes this test fail.
#[tokio::test]
async fn permission_matrix() {
    let app = TestApp::new().await;
    let mut m = app.market().await;
    let op = m.world.operator.clone();
    let p1 = m.user("provider_global_admin").clone();
    let p2 = m.user("provider2_global_admin").clone();
    // A sibling of the world's reseller: another reseller of the same provider, with a
    // customer and a sale of its own.
    let sibling = app
        .enroll(&op, "reseller", "Proseware", "2000004", "DE")
        .await;
    let sibling_admin = app
        .user(&op, &sibling, "admin@proseware.test", &["global_admin"])
        .await;
    app.partner_pair(&p1, &sibling_admin).await;
    let (sib_customer, _) = app.customer_for(&p1, "proseware", &sibling).await;
    let (sib_order, sib_sub) = app.order(&p1, &sib_customer, 3, "2000004").await;
    // A customer only the other provider serves.
    let (p2_customer, p2_admin) = app.customer_for(&p2, "northwindonly", &m.reseller2).await;
    let (p2_order, p2_sub) = app.order(&p2, &p2_customer, 4, "2000002").await;
    let user_of = |customer: &TenantId, email: &str| {
        let (customer, email) = (customer.clone(), email.to_lowercase());
        let app = &app;
        async move {
            let mut c = app.svc.db.read().await.unwrap();
            twotier_store::users::list_for_tenant(&mut c.conn(), &customer)
                .await
                .unwrap()
                .into_iter()
                .find(|u| u.email_lower == email)
                .unwrap()
                .id
        }
    };
    let sib_user = user_of(&sib_customer, "admin@proseware.onmicrosoft.example").await;
    let p2_user = user_of(&p2_customer, &p2_admin).await;
    let former_admin = m.user("former_global_admin").clone();
    let other_admin = m.user("other_reseller_global_admin").clone();
    let mut contexts = vec![
        objects_of(
            &app,
            "unrelated",
            &m.world.other_reseller,
            &other_admin,
            None,
            None,
        )
        .await,
        objects_of(
            &app,
            "sibling-reseller",
            &sibling,
            &sibling_admin,
            None,
            Some((
                sib_customer.to_string(),
                sib_sub,
                sib_order,
                sib_user.to_string(),
            )),
        )
        .await,
        objects_of(
            &app,
            "other-provider",
            &m.provider2,
            &p2,
            Some(&m.reseller2),
            Some((
                p2_customer.to_string(),
                p2_sub,
                p2_order,
                p2_user.to_string(),
            )),
        )
        .await,
        objects_of(
            &app,
            "former-partner",
            &m.former,
            &former_admin,
            None,
            Some((
                m.orphan.to_string(),
                m.sub3.clone(),
                m.order3.clone(),
                m.orphan_user.clone(),
            )),
        )
        .await,
    ];
    // The sibling is the provider's reseller (for the relationship routes), and the other
    // provider's reseller is the other provider's.
    contexts[1].reseller = Some(sibling.to_string());
    contexts[2].reseller = Some(m.reseller2.to_string());
    contexts[3].reseller = Some(m.former.to_string());
    let mut own = objects_of(
        &app,
        "own",
        &m.world.provider,
        &p1,
        Some(&m.world.reseller),
        Some((
            m.shared.to_string(),
            m.sub1.clone(),
            m.order1.clone(),
            m.shared_user.clone(),
        )),
    )
    .await;
    own.reads_only = true;
    contexts.push(own);

    let mut table = String::new();
    let _ = writeln!(
        table,
        "# status per route, object context and principal; anon = no credentials; API routes use a bearer token, pages a session"
    );
    let _ = writeln!(
        table,
        "# contexts of {{id}}: own = the provider's own objects (reads only); sibling-reseller = another reseller of the provider (Proseware), its customer and sale;"
    );
    let _ = writeln!(
        table,
        "# other-provider = the second provider's (Northwind), its reseller, a customer only it serves and its sale; former-partner = a reseller whose"
    );
    let _ = writeln!(
        table,
        "# partnership was removed (Litware), its former customer and the provider's sale to it; unrelated = a reseller only the operator relates to (Tailspin); - = no such object"
    );
    let _ = write!(table, "{:<56} {:<17}", "route", "context");
    let _ = write!(table, " {:>5}", "anon");
    for (i, _) in MATRIX_USERS.iter().enumerate() {
        let _ = write!(table, " {:>5}", format!("u{i}"));
    }
    table.push('\n');
    for (i, key) in MATRIX_USERS.iter().enumerate() {
        let _ = writeln!(table, "# u{i} = {key}");
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for spec in route_table() {
        if spec.path.starts_with("/static/") {
            continue;
        }
        let names_object = spec.path.contains('{');
        let runs: Vec<Option<&Objects>> = if names_object {
            contexts.iter().map(Some).collect()
        } else {
            vec![None]
        };
        for objects in runs {
            let _ = write!(
                table,
                "{:<56} {:<17}",
                format!("{} {}", spec.method, spec.path),
                objects.map_or("-", |o| o.name)
            );
            let reads = matches!(spec.method, Method::GET | Method::HEAD);
            let path = match objects {
                None => Some(spec.path.to_owned()),
                Some(o) if o.reads_only && !reads => None,
                Some(o) => o.fill(spec.path),
            };
            let Some(path) = path else {
                for _ in 0..=MATRIX_USERS.len() {
                    let _ = write!(table, " {:>5}", "-");
                }
                table.push('\n');
                continue;
            };
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
                let user = m.user(key).clone();
                let who = if spec.surface == Surface::Page {
                    user.session()
                } else {
                    user.bearer()
                };
                let status = call(&app, &spec.method, &path, spec.surface, &who).await;
                let _ = write!(table, " {:>5}", status.as_u16());
                if status.is_server_error() {
                    failures.push(format!("{} {path} as {key}: {status}", spec.method));
                }
                let kind = kind_of(spec.path);
                if let Some(o) = objects
                    && kind != Kind::Name
                    && !key.starts_with("operator")
                    && !insider(o, kind, key)
                {
                    let missing = o.missing(spec.path).unwrap();
                    let status_missing =
                        call(&app, &spec.method, &missing, spec.surface, &who).await;
                    checked += 1;
                    if status_missing != status || status.is_success() {
                        failures.push(format!(
                            "{} {} ({}) as {key}: a real object {status}, a missing one {status_missing}",
                            spec.method, spec.path, o.name
                        ));
                    }
                }
                if spec.path == "/logout" {
                    // Signing out ends the session; sign in again for the rows that follow.
                    let (cookie, csrf) = app
                        .sign_in(&user.email, twotier_testkit::app::PASSWORD)
                        .await;
                    let u = m.world.users.get_mut(key).unwrap();
                    u.cookie = cookie;
                    u.csrf = csrf;
                }
            }
            table.push('\n');
        }
    }
    assert!(
        checked > 1000,
        "only {checked} foreign objects were compared with missing ones"
    );
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
