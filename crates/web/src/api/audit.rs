//! `GET /v1/auditrecords`: Partner Center's activity log.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use serde::Serialize;
use twotier_core::CoreError;
use twotier_core::audit::Record;
use twotier_core::audit::{self, Query as AuditQuery};
use twotier_domain::clock::Timestamp;

use super::{Annotated, ApiResult, Paging, collection, encode_cursor, ok, parse_filter};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// Partner Center's AuditRecord.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordWire<'a> {
    id: &'a str,
    partner_id: &'a str,
    customer_id: Option<&'a str>,
    customer_name: Option<&'a str>,
    user_principal_name: &'a str,
    application_id: Option<&'a str>,
    resource_type: &'a str,
    resource_id: &'a str,
    resource_old_value: Option<&'a str>,
    resource_new_value: Option<&'a str>,
    operation_type: &'a str,
    original_correlation_id: Option<&'a str>,
    operation_date: Timestamp,
    operation_status: &'a str,
    customized_data: [KeyValue<'a>; 3],
}

#[derive(Serialize)]
struct KeyValue<'a> {
    key: &'static str,
    value: Option<&'a str>,
}

fn record_wire(r: &Record) -> Annotated<RecordWire<'_>> {
    Annotated::typed(
        RecordWire {
            id: &r.id,
            partner_id: &r.tenant_id,
            customer_id: r.customer_id.as_deref(),
            customer_name: r.customer_name.as_deref(),
            user_principal_name: &r.actor_label,
            application_id: r.actor_app_id.as_deref(),
            resource_type: &r.resource_type,
            resource_id: &r.resource_id,
            resource_old_value: r.old_value.as_deref(),
            resource_new_value: r.new_value.as_deref(),
            operation_type: &r.operation,
            original_correlation_id: r.correlation_id.as_deref(),
            operation_date: Timestamp(r.at),
            operation_status: if r.outcome == "success" {
                "succeeded"
            } else {
                &r.outcome
            },
            customized_data: [
                KeyValue {
                    key: "ActorKind",
                    value: Some(&r.actor_kind),
                },
                KeyValue {
                    key: "RequestId",
                    value: r.request_id.as_deref(),
                },
                KeyValue {
                    key: "SubjectTenantId",
                    value: r.subject_tenant_id.as_deref(),
                },
            ],
        },
        "AuditRecord",
    )
}

fn date(q: &HashMap<String, String>, key: &str) -> Result<Option<Timestamp>, ApiError> {
    match q
        .get(key)
        .map(String::as_str)
        .filter(|s| !s.trim().is_empty())
    {
        None => Ok(None),
        Some(s) => Timestamp::parse(s).map(Some).ok_or_else(|| {
            ApiError(CoreError::invalid(
                key,
                "use a date such as 2026-11-24 or an RFC 3339 time",
            ))
        }),
    }
}

/// `?startDate=&endDate=&size=&filter=` with filter fields `CustomerId`, `ResourceType`,
/// `OperationType` and `CompanyName`.
pub async fn list_audit_records(
    State(state): State<AppState>,
    Caller(actor): Caller,
    paging: Paging<(i64, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let end = date(&q, "endDate")?;
    let mut query = AuditQuery {
        from: date(&q, "startDate")?,
        // An end date names a whole day: include it.
        to: end.map(|t| {
            if q.get("endDate").is_some_and(|s| s.trim().len() == 10) {
                t.plus_days(1)
            } else {
                t
            }
        }),
        before: paging.cursor,
        limit: paging.size,
        ..AuditQuery::default()
    };
    if let Some(f) = parse_filter(q.get("filter").map(String::as_str))? {
        match f.field.to_ascii_lowercase().as_str() {
            "customerid" => query.customer_id = Some(f.value),
            "resourcetype" => query.resource_type = Some(f.value),
            "operationtype" => query.operation = Some(f.value),
            "companyname" | "user" | "userprincipalname" => query.actor = Some(f.value),
            _ => {
                return Err(ApiError(CoreError::invalid(
                    "filter",
                    "filter Field must be CustomerId, ResourceType, OperationType or CompanyName",
                )));
            }
        }
    }
    let page = audit::list(&state.svc, &actor, &query).await?;
    let total = page.records.len() as i64;
    collection(
        page.records.iter().map(record_wire).collect(),
        total,
        "/auditrecords",
        page.next.as_ref().map(encode_cursor),
    )
}

pub async fn get_audit_record(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    ok(record_wire(
        &audit::get(&state.svc, &actor, id.trim()).await?,
    ))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .get   ("/v1/auditrecords",      Policy::Permission(P::ViewAudit), list_audit_records)
        .get   ("/v1/auditrecords/{id}", Policy::Permission(P::ViewAudit), get_audit_record);
}
