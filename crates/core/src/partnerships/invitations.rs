//! Invitations: the provider invites a reseller with a single-use link (drafting the email
//! that carries it), lists and revokes them; the reseller's Global admin previews and accepts,
//! which makes the partnership.

use super::*;
use twotier_store::{ProviderTenant, ResellerTenant};

pub(super) fn draft_email(
    provider: &PartnerRow,
    url: &str,
    expires_at: Timestamp,
) -> (String, String) {
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
    // A malformed id is not found before anything is written (an idempotency key included).
    let id = &InvitationId::parse(id).ok_or(CoreError::NotFound)?;
    let mut ch = crate::begin_change!(svc, actor, meta, Invitation);
    let now = svc.now();
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

/// Looks the link up; a used, expired, revoked or unknown link is a clear error.
pub(super) async fn open_invitation(
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
pub(super) async fn check_acceptor(
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
    if rows::find_active(
        c,
        ProviderTenant(&provider.tenant_id),
        ResellerTenant(&reseller.tenant_id),
    )
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
