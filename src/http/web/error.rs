//! How the pages show an error: the application's errors become an HTML
//! page with a status and a plain-English message, and a missing session
//! sends the browser to sign in and back. Form errors never come here:
//! a form is shown again with its text kept and each problem beside its
//! field.

use maud::html;
use poem::http::{StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

use super::layout::page;
use crate::app::AppError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    App(#[from] AppError),
    /// No live session: sign in, then come back to `next`.
    #[error("sign in needed")]
    SignIn { next: String },
    /// The account must set its own password before anything else.
    #[error("password change needed")]
    PasswordFirst,
    /// A form without this site's origin or CSRF token.
    #[error("the form could not be checked")]
    Forged,
}

pub type WebResult<T = Response> = Result<T, WebError>;

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            Self::SignIn { .. } | Self::PasswordFirst => StatusCode::SEE_OTHER,
            Self::Forged => StatusCode::FORBIDDEN,
            Self::App(err) => match err {
                AppError::BadRequest(_) | AppError::Validation(_) => StatusCode::BAD_REQUEST,
                AppError::Unauthorized | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
                AppError::Forbidden(_) => StatusCode::FORBIDDEN,
                AppError::NotFound(_) => StatusCode::NOT_FOUND,
                AppError::Conflict(_) | AppError::PatientIdentifiers(_) => StatusCode::CONFLICT,
                AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
                AppError::Busy { .. } | AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                AppError::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
                AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    /// What the page says: the application's own message where it is
    /// meant for the person, a fixed sentence where it is not.
    fn message(&self) -> String {
        match self {
            Self::SignIn { .. } | Self::PasswordFirst => String::new(),
            Self::Forged => "This form could not be checked. Go back, reload the page and try again.".to_owned(),
            Self::App(AppError::NotFound(_)) => {
                "If you typed the web address, check it is correct. If you followed a link, the page may have been removed or you may not be able to see it.".to_owned()
            }
            Self::App(AppError::Internal(err)) => {
                tracing::error!(error.kind = %crate::app::error_kind(err), "page failed");
                "Sorry, there is a problem with the service. Try again later.".to_owned()
            }
            Self::App(AppError::Validation(errors)) => errors
                .iter()
                .map(|e| format!("{} {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            Self::App(other) => other.to_string(),
        }
    }
}

fn title_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::FORBIDDEN => "You cannot do this",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
        s if s.is_server_error() => "Sorry, there is a problem with the service",
        _ => "Something is not right",
    }
}

impl poem::error::ResponseError for WebError {
    fn status(&self) -> StatusCode {
        WebError::status(self)
    }

    fn as_response(&self) -> Response {
        match self {
            Self::SignIn { next } => return redirect_to_sign_in(next),
            Self::PasswordFirst => return redirect("/account/password"),
            _ => {}
        }
        error_page(self.status(), &self.message())
    }
}

/// An error page with `status` and `message`.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let title = title_for(status);
    let body = page(
        title,
        None,
        html! {
            h1 { (title) }
            p { (message) }
            p { a href="/" { "Go to the home page" } }
        },
    );
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .body(body.into_string())
}

/// `303 See Other` to `location` (after a form, or to sign in).
pub fn redirect(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .finish()
}

fn redirect_to_sign_in(next: &str) -> Response {
    let encoded: String = percent_encode(next);
    redirect(&format!("/sign-in?next={encoded}"))
}

/// Percent-encodes everything but unreserved characters.
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Around every page: an error from a handler or an extractor (a body
/// that is not a form, a path that does not parse) becomes an HTML page,
/// never problem+json.
pub async fn html_errors<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    match next.call(req).await {
        Ok(resp) => Ok(resp.into_response()),
        Err(err) if err.is::<WebError>() => Ok(err.into_response()),
        Err(err) => {
            let status = err.status();
            let message = if status.is_server_error() {
                tracing::error!(status = status.as_u16(), "page failed");
                "Sorry, there is a problem with the service. Try again later.".to_owned()
            } else {
                "The request could not be understood. Go back and try again.".to_owned()
            };
            Ok(error_page(status, &message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_keeps_where_the_person_was_going() {
        let resp = poem::error::ResponseError::as_response(&WebError::SignIn {
            next: "/reflections?q=falls risk&x=<1>".to_owned(),
        });
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            resp.headers()[header::LOCATION],
            "/sign-in?next=/reflections%3Fq%3Dfalls%20risk%26x%3D%3C1%3E"
        );
    }

    #[test]
    fn hidden_records_read_as_missing_pages() {
        let err = WebError::App(AppError::NotFound("reflection"));
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
        assert!(!err.message().contains("reflection"));
    }
}
