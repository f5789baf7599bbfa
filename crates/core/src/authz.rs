//! The one place that answers "may this actor do this to that object". Objects of tenants the
//! actor has no relationship with are `NotFound`, never `Forbidden`, so ids cannot be probed.

use std::collections::HashMap;

use twotier_domain::actor::Actor;
use twotier_domain::authz::Permission;
use twotier_domain::ids::TenantId;
use twotier_domain::link::RelationshipState;
use twotier_domain::tenant::TenantKind;
use twotier_store::Conn;
use twotier_store::tenants::{self, TenantRow};
use twotier_store::{CustomerTenant, PartnerTenant};

use crate::Code;
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
    if tenant.id == actor.tenant_id.clone() || actor.tenant_kind == TenantKind::Operator {
        return Ok(true);
    }
    if actor.tenant_kind.is_partner() && tenant.kind == TenantKind::Customer.as_str() {
        return Ok(twotier_store::customers::related(
            c,
            PartnerTenant(&actor.tenant_id),
            CustomerTenant(&tenant.id),
        )
        .await?);
    }
    if actor.tenant_kind.is_partner() && tenant.kind != actor.tenant_kind.as_str() {
        return Ok(twotier_store::partnerships::active_between(
            c,
            actor.tenant_id.as_str(),
            tenant.id.as_str(),
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
    match tenants::find(c, tenant_id).await? {
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
    if tenant.id == actor.tenant_id.clone() {
        require(actor, Permission::ManageUsers)?;
    } else if acts_for_customer(actor, &tenant) {
        require(actor, Permission::AdministerOnBehalf)?;
        require_delegated_admin(c, actor, tenant_id).await?;
    } else {
        require(actor, Permission::ManagePartners)?;
    }
    Ok(tenant)
}

/// Giving a tenant's top role, or changing, resetting or disabling one of its holders, after
/// `authorize_user_admin`: in one's own tenant a Global admin's right (never a user
/// management admin's); in a customer, its provider's Global admins and Admin agents acting
/// on its behalf (never a reseller's); the operator for partner tenants.
pub fn require_keeper_rights(actor: &Actor, tenant: &TenantRow) -> Result<(), CoreError> {
    keeper_rights(
        actor,
        tenant.id.as_str(),
        tenant.kind == TenantKind::Customer.as_str(),
    )
}

/// Whether the actor may manage the top role's holders of this tenant (pages offer the
/// actions only then); the same rule as `require_keeper_rights`.
pub fn may_manage_keepers(actor: &Actor, tenant: &TenantId, kind: TenantKind) -> bool {
    keeper_rights(actor, tenant.as_str(), kind == TenantKind::Customer).is_ok()
}

fn keeper_rights(actor: &Actor, tenant_id: &str, customer: bool) -> Result<(), CoreError> {
    if tenant_id == actor.tenant_id.as_str() {
        return require(actor, Permission::ManageGlobalAdmins);
    }
    if actor.tenant_kind.is_partner() && customer {
        if actor.tenant_kind != TenantKind::Provider
            || !actor.can(Permission::AdministerCustomerAdmins)
        {
            return Err(CoreError::rule(
                Code::CustomerAdminsOnly,
                "only the customer's own Global admins and its indirect provider's Global admins and Admin agents manage the customer's Global admins; ask your provider",
            ));
        }
        return Ok(());
    }
    Ok(())
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
    if tenant.id == actor.tenant_id.clone() {
        require(actor, Permission::ManageUsers)?;
    } else if acts_for_customer(actor, &tenant) {
        require(actor, Permission::AdministerOnBehalf)?;
        require_delegated_admin(c, actor, tenant_id).await?;
    } else {
        require(actor, Permission::ViewPartners)?;
    }
    Ok(tenant)
}

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
    let held = twotier_store::customers::relationship(
        c,
        PartnerTenant(&actor.tenant_id),
        CustomerTenant(customer),
    )
    .await?
    .is_some_and(|r| r.state == RelationshipState::Active && r.delegated_admin);
    if held {
        Ok(())
    } else {
        Err(CoreError::rule(
            Code::NoDelegatedAdmin,
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

/// Which of a customer's sales (subscriptions, the orders that made them, their history) an
/// actor sees and may act on. A subscription belongs to the provider that sold it: Partner
/// Center gives a partner its own subscriptions only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sales {
    /// The customer itself, and the operator (read-only support): all of them.
    All,
    /// A provider: what it sold.
    Provider(TenantId),
    /// A reseller: what the providers it is partnered with now sold, where the provider's
    /// relationship with the customer names it as the customer's indirect reseller
    /// (`associated`) or it is the subscription's reseller of record (any of `current`).
    Reseller {
        reseller: TenantId,
        current: Vec<TenantId>,
        associated: Vec<TenantId>,
    },
}

impl Sales {
    /// Whether a sale by `provider` with this reseller of record is in scope.
    pub fn covers(&self, provider: &TenantId, reseller_of_record: Option<&TenantId>) -> bool {
        match self {
            Self::All => true,
            Self::Provider(p) => p == provider,
            Self::Reseller {
                reseller,
                current,
                associated,
            } => {
                associated.iter().any(|p| p == provider)
                    || (reseller_of_record == Some(reseller)
                        && current.iter().any(|p| p == provider))
            }
        }
    }

    /// Whether every sale of `provider` is in scope (a whole order, its line items).
    pub fn covers_all_of(&self, provider: &TenantId) -> bool {
        match self {
            Self::All => true,
            Self::Provider(p) => p == provider,
            Self::Reseller { associated, .. } => associated.iter().any(|p| p == provider),
        }
    }
}

/// The sales of `customer` the actor may see; the caller has checked that it may see the
/// customer at all.
pub async fn sales(
    c: &mut Conn<'_>,
    actor: &Actor,
    customer: &TenantId,
) -> Result<Sales, CoreError> {
    let mut each = sales_of_each(c, actor, std::slice::from_ref(customer)).await?;
    each.remove(customer)
        .ok_or_else(|| CoreError::internal("no sales scope for the customer"))
}

/// `sales` for each of several customers (a page of a list), with at most two queries.
pub async fn sales_of_each(
    c: &mut Conn<'_>,
    actor: &Actor,
    customers: &[TenantId],
) -> Result<HashMap<TenantId, Sales>, CoreError> {
    let (current, associations) = if actor.tenant_kind == TenantKind::Reseller {
        let reseller = &actor.tenant_id;
        let current = twotier_store::partnerships::current_providers(c, reseller).await?;
        let associations = twotier_store::customers::associations(c, reseller, customers).await?;
        (current, associations)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(customers
        .iter()
        .map(|customer| {
            let sales = match actor.tenant_kind {
                _ if &actor.tenant_id == customer => Sales::All,
                TenantKind::Operator => Sales::All,
                TenantKind::Provider => Sales::Provider(actor.tenant_id.clone()),
                // A customer looking at another customer never gets this far (404 first);
                // it would see nothing.
                TenantKind::Reseller | TenantKind::Customer => Sales::Reseller {
                    reseller: actor.tenant_id.clone(),
                    // Only a provider partnered with the reseller now counts.
                    associated: associations
                        .iter()
                        .filter(|(c, p)| c == customer && current.contains(p))
                        .map(|(_, p)| p.clone())
                        .collect(),
                    current: current.clone(),
                },
            };
            (customer.clone(), sales)
        })
        .collect())
}
