//! `/v1/tokens`: the caller's personal API tokens.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use http::StatusCode;
use serde_json::json;
use twotier_core::tokens::{self, ApiToken, NewTokenInput, Owner};
use twotier_domain::ids::TokenId;

use super::{ApiResult, collection, created, path_id, resource};
use crate::AppState;
use crate::extract::{ApiWrite, Caller, NoBody};
use crate::routes::{Policy, Routes};

fn token_json(t: &ApiToken) -> serde_json::Value {
    resource(t, "ApiToken", &format!("/tokens/{}", t.id))
}

pub async fn list_tokens(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult {
    let all = tokens::list(&state.svc, &actor).await?;
    let total = all.len() as i64;
    collection(all.iter().map(token_json).collect(), total, "/tokens", None)
}

pub async fn create_token(
    State(state): State<AppState>,
    Caller(actor): Caller,
    req: ApiWrite<NewTokenInput>,
) -> ApiResult {
    let done = tokens::create(&state.svc, &actor, &req.meta, &Owner::Me, &req.body).await?;
    let mut body = token_json(&done.token);
    body["token"] = json!(done.secret);
    created(body)
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    req: ApiWrite<NoBody>,
) -> ApiResult {
    let id = path_id(&id, TokenId::parse)?;
    tokens::revoke(&state.svc, &actor, &req.meta, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.api()
        .get   ("/v1/tokens",      Policy::SignedIn, list_tokens)
        .post  ("/v1/tokens",      Policy::SignedIn, create_token)
        .delete("/v1/tokens/{id}", Policy::SignedIn, revoke_token);
}
