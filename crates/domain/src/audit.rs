//! Names of audited operations and resources. Partner Center's names where it has one
//! (reference §3.9); twotier's own in the same snake_case style otherwise.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    EnrollPartner,
    UpdatePartnerProfile,
    DisablePartner,
    EnablePartner,
    AcceptPartnerAgreement,
    CreatePartnerUser,
    UpdatePartnerUser,
    RemovePartnerUser,
    ResetPartnerUserPassword,
    ChangePassword,
    EnableTwoFactor,
    DisableTwoFactor,
    UpdateSecurityPolicy,
    CreateApiToken,
    RevokeApiToken,
    CreateApplication,
    DisableApplication,
    CreatePartnershipInvitation,
    RevokePartnershipInvitation,
    CreatePartnerRelationship,
    RemovePartnerRelationship,
    ImportCatalog,
    UpdateOffer,
    AddCustomer,
    UpdateCustomerBillingProfile,
    CreateOrder,
    ResetCustomerUserPassword,
}

impl Operation {
    pub const ALL: [Self; 27] = [
        Self::EnrollPartner,
        Self::UpdatePartnerProfile,
        Self::DisablePartner,
        Self::EnablePartner,
        Self::AcceptPartnerAgreement,
        Self::CreatePartnerUser,
        Self::UpdatePartnerUser,
        Self::RemovePartnerUser,
        Self::ResetPartnerUserPassword,
        Self::ChangePassword,
        Self::EnableTwoFactor,
        Self::DisableTwoFactor,
        Self::UpdateSecurityPolicy,
        Self::CreateApiToken,
        Self::RevokeApiToken,
        Self::CreateApplication,
        Self::DisableApplication,
        Self::CreatePartnershipInvitation,
        Self::RevokePartnershipInvitation,
        Self::CreatePartnerRelationship,
        Self::RemovePartnerRelationship,
        Self::ImportCatalog,
        Self::UpdateOffer,
        Self::AddCustomer,
        Self::UpdateCustomerBillingProfile,
        Self::CreateOrder,
        Self::ResetCustomerUserPassword,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::EnrollPartner => "enroll_partner",
            Self::UpdatePartnerProfile => "update_partner_profile",
            Self::DisablePartner => "disable_partner",
            Self::EnablePartner => "enable_partner",
            Self::AcceptPartnerAgreement => "accept_partner_agreement",
            Self::CreatePartnerUser => "create_partner_user",
            Self::UpdatePartnerUser => "update_partner_user",
            Self::RemovePartnerUser => "remove_partner_user",
            Self::ResetPartnerUserPassword => "reset_partner_user_password",
            Self::ChangePassword => "change_password",
            Self::EnableTwoFactor => "enable_two_factor",
            Self::DisableTwoFactor => "disable_two_factor",
            Self::UpdateSecurityPolicy => "update_security_policy",
            Self::CreateApiToken => "create_api_token",
            Self::RevokeApiToken => "revoke_api_token",
            Self::CreateApplication => "create_application",
            Self::DisableApplication => "disable_application",
            Self::CreatePartnershipInvitation => "create_partnership_invitation",
            Self::RevokePartnershipInvitation => "revoke_partnership_invitation",
            Self::CreatePartnerRelationship => "create_partner_relationship",
            Self::RemovePartnerRelationship => "remove_partner_relationship",
            Self::ImportCatalog => "import_catalog",
            Self::UpdateOffer => "update_offer",
            Self::AddCustomer => "add_customer",
            Self::UpdateCustomerBillingProfile => "update_customer_billing_profile",
            Self::CreateOrder => "create_order",
            Self::ResetCustomerUserPassword => "reset_customer_user_password",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceType {
    Partner,
    PartnerUser,
    Agreement,
    Application,
    ApiToken,
    Policy,
    PartnerRelationship,
    PartnershipInvitation,
    Offer,
    Customer,
    Order,
    CustomerUser,
}

impl ResourceType {
    pub const ALL: [Self; 12] = [
        Self::Partner,
        Self::PartnerUser,
        Self::Agreement,
        Self::Application,
        Self::ApiToken,
        Self::Policy,
        Self::PartnerRelationship,
        Self::PartnershipInvitation,
        Self::Offer,
        Self::Customer,
        Self::Order,
        Self::CustomerUser,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Partner => "partner",
            Self::PartnerUser => "partner_user",
            Self::Agreement => "agreement",
            Self::Application => "application",
            Self::ApiToken => "api_token",
            Self::Policy => "self_serve_policy",
            Self::PartnerRelationship => "partner_relationship",
            Self::PartnershipInvitation => "partnership_invitation",
            Self::Offer => "offer",
            Self::Customer => "customer",
            Self::Order => "order",
            Self::CustomerUser => "customer_user",
        }
    }
}
