use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;
use twotier_core::partners::EnrollInput;
use twotier_core::passwords::Argon2Params;
use twotier_core::tokens::{NewTokenInput, Owner};
use twotier_core::users::NewUserInput;
use twotier_core::{CoreSettings, RequestMeta, Services};
use twotier_domain::actor::Actor;
use twotier_domain::clock::{MockClock, Timestamp};
use twotier_domain::ids::{TenantId, UserId};
use twotier_web::{AppState, WebSettings};

use crate::db::TestDb;

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// 2026-11-24T00:00:00Z, the start of every test's clock.
pub const START: Timestamp = Timestamp(1_795_478_400_000);

pub struct TestApp {
    pub db: TestDb,
    pub svc: Services,
    pub clock: MockClock,
    pub state: AppState,
    pub router: Router,
}

impl std::fmt::Debug for TestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

/// A response read to the end.
#[derive(Debug, Clone)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The secret a show-once page displays (`#secret-value`); empty when there is none.
    pub fn shown_secret(&self) -> String {
        self.text()
            .split("id=\"secret-value\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap_or_default()
            .to_owned()
    }
    /// The request key the page's forms carry (`request_key`), for sending a form twice.
    pub fn request_key(&self) -> String {
        self.text()
            .split("name=\"request_key\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
    /// The session token a sign-in set, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| {
                c.strip_prefix("tt_session=")
                    .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
            })
    }
}

/// Who makes a request in a test.
#[derive(Debug, Clone)]
pub enum Principal {
    Anonymous,
    /// A bearer token on the API.
    Bearer(String),
    /// A browser session: cookie and form token.
    Session {
        cookie: String,
        csrf: String,
    },
}

/// A user of the test world, signed in both ways.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub email: String,
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub token: String,
    pub cookie: String,
    pub csrf: String,
}

impl TestUser {
    pub fn bearer(&self) -> Principal {
        Principal::Bearer(self.token.clone())
    }
    pub fn session(&self) -> Principal {
        Principal::Session {
            cookie: self.cookie.clone(),
            csrf: self.csrf.clone(),
        }
    }
}

/// The standard world: an operator, a provider with a user in every role (and one with no
/// role), a reseller, and a second reseller nobody here relates to.
#[derive(Debug, Clone)]
pub struct World {
    pub operator: TenantId,
    pub provider: TenantId,
    pub reseller: TenantId,
    pub other_reseller: TenantId,
    pub users: HashMap<&'static str, TestUser>,
}

impl World {
    pub fn user(&self, key: &str) -> &TestUser {
        self.users
            .get(key)
            .unwrap_or_else(|| panic!("no test user {key}"))
    }
}

/// The principals of the permission matrix, in a fixed order.
pub const MATRIX_USERS: [&str; 12] = [
    "operator_admin",
    "operator_support",
    "provider_global_admin",
    "provider_user_management_admin",
    "provider_admin_agent",
    "provider_sales_agent",
    "provider_helpdesk_agent",
    "provider_billing_admin",
    "provider_no_role",
    "reseller_global_admin",
    "reseller_admin_agent",
    "other_reseller_global_admin",
];

impl TestApp {
    pub async fn new() -> Self {
        // In-process requests share one client address; the per-address limit has its own test.
        Self::with_settings(CoreSettings {
            address_failure_limit: 10_000,
            ..CoreSettings::default()
        })
        .await
    }

    pub async fn with_settings(settings: CoreSettings) -> Self {
        Self::with_web(settings, WebSettings::default()).await
    }

    /// With settings of the HTTP layer too (trusted proxies, base URL).
    pub async fn with_web(settings: CoreSettings, web: WebSettings) -> Self {
        let db = TestDb::new().await;
        let pool = db.connect().await;
        let clock = MockClock::at(START);
        let settings = CoreSettings {
            argon2: Argon2Params::TEST,
            hashing_permits: 2,
            ..settings
        };
        let svc = Services::new(pool, Arc::new(clock.clone()), settings)
            .await
            .expect("services");
        let state = AppState::new(svc.clone(), web);
        let router = twotier_web::router(state.clone());
        Self {
            db,
            svc,
            clock,
            state,
            router,
        }
    }

    pub fn cli(&self, operator: &TenantId) -> Actor {
        Actor::cli(operator.clone())
    }

    /// Enrols a partner through the real use case and returns its tenant.
    pub async fn enroll(
        &self,
        operator: &TenantId,
        kind: &str,
        name: &str,
        mpn_id: &str,
        country: &str,
    ) -> TenantId {
        let slug: String = name
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let input = EnrollInput {
            kind: kind.to_owned(),
            name: name.to_owned(),
            mpn_id: mpn_id.to_owned(),
            country: country.to_owned(),
            admin_email: format!("founder@{slug}.test"),
            accept_agreement: true,
            ..EnrollInput::default()
        };
        let done = twotier_core::partners::enroll(
            &self.svc,
            &self.cli(operator),
            &RequestMeta::default(),
            &input,
        )
        .await
        .expect("enroll");
        TenantId::from_stored(done.partner.id)
    }

    /// Creates a user with a known password, signs them in and gives them an API token.
    pub async fn user(
        &self,
        operator: &TenantId,
        tenant: &TenantId,
        email: &str,
        roles: &[&str],
    ) -> TestUser {
        let input = NewUserInput {
            email: email.to_owned(),
            display_name: String::new(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        };
        let created = twotier_core::users::create(
            &self.svc,
            &self.cli(operator),
            &RequestMeta::default(),
            tenant,
            &input,
        )
        .await
        .expect("create user");
        self.set_password(email, PASSWORD).await;
        self.signed_in(operator, tenant, email, created.user.id.to_string())
            .await
    }

    /// An API token (from the operator's CLI) and a browser session for a user whose password
    /// is [`PASSWORD`].
    pub async fn signed_in(
        &self,
        operator: &TenantId,
        tenant: &TenantId,
        email: &str,
        user_id: String,
    ) -> TestUser {
        let token = twotier_core::tokens::create(
            &self.svc,
            &self.cli(operator),
            &RequestMeta::default(),
            &Owner::Email {
                email: email.to_owned(),
                tenant: Some(tenant.clone()),
            },
            &NewTokenInput {
                name: "test".to_owned(),
                expires_days: Some(30),
            },
        )
        .await
        .expect("token")
        .secret
        .expect("secret");
        let (cookie, csrf) = self.sign_in(email, PASSWORD).await;
        TestUser {
            email: email.to_owned(),
            user_id: UserId::from_stored(user_id),
            tenant_id: tenant.clone(),
            token,
            cookie,
            csrf,
        }
    }

    /// The actor a test user's API token resolves to.
    pub async fn svc_actor(&self, user: &TestUser) -> Actor {
        twotier_core::auth::resolve_bearer(&self.svc, &user.token)
            .await
            .expect("resolve")
            .expect("live token")
    }

    /// Gives a user a permanent password directly (tests skip the forced change). The
    /// address must be one user's only.
    pub async fn set_password(&self, email: &str, password: &str) {
        let mut rows = {
            let mut c = self.svc.db.read().await.expect("read");
            twotier_store::users::with_email(&mut c.conn(), &email.to_lowercase())
                .await
                .expect("find")
        };
        assert_eq!(rows.len(), 1, "{email} is not one user's");
        let tenant = TenantId::from_stored(rows.remove(0).tenant_id.to_string());
        self.set_password_of(&tenant, email, password).await;
    }

    /// Gives one tenant's user with this address a permanent password directly.
    pub async fn set_password_of(&self, tenant: &TenantId, email: &str, password: &str) {
        let lower = email.to_lowercase();
        let salt = twotier_core::auth::password_salt(&self.svc, &lower);
        let hash = self
            .svc
            .passwords
            .hash_with_salt(password, salt)
            .await
            .expect("hash");
        let mut tx = self.svc.db.begin().await.expect("tx");
        let row = twotier_store::users::find_by_email(&mut tx.conn(), tenant, &lower)
            .await
            .expect("find")
            .expect("user");
        twotier_store::users::set_password(&mut tx.conn(), &row.id, &hash, self.svc.now().millis())
            .await
            .expect("set");
        tx.commit().await.expect("commit");
    }

    /// Posts the sign-in form as a browser without a session would.
    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.form(
            Method::POST,
            "/login",
            &Principal::Anonymous,
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// Posts the sign-in form over a connection from `peer` (a client, or a proxy that sends
    /// `headers` such as `X-Forwarded-For`).
    pub async fn login_from(
        &self,
        peer: &str,
        headers: &[(&str, &str)],
        email: &str,
        password: &str,
    ) -> TestResponse {
        let body =
            serde_urlencoded::to_string([("email", email), ("password", password)]).expect("form");
        let mut req = Request::builder()
            .method(Method::POST)
            .uri("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut req = req.body(Body::from(body)).expect("request");
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo::<std::net::SocketAddr>(
                format!("{peer}:40000").parse().expect("peer"),
            ));
        self.send(req).await
    }

    /// Turns two-factor sign-in on for a user with a new secret; returns the raw secret.
    pub async fn enrol_two_factor(&self, user: &TestUser) -> Vec<u8> {
        let secret = twotier_core::totp::new_secret();
        let mut tx = self.svc.db.begin().await.expect("tx");
        twotier_store::users::set_totp(
            &mut tx.conn(),
            &user.user_id,
            Some(&secret),
            true,
            self.svc.now().millis(),
        )
        .await
        .expect("totp");
        tx.commit().await.expect("commit");
        twotier_core::totp::base32_decode(&secret).expect("base32")
    }

    /// Signs in through the login form; returns the session cookie and its form token.
    pub async fn sign_in(&self, email: &str, password: &str) -> (String, String) {
        let r = self.login(email, password).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "sign-in of {email} failed: {}",
            r.text()
        );
        let cookie = r.session_cookie().expect("session cookie");
        let session = twotier_core::auth::resolve_session(&self.svc, &cookie)
            .await
            .expect("resolve")
            .expect("session");
        (cookie, session.csrf_token)
    }

    /// The operator tenant, the provider with every role, resellers.
    pub async fn world(&self) -> World {
        let operator = twotier_core::users::ensure_operator_tenant(&self.svc)
            .await
            .expect("operator");
        let mut users = HashMap::new();
        users.insert(
            "operator_admin",
            self.user(
                &operator,
                &operator,
                "ops@operator.test",
                &["operator_admin"],
            )
            .await,
        );
        users.insert(
            "operator_support",
            self.user(
                &operator,
                &operator,
                "support@operator.test",
                &["operator_support"],
            )
            .await,
        );
        let provider = self
            .enroll(
                &operator,
                "provider",
                "Contoso Distribution",
                "1000001",
                "DE",
            )
            .await;
        for (key, role) in [
            ("provider_global_admin", "global_admin"),
            ("provider_user_management_admin", "user_management_admin"),
            ("provider_admin_agent", "admin_agent"),
            ("provider_sales_agent", "sales_agent"),
            ("provider_helpdesk_agent", "helpdesk_agent"),
            ("provider_billing_admin", "billing_admin"),
        ] {
            users.insert(
                key,
                self.user(
                    &operator,
                    &provider,
                    &format!("{role}@contoso.test"),
                    &[role],
                )
                .await,
            );
        }
        users.insert(
            "provider_no_role",
            self.user(&operator, &provider, "nobody@contoso.test", &[])
                .await,
        );
        let reseller = self
            .enroll(&operator, "reseller", "Fabrikam IT", "2000001", "FR")
            .await;
        users.insert(
            "reseller_global_admin",
            self.user(
                &operator,
                &reseller,
                "admin@fabrikam.test",
                &["global_admin"],
            )
            .await,
        );
        users.insert(
            "reseller_admin_agent",
            self.user(
                &operator,
                &reseller,
                "agent@fabrikam.test",
                &["admin_agent"],
            )
            .await,
        );
        let other_reseller = self
            .enroll(&operator, "reseller", "Tailspin Toys", "3000001", "US")
            .await;
        users.insert(
            "other_reseller_global_admin",
            self.user(
                &operator,
                &other_reseller,
                "admin@tailspin.test",
                &["global_admin"],
            )
            .await,
        );
        World {
            operator,
            provider,
            reseller,
            other_reseller,
            users,
        }
    }

    /// An active partnership between the world's provider and reseller, made the way
    /// people make it: the provider's Global admin invites, the reseller's accepts.
    pub async fn partner(&self, world: &World) {
        self.partner_pair(
            world.user("provider_global_admin"),
            world.user("reseller_global_admin"),
        )
        .await;
    }

    /// `n` more indirect resellers partnered with `provider`, written straight to the store
    /// and named "Aaa reseller 0000"… so that they list before every other reseller.
    pub async fn partnered_resellers(&self, provider: &TenantId, n: usize) {
        use twotier_domain::ids::PartnershipId;
        use twotier_domain::link::RelationshipState;
        use twotier_domain::tenant::TenantKind;
        use twotier_store::{partners, partnerships, tenants};
        let now = self.svc.now().millis();
        let mut tx = self.svc.db.begin().await.expect("begin");
        let p = partners::find(&mut tx.conn(), provider)
            .await
            .expect("provider")
            .expect("a provider");
        let rows: Vec<tenants::TenantRow> = (0..n)
            .map(|i| tenants::TenantRow {
                id: TenantId::generate(),
                kind: TenantKind::Reseller.as_str().to_owned(),
                name: format!("Aaa reseller {i:04}"),
                require_mfa: false,
                disabled: false,
                created_at: now,
            })
            .collect();
        tenants::insert_many(&mut tx.conn(), &rows)
            .await
            .expect("tenants");
        for (i, r) in rows.iter().enumerate() {
            partners::insert_profile(
                &mut tx.conn(),
                &partners::NewProfile {
                    tenant_id: &r.id,
                    legal_name: &r.name,
                    country: &p.country,
                    region: &p.region,
                    mpn_id: 7_100_000 + i64::try_from(i).expect("few"),
                    contact_email: "it@aaa.test",
                    description: "",
                    website: "",
                    agreement_accepted_at: Some(now),
                    agreement_accepted_by: None,
                    updated_at: now,
                },
            )
            .await
            .expect("profile");
            partnerships::insert(
                &mut tx.conn(),
                &partnerships::PartnershipRow {
                    id: PartnershipId::from_stored(PartnershipId::generate().to_string()),
                    provider_tenant_id: TenantId::from_stored(provider.to_string()),
                    reseller_tenant_id: r.id.clone(),
                    state: RelationshipState::Active,
                    invitation_id: None,
                    created_at: now,
                    created_by: "it@aaa.test".to_owned(),
                    removed_at: None,
                    removed_by: None,
                },
            )
            .await
            .expect("partnership");
        }
        tx.commit().await.expect("commit");
    }

    /// A customer tenant no partner relates to yet, created by the operator as
    /// `twotier admin customer create` does, and a Global admin of it, signed in.
    pub async fn existing_customer(
        &self,
        world: &World,
        prefix: &str,
        country: &str,
    ) -> (TenantId, TestUser) {
        // The API's reader turns keys into snake_case before these fields see them.
        let input: twotier_core::customers::NewCustomerInput = serde_json::from_value(serde_json::json!({
            "company_profile": { "domain": prefix },
            "billing_profile": { "email": format!("it@{prefix}.test"), "culture": "en-GB", "language": "en",
                "company_name": format!("{prefix} Ltd"),
                "default_address": { "address_line1": "1 Main Street", "city": "Town", "postal_code": "12345",
                    "country": country, "first_name": "Kim", "last_name": "Lee" } },
        }))
        .expect("customer input");
        let customer = twotier_core::customers::create_without_partner(
            &self.svc,
            &self.cli(&world.operator),
            &RequestMeta::default(),
            &input,
        )
        .await
        .expect("existing customer");
        let tenant = TenantId::from_stored(customer.id);
        let admin = self
            .user(
                &world.operator,
                &tenant,
                &format!("boss@{prefix}.test"),
                &["customer_global_admin"],
            )
            .await;
        (tenant, admin)
    }

    /// The demo catalog, imported by the operator.
    pub async fn import_demo_catalog(&self, world: &World) {
        let inputs = twotier_core::catalog::parse_file(twotier_core::demo::DEMO_CATALOG)
            .expect("demo catalog parses");
        twotier_core::catalog::import(
            &self.svc,
            &self.cli(&world.operator),
            &RequestMeta::default(),
            &inputs,
        )
        .await
        .expect("import");
    }

    /// Any request through the router, as the principal.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        principal: &Principal,
        headers: &[(&str, &str)],
        body: Body,
        content_type: Option<&str>,
    ) -> TestResponse {
        let mut req = Request::builder().method(method).uri(path);
        match principal {
            Principal::Anonymous => {}
            Principal::Bearer(token) => {
                req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            Principal::Session { cookie, .. } => {
                req = req.header(header::COOKIE, format!("tt_session={cookie}"));
            }
        }
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req.body(body).expect("request")).await
    }

    /// Sends a built request through the router and reads the whole response.
    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(req).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    /// A JSON API call.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        principal: &Principal,
        body: Option<serde_json::Value>,
    ) -> TestResponse {
        self.api_with(method, path, principal, &[], body).await
    }

    pub async fn api_with(
        &self,
        method: Method,
        path: &str,
        principal: &Principal,
        headers: &[(&str, &str)],
        body: Option<serde_json::Value>,
    ) -> TestResponse {
        let (body, ct) = match body {
            Some(v) => (Body::from(v.to_string()), Some("application/json")),
            None => (Body::empty(), None),
        };
        self.request(method, path, principal, headers, body, ct)
            .await
    }

    /// A page request; forms get the session's `_csrf` and a same-origin header like a browser,
    /// and a redirect to a secret's one-time page is followed, as a browser would.
    pub async fn form(
        &self,
        method: Method,
        path: &str,
        principal: &Principal,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let r = self.form_unfollowed(method, path, principal, fields).await;
        match r.header("location") {
            Some(to) if r.status == StatusCode::SEE_OTHER && to.starts_with("/shown-once/") => {
                self.page(&to, principal).await
            }
            _ => r,
        }
    }

    /// [`Self::form`] without following any redirect.
    pub async fn form_unfollowed(
        &self,
        method: Method,
        path: &str,
        principal: &Principal,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        if let Principal::Session { csrf, .. } = principal {
            pairs.push(("_csrf", csrf.as_str()));
        }
        let body = serde_urlencoded::to_string(&pairs).expect("form");
        self.request(
            method,
            path,
            principal,
            &[("sec-fetch-site", "same-origin")],
            Body::from(body),
            Some("application/x-www-form-urlencoded"),
        )
        .await
    }

    pub async fn page(&self, path: &str, principal: &Principal) -> TestResponse {
        self.request(Method::GET, path, principal, &[], Body::empty(), None)
            .await
    }

    /// Serves the app on a loopback port for real clients (browsers, reqwest), as the server
    /// serves it (`twotier_web::server`).
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = self.router.clone();
        tokio::spawn(twotier_web::server::serve(
            listener,
            app,
            twotier_web::server::ConnectionLimits::default(),
            std::future::pending(),
        ));
        format!("http://{addr}")
    }

    /// Every audit record, oldest first (for assertions).
    pub async fn audit_records(&self) -> Vec<twotier_store::audit::AuditRow> {
        let mut c = self.svc.db.read().await.expect("read");
        let mut rows = twotier_store::audit::list(
            &mut c.conn(),
            &twotier_store::audit::AuditFilter {
                limit: 100_000,
                ..Default::default()
            },
        )
        .await
        .expect("audit");
        rows.reverse();
        rows
    }
}
