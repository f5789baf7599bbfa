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

/// A page with a heading and a message (errors, refusals).
pub fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let page = ErrorPage {
        ctx: Ctx::anonymous(heading),
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

/// Where a session with a pending step must go first.
pub fn redirect_to_step(step: Step) -> Response {
    Redirect::to(match step {
        Step::ChangePassword => "/password",
        Step::EnterCode => "/two-factor",
        Step::EnrolTwoFactor => "/two-factor/setup",
    })
    .into_response()
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

/// A secret shown exactly once (temporary password, token, client secret).
#[derive(Debug, Template)]
#[template(path = "secret.html")]
pub struct SecretPage {
    pub ctx: Ctx,
    pub heading: String,
    pub facts: Vec<(String, String)>,
    pub secret_label: String,
    pub secret: String,
    pub usage: String,
    pub back_href: String,
    pub back_label: String,
}

impl SecretPage {
    /// A user's temporary password, shown once, with the user name and when it expires.
    pub fn temporary_password(
        ctx: Ctx,
        heading: String,
        email: &str,
        expires: twotier_domain::clock::Timestamp,
        secret: Option<String>,
        usage: &str,
        back_href: String,
    ) -> Self {
        Self {
            ctx,
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
        }
    }
}
