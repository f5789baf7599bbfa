//! The signed-in layout: the page context every template gets (navigation for the
//! viewer's tenant and roles, badges, the flash message after a redirect).

use super::*;

#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// A labelled group of the sidebar: daily work first, then administration, then the
/// signed-in person's own pages.
#[derive(Debug, Clone)]
pub struct NavGroup {
    pub id: &'static str,
    pub label: &'static str,
    pub items: Vec<NavItem>,
}

/// The sidebar's groups, in the order they are shown.
const GROUPS: [(&str, &str); 3] = [
    ("work", "Daily work"),
    ("admin", "Administration"),
    ("you", "You"),
];

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
    pub nav: Vec<NavGroup>,
    pub user: Option<Badge>,
    pub csrf: String,
    /// A fresh key in every form of the page: a confirm-once action that is sent twice
    /// (double click, Back and send again) shows the first one's success.
    pub request_key: String,
    pub flash: Option<String>,
    /// Where a detail page sits: the pages above it (link, label), then its own label.
    pub crumbs: Option<Crumbs>,
}

#[derive(Debug, Clone, Default)]
pub struct Crumbs {
    pub above: Vec<(String, String)>,
    pub here: String,
}

impl Ctx {
    pub fn anonymous(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            nav: vec![NavGroup {
                id: "directory",
                label: "Directory",
                items: vec![NavItem {
                    href: "/providers",
                    label: "Indirect providers",
                    current: title == "Indirect providers",
                }],
            }],
            ..Self::default()
        }
    }

    pub fn new(session: &Session, title: &str, current: &str) -> Self {
        let a = &session.actor;
        let mut nav: Vec<NavGroup> = GROUPS
            .iter()
            .map(|&(id, label)| NavGroup {
                id,
                label,
                items: Vec::new(),
            })
            .collect();
        let mut add = |group: usize, href: &'static str, label: &'static str| {
            nav[group].items.push(NavItem {
                href,
                label,
                current: href == current,
            });
        };
        let (work, admin, you) = (0, 1, 2);
        if session.pending.is_none() {
            add(work, "/", "Home");
            if a.can(P::ViewCustomers) && a.tenant_kind.is_partner() {
                add(work, "/customers", "Customers");
            }
            if a.can(P::ViewPartnerships) && a.tenant_kind == TenantKind::Provider {
                add(work, "/resellers", "Indirect resellers");
            }
            if a.can(P::ViewPartnerships) && a.tenant_kind == TenantKind::Reseller {
                add(work, "/indirect-providers", "Indirect providers");
            }
            if a.can(P::ViewOwnSubscriptions) {
                add(work, "/my/subscriptions", "Subscriptions");
                add(work, "/my/partners", "Partners");
            }
            if a.can(P::ViewIncentives) && a.tenant_kind.is_partner() {
                add(work, "/incentives", "Incentives");
            }
            if a.can(P::ViewPartners) {
                add(work, "/partners", "Partners");
            }
            if a.can(P::ManageCatalog) {
                add(work, "/catalog", "Catalog");
            }
            if a.can(P::ManageUsers) && a.tenant_kind == TenantKind::Customer {
                add(admin, "/my/users", "Users and licences");
            } else if a.can(P::ManageUsers) {
                add(admin, "/users", "Users");
            }
            if a.can(P::ManageApps) {
                add(admin, "/apps", "API apps");
            }
            if a.can(P::ManageSecurityPolicy) {
                add(admin, "/security", "Security");
            }
            if a.can(P::ViewAudit) {
                add(admin, "/audit", "Audit log");
            }
            if a.can(P::AcceptAgreement) && a.tenant_kind.is_partner() {
                add(admin, "/agreement", "Partner agreement");
            }
            add(you, "/account", "My account");
        }
        add(you, "/providers", "Provider directory");
        nav.retain(|g| !g.items.is_empty());
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
            request_key: uuid::Uuid::new_v4().to_string(),
            flash: None,
            crumbs: None,
        }
    }

    /// Shows the message for a `?done=` key; unknown keys show nothing.
    #[must_use]
    pub fn with_flash(mut self, done: Option<&str>) -> Self {
        self.flash = done.and_then(flash_text).map(str::to_owned);
        self
    }

    /// Breadcrumbs above the page's heading: `above` as (link, label), then `here`.
    #[must_use]
    pub fn with_crumbs(mut self, above: &[(&str, &str)], here: &str) -> Self {
        self.crumbs = Some(Crumbs {
            above: above
                .iter()
                .map(|&(href, label)| (href.to_owned(), label.to_owned()))
                .collect(),
            here: here.to_owned(),
        });
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
        "relationship-declined" => "You declined the request. Its link no longer works.",
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

pub fn kind_label(kind: TenantKind) -> &'static str {
    kind.label()
}
