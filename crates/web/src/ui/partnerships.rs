//! Indirect resellers (provider), indirect providers (reseller), requesting a partnership,
//! accepting an invitation, removing a partnership.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use twotier_core::CoreError;
use twotier_core::partnerships::{
    self, Invitation, InvitationPreview, InviteInput, Relationship, RelationshipPage,
    RelationshipQuery, RelationshipType,
};
use twotier_domain::FieldErrors;
use twotier_domain::authz::Permission as P;
use twotier_domain::ids::TenantId;
use twotier_domain::tenant::TenantKind;

use super::table::{self, Asked, Pager, SortHeader};
use super::{Ctx, EmailDraft, FormData, Secret, render, render_status, show_once_for};
use crate::AppState;
use crate::error::{PageError, PageResult, classify};
use crate::extract::{MaybeViewer, Meta, Viewer};
use crate::routes::{Policy, Routes};

/// A partner list (`q=` searches names and MPN IDs) as asked for, and its query.
fn partner_list(
    path: &'static str,
    q: &HashMap<String, String>,
    kind: RelationshipType,
) -> (Asked, RelationshipQuery) {
    let asked = Asked::new(path, q, &["q"]);
    let query = RelationshipQuery {
        contains: asked.given("q"),
        sort: asked.sort,
        after: asked.after.clone(),
        before: asked.before.clone(),
        ..RelationshipQuery::first(kind, asked.size)
    };
    (asked, query)
}

/// A partner list's pager.
fn partner_pager(asked: &Asked, page: &RelationshipPage) -> Pager {
    asked.pager(
        table::count_text(page.total, i64::MAX, "partnership", "partnerships"),
        page.previous.as_ref(),
        page.next.as_ref(),
    )
}

/// A partner list's search in force, in words.
pub(crate) fn partner_search_shown(asked: &Asked) -> Vec<String> {
    asked
        .given("q")
        .map(|text| format!("name or MPN ID contains “{text}”"))
        .into_iter()
        .collect()
}

/// The columns of a partner list that sort: the partner's name, and since when.
pub(crate) fn partner_headers(asked: &Asked, name: &'static str) -> Vec<SortHeader> {
    asked.headers(&[
        (name, ("name", "name-desc")),
        ("Since", ("oldest", "newest")),
    ])
}

#[derive(Template)]
#[template(path = "resellers.html")]
struct ResellersPage {
    ctx: Ctx,
    resellers: Vec<Relationship>,
    search: String,
    sort: &'static str,
    headers: Vec<SortHeader>,
    pager: Pager,
    filters: Vec<String>,
    invitations: Vec<Invitation>,
    can_manage: bool,
    can_create: bool,
    /// Customers associated with each reseller.
    counts: HashMap<String, i64>,
    /// The invitation form's errors and typed days, when it was refused.
    errors: FieldErrors,
    days: String,
    /// A fresh key: sending the form again (reload, Back, double click) makes one invitation.
    request_key: String,
}

/// The provider's indirect resellers and its outstanding invitations.
pub async fn resellers_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    resellers_page_with(&state, &s, &q, FieldErrors::new(), String::new()).await
}

async fn resellers_page_with(
    state: &AppState,
    s: &twotier_core::auth::Session,
    q: &HashMap<String, String>,
    errors: FieldErrors,
    days: String,
) -> PageResult {
    let (asked, query) = partner_list(
        "/resellers",
        q,
        RelationshipType::IsIndirectCloudSolutionProviderOf,
    );
    let v = partnerships::resellers_view(&state.svc, &s.actor, &query).await?;
    Ok(render_status(
        super::form_status(&errors),
        &ResellersPage {
            counts: v.customer_counts,
            ctx: Ctx::new(s, "Indirect resellers", "/resellers")
                .with_flash(q.get("done").map(String::as_str)),
            headers: partner_headers(&asked, "Reseller"),
            pager: partner_pager(&asked, &v.page),
            filters: partner_search_shown(&asked),
            resellers: v.page.items,
            search: asked.filter("q").to_owned(),
            sort: asked.sort_name,
            invitations: v.pending_invitations,
            can_manage: v.can_manage,
            can_create: v.can_create_customers,
            errors,
            days,
            request_key: uuid::Uuid::new_v4().to_string(),
        },
    ))
}

impl ResellersPage {
    fn customers_of(&self, reseller: &str) -> i64 {
        self.counts.get(reseller).copied().unwrap_or_default()
    }

    fn filters_shown(&self) -> &[String] {
        &self.filters
    }
}

/// A link to send by email (an invitation or a relationship request), shown once through
/// the one-time page: `url` is empty on a repeat of the form, which goes to the page the
/// first request made.
pub(crate) struct LinkToSend {
    pub heading: String,
    pub recipient: &'static str,
    /// Where Done goes.
    pub done_href: &'static str,
    pub url: Option<String>,
    pub subject: String,
    pub body: Option<String>,
    pub expires: String,
}

impl LinkToSend {
    pub(crate) fn shown_once(self, key: Option<&twotier_core::write::IdempotencyKey>) -> Response {
        let secret = Secret {
            heading: self.heading,
            facts: vec![("Expires".to_owned(), self.expires.clone())],
            secret_label: "Link".to_owned(),
            secret: self.url.unwrap_or_default(),
            usage: format!(
                "Send this email to the {}. You may change the text; keep the link. The link works once and expires on {}. It is shown only now.",
                self.recipient, self.expires
            ),
            back_href: self.done_href.to_owned(),
            back_label: "Done".to_owned(),
            email: Some(EmailDraft {
                subject: self.subject,
                body: self.body.unwrap_or_default(),
            }),
        };
        show_once_for(secret, key)
    }
}

/// Request a partnership: creates the link and shows the draft email once.
pub async fn create_invitation(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    form: FormData,
) -> Response {
    meta.idempotency = form.idempotency("ui-invitation", "request_key");
    let days = form.get("expires_in_days");
    let expires_in_days = match days.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let errors = FieldErrors::single("expires_in_days", "enter a whole number of days");
                return resellers_page_with(&state, &s, &HashMap::new(), errors, days.clone())
                    .await
                    .into_response();
            }
        },
    };
    match partnerships::invite(
        &state.svc,
        &s.actor,
        &meta,
        &InviteInput { expires_in_days },
    )
    .await
    {
        Ok(done) => LinkToSend {
            heading: "Request a partnership".to_owned(),
            recipient: "reseller",
            done_href: "/resellers",
            url: done.url,
            subject: done.email_subject,
            body: done.email_body,
            expires: done.invitation.expires_at.display(),
        }
        .shown_once(meta.idempotency.as_ref()),
        Err(CoreError::Invalid(found)) => {
            // The core names the field as the API does.
            let mut errors = FieldErrors::new();
            for (_, message) in found.iter() {
                errors.add("expires_in_days", message);
            }
            resellers_page_with(&state, &s, &HashMap::new(), errors, days)
                .await
                .into_response()
        }
        Err(e) => PageError(e).into_response(),
    }
}

pub async fn revoke_invitation(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    meta.idempotency = form.confirm_once(&format!("revoke-invitation:{id}"));
    if twotier_domain::ids::InvitationId::parse(&id).is_none() {
        return Err(PageError(CoreError::NotFound));
    }
    partnerships::revoke_invitation(&state.svc, &s.actor, &meta, id.trim()).await?;
    Ok(Redirect::to("/resellers?done=invitation-revoked").into_response())
}

#[derive(Template)]
#[template(path = "reseller_remove.html")]
struct RemovePage {
    ctx: Ctx,
    reseller: Relationship,
}

fn reseller_id(raw: &str) -> Result<TenantId, PageError> {
    TenantId::parse(raw).ok_or(PageError(CoreError::NotFound))
}

/// The confirmation with the legal statement.
pub async fn remove_form(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let id = match reseller_id(&id) {
        Ok(id) => id,
        Err(e) => return Err(e),
    };
    let reseller = partnerships::get_reseller(&state.svc, &s.actor, &id).await?;
    Ok(render(&RemovePage {
        ctx: Ctx::new(&s, "Remove partnership", "/resellers").with_crumbs(
            &[("/resellers", "Indirect resellers")],
            "Remove partnership",
        ),
        reseller,
    }))
}

pub async fn remove(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    meta.idempotency = form.confirm_once(&format!("remove-partnership:{id}"));
    let id = match reseller_id(&id) {
        Ok(id) => id,
        Err(e) => return Err(e),
    };
    partnerships::remove(&state.svc, &s.actor, &meta, &id).await?;
    Ok(Redirect::to("/resellers?done=partnership-removed").into_response())
}

#[derive(Template)]
#[template(path = "my_providers.html")]
struct ProvidersPage {
    ctx: Ctx,
    providers: Vec<Relationship>,
    search: String,
    sort: &'static str,
    headers: Vec<SortHeader>,
    pager: Pager,
    filters: Vec<String>,
}

impl ProvidersPage {
    fn filters_shown(&self) -> &[String] {
        &self.filters
    }
}

/// The reseller's indirect providers.
pub async fn my_providers_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    if s.actor.tenant_kind != TenantKind::Reseller {
        return Err(PageError(CoreError::NotFound));
    }
    let (asked, query) = partner_list(
        "/indirect-providers",
        &q,
        RelationshipType::IsIndirectResellerOf,
    );
    let page = partnerships::list(&state.svc, &s.actor, &query).await?;
    Ok(render(&ProvidersPage {
        ctx: Ctx::new(&s, "Indirect providers", "/indirect-providers")
            .with_flash(q.get("done").map(String::as_str)),
        headers: partner_headers(&asked, "Provider"),
        pager: partner_pager(&asked, &page),
        filters: partner_search_shown(&asked),
        providers: page.items,
        search: asked.filter("q").to_owned(),
        sort: asked.sort_name,
    }))
}

#[derive(Template)]
#[template(path = "accept.html")]
struct AcceptPage {
    ctx: Ctx,
    token: String,
    preview: Option<InvitationPreview>,
    refusal: Option<String>,
    signed_in: bool,
    login_href: String,
}

/// The page the invitation link opens: who asks, what accepting grants, and the consent box;
/// or a clear refusal.
pub async fn accept_page(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let token = q.get("token").cloned().unwrap_or_default();
    let next = format!(
        "/partnerships/accept?{}",
        serde_urlencoded::to_string([("token", token.as_str())]).unwrap_or_default()
    );
    let login_href = format!(
        "/login?{}",
        serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
    );
    let ctx = match &viewer {
        Some(s) => Ctx::new(s, "Authorize indirect provider", ""),
        None => Ctx::anonymous("Authorize indirect provider"),
    };
    let actor = viewer
        .as_ref()
        .filter(|s| s.pending.is_none())
        .map(|s| &s.actor);
    let signed_in = actor.is_some();
    match partnerships::preview(&state.svc, actor, &token).await {
        Ok(preview) => render(&AcceptPage {
            ctx,
            token,
            preview: Some(preview),
            refusal: None,
            signed_in,
            login_href,
        }),
        Err(e @ CoreError::Rule { .. }) => {
            let (status, _, message) = classify(&e);
            // Say who is asking even when this user cannot accept, if the link itself is good.
            let preview = if signed_in {
                partnerships::preview(&state.svc, None, &token).await.ok()
            } else {
                None
            };
            render_status(
                status,
                &AcceptPage {
                    ctx,
                    token,
                    preview,
                    refusal: Some(message),
                    signed_in,
                    login_href,
                },
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
    meta.idempotency = form.confirm_once("accept-invitation");
    let token = form.get("token");
    if !form.checked("consent") {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &AcceptPage {
                ctx: Ctx::new(&s, "Authorize indirect provider", ""),
                preview: partnerships::preview(&state.svc, Some(&s.actor), &token)
                    .await
                    .ok(),
                token,
                refusal: Some(
                    "Tick the box to confirm that you authorize this indirect provider.".to_owned(),
                ),
                signed_in: true,
                login_href: String::new(),
            },
        );
    }
    match partnerships::accept(&state.svc, &s.actor, &meta, &token).await {
        Ok(_) => Redirect::to("/indirect-providers?done=partnership-created").into_response(),
        Err(e @ CoreError::Rule { .. }) => {
            let (status, _, message) = classify(&e);
            render_status(
                status,
                &AcceptPage {
                    ctx: Ctx::new(&s, "Authorize indirect provider", ""),
                    token,
                    preview: None,
                    refusal: Some(message),
                    signed_in: true,
                    login_href: String::new(),
                },
            )
        }
        Err(e) => PageError(e).into_response(),
    }
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/resellers",                         Policy::Permission(P::ViewPartnerships),   resellers_page)
        .post  ("/resellers/invitations",             Policy::Permission(P::ManagePartnerships), create_invitation)
        .post  ("/resellers/invitations/{id}/revoke", Policy::Permission(P::ManagePartnerships), revoke_invitation)
        .get   ("/resellers/{id}/remove",             Policy::Permission(P::ManagePartnerships), remove_form)
        .post  ("/resellers/{id}/remove",             Policy::Permission(P::ManagePartnerships), remove)
        .get   ("/indirect-providers",                Policy::Permission(P::ViewPartnerships),   my_providers_page)
        .get   ("/partnerships/accept",               Policy::Public,                            accept_page)
        .post  ("/partnerships/accept",               Policy::SignedIn,                          accept);
}
