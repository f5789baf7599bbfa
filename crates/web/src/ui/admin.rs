//! Users and roles, API apps and the tenant's security policy.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use twotier_core::apps::{self, App, NewAppInput};
use twotier_core::users::{self, NewUserInput, User, UserPatch, UserQuery};
use twotier_domain::FieldErrors;
use twotier_domain::actor::Actor;
use twotier_domain::authz::Role;
use twotier_domain::ids::{AppId, UserId};

use super::table::{self, Pager, SortHeader};
use super::{
    Ctx, FormData, Secret, field_errors, form_status, render, render_status, show_once_for,
};
use crate::AppState;
use crate::error::{PageError, PageResult};
use crate::extract::{Meta, Viewer};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

/// A role checkbox on a form.
#[derive(Debug, Clone)]
pub struct RoleOption {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// The roles the viewer may hand out in its own tenant: the top role only for those who may
/// manage its holders (`authz::may_manage_keepers`).
fn role_options(actor: &Actor, checked: &[String]) -> Vec<RoleOption> {
    let kind = actor.tenant_kind;
    let keepers = twotier_core::authz::may_manage_keepers(actor, &actor.tenant_id, kind);
    Role::for_kind(kind)
        .into_iter()
        .filter(|r| keepers || *r != users::keeper_role(kind))
        .map(|r| RoleOption {
            value: r.as_str(),
            label: r.label(),
            checked: checked.iter().any(|c| c == r.as_str()),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<User>,
    search: String,
    sort: &'static str,
    headers: Vec<SortHeader>,
    pager: Pager,
    roles: Vec<RoleOption>,
    email: String,
    display_name: String,
    errors: FieldErrors,
}

impl UsersPage {
    fn filters_shown(&self) -> Vec<String> {
        user_search_shown(&self.search)
    }
}

/// A users list's search in force, in words.
pub(crate) fn user_search_shown(search: &str) -> Vec<String> {
    let text = search.trim();
    if text.is_empty() {
        Vec::new()
    } else {
        vec![format!("name or email contains “{text}”")]
    }
}

/// The page of users a list (`q=` searches names and email addresses) asks for.
pub(crate) fn users_asked(asked: &table::Asked) -> UserQuery {
    UserQuery {
        contains: asked.given("q"),
        sort: asked.sort,
        after: asked.after.clone(),
        before: asked.before.clone(),
        limit: asked.size,
    }
}

/// The organisation's users (`q=` searches names and email addresses, sorted by name or
/// when added, paged), and the form that adds one.
async fn users_view(
    state: &AppState,
    s: &twotier_core::auth::Session,
    q: &HashMap<String, String>,
    form: Option<&FormData>,
    errors: FieldErrors,
) -> PageResult {
    let asked = table::Asked::new("/users", q, &["q"]);
    let page = users::page(
        &state.svc,
        &s.actor,
        &s.actor.tenant_id,
        &users_asked(&asked),
    )
    .await?;
    let done = q.get("done").map(String::as_str);
    let checked = form.map(|f| f.all("roles")).unwrap_or_default();
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &UsersPage {
            ctx: Ctx::new(s, "Users", "/users").with_flash(done),
            headers: asked.headers(&[
                ("Name", ("name", "name-desc")),
                ("Added", ("oldest", "newest")),
            ]),
            pager: asked.pager(
                table::count_text(page.total, i64::MAX, "user", "users"),
                page.previous.as_ref(),
                page.next.as_ref(),
            ),
            users: page.items,
            search: asked.filter("q").to_owned(),
            sort: asked.sort_name,
            roles: role_options(&s.actor, &checked),
            email: form.map(|f| f.get("email")).unwrap_or_default(),
            display_name: form.map(|f| f.get("display_name")).unwrap_or_default(),
            errors,
        },
    ))
}

pub async fn users_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    users_view(&state, &s, &q, None, FieldErrors::new())
        .await
        .into_response()
}

pub async fn create_user(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    form: FormData,
) -> Response {
    meta.idempotency = form.confirm_once("create-user");
    let input = NewUserInput {
        email: form.get("email"),
        display_name: form.get("display_name"),
        roles: form.all("roles"),
    };
    match users::create(&state.svc, &s.actor, &meta, &s.actor.tenant_id, &input).await {
        Ok(done) => show_once_for(
            Secret {
                heading: format!("{} can now sign in", done.user.email),
                facts: vec![
                    ("User name".to_owned(), done.user.email.clone()),
                    (
                        "Roles".to_owned(),
                        done.user
                            .roles
                            .iter()
                            .map(|r| r.label())
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    (
                        "Password expires".to_owned(),
                        done.temporary_password_expires_at.display(),
                    ),
                ],
                secret_label: "Temporary password".to_owned(),
                secret: done.temporary_password.unwrap_or_default(),
                usage: "The user must change it at first sign-in.".to_owned(),
                back_href: "/users".to_owned(),
                back_label: "Done".to_owned(),
                email: None,
            },
            meta.idempotency.as_ref(),
        ),
        Err(e) => match field_errors(e) {
            Ok(f) => users_view(&state, &s, &HashMap::new(), Some(&form), f)
                .await
                .into_response(),
            Err(page) => page.into_response(),
        },
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    ctx: Ctx,
    user: User,
    roles: Vec<RoleOption>,
    is_self: bool,
    /// Whether the viewer may change this user (a Global admin is a Global admin's).
    editable: bool,
    errors: FieldErrors,
}

async fn user_view(
    state: &AppState,
    s: &twotier_core::auth::Session,
    id: &UserId,
    done: Option<&str>,
    errors: FieldErrors,
) -> PageResult {
    let user = users::get(&state.svc, &s.actor, &s.actor.tenant_id, id).await?;
    let checked: Vec<String> = user.roles.iter().map(|r| r.as_str().to_owned()).collect();
    let status = form_status(&errors);
    let is_self = s.actor.user_id.as_ref() == Some(id);
    let kind = s.actor.tenant_kind;
    let editable = !user.roles.contains(&users::keeper_role(kind))
        || twotier_core::authz::may_manage_keepers(&s.actor, &s.actor.tenant_id, kind);
    Ok(render_status(
        status,
        &UserPage {
            ctx: Ctx::new(s, &user.email, "/users")
                .with_flash(done)
                .with_crumbs(&[("/users", "Users")], &user.display_name),
            roles: role_options(&s.actor, &checked),
            user,
            is_self,
            editable,
            errors,
        },
    ))
}

fn user_id(raw: &str) -> Result<UserId, PageError> {
    UserId::parse(raw).ok_or(PageError(twotier_core::CoreError::NotFound))
}

pub async fn user_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match user_id(&id) {
        Ok(id) => user_view(
            &state,
            &s,
            &id,
            q.get("done").map(String::as_str),
            FieldErrors::new(),
        )
        .await
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// One form saves name and roles; the enable/disable buttons send `action`.
pub async fn update_user(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    meta.idempotency = form.confirm_once(&format!("user:{id}"));
    let id = match user_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let action = form.get("action");
    let patch = match action.as_str() {
        "disable" => UserPatch {
            disabled: Some(true),
            ..UserPatch::default()
        },
        "enable" => UserPatch {
            disabled: Some(false),
            ..UserPatch::default()
        },
        _ => UserPatch {
            display_name: Some(form.get("display_name")),
            roles: Some(form.all("roles")),
            disabled: None,
        },
    };
    match users::update(&state.svc, &s.actor, &meta, &s.actor.tenant_id, &id, &patch).await {
        Ok(_) => {
            let done = match action.as_str() {
                "disable" => "user-disabled",
                "enable" => "user-enabled",
                _ => "user-saved",
            };
            Redirect::to(&format!("/users/{id}?done={done}")).into_response()
        }
        Err(e) => match field_errors(e) {
            Ok(f) => user_view(&state, &s, &id, None, f).await.into_response(),
            Err(page) => page.into_response(),
        },
    }
}

pub async fn reset_password(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    meta.idempotency = form.confirm_once(&format!("reset-password:{id}"));
    let id = match user_id(&id) {
        Ok(id) => id,
        Err(e) => return Err(e),
    };
    let done = users::reset_password(&state.svc, &s.actor, &meta, &s.actor.tenant_id, &id).await?;
    Ok(show_once_for(
        Secret {
            heading: format!("New temporary password for {}", done.email),
            facts: vec![(
                "Expires".to_owned(),
                done.temporary_password_expires_at.display(),
            )],
            secret_label: "Temporary password".to_owned(),
            secret: done.temporary_password.unwrap_or_default(),
            usage: "The old password no longer works and the user's sessions have ended."
                .to_owned(),
            back_href: format!("/users/{id}"),
            back_label: "Done".to_owned(),
            email: None,
        },
        meta.idempotency.as_ref(),
    ))
}

#[derive(Template)]
#[template(path = "apps.html")]
struct AppsPage {
    ctx: Ctx,
    apps: Vec<App>,
    roles: Vec<RoleOption>,
    name: String,
    errors: FieldErrors,
}

async fn apps_view(
    state: &AppState,
    s: &twotier_core::auth::Session,
    done: Option<&str>,
    form: Option<&FormData>,
    errors: FieldErrors,
) -> PageResult {
    let list = apps::list(&state.svc, &s.actor).await?;
    let checked = form.map(|f| f.all("roles")).unwrap_or_default();
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &AppsPage {
            ctx: Ctx::new(s, "API apps", "/apps").with_flash(done),
            apps: list,
            roles: role_options(&s.actor, &checked),
            name: form.map(|f| f.get("name")).unwrap_or_default(),
            errors,
        },
    ))
}

pub async fn apps_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    apps_view(
        &state,
        &s,
        q.get("done").map(String::as_str),
        None,
        FieldErrors::new(),
    )
    .await
    .into_response()
}

pub async fn create_app(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    form: FormData,
) -> Response {
    meta.idempotency = form.confirm_once("create-app");
    let input = NewAppInput {
        name: form.get("name"),
        roles: form.all("roles"),
    };
    match apps::create(&state.svc, &s.actor, &meta, &input).await {
        Ok(done) => show_once_for(Secret {
            heading: format!("{} is registered", done.app.name),
            facts: vec![
                ("Client id".to_owned(), done.app.client_id.clone()),
                ("Roles".to_owned(), done.app.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ")),
            ],
            secret_label: "Client secret".to_owned(),
            secret: done.client_secret.unwrap_or_default(),
            usage: "POST /oauth2/token with grant_type=client_credentials, client_id and client_secret returns a bearer token.".to_owned(),
            back_href: "/apps".to_owned(),
            back_label: "Done".to_owned(),
            email: None,
        }, meta.idempotency.as_ref()),
        Err(e) => match field_errors(e) {
            Ok(f) => apps_view(&state, &s, None, Some(&form), f).await.into_response(),
            Err(page) => page.into_response(),
        },
    }
}

pub async fn disable_app(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    meta.idempotency = form.confirm_once(&format!("disable-app:{id}"));
    let Some(id) = AppId::parse(&id) else {
        return Err(PageError(twotier_core::CoreError::NotFound));
    };
    apps::disable(&state.svc, &s.actor, &meta, &id).await?;
    Ok(Redirect::to("/apps?done=app-disabled").into_response())
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    ctx: Ctx,
    require_two_factor: bool,
}

pub async fn security_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let require_two_factor =
        twotier_core::auth::tenant_requires_two_factor(&state.svc, &s.actor).await?;
    Ok(render(&SecurityPage {
        ctx: Ctx::new(&s, "Security", "/security").with_flash(q.get("done").map(String::as_str)),
        require_two_factor,
    }))
}

pub async fn update_security(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(meta): Meta,
    form: FormData,
) -> PageResult {
    twotier_core::auth::set_require_two_factor(
        &state.svc,
        &s.actor,
        &meta,
        form.checked("require_two_factor"),
    )
    .await?;
    Ok(Redirect::to("/security?done=security").into_response())
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/users",                     Policy::Permission(P::ManageUsers),          users_page)
        .post  ("/users",                     Policy::Permission(P::ManageUsers),          create_user)
        .get   ("/users/{id}",                Policy::Permission(P::ManageUsers),          user_page)
        .post  ("/users/{id}",                Policy::Permission(P::ManageUsers),          update_user)
        .post  ("/users/{id}/reset-password", Policy::Permission(P::ManageUsers),          reset_password)
        .get   ("/apps",                      Policy::Permission(P::ManageApps),           apps_page)
        .post  ("/apps",                      Policy::Permission(P::ManageApps),           create_app)
        .post  ("/apps/{id}/disable",         Policy::Permission(P::ManageApps),           disable_app)
        .get   ("/security",                  Policy::Permission(P::ManageSecurityPolicy), security_page)
        .post  ("/security",                  Policy::Permission(P::ManageSecurityPolicy), update_security);
}
