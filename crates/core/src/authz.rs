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

/// Managing the users of a tenant: its own user admins, or the operator for partner tenants
/// (enrolment support, the CLI).
pub async fn authorize_user_admin(
    c: &mut Conn<'_>,
    actor: &Actor,
    tenant_id: &TenantId,
) -> Result<TenantRow, CoreError> {
    let tenant = visible_tenant(c, actor, tenant_id).await?;
    let own = tenant.id == actor.tenant_id.as_str();
    if own {
        require(actor, Permission::ManageUsers)?;
    } else {
        require(actor, Permission::ManagePartners)?;
    }
    Ok(tenant)
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
    } else {
        require(actor, Permission::ViewPartners)?;
    }
    Ok(tenant)
}
