use crate::DomainError;

/// What a tenant is. Stored as lowercase text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantKind {
    Operator,
    Provider,
    Reseller,
    Customer,
}

impl TenantKind {
    pub const ALL: [Self; 4] = [
        Self::Operator,
        Self::Provider,
        Self::Reseller,
        Self::Customer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Provider => "provider",
            Self::Reseller => "reseller",
            Self::Customer => "customer",
        }
    }
    /// Case-insensitive, ignoring `_` and `-`, as Partner Center enum inputs are read.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let norm: String = s
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .collect::<String>()
            .to_lowercase();
        match norm.as_str() {
            "operator" => Ok(Self::Operator),
            "provider" | "indirectprovider" => Ok(Self::Provider),
            "reseller" | "indirectreseller" => Ok(Self::Reseller),
            "customer" => Ok(Self::Customer),
            _ => Err(DomainError::new("must be provider or reseller")),
        }
    }
    pub fn is_partner(self) -> bool {
        matches!(self, Self::Provider | Self::Reseller)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Operator => "Operator",
            Self::Provider => "Indirect provider",
            Self::Reseller => "Indirect reseller",
            Self::Customer => "Customer",
        }
    }
}

/// A tenant's display name: trimmed, 2–200 characters, no control characters.
pub fn parse_name(input: &str) -> Result<String, DomainError> {
    let name = input.trim();
    let len = name.chars().count();
    if len < 2 {
        return Err(DomainError::new("enter a name of at least 2 characters"));
    }
    if len > 200 {
        return Err(DomainError::new("use at most 200 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(DomainError::new("must not contain control characters"));
    }
    Ok(name.to_owned())
}
