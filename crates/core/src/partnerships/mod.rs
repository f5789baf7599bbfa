//! Partnerships between indirect providers and indirect resellers: the
//! provider invites with a single-use link, the reseller's Global admin accepts, the provider
//! may remove the partnership. Also the Partner Center look-ups that go with them: the
//! relationship lists, MPN profiles, agreement status and partner-of-record validation.

use serde::{Deserialize, Serialize};
use twotier_domain::actor::Actor;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::authz::Permission;
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::{InvitationId, PartnershipId, TenantId};
use twotier_domain::link::RelationshipState;
use twotier_domain::partner::{CspRegion, parse_mpn_id};
use twotier_domain::tenant::TenantKind;
use twotier_store::Conn;
pub use twotier_store::customers::ListSort;
use twotier_store::partners::{self as partner_rows, PartnerRow};
use twotier_store::partnerships::{
    self as rows, CounterpartFilter, InvitationRow, PartnershipRow, Side,
};
use twotier_store::{ProviderTenant, ResellerTenant};

use crate::audit::Event;
use crate::links::{check_link, link_hash, unknown_link};
use crate::write::Replayable;
use crate::{Code, CoreError, RequestMeta, Services, authz, secrets};

mod invitations;
mod lookups;

pub use invitations::{
    InvitationPreview, accept, invite, list_invitations, preview, revoke_invitation,
};
pub(crate) use lookups::partner_of_record;
pub use lookups::{MpnProfile, PorValidation, agreement_status, mpn_profile, validate_resellers};

pub use twotier_domain::link::InvitationState;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    pub id: String,
    pub state: InvitationState,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    /// The reseller that accepted it.
    pub reseller_tenant_id: Option<String>,
}

impl Invitation {
    fn from_row(r: InvitationRow, now: Timestamp) -> Self {
        let state = r.state.at(Timestamp(r.expires_at), now);
        Self {
            id: r.id.to_string(),
            state,
            created_at: Timestamp(r.created_at),
            expires_at: Timestamp(r.expires_at),
            decided_at: r.decided_at.map(Timestamp),
            reseller_tenant_id: r.reseller_tenant_id.map(|v| v.to_string()),
        }
    }
}

/// A new invitation: the link and a draft email, shown to the provider once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewInvitation {
    pub invitation: Invitation,
    /// The personalised single-use link; only in the first response.
    pub url: Option<String>,
    pub email_subject: String,
    /// The draft email (it holds the link); only in the first response.
    pub email_body: Option<String>,
}

impl Replayable for NewInvitation {
    fn for_replay(&self) -> Self {
        Self {
            url: None,
            email_body: None,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct InviteInput {
    pub expires_in_days: Option<i64>,
}

pub(crate) async fn partner_of(
    c: &mut Conn<'_>,
    tenant: &TenantId,
) -> Result<PartnerRow, CoreError> {
    partner_rows::find(c, tenant)
        .await?
        .ok_or(CoreError::NotFound)
}

/// The acting provider, which must have accepted the partner agreement to transact.
pub(crate) async fn acting_provider(
    c: &mut Conn<'_>,
    actor: &Actor,
) -> Result<PartnerRow, CoreError> {
    if actor.tenant_kind != TenantKind::Provider {
        return Err(CoreError::rule(
            Code::NotProvider,
            "only an indirect provider has indirect resellers",
        ));
    }
    let provider = partner_of(c, &actor.tenant_id).await?;
    if provider.agreement_accepted_at.is_none() {
        return Err(CoreError::rule(
            Code::AgreementMissing,
            "your organisation has not accepted the partner agreement yet",
        ));
    }
    Ok(provider)
}

/// One partnership as one side sees it (Partner Center's PartnerRelationship).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    /// The tenant id of the partner on the other side.
    pub id: String,
    pub name: String,
    pub relationship_type: RelationshipType,
    pub state: RelationshipState,
    pub mpn_id: String,
    pub location: String,
    pub since: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipType {
    /// Seen from the provider: it is the indirect CSP of this reseller.
    IsIndirectCloudSolutionProviderOf,
    /// Seen from the reseller: it is the indirect reseller of this provider.
    IsIndirectResellerOf,
}

impl RelationshipType {
    /// Case-insensitive, ignoring `_`, as Partner Center enum inputs are read.
    pub fn parse(s: &str) -> Option<Self> {
        match s
            .chars()
            .filter(|c| *c != '_')
            .collect::<String>()
            .to_lowercase()
            .as_str()
        {
            "isindirectcloudsolutionproviderof" => Some(Self::IsIndirectCloudSolutionProviderOf),
            "isindirectresellerof" => Some(Self::IsIndirectResellerOf),
            _ => None,
        }
    }
}

impl Replayable for Relationship {
    fn for_replay(&self) -> Self {
        self.clone()
    }
}

fn relationship(r: rows::CounterpartRow, kind: RelationshipType) -> Relationship {
    Relationship {
        id: r.tenant_id.to_string(),
        name: r.name,
        relationship_type: kind,
        state: r.state,
        mpn_id: r.mpn_id.to_string(),
        location: r.country,
        since: Timestamp(r.created_at),
    }
}

/// A page of relationships.
#[derive(Debug, Clone, Serialize)]
pub struct RelationshipPage {
    pub total: i64,
    pub items: Vec<Relationship>,
    /// Cursors (sort key, tenant id) of the pages after and before this one.
    pub next: Option<(String, String)>,
    pub previous: Option<(String, String)>,
}

/// Which page of a partner list: filters, order and a cursor.
#[derive(Debug, Clone)]
pub struct RelationshipQuery {
    pub kind: RelationshipType,
    /// Names that start with this (the API's filter).
    pub name_prefix: Option<String>,
    /// Names or MPN IDs that contain this (the list page's search).
    pub contains: Option<String>,
    pub sort: ListSort,
    pub after: Option<(String, String)>,
    pub before: Option<(String, String)>,
    pub limit: i64,
}

impl RelationshipQuery {
    /// The first `limit` partners of `kind` by name.
    pub fn first(kind: RelationshipType, limit: i64) -> Self {
        Self {
            kind,
            name_prefix: None,
            contains: None,
            sort: ListSort::Name,
            after: None,
            before: None,
            limit,
        }
    }
}

/// The provider's resellers page: one page of its resellers, its pending invitations, how
/// many customers are associated with each reseller, and what the actor may do there.
#[derive(Debug, Clone)]
pub struct ResellersView {
    pub page: RelationshipPage,
    pub pending_invitations: Vec<Invitation>,
    pub customer_counts: std::collections::HashMap<String, i64>,
    pub can_manage: bool,
    pub can_create_customers: bool,
}

pub async fn resellers_view(
    svc: &Services,
    actor: &Actor,
    q: &RelationshipQuery,
) -> Result<ResellersView, CoreError> {
    if actor.tenant_kind != TenantKind::Provider {
        return Err(CoreError::NotFound);
    }
    let page = list(svc, actor, q).await?;
    let pending_invitations = list_invitations(svc, actor)
        .await?
        .into_iter()
        .filter(|i| i.state == InvitationState::Pending)
        .collect();
    let mut c = svc.db.read().await?;
    let customer_counts =
        twotier_store::customers::counts_by_reseller(&mut c.conn(), &actor.tenant_id)
            .await?
            .into_iter()
            .collect();
    Ok(ResellersView {
        page,
        pending_invitations,
        customer_counts,
        can_manage: actor.can(Permission::ManagePartnerships),
        can_create_customers: actor.can(Permission::CreateCustomers),
    })
}

/// (tenant id, name) of the provider's resellers for a list's filter, its former ones last
/// (their customers and seat-days remain); empty for anyone else.
pub async fn reseller_filter(
    svc: &Services,
    actor: &Actor,
) -> Result<Vec<(String, String)>, CoreError> {
    if actor.tenant_kind != TenantKind::Provider {
        return Ok(Vec::new());
    }
    let mut out: Vec<(String, String)> = resellers_to_pick(svc, actor)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let mut c = svc.db.read().await?;
    for (id, name) in rows::former_resellers(&mut c.conn(), &actor.tenant_id).await? {
        out.push((id.to_string(), format!("{name} (former reseller)")));
    }
    Ok(out)
}

/// The provider's active resellers to pick from (a form's list): the first 500 by name.
pub async fn resellers_to_pick(
    svc: &Services,
    actor: &Actor,
) -> Result<Vec<Relationship>, CoreError> {
    let q = RelationshipQuery::first(RelationshipType::IsIndirectCloudSolutionProviderOf, 500);
    Ok(list(svc, actor, &q).await?.items)
}

/// A provider's resellers (`IsIndirectCloudSolutionProviderOf`) or a reseller's providers
/// (`IsIndirectResellerOf`); a tenant on the other side of the question gets an empty list.
pub async fn list(
    svc: &Services,
    actor: &Actor,
    q: &RelationshipQuery,
) -> Result<RelationshipPage, CoreError> {
    authz::require(actor, Permission::ViewPartnerships)?;
    let side = match (q.kind, actor.tenant_kind) {
        (RelationshipType::IsIndirectCloudSolutionProviderOf, TenantKind::Provider) => {
            Side::Provider
        }
        (RelationshipType::IsIndirectResellerOf, TenantKind::Reseller) => Side::Reseller,
        _ => {
            return Ok(RelationshipPage {
                total: 0,
                items: Vec::new(),
                next: None,
                previous: None,
            });
        }
    };
    let limit = q.limit.clamp(1, 500);
    let cursor = crate::keyset::cursor(q.sort, q.after.as_ref(), q.before.as_ref());
    let filter = CounterpartFilter {
        side,
        tenant: &actor.tenant_id,
        name_prefix: q.name_prefix.as_deref(),
        contains: q.contains.as_deref(),
        sort: q.sort,
        cursor,
        limit: limit + 1,
    };
    let mut c = svc.db.read().await?;
    let mut found = rows::list_counterparts(&mut c.conn(), &filter).await?;
    let total = rows::count_counterparts(&mut c.conn(), &filter).await?;
    let (has_next, has_previous) = crate::keyset::cut(&mut found, limit, cursor);
    let key = |r: &rows::CounterpartRow| (q.sort.key_of_counterpart(r), r.tenant_id.to_string());
    let next = found.last().filter(|_| has_next).map(key);
    let previous = found.first().filter(|_| has_previous).map(key);
    Ok(RelationshipPage {
        total,
        items: found.into_iter().map(|r| relationship(r, q.kind)).collect(),
        next,
        previous,
    })
}

/// One of the provider's active resellers (for the removal confirmation).
pub async fn get_reseller(
    svc: &Services,
    actor: &Actor,
    reseller: &TenantId,
) -> Result<Relationship, CoreError> {
    authz::require(actor, Permission::ViewPartnerships)?;
    let mut c = svc.db.read().await?;
    let p = rows::find_active(
        &mut c.conn(),
        ProviderTenant(&actor.tenant_id),
        ResellerTenant(reseller),
    )
    .await?
    .ok_or(CoreError::NotFound)?;
    let r = partner_of(&mut c.conn(), reseller).await?;
    Ok(Relationship {
        id: r.tenant_id.to_string(),
        name: r.name,
        relationship_type: RelationshipType::IsIndirectCloudSolutionProviderOf,
        state: p.state,
        mpn_id: r.mpn_id.to_string(),
        location: r.country,
        since: Timestamp(p.created_at),
    })
}

/// The provider ends its partnership with a reseller. Customers associated with the reseller
/// and delegated admin access stay as they are; no message is sent. Calling this is the
/// caller's acceptance of the legal statement.
pub async fn remove(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    reseller: &TenantId,
) -> Result<(), CoreError> {
    authz::require(actor, Permission::ManagePartnerships)?;
    let mut ch = crate::begin_change!(svc, actor, meta, ());
    if actor.tenant_kind != TenantKind::Provider {
        return Err(CoreError::NotFound);
    }
    let active = rows::find_active(
        &mut ch.conn(),
        ProviderTenant(&actor.tenant_id),
        ResellerTenant(reseller),
    )
    .await?
    .ok_or(CoreError::NotFound)?;
    let now = svc.now().millis();
    if !rows::remove(
        &mut ch.conn(),
        ProviderTenant(&actor.tenant_id),
        ResellerTenant(reseller),
        &actor.label,
        now,
    )
    .await?
    {
        return Err(CoreError::NotFound);
    }
    ch.audit(
        Event::new(Operation::RemovePartnerRelationship, ResourceType::PartnerRelationship, &active.id)
            .about(reseller)
            .old(serde_json::json!({ "providerTenantId": active.provider_tenant_id, "resellerTenantId": active.reseller_tenant_id, "state": RelationshipState::Active }))
            .new_value(serde_json::json!({ "state": RelationshipState::Removed })),
    )
    .await?;
    ch.commit(&()).await
}
