//! Roles and the permissions they carry. An explicit table, never an ordering:
//! no code compares roles by rank.

use crate::DomainError;
use crate::tenant::TenantKind;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    OperatorAdmin,
    OperatorSupport,
    GlobalAdmin,
    UserManagementAdmin,
    AdminAgent,
    SalesAgent,
    HelpdeskAgent,
    BillingAdmin,
    CustomerGlobalAdmin,
    CustomerUser,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Manage the users of one's own tenant and their roles.
    ManageUsers,
    /// Give the tenant's top role (Global admin, operator admin, a customer's Global admin),
    /// and change, reset or disable its holders, or create an app that holds it. A user
    /// management admin manages everyone else (as in Partner Center and Entra).
    ManageGlobalAdmins,
    /// On a customer's behalf, with delegated admin access: act as its Global admin over its
    /// Global admins (the provider's Global admins and Admin agents, never a helpdesk agent).
    AdministerCustomerAdmins,
    /// Register API apps and give them roles.
    ManageApps,
    /// Set the tenant's security policy (two-factor required).
    ManageSecurityPolicy,
    /// Accept the partner agreement for one's partner organisation.
    AcceptAgreement,
    /// Reseller side: accept a provider's partnership invitation.
    AcceptPartnership,
    /// Provider side: invite resellers, remove partnerships.
    ManagePartnerships,
    /// See one's partnerships (a provider's resellers, a reseller's providers) and look up
    /// partners' MPN profiles and agreement status.
    ViewPartnerships,
    CreateCustomers,
    ViewCustomers,
    EditCustomers,
    RequestCustomerRelationship,
    PlaceOrders,
    ManageSubscriptions,
    SetResellerOfRecord,
    SetSupportContact,
    AdministerOnBehalf,
    ViewAudit,
    ViewIncentives,
    /// Operator: enrol partners, edit directory profiles, disable partners.
    ManagePartners,
    /// Operator: read every partner (support).
    ViewPartners,
    ManageCatalog,
    /// Customer tenant: see its own subscriptions and partners.
    ViewOwnSubscriptions,
    /// Customer tenant: accept relationship requests, remove a partner's admin access.
    ManagePartnerAccess,
}

impl Role {
    pub const ALL: [Self; 10] = [
        Self::OperatorAdmin,
        Self::OperatorSupport,
        Self::GlobalAdmin,
        Self::UserManagementAdmin,
        Self::AdminAgent,
        Self::SalesAgent,
        Self::HelpdeskAgent,
        Self::BillingAdmin,
        Self::CustomerGlobalAdmin,
        Self::CustomerUser,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OperatorAdmin => "operator_admin",
            Self::OperatorSupport => "operator_support",
            Self::GlobalAdmin => "global_admin",
            Self::UserManagementAdmin => "user_management_admin",
            Self::AdminAgent => "admin_agent",
            Self::SalesAgent => "sales_agent",
            Self::HelpdeskAgent => "helpdesk_agent",
            Self::BillingAdmin => "billing_admin",
            Self::CustomerGlobalAdmin => "customer_global_admin",
            Self::CustomerUser => "customer_user",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::OperatorAdmin => "Operator admin",
            Self::OperatorSupport => "Operator support",
            Self::GlobalAdmin => "Global admin",
            Self::UserManagementAdmin => "User management admin",
            Self::AdminAgent => "Admin agent",
            Self::SalesAgent => "Sales agent",
            Self::HelpdeskAgent => "Helpdesk agent",
            Self::BillingAdmin => "Billing admin",
            Self::CustomerGlobalAdmin => "Global admin",
            Self::CustomerUser => "User",
        }
    }

    /// Case-insensitive; `_`, `-` and spaces are ignored, so "Global Admin" and "globaladmin" work.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let norm = |s: &str| -> String {
            s.chars()
                .filter(|c| !matches!(c, '_' | '-' | ' '))
                .collect::<String>()
                .to_lowercase()
        };
        let wanted = norm(input);
        Self::ALL
            .into_iter()
            .find(|r| norm(r.as_str()) == wanted)
            .ok_or_else(|| {
                DomainError::new(format!(
                    "unknown role {:?}; roles are {}",
                    input.trim(),
                    Self::ALL.map(Self::as_str).join(", ")
                ))
            })
    }

    /// The tenant kind whose users may hold this role.
    pub fn tenant_kinds(self) -> &'static [TenantKind] {
        match self {
            Self::OperatorAdmin | Self::OperatorSupport => &[TenantKind::Operator],
            Self::CustomerGlobalAdmin | Self::CustomerUser => &[TenantKind::Customer],
            _ => &[TenantKind::Provider, TenantKind::Reseller],
        }
    }

    pub fn for_kind(kind: TenantKind) -> Vec<Self> {
        Self::ALL
            .into_iter()
            .filter(|r| r.tenant_kinds().contains(&kind))
            .collect()
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission as P;
        match self {
            Self::OperatorAdmin => &[
                P::ManageUsers,
                P::ManageGlobalAdmins,
                P::ManageApps,
                P::ManageSecurityPolicy,
                P::ManagePartners,
                P::ViewPartners,
                P::ManageCatalog,
                P::ViewAudit,
            ],
            Self::OperatorSupport => &[P::ViewPartners, P::ViewAudit],
            Self::GlobalAdmin => &[
                P::ViewPartnerships,
                P::ManageUsers,
                P::ManageGlobalAdmins,
                P::AdministerCustomerAdmins,
                P::ManageApps,
                P::ManageSecurityPolicy,
                P::AcceptAgreement,
                P::AcceptPartnership,
                P::ManagePartnerships,
                P::CreateCustomers,
                P::ViewCustomers,
                P::EditCustomers,
                P::RequestCustomerRelationship,
                P::PlaceOrders,
                P::ManageSubscriptions,
                P::SetResellerOfRecord,
                P::SetSupportContact,
                P::AdministerOnBehalf,
                P::ViewAudit,
                P::ViewIncentives,
            ],
            Self::UserManagementAdmin => &[
                P::ViewPartnerships,
                P::ManageUsers,
                P::ManageApps,
                P::ManagePartnerships,
            ],
            Self::AdminAgent => &[
                P::ViewPartnerships,
                P::ManagePartnerships,
                P::CreateCustomers,
                P::ViewCustomers,
                P::EditCustomers,
                P::RequestCustomerRelationship,
                P::PlaceOrders,
                P::ManageSubscriptions,
                P::SetResellerOfRecord,
                P::SetSupportContact,
                P::AdministerOnBehalf,
                P::AdministerCustomerAdmins,
                P::ViewAudit,
                P::ViewIncentives,
            ],
            Self::SalesAgent => &[
                P::ViewPartnerships,
                P::ManagePartnerships,
                P::CreateCustomers,
                P::ViewCustomers,
                P::EditCustomers,
                P::RequestCustomerRelationship,
                P::PlaceOrders,
                P::ManageSubscriptions,
                P::SetResellerOfRecord,
                P::ViewAudit,
                P::ViewIncentives,
            ],
            // Partner Center's helpdesk agent reads customers, edits their details and
            // handles service requests; it never buys, changes what is billed or cancels.
            Self::HelpdeskAgent => &[
                P::ViewPartnerships,
                P::ViewCustomers,
                P::EditCustomers,
                P::SetSupportContact,
                P::AdministerOnBehalf,
            ],
            Self::BillingAdmin => &[P::ViewPartnerships, P::ViewAudit, P::ViewIncentives],
            Self::CustomerGlobalAdmin => &[
                P::ManageUsers,
                P::ManageGlobalAdmins,
                P::ManageSecurityPolicy,
                P::ViewOwnSubscriptions,
                P::ManagePartnerAccess,
                P::ViewAudit,
            ],
            Self::CustomerUser => &[P::ViewOwnSubscriptions],
        }
    }
}

/// True when any of the roles carries the permission.
pub fn roles_permit(roles: &[Role], permission: Permission) -> bool {
    roles.iter().any(|r| r.permissions().contains(&permission))
}

/// Roles a tenant of this kind may hand out; refuses roles of another tenant kind.
pub fn check_roles_for(kind: TenantKind, roles: &[Role]) -> Result<(), DomainError> {
    if let Some(bad) = roles.iter().find(|r| !r.tenant_kinds().contains(&kind)) {
        return Err(DomainError::new(format!(
            "the role {} is not available in a {} tenant",
            bad.as_str(),
            kind.as_str()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_parse_loosely() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert_eq!(Role::parse("Global Admin"), Ok(Role::GlobalAdmin));
        assert_eq!(Role::parse("ADMINAGENT"), Ok(Role::AdminAgent));
        assert!(Role::parse("owner").unwrap_err().0.contains("global_admin"));
    }

    #[test]
    fn spec_table_spot_checks() {
        use Permission as P;
        assert!(roles_permit(&[Role::GlobalAdmin], P::AcceptPartnership));
        assert!(!roles_permit(
            &[Role::UserManagementAdmin],
            P::AcceptPartnership
        ));
        assert!(roles_permit(
            &[Role::UserManagementAdmin],
            P::ManagePartnerships
        ));
        assert!(!roles_permit(&[Role::HelpdeskAgent], P::PlaceOrders));
        assert!(!roles_permit(
            &[Role::HelpdeskAgent],
            P::ManageSubscriptions
        ));
        // Nothing billable outside the roles Partner Center lets buy.
        for role in Role::ALL {
            let buys = [
                P::PlaceOrders,
                P::ManageSubscriptions,
                P::SetResellerOfRecord,
            ]
            .iter()
            .any(|p| role.permissions().contains(p));
            let may_buy = matches!(
                role,
                Role::GlobalAdmin | Role::AdminAgent | Role::SalesAgent
            );
            assert_eq!(buys, may_buy, "{role:?}");
        }
        assert!(roles_permit(&[Role::HelpdeskAgent], P::SetSupportContact));
        assert!(!roles_permit(&[Role::SalesAgent], P::SetSupportContact));
        assert!(!roles_permit(&[Role::BillingAdmin], P::ViewCustomers));
        assert!(!roles_permit(&[], P::ViewAudit));
        assert!(roles_permit(&[Role::GlobalAdmin], P::ManageGlobalAdmins));
        assert!(!roles_permit(
            &[Role::UserManagementAdmin],
            P::ManageGlobalAdmins
        ));
        assert!(roles_permit(
            &[Role::AdminAgent],
            P::AdministerCustomerAdmins
        ));
        assert!(!roles_permit(
            &[Role::HelpdeskAgent],
            P::AdministerCustomerAdmins
        ));
    }

    #[test]
    fn roles_belong_to_tenant_kinds() {
        assert!(check_roles_for(TenantKind::Provider, &[Role::GlobalAdmin]).is_ok());
        assert!(check_roles_for(TenantKind::Provider, &[Role::OperatorAdmin]).is_err());
        assert!(check_roles_for(TenantKind::Customer, &[Role::AdminAgent]).is_err());
    }
}
