//! Turning pages into responses: templates, error pages, the redirect to a sign-in step,
//! CSV downloads and the page that shows a secret once.

use super::*;

/// A form page's status: 422 when it shows errors next to fields, 200 otherwise.
pub fn form_status(errors: &FieldErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// Renders a template; a rendering failure becomes a logged 500.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => PageError(twotier_core::CoreError::internal_msg(format!(
            "template: {e}"
        )))
        .into_response(),
    }
}

pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    let mut r = render(t);
    if r.status().is_success() {
        *r.status_mut() = status;
    }
    r
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: Ctx,
    heading: &'a str,
    message: &'a str,
}

/// What an error page says, kept on its response so the layers that know who is signed in
/// can show it again in the signed-in layout ([`signed_in_error_page`]).
#[derive(Debug, Clone)]
pub struct ErrorContent {
    pub heading: String,
    pub message: String,
}

/// A page with a heading and a message (errors, refusals), in the signed-out layout; the
/// middleware shows it in the signed-in layout when someone is signed in.
pub fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let mut r = error_page_in(Ctx::anonymous(heading), status, heading, message);
    r.extensions_mut().insert(ErrorContent {
        heading: heading.to_owned(),
        message: message.to_owned(),
    });
    r
}

/// The same error page in the signed-in layout of `session`.
pub fn signed_in_error_page(
    session: &Session,
    status: StatusCode,
    content: &ErrorContent,
) -> Response {
    error_page_in(
        Ctx::new(session, &content.heading, ""),
        status,
        &content.heading,
        &content.message,
    )
}

fn error_page_in(ctx: Ctx, status: StatusCode, heading: &str, message: &str) -> Response {
    let page = ErrorPage {
        ctx,
        heading,
        message,
    };
    let mut r = match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => "internal error".into_response(),
    };
    *r.status_mut() = status;
    r
}

/// Where a session with a pending step must go first, keeping the page it asked for
/// (`next`), so a deep link survives a forced password change and the second factor.
pub fn redirect_to_step(step: Step, wanted: Option<&str>) -> Response {
    let page = match step {
        Step::ChangePassword => "/password",
        Step::EnterCode => "/two-factor",
        Step::EnrolTwoFactor => "/two-factor/setup",
    };
    match wanted.filter(|w| *w != "/" && !w.is_empty()) {
        Some(w) => Redirect::to(&with_next(page, w)).into_response(),
        None => Redirect::to(page).into_response(),
    }
}

/// `page?next=…`: a page that sends the person on to `next` when it is done.
pub fn with_next(page: &str, next: &str) -> String {
    format!(
        "{page}?{}",
        serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
    )
}

/// A CSV download.
pub fn csv_response(body: String, filename: &str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = http::HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(http::header::CONTENT_DISPOSITION, v);
    }
    r
}

pub use twotier_core::shown_once::{EmailDraft, Secret};

/// The page that shows a secret once; [`show_once`] gets there through a redirect.
#[derive(Debug, Template)]
#[template(path = "secret.html")]
pub struct SecretPage {
    pub ctx: Ctx,
    /// `None` when it was shown already (refresh, Back, another session).
    pub secret: Option<Secret>,
}

impl SecretPage {
    /// The `mailto:` link of the secret's email, if it has one.
    fn mailto(&self) -> String {
        let Some(mail) = self.secret.as_ref().and_then(|s| s.email.as_ref()) else {
            return String::new();
        };
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        format!(
            "mailto:?subject={}&body={}",
            enc(&mail.subject),
            enc(&mail.body)
        )
    }
}

/// A secret to show once, carried on the response: the session layer, which holds the
/// cookie that seals it, keeps it and redirects to `/shown-once/{id}` (post/redirect/get).
#[derive(Debug, Clone)]
pub struct ShowOnce(pub Secret);

/// Answers a POST that made a secret: a redirect to the one page that shows it.
fn show_once(secret: Secret) -> Response {
    let mut r = StatusCode::OK.into_response();
    r.extensions_mut().insert(ShowOnce(secret));
    r
}

/// The idempotency key of the change that made (or, on a repeat, made before) a secret:
/// its one page is the same for every repeat, so a double-click on the last button leads to
/// the secret rather than to "already done".
#[derive(Debug, Clone)]
pub struct ShownOnceSlot(pub String);

/// Answers a change that made a secret with its one page. A change with an idempotency key
/// keeps its key as the page's slot, and its repeat (a double-click, Back then submit),
/// whose result holds no secret, goes to the page the first request made.
pub fn show_once_for(
    secret: Secret,
    key: Option<&twotier_core::write::IdempotencyKey>,
) -> Response {
    match key {
        Some(k) if secret.secret.is_empty() => shown_once_again(k.key.clone()),
        Some(k) => {
            let mut r = show_once(secret);
            r.extensions_mut().insert(ShownOnceSlot(k.key.clone()));
            r
        }
        None => show_once(secret),
    }
}

/// Answers a repeat of a change keyed `slot` whose secret the first request made: a
/// redirect to that secret's one page (which says "shown" once it has been seen).
pub fn shown_once_again(slot: String) -> Response {
    let mut r = StatusCode::OK.into_response();
    r.extensions_mut().insert(ShownOnceSlot(slot));
    r
}

/// A user's temporary password, with the user name and when it expires.
pub fn temporary_password(
    heading: String,
    email: &str,
    expires: twotier_domain::clock::Timestamp,
    secret: Option<String>,
    usage: &str,
    back_href: String,
) -> Secret {
    Secret {
        heading,
        facts: vec![
            ("User name".to_owned(), email.to_owned()),
            ("Expires".to_owned(), expires.display()),
        ],
        secret_label: "Temporary password".to_owned(),
        secret: secret.unwrap_or_default(),
        usage: usage.to_owned(),
        back_href,
        back_label: "Done".to_owned(),
        email: None,
    }
}

/// A count a page writes with its noun.
pub trait Count {
    fn is_one(&self) -> bool;
}
impl Count for i64 {
    fn is_one(&self) -> bool {
        *self == 1
    }
}
impl Count for usize {
    fn is_one(&self) -> bool {
        *self == 1
    }
}
/// A count as typed in a form.
impl Count for &str {
    fn is_one(&self) -> bool {
        self.trim() == "1"
    }
}
impl<T: Count + ?Sized> Count for &T {
    fn is_one(&self) -> bool {
        (**self).is_one()
    }
}

/// The noun for a count: 1 `customer`, 0 or 2 `customers`.
pub fn plural<'a>(n: impl Count, one: &'a str, many: &'a str) -> &'a str {
    if n.is_one() { one } else { many }
}

/// A country by its name ("France" for `FR`); a code twotier does not know stays a code.
pub fn country_name(code: &str) -> String {
    twotier_domain::partner::Country::parse(code)
        .map_or_else(|_| code.to_owned(), |c| c.name.to_owned())
}
