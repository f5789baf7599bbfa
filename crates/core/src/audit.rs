//! The audit log: written inside each change's transaction, read with filters, exported as CSV.

use serde::Serialize;
use twotier_domain::actor::Actor;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::authz::Permission;
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::{AuditId, TenantId};
use twotier_domain::tenant::TenantKind;
use twotier_store::audit::{AuditFilter, AuditRow};

use crate::{CoreError, RequestMeta, Services, authz};

/// One audited change.
#[derive(Debug, Clone)]
pub struct Event {
    pub operation: Operation,
    pub resource_type: ResourceType,
    pub resource_id: String,
    /// The other tenant the change is about (the partner enrolled, the customer served).
    pub subject_tenant: Option<TenantId>,
    pub customer: Option<(String, String)>,
    pub old_value: Option<serde_json::Value>,
    pub new_value: Option<serde_json::Value>,
}

impl Event {
    pub fn new(
        operation: Operation,
        resource_type: ResourceType,
        resource_id: impl ToString,
    ) -> Self {
        Self {
            operation,
            resource_type,
            resource_id: resource_id.to_string(),
            subject_tenant: None,
            customer: None,
            old_value: None,
            new_value: None,
        }
    }
    #[must_use]
    pub fn about(mut self, tenant: &TenantId) -> Self {
        self.subject_tenant = Some(tenant.clone());
        self
    }
    /// The customer the change was made for (Partner Center's customerId and customerName).
    #[must_use]
    pub fn customer(mut self, id: &TenantId, name: &str) -> Self {
        self.customer = Some((id.to_string(), name.to_owned()));
        self
    }
    #[must_use]
    pub fn old(mut self, v: impl Serialize) -> Self {
        self.old_value = serde_json::to_value(v).ok();
        self
    }
    #[must_use]
    pub fn new_value(mut self, v: impl Serialize) -> Self {
        self.new_value = serde_json::to_value(v).ok();
        self
    }
}

/// The actor's label at the time: email for people, the app's id, or the CLI.
pub(crate) fn row(svc: &Services, actor: &Actor, meta: &RequestMeta, e: Event) -> AuditRow {
    AuditRow {
        id: AuditId::generate(),
        tenant_id: actor.tenant_id.clone(),
        subject_tenant_id: e.subject_tenant,
        at: svc.now().millis(),
        actor_kind: actor.kind.as_str().to_owned(),
        actor_user_id: actor.user_id.clone(),
        actor_label: actor.label.clone(),
        actor_token_id: actor.token_id.clone(),
        actor_app_id: actor.app_id.clone(),
        customer_id: (e.customer.as_ref().map(|c| c.0.clone())).map(TenantId::from_stored),
        customer_name: e.customer.map(|c| c.1),
        operation: e.operation.as_str().to_owned(),
        resource_type: e.resource_type.as_str().to_owned(),
        resource_id: e.resource_id,
        old_value: e.old_value.map(|v| v.to_string()),
        new_value: e.new_value.map(|v| v.to_string()),
        outcome: "success".to_owned(),
        correlation_id: meta.correlation_id.clone(),
        request_id: meta.request_id.clone(),
    }
}

/// One audit record as readers get it.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub id: String,
    /// The tenant of whoever made the change.
    pub tenant_id: String,
    pub subject_tenant_id: Option<String>,
    /// Milliseconds since the epoch, from the clock.
    pub at: i64,
    pub actor_kind: String,
    pub actor_user_id: Option<String>,
    pub actor_label: String,
    pub actor_token_id: Option<String>,
    pub actor_app_id: Option<String>,
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    pub operation: String,
    pub resource_type: String,
    pub resource_id: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub outcome: String,
    pub correlation_id: Option<String>,
    pub request_id: Option<String>,
}

impl From<AuditRow> for Record {
    fn from(r: AuditRow) -> Self {
        Self {
            id: r.id.to_string(),
            tenant_id: r.tenant_id.to_string(),
            subject_tenant_id: r.subject_tenant_id.map(|v| v.to_string()),
            at: r.at,
            actor_kind: r.actor_kind,
            actor_user_id: r.actor_user_id.map(|v| v.to_string()),
            actor_label: r.actor_label,
            actor_token_id: r.actor_token_id.map(|v| v.to_string()),
            actor_app_id: r.actor_app_id.map(|v| v.to_string()),
            customer_id: r.customer_id.map(|v| v.to_string()),
            customer_name: r.customer_name,
            operation: r.operation,
            resource_type: r.resource_type,
            resource_id: r.resource_id,
            old_value: r.old_value,
            new_value: r.new_value,
            outcome: r.outcome,
            correlation_id: r.correlation_id,
            request_id: r.request_id,
        }
    }
}

/// Filters as a person or client gives them; validated into a store filter.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub actor: Option<String>,
    pub operation: Option<String>,
    pub resource_type: Option<String>,
    pub customer_id: Option<String>,
    /// Records older than this (at, id): the next page newest first, the previous oldest
    /// first.
    pub before: Option<(i64, String)>,
    /// Records newer than this (at, id): the previous page newest first, the next oldest
    /// first.
    pub after: Option<(i64, String)>,
    pub oldest_first: bool,
    pub limit: i64,
    /// Count the records that match (up to [`COUNT_CAP`]).
    pub with_total: bool,
}

pub const MAX_PAGE: i64 = 500;

/// A list counts its matches up to this many.
pub const COUNT_CAP: i64 = 10_000;

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub records: Vec<Record>,
    /// Cursors (at, id) of the pages after and before this one in its order, if any.
    pub next: Option<(i64, String)>,
    pub previous: Option<(i64, String)>,
    pub total: Option<i64>,
}

/// Records the actor may see: the operator sees all, everyone else those of their tenant.
pub async fn list(svc: &Services, actor: &Actor, q: &Query) -> Result<Page, CoreError> {
    authz::require(actor, Permission::ViewAudit)?;
    if let (Some(f), Some(t)) = (q.from, q.to)
        && f > t
    {
        return Err(CoreError::invalid(
            "to",
            "the end date must not be before the start date",
        ));
    }
    let limit = q.limit.clamp(1, MAX_PAGE);
    let scope = (actor.tenant_kind != TenantKind::Operator).then_some(&actor.tenant_id);
    let customer = q.customer_id.as_deref().filter(|s| !s.is_empty());
    let customer_id = match customer.map(TenantId::parse) {
        // Nothing can be about a customer that cannot exist.
        Some(None) => {
            return Ok(Page {
                records: Vec::new(),
                next: None,
                previous: None,
                total: q.with_total.then_some(0),
            });
        }
        Some(Some(id)) => Some(id),
        None => None,
    };
    // Newest first, the next page is older (`before`) and the previous newer (`after`);
    // oldest first the other way round. A previous page is read backwards from its cursor.
    let (forwards, backwards) = if q.oldest_first {
        (&q.after, &q.before)
    } else {
        (&q.before, &q.after)
    };
    let read_backwards = forwards.is_none() && backwards.is_some();
    let cursor = forwards
        .as_ref()
        .or(backwards.as_ref())
        .map(|(at, id)| (*at, id.as_str()));
    let older = q.oldest_first == read_backwards;
    let mut filter = AuditFilter {
        scope_tenant: scope,
        from: q.from.map(Timestamp::millis),
        to: q.to.map(Timestamp::millis),
        actor: q.actor.as_deref().filter(|s| !s.is_empty()),
        operation: q.operation.as_deref().filter(|s| !s.is_empty()),
        resource_type: q.resource_type.as_deref().filter(|s| !s.is_empty()),
        customer_id: customer_id.as_ref(),
        before: cursor.filter(|_| older),
        after: cursor.filter(|_| !older),
        ascending: q.oldest_first != read_backwards,
        limit: limit + 1,
    };
    let mut c = svc.db.read().await?;
    let mut records: Vec<Record> = twotier_store::audit::list(&mut c.conn(), &filter)
        .await?
        .into_iter()
        .map(Record::from)
        .collect();
    if read_backwards {
        records.reverse();
    }
    let (has_next, has_previous) =
        crate::keyset::cut_page(&mut records, limit, cursor.is_some(), read_backwards);
    let key = |r: &Record| (r.at, r.id.clone());
    let next = records.last().filter(|_| has_next).map(key);
    let previous = records.first().filter(|_| has_previous).map(key);
    let total = if q.with_total {
        filter.before = None;
        filter.after = None;
        Some(twotier_store::audit::count(&mut c.conn(), &filter, COUNT_CAP).await?)
    } else {
        None
    };
    Ok(Page {
        records,
        next,
        previous,
        total,
    })
}

pub async fn get(svc: &Services, actor: &Actor, id: &str) -> Result<Record, CoreError> {
    authz::require(actor, Permission::ViewAudit)?;
    let scope = (actor.tenant_kind != TenantKind::Operator).then_some(&actor.tenant_id);
    // Audit ids are UUIDs; anything else cannot be one.
    let Some(id) = AuditId::parse(id) else {
        return Err(CoreError::NotFound);
    };
    let mut c = svc.db.read().await?;
    twotier_store::audit::find(&mut c.conn(), scope, &id)
        .await?
        .map(Record::from)
        .ok_or(CoreError::NotFound)
}

/// Every matching record (in pages of `MAX_PAGE`) as CSV, newest first.
pub async fn export_csv(svc: &Services, actor: &Actor, q: &Query) -> Result<String, CoreError> {
    let mut csv = crate::csv_export::Csv::new(&[
        "id",
        "date",
        "actor_kind",
        "user",
        "operation",
        "resource_type",
        "resource_id",
        "customer_id",
        "customer_name",
        "old_value",
        "new_value",
        "outcome",
        "correlation_id",
        "request_id",
    ])?;
    // Every matching record, newest first, whatever page the caller was on.
    let mut q = Query {
        limit: MAX_PAGE,
        before: None,
        after: None,
        oldest_first: false,
        with_total: false,
        ..q.clone()
    };
    loop {
        let page = list(svc, actor, &q).await?;
        for r in &page.records {
            csv.row([
                r.id.as_str(),
                &Timestamp(r.at).rfc3339(),
                &r.actor_kind,
                &r.actor_label,
                &r.operation,
                &r.resource_type,
                &r.resource_id,
                r.customer_id.as_deref().unwrap_or(""),
                r.customer_name.as_deref().unwrap_or(""),
                r.old_value.as_deref().unwrap_or(""),
                r.new_value.as_deref().unwrap_or(""),
                &r.outcome,
                r.correlation_id.as_deref().unwrap_or(""),
                r.request_id.as_deref().unwrap_or(""),
            ])?;
        }
        match page.next {
            Some(cursor) => q.before = Some(cursor),
            None => break,
        }
    }
    csv.finish()
}
