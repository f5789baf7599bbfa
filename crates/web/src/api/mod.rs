//! The JSON API: Partner Center shapes under `/v1` (also `/v1.0`).

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
use serde_json::{Value, json};
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

/// A single resource with Partner Center's `links.self` and `attributes`. The etag is a hash
/// of the resource's content, so it changes whenever the resource does.
pub fn resource<T: Serialize>(value: &T, object_type: &str, self_uri: &str) -> Value {
    let mut v = serde_json::to_value(value).unwrap_or(Value::Null);
    if let Value::Object(map) = &v {
        let etag =
            hex::encode(&Sha256::digest(Value::Object(map.clone()).to_string().as_bytes())[..12]);
        annotate(&mut v, object_type, self_uri, &etag);
    }
    v
}

/// Adds `links.self` and `attributes` to a resource already turned into JSON, with an etag
/// the caller knows (a version), which spares hashing the body: lists of many resources
/// are the API's hottest path.
pub fn annotate(v: &mut Value, object_type: &str, self_uri: &str, etag: &str) {
    if let Value::Object(map) = v {
        map.insert(
            "links".to_owned(),
            json!({ "self": { "uri": self_uri, "method": "GET", "headers": [] } }),
        );
        map.insert(
            "attributes".to_owned(),
            json!({ "objectType": object_type, "etag": etag }),
        );
    }
}

/// `links.self` of a resource, typed (see [`Annotated`]).
#[derive(Debug, Serialize)]
pub struct SelfLinks {
    #[serde(rename = "self")]
    pub this: Link,
}

#[derive(Debug, Serialize)]
pub struct Link {
    pub uri: String,
    pub method: &'static str,
    pub headers: [(); 0],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attributes {
    pub object_type: &'static str,
    pub etag: String,
}

/// A resource with `links.self` and `attributes`, serialised in one pass without building a
/// `Value`: what [`annotate`] does, for the hot paths (long lists).
#[derive(Debug, Serialize)]
pub struct Annotated<T> {
    #[serde(flatten)]
    pub body: T,
    pub links: SelfLinks,
    pub attributes: Attributes,
}

impl<T> Annotated<T> {
    pub fn new(body: T, object_type: &'static str, self_uri: String, etag: String) -> Self {
        Self {
            body,
            links: SelfLinks {
                this: Link {
                    uri: self_uri,
                    method: "GET",
                    headers: [],
                },
            },
            attributes: Attributes { object_type, etag },
        }
    }
}

/// A collection of typed items, shaped as [`collection`] shapes one of `Value`s.
pub fn typed_collection<T: Serialize>(
    items: &[T],
    self_uri: &str,
    next: Option<String>,
) -> ApiResult {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Collection<'a, T> {
        total_count: usize,
        items: &'a [T],
        links: Value,
        attributes: Value,
    }
    let shell = collection(Vec::new(), 0, self_uri, next);
    Ok(Json(Collection {
        total_count: items.len(),
        items,
        links: shell["links"].clone(),
        attributes: shell["attributes"].clone(),
    })
    .into_response())
}

/// A Partner Center collection; `next` carries the continuation token for the next page.
pub fn collection(items: Vec<Value>, total: i64, self_uri: &str, next: Option<String>) -> Value {
    let mut links = json!({ "self": { "uri": self_uri, "method": "GET", "headers": [] } });
    if let Some(token) = next {
        links["next"] = json!({
            "uri": self_uri, "method": "GET",
            "headers": [{ "key": "MS-ContinuationToken", "value": token }]
        });
    }
    json!({ "totalCount": total, "items": items, "links": links, "attributes": { "objectType": "Collection" } })
}

pub fn ok(v: Value) -> ApiResult {
    Ok(Json(v).into_response())
}

pub fn created(v: Value) -> ApiResult {
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// Encodes a keyset cursor as an opaque continuation token.
pub fn encode_cursor<T: Serialize>(cursor: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

/// Reads `MS-ContinuationToken`; a token that was not ours is a 400, not a 500.
pub fn continuation<T: DeserializeOwned>(headers: &HeaderMap) -> Result<Option<T>, ApiError> {
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

/// `size`: default 100, at most 500 (Partner Center's paging).
pub fn page_size(size: Option<&str>) -> Result<i64, ApiError> {
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
