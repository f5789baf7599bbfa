//! The one place that answers "may this actor do this to that object". Objects of tenants the
//! actor has no relationship with are `NotFound`, never `Forbidden`, so ids cannot be probed.

use twotier_domain::actor::Actor;
use twotier_domain::authz::Permission;
use twotier_domain::ids::TenantId;
use twotier_domain::tenant::TenantKind;
use twotier_store::Conn;
use twotier_store::tenants::{self, TenantRow};

use crate::CoreError;

/// The actor's roles must carry the permission.
pub fn require(actor: &Actor, permission: Permission) -> Result<(), CoreError> {
    if actor.can(permission) {
        Ok(())
    } else {
        Err(CoreError::Forbidden(permission))
    }
}

/// Whether the actor has any relationship with the tenant: its own; every tenant for the
/// operator; a provider and a reseller with an active partnership see each other.
async fn relates_to(
    c: &mut Conn<'_>,
    actor: &Actor,
    tenant: &TenantRow,
) -> Result<bool, CoreError> {
    if tenant.id == actor.tenant_id.as_str() || actor.tenant_kind == TenantKind::Operator {
        return Ok(true);
    }
    if actor.tenant_kind.is_partner() && tenant.kind == TenantKind::Customer.as_str() {
        return Ok(
            twotier_store::customers::related(c, actor.tenant_id.as_str(), &tenant.id).await?,
        );
    }
    if actor.tenant_kind.is_partner() && tenant.kind != actor.tenant_kind.as_str() {
        return Ok(twotier_store::partnerships::active_between(
            c,
            actor.tenant_id.as_str(),
            &tenant.id,
        )
        .await?);
    }
    Ok(false)
}

/// The tenant, if the actor may see it at all.
pub async fn visible_tenant(
    c: &mut Conn<'_>,
    actor: &Actor,
    tenant_id: &TenantId,
) -> Result<TenantRow, CoreError> {
    match tenants::find(c, tenant_id.as_str()).await? {
        Some(t) if relates_to(c, actor, &t).await? => Ok(t),
        _ => Err(CoreError::NotFound),
    }
}

/// Visibility first (404), then the permission (403).
pub async fn authorize(
    c: &mut Conn<'_>,
    actor: &Actor,
    permission: Permission,
    tenant_id: &TenantId,
) -> Result<TenantRow, CoreError> {
    let tenant = visible_tenant(c, actor, tenant_id).await?;
    require(actor, permission)?;
    Ok(tenant)
}

/// Managing the users of a tenant: its own user admins, a partner holding delegated admin
/// access to a customer, or the operator for partner tenants (enrolment support, the CLI).
pub async fn authorize_user_admin(
    c: &mut Conn<'_>,
    actor: &Actor,
    tenant_id: &TenantId,
) -> Result<TenantRow, CoreError> {
    let tenant = visible_tenant(c, actor, tenant_id).await?;
    if tenant.id == actor.tenant_id.as_str() {
        require(actor, Permission::ManageUsers)?;
    } else if acts_for_customer(actor, &tenant) {
        require(actor, Permission::AdministerOnBehalf)?;
        require_delegated_admin(c, actor, tenant_id).await?;
    } else {
        require(actor, Permission::ManagePartners)?;
    }
    Ok(tenant)
}

/// A partner looking inside a customer tenant it has a relationship with.
fn acts_for_customer(actor: &Actor, tenant: &TenantRow) -> bool {
    actor.tenant_kind.is_partner() && tenant.kind == TenantKind::Customer.as_str()
}

/// Reading a tenant's users: as above, or operator support (read-only).
pub async fn authorize_user_read(
    c: &mut Conn<'_>,
    actor: &Actor,
    tenant_id: &TenantId,
) -> Result<TenantRow, CoreError> {
    let tenant = visible_tenant(c, actor, tenant_id).await?;
    if tenant.id == actor.tenant_id.as_str() {
        require(actor, Permission::ManageUsers)?;
    } else if acts_for_customer(actor, &tenant) {
        require(actor, Permission::AdministerOnBehalf)?;
        require_delegated_admin(c, actor, tenant_id).await?;
    } else {
        require(actor, Permission::ViewPartners)?;
    }
    Ok(tenant)
}

/// Twotier's code for a partner whose delegated admin access to the customer is gone (or was
/// never granted).
pub const NO_DELEGATED_ADMIN: u32 = 600_010;

/// Acting inside a customer tenant (its users, licences, changes on its behalf): the
/// customer's own users, or a partner whose relationship holds delegated admin access at
/// this moment, so a withdrawal takes effect on the partner's next request.
pub async fn require_delegated_admin(
    c: &mut Conn<'_>,
    actor: &Actor,
    customer: &TenantId,
) -> Result<(), CoreError> {
    if actor.tenant_id == *customer {
        return Ok(());
    }
    let held =
        twotier_store::customers::relationship(c, actor.tenant_id.as_str(), customer.as_str())
            .await?
            .is_some_and(|r| r.state == "active" && r.delegated_admin);
    if held {
        Ok(())
    } else {
        Err(CoreError::rule(
            NO_DELEGATED_ADMIN,
            403,
            "your organisation does not hold delegated admin access to this customer; the customer can grant it by accepting a relationship request with delegated admin",
        ))
    }
}

/// Reading a customer's subscriptions and partners: the customer's own users, or a partner
/// related to it that may view customers.
pub async fn authorize_customer_read(
    c: &mut Conn<'_>,
    actor: &Actor,
    customer: &TenantId,
) -> Result<TenantRow, CoreError> {
    if actor.tenant_id == *customer {
        let tenant = visible_tenant(c, actor, customer).await?;
        require(actor, Permission::ViewOwnSubscriptions)?;
        return Ok(tenant);
    }
    authorize(c, actor, Permission::ViewCustomers, customer).await
}
