//! Health, readiness, metrics and the OpenAPI document.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::routes::Routes;
use crate::routes::{Policy, Surface, route_table};

pub async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// Ready when the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.svc.ping().await {
        Ok(()) => Json(json!({ "status": "ready" })).into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "database unreachable" })),
        )
            .into_response(),
    }
}

/// Prometheus text. With `server.metrics_token` configured, only a scraper sending it as a
/// bearer token reads it (compared by hash, in constant time).
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &state.settings.metrics_token_sha256 {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| twotier_core::secrets::sha256_hex(t.trim()));
        if !presented.is_some_and(|p| twotier_core::secrets::constant_time_eq(&p, expected)) {
            let mut r = (
                StatusCode::UNAUTHORIZED,
                "the metrics need the bearer token of server.metrics_token\n",
            )
                .into_response();
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"metrics\""),
            );
            return r;
        }
    }
    let mut r = state.metrics.render(&state.svc.db_stats()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    r
}

/// An OpenAPI 3.1 document of every API route, built from the route table so it cannot
/// miss a route.
pub async fn openapi() -> Response {
    let mut paths: Map<String, Value> = Map::new();
    for spec in route_table()
        .into_iter()
        .filter(|s| s.surface != Surface::Page)
    {
        let mut op = json!({
            "operationId": format!("{}_{}", spec.method.as_str().to_lowercase(), spec.path.trim_start_matches('/').replace(['/', '{', '}', '.'], "_")),
            "responses": { "default": { "description": "Partner Center error body", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } },
        });
        match spec.policy {
            Policy::Public => op["security"] = json!([]),
            Policy::Permission(p) => op["x-twotier-permission"] = json!(format!("{p:?}")),
            Policy::SignedIn | Policy::Step => {}
        }
        let params: Vec<Value> = spec
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        let entry = paths
            .entry(spec.path.to_owned())
            .or_insert_with(|| json!({}));
        entry[spec.method.as_str().to_lowercase()] = op;
    }
    Json(json!({
        "openapi": "3.1.0",
        "info": { "title": "twotier (Partner Center v1 compatible)", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": { "Error": { "type": "object", "properties": {
                "code": { "type": "integer" }, "description": { "type": "string" },
                "data": { "type": "array", "items": { "type": "string" } }, "source": { "type": "string" } } } }
        },
        "security": [{ "bearer": [] }],
    }))
    .into_response()
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.ops()
        .get   ("/healthz",      Policy::Public, healthz)
        .get   ("/readyz",       Policy::Public, readyz)
        .get   ("/metrics",      Policy::Public, metrics)
        .get   ("/openapi.json", Policy::Public, openapi);
}
