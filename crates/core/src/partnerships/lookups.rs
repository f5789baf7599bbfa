//! Partner Center's look-ups about partners: MPN profiles, agreement status and
//! partner-of-record validation.

use super::*;
use twotier_store::{ProviderTenant, ResellerTenant};

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
                    rows::find_active(
                        &mut c.conn(),
                        ProviderTenant(&actor.tenant_id),
                        ResellerTenant(&r.tenant_id),
                    )
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
        || rows::find_active(
            c,
            ProviderTenant(&provider.tenant_id),
            ResellerTenant(&reseller.tenant_id),
        )
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
