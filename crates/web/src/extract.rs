//! Extractors: who is calling, the request ids, and request bodies read the Partner Center way
//! (property names case-insensitive, unknown properties ignored).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use http::request::Parts;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use twotier_core::auth::Session;
use twotier_core::write::IdempotencyKey;
use twotier_core::{CoreError, RequestMeta};
use twotier_domain::actor::Actor;

use crate::error::{ApiError, PageError};

/// Who made the request, resolved once by the middleware.
#[derive(Debug, Clone)]
pub enum Principal {
    Session(Arc<Session>),
    Bearer(Arc<Actor>),
}

impl Principal {
    pub fn actor(&self) -> &Actor {
        match self {
            Self::Session(s) => &s.actor,
            Self::Bearer(a) => a,
        }
    }
}

/// Request and correlation ids of this request (the client's, or generated).
#[derive(Debug, Clone)]
pub struct RequestIds {
    pub request_id: String,
    pub correlation_id: String,
    /// The client's own idempotency key (`MS-RequestId` or `Idempotency-Key`), if it sent one.
    pub client_key: Option<String>,
}

/// The API caller (bearer token).
#[derive(Debug, Clone)]
pub struct Caller(pub Arc<Actor>);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Principal>() {
            Some(Principal::Bearer(a)) => Ok(Self(a.clone())),
            _ => Err(ApiError(CoreError::Unauthenticated)),
        }
    }
}

/// The signed-in person on a page.
#[derive(Debug, Clone)]
pub struct Viewer(pub Arc<Session>);

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Principal>() {
            Some(Principal::Session(s)) => Ok(Self(s.clone())),
            _ => Err(PageError(CoreError::Unauthenticated)),
        }
    }
}

/// The signed-in person, if any (public pages that change with sign-in).
#[derive(Debug, Clone)]
pub struct MaybeViewer(pub Option<Arc<Session>>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeViewer {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(match parts.extensions.get::<Principal>() {
            Some(Principal::Session(s)) => Some(s.clone()),
            _ => None,
        }))
    }
}

fn ids(parts: &Parts) -> RequestIds {
    parts
        .extensions
        .get::<RequestIds>()
        .cloned()
        .unwrap_or_else(|| RequestIds {
            request_id: uuid::Uuid::new_v4().to_string(),
            correlation_id: uuid::Uuid::new_v4().to_string(),
            client_key: None,
        })
}

/// Request ids for a change without an idempotency key (pages, reads).
#[derive(Debug, Clone)]
pub struct Meta(pub RequestMeta);

impl<S: Send + Sync> FromRequestParts<S> for Meta {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ids = ids(parts);
        Ok(Self(RequestMeta {
            request_id: Some(ids.request_id),
            correlation_id: Some(ids.correlation_id),
            idempotency: None,
        }))
    }
}

/// A mutating API request: its JSON body and request ids, with the client's request id as an
/// idempotency key fingerprinted by method, path and canonical body.
#[derive(Debug)]
pub struct ApiWrite<T> {
    pub body: T,
    pub meta: RequestMeta,
}

/// For requests that carry no body.
#[derive(Debug, Default, serde::Deserialize)]
pub struct NoBody {}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiWrite<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let ids = ids(&parts);
        // The concrete path, not the route: a key reused on another object is another
        // request (422), never a replay of the first object's result.
        let route = parts.uri.path().replacen("/v1.0/", "/v1/", 1);
        let method = parts.method.clone();
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| {
                ApiError(CoreError::rule(
                    twotier_core::Code::InvalidRequest,
                    "the request body could not be read (too large?)",
                ))
            })?;
        let value = parse_json(&bytes)?;
        let body: T = serde_json::from_value(value.clone()).map_err(|e| {
            ApiError(CoreError::rule(
                twotier_core::Code::InvalidRequest,
                format!("Invalid property in the request body: {}", clean_serde(&e)),
            ))
        })?;
        let idempotency = ids.client_key.map(|key| {
            let mut h = Sha256::new();
            h.update(method.as_str().as_bytes());
            h.update(b" ");
            h.update(route.as_bytes());
            h.update(b"\n");
            h.update(value.to_string().as_bytes());
            IdempotencyKey {
                key,
                fingerprint: hex::encode(h.finalize()),
            }
        });
        Ok(Self {
            body,
            meta: RequestMeta {
                request_id: Some(ids.request_id),
                correlation_id: Some(ids.correlation_id),
                idempotency,
            },
        })
    }
}

/// Parses a JSON body (empty means `{}`) and rewrites its property names to snake_case.
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError(CoreError::rule(
            twotier_core::Code::InvalidRequest,
            format!("The request body is not valid JSON: {}", clean_serde(&e)),
        ))
    })?;
    Ok(twotier_core::lenient::snake_keys(value))
}

/// serde's message without Rust type names.
fn clean_serde(e: &serde_json::Error) -> String {
    let s = e.to_string();
    s.replace("invalid type: ", "")
        .replace("struct ", "")
        .replace("`", "")
}

/// The client's address for sign-in throttling (`client_addr`): the socket peer, or what a
/// configured trusted proxy says it is; `None` when a trusted proxy did not say. Requests
/// made in-process (tests) have no peer and share one address.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<String>);

impl FromRequestParts<crate::AppState> for ClientAddr {
    type Rejection = PageError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
        else {
            return Ok(Self(Some("in-process".to_owned())));
        };
        Ok(Self(
            crate::client_addr::client_address(
                peer,
                &parts.headers,
                &state.settings.trusted_proxies,
            )
            .map(|ip| ip.to_string()),
        ))
    }
}
