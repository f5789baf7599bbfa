//! The new-customer wizard: details → subscriptions → review → submit, then
//! the admin's temporary password once. Once the details pass, what was typed is kept in a
//! server-side draft of the session (`customers::wizard_drafts`) and each step is a page of
//! its own, reached through a redirect, so Back and Reload are safe; each step is checked by
//! running the real use case in a transaction that is rolled back; Submit is one
//! transaction; a repeated submit creates nothing.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use twotier_core::CoreError;
use twotier_core::auth::Session;
use twotier_core::catalog::Offer;
use twotier_core::customers::{self, AddressInput, BillingInput, CompanyInput, NewCustomerInput};
use twotier_core::write;
use twotier_domain::FieldErrors;
use twotier_domain::partner::Country;
use twotier_domain::tenant::TenantKind;
use twotier_domain::term::BillingCycle;

use super::{
    Ctx, FormData, Secret, field_errors, form_status, render_status, show_once_for,
    shown_once_again,
};
use crate::AppState;
use crate::error::{PageError, PageResult};
use crate::extract::{Meta, Viewer};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// The wizard's steps, in order; with a draft each is a page `/customers/new/{draft}/{step}`.
const STEPS: [&str; 3] = ["details", "subscriptions", "review"];

/// The fields of the details step: (name, label).
const DETAILS: [(&str, &str); 13] = [
    ("company_name", "Company name"),
    ("domain", "Primary domain prefix"),
    ("first_name", "Contact first name"),
    ("last_name", "Contact last name"),
    ("email", "Contact email"),
    ("phone_number", "Phone"),
    ("address_line1", "Address"),
    ("address_line2", "Address line 2"),
    ("postal_code", "Postal code"),
    ("city", "City"),
    ("state", "State or province"),
    ("culture", "Culture"),
    ("language", "Language"),
];

/// Where each details field's errors are reported by the use case.
fn error_key(field: &str) -> &'static str {
    match field {
        "company_name" => "billingProfile.companyName",
        "domain" => "companyProfile.domain",
        "first_name" => "billingProfile.defaultAddress.firstName",
        "last_name" => "billingProfile.defaultAddress.lastName",
        "email" => "billingProfile.email",
        "phone_number" => "billingProfile.defaultAddress.phoneNumber",
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
    /// The server-side draft, once the details step has passed.
    draft: Option<String>,
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
    fn billing_label(&self) -> String {
        BillingCycle::parse(&self.form.get("billing_cycle"))
            .map_or_else(|_| self.form.get("billing_cycle"), |c| c.label().to_owned())
    }
    fn country_name(&self) -> String {
        Country::parse(&self.form.get("country"))
            .map_or_else(|_| self.form.get("country"), |c| c.name.to_owned())
    }
    /// Where the step's form posts: its draft's step, or the start.
    fn action_href(&self) -> String {
        match &self.draft {
            Some(d) => step_href(d, self.step),
            None => "/customers/new".to_owned(),
        }
    }
    /// The hidden fields that carry the other steps' values before there is a draft.
    fn carried(&self) -> Vec<(String, String)> {
        if self.draft.is_some() {
            return Vec::new();
        }
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
                phone_number: form.get("phone_number"),
            },
        },
        associated_partner_id: Some(form.get("reseller")).filter(|r| !r.is_empty()),
    }
}

async fn page(
    state: &AppState,
    s: &Session,
    step: &'static str,
    draft: Option<&str>,
    form: FormData,
    errors: FieldErrors,
) -> PageResult {
    let reseller = form.get("reseller");
    let country = form.get("country");
    let offers_in = (step != "details").then_some(country.as_str());
    let options =
        customers::wizard_options(&state.svc, &s.actor, Some(&reseller), offers_in).await?;
    Ok(render_step(state, s, step, draft, form, errors, options))
}

fn render_step(
    state: &AppState,
    s: &Session,
    step: &'static str,
    draft: Option<&str>,
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
            draft: draft.map(str::to_owned),
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
) -> PageResult {
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
    ]);
    page(&state, &s, "details", None, form, FieldErrors::new()).await
}

/// Runs the real use case on what the draft holds, rolled back: `None` when it passes, the
/// step again with every error next to its field when it does not.
async fn refused(
    state: &AppState,
    s: &Session,
    step: &'static str,
    draft: Option<&str>,
    form: &FormData,
    order: Option<&twotier_core::orders::OrderInput>,
) -> Result<Option<Response>, PageError> {
    let checked = customers::wizard_step(&state.svc, &s.actor, &input(form), order).await?;
    Ok(match checked.checked {
        Ok(()) => None,
        Err(e) => Some(render_step(
            state,
            s,
            step,
            draft,
            form.clone(),
            field_errors(e)?,
            checked.options,
        )),
    })
}

/// The fields a step's form sends that the draft keeps.
fn typed(form: &FormData) -> impl Iterator<Item = &(String, String)> {
    form.0
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "_csrf" | "request_key" | "step" | "action"))
}

fn step_href(draft: &str, step: &str) -> String {
    format!("/customers/new/{draft}/{step}")
}

/// The details step's first post: checked, then kept as a new draft, whose subscriptions
/// step opens next (post/redirect/get).
pub async fn start(State(state): State<AppState>, Viewer(s): Viewer, form: FormData) -> PageResult {
    if s.actor.tenant_kind != TenantKind::Provider {
        return Err(PageError(CoreError::NotFound));
    }
    let form = FormData(typed(&form).cloned().collect());
    if let Some(page) = refused(&state, &s, "details", None, &form, None).await? {
        return Ok(page);
    }
    let draft = customers::wizard_drafts::save(&state.svc, &s, None, &form.0).await?;
    Ok(Redirect::to(&step_href(draft.as_str(), "subscriptions")).into_response())
}

fn step_named(step: &str) -> Result<&'static str, PageError> {
    STEPS
        .into_iter()
        .find(|s| *s == step)
        .ok_or(PageError(CoreError::NotFound))
}

/// The page of a draft that was submitted or has gone.
fn draft_gone() -> Response {
    super::error_page(
        http::StatusCode::GONE,
        "This form has ended",
        "This new-customer form was submitted, or it is more than a day old. The customers list shows the customers that were created; start again to add another.",
    )
}

/// A step of a draft, as a page of its own.
pub async fn step_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Path((draft, step)): Path<(String, String)>,
) -> PageResult {
    let step = step_named(&step)?;
    let Some(fields) = customers::wizard_drafts::load(&state.svc, &s, &draft).await? else {
        return Ok(draft_gone());
    };
    page(
        &state,
        &s,
        step,
        Some(&draft),
        FormData(fields),
        FieldErrors::new(),
    )
    .await
}

/// A step's form: what it sends is kept in the draft, then checked; the next step (or the
/// one Back names) opens through a redirect, a refusal shows the step again with its errors.
pub async fn step_post(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path((draft, step)): Path<(String, String)>,
    form: FormData,
) -> PageResult {
    let step = step_named(&step)?;
    // Each draft is submitted once, keyed by its id.
    let slot = format!("ui-wizard:{draft}");
    let Some(mut fields) = customers::wizard_drafts::load(&state.svc, &s, &draft).await? else {
        // A repeat of a Submit that created the customer (a double-click, Back then Submit)
        // goes to the page of its password, which says whether it was seen.
        let submitted = (step, form.get("action").as_str()) == ("review", "submit")
            && write::replayed::<customers::CustomerWithOrder>(&state.svc, &s.actor, &slot)
                .await?
                .is_some();
        return Ok(if submitted {
            shown_once_again(slot)
        } else {
            draft_gone()
        });
    };
    if step == "subscriptions" {
        // The offers of another country, chosen before the country changed, are dropped.
        fields.retain(|(k, _)| !k.starts_with("qty."));
    }
    for (k, v) in typed(&form) {
        match fields.iter_mut().find(|(name, _)| name == k) {
            Some(kept) => kept.1.clone_from(v),
            None => fields.push((k.clone(), v.clone())),
        }
    }
    customers::wizard_drafts::save(&state.svc, &s, Some(&draft), &fields).await?;
    let kept = FormData(fields);
    let go = |to: &str| Ok(Redirect::to(&step_href(&draft, to)).into_response());
    match (step, form.get("action").as_str()) {
        (_, "back_to_details") => go("details"),
        (_, "back_to_subscriptions") => go("subscriptions"),
        ("details", _) => match refused(&state, &s, step, Some(&draft), &kept, None).await? {
            Some(page) => Ok(page),
            None => go("subscriptions"),
        },
        ("subscriptions", _) => {
            let order = match kept.order(None, &str::to_owned) {
                Ok(o) => o,
                Err(errors) => return page(&state, &s, step, Some(&draft), kept, errors).await,
            };
            match refused(&state, &s, step, Some(&draft), &kept, Some(&order)).await? {
                Some(page) => Ok(page),
                None => go("review"),
            }
        }
        ("review", "submit") => {
            let order = match kept.order(None, &str::to_owned) {
                Ok(o) => o,
                Err(errors) => {
                    return page(&state, &s, "subscriptions", Some(&draft), kept, errors).await;
                }
            };
            // The draft's key makes a repeated submit a replay that creates nothing.
            meta.idempotency = Some(kept.keyed(slot));
            match customers::create_with_order(&state.svc, &s.actor, &meta, &input(&kept), &order)
                .await
            {
                Ok(done) => {
                    customers::wizard_drafts::discard(&state.svc, &s, &draft).await?;
                    Ok(created(done, meta.idempotency.as_ref()))
                }
                Err(e) => page(&state, &s, step, Some(&draft), kept, field_errors(e)?).await,
            }
        }
        _ => go(step),
    }
}

/// The created customer's admin password, shown once; a replay goes to the page the first
/// submit made.
fn created(done: customers::CustomerWithOrder, key: Option<&write::IdempotencyKey>) -> Response {
    let c = done.customer;
    let (user, password) = c
        .user_credentials
        .map(|u| (u.user_name, u.password))
        .unwrap_or_default();
    show_once_for(
        Secret {
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
            email: None,
        },
        key,
    )
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
        .post  ("/customers/new",          Policy::Permission(P::CreateCustomers), start)
        .get   ("/customers/new/{draft}/{step}", Policy::Permission(P::CreateCustomers), step_page)
        .post  ("/customers/new/{draft}/{step}", Policy::Permission(P::CreateCustomers), step_post)
        .get   ("/customers/domain-check", Policy::Permission(P::CreateCustomers), domain_check);
}
