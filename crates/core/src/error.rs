use twotier_domain::authz::Permission;
use twotier_domain::{DomainError, FieldErrors};
use twotier_store::StoreError;

use crate::codes::Code;

/// What went wrong in a use case. The web layer renders it as a Partner Center error body or
/// as a message on the form; the CLI prints it.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Missing, or belongs to a tenant the actor has no relationship with.
    #[error("not found")]
    NotFound,
    #[error("sign-in required")]
    Unauthenticated,
    #[error("your roles do not allow this ({0:?})")]
    Forbidden(Permission),
    #[error("{0}")]
    Invalid(FieldErrors),
    /// A business rule refused the change, with the code that says which.
    #[error("{message}")]
    Rule { code: Code, message: String },
    /// The change was based on a version that is no longer current.
    #[error("the resource changed since you read it; reload and try again")]
    Stale,
    #[error("this request id was already used with a different request")]
    IdempotencyMismatch,
    #[error("a request with this request id is still being processed")]
    IdempotencyInFlight,
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    Throttled { retry_after_secs: u64 },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl CoreError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(FieldErrors::single(field, message))
    }
    pub fn rule(code: Code, message: impl Into<String>) -> Self {
        Self::Rule {
            code,
            message: message.into(),
        }
    }
    pub fn internal(message: &'static str) -> Self {
        Self::Internal(anyhow::anyhow!(message))
    }
    pub fn internal_msg(message: String) -> Self {
        Self::Internal(anyhow::anyhow!(message))
    }
    pub fn field(field: &str, e: DomainError) -> Self {
        Self::invalid(field, e.0)
    }
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict => {
                Self::rule(Code::Conflict, "this conflicts with an existing record")
            }
            StoreError::BadValue => Self::invalid(
                "input",
                "remove control characters such as NUL from the input",
            ),
            e => Self::Internal(anyhow::Error::new(e)),
        }
    }
}

impl From<FieldErrors> for CoreError {
    fn from(e: FieldErrors) -> Self {
        Self::Invalid(e)
    }
}

impl From<serde_json::Error> for CoreError {
    fn from(e: serde_json::Error) -> Self {
        Self::Internal(anyhow::Error::new(e))
    }
}
