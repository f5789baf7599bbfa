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
use twotier_store::partners::{self as partner_rows, PartnerRow};
use twotier_store::partnerships::{
    self as rows, CounterpartFilter, InvitationRow, PartnershipRow, Side,
};

use crate::audit::Event;
use crate::write::Replayable;
use crate::{Code, CoreError, RequestMeta, Services, authz, secrets};

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

fn draft_email(provider: &PartnerRow, url: &str, expires_at: Timestamp) -> (String, String) {
    let subject = format!(
        "{} invites you to partner as an indirect reseller",
        provider.name
    );
    let body = format!(
        "Hello,\n\n{name} (MPN ID {mpn}) would like to work with you as your indirect provider. \
         Once you accept, {name} can create customers for you, place orders for your customers and \
         name you as reseller of record for incentives.\n\n\
         A Global admin of your organisation can accept with this link (it works once and expires on {expires}):\n\n{url}\n\n\
         Kind regards,\n{name}",
        name = provider.name,
        mpn = provider.mpn_id,
        expires = expires_at.display(),
    );
    (subject, body)
}

/// A provider creates an invitation link for a reseller.
pub async fn invite(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    input: &InviteInput,
) -> Result<NewInvitation, CoreError> {
    authz::require(actor, Permission::ManagePartnerships)?;
    let days = input
        .expires_in_days
        .unwrap_or(svc.settings.invitation_default_days);
    if !(1..=svc.settings.invitation_max_days).contains(&days) {
        return Err(CoreError::invalid(
            "expiresInDays",
            format!(
                "an invitation can last from 1 to {} days",
                svc.settings.invitation_max_days
            ),
        ));
    }
    let mut ch = crate::begin_change!(svc, actor, meta, NewInvitation);
    let provider = acting_provider(&mut ch.conn(), actor).await?;
    let now = svc.now();
    let token = secrets::new_token("tti_");
    let row = InvitationRow {
        id: InvitationId::generate(),
        provider_tenant_id: actor.tenant_id.clone(),
        token_hash: secrets::sha256_hex(&token),
        state: InvitationState::Pending,
        created_by: actor.label.clone(),
        created_at: now.millis(),
        expires_at: now.plus_days(days).millis(),
        decided_at: None,
        decided_by: None,
        reseller_tenant_id: None,
    };
    rows::insert_invitation(&mut ch.conn(), &row).await?;
    let invitation = Invitation::from_row(row, now);
    ch.audit(
        Event::new(
            Operation::CreatePartnershipInvitation,
            ResourceType::PartnershipInvitation,
            &invitation.id,
        )
        .new_value(serde_json::json!({ "expiresAt": invitation.expires_at })),
    )
    .await?;
    let url = format!(
        "{}/partnerships/accept?token={token}",
        svc.settings.base_url.trim_end_matches('/')
    );
    let (email_subject, email_body) = draft_email(&provider, &url, invitation.expires_at);
    let out = NewInvitation {
        invitation,
        url: Some(url),
        email_subject,
        email_body: Some(email_body),
    };
    ch.commit(&out).await?;
    Ok(out)
}

/// The provider's invitations, newest first (the last 200).
pub async fn list_invitations(svc: &Services, actor: &Actor) -> Result<Vec<Invitation>, CoreError> {
    authz::require(actor, Permission::ViewPartnerships)?;
    if actor.tenant_kind != TenantKind::Provider {
        return Ok(Vec::new());
    }
    let now = svc.now();
    let mut c = svc.db.read().await?;
    Ok(rows::list_invitations(&mut c.conn(), &actor.tenant_id, 200)
        .await?
        .into_iter()
        .map(|r| Invitation::from_row(r, now))
        .collect())
}

/// Revokes a pending invitation; its link stops working at once.
pub async fn revoke_invitation(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    id: &str,
) -> Result<Invitation, CoreError> {
    authz::require(actor, Permission::ManagePartnerships)?;
    let mut ch = crate::begin_change!(svc, actor, meta, Invitation);
    let now = svc.now();
    let id = &InvitationId::parse(id).ok_or(CoreError::NotFound)?;
    let row = rows::find_invitation(&mut ch.conn(), &actor.tenant_id, id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let current = Invitation::from_row(row, now);
    if current.state != InvitationState::Pending {
        return Err(CoreError::rule(
            Code::LinkNotPending,
            format!(
                "this invitation is {} and can no longer be revoked",
                current.state.label().to_lowercase()
            ),
        ));
    }
    rows::revoke_invitation(
        &mut ch.conn(),
        &actor.tenant_id,
        id,
        &actor.label,
        now.millis(),
    )
    .await?;
    ch.audit(Event::new(
        Operation::RevokePartnershipInvitation,
        ResourceType::PartnershipInvitation,
        id.as_str(),
    ))
    .await?;
    let row = rows::find_invitation(&mut ch.conn(), &actor.tenant_id, id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let out = Invitation::from_row(row, now);
    ch.commit(&out).await?;
    Ok(out)
}

impl Replayable for Invitation {
    fn for_replay(&self) -> Self {
        self.clone()
    }
}

/// Who is inviting, as the invitation page shows it.
#[derive(Debug, Clone)]
pub struct InvitationPreview {
    pub provider_name: String,
    pub provider_mpn_id: i64,
    pub provider_country: String,
    pub provider_region: String,
    pub expires_at: Timestamp,
}

/// A link whose token matches nothing (`what` names the link).
pub(crate) fn unknown_link(what: &str) -> CoreError {
    CoreError::rule(
        Code::LinkUnknown,
        format!(
            "this {what} is not valid; check that you copied all of it, or ask the provider for a new one"
        ),
    )
}

/// The stored hash of a link's token; a token of the wrong shape is an unknown link.
pub(crate) fn link_hash(token: &str, what: &str) -> Result<String, CoreError> {
    let token = token.trim();
    if token.is_empty() || token.len() > 100 {
        return Err(unknown_link(what));
    }
    Ok(secrets::sha256_hex(token))
}

/// Whether a single-use link (invitation or relationship request) can still be used: not
/// used, revoked or expired; `what` and `whom` name the link and who can make a new one.
pub(crate) fn check_link(
    state: InvitationState,
    expires_at: i64,
    now: Timestamp,
    what: &str,
    whom: &str,
) -> Result<(), CoreError> {
    match state.at(Timestamp(expires_at), now) {
        InvitationState::Accepted => Err(CoreError::rule(
            Code::LinkUsed,
            format!("this {what} was already used; each link works once"),
        )),
        InvitationState::Revoked => Err(CoreError::rule(
            Code::LinkRevoked,
            format!("{whom} revoked this {what}; ask them for a new one"),
        )),
        InvitationState::Expired => Err(CoreError::rule(
            Code::LinkExpired,
            format!("this {what} has expired; ask {whom} for a new one"),
        )),
        InvitationState::Pending => Ok(()),
    }
}

/// Looks the link up; a used, expired, revoked or unknown link is a clear error.
async fn open_invitation(
    c: &mut Conn<'_>,
    token: &str,
    now: Timestamp,
) -> Result<(InvitationRow, PartnerRow), CoreError> {
    let hash = link_hash(token, "invitation link")?;
    let row = rows::find_invitation_by_hash(c, &hash)
        .await?
        .ok_or_else(|| unknown_link("invitation link"))?;
    check_link(
        row.state,
        row.expires_at,
        now,
        "invitation link",
        "the provider",
    )?;
    let provider = partner_of(c, &row.provider_tenant_id).await?;
    if provider.disabled {
        return Err(CoreError::rule(
            Code::LinkRevoked,
            "this provider can no longer be partnered with",
        ));
    }
    Ok((row, provider))
}

/// Whether this actor may accept: a Global admin of an enrolled reseller that accepted the
/// partner agreement, in the provider's CSP region, not yet partnered with it.
async fn check_acceptor(
    c: &mut Conn<'_>,
    actor: &Actor,
    provider: &PartnerRow,
) -> Result<PartnerRow, CoreError> {
    if actor.tenant_kind != TenantKind::Reseller {
        return Err(CoreError::rule(
            Code::NotReseller,
            "only an enrolled indirect reseller can accept; you are signed in to an organisation that is not one",
        ));
    }
    if !actor.can(Permission::AcceptPartnership) || actor.user_id.is_none() {
        return Err(CoreError::rule(
            Code::PersonRequired,
            "only a Global admin of your organisation can authorize an indirect provider",
        ));
    }
    let reseller = partner_of(c, &actor.tenant_id).await?;
    if reseller.agreement_accepted_at.is_none() {
        return Err(CoreError::rule(
            Code::ResellerAgreementMissing,
            "your organisation has not accepted the partner agreement; accept it first (Partner agreement page)",
        ));
    }
    if reseller.region != provider.region {
        let region = |r: &str| CspRegion::from_stored(r).map_or("another region", CspRegion::label);
        return Err(CoreError::rule(
            Code::RegionMismatch,
            format!(
                "{} serves the {} CSP region and your organisation is in {}; partners must be in the same region",
                provider.name,
                region(&provider.region),
                region(&reseller.region)
            ),
        ));
    }
    if rows::find_active(c, &provider.tenant_id, &reseller.tenant_id)
        .await?
        .is_some()
    {
        return Err(CoreError::rule(
            Code::AlreadyPartnered,
            format!(
                "your organisation already has an active partnership with {}",
                provider.name
            ),
        ));
    }
    Ok(reseller)
}

/// What the invitation page shows; with an actor, also whether they may accept (the error
/// says why not).
pub async fn preview(
    svc: &Services,
    actor: Option<&Actor>,
    token: &str,
) -> Result<InvitationPreview, CoreError> {
    let mut c = svc.db.read().await?;
    let (row, provider) = open_invitation(&mut c.conn(), token, svc.now()).await?;
    if let Some(actor) = actor {
        check_acceptor(&mut c.conn(), actor, &provider).await?;
    }
    Ok(InvitationPreview {
        provider_region: CspRegion::from_stored(&provider.region)
            .map(CspRegion::label)
            .unwrap_or_default()
            .to_owned(),
        provider_name: provider.name,
        provider_mpn_id: provider.mpn_id,
        provider_country: provider.country,
        expires_at: Timestamp(row.expires_at),
    })
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

/// The reseller's Global admin accepts the invitation: the link is spent and the partnership
/// created in one transaction. Of concurrent acceptances of one link exactly one succeeds.
pub async fn accept(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    token: &str,
) -> Result<Relationship, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, Relationship);
    let now = svc.now();
    let (invitation, provider) = open_invitation(&mut ch.conn(), token, now).await?;
    let reseller = check_acceptor(&mut ch.conn(), actor, &provider).await?;
    let by = actor
        .user_id
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    if !rows::spend_invitation(
        &mut ch.conn(),
        &invitation.id,
        &reseller.tenant_id,
        &by,
        now.millis(),
    )
    .await?
    {
        return Err(CoreError::rule(
            Code::LinkUsed,
            "this invitation link was already used; each link works once",
        ));
    }
    let partnership = PartnershipRow {
        id: PartnershipId::generate(),
        provider_tenant_id: provider.tenant_id.clone(),
        reseller_tenant_id: reseller.tenant_id.clone(),
        state: RelationshipState::Active,
        invitation_id: Some(invitation.id.clone()),
        created_at: now.millis(),
        created_by: by,
        removed_at: None,
        removed_by: None,
    };
    rows::insert(&mut ch.conn(), &partnership)
        .await
        .map_err(|e| match e {
            twotier_store::StoreError::Conflict => CoreError::rule(
                Code::AlreadyPartnered,
                "your organisation already has an active partnership with this provider",
            ),
            e => e.into(),
        })?;
    ch.audit(
        Event::new(
            Operation::CreatePartnerRelationship,
            ResourceType::PartnerRelationship,
            &partnership.id,
        )
        .about(&provider.tenant_id.clone())
        .new_value(serde_json::json!({
            "providerTenantId": provider.tenant_id, "providerName": provider.name,
            "resellerTenantId": reseller.tenant_id, "resellerName": reseller.name,
            "invitationId": invitation.id, "state": RelationshipState::Active,
        })),
    )
    .await?;
    let out = Relationship {
        id: provider.tenant_id.to_string(),
        name: provider.name,
        relationship_type: RelationshipType::IsIndirectResellerOf,
        state: RelationshipState::Active,
        mpn_id: provider.mpn_id.to_string(),
        location: provider.country,
        since: now,
    };
    ch.commit(&out).await?;
    Ok(out)
}

/// A page of relationships.
#[derive(Debug, Clone, Serialize)]
pub struct RelationshipPage {
    pub total: i64,
    pub items: Vec<Relationship>,
    pub next: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct RelationshipQuery {
    pub kind: RelationshipType,
    pub name_prefix: Option<String>,
    pub after: Option<(String, String)>,
    pub limit: i64,
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

/// (tenant id, name) of the provider's resellers for a list's filter; empty for anyone else.
pub async fn reseller_filter(
    svc: &Services,
    actor: &Actor,
) -> Result<Vec<(String, String)>, CoreError> {
    if actor.tenant_kind != TenantKind::Provider {
        return Ok(Vec::new());
    }
    Ok(resellers_to_pick(svc, actor)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect())
}

/// The provider's active resellers to pick from (a form's list): the first 500 by name.
pub async fn resellers_to_pick(
    svc: &Services,
    actor: &Actor,
) -> Result<Vec<Relationship>, CoreError> {
    let q = RelationshipQuery {
        kind: RelationshipType::IsIndirectCloudSolutionProviderOf,
        name_prefix: None,
        after: None,
        limit: 500,
    };
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
            });
        }
    };
    let limit = q.limit.clamp(1, 500);
    let filter = CounterpartFilter {
        side,
        tenant: &actor.tenant_id,
        name_prefix: q.name_prefix.as_deref(),
        after: q.after.as_ref().map(|(n, i)| (n.as_str(), i.as_str())),
        limit: limit + 1,
    };
    let mut c = svc.db.read().await?;
    let mut found = rows::list_counterparts(&mut c.conn(), &filter).await?;
    let total = rows::count_counterparts(&mut c.conn(), &filter).await?;
    let next = if found.len() as i64 > limit {
        found.truncate(limit as usize);
        found
            .last()
            .map(|r| (r.name.clone(), r.tenant_id.to_string()))
    } else {
        None
    };
    Ok(RelationshipPage {
        total,
        items: found.into_iter().map(|r| relationship(r, q.kind)).collect(),
        next,
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
    let p = rows::find_active(&mut c.conn(), &actor.tenant_id, reseller)
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
    let active = rows::find_active(&mut ch.conn(), &actor.tenant_id, reseller)
        .await?
        .ok_or(CoreError::NotFound)?;
    let now = svc.now().millis();
    if !rows::remove(
        &mut ch.conn(),
        &actor.tenant_id,
        reseller,
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

/// Partner Center's MpnProfile.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MpnProfile {
    pub mpn_id: String,
    pub partner_name: String,
    pub profile_type: &'static str,
}

/// The caller's own MPN profile, or (with `mpn_id`) any enrolled partner's: an MPN ID is
/// public information that providers verify before naming a reseller.
pub async fn mpn_profile(
    svc: &Services,
    actor: &Actor,
    mpn_id: Option<&str>,
) -> Result<MpnProfile, CoreError> {
    let mut c = svc.db.read().await?;
    let row = match mpn_id.map(str::trim).filter(|s| !s.is_empty()) {
        None => partner_rows::find(&mut c.conn(), &actor.tenant_id)
            .await?
            .ok_or(CoreError::NotFound)?,
        Some(raw) => {
            authz::require(actor, Permission::ViewPartnerships)?;
            let not_found = || {
                CoreError::rule(
                    Code::PartnerNotFound,
                    format!("Partner Organization with partner_id {raw} could not be found"),
                )
            };
            let mpn = parse_mpn_id(raw).map_err(|_| not_found())?;
            partner_rows::find_by_mpn_id(&mut c.conn(), mpn)
                .await?
                .filter(|p| !p.disabled)
                .ok_or_else(not_found)?
        }
    };
    Ok(MpnProfile {
        mpn_id: row.mpn_id.to_string(),
        partner_name: row.name,
        profile_type: "mpn_profile",
    })
}

/// `GET /v1/compliance/csp/agreementstatus`: whether a reseller (by MPN ID or tenant id) has
/// accepted the partner agreement, with Partner Center's 2000–2206 codes for the rest.
pub async fn agreement_status(
    svc: &Services,
    actor: &Actor,
    mpn_id: Option<&str>,
    tenant_id: Option<&str>,
) -> Result<bool, CoreError> {
    authz::require(actor, Permission::ViewPartnerships)?;
    let bad = |code: Code, m: &str| CoreError::rule(code, m);
    let mpn_id = mpn_id.map(str::trim).filter(|s| !s.is_empty());
    let tenant_id = tenant_id.map(str::trim).filter(|s| !s.is_empty());
    let mut c = svc.db.read().await?;
    let caller = partner_of(&mut c.conn(), &actor.tenant_id).await?;
    let (row, by_tenant) = match (mpn_id, tenant_id) {
        (Some(_), Some(_)) => {
            return Err(bad(
                Code::AgreementQueryInvalid,
                "Both MPN Id and Tenant Id should not be passed.",
            ));
        }
        (None, None) => {
            return Err(bad(
                Code::AgreementQueryEmpty,
                "Both MPN Id and Tenant Id cannot be empty.",
            ));
        }
        (Some(m), None) => {
            if !m.chars().all(|ch| ch.is_ascii_digit()) {
                return Err(bad(Code::AgreementQueryInvalid, "MPN Id must be numeric."));
            }
            let mpn = parse_mpn_id(m)
                .map_err(|_| bad(Code::MpnUnknown, "MPN Id is invalid or not known."))?;
            let row = partner_rows::find_by_mpn_id(&mut c.conn(), mpn)
                .await?
                .ok_or(bad(Code::MpnUnknown, "MPN Id is invalid or not known."))?;
            (row, false)
        }
        (None, Some(t)) => {
            let id = TenantId::parse(t).ok_or(bad(
                Code::AgreementQueryInvalid,
                "Tenant Id must be a GUID.",
            ))?;
            let row = partner_rows::find(&mut c.conn(), &id).await?.ok_or(bad(
                Code::TenantUnknown,
                "No account exists for this Tenant Id.",
            ))?;
            (row, true)
        }
    };
    if row.kind != TenantKind::Reseller.as_str() {
        return Err(bad(
            Code::NotReseller,
            "MPN Id is not associated with a CSP Indirect Reseller account.",
        ));
    }
    if row.region != caller.region {
        return Err(bad(
            Code::RegionMismatch,
            "The CSP region of this partner does not match yours.",
        ));
    }
    if row.agreement_accepted_at.is_none() {
        return Err(if by_tenant {
            bad(
                Code::TenantAgreementMissing,
                "The account for this Tenant Id has not accepted the partner agreement.",
            )
        } else {
            bad(
                Code::MpnAgreementMissing,
                "This MPN Id has not accepted the partner agreement for its region.",
            )
        });
    }
    Ok(true)
}

/// One result of `POST /v1/partners/validateresellers`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PorValidation {
    pub partner_id: String,
    pub is_valid_partner_id_on_record: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// Whether each MPN ID may be named partner of record by this provider: an enrolled reseller
/// with an active partnership with the provider and the agreement accepted.
pub async fn validate_resellers(
    svc: &Services,
    actor: &Actor,
    partner_ids: &[String],
) -> Result<Vec<PorValidation>, CoreError> {
    authz::require(actor, Permission::SetResellerOfRecord)?;
    if partner_ids.is_empty() || partner_ids.len() > 100 {
        return Err(CoreError::invalid(
            "partnerIds",
            "send from 1 to 100 partner ids",
        ));
    }
    let mut c = svc.db.read().await?;
    let mut out = Vec::with_capacity(partner_ids.len());
    for raw in partner_ids {
        let valid = match parse_mpn_id(raw) {
            Ok(mpn) => match partner_rows::find_by_mpn_id(&mut c.conn(), mpn).await? {
                Some(r)
                    if r.kind == "reseller" && r.agreement_accepted_at.is_some() && !r.disabled =>
                {
                    rows::find_active(&mut c.conn(), &actor.tenant_id, &r.tenant_id)
                        .await?
                        .is_some()
                }
                _ => false,
            },
            Err(_) => false,
        };
        out.push(PorValidation {
            partner_id: raw.clone(),
            is_valid_partner_id_on_record: valid,
            error_code: (!valid).then_some(900_400),
            error_description: (!valid).then(|| {
                "The PLA ID is not valid as partner of record: it must belong to an indirect reseller partnered with you that accepted the partner agreement".to_owned()
            }),
        });
    }
    Ok(out)
}

/// Checks a partner of record: the MPN ID of an indirect reseller partnered with this
/// provider that accepted the agreement (Partner Center's codes otherwise). Returns the
/// reseller's tenant id.
pub(crate) async fn partner_of_record(
    c: &mut Conn<'_>,
    provider: &PartnerRow,
    raw: &str,
) -> Result<TenantId, CoreError> {
    let mpn = parse_mpn_id(raw).map_err(|_| {
        CoreError::rule(
            Code::MpnNotFound,
            format!("MPN ID {} is not found", raw.trim()),
        )
    })?;
    if mpn == provider.mpn_id {
        return Err(CoreError::rule(
            Code::ProviderNotPartnerOnRecord,
            "the MPN ID of the indirect provider is not valid as partner on record",
        ));
    }
    let reseller = partner_rows::find_by_mpn_id(c, mpn)
        .await?
        .ok_or_else(|| CoreError::rule(Code::MpnNotFound, format!("MPN ID {mpn} is not found")))?;
    if reseller.kind != TenantKind::Reseller.as_str()
        || rows::find_active(c, &provider.tenant_id, &reseller.tenant_id)
            .await?
            .is_none()
    {
        return Err(CoreError::rule(
            Code::NotYourReseller,
            format!("MPN ID {mpn} is not a valid indirect reseller of yours"),
        ));
    }
    if reseller.agreement_accepted_at.is_none() {
        return Err(CoreError::rule(
            Code::ResellerAgreementMissing,
            "the indirect reseller has not accepted the partner agreement",
        ));
    }
    Ok(reseller.tenant_id)
}
