//! Home: what a person's daily work is waiting on, in one call. Each part is there only
//! where the person's roles may see it, read through the use case that owns it.

use twotier_domain::actor::Actor;
use twotier_domain::authz::Permission;
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::{SubscriptionId, TenantId};
use twotier_domain::subscription::SubscriptionStatus;
use twotier_domain::tenant::TenantKind;
use twotier_store::PartnerTenant;
use twotier_store::customers as customer_rows;
use twotier_store::subscriptions::{self as subscription_rows, AttentionRow, SoldBy};

use crate::partnerships::{InvitationState, RelationshipQuery, RelationshipType};
use crate::{CoreError, Services};

/// How many days ahead Home warns that a cancellation window closes.
pub const WINDOW_WARNING_DAYS: i64 = 3;
/// The longest cancellation window the catalog accepts, in days (it bounds the read).
const LONGEST_WINDOW_DAYS: i64 = 365;
/// How many subscriptions Home lists at most.
const ATTENTION_LIMIT: i64 = 20;
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    /// A partner's own acceptance of the partner agreement.
    pub agreement_accepted: Option<bool>,
    /// How many customers the partner serves.
    pub customers: Option<i64>,
    /// A provider's active indirect resellers.
    pub resellers: Option<i64>,
    /// A reseller's indirect providers, by name.
    pub providers: Option<Vec<String>>,
    /// A provider's partnership invitations nobody has accepted yet.
    pub open_invitations: Option<usize>,
    /// A provider's relationship requests no customer has accepted yet.
    pub pending_requests: Option<usize>,
    /// Subscriptions whose cancellation window closes soon, then suspended ones.
    pub attention: Option<Vec<Attention>>,
    /// Seat-days of the current month.
    pub seat_days: Option<MonthSeatDays>,
    /// A customer's own subscriptions, by state.
    pub subscriptions: Option<SubscriptionCounts>,
    /// A customer's partners, by name.
    pub partners: Option<Vec<String>>,
    /// Relationship requests waiting for the customer's answer.
    pub requests_to_answer: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Attention {
    pub subscription_id: SubscriptionId,
    pub customer_id: TenantId,
    pub customer_name: String,
    /// The friendly name, or the offer's name when it has none.
    pub name: String,
    pub quantity: i32,
    pub status: SubscriptionStatus,
    /// When the cancellation window closes, for an active subscription.
    pub window_closes_at: Option<Timestamp>,
}

impl From<AttentionRow> for Attention {
    fn from(r: AttentionRow) -> Self {
        let active = r.status == SubscriptionStatus::Active;
        Self {
            subscription_id: r.id,
            customer_id: r.customer_tenant_id,
            customer_name: r.company_name,
            name: if r.friendly_name.trim().is_empty() {
                r.offer_name
            } else {
                r.friendly_name
            },
            quantity: r.quantity,
            status: r.status,
            window_closes_at: active.then_some(Timestamp(r.window_closes_at)),
        }
    }
}

#[derive(Debug, Clone)]
pub struct MonthSeatDays {
    /// `YYYY-MM`.
    pub month: String,
    pub seat_days: f64,
    /// How many resellers earned any.
    pub resellers: usize,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SubscriptionCounts {
    pub active: usize,
    pub suspended: usize,
    pub ended: usize,
}

pub async fn dashboard(svc: &Services, actor: &Actor) -> Result<Dashboard, CoreError> {
    let mut d = Dashboard::default();
    let kind = actor.tenant_kind;
    if kind.is_partner() {
        partner_parts(svc, actor, &mut d).await?;
    }
    if actor.can(Permission::ViewOwnSubscriptions) {
        let mut counts = SubscriptionCounts::default();
        for own in crate::subscriptions::own(svc, actor).await? {
            match own.subscription.status {
                SubscriptionStatus::Active => counts.active += 1,
                SubscriptionStatus::Suspended => counts.suspended += 1,
                SubscriptionStatus::Deleted => counts.ended += 1,
            }
        }
        d.subscriptions = Some(counts);
        let view = crate::relationship_requests::partners_view(svc, actor).await?;
        d.partners = Some(view.partners.into_iter().map(|p| p.name).collect());
        d.requests_to_answer = view.can_manage.then_some(view.pending.len());
    }
    Ok(d)
}

async fn partner_parts(svc: &Services, actor: &Actor, d: &mut Dashboard) -> Result<(), CoreError> {
    let provider = actor.tenant_kind == TenantKind::Provider;
    if actor.can(Permission::AcceptAgreement) {
        let me = crate::partners::get(svc, actor, &actor.tenant_id).await?;
        d.agreement_accepted = Some(me.agreement_accepted);
    }
    if actor.can(Permission::ViewCustomers) {
        let now = svc.now().millis();
        let sold_by = if provider {
            SoldBy::Provider(&actor.tenant_id)
        } else {
            SoldBy::Reseller(&actor.tenant_id)
        };
        let mut c = svc.db.read().await?;
        d.customers = Some(
            customer_rows::count_of_partner(&mut c.conn(), PartnerTenant(&actor.tenant_id)).await?,
        );
        let rows = subscription_rows::needing_attention(
            &mut c.conn(),
            sold_by,
            now - LONGEST_WINDOW_DAYS * DAY_MS,
            now,
            now + WINDOW_WARNING_DAYS * DAY_MS,
            ATTENTION_LIMIT,
        )
        .await?;
        d.attention = Some(rows.into_iter().map(Attention::from).collect());
    }
    if actor.can(Permission::ViewPartnerships) {
        let query = |kind| RelationshipQuery::first(kind, 50);
        if provider {
            let page = crate::partnerships::list(
                svc,
                actor,
                &query(RelationshipType::IsIndirectCloudSolutionProviderOf),
            )
            .await?;
            d.resellers = Some(page.total);
            let invitations = crate::partnerships::list_invitations(svc, actor).await?;
            d.open_invitations = Some(
                invitations
                    .iter()
                    .filter(|i| i.state == InvitationState::Pending)
                    .count(),
            );
        } else {
            let page = crate::partnerships::list(
                svc,
                actor,
                &query(RelationshipType::IsIndirectResellerOf),
            )
            .await?;
            d.providers = Some(page.items.into_iter().map(|r| r.name).collect());
        }
    }
    if provider && actor.can(Permission::RequestCustomerRelationship) {
        let requests = crate::relationship_requests::list(svc, actor).await?;
        d.pending_requests = Some(
            requests
                .iter()
                .filter(|r| r.state == InvitationState::Pending)
                .count(),
        );
    }
    if actor.can(Permission::ViewIncentives) {
        let report = crate::incentives::report(svc, actor, "", None).await?;
        let totals = report.totals();
        d.seat_days = Some(MonthSeatDays {
            month: report.month,
            seat_days: totals.iter().map(|(_, days)| days).sum(),
            resellers: totals.len(),
        });
    }
    Ok(())
}
