//! The layers around every request: request ids, principal resolution, CSRF checks,
//! security headers, metrics, and the last line that turns any failure into a clean body.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self as axum_mw, Next};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use tower_http::catch_panic::CatchPanicLayer;
use tracing::Instrument as _;
use twotier_core::CoreError;
use twotier_core::secrets::constant_time_eq;

use crate::AppState;
use crate::error::{ApiError, InternalCause, PageError, error_body};
use crate::extract::{Principal, RequestIds};

pub const SESSION_COOKIE: &str = "tt_session";

/// True for paths served as JSON.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/v1/")
        || path.starts_with("/v1.0/")
        || path == "/v1"
        || path.starts_with("/oauth2/")
}

pub fn wrap(router: Router, state: AppState) -> Router {
    router
        .route_layer(axum_mw::from_fn_with_state(state.clone(), record_metrics))
        .fallback(not_found)
        .layer(axum_mw::from_fn_with_state(state.clone(), check_csrf))
        .layer(axum_mw::from_fn_with_state(state.clone(), throttle_tenants))
        .layer(axum_mw::from_fn_with_state(
            state.clone(),
            resolve_principal,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(
            state.settings.body_limit_bytes,
        ))
        .layer(axum_mw::from_fn(finalize))
        .layer(axum_mw::from_fn_with_state(state.clone(), request_ids))
        .layer(CatchPanicLayer::custom(|_| {
            let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            r.extensions_mut()
                .insert(InternalCause("handler panicked".to_owned()));
            r
        }))
}

async fn not_found(req: Request) -> Response {
    if is_api_path(req.uri().path()) {
        ApiError(CoreError::NotFound).into_response()
    } else {
        PageError(CoreError::NotFound).into_response()
    }
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 255 && s.chars().all(|c| c.is_ascii_graphic()))
        .map(str::to_owned)
}

/// Takes the client's `MS-RequestId`/`Idempotency-Key` and `MS-CorrelationId` (or makes
/// new ones), echoes them on the response, adds the security headers (HSTS when served
/// over https) and logs one line per request.
async fn request_ids(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let client_key = header_str(req.headers(), "ms-requestid")
        .or_else(|| header_str(req.headers(), "idempotency-key"));
    let request_id = client_key
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let correlation_id = header_str(req.headers(), "ms-correlationid")
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestIds {
        request_id: request_id.clone(),
        correlation_id: correlation_id.clone(),
        client_key,
    });
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let span = tracing::info_span!("request", request_id = %request_id, correlation_id = %correlation_id, method = %method, path = %path);
    let started = Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    let status = response.status();
    let cause = response.extensions().get::<InternalCause>().cloned();
    span.in_scope(|| {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if let Some(cause) = &cause {
            tracing::error!(status = status.as_u16(), latency_ms = ms, error = %cause.0, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), latency_ms = ms, "request");
        }
    });
    if status.is_server_error() {
        // Whatever failed, the client sees only "internal error" and the request id.
        response = if is_api_path(&path) {
            error_body(
                status,
                500,
                "internal error",
                vec![format!("request id {request_id}")],
            )
        } else {
            crate::ui::error_page(
                status,
                "Something went wrong",
                &format!("internal error (request id {request_id})"),
            )
        };
    }
    let headers = response.headers_mut();
    if headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/json")
    {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("ms-requestid", v);
    }
    if let Ok(v) = HeaderValue::from_str(&correlation_id) {
        headers.insert("ms-correlationid", v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if state.settings.secure_cookies() {
        // Served over https: browsers keep to https for a year.
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if !is_api_path(&path) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
        );
    }
    response
}

/// Gives framework rejections (bad path, bad query, wrong method, body too large) our
/// error format: Partner Center JSON on the API, a page elsewhere. Error pages are shown in
/// the signed-in layout when someone is signed in, and a page that needs a sign-in sends
/// the person to it with `next`, so the deep link survives.
async fn finalize(req: Request, next: Next) -> Response {
    let api = is_api_path(req.uri().path());
    let wanted = (req.method() == Method::GET)
        .then(|| req.uri().path_and_query().map(ToString::to_string))
        .flatten();
    let mut response = next.run(req).await;
    let status = response.status();
    if api {
        return finalize_api(response).await;
    }
    if let Some(wanted) = wanted
        && status == StatusCode::SEE_OTHER
        && response
            .headers()
            .get(header::LOCATION)
            .map(HeaderValue::as_bytes)
            == Some(b"/login")
        && wanted != "/"
    {
        let to = crate::ui::with_next("/login", &wanted);
        if let Ok(v) = HeaderValue::from_str(&to) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        return response;
    }
    let session = match response.extensions().get::<Principal>() {
        Some(Principal::Session(s)) if s.pending.is_none() => Some(s.clone()),
        _ => None,
    };
    if let Some(content) = response
        .extensions()
        .get::<crate::ui::ErrorContent>()
        .cloned()
    {
        return match session {
            Some(s) => keep_internal_cause(
                &response,
                crate::ui::signed_in_error_page(&s, status, &content),
            ),
            None => response,
        };
    }
    if !status.is_client_error()
        || is_ours(&response, "text/html")
        || response.headers().contains_key(header::LOCATION)
    {
        return response;
    }
    let description = rejection_description(status, response).await.1;
    let content = crate::ui::ErrorContent {
        heading: "Not possible".to_owned(),
        message: description,
    };
    match session {
        Some(s) => crate::ui::signed_in_error_page(&s, status, &content),
        None => crate::ui::error_page(status, &content.heading, &content.message),
    }
}

async fn finalize_api(response: Response) -> Response {
    let status = response.status();
    if !status.is_client_error()
        || is_ours(&response, "application/json")
        || response.headers().contains_key(header::LOCATION)
    {
        return response;
    }
    let (code, description) = rejection_description(status, response).await;
    error_body(status, code, description, Vec::new())
}

/// A re-rendered page keeps the cause of a 5xx for the log line.
fn keep_internal_cause(from: &Response, mut to: Response) -> Response {
    if let Some(cause) = from.extensions().get::<InternalCause>().cloned() {
        to.extensions_mut().insert(cause);
    }
    to
}

fn is_ours(response: &Response, content_type: &str) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(content_type))
}

/// The Partner Center code and a description of a framework rejection.
async fn rejection_description(status: StatusCode, response: Response) -> (u32, String) {
    let detail = String::from_utf8_lossy(
        &to_bytes(response.into_body(), 4096)
            .await
            .unwrap_or_default(),
    )
    .chars()
    .take(300)
    .collect::<String>();
    match status {
        StatusCode::NOT_FOUND => (1000, "The requested resource was not found".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => (
            405,
            "This method is not allowed on this resource".to_owned(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (3000, "The request body is too large".to_owned()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            (3000, "Send the body as application/json".to_owned())
        }
        _ if detail.is_empty() => (3000, "The request is not valid".to_owned()),
        _ => (3000, format!("The request is not valid: {detail}")),
    }
}

/// Resolves the bearer token (API) or session cookie (pages) once per request.
async fn resolve_principal(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let principal = if is_api_path(&path) {
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() < 200)
            .map(str::to_owned);
        match token {
            Some(t) => match twotier_core::auth::resolve_bearer(&state.svc, &t).await {
                Ok(a) => a.map(|a| Principal::Bearer(Arc::new(a))),
                Err(e) => return ApiError(e).into_response(),
            },
            None => None,
        }
    } else {
        match session_cookie(req.headers()) {
            Some(t) => match twotier_core::auth::resolve_session(&state.svc, &t).await {
                Ok(s) => {
                    req.extensions_mut().insert(SessionToken(t));
                    s.map(|s| Principal::Session(Arc::new(s)))
                }
                Err(e) => return PageError(e).into_response(),
            },
            None => None,
        }
    };
    let token = req.extensions().get::<SessionToken>().cloned();
    let session = match &principal {
        Some(p @ Principal::Session(_)) => Some(p.clone()),
        _ => None,
    };
    if let Some(p) = principal {
        req.extensions_mut().insert(p);
    }
    let mut response = match (&session, token) {
        (Some(Principal::Session(s)), Some(token)) if !req.method().is_safe() => {
            // A change runs to its end in a task of its own, even when the browser gives up
            // on the request (a double-click cancels the first submit): its secret is then
            // kept for the repeat to find.
            let s = Arc::clone(s);
            let change = async move {
                let response = next.run(req).await;
                crate::ui::shown_once::redirect_to_page(&state, &s, &token, response).await
            };
            match tokio::spawn(change.instrument(tracing::Span::current())).await {
                Ok(response) => response,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            }
        }
        (Some(Principal::Session(s)), Some(token)) => {
            let response = next.run(req).await;
            crate::ui::shown_once::redirect_to_page(&state, s, &token, response).await
        }
        _ => next.run(req).await,
    };
    // The outer layer (finalize) shows error pages in this person's signed-in layout.
    if let Some(session) = session {
        response.extensions_mut().insert(session);
    }
    response
}

/// The session's cookie token, for the pages that seal something to it (shown-once
/// secrets); never printed.
#[derive(Clone)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(..)")
    }
}

/// The session token from the cookie header.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty() && v.len() < 200)
}

fn origin_allowed(headers: &HeaderMap, base_url: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Old browsers and non-browser clients send neither; the form token still applies.
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
    origin_host == host || origin.trim_end_matches('/') == base_url.trim_end_matches('/')
}

/// Every unsafe request to a page must come from our own origin, and when signed in carry the
/// session's form token in `_csrf`.
async fn check_csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || is_api_path(req.uri().path()) {
        return next.run(req).await;
    }
    if !origin_allowed(req.headers(), &state.settings.base_url) {
        return crate::ui::error_page(
            StatusCode::FORBIDDEN,
            "Request refused",
            "This form was sent from another site.",
        );
    }
    let expected = match req.extensions().get::<Principal>() {
        Some(Principal::Session(s)) => s.csrf_token.clone(),
        _ => return next.run(req).await,
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, state.settings.body_limit_bytes).await else {
        return crate::ui::error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too large",
            "The form is too large.",
        );
    };
    let sent = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == "_csrf")
                .map(|(_, v)| v)
        })
        .unwrap_or_default();
    if !constant_time_eq(&sent, &expected) {
        return crate::ui::error_page(
            StatusCode::FORBIDDEN,
            "Form expired",
            "This form has expired. Go back, reload the page and try again.",
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

async fn record_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    state.metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Partner Center's per-tenant throttling on the API: 429 with `Retry-After` once a tenant
/// has used its requests for the minute. Off unless configured.
async fn throttle_tenants(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(Principal::Bearer(actor)) = req.extensions().get::<Principal>()
        && let Err(retry_after_secs) = state.throttle.take(actor.tenant_id.as_str())
    {
        return ApiError(CoreError::Throttled { retry_after_secs }).into_response();
    }
    next.run(req).await
}
