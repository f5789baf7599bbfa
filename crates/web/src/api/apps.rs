//! `/v1/apps`: API apps for the client-credentials grant.

use axum::extract::{Path, State};
use serde::Serialize;
use twotier_core::apps::{self, App, NewAppInput};
use twotier_domain::ids::AppId;

use super::{Annotated, ApiResult, collection, created, credential, ok, path_id};
use crate::AppState;
use crate::extract::{ApiWrite, Caller, NoBody};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

fn app_wire(a: &App) -> Annotated<&App> {
    Annotated::hashed(a, "Application", format!("/apps/{}", a.id))
}

/// A new app with its client secret, shown once.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedApp<'a> {
    #[serde(flatten)]
    app: Annotated<&'a App>,
    client_secret: Option<&'a str>,
    credential: &'static str,
}

pub async fn list_apps(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult {
    let all = apps::list(&state.svc, &actor).await?;
    let total = all.len() as i64;
    collection(all.iter().map(app_wire).collect(), total, "/apps", None)
}

/// 201 with `clientId` and `clientSecret`; the secret is never shown again.
pub async fn create_app(
    State(state): State<AppState>,
    Caller(actor): Caller,
    req: ApiWrite<NewAppInput>,
) -> ApiResult {
    let done = apps::create(&state.svc, &actor, &req.meta, &req.body).await?;
    created(CreatedApp {
        app: app_wire(&done.app),
        client_secret: done.client_secret.as_deref(),
        credential: credential(done.client_secret.is_some()),
    })
}

/// Disables the app and revokes its tokens.
pub async fn disable_app(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    req: ApiWrite<NoBody>,
) -> ApiResult {
    let id = path_id(&id, AppId::parse)?;
    ok(app_wire(
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
