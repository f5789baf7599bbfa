//! The audit log viewer: filters by date range, user, operation and resource; CSV export.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use twotier_core::audit::Record;
use twotier_core::audit::{self, Query as AuditQuery};
use twotier_domain::FieldErrors;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::clock::Timestamp;

use super::{Ctx, render};
use crate::AppState;
use crate::error::{PageError, PageResult};
use crate::extract::Viewer;
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// One row as the page shows it.
#[derive(Debug)]
pub struct Line {
    pub at: String,
    pub user: String,
    pub actor_kind: String,
    pub operation: String,
    pub resource: String,
    pub old_value: String,
    pub new_value: String,
    pub request_id: String,
}

impl Line {
    fn from_row(r: &Record) -> Self {
        Self {
            at: Timestamp(r.at).display(),
            user: r.actor_label.clone(),
            actor_kind: r.actor_kind.clone(),
            operation: r.operation.clone(),
            resource: format!("{} {}", r.resource_type, r.resource_id),
            old_value: r.old_value.clone().unwrap_or_default(),
            new_value: r.new_value.clone().unwrap_or_default(),
            request_id: r.request_id.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    lines: Vec<Line>,
    from: String,
    to: String,
    user: String,
    operation: String,
    resource_type: String,
    operations: Vec<&'static str>,
    resource_types: Vec<&'static str>,
    next_href: Option<String>,
    csv_href: String,
    errors: FieldErrors,
}

/// Reads the filter form; bad dates are reported next to their field.
fn query(q: &HashMap<String, String>, errors: &mut FieldErrors) -> AuditQuery {
    let get = |k: &str| {
        q.get(k)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let mut date = |k: &str| match get(k) {
        None => None,
        Some(s) => {
            let t = Timestamp::parse(&s);
            if t.is_none() {
                errors.add(k, "use a date such as 2026-11-24");
            }
            t
        }
    };
    let from = date("from");
    // The end date names a whole day: include it.
    let to = date("to").map(|t| t.plus_days(1));
    let before = get("before_at")
        .and_then(|at| at.parse::<i64>().ok())
        .zip(get("before_id"));
    AuditQuery {
        from,
        to,
        actor: get("user"),
        operation: get("operation"),
        resource_type: get("resource_type"),
        customer_id: None,
        before,
        limit: 100,
    }
}

fn encode(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default()
}

pub async fn audit_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let mut errors = FieldErrors::new();
    let aq = query(&q, &mut errors);
    let page = if errors.is_empty() {
        match audit::list(&state.svc, &s.actor, &aq).await {
            Ok(p) => Some(p),
            Err(twotier_core::CoreError::Invalid(f)) => {
                errors = f;
                None
            }
            Err(e) => return Err(PageError(e)),
        }
    } else {
        None
    };
    let field = |k: &str| q.get(k).cloned().unwrap_or_default();
    let (from, to, user, operation, resource_type) = (
        field("from"),
        field("to"),
        field("user"),
        field("operation"),
        field("resource_type"),
    );
    let filters = [
        ("from", from.as_str()),
        ("to", to.as_str()),
        ("user", user.as_str()),
        ("operation", operation.as_str()),
        ("resource_type", resource_type.as_str()),
    ];
    let next_href = page.as_ref().and_then(|p| p.next.as_ref()).map(|(at, id)| {
        let at = at.to_string();
        let mut pairs = filters.to_vec();
        pairs.push(("before_at", &at));
        pairs.push(("before_id", id));
        format!("/audit?{}", encode(&pairs))
    });
    let lines = page
        .map(|p| p.records.iter().map(Line::from_row).collect())
        .unwrap_or_default();
    Ok(render(&AuditPage {
        ctx: Ctx::new(&s, "Audit log", "/audit"),
        lines,
        csv_href: format!("/audit.csv?{}", encode(&filters)),
        from,
        to,
        user,
        operation,
        resource_type,
        operations: Operation::ALL.iter().map(|o| o.as_str()).collect(),
        resource_types: ResourceType::ALL.iter().map(|r| r.as_str()).collect(),
        next_href,
        errors,
    }))
}

pub async fn audit_csv(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let mut errors = FieldErrors::new();
    let aq = query(&q, &mut errors);
    if !errors.is_empty() {
        return Err(PageError(twotier_core::CoreError::Invalid(errors)));
    }
    let csv = audit::export_csv(&state.svc, &s.actor, &aq).await?;
    Ok(super::csv_response(csv, "twotier-audit.csv"))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/audit",     Policy::Permission(P::ViewAudit), audit_page)
        .get   ("/audit.csv", Policy::Permission(P::ViewAudit), audit_csv);
}
