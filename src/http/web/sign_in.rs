//! Signing in and out in the browser. A form posted after its session
//! ended comes here with its fields: they ride along, hidden, through the
//! sign-in form, and after signing in the person is back in their form
//! with every word kept (nothing is saved until they press save again).

use maud::{Markup, html};
use poem::http::header;
use poem::web::{Data, Form, Query};
use poem::{IntoResponse, Request, Response, handler};

use super::DemoLogins;
use super::error::{WebError, WebResult, redirect};
use super::form::FormData;
use super::layout::{Field, csrf_field, error_summary, notice, page};
use super::reflections;
use super::session::{self, Cookies};
use crate::app::{App, AppError};
use crate::domain::error::FieldError;
use crate::http::client::client_ip;

/// Where the person was going: a path on this site, never another site.
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    if local { next } else { "/" }
}

/// A form's fields carried through signing in again.
pub struct Draft<'a> {
    /// The form's own address.
    pub resume: &'a str,
    pub fields: &'a FormData,
}

#[derive(serde::Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    next: String,
}

/// `GET /sign-in`.
#[handler]
pub async fn sign_in_page(
    req: &Request,
    app: Data<&App>,
    Query(query): Query<SignInQuery>,
) -> WebResult {
    if session::signed_in(&app, req).await?.is_some() {
        return Ok(redirect(safe_next(&query.next)));
    }
    Ok(sign_in_response(
        &app,
        SignInForm {
            next: safe_next(&query.next),
            demo: demo_logins(req),
            ..SignInForm::default()
        },
        poem::http::StatusCode::OK,
    ))
}

/// The demo's logins, when the server was started with `--demo`.
fn demo_logins(req: &Request) -> Option<&DemoLogins> {
    req.data::<Option<DemoLogins>>().and_then(Option::as_ref)
}

/// Shows a form that was posted after its session ended as the sign-in
/// page, its fields kept.
pub fn sign_in_again(app: &App, draft: Draft<'_>) -> Response {
    sign_in_response(
        app,
        SignInForm {
            next: "/",
            draft: Some(draft),
            ..SignInForm::default()
        },
        poem::http::StatusCode::OK,
    )
}

#[derive(Default)]
struct SignInForm<'a> {
    next: &'a str,
    email: &'a str,
    errors: Vec<FieldError>,
    draft: Option<Draft<'a>>,
    demo: Option<&'a DemoLogins>,
}

fn sign_in_response(app: &App, form: SignInForm<'_>, status: poem::http::StatusCode) -> Response {
    let cookies = Cookies::for_base_url(&app.config().base_url);
    let form_token = session::new_form_token();
    let markup = page("Sign in", None, sign_in_markup(&form, &form_token));
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .header(header::SET_COOKIE, cookies.sign_in_form(&form_token))
        .body(markup.into_string())
}

fn sign_in_markup(form: &SignInForm<'_>, form_token: &str) -> Markup {
    let email = Field::new("email", "Email address", &form.errors);
    let password = Field::new("password", "Password", &form.errors);
    html! {
        (error_summary(&form.errors, |_| String::new()))
        h1 { "Sign in" }
        @if form.draft.is_some() {
            (notice("Your session ended. Sign in again and your writing will be back in the form, not yet saved."))
        }
        form method="post" action="/sign-in" novalidate {
            (csrf_field(form_token))
            input type="hidden" name="next" value=(form.next);
            @if let Some(draft) = &form.draft {
                input type="hidden" name="resume" value=(draft.resume);
                @for (name, value) in draft.fields.pairs() {
                    @if name != "csrf" {
                        input type="hidden" name={ "draft." (name) } value=(value);
                    }
                }
            }
            (email.wrap(html! {
                input.input #(email.id()) type="email" name="email" value=(form.email)
                    autocomplete="username" spellcheck="false"
                    aria-describedby=[email.described_by()];
            }))
            (password.wrap(html! {
                input.input #(password.id()) type="password" name="password"
                    autocomplete="current-password" aria-describedby=[password.described_by()];
            }))
            button.button type="submit" { "Sign in" }
        }
        @if let Some(demo) = form.demo {
            section.card aria-labelledby="demo-title" {
                h2 #demo-title { "Demo accounts" }
                p { "This server is running the demo. Every account below is fictional and uses the password " code { (demo.password) } "." }
                div.table-wrap role="region" aria-label="Demo accounts table" tabindex="0" { table {
                    caption.visually-hidden { "Demo accounts" }
                    thead { tr { th scope="col" { "Email address" } th scope="col" { "Name" } th scope="col" { "Role" } } }
                    tbody { @for p in &demo.people { tr { td { (p.email) } td { (p.name) } td { (p.job_title) } } } }
                } }
            }
        }
    }
}

/// `POST /sign-in`.
#[handler]
pub async fn sign_in(req: &Request, app: Data<&App>, Form(form): Form<FormData>) -> WebResult {
    let cookies = Cookies::for_base_url(&app.config().base_url);
    let expected = cookies.sign_in_token(req).unwrap_or_default();
    if expected.is_empty()
        || !session::tokens_match(&expected, form.get("csrf"))
        || !session::from_this_site(req)
    {
        tracing::warn!("sign-in form refused: wrong or missing form token or origin");
        return Err(WebError::Forged);
    }
    let draft_fields = FormData::from_pairs(
        form.pairs()
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("draft.").map(|k| (k.to_owned(), v.clone())))
            .collect(),
    );
    let resume = form.get("resume");
    let client = client_ip(req, app.config());
    let login = match app
        .login(form.get("email"), form.get("password"), client)
        .await
    {
        Ok(login) => login,
        Err(err) => {
            return refused(&app, &form, err, &draft_fields);
        }
    };
    let max_age = (login.expires_at - app.now()).whole_seconds();
    let mut resp = if login.must_change_password {
        redirect("/account/password")
    } else if !resume.is_empty() {
        let signed_in = session::SignedIn {
            user: app.session_user(&login.token).await?,
            csrf: session::csrf_for_session(&login.token),
        };
        reflections::resume(&app, &signed_in, resume, &draft_fields)?
    } else {
        redirect(safe_next(form.get("next")))
    };
    let headers = resp.headers_mut();
    for cookie in [
        cookies.session(&login.token, max_age),
        cookies.clear_sign_in_form(),
    ] {
        if let Ok(value) = cookie.parse() {
            headers.append(header::SET_COOKIE, value);
        }
    }
    Ok(resp)
}

/// The sign-in form again, saying why, with the email and any draft kept.
fn refused(app: &App, form: &FormData, err: AppError, draft: &FormData) -> WebResult {
    let (status, message) = match err {
        AppError::InvalidCredentials => (
            poem::http::StatusCode::UNAUTHORIZED,
            "The email address or password is not correct".to_owned(),
        ),
        AppError::Forbidden(why) => (poem::http::StatusCode::FORBIDDEN, capitalised(&why)),
        AppError::TooManyRequests { detail, .. } | AppError::Busy { detail, .. } => (
            poem::http::StatusCode::TOO_MANY_REQUESTS,
            capitalised(&detail),
        ),
        other => return Err(other.into()),
    };
    let resume = form.get("resume");
    Ok(sign_in_response(
        app,
        SignInForm {
            next: safe_next(form.get("next")),
            email: form.get("email"),
            errors: vec![FieldError::new("email", message)],
            draft: (!resume.is_empty()).then_some(Draft {
                resume,
                fields: draft,
            }),
            demo: None,
        },
        status,
    ))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `POST /sign-out`: ends the session (the CSRF token proves the form is
/// ours) and forgets the cookie.
#[handler]
pub async fn sign_out(req: &Request, app: Data<&App>, Form(form): Form<FormData>) -> WebResult {
    let cookies = Cookies::for_base_url(&app.config().base_url);
    if let Some(signed_in) = session::signed_in(&app, req).await? {
        form.check_csrf(req, &signed_in)?;
        app.logout(&signed_in.user).await?;
    }
    let mut resp = redirect("/sign-in").into_response();
    if let Ok(value) = cookies.clear_session().parse() {
        resp.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_signing_in() {
        assert_eq!(safe_next("/reflections?q=x"), "/reflections?q=x");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
