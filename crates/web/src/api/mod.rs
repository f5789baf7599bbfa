//! The JSON API: Partner Center shapes under `/v1` (also `/v1.0`).

pub mod envelope;
mod paging;

pub use envelope::{Annotated, Collection, collection, created, credential, if_match, ok};
pub use paging::{Paging, encode_cursor};

pub mod apps;
pub mod audit;
pub mod customer_relationships;
pub mod customers;
pub mod incentives;
pub mod licences;
pub mod oauth;
pub mod offers;
pub mod ops;
pub mod orders;
pub mod partners;
pub mod partnerships;
pub mod profiles;
pub mod relationships;
pub mod subscriptions;
pub mod tokens;
pub mod users;

use axum::Json;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use twotier_core::CoreError;

use crate::error::ApiError;
use crate::routes::Routes;

pub type ApiResult = Result<Response, ApiError>;

pub fn routes(r: &mut Routes) {
    oauth::routes(r);
    partners::routes(r);
    users::routes(r);
    apps::routes(r);
    tokens::routes(r);
    audit::routes(r);
    relationships::routes(r);
    partnerships::routes(r);
    profiles::routes(r);
    customers::routes(r);
    customer_relationships::routes(r);
    licences::routes(r);
    offers::routes(r);
    orders::routes(r);
    subscriptions::routes(r);
    incentives::routes(r);
    ops::routes(r);
}

/// Partner Center's `filter` query parameter: `{"Field": …, "Value": …, "Operator": …}`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Filter {
    pub field: String,
    pub value: String,
    #[serde(default)]
    pub operator: String,
}

pub fn parse_filter(raw: Option<&str>) -> Result<Option<Filter>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let value = crate::extract::parse_json(raw.as_bytes())
        .map_err(|_| ApiError(CoreError::invalid("filter", "filter must be JSON such as {\"Field\":\"Name\",\"Value\":\"Con\",\"Operator\":\"starts_with\"}")))?;
    serde_json::from_value(value).map(Some).map_err(|_| {
        ApiError(CoreError::invalid(
            "filter",
            "filter needs Field, Value and Operator",
        ))
    })
}

/// Parses an id from the path; a malformed id is simply not found.
pub fn path_id<T>(raw: &str, parse: fn(&str) -> Option<T>) -> Result<T, ApiError> {
    parse(raw).ok_or(ApiError(CoreError::NotFound))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every resource goes out through [`super::Annotated`] and every list through
    /// [`super::Collection`]: no handler writes Partner Center's envelope fields by hand.
    #[test]
    fn resources_use_the_one_envelope() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
        let mut found = Vec::new();
        let mut scanned = 0;
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == "envelope.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            scanned += 1;
            for (n, line) in text.lines().enumerate() {
                for field in ["\"objectType\"", "\"links\"", "\"attributes\"", "\"etag\""] {
                    if line.contains(field) && !line.trim_start().starts_with("//") {
                        found.push(format!("{}:{}: {field}", path.display(), n + 1));
                    }
                }
            }
        }
        assert!(scanned > 10, "scanned only {scanned} files");
        assert!(
            found.is_empty(),
            "use api::Annotated:\n{}",
            found.join("\n")
        );
    }
}
