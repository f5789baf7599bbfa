//! Customers list and customer details (the new-customer wizard comes with orders).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use twotier_core::CoreError;
use twotier_core::auth::Session;
use twotier_core::customers::{
    self, Address, AddressInput, BillingInput, BillingProfile, Customer, CustomerListItem,
    ListQuery,
};
use twotier_core::orders::Order;
use twotier_core::subscriptions::Subscription;
use twotier_domain::FieldErrors;
use twotier_domain::authz::Permission as P;
use twotier_domain::ids::TenantId;

use super::table::{self, Pager, SortHeader};
use super::{
    Ctx, FormData, field_errors, render, render_status, show_once_for, temporary_password,
};
use crate::AppState;
use crate::error::{PageError, PageResult};
use crate::extract::{Meta, Viewer};
use crate::routes::{Policy, Routes};

#[derive(Template)]
#[template(path = "customers.html")]
struct CustomersPage {
    ctx: Ctx,
    customers: Vec<CustomerListItem>,
    subscriptions: HashMap<String, Vec<Subscription>>,
    search: String,
    reseller: String,
    /// (tenant id, name) of the provider's resellers, former ones last, for the filter and
    /// the column.
    resellers: Vec<(String, String)>,
    is_provider: bool,
    can_create: bool,
    can_order: bool,
    headers: Vec<SortHeader>,
    sort: &'static str,
    pager: Pager,
}

impl CustomersPage {
    fn subscriptions_of(&self, customer: &str) -> &[Subscription] {
        self.subscriptions.get(customer).map_or(&[], Vec::as_slice)
    }

    /// The reseller of record by name (its MPN ID for a reseller no longer listed).
    fn reseller_of_record(&self, sub: &Subscription) -> Option<String> {
        let id = sub.reseller_tenant_id.as_deref()?;
        Some(
            self.resellers
                .iter()
                .find(|(tenant, _)| tenant == id)
                .map_or_else(
                    || sub.partner_id.clone().unwrap_or_default(),
                    |(_, name)| name.clone(),
                ),
        )
    }

    /// The filters in force, in words, with a link that clears them.
    fn filters_shown(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.search.trim().is_empty() {
            out.push(format!("name or domain contains “{}”", self.search.trim()));
        }
        if let Some((_, name)) = self.resellers.iter().find(|(id, _)| *id == self.reseller) {
            out.push(format!("indirect reseller {name}"));
        }
        out
    }
}

/// Search by part of a company name or domain, filter by indirect reseller (former ones
/// too), sort by name or by when the relationship began, page forwards and backwards.
pub async fn customers_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let asked = table::Asked::new("/customers", &q, &["q", "reseller"]);
    let query = ListQuery {
        contains: asked.given("q"),
        reseller: TenantId::parse(asked.filter("reseller")).map(|t| t.to_string()),
        sort: asked.sort,
        after: asked.after.clone(),
        before: asked.before.clone(),
        limit: asked.size,
        with_subscriptions: true,
        with_total: true,
        ..ListQuery::default()
    };
    let v = customers::list_view(&state.svc, &s.actor, &query).await?;
    let page = v.page;
    let headers = asked.headers(&[
        ("Company", ("name", "name-desc")),
        ("Customer since", ("oldest", "newest")),
    ]);
    let pager = asked.pager(
        table::count_text(
            page.total.unwrap_or_default(),
            customers::COUNT_CAP,
            "customer",
            "customers",
        ),
        page.previous.as_ref(),
        page.next.as_ref(),
    );
    let (search, reseller) = (
        asked.filter("q").to_owned(),
        asked.filter("reseller").to_owned(),
    );
    let sort_name = asked.sort_name;
    Ok(render(&CustomersPage {
        ctx: Ctx::new(&s, "Customers", "/customers"),
        customers: page.items,
        subscriptions: page.subscriptions,
        search,
        reseller,
        resellers: v.resellers,
        can_create: v.can_create,
        can_order: v.can_order,
        is_provider: v.is_provider,
        headers,
        sort: sort_name,
        pager,
    }))
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    ctx: Ctx,
    customer: Customer,
    subscriptions: Vec<Subscription>,
    orders: Vec<Order>,
    /// The viewer's tenant, and names of the partners that may be support contacts.
    me: String,
    support_names: HashMap<String, String>,
    can_edit: bool,
    /// The provider may issue a new temporary password for the customer's admin.
    can_reset_admin: bool,
    errors: FieldErrors,
    /// The customer's partners, and whether the viewer's organisation holds delegated admin.
    partners: Vec<twotier_core::customer_relationships::CustomerPartner>,
    is_provider: bool,
    my_admin_access: bool,
    can_manage_users: bool,
    /// The section shown (`?tab=`), and the tabs to the others: (link, label, current).
    tab: &'static str,
    tabs: Vec<(String, &'static str, bool)>,
}

/// The customer page's sections, each a tab (`?tab=`): one screen each instead of one long
/// page. Users and licences is a page of its own, linked as a tab.
const TABS: [(&str, &str); 4] = [
    ("subscriptions", "Subscriptions"),
    ("orders", "Orders"),
    ("billing", "Billing profile"),
    ("account", "Account and relationships"),
];

/// The tab to show: the one whose form was refused, else the one asked for, else the one a
/// change came from (its flash), else Subscriptions.
fn chosen_tab(asked: Option<&str>, done: Option<&str>, errors: &FieldErrors) -> &'static str {
    if errors.get("relationship").is_some() {
        return "account";
    }
    if !errors.is_empty() {
        return "billing";
    }
    let from_done = match done {
        Some("billing-saved") => Some("billing"),
        _ => None,
    };
    asked
        .or(from_done)
        .and_then(|t| TABS.iter().find(|(key, _)| *key == t))
        .map_or("subscriptions", |(key, _)| *key)
}

impl CustomerPage {
    /// Who supports a subscription, from the viewer's point of view.
    fn support_label(&self, sub: &Subscription) -> String {
        match sub.support_tenant_id.as_deref() {
            Some(t) if t == self.me => "you".to_owned(),
            Some(t) => self
                .support_names
                .get(t)
                .cloned()
                .unwrap_or_else(|| "a former reseller".to_owned()),
            None => self
                .support_names
                .get(&sub.provider_tenant_id)
                .cloned()
                .unwrap_or_else(|| "the provider".to_owned()),
        }
    }
    /// The reseller of record by name (its MPN ID when the viewer does not know its name).
    fn reseller_label(&self, sub: &Subscription) -> Option<String> {
        let tenant = sub.reseller_tenant_id.as_deref()?;
        Some(
            self.support_names
                .get(tenant)
                .cloned()
                .or_else(|| sub.partner_id.clone())
                .unwrap_or_default(),
        )
    }
    /// An order line's reseller of record by name, found through the subscriptions that
    /// name its MPN ID; the MPN ID alone when none does.
    fn reseller_of_mpn(&self, mpn: &str) -> String {
        self.subscriptions
            .iter()
            .filter(|sub| sub.partner_id.as_deref() == Some(mpn))
            .find_map(|sub| self.support_names.get(sub.reseller_tenant_id.as_deref()?))
            .map_or_else(
                || format!("MPN ID {mpn}"),
                |name| format!("{name}, MPN ID {mpn}"),
            )
    }
    fn mine(&self, sub: &Subscription) -> bool {
        sub.reseller_tenant_id.as_deref() == Some(self.me.as_str())
    }

    /// (form name, label, API field the errors are reported under, current value).
    fn billing_fields(&self) -> Vec<(&'static str, &'static str, &'static str, String)> {
        let b = &self.customer.billing_profile;
        let a = &b.default_address;
        vec![
            (
                "first_name",
                "First name",
                "billingProfile.defaultAddress.firstName",
                b.first_name.clone(),
            ),
            (
                "last_name",
                "Last name",
                "billingProfile.defaultAddress.lastName",
                b.last_name.clone(),
            ),
            ("email", "Email", "billingProfile.email", b.email.clone()),
            (
                "phone_number",
                "Phone",
                "billingProfile.defaultAddress.phoneNumber",
                a.phone_number.clone(),
            ),
            (
                "company_name",
                "Company name",
                "billingProfile.companyName",
                b.company_name.clone(),
            ),
            (
                "address_line1",
                "Address",
                "billingProfile.defaultAddress.addressLine1",
                a.address_line1.clone(),
            ),
            (
                "address_line2",
                "Address line 2",
                "billingProfile.defaultAddress.addressLine2",
                a.address_line2.clone(),
            ),
            (
                "postal_code",
                "Postal code",
                "billingProfile.defaultAddress.postalCode",
                a.postal_code.clone(),
            ),
            (
                "city",
                "City",
                "billingProfile.defaultAddress.city",
                a.city.clone(),
            ),
            (
                "state",
                "State or province",
                "billingProfile.defaultAddress.state",
                a.state.clone(),
            ),
            (
                "culture",
                "Culture",
                "billingProfile.culture",
                b.culture.clone(),
            ),
            (
                "language",
                "Language",
                "billingProfile.language",
                b.language.clone(),
            ),
        ]
    }
}

pub async fn customer_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(id) = TenantId::parse(&id) else {
        return PageError(CoreError::NotFound).into_response();
    };
    customer_view(
        &state,
        &s,
        &id,
        Opened {
            done: q.get("done").map(String::as_str),
            tab: q.get("tab").map(String::as_str),
        },
        None,
        FieldErrors::new(),
    )
    .await
    .into_response()
}

/// The customer page with a refusal shown at its Relationship section.
pub(crate) async fn customer_page_with_error(
    state: &AppState,
    s: &Session,
    id: &TenantId,
    message: String,
) -> Response {
    customer_view(
        state,
        s,
        id,
        Opened::default(),
        None,
        FieldErrors::single("relationship", message),
    )
    .await
    .into_response()
}

/// How the customer page was opened: the flash of a change (`?done=`) and the tab asked for.
#[derive(Debug, Clone, Copy, Default)]
struct Opened<'a> {
    done: Option<&'a str>,
    tab: Option<&'a str>,
}

async fn customer_view(
    state: &AppState,
    s: &Session,
    id: &TenantId,
    opened: Opened<'_>,
    typed: Option<BillingProfile>,
    errors: FieldErrors,
) -> PageResult {
    let Opened {
        done,
        tab: asked_tab,
    } = opened;
    let v = customers::view(&state.svc, &s.actor, id).await?;
    let mut customer = v.customer;
    if let Some(typed) = typed {
        // Show what was typed, with the errors next to it (the version stays the one read).
        customer.billing_profile = BillingProfile {
            version: customer.billing_profile.version,
            ..typed
        };
    }
    let tab = chosen_tab(asked_tab, done, &errors);
    let mut tabs: Vec<(String, &'static str, bool)> = TABS
        .iter()
        .map(|&(key, label)| (format!("/customers/{id}?tab={key}"), label, key == tab))
        .collect();
    // Add subscription and Users and licences are pages of their own, linked as tabs.
    let mut at = 2;
    if v.can_order {
        tabs.insert(
            at,
            (
                format!("/customers/{id}/orders/new"),
                "Add subscription",
                false,
            ),
        );
        at += 1;
    }
    if v.can_manage_users {
        tabs.insert(
            at,
            (
                format!("/customers/{id}/users"),
                "Users and licences",
                false,
            ),
        );
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &CustomerPage {
            ctx: Ctx::new(s, &customer.company_profile.company_name, "/customers")
                .with_flash(done)
                .with_crumbs(
                    &[("/customers", "Customers")],
                    &customer.company_profile.company_name,
                ),
            can_edit: v.can_edit,
            can_reset_admin: v.can_reset_admin,
            partners: v.partners,
            is_provider: v.is_provider,
            my_admin_access: v.my_admin_access,
            can_manage_users: v.can_manage_users,
            subscriptions: v.subscriptions,
            orders: v.orders,
            me: s.actor.tenant_id.to_string(),
            support_names: v.support_names,
            customer,
            errors,
            tab,
            tabs,
        },
    ))
}

/// Saves the billing profile; the form carries the version it was based on.
pub async fn update_billing(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let Some(id) = TenantId::parse(&id) else {
        return PageError(CoreError::NotFound).into_response();
    };
    let address = AddressInput {
        address_line1: form.get("address_line1"),
        address_line2: form.get("address_line2"),
        city: form.get("city"),
        state: form.get("state"),
        postal_code: form.get("postal_code"),
        country: String::new(),
        first_name: form.get("first_name"),
        last_name: form.get("last_name"),
        phone_number: form.get("phone_number"),
    };
    let input = BillingInput {
        email: form.get("email"),
        culture: form.get("culture"),
        language: form.get("language"),
        company_name: form.get("company_name"),
        first_name: form.get("first_name"),
        last_name: form.get("last_name"),
        default_address: address.clone(),
    };
    match customers::update_billing(
        &state.svc,
        &s.actor,
        &meta,
        &id,
        Some(&form.get("etag")),
        &input,
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/customers/{id}?done=billing-saved")).into_response(),
        Err(CoreError::Stale) => {
            let message = "Someone changed this billing profile since you opened it. The page now shows the current profile; make your change again.";
            customer_view(
                &state,
                &s,
                &id,
                Opened::default(),
                None,
                FieldErrors::single("form", message),
            )
            .await
            .into_response()
        }
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let typed = BillingProfile {
                    id: String::new(),
                    first_name: input.first_name.clone(),
                    last_name: input.last_name.clone(),
                    email: input.email.clone(),
                    culture: input.culture.clone(),
                    language: input.language.clone(),
                    company_name: input.company_name.clone(),
                    default_address: Address {
                        address_line1: address.address_line1,
                        address_line2: address.address_line2,
                        city: address.city,
                        state: address.state,
                        postal_code: address.postal_code,
                        country: String::new(),
                        first_name: address.first_name,
                        last_name: address.last_name,
                        phone_number: address.phone_number,
                    },
                    version: 0,
                };
                customer_view(&state, &s, &id, Opened::default(), Some(typed), errors)
                    .await
                    .into_response()
            }
            Err(page) => page.into_response(),
        },
    }
}

/// Issues a new temporary password for the customer's admin and shows it once.
pub async fn reset_admin_password(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    meta.idempotency = form.confirm_once(&format!("reset-admin-password:{id}"));
    let Some(id) = TenantId::parse(&id) else {
        return Err(PageError(CoreError::NotFound));
    };
    let done = customers::reset_admin_password(&state.svc, &s.actor, &meta, &id).await?;
    Ok(show_once_for(
        temporary_password(
            format!("New temporary password for {}", done.email),
            &done.email,
            done.temporary_password_expires_at,
            done.temporary_password,
            "Give it to the customer's admin, who must choose a new password at the first sign-in. The old password no longer works and the admin's sessions have ended.",
            format!("/customers/{id}?tab=account"),
        ),
        meta.idempotency.as_ref(),
    ))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/customers",                     Policy::Permission(P::ViewCustomers),      customers_page)
        .get   ("/customers/{id}",                Policy::Permission(P::ViewCustomers),      customer_page)
        .post  ("/customers/{id}/billing",        Policy::Permission(P::EditCustomers),      update_billing)
        .post  ("/customers/{id}/admin-password", Policy::Permission(P::AdministerOnBehalf), reset_admin_password);
}
