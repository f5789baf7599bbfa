//! Partner Center's response shapes: a resource with `links.self` and `attributes` (its
//! etag), and a collection with its count and `links.next`. Both are typed; no handler
//! builds an envelope from JSON values.

use super::*;
use serde_json::Value;

/// `links.self` of a resource.
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

impl Link {
    pub fn get(uri: String) -> Self {
        Self {
            uri,
            method: "GET",
            headers: [],
        }
    }
}

/// `attributes`: the object type and, for a resource a client may change, its etag.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attributes {
    pub object_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

/// The one envelope of every API resource: its body with Partner Center's `links.self` and
/// `attributes`, serialised in one pass. A response that adds fields to a resource (a secret
/// shown once, a link) flattens this next to them.
#[derive(Debug, Serialize)]
pub struct Annotated<T> {
    #[serde(flatten)]
    pub body: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<SelfLinks>,
    pub attributes: Attributes,
}

impl<T: Serialize> Annotated<T> {
    /// A resource whose etag is a version the caller knows (what changes send back).
    pub fn new(body: T, object_type: &'static str, self_uri: String, etag: String) -> Self {
        Self::with(body, object_type, Some(self_uri), Some(etag))
    }

    /// A resource whose etag is a hash of its content, so it changes whenever the resource
    /// does.
    pub fn hashed(body: T, object_type: &'static str, self_uri: String) -> Self {
        let etag = serde_json::to_vec(&body)
            .map(|bytes| hex::encode(&Sha256::digest(&bytes)[..12]))
            .unwrap_or_default();
        Self::with(body, object_type, Some(self_uri), Some(etag))
    }

    /// A resource the API cannot change, so it carries no etag.
    pub fn unversioned(body: T, object_type: &'static str, self_uri: String) -> Self {
        Self::with(body, object_type, Some(self_uri), None)
    }

    /// A value with only its object type (an upgrade option, an operation's result).
    pub fn typed(body: T, object_type: &'static str) -> Self {
        Self::with(body, object_type, None, None)
    }

    fn with(
        body: T,
        object_type: &'static str,
        self_uri: Option<String>,
        etag: Option<String>,
    ) -> Self {
        Self {
            body,
            links: self_uri.map(|uri| SelfLinks {
                this: Link::get(uri),
            }),
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
            this: Link::get(self_uri.to_owned()),
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

pub fn ok<T: Serialize>(body: T) -> ApiResult {
    Ok(Json(body).into_response())
}

pub fn created<T: Serialize>(body: T) -> ApiResult {
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The etag a change is based on: `If-Match`, or the `attributes.etag` of the body sent back
/// (Partner Center's clients do either).
pub fn if_match(headers: &HeaderMap, attributes: Option<&Value>) -> Option<String> {
    headers
        .get(http::header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            attributes
                .and_then(|a| a.get("etag"))
                .and_then(|e| e.as_str().map(str::to_owned))
        })
}

/// The `credential` field of a response that creates a secret: `issued` when this response
/// carries it, `already_issued` when it is a retry's replay, which never shows it again.
pub fn credential(issued: bool) -> &'static str {
    if issued { "issued" } else { "already_issued" }
}
