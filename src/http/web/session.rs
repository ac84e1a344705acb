//! Browser sessions and CSRF. A browser signs in to the same session table
//! as the API: the session token travels in an `HttpOnly` cookie instead of
//! an `Authorization` header, so it expires, is revoked and is listed
//! exactly like a bearer token.
//!
//! Every state-changing form carries a CSRF token derived from the session
//! token (which only the cookie holds, never the page or the database), and
//! every POST must come from this site (`Sec-Fetch-Site`, `Origin`). The
//! sign-in form, before any session exists, uses a random token kept in a
//! short-lived cookie of its own (double submit).

use poem::Request;
use poem::http::header;
use sha2::{Digest, Sha256};

use super::error::{WebError, WebResult};
use super::layout::Viewer;
use crate::app::{App, AppError, AppResult, CurrentUser};
use crate::security::token;

const SESSION: &str = "cpdfolio_session";
const SIGN_IN: &str = "cpdfolio_sign_in";
/// How long a sign-in form stays usable.
const SIGN_IN_FORM_SECS: i64 = 60 * 60;

/// How this deployment's cookies are named and flagged: `Secure` and the
/// `__Host-` prefix whenever the server is reached over https.
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    secure: bool,
}

impl Cookies {
    pub fn for_base_url(base_url: &str) -> Self {
        Self {
            secure: base_url.starts_with("https://"),
        }
    }

    fn name(self, base: &str) -> String {
        if self.secure {
            format!("__Host-{base}")
        } else {
            base.to_owned()
        }
    }

    fn set(self, base: &str, value: &str, max_age_secs: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}",
            self.name(base)
        )
    }

    /// The session cookie, living as long as the session at most.
    pub fn session(self, token: &str, max_age_secs: i64) -> String {
        self.set(SESSION, token, max_age_secs.max(0))
    }

    /// Tells the browser to forget its session cookie.
    pub fn clear_session(self) -> String {
        self.set(SESSION, "", 0)
    }

    /// The sign-in form's own token, as a cookie.
    pub fn sign_in_form(self, form_token: &str) -> String {
        self.set(SIGN_IN, form_token, SIGN_IN_FORM_SECS)
    }

    pub fn clear_sign_in_form(self) -> String {
        self.set(SIGN_IN, "", 0)
    }

    pub fn session_token(self, req: &Request) -> Option<String> {
        cookie(req, &self.name(SESSION))
    }

    pub fn sign_in_token(self, req: &Request) -> Option<String> {
        cookie(req, &self.name(SIGN_IN))
    }
}

/// The value of cookie `name`, if the request carries it.
fn cookie(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

/// A signed-in browser: who, and the CSRF token its forms must carry.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: CurrentUser,
    pub csrf: String,
}

/// The browser's session, if it has a live one. A must-change-password
/// session counts: the pages send it to the password form.
pub async fn signed_in(app: &App, req: &Request) -> AppResult<Option<SignedIn>> {
    let cookies = Cookies::for_base_url(&app.config().base_url);
    let Some(token) = cookies.session_token(req) else {
        return Ok(None);
    };
    match app.session_user(&token).await {
        Ok(user) => Ok(Some(SignedIn {
            user,
            csrf: csrf_for_session(&token),
        })),
        Err(AppError::Unauthorized) => Ok(None),
        Err(other) => Err(other),
    }
}

impl SignedIn {
    /// What the page header shows for this person.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            name: self.user.user.name.clone(),
            role: self.user.user.role,
            csrf: self.csrf.clone(),
            restricted: self.user.user.must_change_password,
        }
    }
}

/// The signed-in person for a page that needs one: without a session the
/// browser is sent to sign in and back to `req`'s address; on a password
/// an admin chose, to the password form first.
pub async fn require(app: &App, req: &Request) -> WebResult<SignedIn> {
    let Some(signed_in) = signed_in(app, req).await? else {
        let next = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        return Err(WebError::SignIn { next });
    };
    if signed_in.user.user.must_change_password {
        return Err(WebError::PasswordFirst);
    }
    Ok(signed_in)
}

/// The CSRF token of a session: a keyed digest of its token, so it cannot
/// be computed from anything the page or the database shows.
pub fn csrf_for_session(session_token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"cpdfolio csrf v1\0");
    hasher.update(session_token.as_bytes());
    hex::encode(hasher.finalize())
}

/// A fresh random token for a sign-in form.
pub fn new_form_token() -> String {
    token::generate()
}

/// Equal without revealing, by timing, how much of `given` matched.
pub fn tokens_match(expected: &str, given: &str) -> bool {
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// Whether a state-changing request came from one of this site's pages:
/// a browser says so in `Sec-Fetch-Site`; an older one sends `Origin`,
/// which must name the host the request was sent to.
pub fn from_this_site(req: &Request) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    origin_host.is_some() && origin_host == host
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_and_host_only_over_https() {
        let https = Cookies::for_base_url("https://cpd.example.nhs.uk");
        assert_eq!(
            https.session("tok", 3600),
            "__Host-cpdfolio_session=tok; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure"
        );
        let http = Cookies::for_base_url("http://127.0.0.1:8080");
        assert_eq!(
            http.clear_session(),
            "cpdfolio_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let req = Request::builder()
            .header(header::COOKIE, "a=1; cpdfolio_session=abc; b=2")
            .finish();
        let cookies = Cookies::for_base_url("http://localhost");
        assert_eq!(cookies.session_token(&req).as_deref(), Some("abc"));
        assert_eq!(cookies.sign_in_token(&req), None);
        let https = Cookies::for_base_url("https://localhost");
        assert_eq!(https.session_token(&req), None);
    }

    #[test]
    fn csrf_tokens_depend_on_the_session_and_compare_exactly() {
        let a = csrf_for_session("session-a");
        assert_eq!(a.len(), 64);
        assert_ne!(a, csrf_for_session("session-b"));
        assert!(tokens_match(&a, &csrf_for_session("session-a")));
        assert!(!tokens_match(&a, &a[..63]));
        assert!(!tokens_match(&a, ""));
    }

    #[test]
    fn only_same_site_posts_count_as_this_sites() {
        let with = |pairs: &[(&str, &str)]| {
            let mut b = Request::builder().header(header::HOST, "cpd.example:8080");
            for (k, v) in pairs {
                b = b.header(*k, *v);
            }
            from_this_site(&b.finish())
        };
        assert!(with(&[("sec-fetch-site", "same-origin")]));
        assert!(!with(&[("sec-fetch-site", "cross-site")]));
        assert!(!with(&[("sec-fetch-site", "same-site")]));
        assert!(with(&[("origin", "http://cpd.example:8080")]));
        assert!(!with(&[("origin", "https://evil.example")]));
        assert!(!with(&[("origin", "null")]));
        assert!(with(&[]));
    }
}
