//! Sign-in, sign-out, the forced password change and two-factor sign-in.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use twotier_core::CoreError;
use twotier_core::auth::{self, Step};
use twotier_domain::FieldErrors;

use super::{Ctx, FormData, field_errors, render, render_status};
use crate::AppState;
use crate::error::{PageError, PageResult};
use crate::extract::{ClientAddr, MaybeViewer, Meta, Viewer};
use crate::middleware::{SESSION_COOKIE, session_cookie};
use crate::routes::{Policy, Routes};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    email: String,
    next: String,
    error: Option<String>,
    /// The organisations to choose from, when the address has accounts in several.
    organisations: Vec<auth::Organisation>,
}

/// Only a path of this site, so `next` cannot send people elsewhere: it starts with one `/`,
/// and holds only printable ASCII without `\`, so no tab, line break or other character a
/// browser drops or a header refuses can turn it into `//other.site` (anything else is `/`).
pub(crate) fn safe_next(next: &str) -> String {
    let printable = next.bytes().all(|b| b.is_ascii_graphic());
    let one_slash = next.starts_with('/') && !next.starts_with("//");
    if printable && one_slash && !next.contains('\\') && next.len() < 500 {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

/// This module's routes, one a line: method, path, policy, handler.
#[rustfmt::skip]
pub(crate) fn routes(r: &mut Routes) {
    r.pages()
        .get   ("/login",              Policy::Public,   login_form)
        .post  ("/login",              Policy::Public,   login)
        .post  ("/logout",             Policy::Step,     logout)
        .get   ("/password",           Policy::Step,     password_form)
        .post  ("/password",           Policy::Step,     change_password)
        .get   ("/two-factor",         Policy::Step,     code_form)
        .post  ("/two-factor",         Policy::Step,     verify_code)
        .get   ("/two-factor/setup",   Policy::Step,     setup_form)
        .post  ("/two-factor/setup",   Policy::Step,     confirm_setup)
        .post  ("/two-factor/disable", Policy::SignedIn, disable_two_factor);
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_is_a_path_of_this_site_or_home() {
        for ok in [
            "/",
            "/customers?size=50",
            "/customers/0190-1/subscriptions/x#top",
        ] {
            assert_eq!(super::safe_next(ok), ok);
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/\u{0}x",
            "/a\r\nSet-Cookie: x=y",
            "/ space",
            "/caf\u{e9}",
            "",
        ] {
            assert_eq!(super::safe_next(bad), "/", "{bad:?}");
        }
    }
}

pub async fn login_form(
    MaybeViewer(viewer): MaybeViewer,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if viewer.is_some() {
        return Redirect::to("/").into_response();
    }
    let next = safe_next(q.get("next").map_or("/", String::as_str));
    render(&LoginPage {
        ctx: Ctx::anonymous("Sign in"),
        email: String::new(),
        next,
        error: None,
        organisations: Vec::new(),
    })
}

fn session_cookie_header(state: &AppState, token: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("tt_session=; Path=/; Max-Age=0"))
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    form: FormData,
) -> Response {
    let email = form.get("email");
    let next = safe_next(&form.get("next"));
    let page =
        |status: StatusCode, message: Option<&str>, organisations: Vec<auth::Organisation>| {
            render_status(
                status,
                &LoginPage {
                    ctx: Ctx::anonymous("Sign in"),
                    email: email.clone(),
                    next: next.clone(),
                    error: message.map(str::to_owned),
                    organisations,
                },
            )
        };
    let organisation = form.get("organisation");
    match auth::login(
        &state.svc,
        &email,
        &form.get("password"),
        addr.as_deref(),
        Some(organisation.as_str()),
        session_cookie(&headers).as_deref(),
    )
    .await
    {
        Ok(auth::SignIn::Session(session)) => {
            let max_age = state.svc.settings.session_absolute_hours * 3600;
            let mut r = Redirect::to(&next).into_response();
            r.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie_header(&state, &session.token, max_age),
            );
            r
        }
        Ok(auth::SignIn::Choose(organisations)) => page(StatusCode::OK, None, organisations),
        Err(CoreError::Unauthenticated) => page(
            StatusCode::UNAUTHORIZED,
            Some("The email or password is wrong, or the account is disabled."),
            Vec::new(),
        ),
        Err(CoreError::Invalid(_)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Enter your email and password."),
            Vec::new(),
        ),
        Err(CoreError::Throttled { retry_after_secs }) => {
            let minutes = retry_after_secs.div_ceil(60);
            page(
                StatusCode::TOO_MANY_REQUESTS,
                Some(&format!(
                    "Too many failed sign-ins. Try again in {minutes} minute(s)."
                )),
                Vec::new(),
            )
        }
        Err(e) => PageError(e).into_response(),
    }
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    if let Some(token) = session_cookie(&headers)
        && let Err(e) = auth::logout(&state.svc, &token).await
    {
        return Err(PageError(e));
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, session_cookie_header(&state, "", 0));
    Ok(r)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    ctx: Ctx,
    forced: bool,
    /// The page to open once the sign-in is complete.
    next: String,
    errors: FieldErrors,
}

/// The password page is for a complete sign-in, or the forced change of a temporary
/// password; with the second factor still to come it sends the person there first.
fn second_factor_first(s: &auth::Session, next: &str) -> Option<Response> {
    match s.pending {
        Some(step @ (Step::EnterCode | Step::EnrolTwoFactor)) => {
            Some(super::redirect_to_step(step, Some(next)))
        }
        _ => None,
    }
}

/// The `next` of a sign-in step's page (query or form), or Home.
fn next_of(q: &HashMap<String, String>) -> String {
    safe_next(q.get("next").map_or("/", String::as_str))
}

pub async fn password_form(
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let next = next_of(&q);
    if let Some(r) = second_factor_first(&s, &next) {
        return r;
    }
    let forced = s.pending == Some(Step::ChangePassword);
    render(&PasswordPage {
        ctx: Ctx::new(&s, "Change your password", "/account"),
        forced,
        next,
        errors: FieldErrors::new(),
    })
}

pub async fn change_password(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(meta): Meta,
    form: FormData,
) -> Response {
    let next = safe_next(&form.get("next"));
    if let Some(r) = second_factor_first(&s, &next) {
        return r;
    }
    let forced = s.pending == Some(Step::ChangePassword);
    let mut errors = FieldErrors::new();
    if form.get("new_password") == form.get("confirm_password") {
        match auth::change_password(
            &state.svc,
            &s,
            &meta,
            &form.get("current_password"),
            &form.get("new_password"),
        )
        .await
        {
            Ok(()) => {
                return Redirect::to(if forced {
                    &next
                } else {
                    "/account?done=password"
                })
                .into_response();
            }
            Err(e) => match field_errors(e) {
                Ok(f) => errors = f,
                Err(page) => return page.into_response(),
            },
        }
    } else {
        errors.add("confirm_password", "the two new passwords differ");
    }
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &PasswordPage {
            ctx: Ctx::new(&s, "Change your password", "/account"),
            forced,
            next,
            errors,
        },
    )
}

#[derive(Template)]
#[template(path = "code.html")]
struct CodePage {
    ctx: Ctx,
    next: String,
    error: Option<String>,
}

pub async fn code_form(Viewer(s): Viewer, Query(q): Query<HashMap<String, String>>) -> Response {
    let next = next_of(&q);
    if s.pending != Some(Step::EnterCode) {
        return Redirect::to(&next).into_response();
    }
    render(&CodePage {
        ctx: Ctx::new(&s, "Two-factor sign-in", ""),
        next,
        error: None,
    })
}

pub async fn verify_code(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    form: FormData,
) -> Response {
    let next = safe_next(&form.get("next"));
    match auth::verify_code(&state.svc, &s, &form.get("code")).await {
        Ok(()) => Redirect::to(&next).into_response(),
        // The session has ended: the password is asked again.
        Err(CoreError::Rule {
            code: twotier_core::Code::TwoFactorRoundOver,
            ..
        }) => {
            let mut r = render_status(
                StatusCode::UNAUTHORIZED,
                &LoginPage {
                    ctx: Ctx::anonymous("Sign in"),
                    email: s.email.clone(),
                    next: next.clone(),
                    error: Some(
                        "Too many wrong codes: sign in again with your password.".to_owned(),
                    ),
                    organisations: Vec::new(),
                },
            );
            r.headers_mut()
                .insert(header::SET_COOKIE, session_cookie_header(&state, "", 0));
            r
        }
        Err(e) => match field_errors(e) {
            Ok(f) => render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &CodePage {
                    ctx: Ctx::new(&s, "Two-factor sign-in", ""),
                    next,
                    error: f.get("code").map(str::to_owned),
                },
            ),
            Err(page) => page.into_response(),
        },
    }
}

#[derive(Template)]
#[template(path = "twofactor_setup.html")]
struct SetupPage {
    ctx: Ctx,
    required: bool,
    next: String,
    secret: String,
    qr_svg: String,
    error: Option<String>,
}

async fn setup_page(
    state: &AppState,
    s: &auth::Session,
    next: String,
    error: Option<String>,
) -> PageResult {
    let e = auth::start_enrolment(&state.svc, s).await?;
    let required = s.pending == Some(Step::EnrolTwoFactor);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render_status(
        status,
        &SetupPage {
            ctx: Ctx::new(s, "Set up two-factor sign-in", "/account"),
            required,
            next,
            secret: e.secret,
            qr_svg: e.qr_svg,
            error,
        },
    ))
}

pub async fn setup_form(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    setup_page(&state, &s, next_of(&q), None)
        .await
        .into_response()
}

pub async fn confirm_setup(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(meta): Meta,
    form: FormData,
) -> Response {
    let next = safe_next(&form.get("next"));
    // A required enrolment completes the sign-in: on to the page that was asked for.
    let done = if s.pending == Some(Step::EnrolTwoFactor) && next != "/" {
        next.clone()
    } else {
        "/account?done=two-factor-on".to_owned()
    };
    match auth::confirm_enrolment(&state.svc, &s, &meta, &form.get("code")).await {
        Ok(()) => Redirect::to(&done).into_response(),
        Err(e) => match field_errors(e) {
            Ok(f) => setup_page(&state, &s, next, f.get("code").map(str::to_owned))
                .await
                .into_response(),
            Err(page) => page.into_response(),
        },
    }
}

pub async fn disable_two_factor(
    State(state): State<AppState>,
    Viewer(s): Viewer,
    Meta(meta): Meta,
    form: FormData,
) -> PageResult {
    match auth::disable_two_factor(&state.svc, &s, &meta, &form.get("current_password")).await {
        Ok(()) => Ok(Redirect::to("/account?done=two-factor-off").into_response()),
        Err(e) => super::account::account(&state, &s, None, field_errors(e)?, String::new()).await,
    }
}
