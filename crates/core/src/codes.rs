//! The error codes use cases refuse with: Partner Center's where it documents one, twotier's
//! own (2300–2312, 600 000–600 099) where it has none. The web layer gives each code its one
//! HTTP status (`twotier_web::error::status_of`).

/// A reason a business rule refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum Code {
    /// The request is malformed: a header, a body or a query that cannot be read.
    InvalidRequest,
    /// A uniqueness rule of the database refused the write.
    Conflict,
    // Subscriptions.
    QuantityAndStatusTogether,
    QuantityOutOfRange,
    SubscriptionCancelled,
    EtagRequired,
    StatusTransition,
    UpgradeNotEligible,
    DecreaseAfterWindow,
    SubscriptionSuspended,
    CancelAfterWindow,
    ProviderDecides,
    LicencesAssigned,
    NoLicenceLeft,
    // Orders and customers.
    ProviderNotPartnerOnRecord,
    MpnNotFound,
    NotYourReseller,
    LineItemNumbers,
    ProviderOnly,
    ResellerAgreementMissing,
    AgreementMissing,
    // Partner Center's agreement-status lookups.
    AgreementQueryInvalid,
    AgreementQueryEmpty,
    MpnUnknown,
    TenantUnknown,
    TenantAgreementMissing,
    MpnAgreementMissing,
    RegionMismatch,
    NotReseller,
    // Links: invitations and relationship requests.
    LinkUnknown,
    LinkUsed,
    LinkExpired,
    LinkRevoked,
    LinkNotPending,
    AlreadyPartnered,
    NotProvider,
    NotCustomerAdmin,
    ResellerNotPartnered,
    AlreadyRelated,
    PartnerNotFound,
    // Customer relationships.
    NoRelationship,
    ActiveSubscriptions,
    ResellerCannotEnd,
    // People, sign-in, tokens.
    PersonRequired,
    CustomerAdminsOnly,
    NoDelegatedAdmin,
    SignInIncomplete,
    TwoFactorRoundOver,
    TwoFactorRequired,
    TwoFactorAlreadyOn,
}

impl Code {
    /// The number on the wire (`code` of the error body).
    #[must_use]
    pub const fn number(self) -> u32 {
        match self {
            Self::InvalidRequest => 3000,
            Self::Conflict => 409,
            Self::QuantityAndStatusTogether | Self::AgreementQueryEmpty => 2001,
            Self::QuantityOutOfRange => 2002,
            Self::SubscriptionCancelled => 2011,
            Self::EtagRequired => 2055,
            Self::StatusTransition => 800_040,
            Self::UpgradeNotEligible => 800_050,
            Self::DecreaseAfterWindow => 800_090,
            Self::SubscriptionSuspended => 800_091,
            Self::CancelAfterWindow => 900_117,
            Self::ProviderDecides => 600_008,
            Self::LicencesAssigned => 600_011,
            Self::NoLicenceLeft => 600_014,
            Self::ProviderNotPartnerOnRecord => 2072,
            Self::MpnNotFound => 800_015,
            Self::NotYourReseller => 800_016,
            Self::LineItemNumbers => 800_071,
            Self::ProviderOnly => 600_006,
            Self::ResellerAgreementMissing => 900_123,
            Self::AgreementMissing => 900_124,
            Self::AgreementQueryInvalid => 2000,
            Self::MpnUnknown => 2200,
            Self::TenantUnknown => 2205,
            Self::TenantAgreementMissing => 2206,
            Self::MpnAgreementMissing => 2203,
            Self::RegionMismatch => 2201,
            Self::NotReseller => 2204,
            Self::LinkUnknown => 2300,
            Self::LinkUsed => 2301,
            Self::LinkExpired => 2302,
            Self::LinkRevoked => 2303,
            Self::LinkNotPending => 2304,
            Self::AlreadyPartnered => 2305,
            Self::NotProvider => 2306,
            Self::NotCustomerAdmin => 2310,
            Self::ResellerNotPartnered => 2311,
            Self::AlreadyRelated => 2312,
            Self::PartnerNotFound => 600_019,
            Self::NoRelationship => 600_021,
            Self::ActiveSubscriptions => 600_012,
            Self::ResellerCannotEnd => 600_013,
            Self::PersonRequired => 600_020,
            Self::CustomerAdminsOnly => 600_007,
            Self::NoDelegatedAdmin => 600_010,
            Self::SignInIncomplete => 600_016,
            Self::TwoFactorRoundOver => 600_017,
            Self::TwoFactorRequired => 600_018,
            Self::TwoFactorAlreadyOn => 600_022,
        }
    }
}
