//! `/v1/apps`: API apps for the client-credentials grant.

use axum::extract::{Path, State};
use serde_json::json;
use twotier_core::apps::{self, App, NewAppInput};
use twotier_domain::ids::AppId;

use super::{ApiResult, collection, created, ok, path_id, resource};
use crate::AppState;
use crate::extract::{ApiWrite, Caller, NoBody};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

fn app_json(a: &App) -> serde_json::Value {
    resource(a, "Application", &format!("/apps/{}", a.id))
}

pub async fn list_apps(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult {
    let all = apps::list(&state.svc, &actor).await?;
    let total = all.len() as i64;
    collection(all.iter().map(app_json).collect(), total, "/apps", None)
}

/// 201 with `clientId` and `clientSecret`; the secret is never shown again.
pub async fn create_app(
    State(state): State<AppState>,
    Caller(actor): Caller,
    req: ApiWrite<NewAppInput>,
) -> ApiResult {
    let done = apps::create(&state.svc, &actor, &req.meta, &req.body).await?;
    let mut body = app_json(&done.app);
    body["clientSecret"] = json!(done.client_secret);
    body["credential"] = json!(if done.client_secret.is_some() {
        "issued"
    } else {
        "already_issued"
    });
    created(body)
}

/// Disables the app and revokes its tokens.
pub async fn disable_app(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    req: ApiWrite<NoBody>,
) -> ApiResult {
    let id = path_id(&id, AppId::parse)?;
    ok(app_json(
        &apps::disable(&state.svc, &actor, &req.meta, &id).await?,
    ))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .get   ("/v1/apps",      Policy::Permission(P::ManageApps), list_apps)
        .post  ("/v1/apps",      Policy::Permission(P::ManageApps), create_app)
        .delete("/v1/apps/{id}", Policy::Permission(P::ManageApps), disable_app);
}
