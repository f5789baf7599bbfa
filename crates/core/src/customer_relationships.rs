//! A customer's partners: who holds a reseller relationship
//! and delegated admin access, the customer removing a partner's admin access, and the provider
//! ending its relationship or withdrawing its own admin access.

use serde::Serialize;
use twotier_domain::actor::Actor;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::authz::Permission;
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::TenantId;
use twotier_domain::link::RelationshipState;
use twotier_domain::subscription::SubscriptionStatus;
use twotier_domain::tenant::TenantKind;
use twotier_store::customers::{self as rows, CustomerRow};
use twotier_store::partners as partner_rows;
use twotier_store::subscriptions as subscription_rows;
use twotier_store::{CustomerTenant, PartnerTenant};

use crate::audit::Event;
use crate::write::Change;
use crate::{Code, CoreError, RequestMeta, Services, authz};

/// One partner of a customer, as the customer's Partners page and the relationships API show it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerPartner {
    pub tenant_id: String,
    pub name: String,
    pub mpn_id: i64,
    pub kind: TenantKind,
    pub country: String,
    pub contact_email: String,
    pub since: Timestamp,
    pub delegated_admin: bool,
    pub delegated_admin_since: Option<Timestamp>,
}

/// The customer's partners with an active relationship, oldest first. The customer sees all
/// of them; a partner sees itself and its own counterparts (a provider the resellers it is
/// partnered with, a reseller its current providers), never another provider's resellers.
pub async fn partners(
    svc: &Services,
    actor: &Actor,
    customer: &TenantId,
) -> Result<Vec<CustomerPartner>, CoreError> {
    let mut c = svc.db.read().await?;
    authz::authorize_customer_read(&mut c.conn(), actor, customer).await?;
    let mut out = Vec::new();
    for r in rows::relationships_of(&mut c.conn(), customer).await? {
        let shown = !actor.tenant_kind.is_partner()
            || r.partner_tenant_id == actor.tenant_id.clone()
            || twotier_store::partnerships::active_between(
                &mut c.conn(),
                actor.tenant_id.as_str(),
                r.partner_tenant_id.as_str(),
            )
            .await?;
        if !shown {
            continue;
        }
        let Some(p) = partner_rows::find(&mut c.conn(), &r.partner_tenant_id).await? else {
            continue;
        };
        out.push(CustomerPartner {
            kind: TenantKind::parse(&p.kind).unwrap_or(TenantKind::Reseller),
            tenant_id: p.tenant_id.to_string(),
            name: p.name,
            mpn_id: p.mpn_id,
            country: p.country,
            contact_email: p.contact_email,
            since: Timestamp(r.created_at),
            delegated_admin: r.delegated_admin,
            delegated_admin_since: r.delegated_admin_since.map(Timestamp),
        });
    }
    Ok(out)
}

async fn customer_row(ch: &mut Change<'_>, customer: &TenantId) -> Result<CustomerRow, CoreError> {
    rows::find(&mut ch.conn(), customer)
        .await?
        .ok_or(CoreError::NotFound)
}

/// Withdraws a partner's delegated admin access inside an open change; its next request is
/// refused. The reseller relationship stays.
async fn withdraw_in(
    ch: &mut Change<'_>,
    cust: &CustomerRow,
    partner: &TenantId,
) -> Result<(), CoreError> {
    let now = ch.svc.now().millis();
    if !rows::set_delegated_admin(
        &mut ch.conn(),
        PartnerTenant(partner),
        CustomerTenant(&cust.tenant_id),
        false,
        now,
    )
    .await?
    {
        return Err(CoreError::rule(
            Code::NoRelationship,
            "this partner does not hold delegated admin access to this customer",
        ));
    }
    let customer = cust.tenant_id.clone();
    ch.audit(
        Event::new(
            Operation::DapAdminRelationshipTerminated,
            ResourceType::CustomerRelationship,
            partner.as_str(),
        )
        .about(partner)
        .customer(&customer, &cust.company_name)
        .old(serde_json::json!({ "delegatedAdmin": true }))
        .new_value(serde_json::json!({ "delegatedAdmin": false })),
    )
    .await
}

/// The customer's Global admin removes a partner's delegated admin access.
pub async fn remove_admin_access(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    partner: &str,
) -> Result<(), CoreError> {
    authz::require(actor, Permission::ManagePartnerAccess)?;
    let mut ch = crate::begin_change!(svc, actor, meta, ());
    let partner = TenantId::parse(partner).ok_or(CoreError::NotFound)?;
    let cust = customer_row(&mut ch, &actor.tenant_id).await?;
    if rows::relationship(
        &mut ch.conn(),
        PartnerTenant(&partner),
        CustomerTenant(&cust.tenant_id),
    )
    .await?
    .is_none_or(|r| r.state != RelationshipState::Active)
    {
        return Err(CoreError::NotFound);
    }
    withdraw_in(&mut ch, &cust, &partner).await?;
    ch.commit(&()).await?;
    Ok(())
}

/// What a partner asks of `PATCH /v1/customers/{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerChange {
    /// `relationshipToPartner: none`: end the reseller relationship.
    EndRelationship,
    /// `allowDelegatedAccess: false`: give up the partner's own admin access.
    WithdrawDelegatedAdmin,
}

/// A provider ends its relationship with the customer (refused while any subscription it sold
/// is active) or withdraws its own delegated admin access. A reseller may withdraw its own
/// admin access but cannot end the relationship: its provider does.
pub async fn change(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    customer: &TenantId,
    what: PartnerChange,
) -> Result<(), CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, ());
    authz::authorize(&mut ch.conn(), actor, Permission::EditCustomers, customer).await?;
    let cust = customer_row(&mut ch, customer).await?;
    match what {
        PartnerChange::WithdrawDelegatedAdmin => {
            withdraw_in(&mut ch, &cust, &actor.tenant_id).await?;
        }
        PartnerChange::EndRelationship => end_in(&mut ch, &cust).await?,
    }
    ch.commit(&()).await?;
    Ok(())
}

async fn end_in(ch: &mut Change<'_>, cust: &CustomerRow) -> Result<(), CoreError> {
    let actor = ch.actor;
    if actor.tenant_kind != TenantKind::Provider {
        return Err(CoreError::rule(
            Code::ResellerCannotEnd,
            "an indirect reseller cannot end a customer relationship; ask your indirect provider to end it",
        ));
    }
    let active: Vec<String> =
        subscription_rows::of_customer(&mut ch.conn(), &cust.tenant_id, None, None)
            .await?
            .into_iter()
            .filter(|s| {
                s.provider_tenant_id == actor.tenant_id.clone()
                    && s.status == SubscriptionStatus::Active
            })
            .map(|s| s.friendly_name)
            .collect();
    if !active.is_empty() {
        return Err(CoreError::rule(
            Code::ActiveSubscriptions,
            format!(
                "{} has {} active subscription{} with you ({}); cancel or suspend {} before ending the relationship",
                cust.company_name,
                active.len(),
                if active.len() == 1 { "" } else { "s" },
                active.join(", "),
                if active.len() == 1 { "it" } else { "them" },
            ),
        ));
    }
    let held = rows::relationship(
        &mut ch.conn(),
        PartnerTenant(&actor.tenant_id),
        CustomerTenant(&cust.tenant_id),
    )
    .await?
    .filter(|r| r.state == RelationshipState::Active)
    .ok_or_else(|| {
        CoreError::rule(
            Code::NoRelationship,
            "the relationship between the partner and customer does not exist",
        )
    })?;
    let now = ch.svc.now().millis();
    rows::end_relationship(
        &mut ch.conn(),
        PartnerTenant(&actor.tenant_id),
        CustomerTenant(&cust.tenant_id),
        now,
    )
    .await?;
    let customer = cust.tenant_id.clone();
    if held.delegated_admin {
        ch.audit(
            Event::new(
                Operation::DapAdminRelationshipTerminated,
                ResourceType::CustomerRelationship,
                actor.tenant_id.as_str(),
            )
            .customer(&customer, &cust.company_name)
            .old(serde_json::json!({ "delegatedAdmin": true }))
            .new_value(serde_json::json!({ "delegatedAdmin": false })),
        )
        .await?;
    }
    ch.audit(
        Event::new(
            Operation::RemovePartnerCustomerRelationship,
            ResourceType::CustomerRelationship,
            actor.tenant_id.as_str(),
        )
        .customer(&customer, &cust.company_name)
        .old(serde_json::json!({ "relationshipToPartner": "reseller", "indirectResellerId": held.reseller_tenant_id }))
        .new_value(serde_json::json!({ "relationshipToPartner": "none" })),
    )
    .await
}

/// The customer's record as the actor sees it: a partner its own billing profile of it (each
/// partner keeps its own, so none changes what another sees), anyone else the customer's.
pub(crate) async fn as_seen_by(
    c: &mut twotier_store::Conn<'_>,
    actor: &Actor,
    id: &TenantId,
) -> Result<CustomerRow, CoreError> {
    let row = if actor.tenant_kind.is_partner() {
        rows::find_for_partner(c, PartnerTenant(&actor.tenant_id), CustomerTenant(id)).await?
    } else {
        rows::find(c, id).await?
    };
    row.ok_or(CoreError::NotFound)
}
