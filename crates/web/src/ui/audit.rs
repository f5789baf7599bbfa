//! The audit log viewer: filters by date range, user, operation and resource; CSV export.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use twotier_core::audit::Record;
use twotier_core::audit::{self, Query as AuditQuery};
use twotier_domain::FieldErrors;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::clock::Timestamp;

use super::table::{self, Pager, SortHeader};
use super::{Ctx, render};
use crate::AppState;
use crate::error::{PageError, PageResult};
use crate::extract::Viewer;
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// One row as the page shows it: what happened in words ("Subscription changed"), what
/// changed ("Licence count: 12 → 20"), and links to the customer and the subscription.
#[derive(Debug)]
pub struct Line {
    pub id: String,
    pub at: String,
    pub user: String,
    pub actor_kind: String,
    pub operation: String,
    /// The operation for people; the wire name stays as a secondary line.
    pub operation_label: &'static str,
    pub resource: String,
    pub resource_id: String,
    pub customer: Option<(String, String)>,
    pub subscription_href: Option<String>,
    pub changes: Vec<String>,
    pub old_value: String,
    pub new_value: String,
    pub request_id: String,
}

/// What a record is about, in words: the kind of thing and its name or email address as the
/// record holds them ("Licences of ana@…", "Customer user chloe@…"), else its id.
fn resource_words(r: &Record) -> String {
    let kind = ResourceType::ALL
        .iter()
        .find(|t| t.as_str() == r.resource_type)
        .map_or(r.resource_type.as_str(), |t| t.label());
    let values = [r.new_value.as_deref(), r.old_value.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(|v| serde_json::from_str::<serde_json::Value>(v).ok());
    let name = values.into_iter().find_map(|v| {
        [
            "user",
            "email",
            "friendlyName",
            "companyName",
            "name",
            "displayName",
        ]
        .iter()
        .find_map(|k| v.get(k).and_then(|n| n.as_str()).map(str::to_owned))
    });
    match (name, r.resource_type == ResourceType::License.as_str()) {
        (Some(name), true) => format!("{kind} of {name}"),
        (Some(name), false) => format!("{kind} {name}"),
        (None, _) => format!("{kind} {}", r.resource_id),
    }
}

impl Line {
    fn from_row(r: &Record, link_customers: bool) -> Self {
        let customer = r
            .customer_id
            .clone()
            .zip(r.customer_name.clone())
            .filter(|_| link_customers);
        let subscription_href = customer
            .as_ref()
            .filter(|_| r.resource_type == ResourceType::Subscription.as_str())
            .map(|(id, _)| format!("/customers/{id}/subscriptions/{}", r.resource_id));
        Self {
            id: r.id.clone(),
            at: Timestamp(r.at).display(),
            user: r.actor_label.clone(),
            actor_kind: r.actor_kind.clone(),
            operation: r.operation.clone(),
            operation_label: Operation::ALL
                .iter()
                .find(|o| o.as_str() == r.operation)
                .map_or("", |o| o.label()),
            resource: resource_words(r),
            resource_id: r.resource_id.clone(),
            customer,
            subscription_href,
            changes: changes(r.old_value.as_deref(), r.new_value.as_deref()),
            old_value: r.old_value.clone().unwrap_or_default(),
            new_value: r.new_value.clone().unwrap_or_default(),
            request_id: r.request_id.clone().unwrap_or_default(),
        }
    }
}

/// The fields a change set, in words: `Licence count: 12 → 20`, `Status: active → suspended`.
fn changes(old: Option<&str>, new: Option<&str>) -> Vec<String> {
    let parse = |v: Option<&str>| {
        v.and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
    };
    let (old, new) = (parse(old), parse(new));
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "none".to_owned(),
        serde_json::Value::Array(items) if items.is_empty() => "none".to_owned(),
        serde_json::Value::Array(items) if items.iter().all(serde_json::Value::is_string) => items
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        serde_json::Value::Bool(true) => "yes".to_owned(),
        serde_json::Value::Bool(false) => "no".to_owned(),
        other => {
            let text = other.to_string();
            if text.chars().count() > 60 {
                format!("{}…", text.chars().take(60).collect::<String>())
            } else {
                text
            }
        }
    };
    // A one-field change is recorded as {"field": "quantity", "value": 12}.
    if let (Some(field), Some(before), Some(after)) = (
        new.get("field").and_then(|f| f.as_str()),
        old.get("value"),
        new.get("value"),
    ) && old.get("field").and_then(|f| f.as_str()) == Some(field)
    {
        return vec![format!(
            "{}: {} → {}",
            field_label(field),
            shown(before),
            shown(after)
        )];
    }
    // Ids that a record also names for people are left to the details.
    let named = |k: &str| k == "subscriptions" && new.contains_key("licences");
    new.iter()
        .filter(|(k, v)| old.get(*k) != Some(*v) && !named(k))
        .map(|(k, v)| match old.get(k) {
            Some(before) => format!("{}: {} → {}", field_label(k), shown(before), shown(v)),
            None => format!("{}: {}", field_label(k), shown(v)),
        })
        .collect()
}

/// A wire field for people: the names people know, or `camelCase` as words.
fn field_label(key: &str) -> String {
    match key {
        "quantity" => "Licence count".to_owned(),
        "friendlyName" => "Name".to_owned(),
        "autoRenewEnabled" => "Auto-renew".to_owned(),
        "partnerId" | "partnerIdOnRecord" => "Reseller of record (MPN ID)".to_owned(),
        "delegatedAdmin" => "Delegated admin access".to_owned(),
        other => {
            let mut words = String::new();
            for (i, c) in other.chars().enumerate() {
                if c.is_uppercase() && i > 0 {
                    words.push(' ');
                    words.extend(c.to_lowercase());
                } else if i == 0 {
                    words.extend(c.to_uppercase());
                } else {
                    words.push(c);
                }
            }
            words
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
    /// (wire name, label) of every operation, for the filter.
    operations: Vec<(&'static str, &'static str)>,
    /// (wire name, label) of every kind of resource, for the filter.
    resource_types: Vec<(&'static str, &'static str)>,
    /// The When header, which sorts newest or oldest first.
    when: SortHeader,
    sort: &'static str,
    pager: Pager,
    csv_href: String,
    errors: FieldErrors,
}

impl AuditPage {
    /// The filters in force, in words.
    fn filters_shown(&self) -> Vec<String> {
        let mut out = Vec::new();
        let from = self.from.trim();
        if !from.is_empty() {
            out.push(format!("from {from}"));
        }
        let to = self.to.trim();
        if !to.is_empty() {
            out.push(format!("to {to}"));
        }
        let user = self.user.trim();
        if !user.is_empty() {
            out.push(format!("user contains “{user}”"));
        }
        if let Some((_, label)) = self.operations.iter().find(|(w, _)| *w == self.operation) {
            out.push(format!("operation “{label}”"));
        }
        if let Some((_, label)) = self
            .resource_types
            .iter()
            .find(|(w, _)| *w == self.resource_type)
        {
            out.push(format!("about “{label}”"));
        }
        out
    }
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
    let cursor = |at: &str, id: &str| get(at).and_then(|at| at.parse::<i64>().ok()).zip(get(id));
    AuditQuery {
        from,
        to,
        actor: get("user"),
        operation: get("operation"),
        resource_type: get("resource_type"),
        customer_id: None,
        before: cursor("before", "before_id"),
        after: cursor("after", "after_id"),
        oldest_first: q.get("sort").map(String::as_str) == Some("oldest"),
        limit: table::page_size(q),
        with_total: true,
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
    let sort = if aq.oldest_first { "oldest" } else { "newest" };
    // Newest first the next page is older (`before_…`), oldest first newer (`after_…`).
    let (next_dir, previous_dir) = if aq.oldest_first {
        ("after", "before")
    } else {
        ("before", "after")
    };
    let link = |sort: &str, cursor: Option<(&str, &(i64, String))>| {
        let at = cursor
            .map(|(_, (at, _))| at.to_string())
            .unwrap_or_default();
        let cursor = cursor.map(|(dir, (_, id))| (dir, at.as_str(), id.as_str()));
        // Newest first is the default order, left out of the address.
        let sort = if sort == "oldest" { sort } else { "" };
        table::list_href("/audit", &filters, (sort, aq.limit), cursor)
    };
    let when = SortHeader::new("When", ("oldest", "newest"), sort, |to| link(to, None));
    let pager = Pager {
        total: page.as_ref().map_or_else(String::new, |p| {
            table::count_text(
                p.total.unwrap_or_default(),
                audit::COUNT_CAP,
                "record",
                "records",
            )
        }),
        previous: page
            .as_ref()
            .and_then(|p| p.previous.as_ref())
            .map(|c| link(sort, Some((previous_dir, c)))),
        next: page
            .as_ref()
            .and_then(|p| p.next.as_ref())
            .map(|c| link(sort, Some((next_dir, c)))),
        size: aq.limit,
    };
    let lines = page
        .map(|p| {
            let link = s.actor.can(P::ViewCustomers) && s.actor.tenant_kind.is_partner();
            p.records.iter().map(|r| Line::from_row(r, link)).collect()
        })
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
        operations: Operation::ALL
            .iter()
            .map(|o| (o.as_str(), o.label()))
            .collect(),
        resource_types: ResourceType::ALL
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        when,
        sort,
        pager,
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
    let period = match (q.get("from"), q.get("to")) {
        (Some(f), Some(t)) if !f.is_empty() && !t.is_empty() => format!("-{f}-to-{t}"),
        (Some(f), _) if !f.is_empty() => format!("-from-{f}"),
        (_, Some(t)) if !t.is_empty() => format!("-to-{t}"),
        _ => String::new(),
    };
    let period: String = period
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Ok(super::csv_response(
        csv,
        &format!("twotier-audit{period}.csv"),
    ))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/audit",     Policy::Permission(P::ViewAudit), audit_page)
        .get   ("/audit.csv", Policy::Permission(P::ViewAudit), audit_csv);
}

#[cfg(test)]
mod tests {
    use super::changes;

    #[test]
    fn a_change_reads_as_words() {
        assert_eq!(
            changes(
                Some(r#"{"quantity":12,"status":"active"}"#),
                Some(r#"{"quantity":20,"status":"active"}"#)
            ),
            ["Licence count: 12 → 20"]
        );
        assert_eq!(
            changes(
                None,
                Some(r#"{"autoRenewEnabled":false,"billingCycle":"monthly"}"#)
            ),
            ["Auto-renew: no", "Billing cycle: monthly"]
        );
        assert!(changes(Some("not json"), None).is_empty());
        assert_eq!(
            changes(
                Some(r#"{"field":"quantity","value":10}"#),
                Some(r#"{"field":"quantity","value":12,"delta":2}"#)
            ),
            ["Licence count: 10 → 12"]
        );
    }
}
