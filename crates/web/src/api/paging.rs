//! Paging of lists: the keyset cursor carried as an opaque `MS-ContinuationToken`, and the
//! `Paging` extractor that reads it with `size`.

use super::*;

/// Encodes a keyset cursor as an opaque continuation token.
pub fn encode_cursor<T: Serialize>(cursor: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

/// Reads `MS-ContinuationToken`; a token that was not ours is a 400, not a 500.
fn continuation<T: DeserializeOwned>(headers: &HeaderMap) -> Result<Option<T>, ApiError> {
    let Some(raw) = headers
        .get("ms-continuationtoken")
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(raw.trim())
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError(CoreError::rule(
                twotier_core::Code::InvalidRequest,
                "The MS-ContinuationToken header is not a valid continuation token",
            ))
        })
}

/// One page of a Partner Center list, as the request asks for it: `size` from the query
/// (default 100, at most 500; 0, which Microsoft's generated clients send when no size was
/// given, is the default) and the `MS-ContinuationToken` header, which carries the keyset
/// cursor `C` of the page before. A bad size or a token that was not ours is a 400.
#[derive(Debug)]
pub struct Paging<C> {
    pub size: i64,
    pub cursor: Option<C>,
}

impl<S: Send + Sync, C: DeserializeOwned> axum::extract::FromRequestParts<S> for Paging<C> {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let size = parts.uri.query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find_map(|(k, v)| (k == "size").then_some(v))
        });
        Ok(Self {
            size: page_size(size.as_deref().filter(|s| s.trim() != "0"))?,
            cursor: continuation(&parts.headers)?,
        })
    }
}

/// `size`: default 100, at most 500 (Partner Center's paging).
fn page_size(size: Option<&str>) -> Result<i64, ApiError> {
    match size.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(100),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=500).contains(&n) => Ok(n),
            _ => Err(ApiError(CoreError::invalid(
                "size",
                "size must be a number from 1 to 500",
            ))),
        },
    }
}
