//! Home, the user's own account, personal API tokens.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use twotier_core::home::{self, Dashboard};
use twotier_core::tokens::{self, ApiToken, NewTokenInput, Owner};
use twotier_core::users::{self, User};
use twotier_domain::FieldErrors;
use twotier_domain::authz::Permission as P;
use twotier_domain::ids::TokenId;
use twotier_domain::tenant::TenantKind;

use super::{
    Ctx, FormData, Secret, field_errors, form_status, render, render_status, show_once_for,
};
use crate::AppState;
use crate::error::{PageError, PageResult};
use crate::extract::{Meta, Viewer};
use crate::routes::{Policy, Routes};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    roles: Vec<&'static str>,
    d: Dashboard,
    /// Shortcuts to start the day's work: (href, label).
    actions: Vec<(&'static str, &'static str)>,
    warning_days: i64,
}

impl HomePage {
    fn word<'a>(n: impl super::Count, one: &'a str, many: &'a str) -> &'a str {
        super::plural(n, one, many)
    }
}

/// Home: what the person's work is waiting on ([`home::dashboard`]) and where to start it.
pub async fn home(State(state): State<AppState>, Viewer(s): Viewer) -> PageResult {
    let a = &s.actor;
    let d = home::dashboard(&state.svc, a).await?;
    let mut actions = Vec::new();
    if a.can(P::CreateCustomers) && a.tenant_kind == TenantKind::Provider {
        actions.push(("/customers/new", "Add a customer"));
    }
    if a.can(P::ManagePartnerships) {
        actions.push(("/resellers#invite", "Request a partnership"));
    }
    if a.can(P::RequestCustomerRelationship) && a.tenant_kind == TenantKind::Provider {
        actions.push((
            "/customers/relationship-requests",
            "Ask an existing customer",
        ));
    }
    if a.can(P::ManagePartners) {
        actions.push(("/partners/new", "Enrol a partner"));
    }
    if a.can(P::ManageCatalog) {
        actions.push(("/catalog", "Update the catalog"));
    }
    Ok(render(&HomePage {
        ctx: Ctx::new(&s, "Home", "/"),
        roles: a.roles.iter().map(|r| r.label()).collect(),
        d,
        actions,
        warning_days: home::WINDOW_WARNING_DAYS,
    }))
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: Ctx,
    me: User,
    roles: Vec<&'static str>,
    tokens: Vec<ApiToken>,
    now_ms: i64,
    errors: FieldErrors,
    token_name: String,
}

pub(super) async fn account(
    state: &AppState,
    s: &twotier_core::auth::Session,
    done: Option<&str>,
    errors: FieldErrors,
    token_name: String,
) -> PageResult {
    let view = users::account_view(&state.svc, &s.actor).await?;
    let (me, tokens) = (view.me, view.tokens);
    let status = form_status(&errors);
    let roles = me.roles.iter().map(|r| r.label()).collect();
    Ok(render_status(
        status,
        &AccountPage {
            ctx: Ctx::new(s, "My account", "/account").with_flash(done),
            me,
            roles,
            tokens,
            now_ms: state.svc.now().millis(),
            errors,
            token_name,
        },
    ))
}

pub async fn account_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    account(
        &state,
        &s,
        q.get("done").map(String::as_str),
        FieldErrors::new(),
        String::new(),
    )
    .await
}

pub async fn create_token(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    form: FormData,
) -> PageResult {
    meta.idempotency = form.confirm_once("create-token");
    let days = form.get("expires_days");
    let expires_days = match days.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return account(
                    &state,
                    &s,
                    None,
                    FieldErrors::single("expires_days", "enter a number of days"),
                    form.get("name"),
                )
                .await;
            }
        },
    };
    let input = NewTokenInput {
        name: form.get("name"),
        expires_days,
    };
    match tokens::create(&state.svc, &s.actor, &meta, &Owner::Me, &input).await {
        Ok(done) => Ok(show_once_for(
            Secret {
                heading: "Personal API token created".to_owned(),
                facts: vec![
                    ("Name".to_owned(), done.token.name.clone()),
                    ("Expires".to_owned(), done.token.expires_at.display()),
                ],
                secret_label: "Token".to_owned(),
                secret: done.secret.unwrap_or_default(),
                usage: "Send it as Authorization: Bearer <token>. It acts with your roles."
                    .to_owned(),
                back_href: "/account".to_owned(),
                back_label: "Back to my account".to_owned(),
                email: None,
            },
            meta.idempotency.as_ref(),
        )),
        Err(e) => account(&state, &s, None, field_errors(e)?, input.name).await,
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    meta.idempotency = form.confirm_once(&format!("revoke-token:{id}"));
    let Some(id) = TokenId::parse(&id) else {
        return Err(PageError(twotier_core::CoreError::NotFound));
    };
    tokens::revoke(&state.svc, &s.actor, &meta, &id).await?;
    Ok(Redirect::to("/account?done=token-revoked").into_response())
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/",                           Policy::SignedIn, home)
        .get   ("/account",                    Policy::SignedIn, account_page)
        .post  ("/account/tokens",             Policy::SignedIn, create_token)
        .post  ("/account/tokens/{id}/revoke", Policy::SignedIn, revoke_token);
}
