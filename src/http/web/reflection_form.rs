//! Writing and editing a reflection: the form, with the chosen reflective
//! model's prompts beside it and a preview of the Markdown. What was typed
//! is shown back exactly as typed when anything is wrong, and a form whose
//! session ended goes through signing in with its text kept.

use maud::{Markup, PreEscaped, html};
use poem::Response;
use poem::http::StatusCode;
use time::Date;

use super::form::{FormData, NOT_A_DATE, all_problems, typed_day};
use super::layout::{Field, csrf_field, error_summary, notice, page_response};
use super::session::SignedIn;
use crate::app::App;
use crate::domain::error::FieldError;
use crate::domain::reflection::{ActivityType, ReflectionDraft, ReflectiveModel};
use crate::export::html::to_safe_html;

/// The form's fields, as text: what was typed, or what is stored.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub title: String,
    pub activity_date: String,
    pub activity_type: String,
    pub hours: String,
    pub model: String,
    pub body: String,
    pub learning: String,
    pub impact: String,
    pub benefit: String,
    pub tags: String,
    pub standards: Vec<String>,
}

impl Typed {
    pub fn from_form(form: &FormData) -> Self {
        Self {
            title: form.get("title").to_owned(),
            activity_date: form.get("activity_date").to_owned(),
            activity_type: form.get("activity_type").to_owned(),
            hours: form.get("hours").to_owned(),
            model: form.get("model").to_owned(),
            body: form.get("body").to_owned(),
            learning: form.get("learning").to_owned(),
            impact: form.get("impact").to_owned(),
            benefit: form.get("benefit").to_owned(),
            tags: form.get("tags").to_owned(),
            standards: form.all("standards"),
        }
    }

    pub fn from_draft(d: &ReflectionDraft) -> Self {
        Self {
            title: d.title.clone(),
            activity_date: d.activity_date.to_string(),
            activity_type: d.activity_type.as_str().to_owned(),
            hours: d.hours.map(|h| h.to_string()).unwrap_or_default(),
            model: d.model.as_str().to_owned(),
            body: d.body.clone(),
            learning: d.learning.clone(),
            impact: d.impact.clone(),
            benefit: d.benefit.clone(),
            tags: d.tags.join(", "),
            standards: d.standards.iter().map(u8::to_string).collect(),
        }
    }

    /// A blank form for a new entry today, following `model`.
    pub fn blank(today: Date, model: &str) -> Self {
        Self {
            activity_date: today.to_string(),
            activity_type: ActivityType::WorkBasedLearning.as_str().to_owned(),
            model: ReflectiveModel::parse(model)
                .unwrap_or(ReflectiveModel::Free)
                .as_str()
                .to_owned(),
            ..Self::default()
        }
    }

    /// The entry the fields describe, or every problem with them at once:
    /// fields that cannot be read, and what the domain's checks find in
    /// the rest (read with stand-ins for the unreadable ones).
    pub fn to_draft(&self, today: Date) -> Result<ReflectionDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut problem = |field: &str, message: &str| {
            errors.push(FieldError::new(field, message));
        };
        let activity_date = match typed_day(&self.activity_date) {
            Ok(Some(day)) => day,
            _ => {
                problem("activity_date", NOT_A_DATE);
                today
            }
        };
        let activity_type = ActivityType::parse(&self.activity_type).unwrap_or_else(|| {
            problem("activity_type", "must be one of the choices");
            ActivityType::Other
        });
        let model = ReflectiveModel::parse(&self.model).unwrap_or_else(|| {
            problem("model", "must be one of the choices");
            ReflectiveModel::Free
        });
        let hours = match self.hours.trim() {
            "" => None,
            text => text.parse::<f64>().map(Some).unwrap_or_else(|_| {
                problem("hours", "must be a number, for example 1.5");
                None
            }),
        };
        let standards: Vec<u8> = self
            .standards
            .iter()
            .filter_map(|s| s.parse::<u8>().ok())
            .collect();
        if standards.len() != self.standards.len() {
            problem("standards", "must be chosen from the list");
        }
        let draft = ReflectionDraft {
            title: self.title.clone(),
            activity_date,
            activity_type,
            hours,
            model,
            body: self.body.clone(),
            learning: self.learning.clone(),
            impact: self.impact.clone(),
            benefit: self.benefit.clone(),
            tags: split_tags(&self.tags),
            standards,
            links: Vec::new(),
        };
        if errors.is_empty() {
            return Ok(draft);
        }
        Err(all_problems(errors, draft.validated(today)))
    }
}

fn split_tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// How the form is being shown.
pub struct FormView<'a> {
    /// Where the form posts: `/reflections/new` or `/reflections/{id}/edit`.
    pub action: &'a str,
    pub heading: &'a str,
    pub typed: &'a Typed,
    pub errors: &'a [FieldError],
    /// Shown above the form (a kept draft, a preview).
    pub notice: Option<&'a str>,
    pub preview: bool,
}

fn label_of(field: &str) -> String {
    match field {
        "title" => "Title",
        "activity_date" => "Date of the activity",
        "activity_type" => "Type of activity",
        "hours" => "Hours",
        "model" => "Reflective model",
        "body" => "Reflection",
        "learning" => "What I learnt",
        "impact" => "Impact on my practice",
        "benefit" => "Benefit to service users",
        "tags" => "Tags",
        "standards" => "Standards of proficiency",
        other => other,
    }
    .to_owned()
}

/// The form page, with `status` (400 when it came back with errors).
pub fn form_page(app: &App, me: &SignedIn, view: &FormView<'_>, status: StatusCode) -> Response {
    page_response(
        view.heading,
        Some(&me.viewer()),
        status,
        form_markup(app, me, view),
    )
}

fn form_markup(app: &App, me: &SignedIn, view: &FormView<'_>) -> Markup {
    let t = view.typed;
    let e = view.errors;
    let types: Vec<(&str, &str)> = ActivityType::ALL
        .iter()
        .map(|a| (a.as_str(), a.label()))
        .collect();
    let models: Vec<(&str, &str)> = app
        .content()
        .models
        .iter()
        .map(|m| (m.model.as_str(), m.name.as_str()))
        .collect();
    let standards: Vec<(String, String)> = app
        .content()
        .standards
        .iter()
        .map(|s| (s.number.to_string(), format!("{}. {}", s.number, s.title)))
        .collect();
    let guide = app
        .content()
        .models
        .iter()
        .find(|m| m.model.as_str() == t.model);
    html! {
        (error_summary(e, label_of))
        h1 { (view.heading) }
        @if let Some(text) = view.notice { (notice(text)) }
        div.columns {
            form method="post" action=(view.action) novalidate {
                (csrf_field(&me.csrf))
                (Field::new("title", "Title", e).hint("What the activity was, in a few words. No names of service users.").text("text", &t.title))
                (Field::new("activity_date", "Date of the activity", e).hint("For example 2026-03-31").text("date", &t.activity_date))
                (Field::new("activity_type", "Type of activity", e).select(&types, &t.activity_type))
                (Field::new("hours", "Hours", e).hint("Optional, for example 1.5").text("text", &t.hours))
                (Field::new("model", "Reflective model", e).hint("Choose, then press Preview to see its prompts").select(&models, &t.model))
                (Field::new("body", "Reflection", e).hint("Markdown: *emphasis*, lists with -, headings with ##").counted_textarea(&t.body, 16, None))
                (Field::new("learning", "What I learnt", e).counted_textarea(&t.learning, 4, None))
                (Field::new("impact", "Impact on my practice", e).hint("HCPC CPD standard 3").counted_textarea(&t.impact, 4, None))
                (Field::new("benefit", "Benefit to service users", e).hint("HCPC CPD standard 4").counted_textarea(&t.benefit, 4, None))
                (Field::new("tags", "Tags", e).hint("Separated by commas, for example falls, home visits").text("text", &t.tags))
                (Field::new("standards", "Standards of proficiency", e).hint("The HCPC standards this shows you meeting").checkboxes(&standards, &t.standards))
                div.button-row {
                    button.button type="submit" name="action" value="save" { "Save reflection" }
                    button.button.button--secondary type="submit" name="action" value="preview" { "Preview" }
                }
            }
            aside.guide aria-label="Prompts" {
                @if let Some(guide) = guide {
                    h2 { (guide.name) }
                    (PreEscaped(&guide.html))
                }
            }
        }
        @if view.preview {
            section aria-labelledby="preview-title" {
                h2 #preview-title { "Preview" }
                div.prose { (PreEscaped(to_safe_html(&t.body))) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn unreadable_fields_are_named_and_readable_ones_convert() {
        let typed = Typed {
            title: "Falls clinic".to_owned(),
            activity_date: "2026-02-30".to_owned(),
            activity_type: "work_based_learning".to_owned(),
            hours: "two".to_owned(),
            model: "gibbs".to_owned(),
            standards: vec!["3".to_owned(), "x".to_owned()],
            ..Typed::default()
        };
        let today = date!(2026 - 02 - 27);
        let errors = typed.to_draft(today).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["activity_date", "hours", "standards"]);
        let blank_title = Typed {
            title: " ".to_owned(),
            ..typed.clone()
        };
        let errors = blank_title.to_draft(today).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["activity_date", "hours", "standards", "title"]);
        let ok = Typed {
            activity_date: "2026-02-27".to_owned(),
            hours: " 1.5 ".to_owned(),
            tags: "falls, , home visits ".to_owned(),
            standards: vec!["3".to_owned(), "10".to_owned()],
            ..typed
        };
        let draft = ok.to_draft(today).unwrap();
        assert_eq!(draft.activity_date, date!(2026 - 02 - 27));
        assert_eq!(draft.hours, Some(1.5));
        assert_eq!(draft.tags, vec!["falls", "home visits"]);
        assert_eq!(draft.standards, vec![3, 10]);
        assert_eq!(Typed::from_draft(&draft).tags, "falls, home visits");
    }
}
