//! HTTP: the Partner Center compatible JSON API under `/v1`, the server-rendered UI under `/`,
//! and the operations endpoints. Handlers extract, call one core function and render.

pub mod api;
pub mod client_addr;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod routes;
pub mod server;
pub mod throttle;
pub mod ui;

use std::sync::Arc;

use axum::Router;
use twotier_core::Services;

pub use routes::{Policy, RouteSpec, Surface, route_table};

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Public base URL; `https://` turns on Secure cookies.
    pub base_url: String,
    /// Largest request body accepted.
    pub body_limit_bytes: usize,
    /// API requests each tenant may make per minute (0: no limit). Counted per server process.
    pub tenant_requests_per_minute: u32,
    /// Reverse proxies whose `Forwarded`/`X-Forwarded-For` is believed (`client_addr`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// SHA-256 of the bearer token `/metrics` asks for; `None` leaves it open.
    pub metrics_token_sha256: Option<String>,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8080".to_owned(),
            body_limit_bytes: 1024 * 1024,
            tenant_requests_per_minute: 0,
            trusted_proxies: Vec::new(),
            metrics_token_sha256: None,
        }
    }
}

impl WebSettings {
    /// Served over https: Secure cookies and HSTS.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

#[derive(Debug, Clone)]
pub struct AppState {
    pub svc: Services,
    pub settings: Arc<WebSettings>,
    pub metrics: Arc<metrics::Metrics>,
    pub throttle: Arc<throttle::TenantThrottle>,
}

impl AppState {
    pub fn new(svc: Services, settings: WebSettings) -> Self {
        Self {
            svc,
            throttle: Arc::new(throttle::TenantThrottle::new(
                settings.tenant_requests_per_minute,
            )),
            settings: Arc::new(settings),
            metrics: Arc::new(metrics::Metrics::default()),
        }
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (routes, _) = routes::build();
    middleware::wrap(routes.with_state(state.clone()), state)
}
