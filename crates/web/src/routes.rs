//! The route table. Every route is registered with a policy by its resource's module; there is
//! no other way to add one, so a route without a policy cannot exist. The permission matrix
//! test walks this table.

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
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

/// Builds the router and its table together. Each resource module adds its own routes in
/// one line each (`r.api().get(path, policy, handler)`), so a route, its policy and its
/// handler are found in one file; there is no way to add one without a policy.
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

    /// JSON routes under `/v1`, bearer tokens only.
    pub fn api(&mut self) -> On<'_> {
        On {
            routes: self,
            surface: Surface::Api,
        }
    }

    /// HTML pages, session cookies only.
    pub fn pages(&mut self) -> On<'_> {
        On {
            routes: self,
            surface: Surface::Page,
        }
    }

    /// Operations endpoints and static files.
    pub fn ops(&mut self) -> On<'_> {
        On {
            routes: self,
            surface: Surface::Ops,
        }
    }

    fn add(
        &mut self,
        method: Method,
        path: &'static str,
        surface: Surface,
        policy: Policy,
        handler: MethodRouter<AppState>,
    ) {
        let guarded = handler.layer(axum_mw::from_fn(move |req: Request, next: Next| {
            enforce(surface, policy, req, next)
        }));
        let mut router = std::mem::take(&mut self.router);
        if let Some(rest) = path.strip_prefix("/v1/") {
            // Partner Center also accepts the version spelled `v1.0`.
            router = router.route(&format!("/v1.0/{rest}"), guarded.clone());
        }
        self.router = router.route(path, guarded);
        self.specs.push(RouteSpec {
            method,
            path,
            surface,
            policy,
        });
    }
}

/// The routes of one surface: each method named once, with its path, policy and handler.
#[derive(Debug)]
pub struct On<'a> {
    routes: &'a mut Routes,
    surface: Surface,
}

macro_rules! on_method {
    ($($name:ident => $method:ident),* $(,)?) => {$(
        pub fn $name<H, T>(self, path: &'static str, policy: Policy, handler: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.routes.add(Method::$method, path, self.surface, policy, axum::routing::$name(handler));
            self
        }
    )*};
}

impl On<'_> {
    on_method!(get => GET, post => POST, put => PUT, patch => PATCH, delete => DELETE, head => HEAD);
}

async fn enforce(surface: Surface, policy: Policy, req: Request, next: Next) -> Response {
    let principal = req.extensions().get::<Principal>().cloned();
    let wrong_kind = matches!(
        (&principal, surface),
        (Some(Principal::Bearer(_)), Surface::Page) | (Some(Principal::Session(_)), Surface::Api)
    );
    let principal = if wrong_kind { None } else { principal };
    // The page a GET asked for, kept through a pending sign-in step.
    let wanted = (req.method() == Method::GET)
        .then(|| req.uri().path_and_query().map(ToString::to_string))
        .flatten();
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
                return ui::redirect_to_step(step, wanted.as_deref());
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
    let mut routes = Routes::new();
    api::routes(&mut routes);
    ui::routes(&mut routes);
    (routes.router, routes.specs)
}

/// Every route with its policy, in registration order.
pub fn route_table() -> Vec<RouteSpec> {
    build().1
}
