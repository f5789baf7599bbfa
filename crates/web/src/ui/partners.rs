//! The operator console (partners), the partner agreement, and the public list of
//! indirect providers.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use twotier_core::partners::{self, EnrollInput, ListQuery, Partner, ProfileInput};
use twotier_domain::FieldErrors;
use twotier_domain::authz::Permission as P;
use twotier_domain::ids::TenantId;
use twotier_domain::partner::Country;
use twotier_domain::tenant::TenantKind;

use super::table::{self, Asked, Pager, SortHeader};
use super::{Ctx, FormData, Secret, field_errors, render, render_status, show_once_for};
use crate::AppState;
use crate::error::{PageError, PageResult};
use crate::extract::{MaybeViewer, Meta, Viewer};
use crate::routes::{Policy, Routes};

#[derive(Template)]
#[template(path = "partners.html")]
struct PartnersPage {
    ctx: Ctx,
    partners: Vec<Partner>,
    kind: String,
    search: String,
    sort: &'static str,
    headers: Vec<SortHeader>,
    pager: Pager,
    can_manage: bool,
}

impl PartnersPage {
    /// The filters in force, in words.
    fn filters_shown(&self) -> Vec<String> {
        let mut out = Vec::new();
        let text = self.search.trim();
        if !text.is_empty() {
            out.push(format!("name or MPN ID contains “{text}”"));
        }
        match self.kind.as_str() {
            "provider" => out.push("indirect providers".to_owned()),
            "reseller" => out.push("indirect resellers".to_owned()),
            _ => {}
        }
        out
    }
}

/// Every partner: search by part of a name or MPN ID, filter by kind, sort by name or by
/// when the partner was enrolled, page both ways.
pub async fn partners_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let asked = Asked::new("/partners", &q, &["q", "kind"]);
    let kind = TenantKind::parse(asked.filter("kind"))
        .ok()
        .filter(|k| k.is_partner());
    let query = ListQuery {
        kind,
        contains: asked.given("q"),
        include_disabled: true,
        sort: asked.sort,
        after: asked.after.clone(),
        before: asked.before.clone(),
        limit: asked.size,
        ..ListQuery::default()
    };
    let page = partners::list(&state.svc, &s.actor, &query).await?;
    Ok(render(&PartnersPage {
        ctx: Ctx::new(&s, "Partners", "/partners").with_flash(q.get("done").map(String::as_str)),
        headers: asked.headers(&[
            ("Name", ("name", "name-desc")),
            ("Enrolled", ("oldest", "newest")),
        ]),
        pager: asked.pager(
            table::count_text(page.total, i64::MAX, "partner", "partners"),
            page.previous.as_ref(),
            page.next.as_ref(),
        ),
        partners: page.items,
        kind: asked.filter("kind").to_owned(),
        search: asked.filter("q").to_owned(),
        sort: asked.sort_name,
        can_manage: s.actor.can(P::ManagePartners),
    }))
}

#[derive(Template)]
#[template(path = "partner_new.html")]
struct NewPartnerPage {
    ctx: Ctx,
    form: FormData,
    countries: Vec<Country>,
    errors: FieldErrors,
}

pub async fn new_partner_form(Viewer(s): Viewer) -> Response {
    render(&NewPartnerPage {
        ctx: Ctx::new(&s, "Enrol a partner", "/partners"),
        form: FormData::default(),
        countries: Country::all().collect(),
        errors: FieldErrors::new(),
    })
}

pub async fn create_partner(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(mut meta): Meta,
    form: FormData,
) -> Response {
    meta.idempotency = form.confirm_once("enrol-partner");
    let input = EnrollInput {
        kind: form.get("kind"),
        name: form.get("name"),
        legal_name: form.get("legal_name"),
        mpn_id: form.get("mpn_id"),
        country: form.get("country"),
        contact_email: form.get("contact_email"),
        description: form.get("description"),
        website: form.get("website"),
        admin_email: form.get("admin_email"),
        admin_display_name: form.get("admin_display_name"),
        accept_agreement: false,
    };
    match partners::enroll(&state.svc, &s.actor, &meta, &input).await {
        Ok(done) => show_once_for(Secret {
            heading: format!("{} is enrolled", done.partner.name),
            facts: vec![
                ("Kind".to_owned(), done.partner.kind.label().to_owned()),
                ("MPN ID".to_owned(), done.partner.mpn_id.to_string()),
                ("CSP region".to_owned(), done.partner.region_name.clone()),
                ("Global admin".to_owned(), done.admin_email.clone()),
            ],
            secret_label: "Temporary password of the Global admin".to_owned(),
            secret: done.temporary_password.unwrap_or_default(),
            usage: "Give it to the partner's Global admin, who must change it at first sign-in and accept the partner agreement.".to_owned(),
            back_href: format!("/partners/{}", done.partner.id),
            back_label: "Done".to_owned(),
            email: None,
        }, meta.idempotency.as_ref()),
        Err(e) => match field_errors(e) {
            Ok(errors) => render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewPartnerPage { ctx: Ctx::new(&s, "Enrol a partner", "/partners"), form, countries: Country::all().collect(), errors },
            ),
            Err(page) => page.into_response(),
        },
    }
}

#[derive(Template)]
#[template(path = "partner.html")]
struct PartnerPage {
    ctx: Ctx,
    partner: Partner,
    can_manage: bool,
    errors: FieldErrors,
}

fn tenant_id(raw: &str) -> Result<TenantId, PageError> {
    TenantId::parse(raw).ok_or(PageError(twotier_core::CoreError::NotFound))
}

pub async fn partner_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let id = match tenant_id(&id) {
        Ok(id) => id,
        Err(e) => return Err(e),
    };
    let partner = partners::get(&state.svc, &s.actor, &id).await?;
    Ok(render(&PartnerPage {
        ctx: Ctx::new(&s, &partner.name, "/partners")
            .with_flash(q.get("done").map(String::as_str))
            .with_crumbs(&[("/partners", "Partners")], &partner.name),
        can_manage: s.actor.can(P::ManagePartners),
        partner,
        errors: FieldErrors::new(),
    }))
}

/// Saves the directory profile, or disables/enables the partner (`action`).
pub async fn update_partner(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let id = match tenant_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let input = match form.get("action").as_str() {
        "disable" => ProfileInput {
            disabled: Some(true),
            ..ProfileInput::default()
        },
        "enable" => ProfileInput {
            disabled: Some(false),
            ..ProfileInput::default()
        },
        _ => ProfileInput {
            name: Some(form.get("name")),
            legal_name: Some(form.get("legal_name")),
            contact_email: Some(form.get("contact_email")),
            description: Some(form.get("description")),
            website: Some(form.get("website")),
            disabled: None,
        },
    };
    match partners::update_profile(&state.svc, &s.actor, &meta, &id, &input).await {
        Ok(_) => Redirect::to(&format!("/partners/{id}?done=partner-saved")).into_response(),
        Err(e) => match field_errors(e) {
            Ok(errors) => match partners::get(&state.svc, &s.actor, &id).await {
                Ok(mut partner) => {
                    // Show what was typed, with the errors next to it.
                    partner.name = form.get("name");
                    partner.legal_name = form.get("legal_name");
                    partner.contact_email = form.get("contact_email");
                    partner.description = form.get("description");
                    partner.website = form.get("website");
                    render_status(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &PartnerPage {
                            ctx: Ctx::new(&s, "Edit partner", "/partners"),
                            can_manage: true,
                            partner,
                            errors,
                        },
                    )
                }
                Err(e) => PageError(e).into_response(),
            },
            Err(page) => page.into_response(),
        },
    }
}

#[derive(Template)]
#[template(path = "agreement.html")]
struct AgreementPage {
    ctx: Ctx,
    partner: Partner,
}

pub async fn agreement_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let partner = partners::get(&state.svc, &s.actor, &s.actor.tenant_id).await?;
    Ok(render(&AgreementPage {
        ctx: Ctx::new(&s, "Partner agreement", "/agreement")
            .with_flash(q.get("done").map(String::as_str)),
        partner,
    }))
}

pub async fn accept_agreement(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(meta): Meta,
    form: FormData,
) -> PageResult {
    if !form.checked("consent") {
        return Ok(PageError(twotier_core::CoreError::invalid(
            "consent",
            "tick the box to accept the agreement",
        ))
        .into_response());
    }
    partners::accept_agreement(&state.svc, &s.actor, &meta, &s.actor.tenant_id).await?;
    Ok(Redirect::to("/agreement?done=agreement").into_response())
}

#[derive(Template)]
#[template(path = "providers.html")]
struct ProvidersPage {
    ctx: Ctx,
    providers: Vec<Partner>,
    name: String,
}

/// The public list of indirect providers; no sign-in needed.
pub async fn providers_page(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let name = q.get("name").cloned().unwrap_or_default();
    let ctx = match &viewer {
        Some(s) => Ctx::new(s, "Provider directory", "/providers"),
        None => Ctx::anonymous("Provider directory"),
    };
    let providers = partners::public_providers(&state.svc, Some(&name)).await?;
    Ok(render(&ProvidersPage {
        ctx,
        providers,
        name,
    }))
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/agreement",     Policy::Permission(P::AcceptAgreement), agreement_page)
        .post  ("/agreement",     Policy::Permission(P::AcceptAgreement), accept_agreement)
        .get   ("/partners",      Policy::Permission(P::ViewPartners),    partners_page)
        .get   ("/partners/new",  Policy::Permission(P::ManagePartners),  new_partner_form)
        .post  ("/partners",      Policy::Permission(P::ManagePartners),  create_partner)
        .get   ("/partners/{id}", Policy::Permission(P::ViewPartners),    partner_page)
        .post  ("/partners/{id}", Policy::Permission(P::ManagePartners),  update_partner)
        .get   ("/providers",     Policy::Public,                         providers_page);
}
