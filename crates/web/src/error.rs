//! Errors rendered two ways: a Partner Center error body for the API, a page for people.

use axum::Json;
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use twotier_core::{Code, CoreError};

/// Partner Center's error body.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub code: u32,
    pub description: String,
    pub data: Vec<String>,
    pub source: &'static str,
}

/// The cause of a 5xx, put into the response extensions so the middleware logs it once with
/// the request id and replaces the body.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

#[derive(Debug)]
pub struct ApiError(pub CoreError);

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        Self(e)
    }
}

pub fn error_body(
    status: StatusCode,
    code: u32,
    description: impl Into<String>,
    data: Vec<String>,
) -> Response {
    (
        status,
        Json(ErrorBody {
            code,
            description: description.into(),
            data,
            source: "twotier",
        }),
    )
        .into_response()
}

/// The one HTTP status of each rule code.
#[must_use]
pub const fn status_of(code: Code) -> StatusCode {
    match code {
        Code::InvalidRequest
        | Code::QuantityAndStatusTogether
        | Code::QuantityOutOfRange
        | Code::NotYourReseller
        | Code::LineItemNumbers
        | Code::AgreementQueryInvalid
        | Code::AgreementQueryEmpty
        | Code::MpnUnknown
        | Code::TenantUnknown
        | Code::TenantAgreementMissing
        | Code::MpnAgreementMissing
        | Code::RegionMismatch
        | Code::NotReseller => StatusCode::BAD_REQUEST,
        Code::TwoFactorRoundOver => StatusCode::UNAUTHORIZED,
        Code::ProviderDecides
        | Code::ProviderOnly
        | Code::ResellerAgreementMissing
        | Code::AgreementMissing
        | Code::NotProvider
        | Code::NotCustomerAdmin
        | Code::ResellerCannotEnd
        | Code::PersonRequired
        | Code::CustomerAdminsOnly
        | Code::NoDelegatedAdmin
        | Code::SignInIncomplete
        | Code::TwoFactorRequired => StatusCode::FORBIDDEN,
        Code::ProviderNotPartnerOnRecord
        | Code::MpnNotFound
        | Code::LinkUnknown
        | Code::PartnerNotFound => StatusCode::NOT_FOUND,
        Code::Conflict
        | Code::SubscriptionCancelled
        | Code::StatusTransition
        | Code::UpgradeNotEligible
        | Code::DecreaseAfterWindow
        | Code::SubscriptionSuspended
        | Code::CancelAfterWindow
        | Code::LicencesAssigned
        | Code::NoLicenceLeft
        | Code::LinkNotPending
        | Code::AlreadyPartnered
        | Code::ResellerNotPartnered
        | Code::AlreadyRelated
        | Code::NoRelationship
        | Code::ActiveSubscriptions
        | Code::TwoFactorAlreadyOn => StatusCode::CONFLICT,
        Code::LinkUsed | Code::LinkExpired | Code::LinkRevoked => StatusCode::GONE,
        Code::EtagRequired => StatusCode::PRECONDITION_FAILED,
    }
}

/// Status, Partner Center code and description of a core error.
pub fn classify(e: &CoreError) -> (StatusCode, u32, String) {
    match e {
        CoreError::NotFound => (
            StatusCode::NOT_FOUND,
            1000,
            "The requested resource was not found".to_owned(),
        ),
        CoreError::Unauthenticated => (
            StatusCode::UNAUTHORIZED,
            400,
            "Access denied: sign in or send a valid bearer token".to_owned(),
        ),
        CoreError::Forbidden(p) => (
            StatusCode::FORBIDDEN,
            900_150,
            format!(
                "The supplied role does not have the rights to perform the requested operation ({p:?})"
            ),
        ),
        CoreError::Invalid(fields) => {
            let first = fields.iter().next().map_or_else(
                || "Invalid input".to_owned(),
                |(f, m)| format!("Invalid property {f}: {m}"),
            );
            (StatusCode::BAD_REQUEST, 3000, first)
        }
        CoreError::Rule { code, message } => (status_of(*code), code.number(), message.clone()),
        CoreError::Stale => (
            StatusCode::PRECONDITION_FAILED,
            2055,
            "Etag is no longer valid: the resource changed; read it again".to_owned(),
        ),
        CoreError::IdempotencyMismatch => (
            StatusCode::UNPROCESSABLE_ENTITY,
            3000,
            "This MS-RequestId was already used for a different request; send a new request id"
                .to_owned(),
        ),
        CoreError::IdempotencyInFlight => (
            StatusCode::CONFLICT,
            800_060,
            "A request with this MS-RequestId is still in progress; retry shortly".to_owned(),
        ),
        CoreError::Throttled { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            429,
            format!("Rate limit is exceeded. Try again in {retry_after_secs} seconds."),
        ),
        CoreError::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            500,
            "internal error".to_owned(),
        ),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, description) = classify(&self.0);
        match self.0 {
            CoreError::Invalid(fields) => {
                let data = fields.iter().map(|(f, m)| format!("{f}: {m}")).collect();
                error_body(status, code, description, data)
            }
            CoreError::Throttled { retry_after_secs } => {
                // Partner Center's 429 body has its own shape.
                let body = serde_json::json!({ "statusCode": 429, "message": description });
                let mut r = (status, Json(body)).into_response();
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                r
            }
            CoreError::IdempotencyInFlight => {
                let mut r = error_body(status, code, description, Vec::new());
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                r
            }
            CoreError::Unauthenticated => {
                let mut r = error_body(status, code, description, Vec::new());
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"twotier\""),
                );
                r
            }
            CoreError::Internal(cause) => {
                let mut r = error_body(status, code, description, Vec::new());
                r.extensions_mut()
                    .insert(InternalCause(format!("{cause:#}")));
                r
            }
            _ => error_body(status, code, description, Vec::new()),
        }
    }
}

/// An error on a page: a short page with the message, or the sign-in page.
#[derive(Debug)]
pub struct PageError(pub CoreError);

/// What a page handler returns: `?` on a core call turns its error into the error page.
pub type PageResult = Result<Response, PageError>;

impl From<CoreError> for PageError {
    fn from(e: CoreError) -> Self {
        Self(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, _, _) = classify(&self.0);
        let (title, message) = match &self.0 {
            CoreError::Unauthenticated => return Redirect::to("/login").into_response(),
            CoreError::NotFound => (
                "Not found",
                "There is nothing here, or it is not yours to see.".to_owned(),
            ),
            CoreError::Forbidden(_) => (
                "Not allowed",
                "Your roles do not allow this. Ask a Global admin of your organisation.".to_owned(),
            ),
            CoreError::Invalid(fields) => ("Check your input", fields.sentences()),
            CoreError::Stale => (
                "Changed meanwhile",
                "Someone changed this since you opened it. Reload the page and try again."
                    .to_owned(),
            ),
            CoreError::Internal(_) => ("Something went wrong", "internal error".to_owned()),
            other => ("Not possible", other.to_string()),
        };
        let mut r = crate::ui::error_page(status, title, &message);
        if let CoreError::Internal(cause) = self.0 {
            r.extensions_mut()
                .insert(InternalCause(format!("{cause:#}")));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use strum::IntoEnumIterator;

    use super::*;

    /// A code number means one status, whichever rule raised it.
    #[test]
    fn each_code_number_has_one_status() {
        let mut seen: HashMap<u32, (Code, StatusCode)> = HashMap::new();
        for code in Code::iter() {
            let status = status_of(code);
            if let Some((first, s)) = seen.insert(code.number(), (code, status)) {
                assert_eq!(s, status, "{first:?} and {code:?} share {}", code.number());
            }
        }
        // A stale etag and a missing one are the same code, so the same status.
        let (status, number, _) = classify(&CoreError::Stale);
        assert_eq!(seen[&number].1, status);
    }
}
