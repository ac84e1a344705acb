//! The web pages over real HTTP, as a browser without JavaScript uses
//! them: cookies kept by hand, redirects not followed, forms posted with
//! the tokens the pages gave.

use std::sync::Arc;

use cpdfolio::app::FixedClock;
use time::macros::datetime;

use serde_json::json;

use crate::helpers::*;
use crate::web_support::{Browser, signed_in_practitioner};

const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn reflection_form<'a>(csrf: &'a str, title: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("title", title),
        ("activity_date", "2026-11-02"),
        ("activity_type", "work_based_learning"),
        ("hours", "1.5"),
        ("model", "gibbs"),
        ("body", body),
        ("learning", "Grading activity helps."),
        ("impact", ""),
        ("benefit", ""),
        ("tags", "falls, home visits"),
        ("standards", "3"),
        ("standards", "10"),
        ("action", "save"),
    ]
}

async fn reflection_titles(t: &TestApp, token: &str) -> Vec<String> {
    let (status, page) = t.get("/api/v1/reflections", Some(token)).await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn signing_in_sets_a_locked_down_cookie_and_signing_out_ends_the_session() {
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-25 09:00 UTC)));
    let t = TestApp::spawn_with_clock(clock).await;
    t.user("ot@example.nhs.uk", role("practitioner"), None)
        .await;
    let mut b = Browser::new(&t);

    let home = b.get("/").await;
    assert_eq!((home.status, home.location()), (303, "/sign-in?next=/"));

    let signed_in = b.sign_in("ot@example.nhs.uk", PASSWORD).await;
    assert_eq!((signed_in.status, signed_in.location()), (303, "/"));
    let cookies: Vec<&str> = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("cpdfolio_session="))
        .unwrap();
    assert!(
        session.ends_with("; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax"),
        "{session}"
    );
    assert!(cookies.contains(&"cpdfolio_sign_in=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"));

    let home = b.get("/").await;
    assert_eq!(home.status, 200);
    assert!(
        home.html.contains("<h1>Hello, Test ot@example.nhs.uk</h1>"),
        "{}",
        home.html
    );
    assert!(home.html.contains("CPD hours by month, last 24 months"));

    for path in [
        "/",
        "/reflections",
        "/reflections/new",
        "/training/new",
        "/supervision",
        "/profile",
        "/account",
        "/team",
    ] {
        let page = b.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.headers["content-security-policy"], PAGE_CSP, "{path}");
    }

    let csrf = home.hidden("csrf");
    let out = b.post("/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303, "{}", out.html);
    assert_eq!(out.location(), "/sign-in");
    assert!(!b.cookies.contains_key("cpdfolio_session"));
    let again = b.get("/").await;
    assert_eq!(again.status, 303);
}

#[tokio::test]
async fn a_wrong_password_shows_the_form_again_with_the_email_kept() {
    let t = TestApp::spawn().await;
    t.user("ot@example.nhs.uk", role("practitioner"), None)
        .await;
    let mut b = Browser::new(&t);
    let page = b.sign_in("ot@example.nhs.uk", "not the password").await;
    assert_eq!(page.status, 401);
    assert!(
        page.html
            .contains(r##"<a href="#f-email">The email address or password is not correct</a>"##),
        "{}",
        page.html
    );
    assert!(page.html.contains(r#"value="ot@example.nhs.uk""#));
    assert!(!b.cookies.contains_key("cpdfolio_session"));
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_site_are_refused_and_change_nothing() {
    let t = TestApp::spawn().await;
    let (token, mut b) = signed_in_practitioner(&t, "ot@example.nhs.uk").await;
    let csrf = b.csrf().await;

    let no_token = b
        .post("/reflections/new", &reflection_form("", "Forged", "x"))
        .await;
    assert_eq!(no_token.status, 403);
    assert!(no_token.html.contains("This form could not be checked"));
    let wrong = b
        .post(
            "/reflections/new",
            &reflection_form(&"0".repeat(64), "Forged", "x"),
        )
        .await;
    assert_eq!(wrong.status, 403);
    let cross_site = b
        .send(
            b.http
                .post(t.url("/reflections/new"))
                .header("sec-fetch-site", "cross-site")
                .form(&reflection_form(&csrf, "Forged", "x")),
        )
        .await;
    assert_eq!(cross_site.status, 403);
    let other_origin = b
        .send(
            b.http
                .post(t.url("/reflections/new"))
                .header("origin", "https://evil.example")
                .form(&reflection_form(&csrf, "Forged", "x")),
        )
        .await;
    assert_eq!(other_origin.status, 403);
    assert_eq!(reflection_titles(&t, &token).await, Vec::<String>::new());

    let mut stranger = Browser::new(&t);
    let forged_sign_in = stranger
        .post(
            "/sign-in",
            &[("email", "ot@example.nhs.uk"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(forged_sign_in.status, 403);
    assert!(!stranger.cookies.contains_key("cpdfolio_session"));
}

#[tokio::test]
async fn a_reflection_written_in_the_browser_is_saved_listed_found_and_shown_safely() {
    let t = TestApp::spawn().await;
    let (token, mut b) = signed_in_practitioner(&t, "ot@example.nhs.uk").await;
    let form = b.get("/reflections/new?model=gibbs").await;
    assert!(
        form.html.contains("<h2>Gibbs&#39; Reflective Cycle</h2>")
            || form.html.contains("<h2>Gibbs' Reflective Cycle</h2>"),
        "{}",
        form.html
    );
    let csrf = form.hidden("csrf");

    let title = "Falls clinic <script>alert(1)</script>";
    let body = "Worked on **graded** stair practice.\n\n<img src=x onerror=alert(2)>";
    let saved = b
        .post("/reflections/new", &reflection_form(&csrf, title, body))
        .await;
    assert_eq!(
        (saved.status, saved.location()),
        (303, "/reflections?saved=1")
    );
    assert_eq!(reflection_titles(&t, &token).await, vec![title.to_owned()]);

    let list = b.get("/reflections?saved=1").await;
    assert!(list.html.contains("Your reflection has been saved."));
    assert!(
        list.html
            .contains("Falls clinic &lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(!list.html.contains("<script>"));
    let (_, api) = t.get("/api/v1/reflections", Some(&token)).await;
    let id = api["items"][0]["id"].as_str().unwrap().to_owned();

    let shown = b.get(&format!("/reflections/{id}")).await;
    assert_eq!(shown.status, 200);
    assert!(shown.html.contains("<strong>graded</strong>"));
    assert!(!shown.html.contains("onerror"));
    assert!(shown.html.contains(
        "<li>3. Look after your health and wellbeing, seeking support where necessary</li>"
    ));
    assert!(shown.html.contains("<p>falls, home visits</p>"));

    t.flush().await;
    let found = b.get("/reflections?q=stair").await;
    assert!(found.html.contains("1 found for “stair”"), "{}", found.html);
    assert!(found.html.contains("<b>stair</b>"));
    assert!(found.html.contains(&format!(r#"href="/reflections/{id}""#)));
}

#[tokio::test]
async fn a_form_with_mistakes_comes_back_with_the_text_kept_and_each_problem_by_its_field() {
    let t = TestApp::spawn().await;
    let (token, mut b) = signed_in_practitioner(&t, "ot@example.nhs.uk").await;
    let csrf = b.csrf().await;
    let long_text = "A long reflection that must not be lost & kept exactly. ".repeat(40);
    let mut form = reflection_form(&csrf, "  ", &long_text);
    form[2] = ("activity_date", "2026-02-30");
    form[4] = ("hours", "two");

    let page = b.post("/reflections/new", &form).await;
    assert_eq!(page.status, 400);
    assert!(page.html.contains("There is a problem"));
    for (id, text) in [
        (
            "f-activity-date",
            "Date of the activity must be a real date, for example 2026-03-31",
        ),
        ("f-hours", "Hours must be a number, for example 1.5"),
    ] {
        assert!(
            page.html
                .contains(&format!(r##"<a href="#{id}">{text}</a>"##)),
            "{id}: {}",
            page.html
        );
    }
    assert!(
        page.html
            .contains(r#"aria-describedby="f-hours-hint f-hours-error""#)
    );
    assert!(page.html.contains(&long_text.replace('&', "&amp;")));
    assert!(page.html.contains(r#"value="two""#));

    form[2] = ("activity_date", "2026-11-02");
    form[4] = ("hours", "2");
    let page = b.post("/reflections/new", &form).await;
    assert_eq!(page.status, 400);
    assert!(
        page.html
            .contains(r##"<a href="#f-title">Title must not be empty</a>"##),
        "{}",
        page.html
    );
    assert_eq!(reflection_titles(&t, &token).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_draft_posted_after_the_session_ended_comes_back_after_signing_in_again() {
    let t = TestApp::spawn().await;
    let (token, mut b) = signed_in_practitioner(&t, "ot@example.nhs.uk").await;
    let csrf = b.csrf().await;
    let (status, _) = t.delete("/api/v1/me/sessions", Some(&token)).await;
    assert_eq!(status, 204);

    let words = "Three pages of careful reflection on a home visit.";
    let page = b
        .post(
            "/reflections/new",
            &reflection_form(&csrf, "Home visit", words),
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("Your session ended."));
    assert!(
        page.html
            .contains(&format!(r#"name="draft.body" value="{words}""#))
    );
    assert!(!page.html.contains(r#"name="draft.csrf""#));

    let sign_in_token = page.hidden("csrf");
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), sign_in_token),
        ("email".into(), "ot@example.nhs.uk".into()),
        ("password".into(), PASSWORD.into()),
        ("resume".into(), page.hidden("resume")),
    ];
    for name in [
        "title",
        "activity_date",
        "activity_type",
        "hours",
        "model",
        "body",
        "tags",
    ] {
        form.push((
            format!("draft.{name}"),
            page.hidden(&format!("draft.{name}")),
        ));
    }
    let back = b
        .send(
            b.http
                .post(t.url("/sign-in"))
                .header("sec-fetch-site", "same-origin")
                .form(&form),
        )
        .await;
    assert_eq!(back.status, 200);
    assert!(
        back.html
            .contains("You are signed in again. Your writing is below")
    );
    assert!(back.html.contains(&format!(">{words}</textarea>")));
    assert!(back.html.contains(r#"value="Home visit""#));
    assert_eq!(reflection_titles(&t, &token).await, Vec::<String>::new());
}

#[tokio::test]
async fn pages_hide_what_the_api_hides() {
    let t = TestApp::spawn().await;
    t.user("author@example.nhs.uk", role("practitioner"), None)
        .await;
    let reader_id = t
        .user("reader@example.nhs.uk", role("practitioner"), None)
        .await;
    let author = t.login("author@example.nhs.uk").await;
    let id = t
        .create_entry(
            &author,
            &entry(
                "Private stair practice",
                "2026-11-02",
                "work_based_learning",
            ),
        )
        .await;
    t.flush().await;
    let mut reader = Browser::new(&t);
    reader.sign_in("reader@example.nhs.uk", PASSWORD).await;

    for path in [
        format!("/reflections/{id}"),
        format!("/reflections/{id}/edit"),
        "/reflections/not-an-id".to_owned(),
    ] {
        let page = reader.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(page.html.contains("<h1>Page not found</h1>"));
        assert!(!page.html.contains("Private stair practice"));
    }
    let list = reader.get("/reflections").await;
    assert!(
        list.html.contains("<h2>0 reflections</h2>"),
        "{}",
        list.html
    );
    let found = reader.get("/reflections?q=stair").await;
    assert!(found.html.contains("0 found for “stair”"), "{}", found.html);
    assert!(!found.html.contains(&id));

    let (status, _) = t
        .post(
            &format!("/api/v1/reflections/{id}/shares"),
            Some(&author),
            &json!({"user_id": reader_id}),
        )
        .await;
    assert_eq!(status, 200);
    let shown = reader.get(&format!("/reflections/{id}")).await;
    assert_eq!(shown.status, 200);
    assert!(!shown.html.contains("Edit this reflection"));
    assert_eq!(
        reader.get(&format!("/reflections/{id}/edit")).await.status,
        403
    );
    let list = reader.get("/reflections").await;
    assert!(list.html.contains("shared with you"));
}

#[tokio::test]
async fn pages_carry_a_strict_policy_and_the_stylesheet_is_kept_by_its_digest() {
    let t = TestApp::spawn().await;
    let mut b = Browser::new(&t);
    let page = b.get("/sign-in").await;
    assert_eq!(page.headers["content-security-policy"], PAGE_CSP);
    assert_eq!(page.headers["cache-control"], "no-store");
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    assert!(
        page.html
            .starts_with("<!DOCTYPE html><html lang=\"en-GB\">")
    );
    assert!(
        page.html
            .contains(r##"<a class="skip-link" href="#main">Skip to main content</a>"##)
    );
    let start = page.html.find("/assets/app-").unwrap();
    let href = &page.html[start..start + page.html[start..].find('"').unwrap()];
    let css = b.get(href).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.headers["content-type"], "text/css; charset=utf-8");
    assert_eq!(
        css.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(css.html.contains(".error-summary"));
    assert_eq!(b.get("/assets/app-000000000000.css").await.status, 404);
    let (status, body) = t.get("/api/v1/me", None).await;
    assert_problem(status, &body, 401);
}

#[tokio::test]
async fn an_account_on_a_password_an_admin_chose_goes_to_the_password_form_first() {
    let t = TestApp::spawn().await;
    let (_, admin) = t.admin().await;
    let (sam_id, _) = t.practitioner("sam@example.nhs.uk").await;
    let (status, reset) = t
        .post(
            &format!("/api/v1/admin/users/{sam_id}/password-reset"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{reset}");
    let one_time = reset["one_time_password"].as_str().unwrap().to_owned();

    let mut b = Browser::new(&t);
    let signed_in = b.sign_in("sam@example.nhs.uk", &one_time).await;
    assert_eq!(
        (signed_in.status, signed_in.location()),
        (303, "/account/password")
    );
    let home = b.get("/reflections").await;
    assert_eq!((home.status, home.location()), (303, "/account/password"));
    let form = b.get("/account/password").await;
    assert!(form.html.contains("An administrator chose your password."));
    assert!(!form.html.contains(r#"href="/reflections""#));
    let csrf = form.hidden("csrf");

    let short = b
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", &one_time),
                ("new_password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, 400);
    assert!(
        short.html.contains(
            r##"<a href="#f-new-password">New password must be at least 12 characters</a>"##
        ),
        "{}",
        short.html
    );
    let done = b
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", &one_time),
                ("new_password", "a new and long passphrase"),
            ],
        )
        .await;
    assert_eq!((done.status, done.location()), (303, "/"));
    assert_eq!(b.get("/reflections").await.status, 200);
}

fn training_form(
    csrf: &str,
    course: &str,
    completed_on: &str,
    file: Option<Vec<u8>>,
) -> reqwest::multipart::Form {
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_owned())
        .text("course", course.to_owned())
        .text("completed_on", completed_on.to_owned())
        .text("provider", "e-Learning for Healthcare")
        .text("certificate_expires_on", "")
        .text("notes", "");
    let part = match file {
        Some(bytes) => reqwest::multipart::Part::bytes(bytes).file_name("certificate.pdf"),
        None => reqwest::multipart::Part::bytes(Vec::new()).file_name(""),
    };
    form.part("file", part)
}

#[tokio::test]
async fn a_certificate_added_in_the_browser_gets_its_expiry_from_the_catalogue_and_keeps_its_file()
{
    let t = TestApp::spawn().await;
    let (token, mut b) = signed_in_practitioner(&t, "ot@example.nhs.uk").await;
    let form = b.get("/training/new").await;
    assert!(
        form.html
            .contains(r#"<option value="conflict-resolution-l1">Conflict resolution</option>"#)
    );
    assert!(form.html.contains(r#"enctype="multipart/form-data""#));
    let csrf = form.hidden("csrf");

    let forged = b
        .send(
            b.http
                .post(t.url("/training/new"))
                .header("sec-fetch-site", "same-origin")
                .multipart(training_form(
                    "",
                    "conflict-resolution-l1",
                    "2026-11-02",
                    Some(pdf_bytes("forged")),
                )),
        )
        .await;
    assert_eq!(forged.status, 403);
    let missing = b
        .send(
            b.http
                .post(t.url("/training/new"))
                .header("sec-fetch-site", "same-origin")
                .multipart(training_form(&csrf, "", "2026-13-02", None)),
        )
        .await;
    assert_eq!(missing.status, 400);
    assert!(
        missing
            .html
            .contains(r##"<a href="#f-course">Choose the course</a>"##),
        "{}",
        missing.html
    );
    assert!(missing.html.contains(r##"<a href="#f-completed-on">Date completed must be a real date, for example 2026-03-31</a>"##));
    assert!(missing.html.contains(r#"value="2026-13-02""#));
    let (_, none) = t.get("/api/v1/training", Some(&token)).await;
    assert_eq!(none["items"], json!([]));

    let saved = b
        .send(
            b.http
                .post(t.url("/training/new"))
                .header("sec-fetch-site", "same-origin")
                .multipart(training_form(
                    &csrf,
                    "conflict-resolution-l1",
                    "2026-11-02",
                    Some(pdf_bytes("certificate")),
                )),
        )
        .await;
    assert_eq!((saved.status, saved.location()), (303, "/training?saved=1"));
    let (_, stored) = t.get("/api/v1/training", Some(&token)).await;
    assert_eq!(stored["items"].as_array().unwrap().len(), 1);
    let record = &stored["items"][0];
    assert_eq!(record["course_title"], "Conflict resolution");
    assert_eq!(record["expires_on"], "2029-11-02");
    let id = record["id"].as_str().unwrap();
    let (_, files) = t
        .get(&format!("/api/v1/training/{id}/attachments"), Some(&token))
        .await;
    assert_eq!(files[0]["file_name"], "certificate.pdf");
    assert_eq!(files[0]["media_type"], "application/pdf");

    let list = b.get("/training?saved=1").await;
    assert!(list.html.contains(&format!("<th scope=\"row\"><a href=\"/training/{id}\">Conflict resolution</a></th><td>2026-11-02</td><td>2029-11-02</td><td>Not yet</td>")), "{}", list.html);
}

#[tokio::test]
async fn the_profile_is_previewed_in_the_page_and_downloads_in_every_format() {
    let t = TestApp::spawn().await;
    t.user("ot@example.nhs.uk", role("practitioner"), None)
        .await;
    let token = t.login("ot@example.nhs.uk").await;
    t.create_entry(
        &token,
        &entry(
            "Sensory strategies workshop",
            "2026-10-01",
            "formal_education",
        ),
    )
    .await;
    let mut b = Browser::new(&t);
    b.sign_in("ot@example.nhs.uk", PASSWORD).await;

    let page = b.get("/profile?from=2026-01-01&to=2026-11-01").await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("for 2026-01-01 to 2026-11-01"),
        "{}",
        page.html
    );
    assert!(page.html.contains("Sensory strategies workshop"));
    for (format, media_type, extension) in [
        ("markdown", "text/markdown; charset=utf-8", "md"),
        ("html", "text/html; charset=utf-8", "html"),
        ("json", "application/json", "json"),
    ] {
        let link =
            format!("/profile/download?from=2026-01-01&amp;to=2026-11-01&amp;format={format}");
        assert!(page.html.contains(&link), "{format}");
        let file = b.get(&link.replace("&amp;", "&")).await;
        assert_eq!(file.status, 200, "{format}");
        assert_eq!(file.headers["content-type"], media_type);
        assert_eq!(
            file.headers["content-disposition"],
            format!("attachment; filename=\"cpd-profile-2026-01-01-to-2026-11-01.{extension}\"")
        );
        assert!(
            file.html.contains("Sensory strategies workshop"),
            "{format}"
        );
    }
    let (_, api) = t
        .get(
            "/api/v1/me/cpd-profile?from=2026-01-01&to=2026-11-01",
            Some(&token),
        )
        .await;
    let json_file = b
        .get("/profile/download?from=2026-01-01&to=2026-11-01&format=json")
        .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json_file.html).unwrap(),
        api
    );
    assert_eq!(b.get("/profile?from=2026-02-30").await.status, 400);
    for (format, media_type, magic) in [
        ("pdf", "application/pdf", &b"%PDF-"[..]),
        (
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            &b"PK\x03\x04"[..],
        ),
    ] {
        let link =
            format!("/profile/download?from=2026-01-01&amp;to=2026-11-01&amp;format={format}");
        assert!(page.html.contains(&link), "{format}");
        let file = b.get(&link.replace("&amp;", "&")).await;
        assert_eq!(file.status, 200, "{format}");
        assert_eq!(file.headers["content-type"], media_type);
        assert_eq!(
            file.headers["content-disposition"],
            format!("attachment; filename=\"cpd-profile-2026-01-01-to-2026-11-01.{format}\"")
        );
        assert!(file.html.as_bytes().starts_with(magic), "{format}");
    }
    assert_eq!(b.get("/profile/download?format=odt").await.status, 400);
}
