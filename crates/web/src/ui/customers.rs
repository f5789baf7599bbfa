//! Customers list and customer details (the new-customer wizard comes with orders).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use twotier_core::CoreError;
use twotier_core::auth::Session;
use twotier_core::customers::{
    self, Address, AddressInput, BillingInput, BillingProfile, Customer, ListQuery,
};
use twotier_core::partnerships::{self, RelationshipQuery, RelationshipType};
use twotier_domain::FieldErrors;
use twotier_domain::authz::Permission as P;
use twotier_domain::ids::TenantId;
use twotier_domain::tenant::TenantKind;

use super::{Ctx, FormData, field_errors, render, render_status};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{Meta, Viewer};

#[derive(Template)]
#[template(path = "customers.html")]
struct CustomersPage {
    ctx: Ctx,
    customers: Vec<Customer>,
    total: i64,
    search: String,
    reseller: String,
    /// (tenant id, name) of the provider's resellers, for the filter and the column.
    resellers: Vec<(String, String)>,
    is_provider: bool,
    next_href: Option<String>,
}

/// Search by company name or domain prefix, filter by indirect reseller, page by name.
pub async fn customers_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let search = q.get("q").cloned().unwrap_or_default();
    let reseller = q.get("reseller").cloned().unwrap_or_default();
    let by_domain = !search.is_empty()
        && search.chars().all(|c| c.is_ascii_alphanumeric())
        && q.get("by").map(String::as_str) == Some("domain");
    let query = ListQuery {
        company_name: (!by_domain && !search.is_empty()).then(|| search.clone()),
        domain: by_domain.then(|| search.clone()),
        reseller: TenantId::parse(&reseller).map(|t| t.to_string()),
        after: q.get("after_name").cloned().zip(q.get("after_id").cloned()),
        limit: 50,
    };
    let page = match customers::list(&state.svc, &s.actor, &query).await {
        Ok(p) => p,
        Err(e) => return PageError(e).into_response(),
    };
    let is_provider = s.actor.tenant_kind == TenantKind::Provider;
    let resellers = if is_provider {
        let q = RelationshipQuery {
            kind: RelationshipType::IsIndirectCloudSolutionProviderOf,
            name_prefix: None,
            after: None,
            limit: 500,
        };
        match partnerships::list(&state.svc, &s.actor, &q).await {
            Ok(p) => p.items.into_iter().map(|r| (r.id, r.name)).collect(),
            Err(e) => return PageError(e).into_response(),
        }
    } else {
        Vec::new()
    };
    let next_href = page.next.as_ref().map(|(n, i)| {
        let pairs = [
            ("q", search.as_str()),
            ("reseller", reseller.as_str()),
            ("after_name", n.as_str()),
            ("after_id", i.as_str()),
        ];
        format!(
            "/customers?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    });
    render(&CustomersPage {
        ctx: Ctx::new(&s, "Customers", "/customers"),
        total: page.total,
        customers: page.items,
        search,
        reseller,
        resellers,
        is_provider,
        next_href,
    })
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    ctx: Ctx,
    customer: Customer,
    subscriptions: Vec<twotier_core::orders::Subscription>,
    can_edit: bool,
    errors: FieldErrors,
}

impl CustomerPage {
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
        q.get("done").map(String::as_str),
        None,
        FieldErrors::new(),
    )
    .await
}

async fn customer_view(
    state: &AppState,
    s: &Session,
    id: &TenantId,
    done: Option<&str>,
    typed: Option<BillingProfile>,
    errors: FieldErrors,
) -> Response {
    match customers::get(&state.svc, &s.actor, id).await {
        Ok(mut customer) => {
            if let Some(typed) = typed {
                // Show what was typed, with the errors next to it (the version stays the one read).
                customer.billing_profile = BillingProfile {
                    version: customer.billing_profile.version,
                    ..typed
                };
            }
            let subscriptions =
                match twotier_core::orders::subscriptions(&state.svc, &s.actor, id, None, None)
                    .await
                {
                    Ok(list) => list,
                    Err(e) => return PageError(e).into_response(),
                };
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            render_status(
                status,
                &CustomerPage {
                    ctx: Ctx::new(s, &customer.company_profile.company_name, "/customers")
                        .with_flash(done),
                    can_edit: s.actor.can(P::EditCustomers),
                    subscriptions,
                    customer,
                    errors,
                },
            )
        }
        Err(e) => PageError(e).into_response(),
    }
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
                None,
                None,
                FieldErrors::single("form", message),
            )
            .await
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
                customer_view(&state, &s, &id, None, Some(typed), errors).await
            }
            Err(page) => page.into_response(),
        },
    }
}
