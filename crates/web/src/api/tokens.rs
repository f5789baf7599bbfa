//! `/v1/tokens`: the caller's personal API tokens.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use http::StatusCode;
use serde::Serialize;
use twotier_core::tokens::{self, ApiToken, NewTokenInput, Owner};
use twotier_domain::ids::TokenId;

use super::{Annotated, ApiResult, collection, created, path_id};
use crate::AppState;
use crate::extract::{ApiWrite, Caller, NoBody};
use crate::routes::{Policy, Routes};

fn token_wire(t: &ApiToken) -> Annotated<&ApiToken> {
    Annotated::hashed(t, "ApiToken", format!("/tokens/{}", t.id))
}

/// A new token with its secret, shown once.
#[derive(Serialize)]
struct CreatedToken<'a> {
    #[serde(flatten)]
    token: Annotated<&'a ApiToken>,
    #[serde(rename = "token")]
    secret: Option<&'a str>,
}

pub async fn list_tokens(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult {
    let all = tokens::list(&state.svc, &actor).await?;
    let total = all.len() as i64;
    collection(all.iter().map(token_wire).collect(), total, "/tokens", None)
}

pub async fn create_token(
    State(state): State<AppState>,
    Caller(actor): Caller,
    req: ApiWrite<NewTokenInput>,
) -> ApiResult {
    let done = tokens::create(&state.svc, &actor, &req.meta, &Owner::Me, &req.body).await?;
    let body = CreatedToken {
        token: token_wire(&done.token),
        secret: done.secret.as_deref(),
    };
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
