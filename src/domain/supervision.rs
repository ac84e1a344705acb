//! Supervision records and their sign-off. The supervisee writes the
//! record; when the supervisor is a cpdfolio user it is submitted, then
//! countersigned or returned with a comment. A signed record is fixed:
//! corrections are addenda, and agreed actions can still be closed one by
//! one.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::pii::{TextField, named_items};
use super::record::{
    Addendum, EvidenceData, RecordKind, SearchText, SignOff, SignOffStatus, Workflow,
};
use super::text::{char_len, is_blank};
use super::validate::Checks;
use crate::domain::error::FieldError;

pub const REFLECTION_MAX_CHARS: usize = 100_000;
pub const SHORT_MAX_CHARS: usize = 200;
pub const ACTION_MAX_CHARS: usize = 1_000;
pub const TOPICS_MAX: usize = 20;
pub const ACTIONS_MAX: usize = 50;
pub const DURATION_MAX_MINUTES: u32 = 600;
pub const COMMENT_MAX_CHARS: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionType {
    Clinical,
    ProfessionalManagerial,
    Peer,
    Group,
}

impl SupervisionType {
    pub const ALL: [Self; 4] = [
        Self::Clinical,
        Self::ProfessionalManagerial,
        Self::Peer,
        Self::Group,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clinical => "clinical",
            Self::ProfessionalManagerial => "professional_managerial",
            Self::Peer => "peer",
            Self::Group => "group",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Clinical => "Clinical supervision",
            Self::ProfessionalManagerial => "Professional/managerial supervision",
            Self::Peer => "Peer supervision",
            Self::Group => "Group supervision",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    #[default]
    Open,
    Closed,
}

/// An action agreed in supervision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreedAction {
    /// What will be done (1 to 1,000 characters).
    pub text: String,
    /// Who will do it (free text, e.g. "supervisee").
    pub owner: String,
    #[serde(default, with = "crate::domain::dates::iso_date::option")]
    pub due: Option<Date>,
    #[serde(default)]
    pub status: ActionStatus,
}

/// What the supervisee writes about a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupervisionDraft {
    #[serde(with = "crate::domain::dates::iso_date")]
    pub date: Date,
    pub duration_minutes: u32,
    pub supervision_type: SupervisionType,
    /// A cpdfolio user who can countersign, or `None` for an external one.
    pub supervisor_id: Option<String>,
    pub external_supervisor_name: Option<String>,
    pub external_supervisor_role: Option<String>,
    pub topics: Vec<String>,
    pub reflection: String,
    pub safeguarding_discussed: bool,
    pub wellbeing_discussed: bool,
    pub actions: Vec<AgreedAction>,
    #[serde(default, with = "crate::domain::dates::iso_date::option")]
    pub next_date: Option<Date>,
}

fn trim_opt(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl SupervisionDraft {
    /// Trims, normalises and checks every field; `today` bounds the date.
    pub fn validated(mut self, today: Date) -> Result<Self, Vec<FieldError>> {
        self.supervisor_id = trim_opt(self.supervisor_id);
        self.external_supervisor_name = trim_opt(self.external_supervisor_name);
        self.external_supervisor_role = trim_opt(self.external_supervisor_role);
        self.topics = self
            .topics
            .iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        for action in &mut self.actions {
            action.text = action.text.trim().to_owned();
            action.owner = action.owner.trim().to_owned();
        }
        let mut checks = Checks::new();
        checks.past_date("date", self.date, today).rule(
            (1..=DURATION_MAX_MINUTES).contains(&self.duration_minutes),
            "duration_minutes",
            "must be between 1 and 600",
        );
        match (&self.supervisor_id, &self.external_supervisor_name) {
            (None, None) => checks.push(FieldError::new(
                "supervisor_id",
                "name the supervisor: a cpdfolio user (supervisor_id) or an external name",
            )),
            (Some(_), Some(_)) => checks.push(FieldError::new(
                "external_supervisor_name",
                "give either supervisor_id or an external supervisor, not both",
            )),
            _ => &mut checks,
        };
        checks
            .max_chars(
                "external_supervisor_name",
                self.external_supervisor_name.as_deref().unwrap_or(""),
                SHORT_MAX_CHARS,
            )
            .max_chars(
                "external_supervisor_role",
                self.external_supervisor_role.as_deref().unwrap_or(""),
                SHORT_MAX_CHARS,
            )
            .rule(
                self.topics.len() <= TOPICS_MAX,
                "topics",
                "at most 20 topics",
            );
        for topic in &self.topics {
            checks.max_chars("topics", topic, SHORT_MAX_CHARS);
        }
        checks
            .max_chars("reflection", &self.reflection, REFLECTION_MAX_CHARS)
            .rule(
                self.actions.len() <= ACTIONS_MAX,
                "actions",
                "at most 50 actions",
            );
        for (i, action) in self.actions.iter().enumerate() {
            checks
                .required(
                    &format!("actions[{i}].text"),
                    &action.text,
                    ACTION_MAX_CHARS,
                )
                .max_chars(
                    &format!("actions[{i}].owner"),
                    &action.owner,
                    SHORT_MAX_CHARS,
                );
        }
        checks
            .rule(
                self.next_date.is_none_or(|next| next >= self.date),
                "next_date",
                "must not be before the session's date",
            )
            .finish(self)
    }
}

impl EvidenceData for SupervisionDraft {
    const KIND: RecordKind = RecordKind::Supervision;

    fn owner_may_edit(flow: &Workflow) -> Result<(), Refusal> {
        check_editable(&flow.sign_off)
    }

    fn owner_may_delete(flow: &Workflow) -> Result<(), Refusal> {
        check_deletable(&flow.sign_off)
    }

    fn date(&self) -> Date {
        self.date
    }

    fn title(&self) -> String {
        self.supervision_type.label().to_owned()
    }

    fn supervisor_id(&self) -> Option<&str> {
        self.supervisor_id.as_deref()
    }

    fn free_text(&self) -> Vec<TextField<'_>> {
        let mut fields = vec![TextField::new("reflection", &self.reflection)];
        fields.extend(named_items("topics", &self.topics));
        fields.extend(
            self.actions
                .iter()
                .enumerate()
                .map(|(i, a)| TextField::new(format!("actions[{i}].text"), &a.text)),
        );
        fields
    }

    fn search_text(&self) -> SearchText {
        let actions: Vec<&str> = self.actions.iter().map(|a| a.text.as_str()).collect();
        SearchText {
            body: self.reflection.clone(),
            notes: actions.join("\n"),
            tags: self.topics.clone(),
        }
    }
}

/// Why a sign-off step is not possible now (a 409 to the caller).
pub type Refusal = &'static str;

/// A step that takes input can fail on the input or on the record's state.
#[derive(Debug, Clone, PartialEq)]
pub enum StepError {
    Invalid(Vec<FieldError>),
    Refused(Refusal),
}

/// Only a draft or a returned record may change.
pub fn check_editable(flow: &SignOff) -> Result<(), Refusal> {
    match flow.status {
        SignOffStatus::Draft | SignOffStatus::Returned => Ok(()),
        SignOffStatus::Submitted => Err(
            "the record is waiting for the supervisor's sign-off; it cannot be changed until it is signed or returned",
        ),
        SignOffStatus::Signed => {
            Err("the record is signed and cannot be changed; add an addendum to correct it")
        }
    }
}

/// The supervisee may delete anything that is not signed.
pub fn check_deletable(flow: &SignOff) -> Result<(), Refusal> {
    if flow.status == SignOffStatus::Signed {
        Err("a signed supervision record cannot be deleted by the supervisee alone")
    } else {
        Ok(())
    }
}

pub fn submit(flow: &SignOff, has_user_supervisor: bool) -> Result<SignOff, Refusal> {
    if !has_user_supervisor {
        return Err(
            "only a record whose supervisor is a cpdfolio user can be submitted for sign-off",
        );
    }
    check_editable(flow)?;
    Ok(SignOff {
        status: SignOffStatus::Submitted,
        ..flow.clone()
    })
}

pub fn sign(flow: &SignOff, supervisor_id: &str, at: OffsetDateTime) -> Result<SignOff, Refusal> {
    if flow.status != SignOffStatus::Submitted {
        return Err("only a submitted record can be signed");
    }
    Ok(SignOff {
        status: SignOffStatus::Signed,
        signed_by: Some(supervisor_id.to_owned()),
        signed_at: Some(at),
        return_comment: None,
        ..flow.clone()
    })
}

pub fn return_with(flow: &SignOff, comment: &str) -> Result<SignOff, StepError> {
    let comment = comment.trim();
    if is_blank(comment) || char_len(comment) > COMMENT_MAX_CHARS {
        return Err(StepError::Invalid(vec![FieldError::new(
            "comment",
            "say what needs changing (1 to 5000 characters)",
        )]));
    }
    if flow.status != SignOffStatus::Submitted {
        return Err(StepError::Refused(
            "only a submitted record can be returned",
        ));
    }
    Ok(SignOff {
        status: SignOffStatus::Returned,
        return_comment: Some(comment.to_owned()),
        ..flow.clone()
    })
}

pub fn add_addendum(
    flow: &SignOff,
    text: &str,
    author_id: &str,
    at: OffsetDateTime,
) -> Result<SignOff, Vec<FieldError>> {
    let text = text.trim();
    if is_blank(text) || char_len(text) > COMMENT_MAX_CHARS {
        return Err(vec![FieldError::new(
            "text",
            "must be 1 to 5000 characters",
        )]);
    }
    let mut next = flow.clone();
    next.addenda.push(Addendum {
        text: text.to_owned(),
        author_id: author_id.to_owned(),
        added_at: at,
    });
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supervision_types_read_back_as_they_are_stored() {
        for t in SupervisionType::ALL {
            assert_eq!(SupervisionType::parse(t.as_str()), Some(t));
            let stored = serde_json::to_value(t).unwrap();
            assert_eq!(stored, serde_json::json!(t.as_str()));
        }
        assert_eq!(SupervisionType::parse("Clinical"), None);
    }

    #[test]
    fn the_owner_may_edit_drafts_and_returned_records_only() {
        let at = |status| Workflow {
            sign_off: SignOff {
                status,
                ..SignOff::default()
            },
            ..Workflow::default()
        };
        assert_eq!(
            SupervisionDraft::owner_may_edit(&at(SignOffStatus::Draft)),
            Ok(())
        );
        assert_eq!(
            SupervisionDraft::owner_may_edit(&at(SignOffStatus::Returned)),
            Ok(())
        );
        assert!(SupervisionDraft::owner_may_edit(&at(SignOffStatus::Submitted)).is_err());
        assert!(SupervisionDraft::owner_may_edit(&at(SignOffStatus::Signed)).is_err());
        assert_eq!(
            SupervisionDraft::owner_may_delete(&at(SignOffStatus::Submitted)),
            Ok(())
        );
        assert!(SupervisionDraft::owner_may_delete(&at(SignOffStatus::Signed)).is_err());
        let signed = at(SignOffStatus::Signed);
        assert_eq!(SupervisionDraft::after_owner_edit(signed.clone()), signed);
    }
    use time::macros::{date, datetime};

    fn draft() -> SupervisionDraft {
        SupervisionDraft {
            date: date!(2026 - 03 - 10),
            duration_minutes: 60,
            supervision_type: SupervisionType::Clinical,
            supervisor_id: Some(" sup ".to_owned()),
            external_supervisor_name: Some("  ".to_owned()),
            external_supervisor_role: None,
            topics: vec![" caseload ".to_owned(), "".to_owned()],
            reflection: "Discussed risk.".to_owned(),
            safeguarding_discussed: true,
            wellbeing_discussed: false,
            actions: vec![AgreedAction {
                text: " Read NICE NG222 ".to_owned(),
                owner: "me".to_owned(),
                due: None,
                status: ActionStatus::Open,
            }],
            next_date: Some(date!(2026 - 04 - 10)),
        }
    }

    #[test]
    fn validation_trims_and_accepts_a_user_supervisor() {
        let d = draft().validated(date!(2026 - 03 - 10)).unwrap();
        assert_eq!(d.supervisor_id.as_deref(), Some("sup"));
        assert_eq!(d.external_supervisor_name, None);
        assert_eq!(d.topics, vec!["caseload".to_owned()]);
        assert_eq!(d.actions[0].text, "Read NICE NG222");
    }

    #[test]
    fn validation_names_each_bad_field() {
        let mut d = draft();
        d.supervisor_id = None;
        d.external_supervisor_name = None;
        d.duration_minutes = 0;
        d.next_date = Some(date!(2026 - 03 - 09));
        d.actions[0].text = " ".to_owned();
        let errors = d.validated(date!(2026 - 03 - 09)).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "date",
                "duration_minutes",
                "supervisor_id",
                "actions[0].text",
                "next_date"
            ]
        );
    }

    #[test]
    fn sign_off_flow() {
        let draft = SignOff::default();
        assert!(submit(&draft, false).is_err());
        let submitted = submit(&draft, true).unwrap();
        assert!(check_editable(&submitted).is_err());
        let returned = return_with(&submitted, "add the actions").unwrap();
        assert_eq!(returned.status, SignOffStatus::Returned);
        assert_eq!(returned.return_comment.as_deref(), Some("add the actions"));
        assert!(check_editable(&returned).is_ok());
        assert!(sign(&returned, "sup", datetime!(2026-03-11 10:00 UTC)).is_err());
        assert_eq!(
            return_with(&returned, "again"),
            Err(StepError::Refused(
                "only a submitted record can be returned"
            ))
        );
        assert!(matches!(
            return_with(&submitted, " "),
            Err(StepError::Invalid(_))
        ));
        let signed = sign(
            &submit(&returned, true).unwrap(),
            "sup",
            datetime!(2026-03-11 10:00 UTC),
        )
        .unwrap();
        assert_eq!(signed.status, SignOffStatus::Signed);
        assert_eq!(signed.signed_by.as_deref(), Some("sup"));
        assert_eq!(signed.return_comment, None);
        assert!(check_editable(&signed).is_err());
        assert!(check_deletable(&signed).is_err());
        assert!(submit(&signed, true).is_err());
        let with_note = add_addendum(
            &signed,
            " date was 9 March ",
            "me",
            datetime!(2026-03-12 09:00 UTC),
        )
        .unwrap();
        assert_eq!(with_note.addenda.len(), 1);
        assert_eq!(with_note.addenda[0].text, "date was 9 March");
        assert_eq!(with_note.status, SignOffStatus::Signed);
        assert!(add_addendum(&signed, "", "me", datetime!(2026-03-12 09:00 UTC)).is_err());
    }
}
