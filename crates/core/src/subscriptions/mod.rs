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

mod change;
mod support_contact;
mod upgrades;

pub(crate) use change::record_history;
pub use change::{ChangeInput, add_quantity, change};
use support_contact::contact_of;
pub use support_contact::{
    SupportContact, SupportContactInput, set_support_contact, support_candidates, support_contact,
};
use upgrades::dependent_add_ons;
pub use upgrades::{
    Upgrade, UpgradeError, UpgradeInput, UpgradeResult, UpgradeTarget, upgrade, upgrades,
};

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
    /// (MPN ID, name) of the resellers the actor may make reseller of record (the current
    /// one included, even when it is no longer a partner); empty when it may not.
    pub resellers: Vec<(String, String)>,
    /// The reseller of record's name, when the actor knows it.
    pub reseller_name: Option<String>,
    /// The names of the subscriptions this one was upgraded from and to, when the actor
    /// sees them.
    pub upgraded_from_name: Option<String>,
    pub upgraded_to_name: Option<String>,
}

/// The name of another subscription of the customer, if the actor sees it.
async fn name_of(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    id: Option<&str>,
) -> Result<Option<String>, CoreError> {
    let Some(id) = id else {
        return Ok(None);
    };
    match get(svc, actor, customer, id).await {
        Ok(s) => Ok(Some(s.friendly_name)),
        Err(CoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
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
    let abilities = abilities(actor, &subscription);
    let mut resellers: Vec<(String, String)> = if abilities.set_reseller_of_record {
        crate::partnerships::resellers_to_pick(svc, actor)
            .await?
            .into_iter()
            .map(|r| (r.mpn_id, r.name))
            .collect()
    } else {
        Vec::new()
    };
    if abilities.set_reseller_of_record
        && let Some(current) = &subscription.partner_id
        && !resellers.iter().any(|(mpn, _)| mpn == current)
    {
        resellers.insert(0, (current.clone(), format!("MPN ID {current}")));
    }
    let support_candidates = support_candidates(svc, actor, customer).await?;
    let reseller_name = subscription
        .reseller_tenant_id
        .as_deref()
        .and_then(|tenant| {
            support_candidates
                .iter()
                .find(|c| c.support_tenant_id.as_str() == tenant)
                .map(|c| c.name.clone())
                .or_else(|| {
                    let mpn = subscription.partner_id.as_deref()?;
                    resellers
                        .iter()
                        .find(|(m, name)| m == mpn && !name.starts_with("MPN ID"))
                        .map(|(_, name)| name.clone())
                })
        });
    Ok(SubscriptionView {
        customer_id: customer.to_string(),
        customer_name,
        support: support_contact(svc, actor, customer, id).await?,
        support_candidates,
        upgrades: upgrades(svc, actor, customer, id).await?,
        abilities,
        resellers,
        reseller_name,
        upgraded_from_name: name_of(svc, actor, customer, subscription.upgraded_from.as_deref())
            .await?,
        upgraded_to_name: name_of(svc, actor, customer, subscription.upgraded_to.as_deref())
            .await?,
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

/// What the confirmation step of a change shows: the subscription, the name of what the
/// change points at, and, for a change of its own fields, the subscription as it would be
/// after it (checked with every rule of the change; `None` for support contacts and upgrades,
/// which their own confirmations check).
#[derive(Debug, Clone)]
pub struct Proposal {
    pub subscription: Subscription,
    pub named: Option<String>,
    pub after: Option<Subscription>,
}

impl Proposal {
    /// Whether the change would leave every field as it is.
    pub fn changes_nothing(&self) -> bool {
        self.after.as_ref().is_some_and(|a| {
            let b = &self.subscription;
            (
                a.quantity,
                a.status,
                &a.friendly_name,
                a.auto_renew_enabled,
                &a.partner_id,
            ) == (
                b.quantity,
                b.status,
                &b.friendly_name,
                b.auto_renew_enabled,
                &b.partner_id,
            )
        })
    }
}

pub async fn proposal(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    id: &str,
    named: Named<'_>,
    change: Option<(&ChangeInput, Option<&str>)>,
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
    let after = match change {
        Some((input, etag)) => Some(change::dry_run(svc, actor, customer, id, etag, input).await?),
        None => None,
    };
    Ok(Proposal {
        subscription,
        named,
        after,
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
