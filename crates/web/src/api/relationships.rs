//! `/v1/relationships`: Partner Center's partner relationships (a provider's indirect resellers,
//! a reseller's indirect providers), and removing a partnership.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use http::StatusCode;
use twotier_core::CoreError;
use twotier_core::partnerships::{self, Relationship, RelationshipQuery, RelationshipType};
use twotier_domain::ids::TenantId;

use super::{Annotated, ApiResult, Paging, collection, encode_cursor, parse_filter, path_id};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiWrite, Caller, NoBody};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

pub fn relationship_wire(r: &Relationship) -> Annotated<&Relationship> {
    Annotated::unversioned(r, "PartnerRelationship", format!("/relationships/{}", r.id))
}

/// `GET /v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf|IsIndirectResellerOf&filter=&size=`
pub async fn list_relationships(
    State(state): State<AppState>,
    Caller(actor): Caller,
    paging: Paging<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let raw_type = q
        .get("relationship_type")
        .or_else(|| q.get("relationshipType"))
        .map(String::as_str)
        .unwrap_or_default();
    let kind = RelationshipType::parse(raw_type).ok_or_else(|| {
        ApiError(CoreError::invalid(
            "relationship_type",
            "relationship_type must be IsIndirectCloudSolutionProviderOf or IsIndirectResellerOf",
        ))
    })?;
    let name_prefix = match parse_filter(q.get("filter").map(String::as_str))? {
        Some(f) if f.field.eq_ignore_ascii_case("name") => {
            if !f.operator.is_empty()
                && !f
                    .operator
                    .replace('_', "")
                    .eq_ignore_ascii_case("startswith")
            {
                return Err(ApiError(CoreError::invalid(
                    "filter",
                    "only the starts_with operator is supported",
                )));
            }
            Some(f.value)
        }
        Some(_) => {
            return Err(ApiError(CoreError::invalid(
                "filter",
                "relationships can be filtered by Name only",
            )));
        }
        None => None,
    };
    let query = RelationshipQuery {
        name_prefix,
        after: paging.cursor,
        ..RelationshipQuery::first(kind, paging.size)
    };
    let page = partnerships::list(&state.svc, &actor, &query).await?;
    let items = page.items.iter().map(relationship_wire).collect();
    collection(
        items,
        page.total,
        "/relationships",
        page.next.as_ref().map(encode_cursor),
    )
}

/// `DELETE /v1/relationships/{resellerTenantId}`: the provider removes the partnership.
/// Calling it is the caller's acceptance of the legal statement: the decision was made in good
/// faith for a legitimate business purpose, any notice the agreement requires is the caller's
/// to give, and twotier sends none.
pub async fn remove_relationship(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    req: ApiWrite<NoBody>,
) -> ApiResult {
    let id = path_id(&id, TenantId::parse)?;
    partnerships::remove(&state.svc, &actor, &req.meta, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .get   ("/v1/relationships",      Policy::Permission(P::ViewPartnerships),   list_relationships)
        .delete("/v1/relationships/{id}", Policy::Permission(P::ManagePartnerships), remove_relationship);
}
