//! The server-rendered UI. Pages work without JavaScript; every form carries the session's
//! CSRF token; errors are shown next to their field.

pub mod account;
pub mod admin;
pub mod assets;
pub mod audit;
pub mod catalog;
pub mod customer_relationships;
pub mod customers;
pub mod incentives;
pub mod licences;
pub mod partners;
pub mod partnerships;
pub mod session;
pub mod subscriptions;
pub mod wizard;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{Html, IntoResponse, Redirect, Response};
use http::StatusCode;
use twotier_core::auth::{Session, Step};
use twotier_domain::FieldErrors;
use twotier_domain::authz::Permission as P;
use twotier_domain::tenant::TenantKind;

use crate::error::PageError;
use crate::routes::Routes;

pub fn routes(r: &mut Routes) {
    account::routes(r);
    session::routes(r);
    admin::routes(r);
    audit::routes(r);
    partners::routes(r);
    partnerships::routes(r);
    catalog::routes(r);
    wizard::routes(r);
    incentives::routes(r);
    customer_relationships::routes(r);
    licences::routes(r);
    customers::routes(r);
    subscriptions::routes(r);
    assets::routes(r);
}

#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

#[derive(Debug, Clone)]
pub struct Badge {
    pub display_name: String,
    pub email: String,
    pub tenant_name: String,
    pub tenant_label: &'static str,
}

/// What the layout needs: navigation for what this user may use, who is signed in, the
/// form token and a one-line message after a change.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub title: String,
    pub nav: Vec<NavItem>,
    pub user: Option<Badge>,
    pub csrf: String,
    pub flash: Option<String>,
}

impl Ctx {
    pub fn anonymous(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            nav: vec![NavItem {
                href: "/providers",
                label: "Indirect providers",
                current: title == "Indirect providers",
            }],
            ..Self::default()
        }
    }

    pub fn new(session: &Session, title: &str, current: &str) -> Self {
        let a = &session.actor;
        let mut nav = Vec::new();
        let mut add = |href: &'static str, label: &'static str| {
            nav.push(NavItem {
                href,
                label,
                current: href == current,
            });
        };
        if session.pending.is_none() {
            add("/", "Home");
            if a.can(P::ViewPartners) {
                add("/partners", "Partners");
            }
            if a.can(P::ViewCustomers) && a.tenant_kind.is_partner() {
                add("/customers", "Customers");
            }
            if a.can(P::ManageCatalog) {
                add("/catalog", "Catalog");
            }
            if a.can(P::ViewPartnerships) && a.tenant_kind == TenantKind::Provider {
                add("/resellers", "Indirect resellers");
            }
            if a.can(P::ViewPartnerships) && a.tenant_kind == TenantKind::Reseller {
                add("/indirect-providers", "Indirect providers");
            }
            if a.can(P::ViewOwnSubscriptions) {
                add("/my/subscriptions", "Subscriptions");
                add("/my/partners", "Partners");
            }
            if a.can(P::ManageUsers) && a.tenant_kind == TenantKind::Customer {
                add("/my/users", "Users and licences");
            } else if a.can(P::ManageUsers) {
                add("/users", "Users");
            }
            if a.can(P::ManageApps) {
                add("/apps", "API apps");
            }
            if a.can(P::ViewIncentives) && a.tenant_kind.is_partner() {
                add("/incentives", "Incentives");
            }
            if a.can(P::ViewAudit) {
                add("/audit", "Audit log");
            }
            if a.can(P::ManageSecurityPolicy) {
                add("/security", "Security");
            }
            if a.can(P::AcceptAgreement) && a.tenant_kind.is_partner() {
                add("/agreement", "Partner agreement");
            }
            add("/account", "My account");
        }
        add("/providers", "Provider directory");
        Self {
            title: title.to_owned(),
            nav,
            user: Some(Badge {
                display_name: session.display_name.clone(),
                email: session.email.clone(),
                tenant_name: session.tenant_name.clone(),
                tenant_label: a.tenant_kind.label(),
            }),
            csrf: session.csrf_token.clone(),
            flash: None,
        }
    }

    /// Shows the message for a `?done=` key; unknown keys show nothing.
    #[must_use]
    pub fn with_flash(mut self, done: Option<&str>) -> Self {
        self.flash = done.and_then(flash_text).map(str::to_owned);
        self
    }
}

fn flash_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "password" => "Your password was changed.",
        "two-factor-on" => "Two-factor sign-in is on.",
        "two-factor-off" => "Two-factor sign-in is off.",
        "token-revoked" => "The token was revoked. It no longer works.",
        "user-saved" => "The user was saved.",
        "app-disabled" => "The app was disabled and its tokens revoked.",
        "security" => "The security policy was saved.",
        "agreement" => "The partner agreement is accepted.",
        "partner-saved" => "The partner was saved.",
        "order-placed" => "The order was placed; its subscriptions are active.",
        "billing-saved" => "The billing profile was saved.",
        "subscription-quantity" => "The licence count was changed.",
        "subscription-suspended" => "The subscription is suspended.",
        "subscription-reactivated" => "The subscription is active again.",
        "subscription-cancelled" => "The subscription is cancelled.",
        "subscription-renamed" => "The subscription was renamed.",
        "subscription-autorenew" => "Auto-renew was changed.",
        "subscription-partner" => "The reseller of record was changed.",
        "subscription-support" => "The support contact was designated.",
        "subscription-upgraded" => {
            "The subscription was upgraded: this is the new subscription, with the licences."
        }
        "request-revoked" => "The relationship request was revoked. Its link no longer works.",
        "relationship-accepted" => {
            "You accepted the request. The partner now serves your organisation."
        }
        "admin-access-removed" => {
            "The partner's admin access was removed. Its next request inside your organisation is refused."
        }
        "admin-access-withdrawn" => "Your organisation gave up its delegated admin access.",
        "relationship-ended" => "The relationship with the customer has ended.",
        "licences-saved" => "The licences were saved.",
        "licences-unchanged" => "Nothing changed.",
        "user-disabled" => "The user was disabled and signed out.",
        "user-enabled" => "The user was enabled.",
        "catalog-imported" => "The catalog was imported.",
        "offer-saved" => "The offer was saved.",
        "invitation-revoked" => "The invitation was revoked. Its link no longer works.",
        "partnership-removed" => {
            "The partnership was removed. No message was sent to the reseller."
        }
        "partnership-created" => "You authorized the indirect provider. The partnership is active.",
        _ => return None,
    })
}

/// Renders a template; a rendering failure becomes a logged 500.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => PageError(twotier_core::CoreError::internal_msg(format!(
            "template: {e}"
        )))
        .into_response(),
    }
}

pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    let mut r = render(t);
    if r.status().is_success() {
        *r.status_mut() = status;
    }
    r
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: Ctx,
    heading: &'a str,
    message: &'a str,
}

/// A page with a heading and a message (errors, refusals).
pub fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let page = ErrorPage {
        ctx: Ctx::anonymous(heading),
        heading,
        message,
    };
    let mut r = match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => "internal error".into_response(),
    };
    *r.status_mut() = status;
    r
}

/// Where a session with a pending step must go first.
pub fn redirect_to_step(step: Step) -> Response {
    Redirect::to(match step {
        Step::ChangePassword => "/password",
        Step::EnterCode => "/two-factor",
        Step::EnrolTwoFactor => "/two-factor/setup",
    })
    .into_response()
}

/// A submitted form: repeated fields (checkboxes) kept, unknown fields ignored.
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name).as_str(), "on" | "true" | "1" | "yes")
    }

    /// The `qty.<offer>` fields with a licence count, as an order (errors under `order`).
    pub fn order(
        &self,
        partner_id_on_record: Option<String>,
    ) -> Result<twotier_core::orders::OrderInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut line_items = Vec::new();
        for (name, value) in &self.0 {
            let (Some(offer), value) = (name.strip_prefix("qty."), value.trim()) else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            match value.parse::<i64>() {
                Ok(quantity) => line_items.push(twotier_core::orders::LineItemInput {
                    line_item_number: i64::try_from(line_items.len()).ok(),
                    offer_id: offer.to_owned(),
                    quantity: Some(quantity),
                    partner_id_on_record: partner_id_on_record.clone(),
                    friendly_name: None,
                }),
                Err(_) => errors.add(
                    "order",
                    format!("enter a whole number of licences for {offer}"),
                ),
            }
        }
        if line_items.is_empty() && errors.is_empty() {
            errors.add("order", "enter a licence count for at least one offer");
        }
        if errors.is_empty() {
            Ok(twotier_core::orders::OrderInput {
                billing_cycle: self.get("billing_cycle"),
                line_items,
            })
        } else {
            Err(errors)
        }
    }

    /// An idempotency key for a form that carries one (a reload or double submit replays):
    /// the fingerprint is every field but the CSRF token.
    pub fn idempotency(
        &self,
        scope: &str,
        key_field: &str,
    ) -> Option<twotier_core::write::IdempotencyKey> {
        use sha2::Digest as _;
        let key = self.get(key_field);
        if key.is_empty() {
            return None;
        }
        let mut pairs: Vec<_> = self.0.iter().filter(|(k, _)| k != "_csrf").collect();
        pairs.sort();
        let fingerprint = hex::encode(sha2::Sha256::digest(format!("{pairs:?}").as_bytes()));
        Some(twotier_core::write::IdempotencyKey {
            key: format!("{scope}:{key}"),
            fingerprint,
        })
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            PageError(twotier_core::CoreError::invalid(
                "form",
                "the form could not be read",
            ))
        })?;
        let pairs =
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).map_err(|_| {
                PageError(twotier_core::CoreError::invalid(
                    "form",
                    "the form could not be read",
                ))
            })?;
        Ok(Self(pairs))
    }
}

/// Field errors for a form that is shown again.
pub fn field_errors(e: twotier_core::CoreError) -> Result<FieldErrors, PageError> {
    match e {
        twotier_core::CoreError::Invalid(f) => Ok(f),
        twotier_core::CoreError::Rule { message, .. } => Ok(FieldErrors::single("form", message)),
        other => Err(PageError(other)),
    }
}

/// A CSV download.
pub fn csv_response(body: String, filename: &str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = http::HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(http::header::CONTENT_DISPOSITION, v);
    }
    r
}

pub fn kind_label(kind: TenantKind) -> &'static str {
    kind.label()
}

/// A secret shown exactly once (temporary password, token, client secret).
#[derive(Debug, Template)]
#[template(path = "secret.html")]
pub struct SecretPage {
    pub ctx: Ctx,
    pub heading: String,
    pub facts: Vec<(String, String)>,
    pub secret_label: String,
    pub secret: String,
    pub usage: String,
    pub back_href: String,
    pub back_label: String,
}

impl SecretPage {
    /// A user's temporary password, shown once, with the user name and when it expires.
    pub fn temporary_password(
        ctx: Ctx,
        heading: String,
        email: &str,
        expires: twotier_domain::clock::Timestamp,
        secret: Option<String>,
        usage: &str,
        back_href: String,
    ) -> Self {
        Self {
            ctx,
            heading,
            facts: vec![
                ("User name".to_owned(), email.to_owned()),
                ("Expires".to_owned(), expires.display()),
            ],
            secret_label: "Temporary password".to_owned(),
            secret: secret.unwrap_or_default(),
            usage: usage.to_owned(),
            back_href,
            back_label: "Done".to_owned(),
        }
    }
}
