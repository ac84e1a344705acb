//! Recording a supervision session: the form, read back as typed when
//! anything is wrong. Agreed actions are written one to a line; a line
//! that matches an action already recorded keeps its owner, due date and
//! whether it is closed.

use maud::{Markup, html};
use poem::Response;
use poem::http::StatusCode;
use time::Date;

use super::form::{FormData, NOT_A_DATE, all_problems, typed_day};
use super::layout::{Field, csrf_field, error_summary, page_response};
use super::session::SignedIn;
use crate::domain::error::FieldError;
use crate::domain::supervision::{ActionStatus, AgreedAction, SupervisionDraft, SupervisionType};
use crate::domain::user::Recipient;

/// The value the supervisor list gives for someone outside cpdfolio.
const EXTERNAL: &str = "external";

/// The form's fields as text.
pub fn typed_from_draft(d: &SupervisionDraft) -> FormData {
    let mut pairs: Vec<(String, String)> = vec![
        ("date".into(), d.date.to_string()),
        ("duration_minutes".into(), d.duration_minutes.to_string()),
        (
            "supervision_type".into(),
            d.supervision_type.as_str().into(),
        ),
        (
            "supervisor".into(),
            d.supervisor_id.clone().unwrap_or_else(|| EXTERNAL.into()),
        ),
        (
            "external_supervisor_name".into(),
            d.external_supervisor_name.clone().unwrap_or_default(),
        ),
        (
            "external_supervisor_role".into(),
            d.external_supervisor_role.clone().unwrap_or_default(),
        ),
        ("topics".into(), d.topics.join(", ")),
        ("reflection".into(), d.reflection.clone()),
        (
            "actions".into(),
            d.actions
                .iter()
                .map(|a| a.text.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        (
            "next_date".into(),
            d.next_date.map(|n| n.to_string()).unwrap_or_default(),
        ),
    ];
    for (flag, on) in [
        ("safeguarding_discussed", d.safeguarding_discussed),
        ("wellbeing_discussed", d.wellbeing_discussed),
    ] {
        if on {
            pairs.push((flag.into(), "yes".into()));
        }
    }
    FormData::from_pairs(pairs)
}

/// The session the form describes, or every field that cannot be read
/// together with what the domain's checks find in the rest.
pub fn to_draft(
    form: &FormData,
    earlier: &[AgreedAction],
    today: Date,
) -> Result<SupervisionDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    let real_date = NOT_A_DATE;
    let date = match typed_day(form.get("date")) {
        Ok(Some(d)) => d,
        Ok(None) => {
            errors.push(FieldError::new("date", "must not be empty"));
            today
        }
        Err(()) => {
            errors.push(FieldError::new("date", real_date));
            today
        }
    };
    let next_date = typed_day(form.get("next_date")).unwrap_or_else(|()| {
        errors.push(FieldError::new("next_date", real_date));
        None
    });
    let duration_minutes = form
        .get("duration_minutes")
        .trim()
        .parse::<u32>()
        .unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "duration_minutes",
                "must be a whole number of minutes, for example 60",
            ));
            0
        });
    let supervision_type =
        SupervisionType::parse(form.get("supervision_type")).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "supervision_type",
                "must be one of the choices",
            ));
            SupervisionType::Clinical
        });
    let supervisor = form.get("supervisor");
    let external = supervisor == EXTERNAL || supervisor.is_empty();
    let text = |name: &str| Some(form.get(name).to_owned()).filter(|v| !v.trim().is_empty());
    let draft = SupervisionDraft {
        date,
        duration_minutes,
        supervision_type,
        supervisor_id: (!external).then(|| supervisor.to_owned()),
        external_supervisor_name: if external {
            text("external_supervisor_name")
        } else {
            None
        },
        external_supervisor_role: if external {
            text("external_supervisor_role")
        } else {
            None
        },
        topics: form
            .get("topics")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        reflection: form.get("reflection").to_owned(),
        safeguarding_discussed: !form.get("safeguarding_discussed").is_empty(),
        wellbeing_discussed: !form.get("wellbeing_discussed").is_empty(),
        actions: actions(form.get("actions"), earlier),
        next_date,
    };
    if errors.is_empty() {
        return Ok(draft);
    }
    Err(all_problems(errors, draft.validated(today)))
}

fn actions(lines: &str, earlier: &[AgreedAction]) -> Vec<AgreedAction> {
    lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            earlier
                .iter()
                .find(|a| a.text == line)
                .cloned()
                .unwrap_or_else(|| AgreedAction {
                    text: line.to_owned(),
                    owner: "supervisee".to_owned(),
                    due: None,
                    status: ActionStatus::Open,
                })
        })
        .collect()
}

fn label_of(field: &str) -> String {
    match field {
        "date" => "Date of the session",
        "duration_minutes" => "Length in minutes",
        "supervision_type" => "Type of supervision",
        "supervisor_id" | "supervisor" => "Supervisor",
        "external_supervisor_name" => "Supervisor's name",
        "external_supervisor_role" => "Supervisor's role",
        "topics" => "Topics",
        "reflection" => "What was discussed and what you take from it",
        "actions" => "Agreed actions",
        "next_date" => "Next session",
        other => other,
    }
    .to_owned()
}

/// How the form is shown: where it posts and under what heading.
pub struct SupervisionFormView<'a> {
    pub action: &'a str,
    pub heading: &'a str,
    pub typed: &'a FormData,
    pub errors: &'a [FieldError],
    pub colleagues: &'a [Recipient],
}

pub fn form_page(me: &SignedIn, view: &SupervisionFormView<'_>, status: StatusCode) -> Response {
    page_response(
        view.heading,
        Some(&me.viewer()),
        status,
        form_markup(me, view),
    )
}

fn form_markup(me: &SignedIn, view: &SupervisionFormView<'_>) -> Markup {
    let (t, e) = (view.typed, view.errors);
    let types: Vec<(&str, &str)> = SupervisionType::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    let mut people: Vec<(&str, &str)> = view
        .colleagues
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    people.push((EXTERNAL, "Someone outside cpdfolio (no countersigning)"));
    let supervisor_errors: Vec<FieldError> = e
        .iter()
        .map(|err| {
            let field = if err.field == "supervisor_id" {
                "supervisor"
            } else {
                err.field.as_str()
            };
            FieldError::new(field, err.message.clone())
        })
        .collect();
    let flags = [
        (
            "safeguarding_discussed".to_owned(),
            "Safeguarding was discussed".to_owned(),
        ),
        (
            "wellbeing_discussed".to_owned(),
            "My wellbeing was discussed".to_owned(),
        ),
    ];
    let ticked: Vec<String> = flags
        .iter()
        .filter(|(name, _)| !t.get(name).is_empty())
        .map(|(name, _)| name.clone())
        .collect();
    html! {
        (error_summary(&supervisor_errors, label_of))
        h1 { (view.heading) }
        form method="post" action=(view.action) novalidate {
            (csrf_field(&me.csrf))
            (Field::new("date", "Date of the session", e).hint("For example 2026-03-31").text("date", t.get("date")))
            (Field::new("duration_minutes", "Length in minutes", e).text("text", t.get("duration_minutes")))
            (Field::new("supervision_type", "Type of supervision", e).select(&types, t.get("supervision_type")))
            (Field::new("supervisor", "Supervisor", &supervisor_errors).hint("A colleague here countersigns the record").select(&people, t.get("supervisor")))
            (Field::new("external_supervisor_name", "Supervisor's name", e).hint("Only for a supervisor outside cpdfolio").text("text", t.get("external_supervisor_name")))
            (Field::new("external_supervisor_role", "Supervisor's role", e).text("text", t.get("external_supervisor_role")))
            (Field::new("topics", "Topics", e).hint("Separated by commas").text("text", t.get("topics")))
            (Field::new("reflection", "What was discussed and what you take from it", e).hint("No names or details that could identify a service user").textarea(t.get("reflection"), 10))
            (Field::new("flags", "Also discussed", e).checkboxes_named(&flags, &ticked))
            (Field::new("actions", "Agreed actions", e).hint("One to a line").textarea(t.get("actions"), 4))
            (Field::new("next_date", "Next session", e).hint("Optional").text("date", t.get("next_date")))
            button.button type="submit" { "Save supervision record" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_form_reads_into_a_session_keeping_what_earlier_actions_said() {
        let form = FormData::from_pairs(
            [
                ("date", "2026-11-20"),
                ("duration_minutes", "60"),
                ("supervision_type", "clinical"),
                ("supervisor", "external"),
                ("external_supervisor_name", "Dr Ada Jones"),
                ("topics", "caseload, , risk"),
                ("reflection", "We talked."),
                ("wellbeing_discussed", "yes"),
                (
                    "actions",
                    "Read the NICE guideline\n\n  Book a joint visit ",
                ),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .to_vec(),
        );
        let earlier = vec![AgreedAction {
            text: "Book a joint visit".to_owned(),
            owner: "supervisor".to_owned(),
            due: Some(date!(2026 - 12 - 01)),
            status: ActionStatus::Closed,
        }];
        let draft = to_draft(&form, &earlier, date!(2026 - 11 - 27)).unwrap();
        assert_eq!(draft.supervisor_id, None);
        assert_eq!(
            draft.external_supervisor_name.as_deref(),
            Some("Dr Ada Jones")
        );
        assert_eq!(draft.topics, vec!["caseload", "risk"]);
        assert!(draft.wellbeing_discussed && !draft.safeguarding_discussed);
        assert_eq!(draft.actions.len(), 2);
        assert_eq!(draft.actions[0].owner, "supervisee");
        assert_eq!(draft.actions[1], earlier[0]);
        assert_eq!(
            typed_from_draft(&draft).get("actions"),
            "Read the NICE guideline\nBook a joint visit"
        );
    }

    #[test]
    fn unreadable_numbers_and_dates_are_named() {
        let form = FormData::from_pairs(vec![
            ("date".to_owned(), "2026-11-31".to_owned()),
            ("duration_minutes".to_owned(), "an hour".to_owned()),
            ("supervision_type".to_owned(), "clinical".to_owned()),
        ]);
        let errors = to_draft(&form, &[], date!(2026 - 11 - 27)).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(&fields[..2], &["date", "duration_minutes"]);
    }
}
