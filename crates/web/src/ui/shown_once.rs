//! The one-time page of a secret (post/redirect/get for temporary passwords, tokens and
//! client secrets): the POST that made it redirects here, this page shows it and forgets it.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use twotier_core::auth::Session;
use twotier_core::shown_once;

use super::{Ctx, SecretPage, ShowOnce, ShownOnceSlot, render};
use crate::AppState;
use crate::error::{PageError, PageResult};
use crate::extract::Viewer;
use crate::middleware::SessionToken;
use crate::routes::{Policy, Routes};

/// How long a repeat waits for the secret of its first request to be kept: that is one
/// insert after the change commits, so this is only reached when the first one failed.
const REPEAT_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Shows the secret once; a refresh, Back or another session sees that it was shown.
pub async fn shown_once_page(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    axum::Extension(token): axum::Extension<SessionToken>,
    Path(id): Path<String>,
) -> PageResult {
    let secret = shown_once::take(&state.svc, &s, token.expose(), &id).await?;
    let title = secret
        .as_ref()
        .map_or("Shown once", |secret| secret.heading.as_str())
        .to_owned();
    Ok(render(&SecretPage {
        ctx: Ctx::new(&s, &title, ""),
        secret,
    }))
}

/// Turns a response that carries a secret ([`super::show_once`]) into the redirect to its
/// one-time page, sealed for this session; a repeat of a keyed change
/// ([`super::shown_once_again`]) goes to the page its first request made.
pub async fn redirect_to_page(
    state: &AppState,
    session: &Session,
    token: &SessionToken,
    response: Response,
) -> Response {
    let slot = response
        .extensions()
        .get::<ShownOnceSlot>()
        .map(|s| s.0.clone());
    let id = match (response.extensions().get::<ShowOnce>().cloned(), slot) {
        (Some(ShowOnce(secret)), slot) => {
            match shown_once::keep(
                &state.svc,
                session,
                token.expose(),
                &secret,
                slot.as_deref(),
            )
            .await
            {
                Ok(id) => id,
                Err(e) => return PageError(e).into_response(),
            }
        }
        (None, Some(slot)) => {
            match shown_once::page_of_slot(&state.svc, session, token.expose(), &slot, REPEAT_WAIT)
                .await
            {
                Ok(id) => id,
                Err(e) => return PageError(e).into_response(),
            }
        }
        (None, None) => return response,
    };
    Redirect::to(&format!("/shown-once/{id}")).into_response()
}

#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get("/shown-once/{id}", Policy::SignedIn, shown_once_page);
}
