//! Add subscription: a flow of its own. Offers are found by name and category and given a
//! licence count (a GET form, so search, Back and refresh are harmless), the order is
//! reviewed (GET, checked as placing it would check it), then submitted once (POST with the
//! page's key, redirected to the customer's orders).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use twotier_core::CoreError;
use twotier_core::auth::Session;
use twotier_core::catalog::Offer;
use twotier_core::customers::{self, Ordering};
use twotier_core::orders::{self, OrderInput, OrderReview};
use twotier_domain::FieldErrors;
use twotier_domain::authz::Permission as P;
use twotier_domain::ids::TenantId;
use twotier_domain::term::BillingCycle;

use super::{Ctx, FormData, order_errors, render, render_status};
use crate::AppState;
use crate::error::{PageError, PageResult};
use crate::extract::{Meta, Viewer};
use crate::routes::{Policy, Routes};

#[derive(Template)]
#[template(path = "order_new.html")]
struct NewOrderPage {
    ctx: Ctx,
    /// The offers the search shows.
    shown: Vec<Offer>,
    ordering: Ordering,
    form: FormData,
    errors: FieldErrors,
}

impl NewOrderPage {
    fn id(&self) -> &str {
        &self.ordering.customer.id
    }
    /// The customer's country by name.
    fn country_name(&self) -> String {
        let code = &self
            .ordering
            .customer
            .billing_profile
            .default_address
            .country;
        twotier_domain::partner::Country::parse(code)
            .map_or_else(|_| code.clone(), |c| c.name.to_owned())
    }
    fn search(&self) -> String {
        self.form.get("q")
    }
    fn category(&self) -> String {
        self.form.get("category")
    }
    /// Licence counts typed for offers the search hides, carried so a search loses nothing.
    fn hidden_counts(&self) -> Vec<(String, String)> {
        let shown: Vec<&str> = self.shown.iter().map(|o| o.id.as_str()).collect();
        self.form
            .0
            .iter()
            .filter(|(k, v)| {
                k.strip_prefix("qty.")
                    .is_some_and(|offer| !shown.contains(&offer))
                    && !v.trim().is_empty()
            })
            .cloned()
            .collect()
    }
    fn quantity(&self, offer: &str) -> String {
        self.form.get(&format!("qty.{offer}"))
    }
    fn error_of(&self, offer: &str) -> Option<&str> {
        self.errors.get(&format!("qty.{offer}"))
    }
    /// The reseller of record: the one chosen, else the customer's associated reseller.
    fn reseller_chosen(&self, mpn_id: &str) -> bool {
        if self.form.0.iter().any(|(k, _)| k == "partner_id_on_record") {
            self.form.get("partner_id_on_record") == mpn_id
        } else {
            self.ordering.default_reseller_of_record.as_deref() == Some(mpn_id)
        }
    }
    fn cycle_chosen(&self, cycle: BillingCycle) -> bool {
        match self.form.get("billing_cycle").as_str() {
            "" => cycle == BillingCycle::Monthly,
            chosen => chosen == cycle.as_str(),
        }
    }
    fn has_search(&self) -> bool {
        !self.search().trim().is_empty() || !self.category().is_empty()
    }
}

#[derive(Template)]
#[template(path = "order_review.html")]
struct ReviewPage {
    ctx: Ctx,
    customer_id: String,
    review: OrderReview,
    form: FormData,
}

impl ReviewPage {
    /// The fields the Submit form carries: the licence counts, the cycle and the reseller.
    fn carried(&self) -> Vec<(String, String)> {
        self.form
            .0
            .iter()
            .filter(|(k, v)| {
                (k.starts_with("qty.") && !v.trim().is_empty())
                    || k == "billing_cycle"
                    || k == "partner_id_on_record"
            })
            .cloned()
            .collect()
    }
    fn change_href(&self) -> String {
        format!(
            "/customers/{}/orders/new?{}",
            self.customer_id,
            self.form.query_string()
        )
    }
    /// (MPN ID, name) of the reseller of record, the same on every line.
    fn reseller(&self) -> Option<&(String, String)> {
        self.review.lines.first().and_then(|l| l.reseller.as_ref())
    }
    fn licences(&self) -> i32 {
        self.review.lines.iter().map(|l| l.quantity).sum()
    }
}

fn customer_id(raw: &str) -> Result<TenantId, PageError> {
    TenantId::parse(raw).ok_or(PageError(CoreError::NotFound))
}

/// The order the form describes, its refusals keyed by the form's fields.
fn order_input(ordering: &Ordering, form: &FormData) -> Result<OrderInput, FieldErrors> {
    let por = Some(form.get("partner_id_on_record")).filter(|p| !p.is_empty());
    form.order(por, &|offer| ordering.offer_name(offer).to_owned())
}

/// Step 1's page, with `errors` under their fields when a later step refused the order.
fn new_order_page(
    s: &Session,
    ordering: Ordering,
    form: FormData,
    errors: FieldErrors,
) -> Response {
    let name = ordering.customer.company_profile.company_name.clone();
    let id = ordering.customer.id.clone();
    let shown = ordering
        .matching(&form.get("q"), &form.get("category"))
        .into_iter()
        .cloned()
        .collect();
    render_status(
        super::form_status(&errors),
        &NewOrderPage {
            ctx: Ctx::new(s, "Add subscription", "/customers").with_crumbs(
                &[
                    ("/customers", "Customers"),
                    (&format!("/customers/{id}"), &name),
                ],
                "Add subscription",
            ),
            shown,
            ordering,
            form,
            errors,
        },
    )
}

/// Step 1: find offers (`q`, `category`) and give licence counts.
pub async fn new_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let id = customer_id(&id)?;
    let form = FormData::from_query(query.as_deref());
    let ordering = customers::ordering(&state.svc, &s.actor, &id).await?;
    Ok(new_order_page(&s, ordering, form, FieldErrors::new()))
}

/// Step 2: the order checked and shown before anything is placed; a refusal goes back to
/// step 1 with each message under its field.
pub async fn review_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let id = customer_id(&id)?;
    let form = FormData::from_query(query.as_deref());
    let ordering = customers::ordering(&state.svc, &s.actor, &id).await?;
    let input = match order_input(&ordering, &form) {
        Ok(input) => input,
        Err(errors) => return Ok(new_order_page(&s, ordering, form, errors)),
    };
    match orders::review(&state.svc, &s.actor, &id, &input).await {
        Ok(review) => Ok(render(&ReviewPage {
            ctx: Ctx::new(&s, "Review the order", "/customers").with_crumbs(
                &[
                    ("/customers", "Customers"),
                    (&format!("/customers/{id}"), &review.customer_name),
                    (
                        &format!("/customers/{id}/orders/new?{}", form.query_string()),
                        "Add subscription",
                    ),
                ],
                "Review",
            ),
            customer_id: id.to_string(),
            review,
            form,
        })),
        Err(e) => {
            let errors = order_errors(e, &input)?;
            Ok(new_order_page(&s, ordering, form, errors))
        }
    }
}

/// Step 3: the reviewed order is placed; the page's key makes a repeated submit (reload,
/// double click) order once and show the same result.
pub async fn place_order(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let id = customer_id(&id)?;
    // A reseller's post is refused as such, before the form is read.
    orders::require_seller(&s.actor).map_err(PageError)?;
    let ordering = customers::ordering(&state.svc, &s.actor, &id).await?;
    let errors = match order_input(&ordering, &form) {
        Ok(input) => {
            meta.idempotency = form.idempotency("ui-order", "request_key");
            match orders::create(&state.svc, &s.actor, &meta, &id, &input).await {
                Ok(_) => {
                    let placed = format!("/customers/{id}?tab=orders&done=order-placed");
                    return Ok(Redirect::to(&placed).into_response());
                }
                Err(e) => order_errors(e, &input)?,
            }
        }
        Err(errors) => errors,
    };
    Ok(new_order_page(&s, ordering, form, errors))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/customers/{id}/orders/new",    Policy::Permission(P::PlaceOrders), new_page)
        .get   ("/customers/{id}/orders/review", Policy::Permission(P::PlaceOrders), review_page)
        .post  ("/customers/{id}/orders",        Policy::Permission(P::PlaceOrders), place_order);
}
