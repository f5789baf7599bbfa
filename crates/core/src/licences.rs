//! Licence assignment: a customer's users get licences from the customer's
//! subscriptions, assigned by the customer's admins or by partners holding delegated admin
//! access. A subscription never has more licences assigned than it has purchased.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use twotier_domain::actor::Actor;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::{SubscriptionId, TenantId, UserId};
use twotier_domain::subscription::SubscriptionStatus;
use twotier_domain::tenant::TenantKind;
use twotier_store::Conn;
use twotier_store::customers as customer_rows;
use twotier_store::licences as rows;
use twotier_store::subscriptions::{self as subscription_rows, SubscriptionRow};
use twotier_store::users as user_rows;

use crate::audit::Event;
use crate::write::Replayable;
use crate::{Code, CoreError, RequestMeta, Services, authz};

/// One licence a user holds (Partner Center's License, with the subscription it comes from).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Licence {
    pub subscription_id: SubscriptionId,
    pub offer_id: String,
    pub offer_name: String,
    pub subscription_name: String,
    pub assigned_at: Timestamp,
}

/// A subscription's seats: purchased and assigned, and to whom.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Seats {
    pub subscription_id: SubscriptionId,
    pub name: String,
    pub offer_name: String,
    pub status: SubscriptionStatus,
    pub purchased: i32,
    pub assigned: i64,
    pub user_ids: Vec<UserId>,
}

/// The changes of a `licenseupdates` request: subscription ids (or offer ids, which name the
/// customer's one active subscription of that offer with a free seat) to add and to remove.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LicenceUpdate {
    pub assign: Vec<String>,
    pub remove: Vec<String>,
}

/// The user's licences after an update.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenceUpdateResult {
    pub user_id: String,
    pub licences: Vec<Licence>,
}

impl Replayable for LicenceUpdateResult {
    fn for_replay(&self) -> Self {
        self.clone()
    }
}

/// Reading or changing licences: the customer's user admins, or a partner holding delegated
/// admin access now.
async fn authorize(c: &mut Conn<'_>, actor: &Actor, customer: &TenantId) -> Result<(), CoreError> {
    authz::authorize_user_admin(c, actor, customer).await?;
    Ok(())
}

/// The customer's subscriptions whose licences the actor sees: all of them for the customer's
/// own admins, a partner's own sales for a partner (`authz::Sales`).
async fn subscriptions_seen(
    c: &mut Conn<'_>,
    actor: &Actor,
    customer: &TenantId,
) -> Result<Vec<SubscriptionRow>, CoreError> {
    let sales = authz::sales(c, actor, customer).await?;
    Ok(subscription_rows::of_customer(c, customer, None, None)
        .await?
        .into_iter()
        .filter(|s| crate::subscriptions::in_scope(&sales, s))
        .collect())
}

/// The user's licences of these subscriptions (the ones the actor sees).
async fn licences_of(
    c: &mut Conn<'_>,
    subs: &[SubscriptionRow],
    user: &UserId,
) -> Result<Vec<Licence>, CoreError> {
    let subs: BTreeMap<&str, &SubscriptionRow> = subs.iter().map(|s| (s.id.as_str(), s)).collect();
    Ok(rows::of_user(c, user)
        .await?
        .into_iter()
        .filter_map(|(id, at)| {
            subs.get(id.as_str()).map(|s| Licence {
                subscription_id: s.id.clone(),
                offer_id: s.offer_id.to_string(),
                offer_name: s.offer_name.clone(),
                subscription_name: s.friendly_name.clone(),
                assigned_at: Timestamp(at),
            })
        })
        .collect())
}

async fn user_of(
    c: &mut Conn<'_>,
    customer: &TenantId,
    user: &UserId,
) -> Result<user_rows::UserRow, CoreError> {
    user_rows::find(c, customer, user)
        .await?
        .ok_or(CoreError::NotFound)
}

/// A user's licences.
pub async fn of_user(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    user: &UserId,
) -> Result<Vec<Licence>, CoreError> {
    let mut c = svc.db.read().await?;
    authorize(&mut c.conn(), actor, customer).await?;
    user_of(&mut c.conn(), customer, user).await?;
    let subs = subscriptions_seen(&mut c.conn(), actor, customer).await?;
    licences_of(&mut c.conn(), &subs, user).await
}

/// Every subscription of the customer with its seats (assigned / purchased).
pub async fn seats(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
) -> Result<Vec<Seats>, CoreError> {
    let mut c = svc.db.read().await?;
    authz::authorize_customer_read(&mut c.conn(), actor, customer).await?;
    let mut holders: BTreeMap<SubscriptionId, Vec<UserId>> = BTreeMap::new();
    for (sub, user) in rows::of_customer(&mut c.conn(), customer).await? {
        holders.entry(sub).or_default().push(user);
    }
    Ok(subscriptions_seen(&mut c.conn(), actor, customer)
        .await?
        .into_iter()
        .map(|s| {
            let user_ids = holders.remove(&s.id).unwrap_or_default();
            Seats {
                assigned: user_ids.len() as i64,
                user_ids,
                subscription_id: s.id.clone(),
                name: s.friendly_name,
                offer_name: s.offer_name,
                status: s.status,
                purchased: s.quantity,
            }
        })
        .collect())
}

/// The subscription an assignment names: its id, or an offer id naming the customer's active
/// subscription of that offer with a free seat.
async fn resolve(
    c: &mut Conn<'_>,
    subs: &[SubscriptionRow],
    wanted: &str,
) -> Result<SubscriptionRow, CoreError> {
    let wanted = wanted.trim();
    if let Some(s) = subs.iter().find(|s| s.id.as_str() == wanted) {
        return Ok(s.clone());
    }
    let of_offer: Vec<&SubscriptionRow> = subs
        .iter()
        .filter(|s| {
            s.offer_id.as_str().eq_ignore_ascii_case(wanted)
                && s.status == SubscriptionStatus::Active
        })
        .collect();
    if of_offer.is_empty() {
        return Err(CoreError::invalid(
            "licensesToAssign",
            format!(
                "the customer has no active subscription {wanted:?} (give a subscription id or an offer id)"
            ),
        ));
    }
    let mut first = None;
    for s in of_offer {
        if i64::from(s.quantity) > rows::count(c, &s.id).await? {
            return Ok(s.clone());
        }
        first.get_or_insert(s);
    }
    // Every one is full: the assignment will say so.
    first
        .cloned()
        .ok_or_else(|| CoreError::internal("an offer's subscriptions vanished"))
}

/// Everything the users-and-licences page of a customer shows, read for the actor.
#[derive(Debug, Clone)]
pub struct UsersView {
    pub company: String,
    /// The page of the customer's users asked for.
    pub users: crate::users::UserPage,
    pub seats: Vec<Seats>,
    /// Which subscriptions each user holds a licence of.
    pub held: BTreeMap<UserId, BTreeSet<SubscriptionId>>,
    /// Whether the actor may change the customer's Global admins.
    pub manages_admins: bool,
}

pub async fn users_view(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
    q: &crate::users::UserQuery,
) -> Result<UsersView, CoreError> {
    let users = crate::users::page(svc, actor, customer, q).await?;
    let seats = seats(svc, actor, customer).await?;
    let mut c = svc.db.read().await?;
    let company = customer_rows::find(&mut c.conn(), customer)
        .await?
        .ok_or(CoreError::NotFound)?
        .company_name;
    let mut held: BTreeMap<UserId, BTreeSet<SubscriptionId>> = BTreeMap::new();
    for seat in &seats {
        for user in &seat.user_ids {
            held.entry(user.clone())
                .or_default()
                .insert(seat.subscription_id.clone());
        }
    }
    Ok(UsersView {
        company,
        users,
        seats,
        held,
        manages_admins: authz::may_manage_keepers(actor, customer, TenantKind::Customer),
    })
}

/// What saving a user's ticked licences did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LicencesSet {
    /// The ticked ones were already exactly the held ones.
    Unchanged,
    Saved,
}

/// Makes the user hold licences of exactly the `wanted` subscriptions (the UI's ticked boxes):
/// the others are removed, in one transaction.
pub async fn set_held(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    customer: &TenantId,
    user: &UserId,
    wanted: &BTreeSet<String>,
) -> Result<LicencesSet, CoreError> {
    let current: BTreeSet<String> = of_user(svc, actor, customer, user)
        .await?
        .into_iter()
        .map(|l| l.subscription_id.to_string())
        .collect();
    let input = LicenceUpdate {
        assign: wanted.difference(&current).cloned().collect(),
        remove: current.difference(wanted).cloned().collect(),
    };
    if input.assign.is_empty() && input.remove.is_empty() {
        return Ok(LicencesSet::Unchanged);
    }
    update(svc, actor, meta, customer, user, &input).await?;
    Ok(LicencesSet::Saved)
}

/// A user's licences as the audit record keeps them: the subscriptions' ids, and their
/// names for people (a name can change later; the record says what it was).
fn licences_record(user: &str, held: &[Licence]) -> serde_json::Value {
    let ids: Vec<&SubscriptionId> = held.iter().map(|l| &l.subscription_id).collect();
    let names: Vec<&str> = held.iter().map(|l| l.subscription_name.as_str()).collect();
    serde_json::json!({ "user": user, "subscriptions": ids, "licences": names })
}

/// Assigns and removes a user's licences in one transaction: all of it or none of it.
pub async fn update(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    customer: &TenantId,
    user: &UserId,
    input: &LicenceUpdate,
) -> Result<LicenceUpdateResult, CoreError> {
    if input.assign.is_empty() && input.remove.is_empty() {
        return Err(CoreError::invalid(
            "licensesToAssign",
            "name at least one licence to assign or remove",
        ));
    }
    let mut ch = crate::begin_change!(svc, actor, meta, LicenceUpdateResult);
    authorize(&mut ch.conn(), actor, customer).await?;
    let person = user_of(&mut ch.conn(), customer, user).await?;
    if person.disabled && !input.assign.is_empty() {
        return Err(CoreError::invalid(
            "userId",
            "this user is disabled; enable the user before assigning licences",
        ));
    }
    let cust = customer_rows::find(&mut ch.conn(), customer)
        .await?
        .ok_or(CoreError::NotFound)?;
    let subs = subscriptions_seen(&mut ch.conn(), actor, customer).await?;
    let before = licences_of(&mut ch.conn(), &subs, user).await?;
    let now = svc.now().millis();
    for wanted in &input.remove {
        let sub = subs
            .iter()
            .find(|s| {
                s.id.as_str() == wanted.trim()
                    || s.offer_id.as_str().eq_ignore_ascii_case(wanted.trim())
            })
            .filter(|s| before.iter().any(|l| l.subscription_id == s.id));
        let Some(sub) = sub else {
            return Err(CoreError::invalid(
                "licensesToRemove",
                format!("the user holds no licence {:?}", wanted.trim()),
            ));
        };
        rows::unassign(&mut ch.conn(), &sub.id, user).await?;
    }
    for wanted in &input.assign {
        let sub = resolve(&mut ch.conn(), &subs, wanted).await?;
        if sub.status != SubscriptionStatus::Active {
            return Err(CoreError::rule(
                Code::SubscriptionSuspended,
                format!(
                    "{} is {}; only an active subscription's licences can be assigned",
                    sub.friendly_name, sub.status
                ),
            ));
        }
        rows::lock_subscription(&mut ch.conn(), &sub.id).await?;
        if !rows::assign(&mut ch.conn(), &sub.id, user, customer, now).await? {
            return Err(CoreError::rule(
                Code::NoLicenceLeft,
                format!(
                    "all {} licences of {} are assigned; buy more or remove a licence from another user first",
                    sub.quantity, sub.friendly_name
                ),
            ));
        }
    }
    let after = licences_of(&mut ch.conn(), &subs, user).await?;
    let ids = |l: &[Licence]| -> Vec<SubscriptionId> {
        l.iter().map(|x| x.subscription_id.clone()).collect()
    };
    if ids(&before) != ids(&after) {
        ch.audit(
            Event::new(
                Operation::UpdateCustomerUserLicenses,
                ResourceType::License,
                user.as_str(),
            )
            .about(customer)
            .customer(customer, &cust.company_name)
            .old(licences_record(&person.email, &before))
            .new_value(licences_record(&person.email, &after)),
        )
        .await?;
    }
    let out = LicenceUpdateResult {
        user_id: user.to_string(),
        licences: after,
    };
    ch.commit(&out).await?;
    Ok(out)
}
