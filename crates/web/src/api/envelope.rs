//! Partner Center's response shapes: a resource with `links.self` and `attributes` (its
//! etag), and a collection with its count and `links.next`.

use super::*;

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
