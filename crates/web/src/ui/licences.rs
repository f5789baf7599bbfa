//! Users and licences of a customer tenant: for the customer's Global admins (their own
//! tenant) and for partners holding delegated admin access. Create users, assign licences
//! (never more than a subscription's quantity), reset passwords, disable and enable.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use twotier_core::CoreError;
use twotier_core::auth::Session;
use twotier_core::licences::{self, LicencesSet, Seats};
use twotier_core::users::{self, NewUserInput, User, UserPatch};
use twotier_domain::FieldErrors;
use twotier_domain::authz::Role;
use twotier_domain::ids::{SubscriptionId, TenantId, UserId};
use twotier_domain::subscription::SubscriptionStatus;

use super::table::{self, Pager, SortHeader};
use super::{Ctx, FormData, render_status, show_once_for, temporary_password};
use crate::AppState;
use crate::error::{PageError, PageResult, classify};
use crate::extract::{Meta, Viewer};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

#[derive(Template)]
#[template(path = "customer_users.html")]
struct UsersPage {
    ctx: Ctx,
    customer_id: String,
    company: String,
    users: Vec<User>,
    search: String,
    sort: &'static str,
    headers: Vec<SortHeader>,
    pager: Pager,
    seats: Vec<Seats>,
    /// Which subscriptions each user holds a licence of.
    held: BTreeMap<UserId, BTreeSet<SubscriptionId>>,
    form: FormData,
    errors: FieldErrors,
    /// The user whose licence change was refused, and why.
    licence_error: Option<(String, String)>,
    /// Whether the viewer may manage the customer's Global admins (give the role, reset,
    /// disable): the customer's own Global admins and its provider's, never a reseller.
    manages_admins: bool,
}

impl UsersPage {
    fn holds(&self, user: &UserId, subscription: &SubscriptionId) -> bool {
        self.held
            .get(user)
            .is_some_and(|subs| subs.contains(subscription))
    }
    fn licence_error_for(&self, user: &str) -> Option<&str> {
        self.licence_error
            .as_ref()
            .filter(|(u, _)| u == user)
            .map(|(_, m)| m.as_str())
    }
    fn active(s: &Seats) -> bool {
        s.status == SubscriptionStatus::Active
    }
    fn filters_shown(&self) -> Vec<String> {
        super::admin::user_search_shown(&self.search)
    }
    /// Whether the page offers resetting and disabling this user.
    fn manageable(&self, u: &User) -> bool {
        self.manages_admins || !u.roles.contains(&Role::CustomerGlobalAdmin)
    }
}

fn customer_id(raw: &str) -> Result<TenantId, PageError> {
    TenantId::parse(raw).ok_or(PageError(CoreError::NotFound))
}

fn user_id(raw: &str) -> Result<UserId, PageError> {
    UserId::parse(raw).ok_or(PageError(CoreError::NotFound))
}

/// The company's name: the session's own tenant, or the customer as the partner sees it.
async fn users_view(
    state: &AppState,
    s: &Session,
    id: &TenantId,
    q: &HashMap<String, String>,
    form: FormData,
    errors: FieldErrors,
    licence_error: Option<(String, String)>,
) -> PageResult {
    let asked = table::Asked::new(format!("/customers/{id}/users"), q, &["q"]);
    let query = super::admin::users_asked(&asked);
    let view = licences::users_view(&state.svc, &s.actor, id, &query).await?;
    let done = q.get("done").map(String::as_str);
    let status = if errors.is_empty() && licence_error.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let own = s.actor.tenant_id == *id;
    let current = if own { "/my/users" } else { "/customers" };
    let customer_href = format!("/customers/{id}");
    let above: Vec<(&str, &str)> = if own {
        vec![("/", "Home")]
    } else {
        vec![("/customers", "Customers"), (&customer_href, &view.company)]
    };
    Ok(render_status(
        status,
        &UsersPage {
            ctx: Ctx::new(s, "Users and licences", current)
                .with_flash(done)
                .with_crumbs(&above, "Users and licences"),
            customer_id: id.to_string(),
            company: view.company,
            headers: asked.headers(&[
                ("User", ("name", "name-desc")),
                ("Added", ("oldest", "newest")),
            ]),
            pager: asked.pager(
                table::count_text(view.users.total, i64::MAX, "user", "users"),
                view.users.previous.as_ref(),
                view.users.next.as_ref(),
            ),
            users: view.users.items,
            search: asked.filter("q").to_owned(),
            sort: asked.sort_name,
            seats: view.seats,
            held: view.held,
            manages_admins: view.manages_admins,
            form,
            errors,
            licence_error,
        },
    ))
}

/// The page again with a refusal shown at the user's row; other errors are error pages.
async fn refused_for(
    state: &AppState,
    s: &Session,
    id: &TenantId,
    user: &UserId,
    e: CoreError,
) -> Response {
    match e {
        e @ (CoreError::Rule { .. } | CoreError::Invalid(_)) => {
            let (_, _, message) = classify(&e);
            users_view(
                state,
                s,
                id,
                &HashMap::new(),
                FormData::default(),
                FieldErrors::new(),
                Some((user.to_string(), message)),
            )
            .await
            .into_response()
        }
        e => PageError(e).into_response(),
    }
}

pub async fn users_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match customer_id(&id) {
        Ok(id) => users_view(
            &state,
            &s,
            &id,
            &q,
            FormData::default(),
            FieldErrors::new(),
            None,
        )
        .await
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// The customer's own Users and licences page.
pub async fn my_users(Viewer(s): Viewer) -> Response {
    if s.actor.tenant_kind != twotier_domain::tenant::TenantKind::Customer {
        return PageError(CoreError::NotFound).into_response();
    }
    Redirect::to(&format!("/customers/{}/users", s.actor.tenant_id)).into_response()
}

pub async fn create_user(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    meta.idempotency = form.confirm_once(&format!("create-user:{id}"));
    let id = match customer_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let role = match form.get("role").as_str() {
        "customer_global_admin" => "customer_global_admin",
        _ => "customer_user",
    };
    let input = NewUserInput {
        email: form.get("email"),
        display_name: form.get("display_name"),
        roles: vec![role.to_owned()],
    };
    match users::create(&state.svc, &s.actor, &meta, &id, &input).await {
        Ok(done) => show_once_for(
            temporary_password(
                format!("{} can now sign in", done.user.email),
                &done.user.email,
                done.temporary_password_expires_at,
                done.temporary_password,
                "Give it to the user, who must choose a new password at the first sign-in.",
                format!("/customers/{id}/users"),
            ),
            meta.idempotency.as_ref(),
        ),
        Err(CoreError::Invalid(errors)) => {
            let mut mapped = FieldErrors::new();
            for (field, message) in errors.iter() {
                let name = if field == "displayName" {
                    "display_name"
                } else {
                    field
                };
                mapped.add(name, message);
            }
            users_view(&state, &s, &id, &HashMap::new(), form, mapped, None)
                .await
                .into_response()
        }
        Err(e) => PageError(e).into_response(),
    }
}

/// Saves one user's licences: the ticked subscriptions are assigned, the others removed.
pub async fn update_licences(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(meta): Meta,
    Path((id, user)): Path<(String, String)>,
    form: FormData,
) -> Response {
    let (id, user) = match (customer_id(&id), user_id(&user)) {
        (Ok(id), Ok(user)) => (id, user),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let wanted: BTreeSet<String> = form.all("subscription").into_iter().collect();
    match licences::set_held(&state.svc, &s.actor, &meta, &id, &user, &wanted).await {
        Ok(LicencesSet::Unchanged) => {
            Redirect::to(&format!("/customers/{id}/users?done=licences-unchanged")).into_response()
        }
        Ok(LicencesSet::Saved) => {
            Redirect::to(&format!("/customers/{id}/users?done=licences-saved")).into_response()
        }
        Err(e) => refused_for(&state, &s, &id, &user, e).await,
    }
}

pub async fn reset_password(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path((id, user)): Path<(String, String)>,
    form: FormData,
) -> PageResult {
    meta.idempotency = form.confirm_once(&format!("reset-password:{id}:{user}"));
    let (id, user) = match (customer_id(&id), user_id(&user)) {
        (Ok(id), Ok(user)) => (id, user),
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let done = users::reset_password(&state.svc, &s.actor, &meta, &id, &user).await?;
    Ok(show_once_for(
        temporary_password(
            format!("New temporary password for {}", done.email),
            &done.email,
            done.temporary_password_expires_at,
            done.temporary_password,
            "Give it to the user, who must choose a new password at the next sign-in. The old password no longer works and the user's sessions have ended.",
            format!("/customers/{id}/users"),
        ),
        meta.idempotency.as_ref(),
    ))
}

/// Disables (`disabled=true`) or enables a user.
pub async fn set_disabled(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path((id, user)): Path<(String, String)>,
    form: FormData,
) -> Response {
    meta.idempotency = form.confirm_once(&format!("user-disabled:{id}:{user}"));
    let (id, user) = match (customer_id(&id), user_id(&user)) {
        (Ok(id), Ok(user)) => (id, user),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let disabled = form.get("disabled") == "true";
    let patch = UserPatch {
        disabled: Some(disabled),
        ..UserPatch::default()
    };
    match users::update(&state.svc, &s.actor, &meta, &id, &user, &patch).await {
        Ok(_) => {
            let done = if disabled {
                "user-disabled"
            } else {
                "user-enabled"
            };
            Redirect::to(&format!("/customers/{id}/users?done={done}")).into_response()
        }
        Err(e) => refused_for(&state, &s, &id, &user, e).await,
    }
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/my/users",                                Policy::Permission(P::ManageUsers), my_users)
        .get   ("/customers/{id}/users",                    Policy::SignedIn,                   users_page)
        .post  ("/customers/{id}/users",                    Policy::SignedIn,                   create_user)
        .post  ("/customers/{id}/users/{user_id}/licences", Policy::SignedIn,                   update_licences)
        .post  ("/customers/{id}/users/{user_id}/password", Policy::SignedIn,                   reset_password)
        .post  ("/customers/{id}/users/{user_id}/disabled", Policy::SignedIn,                   set_disabled);
}
