//! Errors rendered two ways: a Partner Center error body for the API, a page for people.

use axum::Json;
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use twotier_core::CoreError;

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
            let first = fields
                .iter()
                .next()
                .map(|(f, m)| format!("Invalid property {f}: {m}"))
                .unwrap_or_else(|| "Invalid input".to_owned());
            (StatusCode::BAD_REQUEST, 3000, first)
        }
        CoreError::Rule {
            code,
            status,
            message,
        } => (
            StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST),
            *code,
            message.clone(),
        ),
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
            CoreError::Invalid(fields) => ("Check your input", fields.to_string()),
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
