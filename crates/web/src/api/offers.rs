//! `/v1/offers` and `/v1/offercategories`: Partner Center's legacy offer catalog by country.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use twotier_core::CoreError;
use twotier_core::catalog::{self, Offer};

use super::{Annotated, ApiResult, collection, ok};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// Offers are changed by a catalog import, never through the API, so they carry no etag.
fn offer_wire(o: &Offer) -> Annotated<&Offer> {
    Annotated::unversioned(o, "Offer", o.uri.clone())
}

fn country(q: &HashMap<String, String>) -> String {
    q.get("country").cloned().unwrap_or_default()
}

/// `GET /v1/offers?country=&offer_category_id=&offset=&size=`
pub async fn list_offers(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let number = |name: &str, default: usize, max: usize| -> Result<usize, ApiError> {
        match q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => s
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| {
                    ApiError(CoreError::invalid(
                        name,
                        format!("{name} must be a number from 0 to {max}"),
                    ))
                }),
        }
    };
    let offset = number("offset", 0, 1_000_000)?;
    let size = number("size", 100, 500)?.max(1);
    let all = catalog::list(
        &state.svc,
        &actor,
        &country(&q),
        q.get("offer_category_id").map(String::as_str),
    )
    .await?;
    let total = all.len() as i64;
    let items = all.iter().skip(offset).take(size).map(offer_wire).collect();
    collection(items, total, "/offers", None)
}

pub async fn get_offer(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    ok(offer_wire(
        &catalog::get(&state.svc, &actor, &id, &country(&q)).await?,
    ))
}

/// `GET /v1/customers/{id}/offers`: the offers sold in the customer's country.
pub async fn list_customer_offers(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = super::path_id(&id, twotier_domain::ids::TenantId::parse)?;
    let all = catalog::for_customer(&state.svc, &actor, &id).await?;
    let total = all.len() as i64;
    collection(
        all.iter().map(offer_wire).collect(),
        total,
        &format!("/customers/{id}/offers"),
        None,
    )
}

/// `GET /v1/offercategories?country=`
pub async fn list_offer_categories(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let all = catalog::categories(&state.svc, &actor, &country(&q)).await?;
    let total = all.len() as i64;
    let items = all
        .iter()
        .map(|c| Annotated::typed(c, "OfferCategory"))
        .collect();
    collection(items, total, "/offercategories", None)
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .get   ("/v1/customers/{id}/offers", Policy::Permission(P::ViewCustomers), list_customer_offers)
        .get   ("/v1/offers",                Policy::SignedIn,                     list_offers)
        .get   ("/v1/offers/{id}",           Policy::SignedIn,                     get_offer)
        .get   ("/v1/offercategories",       Policy::SignedIn,                     list_offer_categories);
}
