//! A subscription's designated support contact: the provider, or a related reseller
//! partnered with it.

use super::*;
use twotier_store::{CustomerTenant, PartnerTenant, ProviderTenant, ResellerTenant};

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

pub(super) async fn contact_of(
    c: &mut Conn<'_>,
    row: &SubscriptionRow,
) -> Result<SupportContact, CoreError> {
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
            eligible = partnerships::find_active(
                &mut c.conn(),
                ProviderTenant(provider),
                ResellerTenant(&tenant),
            )
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
        let related = customer_rows::related(
            &mut ch.conn(),
            PartnerTenant(&partner.tenant_id),
            CustomerTenant(customer),
        )
        .await?;
        let partnered = partnerships::find_active(
            &mut ch.conn(),
            ProviderTenant(&row.provider_tenant_id),
            ResellerTenant(&partner.tenant_id),
        )
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
