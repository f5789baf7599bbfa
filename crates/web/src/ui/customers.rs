//! Customers list and customer details (the new-customer wizard comes with orders).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use twotier_core::CoreError;
use twotier_core::customers::{self, Customer, ListQuery};
use twotier_core::partnerships::{self, RelationshipQuery, RelationshipType};
use twotier_domain::ids::TenantId;
use twotier_domain::tenant::TenantKind;

use super::{Ctx, render};
use crate::AppState;
use crate::error::PageError;
use crate::extract::Viewer;

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
}

pub async fn customer_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = TenantId::parse(&id) else {
        return PageError(CoreError::NotFound).into_response();
    };
    match customers::get(&state.svc, &s.actor, &id).await {
        Ok(customer) => render(&CustomerPage {
            ctx: Ctx::new(&s, &customer.company_profile.company_name, "/customers"),
            customer,
        }),
        Err(e) => PageError(e).into_response(),
    }
}
