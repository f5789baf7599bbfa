//! Subscriptions (Partner Center's Subscription): reading them, and every change to one:
//! licence count, suspend, reactivate, cancel, rename, auto-renew, the reseller of record, the
//! designated support contact, and upgrades. Each change is checked against the version it was
//! based on (the etag), writes an audit record per changed field, and a history row whenever
//! quantity, status or the reseller of record change (the incentives are computed from it).
//!
//! Who may do what: the provider's roles with `ManageSubscriptions` change a subscription; the
//! reseller of record also needs `SetResellerOfRecord`; the support contact needs only
//! `SetSupportContact` (a helpdesk agent sets it). Both stay the provider's to set. A reseller
//! related to the customer administers on its behalf (`AdministerOnBehalf` and
//! `ManageSubscriptions`): quantity, suspend and reactivate, rename, auto-renew; cancelling
//! and upgrading are the provider's.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use twotier_domain::actor::Actor;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::authz::Permission;
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::{OfferId, OrderId, SubscriptionId, TenantId};
use twotier_domain::subscription::OrderStatus;
use twotier_domain::subscription::SubscriptionStatus;
use twotier_domain::tenant::TenantKind;
use twotier_domain::term::{BillingCycle, TermDuration};
use twotier_store::catalog::{self as offer_rows, OfferRow};
use twotier_store::customers::{self as customer_rows, CustomerRow};
use twotier_store::subscriptions::{self as rows, HistoryRow, Patch, SubscriptionRow};
use twotier_store::{
    Conn, licences, orders as order_rows, partners as partner_rows, partnerships, tenants,
};

use crate::audit::Event;
use crate::write::{Change, Replayable};
use crate::{Code, CoreError, RequestMeta, Services, authz};

/// Partner Center's Subscription.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    pub offer_id: String,
    pub offer_name: String,
    pub friendly_name: String,
    pub quantity: i32,
    pub unit_type: String,
    pub creation_date: Timestamp,
    pub effective_start_date: Timestamp,
    pub commitment_end_date: Timestamp,
    /// The end of the cancellation window (cancelling, and lowering the licence count).
    pub cancellation_allowed_until_date: Timestamp,
    pub status: SubscriptionStatus,
    pub auto_renew_enabled: bool,
    pub billing_cycle: BillingCycle,
    pub term_duration: TermDuration,
    /// The MPN ID of the reseller of record.
    pub partner_id: Option<String>,
    pub order_id: String,
    /// twotier's additions: the subscription this one was upgraded from or to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgraded_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgraded_to: Option<String>,
    /// The designated support contact's tenant; `None` is the provider.
    #[serde(skip)]
    pub support_tenant_id: Option<String>,
    /// The reseller of record's tenant (the reseller's view marks its own).
    #[serde(skip)]
    pub reseller_tenant_id: Option<String>,
    /// The provider that sold it (the support contact when none was designated).
    #[serde(skip)]
    pub provider_tenant_id: String,
    /// The etag.
    #[serde(skip)]
    pub version: i64,
}

impl Replayable for Subscription {
    fn for_replay(&self) -> Self {
        self.clone()
    }
}

/// A row as Partner Center's Subscription; `window_days` is the offer's cancellation window.
pub(crate) fn from_row(r: SubscriptionRow, window_days: i32) -> Subscription {
    Subscription {
        cancellation_allowed_until_date: Timestamp(r.effective_start)
            .plus_days(i64::from(window_days)),
        id: r.id.to_string(),
        offer_id: r.offer_id.to_string(),
        offer_name: r.offer_name,
        friendly_name: r.friendly_name,
        quantity: r.quantity,
        unit_type: r.unit_type,
        creation_date: Timestamp(r.created_at),
        effective_start_date: Timestamp(r.effective_start),
        commitment_end_date: Timestamp(r.commitment_end),
        status: r.status,
        auto_renew_enabled: r.auto_renew,
        billing_cycle: r.billing_cycle,
        term_duration: r.term,
        partner_id: r.partner_id_on_record,
        order_id: r.order_id.to_string(),
        upgraded_from: r.upgraded_from,
        upgraded_to: r.upgraded_to,
        support_tenant_id: r.support_tenant_id.map(|v| v.to_string()),
        reseller_tenant_id: r.reseller_tenant_id.map(|v| v.to_string()),
        provider_tenant_id: r.provider_tenant_id.to_string(),
        version: r.version,
    }
}

/// Maps rows, reading each offer's cancellation window once.
async fn with_windows(
    c: &mut Conn<'_>,
    found: Vec<SubscriptionRow>,
) -> Result<Vec<Subscription>, CoreError> {
    let mut windows: HashMap<OfferId, i32> = HashMap::new();
    let mut out = Vec::with_capacity(found.len());
    for r in found {
        let days = match windows.get(&r.offer_id) {
            Some(d) => *d,
            None => {
                let d = offer_rows::find(c, &r.offer_id)
                    .await?
                    .map_or(0, |o| o.cancellation_window_days);
                windows.insert(r.offer_id.clone(), d);
                d
            }
        };
        out.push(from_row(r, days));
    }
    Ok(out)
}

/// The customer's subscriptions, optionally of one order or one partner of record.
pub async fn list(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    order_id: Option<&str>,
    mpn_id: Option<&str>,
) -> Result<Vec<Subscription>, CoreError> {
    let mut c = svc.db.read().await?;
    authz::authorize_customer_read(&mut c.conn(), actor, customer).await?;
    let sales = authz::sales(&mut c.conn(), actor, customer).await?;
    let order_id = match order_id.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => match OrderId::parse(text) {
            Some(id) => Some(id),
            // An order that cannot exist has no subscriptions.
            None => return Ok(Vec::new()),
        },
    };
    let mpn_id = mpn_id.map(str::trim).filter(|s| !s.is_empty());
    let found = rows::of_customer(&mut c.conn(), customer, order_id.as_ref(), mpn_id)
        .await?
        .into_iter()
        .filter(|r| in_scope(&sales, r))
        .collect();
    with_windows(&mut c.conn(), found).await
}

/// Whether a subscription is one of the sales the actor may see.
pub(crate) fn in_scope(sales: &authz::Sales, row: &SubscriptionRow) -> bool {
    sales.covers(&row.provider_tenant_id, row.reseller_tenant_id.as_ref())
}

pub async fn get(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
) -> Result<Subscription, CoreError> {
    let mut c = svc.db.read().await?;
    let (_, row) = readable(&mut c.conn(), actor, customer, id).await?;
    with_windows(&mut c.conn(), vec![row])
        .await?
        .pop()
        .ok_or(CoreError::NotFound)
}

/// The customer, if the actor may read it.
async fn readable_customer(
    c: &mut Conn<'_>,
    actor: &Actor,
    customer: &TenantId,
) -> Result<CustomerRow, CoreError> {
    authz::authorize_customer_read(c, actor, customer).await?;
    customer_rows::find(c, customer)
        .await?
        .ok_or(CoreError::NotFound)
}

/// The customer and one of its subscriptions, if the actor may read them: another
/// provider's sale is not found.
async fn readable(
    c: &mut Conn<'_>,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
) -> Result<(CustomerRow, SubscriptionRow), CoreError> {
    let cust = readable_customer(c, actor, customer).await?;
    let id = SubscriptionId::parse(id).ok_or(CoreError::NotFound)?;
    let row = rows::find(c, customer, &id)
        .await?
        .ok_or(CoreError::NotFound)?;
    if !in_scope(&authz::sales(c, actor, customer).await?, &row) {
        return Err(CoreError::NotFound);
    }
    Ok((cust, row))
}

/// A partner as Partner Center's SupportContact.
fn contact(p: partner_rows::PartnerRow) -> SupportContact {
    SupportContact {
        support_tenant_id: p.tenant_id.clone(),
        support_mpn_id: p.mpn_id.to_string(),
        name: p.name,
        email: p.contact_email,
    }
}

/// Which kind of change is asked for, to decide who may make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Right {
    /// Quantity, suspend, reactivate, rename, auto-renew: the provider, or a related
    /// reseller on the customer's behalf.
    OnBehalf,
    /// Cancel and upgrade: the provider only.
    Provider,
    /// The reseller of record / the support contact: the provider, with this permission.
    ProviderWith(Permission),
}

/// The customer and the subscription, if the actor may make this kind of change: a
/// subscription is changed only by the provider that sold it, or on the customer's behalf by
/// a reseller that sees it (`authz::Sales`); any other is not found.
async fn authorize_change(
    c: &mut Conn<'_>,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
    right: Right,
) -> Result<(CustomerRow, SubscriptionRow), CoreError> {
    authz::visible_tenant(c, actor, customer).await?;
    let cust = customer_rows::find(c, customer)
        .await?
        .ok_or(CoreError::NotFound)?;
    let id = SubscriptionId::parse(id).ok_or(CoreError::NotFound)?;
    let row = rows::find(c, customer, &id)
        .await?
        .ok_or(CoreError::NotFound)?;
    if !in_scope(&authz::sales(c, actor, customer).await?, &row) {
        return Err(CoreError::NotFound);
    }
    check_right(actor, row.provider_tenant_id.as_str(), right)?;
    if actor.tenant_kind == TenantKind::Reseller {
        authz::require_delegated_admin(c, actor, customer).await?;
    }
    Ok((cust, row))
}

/// What the actor may do to a subscription it sees, by the same rule the changes apply, so a
/// page offers exactly the actions that would be allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Abilities {
    /// Licence count, suspend, reactivate, rename, auto-renew.
    pub change: bool,
    /// Cancel and upgrade.
    pub cancel_or_upgrade: bool,
    pub set_reseller_of_record: bool,
    pub set_support_contact: bool,
}

#[must_use]
pub fn abilities(actor: &Actor, sub: &Subscription) -> Abilities {
    if !sub.status.is_open() {
        return Abilities::default();
    }
    let may = |right| check_right(actor, &sub.provider_tenant_id, right).is_ok();
    Abilities {
        change: may(Right::OnBehalf),
        cancel_or_upgrade: may(Right::Provider),
        set_reseller_of_record: may(Right::ProviderWith(Permission::SetResellerOfRecord)),
        set_support_contact: may(Right::ProviderWith(Permission::SetSupportContact)),
    }
}

/// A provider changes the subscriptions it sold; a reseller only on the customer's behalf.
fn check_right(actor: &Actor, seller: &str, right: Right) -> Result<(), CoreError> {
    match actor.tenant_kind {
        // What is billed takes `ManageSubscriptions`; the support contact only its own right.
        TenantKind::Provider if seller == actor.tenant_id.as_str() => {
            match right {
                Right::ProviderWith(Permission::SetSupportContact) => {}
                _ => authz::require(actor, Permission::ManageSubscriptions)?,
            }
            if let Right::ProviderWith(p) = right {
                authz::require(actor, p)?;
            }
            Ok(())
        }
        TenantKind::Reseller => {
            authz::require(actor, Permission::AdministerOnBehalf)?;
            if right == Right::OnBehalf {
                authz::require(actor, Permission::ManageSubscriptions)?;
                Ok(())
            } else {
                Err(CoreError::rule(
                    Code::ProviderDecides,
                    "cancelling, upgrading, the reseller of record and the support contact are your provider's to change; ask your provider",
                ))
            }
        }
        _ => Err(CoreError::NotFound),
    }
}

/// The provider that sold the subscription. Its changes are about the seller, so they are in
/// the seller's activity log whoever makes them; the record's customer is the customer.
fn seller(row: &SubscriptionRow) -> TenantId {
    row.provider_tenant_id.clone()
}

fn below_assigned_error(assigned: i64) -> CoreError {
    CoreError::rule(
        Code::LicencesAssigned,
        format!(
            "{assigned} licences are assigned to users; remove assignments before lowering the licence count below that"
        ),
    )
}

/// The offer of a subscription (its bounds, window and upgrade paths).
async fn offer_of(c: &mut Conn<'_>, row: &SubscriptionRow) -> Result<OfferRow, CoreError> {
    offer_rows::find(c, &row.offer_id)
        .await?
        .ok_or_else(|| CoreError::internal("a subscription's offer is missing from the catalog"))
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn inside_window(row: &SubscriptionRow, offer: &OfferRow, now: Timestamp) -> bool {
    now.millis()
        <= Timestamp(row.effective_start)
            .plus_days(i64::from(offer.cancellation_window_days))
            .millis()
}

fn parse_version(etag: Option<&str>) -> Result<i64, CoreError> {
    etag.and_then(|t| t.trim().trim_matches('"').parse::<i64>().ok())
        .ok_or_else(|| {
            CoreError::rule(
                Code::EtagRequired,
                "send the subscription's current etag (If-Match or attributes.etag)",
            )
        })
}

/// A change to one subscription; absent fields stay as they are. `partnerId` present and
/// empty removes the reseller of record.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ChangeInput {
    pub quantity: Option<i64>,
    pub status: Option<String>,
    pub friendly_name: Option<String>,
    pub auto_renew_enabled: Option<bool>,
    #[serde(deserialize_with = "present")]
    pub partner_id: Option<Option<String>>,
}

/// Tells "absent" (`None`) from "present but null" (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(Some(match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    }))
}

fn status_of(raw: &str) -> Result<SubscriptionStatus, CoreError> {
    SubscriptionStatus::parse(raw).map_err(|e| CoreError::field("status", e))
}

/// Applies a change, if `etag` is the subscription's current version.
pub async fn change(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    customer: &TenantId,
    id: &str,
    etag: Option<&str>,
    input: &ChangeInput,
) -> Result<Subscription, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, Subscription);
    let out = change_in(&mut ch, customer, id, etag, input).await?;
    ch.commit(&out).await?;
    Ok(out)
}

async fn change_in(
    ch: &mut Change<'_>,
    customer: &TenantId,
    id: &str,
    etag: Option<&str>,
    input: &ChangeInput,
) -> Result<Subscription, CoreError> {
    let (svc, actor) = (ch.svc, ch.actor);
    let new_status = input.status.as_deref().map(status_of).transpose()?;
    let (cust, row) =
        authorize_change(&mut ch.conn(), actor, customer, id, Right::OnBehalf).await?;
    // Partner Center clients send the whole resource back: only fields that differ count,
    // and the change needs the strongest right any of them needs.
    let por_wanted = input.partner_id.as_ref().map(|p| {
        p.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    });
    if por_wanted
        .as_ref()
        .is_some_and(|p| *p != row.partner_id_on_record)
    {
        check_right(
            actor,
            row.provider_tenant_id.as_str(),
            Right::ProviderWith(Permission::SetResellerOfRecord),
        )?;
    }
    if new_status == Some(SubscriptionStatus::Deleted) && row.status.is_open() {
        check_right(actor, row.provider_tenant_id.as_str(), Right::Provider)?;
    }
    let version = parse_version(etag)?;
    if version != row.version {
        return Err(CoreError::Stale);
    }
    let offer = offer_of(&mut ch.conn(), &row).await?;
    let now = svc.now();
    if row.status == SubscriptionStatus::Deleted {
        return Err(CoreError::rule(
            Code::SubscriptionCancelled,
            "this subscription is cancelled and cannot be changed",
        ));
    }
    let status_changes = new_status.filter(|s| *s != row.status);
    let quantity = match input.quantity {
        None => row.quantity,
        Some(q) => i32::try_from(q).map_err(|_| {
            CoreError::rule(
                Code::QuantityOutOfRange,
                "the quantity is outside the offer's bounds",
            )
        })?,
    };
    let quantity_changes = quantity != row.quantity;
    if quantity < row.quantity {
        // Locked so a licence assignment cannot slip in between the count and the update.
        licences::lock_subscription(&mut ch.conn(), &row.id).await?;
        let assigned = licences::count(&mut ch.conn(), &row.id).await?;
        if i64::from(quantity) < assigned {
            return Err(below_assigned_error(assigned));
        }
    }
    if quantity_changes && status_changes.is_some() {
        return Err(CoreError::rule(
            Code::QuantityAndStatusTogether,
            "change the quantity and the status in separate requests",
        ));
    }
    if let Some(to) = status_changes {
        if !row.status.can_become(to) {
            return Err(CoreError::rule(
                Code::StatusTransition,
                format!("the status cannot change from {} to {to}", row.status),
            ));
        }
        if to == SubscriptionStatus::Deleted && !inside_window(&row, &offer, now) {
            return Err(CoreError::rule(
                Code::CancelAfterWindow,
                format!(
                    "the subscription is past the {}-day cancellation window",
                    offer.cancellation_window_days
                ),
            ));
        }
    }
    let por_changes = por_wanted.filter(|p| *p != row.partner_id_on_record);
    let auto_renew = input.auto_renew_enabled.unwrap_or(row.auto_renew);
    if row.status == SubscriptionStatus::Suspended
        && (quantity_changes || por_changes.is_some() || auto_renew != row.auto_renew)
    {
        return Err(CoreError::rule(
            Code::SubscriptionSuspended,
            "a suspended subscription can only be reactivated, cancelled or renamed",
        ));
    }
    if quantity_changes {
        check_quantity(&row, &offer, quantity, now)?;
    }
    let friendly_name = match input.friendly_name.as_deref().map(str::trim) {
        None => row.friendly_name.clone(),
        Some("") => {
            return Err(CoreError::invalid(
                "friendlyName",
                "the name cannot be empty",
            ));
        }
        Some(n) if n.chars().count() > 200 => {
            return Err(CoreError::invalid(
                "friendlyName",
                "use at most 200 characters",
            ));
        }
        Some(n) => n.to_owned(),
    };
    let reseller = match &por_changes {
        None => row.reseller_tenant_id.clone(),
        Some(None) => None,
        Some(Some(mpn)) => {
            let provider = partner_rows::find(&mut ch.conn(), &row.provider_tenant_id)
                .await?
                .ok_or(CoreError::NotFound)?;
            Some(crate::partnerships::partner_of_record(&mut ch.conn(), &provider, mpn).await?)
        }
    };
    let status = status_changes.unwrap_or(row.status);
    let partner_id = por_changes
        .clone()
        .unwrap_or_else(|| row.partner_id_on_record.clone());
    let patch = Patch {
        quantity,
        status,
        friendly_name: &friendly_name,
        auto_renew,
        reseller_tenant_id: reseller.as_ref(),
        partner_id_on_record: partner_id.as_deref(),
        support_tenant_id: row.support_tenant_id.as_ref(),
        upgraded_from: row.upgraded_from.as_deref(),
        upgraded_to: row.upgraded_to.as_deref(),
    };
    if !rows::update(&mut ch.conn(), &row.id, row.version, &patch, now.millis()).await? {
        return Err(CoreError::Stale);
    }
    let changed: Vec<(&str, serde_json::Value, serde_json::Value)> = [
        (
            "quantity",
            serde_json::json!(row.quantity),
            serde_json::json!(quantity),
        ),
        (
            "status",
            serde_json::json!(row.status),
            serde_json::json!(status),
        ),
        (
            "friendlyName",
            serde_json::json!(row.friendly_name),
            serde_json::json!(friendly_name),
        ),
        (
            "autoRenewEnabled",
            serde_json::json!(row.auto_renew),
            serde_json::json!(auto_renew),
        ),
    ]
    .into_iter()
    .filter(|(_, old, new)| old != new)
    .collect();
    for (field, old, new) in changed {
        ch.audit(
            Event::new(
                Operation::UpdateSubscription,
                ResourceType::Subscription,
                &row.id,
            )
            .about(&seller(&row))
            .customer(customer, &cust.company_name)
            .old(serde_json::json!({ "field": field, "value": old }))
            .new_value(serde_json::json!({ "field": field, "value": new })),
        )
        .await?;
    }
    if let Some(por) = &por_changes {
        let op = if row.partner_id_on_record.is_none() {
            Operation::CreateMpnAssociation
        } else {
            Operation::UpdateMpnAssociation
        };
        ch.audit(
            Event::new(op, ResourceType::MpnAssociation, &row.id)
                .about(&seller(&row))
                .customer(customer, &cust.company_name)
                .old(serde_json::json!({ "SubscriptionId": row.id, "PartnerId": row.partner_id_on_record }))
                .new_value(serde_json::json!({ "SubscriptionId": row.id, "PartnerId": por })),
        )
        .await?;
    }
    let after = rows::find(&mut ch.conn(), customer, &row.id)
        .await?
        .ok_or(CoreError::NotFound)?;
    if quantity_changes || status_changes.is_some() || por_changes.is_some() {
        record_history(ch, &after).await?;
    }
    Ok(from_row(after, offer.cancellation_window_days))
}

/// Quantity within the offer's bounds, and lowered only inside the cancellation window.
fn check_quantity(
    row: &SubscriptionRow,
    offer: &OfferRow,
    quantity: i32,
    now: Timestamp,
) -> Result<(), CoreError> {
    if quantity < offer.min_quantity || quantity > offer.max_quantity {
        return Err(CoreError::rule(
            Code::QuantityOutOfRange,
            format!(
                "{} takes quantities of {} to {}",
                offer.name, offer.min_quantity, offer.max_quantity
            ),
        ));
    }
    if quantity < row.quantity && !inside_window(row, offer, now) {
        return Err(CoreError::rule(
            Code::DecreaseAfterWindow,
            format!(
                "the licence count cannot be lowered after the {}-day cancellation window",
                offer.cancellation_window_days
            ),
        ));
    }
    Ok(())
}

/// The state after a change, for the incentives.
pub(crate) async fn record_history(
    ch: &mut Change<'_>,
    row: &SubscriptionRow,
) -> Result<(), CoreError> {
    rows::insert_history(
        &mut ch.conn(),
        &HistoryRow {
            id: SubscriptionId::generate().to_string(),
            subscription_id: row.id.clone(),
            provider_tenant_id: row.provider_tenant_id.clone(),
            customer_tenant_id: row.customer_tenant_id.clone(),
            offer_id: row.offer_id.clone(),
            at: row.updated_at,
            quantity: row.quantity,
            status: row.status,
            reseller_tenant_id: row.reseller_tenant_id.clone(),
        },
    )
    .await?;
    Ok(())
}

/// Adds (or with a negative delta removes) licences without an etag: one conditional update,
/// so concurrent deltas all count and none is lost.
pub async fn add_quantity(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    customer: &TenantId,
    id: &str,
    delta: i64,
) -> Result<Subscription, CoreError> {
    // Without a request id to replay, the checks read on the read pool, so SQLite's one
    // writer is held only for the conditional update and its records (the update re-checks
    // status and bounds itself). With one, everything happens inside the change, so a repeat
    // returns the first result whatever happened since.
    let loaded = if meta.idempotency.is_none() {
        let mut c = svc.db.read().await?;
        Some(load_for_delta(&mut c.conn(), actor, customer, id).await?)
    } else {
        None
    };
    let mut ch = crate::begin_change!(svc, actor, meta, Subscription);
    let (cust, row, offer) = match loaded {
        Some(l) => l,
        None => load_for_delta(&mut ch.conn(), actor, customer, id).await?,
    };
    let now = svc.now();
    if delta == 0 {
        return Err(CoreError::invalid(
            "quantityDelta",
            "give a non-zero licence delta",
        ));
    }
    // Beyond the offer's largest quantity no delta can be right; refused before any
    // arithmetic, so no backend overflows or wraps.
    if delta.unsigned_abs() > u64::from(offer.max_quantity.unsigned_abs()) {
        return Err(CoreError::rule(
            Code::QuantityOutOfRange,
            format!(
                "{} takes quantities of {} to {}, so a licence delta is between -{max} and {max}",
                offer.name,
                offer.min_quantity,
                offer.max_quantity,
                max = offer.max_quantity
            ),
        ));
    }
    match row.status {
        SubscriptionStatus::Deleted => {
            return Err(CoreError::rule(
                Code::SubscriptionCancelled,
                "this subscription is cancelled and cannot be changed",
            ));
        }
        SubscriptionStatus::Suspended => {
            return Err(CoreError::rule(
                Code::SubscriptionSuspended,
                "a suspended subscription's licence count cannot change",
            ));
        }
        SubscriptionStatus::Active => {}
    }
    if delta < 0 && !inside_window(&row, &offer, now) {
        return Err(CoreError::rule(
            Code::DecreaseAfterWindow,
            format!(
                "the licence count cannot be lowered after the {}-day cancellation window",
                offer.cancellation_window_days
            ),
        ));
    }
    let Some(after) = rows::add_quantity(
        &mut ch.conn(),
        &row.id,
        delta,
        offer.min_quantity,
        offer.max_quantity,
        now.millis(),
    )
    .await?
    else {
        // Refused: say why, as it is now (it may have changed since the checks).
        let now_row = rows::find(&mut ch.conn(), customer, &row.id).await?;
        let status = now_row.as_ref().map(|r| r.status);
        let assigned = licences::count(&mut ch.conn(), &row.id).await?;
        let below_assigned = now_row.is_some_and(|r| i64::from(r.quantity) + delta < assigned);
        return Err(match status {
            Some(SubscriptionStatus::Active) if below_assigned => below_assigned_error(assigned),
            Some(SubscriptionStatus::Deleted) => CoreError::rule(
                Code::SubscriptionCancelled,
                "this subscription is cancelled and cannot be changed",
            ),
            Some(SubscriptionStatus::Suspended) => CoreError::rule(
                Code::SubscriptionSuspended,
                "a suspended subscription's licence count cannot change",
            ),
            Some(SubscriptionStatus::Active) | None => CoreError::rule(
                Code::QuantityOutOfRange,
                format!(
                    "{} takes quantities of {} to {}",
                    offer.name, offer.min_quantity, offer.max_quantity
                ),
            ),
        });
    };
    ch.audit(
        Event::new(
            Operation::UpdateSubscription,
            ResourceType::Subscription,
            &row.id,
        )
        .about(&seller(&row))
        .customer(customer, &cust.company_name)
        .old(serde_json::json!({ "field": "quantity", "value": i64::from(after.quantity) - delta }))
        .new_value(
            serde_json::json!({ "field": "quantity", "value": after.quantity, "delta": delta }),
        ),
    )
    .await?;
    record_history(&mut ch, &after).await?;
    let out = from_row(after, offer.cancellation_window_days);
    ch.commit(&out).await?;
    Ok(out)
}

/// What a licence delta needs to know: the customer, the subscription and its offer, if the
/// actor may change it.
async fn load_for_delta(
    c: &mut Conn<'_>,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
) -> Result<(CustomerRow, SubscriptionRow, OfferRow), CoreError> {
    let (cust, row) = authorize_change(c, actor, customer, id, Right::OnBehalf).await?;
    let offer = offer_of(c, &row).await?;
    Ok((cust, row, offer))
}

/// Partner Center's SupportContact.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportContact {
    pub support_tenant_id: TenantId,
    pub support_mpn_id: String,
    pub name: String,
    /// The partner's contact address, for the customer's portal (not on the wire).
    #[serde(skip)]
    pub email: String,
}

impl Replayable for SupportContact {
    fn for_replay(&self) -> Self {
        self.clone()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SupportContactInput {
    pub support_tenant_id: Option<String>,
    pub support_mpn_id: Option<String>,
}

async fn contact_of(c: &mut Conn<'_>, row: &SubscriptionRow) -> Result<SupportContact, CoreError> {
    let tenant = row
        .support_tenant_id
        .clone()
        .unwrap_or_else(|| row.provider_tenant_id.clone());
    Ok(contact(
        partner_rows::find(c, &tenant)
            .await?
            .ok_or(CoreError::NotFound)?,
    ))
}

/// Everything a subscription's page shows, read for the actor: the customer, the
/// subscription, its support contact and the candidates for it, its upgrade targets and what
/// the actor may do to it.
#[derive(Debug, Clone)]
pub struct SubscriptionView {
    pub customer_id: String,
    /// The customer's company name as the actor knows it.
    pub customer_name: String,
    pub subscription: Subscription,
    pub support: SupportContact,
    pub support_candidates: Vec<SupportContact>,
    pub upgrades: Vec<Upgrade>,
    pub abilities: Abilities,
}

pub async fn view(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
) -> Result<SubscriptionView, CoreError> {
    let subscription = get(svc, actor, customer, id).await?;
    let mut c = svc.db.read().await?;
    let customer_name = crate::customer_relationships::as_seen_by(&mut c.conn(), actor, customer)
        .await?
        .company_name;
    drop(c);
    Ok(SubscriptionView {
        customer_id: customer.to_string(),
        customer_name,
        support: support_contact(svc, actor, customer, id).await?,
        support_candidates: support_candidates(svc, actor, customer).await?,
        upgrades: upgrades(svc, actor, customer, id).await?,
        abilities: abilities(actor, &subscription),
        subscription,
    })
}

/// One row of a customer's own subscriptions page.
#[derive(Debug, Clone)]
pub struct OwnSubscription {
    pub subscription: Subscription,
    pub support: SupportContact,
    /// Licences assigned to the customer's users.
    pub assigned: i64,
}

/// A customer's own subscriptions, each with its support contact and the licences assigned,
/// in one read.
pub async fn own(svc: &Services, actor: &Actor) -> Result<Vec<OwnSubscription>, CoreError> {
    let customer = &actor.tenant_id;
    let mut c = svc.db.read().await?;
    authz::authorize_customer_read(&mut c.conn(), actor, customer).await?;
    let sales = authz::sales(&mut c.conn(), actor, customer).await?;
    let rows: Vec<SubscriptionRow> = rows::of_customer(&mut c.conn(), customer, None, None)
        .await?
        .into_iter()
        .filter(|r| in_scope(&sales, r))
        .collect();
    let mut assigned: HashMap<SubscriptionId, i64> = HashMap::new();
    for (sub, _) in licences::of_customer(&mut c.conn(), customer).await? {
        *assigned.entry(sub).or_default() += 1;
    }
    let mut contacts: HashMap<TenantId, SupportContact> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let tenant = row
            .support_tenant_id
            .as_ref()
            .unwrap_or(&row.provider_tenant_id);
        let support = match contacts.get(tenant) {
            Some(known) => known.clone(),
            None => {
                let found = contact_of(&mut c.conn(), row).await?;
                contacts.insert(tenant.clone(), found.clone());
                found
            }
        };
        out.push((support, assigned.get(&row.id).copied().unwrap_or(0)));
    }
    let subscriptions = with_windows(&mut c.conn(), rows).await?;
    Ok(subscriptions
        .into_iter()
        .zip(out)
        .map(|(subscription, (support, assigned))| OwnSubscription {
            subscription,
            support,
            assigned,
        })
        .collect())
}

/// The designated support contact: the provider unless a reseller was designated.
pub async fn support_contact(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
) -> Result<SupportContact, CoreError> {
    let mut c = svc.db.read().await?;
    let (_, row) = readable(&mut c.conn(), actor, customer, id).await?;
    contact_of(&mut c.conn(), &row).await
}

/// The partners that may be designated as support contacts of the subscriptions the actor
/// sees: their provider, and each reseller that has a relationship with the customer and still
/// an active partnership with that provider. Providers come first, then resellers by name.
pub async fn support_candidates(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
) -> Result<Vec<SupportContact>, CoreError> {
    let mut c = svc.db.read().await?;
    readable_customer(&mut c.conn(), actor, customer).await?;
    let providers: Vec<TenantId> = match authz::sales(&mut c.conn(), actor, customer).await? {
        authz::Sales::Provider(p) => vec![p],
        authz::Sales::Reseller { current, .. } => current,
        authz::Sales::All => rows::of_customer(&mut c.conn(), customer, None, None)
            .await?
            .into_iter()
            .map(|s| s.provider_tenant_id)
            .collect(),
    };
    let mut out = Vec::new();
    for tenant in customer_rows::partners_of(&mut c.conn(), customer).await? {
        let mut eligible = providers.contains(&tenant);
        for provider in &providers {
            if eligible {
                break;
            }
            eligible = partnerships::find_active(&mut c.conn(), provider, &tenant)
                .await?
                .is_some();
        }
        if !eligible {
            continue;
        }
        if let Some(p) = partner_rows::find(&mut c.conn(), &tenant).await? {
            out.push(contact(p));
        }
    }
    out.sort_by_key(|s| (!providers.contains(&s.support_tenant_id), s.name.clone()));
    Ok(out)
}

/// Designates the support contact: the provider, or a reseller with a relationship with the
/// customer and an active partnership with the provider.
pub async fn set_support_contact(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    customer: &TenantId,
    id: &str,
    input: &SupportContactInput,
) -> Result<SupportContact, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, SupportContact);
    let (cust, row) = authorize_change(
        &mut ch.conn(),
        actor,
        customer,
        id,
        Right::ProviderWith(Permission::SetSupportContact),
    )
    .await?;
    if row.status == SubscriptionStatus::Deleted {
        return Err(CoreError::rule(
            Code::SubscriptionCancelled,
            "this subscription is cancelled and cannot be changed",
        ));
    }
    let wanted = match (
        input
            .support_tenant_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
        input
            .support_mpn_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    ) {
        (Some(t), _) => match TenantId::parse(t) {
            Some(t) => partner_rows::find(&mut ch.conn(), &t).await?,
            None => None,
        },
        (None, Some(m)) => match twotier_domain::partner::parse_mpn_id(m) {
            Ok(m) => partner_rows::find_by_mpn_id(&mut ch.conn(), m).await?,
            Err(_) => None,
        },
        (None, None) => {
            return Err(CoreError::invalid(
                "supportTenantId",
                "name the support contact by supportTenantId or supportMpnId",
            ));
        }
    };
    let Some(partner) = wanted else {
        return Err(CoreError::invalid(
            "supportTenantId",
            "no partner has this tenant id or MPN ID",
        ));
    };
    let is_provider = partner.tenant_id == row.provider_tenant_id;
    if !is_provider {
        let related = customer_rows::related(&mut ch.conn(), &partner.tenant_id, customer).await?;
        let partnered =
            partnerships::find_active(&mut ch.conn(), &row.provider_tenant_id, &partner.tenant_id)
                .await?
                .is_some();
        if partner.kind != TenantKind::Reseller.as_str() || !related || !partnered {
            return Err(CoreError::invalid(
                "supportTenantId",
                "the support contact must be you or an indirect reseller partnered with you that has a relationship with this customer",
            ));
        }
    }
    let support = (!is_provider).then(|| partner.tenant_id.clone());
    if support != row.support_tenant_id {
        let old = contact_of(&mut ch.conn(), &row).await?;
        let patch = Patch {
            quantity: row.quantity,
            status: row.status,
            friendly_name: &row.friendly_name,
            auto_renew: row.auto_renew,
            reseller_tenant_id: row.reseller_tenant_id.as_ref(),
            partner_id_on_record: row.partner_id_on_record.as_deref(),
            support_tenant_id: support.as_ref(),
            upgraded_from: row.upgraded_from.as_deref(),
            upgraded_to: row.upgraded_to.as_deref(),
        };
        let now = ch.svc.now().millis();
        if !rows::update(&mut ch.conn(), &row.id, row.version, &patch, now).await? {
            return Err(CoreError::Stale);
        }
        ch.audit(
            Event::new(
                Operation::UpdateSupportContact,
                ResourceType::Subscription,
                &row.id,
            )
            .about(&seller(&row))
            .customer(customer, &cust.company_name)
            .old(&old)
            .new_value(serde_json::json!({
                "supportTenantId": partner.tenant_id, "supportMpnId": partner.mpn_id.to_string(), "name": partner.name,
            })),
        )
        .await?;
    }
    let out = contact(partner);
    ch.commit(&out).await?;
    Ok(out)
}

/// Partner Center's Upgrade: a target offer and whether the subscription can move to it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Upgrade {
    pub target_offer: crate::catalog::Offer,
    pub upgrade_type: &'static str,
    pub is_eligible: bool,
    pub quantity: i32,
    pub upgrade_errors: Vec<UpgradeError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeError {
    pub code: String,
    pub description: String,
}

/// Partner Center's UpgradeResult.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeResult {
    pub source_subscription_id: String,
    #[serde(rename = "targetSubscriptionID")]
    pub target_subscription_id: String,
    pub upgrade_type: String,
    pub upgrade_errors: Vec<UpgradeError>,
}

impl Replayable for UpgradeResult {
    fn for_replay(&self) -> Self {
        self.clone()
    }
}

fn upgrade_error(code: &str, description: impl Into<String>) -> UpgradeError {
    UpgradeError {
        code: code.to_owned(),
        description: description.into(),
    }
}

/// What stops the subscription moving to `target`, if anything (Partner Center's names).
async fn upgrade_blockers(
    c: &mut Conn<'_>,
    cust: &CustomerRow,
    row: &SubscriptionRow,
    source: &OfferRow,
    target: Option<&OfferRow>,
) -> Result<Vec<UpgradeError>, CoreError> {
    let mut errors = Vec::new();
    if row.status != SubscriptionStatus::Active {
        errors.push(upgrade_error(
            "subscription_status_not_active",
            format!("the subscription is {}", row.status),
        ));
    }
    match target {
        Some(t)
            if t.available
                && split(&t.countries).contains(&cust.country)
                && split(&source.upgrade_targets).iter().any(|x| x == t.id.as_str()) => {}
        _ => errors.push(upgrade_error(
            "subscription_target_offer_not_found",
            "the target offer is not an upgrade path of this subscription's offer on sale in the customer's country",
        )),
    }
    if let Some((_, o)) = dependent_add_ons(c, &cust.tenant_id, row)
        .await?
        .into_iter()
        .find(|(s, _)| s.status == SubscriptionStatus::Active)
    {
        errors.push(upgrade_error(
            "subscription_add_ons_present",
            format!("the add-on {} depends on this subscription", o.name),
        ));
    }
    Ok(errors)
}

/// The customer's subscriptions (not cancelled) of add-ons that need this subscription's
/// offer, bought from the same provider (an add-on is sold with its base), with their offers;
/// each offer is read once.
async fn dependent_add_ons(
    c: &mut Conn<'_>,
    customer: &TenantId,
    row: &SubscriptionRow,
) -> Result<Vec<(SubscriptionRow, OfferRow)>, CoreError> {
    let mut offers: HashMap<OfferId, Option<OfferRow>> = HashMap::new();
    let mut out = Vec::new();
    for s in rows::of_customer(c, customer, None, None).await? {
        if s.id == row.id
            || s.status == SubscriptionStatus::Deleted
            || s.provider_tenant_id != row.provider_tenant_id
        {
            continue;
        }
        if !offers.contains_key(&s.offer_id) {
            let o = offer_rows::find(c, &s.offer_id).await?;
            offers.insert(s.offer_id.clone(), o);
        }
        if let Some(Some(o)) = offers.get(&s.offer_id)
            && o.is_add_on
            && split(&o.prerequisites)
                .iter()
                .any(|p| p == row.offer_id.as_str())
        {
            out.push((s, o.clone()));
        }
    }
    Ok(out)
}

/// The offers this subscription can be upgraded to, each with what stands in the way.
pub async fn upgrades(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
) -> Result<Vec<Upgrade>, CoreError> {
    let mut c = svc.db.read().await?;
    let (cust, row) = readable(&mut c.conn(), actor, customer, id).await?;
    let source = offer_of(&mut c.conn(), &row).await?;
    let mut out = Vec::new();
    for target_id in split(&source.upgrade_targets) {
        let Some(target) = (match OfferId::parse(&target_id) {
            Some(id) => offer_rows::find(&mut c.conn(), &id).await?,
            None => None,
        }) else {
            continue;
        };
        let errors = upgrade_blockers(&mut c.conn(), &cust, &row, &source, Some(&target)).await?;
        out.push(Upgrade {
            target_offer: crate::catalog::offer(target, &cust.country, 0, false),
            upgrade_type: "upgrade_with_license_transfer",
            is_eligible: errors.is_empty(),
            quantity: row.quantity,
            upgrade_errors: errors,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UpgradeInput {
    pub target_offer: UpgradeTarget,
    pub upgrade_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UpgradeTarget {
    pub id: String,
}

/// Moves the licences to a new subscription of the target offer (same quantity, reseller of
/// record and support contact); the source is suspended and the two are linked.
pub async fn upgrade(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    customer: &TenantId,
    id: &str,
    input: &UpgradeInput,
) -> Result<UpgradeResult, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, UpgradeResult);
    let (cust, row) =
        authorize_change(&mut ch.conn(), actor, customer, id, Right::Provider).await?;
    if let Some(t) = input.upgrade_type.as_deref().map(str::trim)
        && !t.is_empty()
        && !t
            .replace('_', "")
            .eq_ignore_ascii_case("upgradewithlicensetransfer")
    {
        return Err(CoreError::invalid(
            "upgradeType",
            "twotier upgrades with licence transfer (upgrade_with_license_transfer)",
        ));
    }
    let source = offer_of(&mut ch.conn(), &row).await?;
    let target = match OfferId::parse(&input.target_offer.id) {
        Some(id) => offer_rows::find(&mut ch.conn(), &id).await?,
        None => None,
    };
    let errors = upgrade_blockers(&mut ch.conn(), &cust, &row, &source, target.as_ref()).await?;
    if let Some(first) = errors.first() {
        return Err(CoreError::rule(
            Code::UpgradeNotEligible,
            format!("{}: {}", first.code, first.description),
        ));
    }
    let Some(target) = target else {
        return Err(CoreError::NotFound);
    };
    if row.quantity < target.min_quantity || row.quantity > target.max_quantity {
        return Err(CoreError::rule(
            Code::QuantityOutOfRange,
            format!(
                "{} takes quantities of {} to {}; change the licence count first",
                target.name, target.min_quantity, target.max_quantity
            ),
        ));
    }
    let now = svc.now();
    let order_id = OrderId::generate();
    order_rows::insert_order(
        &mut ch.conn(),
        &order_rows::OrderRow {
            id: order_id.clone(),
            customer_tenant_id: customer.clone(),
            provider_tenant_id: row.provider_tenant_id.clone(),
            billing_cycle: row.billing_cycle,
            status: OrderStatus::Completed,
            created_by: actor.label.clone(),
            created_at: now.millis(),
        },
    )
    .await?;
    let new_id = SubscriptionId::generate();
    let new_row = SubscriptionRow {
        id: new_id.clone(),
        customer_tenant_id: customer.clone(),
        provider_tenant_id: row.provider_tenant_id.clone(),
        order_id,
        line_item_number: 0,
        offer_id: target.id.clone(),
        offer_name: target.name.clone(),
        friendly_name: target.name.clone(),
        quantity: row.quantity,
        unit_type: target.unit_type.clone(),
        status: SubscriptionStatus::Active,
        billing_cycle: row.billing_cycle,
        term: target.term,
        auto_renew: row.auto_renew,
        reseller_tenant_id: row.reseller_tenant_id.clone(),
        partner_id_on_record: row.partner_id_on_record.clone(),
        created_at: now.millis(),
        effective_start: now.millis(),
        commitment_end: target.term.end_from(now).millis(),
        version: 1,
        updated_at: now.millis(),
        support_tenant_id: row.support_tenant_id.clone(),
        upgraded_from: Some(row.id.to_string()),
        upgraded_to: None,
    };
    rows::insert(&mut ch.conn(), &new_row).await?;
    record_history(&mut ch, &new_row).await?;
    let patch = Patch {
        quantity: row.quantity,
        status: SubscriptionStatus::Suspended,
        friendly_name: &row.friendly_name,
        auto_renew: row.auto_renew,
        reseller_tenant_id: row.reseller_tenant_id.as_ref(),
        partner_id_on_record: row.partner_id_on_record.as_deref(),
        support_tenant_id: row.support_tenant_id.as_ref(),
        upgraded_from: row.upgraded_from.as_deref(),
        upgraded_to: Some(new_id.as_str()),
    };
    if !rows::update(&mut ch.conn(), &row.id, row.version, &patch, now.millis()).await? {
        return Err(CoreError::Stale);
    }
    let source_after = rows::find(&mut ch.conn(), customer, &row.id)
        .await?
        .ok_or(CoreError::NotFound)?;
    record_history(&mut ch, &source_after).await?;
    let out = UpgradeResult {
        source_subscription_id: row.id.to_string(),
        target_subscription_id: new_id.to_string(),
        upgrade_type: "upgrade_with_license_transfer".to_owned(),
        upgrade_errors: Vec::new(),
    };
    ch.audit(
        Event::new(
            Operation::UpgradeSubscription,
            ResourceType::Subscription,
            &row.id,
        )
        .about(&seller(&row))
        .customer(customer, &cust.company_name)
        .old(serde_json::json!({ "SubscriptionId": row.id, "OfferId": row.offer_id, "Quantity": row.quantity }))
        .new_value(serde_json::json!({ "SubscriptionId": new_id, "OfferId": target.id, "Quantity": row.quantity })),
    )
    .await?;
    ch.commit(&out).await?;
    Ok(out)
}

/// The customer's active add-ons that depend on this subscription's offer.
pub async fn addons(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
) -> Result<Vec<Subscription>, CoreError> {
    let mut c = svc.db.read().await?;
    let (_, row) = readable(&mut c.conn(), actor, customer, id).await?;
    let found = dependent_add_ons(&mut c.conn(), customer, &row)
        .await?
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    with_windows(&mut c.conn(), found).await
}

/// What a proposed change points at, whose name its confirmation step shows.
#[derive(Debug, Clone, Copy)]
pub enum Named<'a> {
    Nothing,
    /// A reseller of record, by MPN ID: refused unless it may be one.
    PartnerId(&'a str),
    /// A support contact, by tenant id.
    SupportTenant(&'a str),
    /// An upgrade, by target offer id.
    UpgradeTarget(&'a str),
}

/// What the confirmation step of a change shows: the subscription, and the name of what the
/// change points at (the typed value itself when no such name is known).
#[derive(Debug, Clone)]
pub struct Proposal {
    pub subscription: Subscription,
    pub named: Option<String>,
}

pub async fn proposal(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
    named: Named<'_>,
) -> Result<Proposal, CoreError> {
    let subscription = get(svc, actor, customer, id).await?;
    let named = match named {
        Named::Nothing => None,
        Named::PartnerId(mpn) => Some(check_partner_id(svc, actor, mpn).await?),
        Named::SupportTenant(tenant) => Some(
            support_candidates(svc, actor, customer)
                .await?
                .into_iter()
                .find(|c| c.support_tenant_id.as_str() == tenant)
                .map_or_else(|| tenant.to_owned(), |c| c.name),
        ),
        Named::UpgradeTarget(offer) => Some(
            upgrades(svc, actor, customer, &subscription.id)
                .await?
                .into_iter()
                .find(|u| u.target_offer.id == offer)
                .map_or_else(|| offer.to_owned(), |u| u.target_offer.name),
        ),
    };
    Ok(Proposal {
        subscription,
        named,
    })
}

/// Whose MPN ID this is, for the "check" next to the reseller of record: the reseller's
/// name if it may be the partner of record of this provider's subscriptions, the refusal
/// (with Partner Center's code) otherwise.
pub async fn check_partner_id(
    svc: &Services,
    actor: &Actor,
    mpn_id: &str,
) -> Result<String, CoreError> {
    authz::require(actor, Permission::SetResellerOfRecord)?;
    let mut c = svc.db.read().await?;
    let provider = partner_rows::find(&mut c.conn(), &actor.tenant_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let reseller = crate::partnerships::partner_of_record(&mut c.conn(), &provider, mpn_id).await?;
    Ok(tenants::find(&mut c.conn(), &reseller)
        .await?
        .map(|t| t.name)
        .unwrap_or_default())
}
