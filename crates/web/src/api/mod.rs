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

/// Partner Center's collection: the items, their count, `links.self` and, when there is a
/// next page, `links.next` with its continuation token.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Collection<T> {
    pub total_count: i64,
    pub items: Vec<T>,
    pub links: CollectionLinks,
    pub attributes: CollectionAttributes,
}

#[derive(Debug, Serialize)]
pub struct CollectionLinks {
    #[serde(rename = "self")]
    pub this: Link,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<NextLink>,
}

/// The link to the next page: the same URI with `MS-ContinuationToken` set.
#[derive(Debug, Serialize)]
pub struct NextLink {
    pub uri: String,
    pub method: &'static str,
    pub headers: [Header; 1],
}

#[derive(Debug, Serialize)]
pub struct Header {
    pub key: &'static str,
    pub value: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionAttributes {
    pub object_type: &'static str,
}

/// A collection response; `total` is the list's count where the use case knows it (else the
/// page's, as Partner Center does), `next` the continuation token of the next page.
pub fn collection<T: Serialize>(
    items: Vec<T>,
    total: i64,
    self_uri: &str,
    next: Option<String>,
) -> ApiResult {
    Ok(Json(Collection {
        total_count: total,
        items,
        links: CollectionLinks {
            this: Link {
                uri: self_uri.to_owned(),
                method: "GET",
                headers: [],
            },
            next: next.map(|token| NextLink {
                uri: self_uri.to_owned(),
                method: "GET",
                headers: [Header {
                    key: "MS-ContinuationToken",
                    value: token,
                }],
            }),
        },
        attributes: CollectionAttributes {
            object_type: "Collection",
        },
    })
    .into_response())
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
