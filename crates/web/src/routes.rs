//! The route table. Every route is registered with a policy; there is no other way to add
//! one, so a route without a policy cannot exist. The permission matrix test walks this table.

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self as axum_mw, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use http::Method;
use twotier_domain::authz::Permission;

use crate::error::{ApiError, PageError};
use crate::extract::Principal;
use crate::{AppState, api, ui};

/// Who may call a route, checked before the handler runs. Finer decisions (which tenant's
/// object) are made by `twotier_core::authz` inside the use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// No sign-in needed.
    Public,
    /// Signed in, with any roles (or none); the use case decides.
    SignedIn,
    /// Signed in but possibly with a pending step (password change, two-factor).
    Step,
    /// Signed in with a role that carries the permission.
    Permission(Permission),
}

/// Which kind of credential a route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// JSON, bearer tokens only.
    Api,
    /// HTML, session cookie only, CSRF-checked.
    Page,
    /// Operations endpoints and static files.
    Ops,
}

#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub surface: Surface,
    pub policy: Policy,
}

/// Builds the router and its table together.
pub struct Routes {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes")
            .field("specs", &self.specs)
            .finish_non_exhaustive()
    }
}

impl Routes {
    fn new() -> Self {
        Self {
            router: Router::new(),
            specs: Vec::new(),
        }
    }

    pub fn add(
        mut self,
        method: Method,
        path: &'static str,
        surface: Surface,
        policy: Policy,
        handler: MethodRouter<AppState>,
    ) -> Self {
        let guarded = handler.layer(axum_mw::from_fn(move |req: Request, next: Next| {
            enforce(surface, policy, req, next)
        }));
        if let Some(rest) = path.strip_prefix("/v1/") {
            // Partner Center also accepts the version spelled `v1.0`.
            self.router = self.router.route(&format!("/v1.0/{rest}"), guarded.clone());
        }
        self.router = self.router.route(path, guarded);
        self.specs.push(RouteSpec {
            method,
            path,
            surface,
            policy,
        });
        self
    }
}

async fn enforce(surface: Surface, policy: Policy, req: Request, next: Next) -> Response {
    let principal = req.extensions().get::<Principal>().cloned();
    let wrong_kind = matches!(
        (&principal, surface),
        (Some(Principal::Bearer(_)), Surface::Page) | (Some(Principal::Session(_)), Surface::Api)
    );
    let principal = if wrong_kind { None } else { principal };
    let refuse = |e: twotier_core::CoreError| -> Response {
        match surface {
            Surface::Page => PageError::from(e).into_response(),
            Surface::Api | Surface::Ops => ApiError::from(e).into_response(),
        }
    };
    match policy {
        Policy::Public => next.run(req).await,
        Policy::Step | Policy::SignedIn | Policy::Permission(_) => {
            let Some(principal) = principal else {
                return refuse(twotier_core::CoreError::Unauthenticated);
            };
            if policy != Policy::Step
                && let Principal::Session(s) = &principal
                && let Some(step) = s.pending
            {
                return ui::redirect_to_step(step);
            }
            if let Policy::Permission(p) = policy
                && !principal.actor().can(p)
            {
                return refuse(twotier_core::CoreError::Forbidden(p));
            }
            next.run(req).await
        }
    }
}

/// The router (without state) and its table.
pub fn build() -> (Router<AppState>, Vec<RouteSpec>) {
    let routes = Routes::new();
    let routes = api::routes(routes);
    let routes = ui::routes(routes);
    (routes.router, routes.specs)
}

/// Every route with its policy, in registration order.
pub fn route_table() -> Vec<RouteSpec> {
    build().1
}
