//! A browser without JavaScript for the web-page tests: cookies kept by
//! hand, redirects not followed, forms posted with the tokens pages gave.

use std::collections::HashMap;

use crate::helpers::*;

/// A browser: its cookies, and the last page it was shown.
pub struct Browser<'a> {
    t: &'a TestApp,
    pub http: reqwest::Client,
    pub cookies: HashMap<String, String>,
}

pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub html: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers["location"].to_str().unwrap()
    }

    /// The value of the first hidden input named `name`.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!(r#"name="{name}" value=""#);
        let start = self
            .html
            .find(&marker)
            .unwrap_or_else(|| panic!("no {name} in {}", self.html))
            + marker.len();
        let end = start + self.html[start..].find('"').unwrap();
        self.html[start..end].to_owned()
    }
}

impl<'a> Browser<'a> {
    pub fn new(t: &'a TestApp) -> Self {
        Self {
            t,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    pub async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let req = if cookie.is_empty() {
            req
        } else {
            req.header("cookie", cookie.join("; "))
        };
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        for set in headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, _) = set.split_once(';').unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let html = resp.text().await.unwrap();
        Page {
            status,
            headers,
            html,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(self.t.url(path));
        self.send(req).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self
            .http
            .post(self.t.url(path))
            .header("sec-fetch-site", "same-origin")
            .form(form);
        self.send(req).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/sign-in").await;
        assert_eq!(form.status, 200);
        let csrf = form.hidden("csrf");
        self.post(
            "/sign-in",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    /// The CSRF token the signed-in pages carry.
    pub async fn csrf(&mut self) -> String {
        self.get("/reflections/new").await.hidden("csrf")
    }
}

/// A practitioner `email` with an API token, and a browser signed in as them.
pub async fn signed_in_practitioner<'a>(t: &'a TestApp, email: &str) -> (String, Browser<'a>) {
    t.user(email, role("practitioner"), None).await;
    let token = t.login(email).await;
    let mut browser = Browser::new(t);
    let signed_in = browser.sign_in(email, PASSWORD).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.html);
    (token, browser)
}
