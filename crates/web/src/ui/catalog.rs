//! The operator's catalog page: every offer, taking offers off sale, importing a file.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use twotier_core::catalog::{self, Offer};
use twotier_domain::FieldErrors;

use super::{Ctx, FormData, field_errors, form_status, render_status};
use crate::AppState;
use crate::error::PageResult;
use crate::extract::{Meta, Viewer};
use crate::routes::{Policy, Routes};
use twotier_domain::authz::Permission as P;

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage {
    ctx: Ctx,
    offers: Vec<Offer>,
    file: String,
    errors: FieldErrors,
}

async fn catalog_view(
    state: &AppState,
    s: &twotier_core::auth::Session,
    done: Option<&str>,
    file: String,
    errors: FieldErrors,
) -> PageResult {
    let offers = catalog::list_all(&state.svc, &s.actor).await?;
    let status = form_status(&errors);
    Ok(render_status(
        status,
        &CatalogPage {
            ctx: Ctx::new(s, "Catalog", "/catalog").with_flash(done),
            offers,
            file,
            errors,
        },
    ))
}

pub async fn catalog_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    catalog_view(
        &state,
        &s,
        q.get("done").map(String::as_str),
        String::new(),
        FieldErrors::new(),
    )
    .await
    .into_response()
}

/// Imports a pasted JSON or CSV catalog: all rows or none, every bad row reported.
pub async fn import_catalog(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(meta): Meta,
    form: FormData,
) -> Response {
    let file = form.get("file");
    match catalog::import_file(&state.svc, &s.actor, &meta, &file).await {
        Ok(_) => Redirect::to("/catalog?done=catalog-imported").into_response(),
        Err(e) => match field_errors(e) {
            Ok(errors) => catalog_view(&state, &s, None, file, errors)
                .await
                .into_response(),
            Err(page) => page.into_response(),
        },
    }
}

/// Takes an offer off sale, or back on sale (`action`).
pub async fn update_offer(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(meta): Meta,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let available = form.get("action") == "resume";
    catalog::set_available(&state.svc, &s.actor, &meta, &id, available).await?;
    Ok(Redirect::to("/catalog?done=offer-saved").into_response())
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/catalog",             Policy::Permission(P::ManageCatalog), catalog_page)
        .post  ("/catalog",             Policy::Permission(P::ManageCatalog), import_catalog)
        .post  ("/catalog/offers/{id}", Policy::Permission(P::ManageCatalog), update_offer);
}
