//! The page shell and the form parts every page shares, following the
//! NHS.UK service manual's patterns: a skip link, landmarks, an error
//! summary at the top whose links lead to the fields, each error beside its
//! field and tied to it with `aria-describedby`. maud escapes every value
//! it is given; only sanitised HTML is ever passed through `PreEscaped`.

use maud::{DOCTYPE, Markup, html};
use poem::Response;
use poem::http::StatusCode;

use super::assets;
use crate::domain::error::FieldError;
use crate::domain::text::word_count;
use crate::domain::user::Role;

/// Who the page is for, when someone is signed in: what the header shows
/// and the token its sign-out form carries.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub name: String,
    pub role: Role,
    pub csrf: String,
    /// Still on a password an admin chose: only the password page is open.
    pub restricted: bool,
}

/// A whole page: `title` names it in the tab and in its `h1`'s place for
/// assistive technology; `main` is what the page says.
pub fn page(title: &str, viewer: Option<&Viewer>, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – cpdfolio" }
                link rel="stylesheet" href=(assets::stylesheet_href());
                script src=(assets::word_count_href()) defer {}
            }
            body {
                a.skip-link href="#main" { "Skip to main content" }
                (header(viewer))
                main #main .container tabindex="-1" { (main) }
                footer.site-footer {
                    div.container {
                        p { "cpdfolio keeps your CPD record private unless you share it. "
                            "Do not write anything that could identify a patient or service user." }
                    }
                }
            }
        }
    }
}

/// A page as an HTML response with `status`.
pub fn page_response(
    title: &str,
    viewer: Option<&Viewer>,
    status: StatusCode,
    main: Markup,
) -> Response {
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .body(page(title, viewer, main).into_string())
}

fn header(viewer: Option<&Viewer>) -> Markup {
    html! {
        header.site-header {
            div.container.site-header__inner {
                a.brand href="/" { "cpdfolio" }
                @if let Some(v) = viewer {
                    @if !v.restricted {
                        nav aria-label="Main" {
                            ul.nav {
                                @for (href, label) in nav_links(v.role) {
                                    li { a href=(href) { (label) } }
                                }
                            }
                        }
                    }
                    form.sign-out method="post" action="/sign-out" {
                        input type="hidden" name="csrf" value=(v.csrf);
                        span.who { (v.name) }
                        button.button.button--secondary type="submit" { "Sign out" }
                    }
                }
            }
        }
    }
}

fn nav_links(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Admin => &[
            ("/", "Home"),
            ("/admin/users", "Accounts"),
            ("/admin/teams", "Teams"),
            ("/admin/alerts", "Alerts"),
            ("/account", "Account"),
        ],
        Role::Lead => &[
            ("/", "Home"),
            ("/team", "Team"),
            ("/reflections", "Reflections"),
            ("/supervision", "Supervision"),
            ("/training", "Training"),
            ("/audits", "Audits"),
            ("/objectives", "Plan"),
            ("/profile", "CPD profile"),
            ("/appraisal", "Appraisal"),
            ("/account", "Account"),
        ],
        Role::Practitioner => &[
            ("/", "Home"),
            ("/reflections", "Reflections"),
            ("/supervision", "Supervision"),
            ("/training", "Training"),
            ("/audits", "Audits"),
            ("/objectives", "Plan"),
            ("/profile", "CPD profile"),
            ("/appraisal", "Appraisal"),
            ("/account", "Account"),
        ],
    }
}

/// One form field's label, hint and error, and the ids that tie them to
/// the control.
pub struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub hint: Option<&'a str>,
    pub error: Option<&'a str>,
}

impl<'a> Field<'a> {
    pub fn new(name: &'a str, label: &'a str, errors: &'a [FieldError]) -> Self {
        Self {
            name,
            label,
            hint: None,
            error: error_for(errors, name),
        }
    }

    pub fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }

    pub fn id(&self) -> String {
        field_id(self.name)
    }

    /// The hint's and error's ids, for the control's `aria-describedby`.
    pub fn described_by(&self) -> Option<String> {
        let ids: Vec<String> = [
            self.hint.map(|_| format!("{}-hint", self.id())),
            self.error.map(|_| format!("{}-error", self.id())),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    /// Label, hint and error around `control`.
    pub fn wrap(&self, control: Markup) -> Markup {
        html! {
            div.field.field--error[self.error.is_some()] {
                label.label for=(self.id()) { (self.label) }
                (self.hint_and_error())
                (control)
            }
        }
    }

    fn hint_and_error(&self) -> Markup {
        html! {
            @if let Some(hint) = self.hint {
                div.hint id={ (self.id()) "-hint" } { (hint) }
            }
            @if let Some(error) = self.error {
                p.error-message id={ (self.id()) "-error" } {
                    span.visually-hidden { "Error: " } (sentence(self.label, error))
                }
            }
        }
    }

    pub fn text(&self, kind: &str, value: &str) -> Markup {
        self.wrap(html! {
            input.input #(self.id()) type=(kind) name=(self.name) value=(value)
                aria-describedby=[self.described_by()]
                aria-invalid=[self.error.map(|_| "true")];
        })
    }

    pub fn textarea(&self, value: &str, rows: u32) -> Markup {
        self.wrap(html! {
            textarea.textarea #(self.id()) name=(self.name) rows=(rows)
                aria-describedby=[self.described_by()]
                aria-invalid=[self.error.map(|_| "true")] { (value) }
        })
    }

    /// A text box with its word count under it (out of `limit` when there
    /// is one), written now and kept in step by the word-count script as
    /// the person types.
    pub fn counted_textarea(&self, value: &str, rows: u32, limit: Option<usize>) -> Markup {
        let words = word_count(value);
        let count_id = format!("{}-count", self.id());
        let described_by = match self.described_by() {
            Some(ids) => format!("{ids} {count_id}"),
            None => count_id.clone(),
        };
        self.wrap(html! {
            textarea.textarea #(self.id()) name=(self.name) rows=(rows)
                aria-describedby=(described_by)
                aria-invalid=[self.error.map(|_| "true")] { (value) }
            p.word-count.word-count--over[limit.is_some_and(|l| words > l)] #(count_id)
                data-word-count=(self.id()) data-limit=[limit] aria-live="polite" {
                (count_text(words, limit))
            }
        })
    }

    /// A drop-down of `(value, label)` options with `selected` chosen.
    pub fn select(&self, options: &[(&str, &str)], selected: &str) -> Markup {
        self.wrap(html! {
            select.select #(self.id()) name=(self.name)
                aria-describedby=[self.described_by()]
                aria-invalid=[self.error.map(|_| "true")] {
                @for (value, label) in options {
                    option value=(value) selected[*value == selected] { (label) }
                }
            }
        })
    }

    /// A group of checkboxes in a fieldset whose legend is the label.
    pub fn checkboxes(&self, options: &[(String, String)], checked: &[String]) -> Markup {
        html! {
            div.field.field--error[self.error.is_some()] {
                fieldset.fieldset #(self.id()) aria-describedby=[self.described_by()] {
                    legend.label { (self.label) }
                    (self.hint_and_error())
                    @for (value, label) in options {
                        @let id = format!("{}-{value}", self.id());
                        div.checkbox {
                            input #(id) type="checkbox" name=(self.name) value=(value)
                                checked[checked.contains(value)];
                            label for=(id) { (label) }
                        }
                    }
                }
            }
        }
    }
}

impl Field<'_> {
    /// Yes/no boxes in a fieldset, each its own field: `(name, label)`,
    /// sent as `name=yes` when ticked.
    pub fn checkboxes_named(&self, options: &[(String, String)], ticked: &[String]) -> Markup {
        html! {
            div.field {
                fieldset.fieldset #(self.id()) {
                    legend.label { (self.label) }
                    @for (name, label) in options {
                        @let id = field_id(name);
                        div.checkbox {
                            input #(id) type="checkbox" name=(name) value="yes"
                                checked[ticked.contains(name)];
                            label for=(id) { (label) }
                        }
                    }
                }
            }
        }
    }
}

/// The id a field's control carries, which the error summary links to.
pub fn field_id(name: &str) -> String {
    format!(
        "f-{}",
        name.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    )
}

fn error_for<'a>(errors: &'a [FieldError], name: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == name || e.field.starts_with(&format!("{name}[")))
        .map(|e| e.message.as_str())
}

/// "There is a problem", listing each error as a link to its field. Shown
/// at the top of a form that came back with errors, focused on load.
pub fn error_summary(errors: &[FieldError], label_of: impl Fn(&str) -> String) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                h2 #error-summary-title { "There is a problem" }
                ul {
                    @for e in errors {
                        @let field = e.field.split('[').next().unwrap_or_default();
                        li { a href={ "#" (field_id(field)) } { (sentence(&label_of(field), &e.message)) } }
                    }
                }
            }
        }
    }
}

/// An error as a sentence: the application says "must not be empty", the
/// page says "Title must not be empty"; a message that is already a
/// sentence (it starts with a capital) stands alone.
pub fn sentence(label: &str, message: &str) -> String {
    if message.starts_with(|c: char| c.is_uppercase()) {
        message.to_owned()
    } else {
        format!("{label} {message}")
    }
}

/// The hidden field every state-changing form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// A short notice above a page's content (after saving, signing in).
pub fn notice(text: &str) -> Markup {
    html! { div.notice role="status" { p { (text) } } }
}

/// "12 words", or "512 of 500 words: 12 too many" against a limit (as the
/// word-count script writes it).
pub fn count_text(words: usize, limit: Option<usize>) -> String {
    match limit {
        Some(limit) if words > limit => {
            format!("{words} of {limit} words: {} too many", words - limit)
        }
        Some(limit) => format!("{words} of {limit} words"),
        None if words == 1 => "1 word".to_owned(),
        None => format!("{words} words"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_tied_to_their_field_and_text_is_escaped() {
        let errors = vec![FieldError::new("title", "must not be empty")];
        let field = Field::new("title", "Title", &errors).hint("What it was about");
        let html = field
            .text("text", "<script>alert(1)</script>")
            .into_string();
        assert!(html.contains(r#"aria-describedby="f-title-hint f-title-error""#));
        assert!(html.contains(r#"aria-invalid="true""#));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<script>"));
        let summary = error_summary(&errors, |_| "Title".to_owned()).into_string();
        assert!(summary.contains(r##"<a href="#f-title">Title must not be empty</a>"##));
        assert!(html.contains("Title must not be empty"));
        assert_eq!(sentence("Email", "Enter your email"), "Enter your email");
    }

    #[test]
    fn a_counted_text_box_says_its_words_and_is_described_by_the_count() {
        let field = Field::new("summary", "Summary", &[]).hint("At most 3 words");
        let html = field
            .counted_textarea("one two - three four", 4, Some(3))
            .into_string();
        assert!(
            html.contains(r#"aria-describedby="f-summary-hint f-summary-count""#),
            "{html}"
        );
        assert!(
            html.contains(r#"data-word-count="f-summary" data-limit="3""#),
            "{html}"
        );
        assert!(html.contains(">4 of 3 words: 1 too many</p>"), "{html}");
        assert!(html.contains("word-count--over"));
        assert_eq!(count_text(1, None), "1 word");
        assert_eq!(count_text(0, None), "0 words");
        assert_eq!(count_text(500, Some(500)), "500 of 500 words");
    }

    #[test]
    fn a_field_without_problems_has_no_error_markup() {
        let field = Field::new("hours", "Hours", &[]);
        let html = field.text("text", "2").into_string();
        assert!(!html.contains("aria-describedby"));
        assert!(!html.contains("error"));
        assert_eq!(error_summary(&[], |f| f.to_owned()).into_string(), "");
    }
}
