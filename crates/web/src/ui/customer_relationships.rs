//! Relationships with customers: the provider's relationship request links, the customer's
//! acceptance, the customer's Partners and Subscriptions pages, and ending a relationship or
//! withdrawing delegated admin access from the customer page.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use twotier_core::CoreError;
use twotier_core::customer_relationships::{self, CustomerPartner, PartnerChange};
use twotier_core::partnerships::Relationship;
use twotier_core::relationship_requests::{
    self, PendingRequest, RelationshipRequest, RequestInput, RequestPreview, RequestState,
};
use twotier_core::subscriptions;
use twotier_domain::FieldErrors;
use twotier_domain::ids::TenantId;

use super::partnerships::LinkToSend;
use super::{Ctx, FormData, form_status, render, render_status};
use crate::AppState;
use crate::error::{PageError, PageResult, classify};
use crate::extract::{MaybeViewer, Meta, Viewer};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

#[derive(Template)]
#[template(path = "relationship_requests.html")]
struct RequestsPage {
    ctx: Ctx,
    requests: Vec<RelationshipRequest>,
    resellers: Vec<Relationship>,
    form: FormData,
    errors: FieldErrors,
    /// A fresh key: sending the form again (reload, Back, double click) makes one request.
    request_key: String,
}

impl RequestsPage {
    fn pending(r: &RelationshipRequest) -> bool {
        r.state == RequestState::Pending
    }
    fn selected(&self, reseller: &str) -> bool {
        self.form.get("indirect_reseller_id") == reseller
    }
    fn delegated_admin_checked(&self) -> bool {
        self.form.0.is_empty() || self.form.checked("delegated_admin")
    }
}

async fn requests_view(
    state: &AppState,
    s: &twotier_core::auth::Session,
    form: FormData,
    errors: FieldErrors,
    done: Option<&str>,
) -> PageResult {
    let v = relationship_requests::requests_view(&state.svc, &s.actor).await?;
    let (requests, resellers) = (v.requests, v.resellers);
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &RequestsPage {
            ctx: Ctx::new(s, "Relationship requests", "/customers").with_flash(done),
            requests,
            resellers,
            form,
            errors,
            request_key: uuid::Uuid::new_v4().to_string(),
        },
    ))
}

/// The provider's relationship requests and the form for a new one.
pub async fn requests_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    // relationship_requests::requests_view answers "not found" to anyone but a provider.
    requests_view(
        &state,
        &s,
        FormData::default(),
        FieldErrors::new(),
        q.get("done").map(String::as_str),
    )
    .await
    .into_response()
}

pub async fn create_request(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    form: FormData,
) -> Response {
    meta.idempotency = form.idempotency("ui-relationship-request", "request_key");
    let days = form.get("expires_in_days");
    let expires_in_days = match days.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let errors = FieldErrors::single("expires_in_days", "enter a number of days");
                return requests_view(&state, &s, form, errors, None)
                    .await
                    .into_response();
            }
        },
    };
    let input = RequestInput {
        indirect_reseller_id: Some(form.get("indirect_reseller_id")),
        delegated_admin: Some(form.checked("delegated_admin")),
        customer_domain: Some(form.get("customer_domain")),
        expires_in_days,
    };
    match relationship_requests::create(&state.svc, &s.actor, &meta, &input).await {
        Ok(done) => LinkToSend {
            heading: "Request a relationship with a customer".to_owned(),
            recipient: "customer's Global admin",
            done_href: "/customers/relationship-requests",
            url: done.url,
            subject: done.email_subject,
            body: done.email_body,
            expires: done.request.expires_at.display(),
        }
        .shown_once(meta.idempotency.as_ref()),
        Err(CoreError::Invalid(errors)) => {
            // The form's field names are snake_case; the core names them as the API does.
            let mut mapped = FieldErrors::new();
            for (field, message) in errors.iter() {
                let name = match field {
                    "indirectResellerId" => "indirect_reseller_id",
                    "customerDomain" => "customer_domain",
                    "expiresInDays" => "expires_in_days",
                    other => other,
                };
                mapped.add(name, message);
            }
            requests_view(&state, &s, form, mapped, None)
                .await
                .into_response()
        }
        Err(e) => PageError(e).into_response(),
    }
}

pub async fn revoke_request(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    meta.idempotency = form.confirm_once(&format!("revoke-request:{id}"));
    relationship_requests::revoke(&state.svc, &s.actor, &meta, &id).await?;
    Ok(Redirect::to("/customers/relationship-requests?done=request-revoked").into_response())
}

#[derive(Template)]
#[template(path = "customer_accept.html")]
struct AcceptPage {
    ctx: Ctx,
    token: String,
    preview: Option<RequestPreview>,
    refusal: Option<String>,
    signed_in: bool,
    login_href: String,
}

fn accept_page_of(
    ctx: Ctx,
    token: String,
    preview: Option<RequestPreview>,
    refusal: Option<String>,
    signed_in: bool,
) -> AcceptPage {
    let next = format!(
        "/customer-relationships/accept?{}",
        serde_urlencoded::to_string([("token", token.as_str())]).unwrap_or_default()
    );
    let login_href = format!(
        "/login?{}",
        serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
    );
    AcceptPage {
        ctx,
        token,
        preview,
        refusal,
        signed_in,
        login_href,
    }
}

/// The link's page: who asks for what, and whether the signed-in user may accept.
pub async fn accept_page(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = q.get("token").cloned().unwrap_or_default();
    let title = "Relationship request";
    let ctx = match &viewer {
        Some(s) => Ctx::new(s, title, ""),
        None => Ctx::anonymous(title),
    };
    let actor = viewer
        .as_ref()
        .filter(|s| s.pending.is_none())
        .map(|s| &s.actor);
    let signed_in = actor.is_some();
    match relationship_requests::preview(&state.svc, actor, &token).await {
        Ok(p) => render(&accept_page_of(ctx, token, Some(p), None, signed_in)),
        Err(e @ CoreError::Rule { .. }) => {
            let (status, _, message) = classify(&e);
            let preview = if signed_in {
                relationship_requests::preview(&state.svc, None, &token)
                    .await
                    .ok()
            } else {
                None
            };
            render_status(
                status,
                &accept_page_of(ctx, token, preview, Some(message), signed_in),
            )
        }
        Err(e) => PageError(e).into_response(),
    }
}

pub async fn accept(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    form: FormData,
) -> Response {
    meta.idempotency = form.confirm_once("accept-request");
    let token = form.get("token");
    let ctx = || Ctx::new(&s, "Relationship request", "");
    if !form.checked("consent") {
        let preview = relationship_requests::preview(&state.svc, Some(&s.actor), &token)
            .await
            .ok();
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &accept_page_of(
                ctx(),
                token,
                preview,
                Some("Tick the box to confirm that you accept this request.".to_owned()),
                true,
            ),
        );
    }
    match relationship_requests::accept(&state.svc, &s.actor, &meta, &token).await {
        Ok(()) => Redirect::to("/my/partners?done=relationship-accepted").into_response(),
        Err(e @ CoreError::Rule { .. }) => {
            let (status, _, message) = classify(&e);
            render_status(
                status,
                &accept_page_of(ctx(), token, None, Some(message), true),
            )
        }
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "my_partners.html")]
struct PartnersPage {
    ctx: Ctx,
    partners: Vec<CustomerPartner>,
    pending: Vec<PendingRequest>,
    can_manage: bool,
    /// Why an answer to a request was refused, shown above the requests.
    refusal: Option<String>,
}

/// The customer's partners, with whether each holds delegated admin access and since when.
pub async fn partners_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    partners_page_with(&state, &s, q.get("done").map(String::as_str), None).await
}

async fn partners_page_with(
    state: &AppState,
    s: &twotier_core::auth::Session,
    done: Option<&str>,
    refusal: Option<String>,
) -> PageResult {
    let v = relationship_requests::partners_view(&state.svc, &s.actor).await?;
    let status = if refusal.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Ok(render_status(
        status,
        &PartnersPage {
            ctx: Ctx::new(s, "Partners", "/my/partners").with_flash(done),
            partners: v.partners,
            pending: v.pending,
            can_manage: v.can_manage,
            refusal,
        },
    ))
}

/// The customer's Global admin accepts a pending request from the Partners page.
pub async fn accept_pending(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    meta.idempotency = form.confirm_once(&format!("accept-request:{id}"));
    match relationship_requests::accept_pending(&state.svc, &s.actor, &meta, &id).await {
        Ok(()) => Ok(Redirect::to("/my/partners?done=relationship-accepted").into_response()),
        Err(e @ CoreError::Rule { .. }) => {
            partners_page_with(&state, &s, None, Some(classify(&e).2)).await
        }
        Err(e) => Err(PageError(e)),
    }
}

/// The customer's Global admin declines a pending request from the Partners page.
pub async fn decline_pending(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    meta.idempotency = form.confirm_once(&format!("decline-request:{id}"));
    match relationship_requests::decline(&state.svc, &s.actor, &meta, &id).await {
        Ok(()) => Ok(Redirect::to("/my/partners?done=relationship-declined").into_response()),
        Err(e @ CoreError::Rule { .. }) => {
            partners_page_with(&state, &s, None, Some(classify(&e).2)).await
        }
        Err(e) => Err(PageError(e)),
    }
}

#[derive(Template)]
#[template(path = "partner_access_remove.html")]
struct RemoveAccessPage {
    ctx: Ctx,
    partner: CustomerPartner,
}

async fn partner_of(
    state: &AppState,
    s: &twotier_core::auth::Session,
    id: &str,
) -> Result<CustomerPartner, PageError> {
    customer_relationships::partners(&state.svc, &s.actor, &s.actor.tenant_id)
        .await?
        .into_iter()
        .find(|p| p.tenant_id == id && p.delegated_admin)
        .ok_or(PageError(CoreError::NotFound))
}

/// The confirmation: what removing the access does.
pub async fn remove_access_form(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Path(id): Path<String>,
) -> Response {
    match partner_of(&state, &s, &id).await {
        Ok(partner) => render(&RemoveAccessPage {
            ctx: Ctx::new(&s, "Remove admin access", "/my/partners")
                .with_crumbs(&[("/my/partners", "Partners")], "Remove admin access"),
            partner,
        }),
        Err(e) => e.into_response(),
    }
}

pub async fn remove_access(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    meta.idempotency = form.confirm_once(&format!("remove-admin:{id}"));
    if TenantId::parse(&id).is_none() {
        return Err(PageError(CoreError::NotFound));
    }
    customer_relationships::remove_admin_access(&state.svc, &s.actor, &meta, &id).await?;
    Ok(Redirect::to("/my/partners?done=admin-access-removed").into_response())
}

#[derive(Template)]
#[template(path = "my_subscriptions.html")]
struct SubscriptionsPage {
    ctx: Ctx,
    subscriptions: Vec<subscriptions::OwnSubscription>,
}

/// The customer's subscriptions, read-only, each with its designated support contact.
pub async fn subscriptions_page(State(state): State<AppState>, Viewer(s): Viewer) -> PageResult {
    let list = subscriptions::own(&state.svc, &s.actor).await?;
    Ok(render(&SubscriptionsPage {
        ctx: Ctx::new(&s, "Subscriptions", "/my/subscriptions"),
        subscriptions: list,
    }))
}

/// `POST /customers/{id}/relationship`: the partner ends its relationship (`action=end`) or
/// gives up its delegated admin access (`action=withdraw-admin`).
pub async fn change_relationship(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    meta.idempotency = form.confirm_once(&format!("relationship:{id}"));
    let Some(id) = TenantId::parse(&id) else {
        return PageError(CoreError::NotFound).into_response();
    };
    let (what, done) = match form.get("action").as_str() {
        "end" => (PartnerChange::EndRelationship, "relationship-ended"),
        "withdraw-admin" => (
            PartnerChange::WithdrawDelegatedAdmin,
            "admin-access-withdrawn",
        ),
        _ => {
            return PageError(CoreError::invalid("action", "choose what to change"))
                .into_response();
        }
    };
    match customer_relationships::change(&state.svc, &s.actor, &meta, &id, what).await {
        Ok(()) if what == PartnerChange::EndRelationship => {
            Redirect::to(&format!("/customers?done={done}")).into_response()
        }
        Ok(()) => Redirect::to(&format!("/customers/{id}?done={done}")).into_response(),
        Err(e @ CoreError::Rule { .. }) => {
            let (_, _, message) = classify(&e);
            super::customers::customer_page_with_error(&state, &s, &id, message).await
        }
        Err(e) => PageError(e).into_response(),
    }
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/customers/relationship-requests",             Policy::Permission(P::RequestCustomerRelationship), requests_page)
        .post  ("/customers/relationship-requests",             Policy::Permission(P::RequestCustomerRelationship), create_request)
        .post  ("/customers/relationship-requests/{id}/revoke", Policy::Permission(P::RequestCustomerRelationship), revoke_request)
        .get   ("/customer-relationships/accept",               Policy::Public,                                     accept_page)
        .post  ("/customer-relationships/accept",               Policy::SignedIn,                                   accept)
        .get   ("/my/subscriptions",                            Policy::Permission(P::ViewOwnSubscriptions),        subscriptions_page)
        .get   ("/my/partners",                                 Policy::Permission(P::ViewOwnSubscriptions),        partners_page)
        .post  ("/my/partners/requests/{id}/accept",            Policy::Permission(P::ManagePartnerAccess),         accept_pending)
        .post  ("/my/partners/requests/{id}/decline",           Policy::Permission(P::ManagePartnerAccess),         decline_pending)
        .get   ("/my/partners/{id}/remove-admin",               Policy::Permission(P::ManagePartnerAccess),         remove_access_form)
        .post  ("/my/partners/{id}/remove-admin",               Policy::Permission(P::ManagePartnerAccess),         remove_access)
        .post  ("/customers/{id}/relationship",                 Policy::Permission(P::EditCustomers),               change_relationship);
}
