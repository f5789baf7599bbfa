//! The new-customer wizard: details → subscriptions → review → submit, then
//! the admin's temporary password once. Every step carries what was typed in hidden fields
//! (no JavaScript needed); each step is checked by running the real use case in a
//! transaction that is rolled back; Submit is one transaction; a replayed submit creates
//! nothing.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use twotier_core::CoreError;
use twotier_core::auth::Session;
use twotier_core::catalog::Offer;
use twotier_core::customers::{self, AddressInput, BillingInput, CompanyInput, NewCustomerInput};
use twotier_domain::FieldErrors;
use twotier_domain::partner::Country;
use twotier_domain::term::BillingCycle;

use super::{Ctx, FormData, Secret, field_errors, form_status, render_status, show_once};
use crate::AppState;
use crate::error::{PageError, PageResult};
use crate::extract::{Meta, Viewer};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// The fields of the details step: (name, label).
const DETAILS: [(&str, &str); 13] = [
    ("company_name", "Company name"),
    ("domain", "Primary domain prefix"),
    ("first_name", "Contact first name"),
    ("last_name", "Contact last name"),
    ("email", "Contact email"),
    ("phone", "Phone"),
    ("address_line1", "Address"),
    ("address_line2", "Address line 2"),
    ("postal_code", "Postal code"),
    ("city", "City"),
    ("state", "State or province"),
    ("culture", "Culture (e.g. en-GB)"),
    ("language", "Language (e.g. en)"),
];

/// Where each details field's errors are reported by the use case.
fn error_key(field: &str) -> &'static str {
    match field {
        "company_name" => "billingProfile.companyName",
        "domain" => "companyProfile.domain",
        "first_name" => "billingProfile.defaultAddress.firstName",
        "last_name" => "billingProfile.defaultAddress.lastName",
        "email" => "billingProfile.email",
        "phone" => "billingProfile.defaultAddress.phoneNumber",
        "address_line1" => "billingProfile.defaultAddress.addressLine1",
        "address_line2" => "billingProfile.defaultAddress.addressLine2",
        "postal_code" => "billingProfile.defaultAddress.postalCode",
        "city" => "billingProfile.defaultAddress.city",
        "state" => "billingProfile.defaultAddress.state",
        "culture" => "billingProfile.culture",
        "language" => "billingProfile.language",
        "country" => "billingProfile.defaultAddress.country",
        "reseller" => "associatedPartnerId",
        _ => "form",
    }
}

#[derive(Template)]
#[template(path = "customer_new.html")]
struct WizardPage {
    ctx: Ctx,
    step: &'static str,
    form: FormData,
    errors: FieldErrors,
    countries: Vec<Country>,
    /// (tenant id, name, MPN ID) of the provider's active resellers.
    resellers: Vec<(String, String, String)>,
    offers: Vec<Offer>,
    /// The configured domain suffix of customers.
    suffix: String,
}

impl WizardPage {
    fn value(&self, name: &str) -> String {
        self.form.get(name)
    }
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(error_key(field))
    }
    fn details(&self) -> Vec<(&'static str, &'static str)> {
        DETAILS.to_vec()
    }
    fn reseller_name(&self) -> String {
        let id = self.form.get("reseller");
        self.resellers
            .iter()
            .find(|r| r.0 == id)
            .map_or_else(|| "None (a direct customer)".to_owned(), |r| r.1.clone())
    }
    fn country_name(&self) -> String {
        Country::parse(&self.form.get("country"))
            .map_or_else(|_| self.form.get("country"), |c| c.name.to_owned())
    }
    /// The hidden fields that carry every other step's values.
    fn carried(&self) -> Vec<(String, String)> {
        self.form
            .0
            .iter()
            .filter(|(k, _)| k != "_csrf" && k != "step" && k != "action")
            .cloned()
            .collect()
    }
    fn chosen(&self) -> Vec<(String, String)> {
        self.offers
            .iter()
            .filter_map(|o| {
                let q = self.form.get(&format!("qty.{}", o.id));
                (!q.trim().is_empty()).then(|| (o.name.clone(), q))
            })
            .collect()
    }
}

fn input(form: &FormData) -> NewCustomerInput {
    NewCustomerInput {
        company_profile: CompanyInput {
            domain: form.get("domain"),
        },
        billing_profile: BillingInput {
            email: form.get("email"),
            culture: form.get("culture"),
            language: form.get("language"),
            company_name: form.get("company_name"),
            first_name: form.get("first_name"),
            last_name: form.get("last_name"),
            default_address: AddressInput {
                address_line1: form.get("address_line1"),
                address_line2: form.get("address_line2"),
                city: form.get("city"),
                state: form.get("state"),
                postal_code: form.get("postal_code"),
                country: form.get("country"),
                first_name: form.get("first_name"),
                last_name: form.get("last_name"),
                phone_number: form.get("phone"),
            },
        },
        associated_partner_id: Some(form.get("reseller")).filter(|r| !r.is_empty()),
    }
}

async fn page(
    state: &AppState,
    s: &Session,
    step: &'static str,
    form: FormData,
    errors: FieldErrors,
) -> PageResult {
    let reseller = form.get("reseller");
    let country = form.get("country");
    let offers_in = (step != "details").then_some(country.as_str());
    let options =
        match customers::wizard_options(&state.svc, &s.actor, Some(&reseller), offers_in).await {
            Ok(o) => o,
            Err(e) => return Err(PageError(e)),
        };
    Ok(render_step(state, s, step, form, errors, options))
}

fn render_step(
    state: &AppState,
    s: &Session,
    step: &'static str,
    form: FormData,
    errors: FieldErrors,
    options: customers::WizardOptions,
) -> Response {
    let status = form_status(&errors);
    render_status(
        status,
        &WizardPage {
            ctx: Ctx::new(s, "Add new customer", "/customers"),
            step,
            form,
            errors,
            countries: options.countries,
            resellers: options.resellers,
            offers: options.offers,
            suffix: state.svc.settings.customer_domain_suffix.clone(),
        },
    )
}

/// Step 1, from a reseller's row (`?reseller=`, preselected) or from the customers list.
pub async fn new_customer(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    // customers::wizard_options answers "not found" to anyone but a provider.
    let form = FormData(vec![
        (
            "reseller".to_owned(),
            q.get("reseller").cloned().unwrap_or_default(),
        ),
        ("culture".to_owned(), "en-GB".to_owned()),
        ("language".to_owned(), "en".to_owned()),
        (
            "billing_cycle".to_owned(),
            BillingCycle::Monthly.as_str().to_owned(),
        ),
        ("wizard_key".to_owned(), uuid::Uuid::new_v4().to_string()),
    ]);
    page(&state, &s, "details", form, FieldErrors::new())
        .await
        .into_response()
}

fn check_errors(e: CoreError) -> Result<FieldErrors, PageError> {
    field_errors(e)
}

/// A step that is checked before the next is shown: the next page when the check passes,
/// the same page with the errors next to their fields when it does not.
async fn checked_step(
    state: &AppState,
    s: &Session,
    form: FormData,
    order: Option<&twotier_core::orders::OrderInput>,
    (this, next): (&'static str, &'static str),
) -> PageResult {
    let step = customers::wizard_step(&state.svc, &s.actor, &input(&form), order).await?;
    Ok(match step.checked {
        Ok(()) => render_step(state, s, next, form, FieldErrors::new(), step.options),
        Err(e) => match check_errors(e) {
            Ok(errors) => render_step(state, s, this, form, errors, step.options),
            Err(p) => p.into_response(),
        },
    })
}

/// Every step posts here with `step` (the step the form came from) and `action`.
pub async fn wizard_step(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    form: FormData,
) -> Response {
    if s.actor.tenant_kind != twotier_domain::tenant::TenantKind::Provider {
        return PageError(CoreError::NotFound).into_response();
    }
    match (form.get("step").as_str(), form.get("action").as_str()) {
        (_, "back_to_details") => page(&state, &s, "details", form, FieldErrors::new())
            .await
            .into_response(),
        (_, "back_to_subscriptions") => page(&state, &s, "subscriptions", form, FieldErrors::new())
            .await
            .into_response(),
        ("details", _) => checked_step(&state, &s, form, None, ("details", "subscriptions"))
            .await
            .into_response(),
        ("subscriptions", _) => {
            let order = match form.order(None) {
                Ok(o) => o,
                Err(errors) => {
                    return page(&state, &s, "subscriptions", form, errors)
                        .await
                        .into_response();
                }
            };
            checked_step(&state, &s, form, Some(&order), ("subscriptions", "review"))
                .await
                .into_response()
        }
        ("review", "submit") => {
            let order = match form.order(None) {
                Ok(o) => o,
                Err(errors) => {
                    return page(&state, &s, "subscriptions", form, errors)
                        .await
                        .into_response();
                }
            };
            // The wizard's key makes a repeated submit (reload, back and submit) a replay.
            meta.idempotency = form.idempotency("ui-wizard", "wizard_key");
            match customers::create_with_order(&state.svc, &s.actor, &meta, &input(&form), &order)
                .await
            {
                Ok(done) => {
                    let c = done.customer;
                    let (user, password) = match c.user_credentials {
                        Some(u) => (u.user_name, u.password),
                        None => (format!("admin@{}", c.company_profile.domain), String::new()),
                    };
                    if password.is_empty() {
                        return super::error_page(
                            http::StatusCode::OK,
                            "Customer already created",
                            &format!(
                                "{} was created by this form before. Its temporary password was shown once and is not shown again; reset it if it was lost.",
                                c.company_profile.company_name
                            ),
                        );
                    }
                    show_once(Secret {
                        heading: format!("{} is a customer", c.company_profile.company_name),
                        facts: vec![
                            ("Domain".to_owned(), c.company_profile.domain.clone()),
                            ("Admin user name".to_owned(), user),
                            (
                                "Subscriptions".to_owned(),
                                done.order.map_or(0, |o| o.line_items.len()).to_string(),
                            ),
                        ],
                        secret_label: "Temporary password of the customer's admin".to_owned(),
                        secret: password,
                        usage: "The customer's admin must change it at first sign-in.".to_owned(),
                        back_href: "/customers".to_owned(),
                        back_label: "Done".to_owned(),
                    })
                }
                Err(e) => match check_errors(e) {
                    Ok(errors) => page(&state, &s, "review", form, errors)
                        .await
                        .into_response(),
                    Err(p) => p.into_response(),
                },
            }
        }
        _ => page(&state, &s, "details", form, FieldErrors::new())
            .await
            .into_response(),
    }
}

/// The wizard's availability check as the prefix is typed: `{"available": bool, "message": …}`;
/// a prefix that breaks the rules is not available, with the rule as the message.
pub async fn domain_check(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let prefix = q.get("prefix").map(String::as_str).unwrap_or_default();
    let suffix = &state.svc.settings.customer_domain_suffix;
    let shown = prefix.trim().to_lowercase();
    let shown = shown.strip_suffix(&format!(".{suffix}")).unwrap_or(&shown);
    let (available, message) = match customers::domain_available(&state.svc, &s.actor, prefix).await
    {
        Ok(true) => (true, format!("{shown}.{suffix} is available")),
        Ok(false) => (false, format!("{shown}.{suffix} is taken")),
        Err(CoreError::Invalid(e)) => (
            false,
            e.iter()
                .next()
                .map(|(_, m)| m.to_owned())
                .unwrap_or_default(),
        ),
        Err(e) => return Err(PageError(e)),
    };
    Ok(
        axum::Json(serde_json::json!({ "available": available, "message": message }))
            .into_response(),
    )
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/customers/new",          Policy::Permission(P::CreateCustomers), new_customer)
        .post  ("/customers/new",          Policy::Permission(P::CreateCustomers), wizard_step)
        .get   ("/customers/domain-check", Policy::Permission(P::CreateCustomers), domain_check);
}
