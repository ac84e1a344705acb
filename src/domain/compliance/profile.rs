//! The facts about a person that are not records: staff groups, DBS and
//! appraisal dates (an admin's to set, as the employer holds them), and
//! profession, registration end and qualification date (the person's own).
//! Dates arrive as text so that a bad one is a field error naming it.

use time::Date;

use super::requirements::Requirements;
use crate::domain::dates::parse_iso;
use crate::domain::error::FieldError;
use crate::domain::user::Role;
use crate::domain::validate::EARLIEST_YEAR;

/// At most this many staff groups per person.
pub const MAX_STAFF_GROUPS: usize = 20;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplianceProfile {
    /// `None`: the role's default groups from the requirements file.
    pub staff_groups: Option<Vec<String>>,
    pub profession: Option<String>,
    pub registration_ends: Option<Date>,
    pub qualified_on: Option<Date>,
    pub dbs_checked_on: Option<Date>,
    pub last_appraisal_on: Option<Date>,
}

impl ComplianceProfile {
    /// The groups that apply: the person's own, or their role's default.
    pub fn groups(&self, role: Role, requirements: &Requirements) -> Vec<String> {
        self.staff_groups
            .clone()
            .unwrap_or_else(|| requirements.default_groups(role).to_vec())
    }
}

/// An admin's change. For each field `None` keeps it, `Some(None)` clears
/// it (staff groups go back to the role's default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffUpdate {
    pub staff_groups: Option<Option<Vec<String>>>,
    pub dbs_checked_on: Option<Option<String>>,
    pub last_appraisal_on: Option<Option<String>>,
}

/// The person's own change, read the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationUpdate {
    pub profession: Option<Option<String>>,
    pub registration_ends: Option<Option<String>>,
    pub qualified_on: Option<Option<String>>,
}

fn date_field(
    errors: &mut Vec<FieldError>,
    field: &str,
    change: Option<Option<String>>,
    current: Option<Date>,
    not_after: Option<Date>,
) -> Option<Date> {
    let Some(change) = change else {
        return current;
    };
    // Cleared.
    let text = change?;
    let Some(date) = parse_iso(text.trim()) else {
        errors.push(FieldError::new(field, "must be a date, YYYY-MM-DD"));
        return current;
    };
    if date.year() < EARLIEST_YEAR {
        errors.push(FieldError::new(
            field,
            format!("must be in {EARLIEST_YEAR} or later"),
        ));
        return current;
    }
    if not_after.is_some_and(|limit| date > limit) {
        errors.push(FieldError::new(field, "must not be in the future"));
        return current;
    }
    Some(date)
}

impl StaffUpdate {
    pub fn apply(
        self,
        current: &ComplianceProfile,
        requirements: &Requirements,
        today: Date,
    ) -> Result<ComplianceProfile, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut next = current.clone();
        if let Some(groups) = self.staff_groups {
            next.staff_groups = match groups {
                None => None,
                Some(groups) => {
                    let mut clean: Vec<String> = Vec::new();
                    for g in groups.iter().map(|g| g.trim()) {
                        if !requirements.is_group(g) {
                            let known: Vec<&str> = requirements
                                .staff_groups
                                .keys()
                                .map(String::as_str)
                                .collect();
                            errors.push(FieldError::new(
                                "staff_groups",
                                format!("{g:?} is not a staff group; known: {}", known.join(", ")),
                            ));
                        } else if !clean.iter().any(|c| c == g) {
                            clean.push(g.to_owned());
                        }
                    }
                    if clean.len() > MAX_STAFF_GROUPS {
                        errors.push(FieldError::new(
                            "staff_groups",
                            format!("must list at most {MAX_STAFF_GROUPS} groups"),
                        ));
                    }
                    Some(clean)
                }
            };
        }
        next.dbs_checked_on = date_field(
            &mut errors,
            "dbs_checked_on",
            self.dbs_checked_on,
            current.dbs_checked_on,
            Some(today),
        );
        next.last_appraisal_on = date_field(
            &mut errors,
            "last_appraisal_on",
            self.last_appraisal_on,
            current.last_appraisal_on,
            Some(today),
        );
        if errors.is_empty() {
            Ok(next)
        } else {
            Err(errors)
        }
    }
}

impl RegistrationUpdate {
    pub fn apply(
        self,
        current: &ComplianceProfile,
        requirements: &Requirements,
        today: Date,
    ) -> Result<ComplianceProfile, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut next = current.clone();
        if let Some(profession) = self.profession {
            next.profession = profession.map(|p| p.trim().to_owned());
            if let Some(p) = &next.profession
                && !requirements.registration.professions.contains_key(p)
            {
                let known: Vec<&str> = requirements
                    .registration
                    .professions
                    .keys()
                    .map(String::as_str)
                    .collect();
                errors.push(FieldError::new(
                    "profession",
                    format!("{p:?} is not a profession; known: {}", known.join(", ")),
                ));
            }
        }
        next.registration_ends = date_field(
            &mut errors,
            "registration_ends",
            self.registration_ends,
            current.registration_ends,
            None,
        );
        next.qualified_on = date_field(
            &mut errors,
            "qualified_on",
            self.qualified_on,
            current.qualified_on,
            Some(today),
        );
        if let Some(ends) = next.registration_ends
            && errors.is_empty()
        {
            match next
                .profession
                .as_deref()
                .and_then(|p| requirements.registration.professions.get(p))
            {
                None => errors.push(FieldError::new(
                    "registration_ends",
                    "needs a profession (its renewal cycle decides the end dates)",
                )),
                Some(p) if !p.is_cycle_end(ends) => {
                    let hint = p
                        .next_cycle_end(today)
                        .map(|d| format!(" (the next is {})", crate::domain::dates::iso(d)))
                        .unwrap_or_default();
                    errors.push(FieldError::new(
                        "registration_ends",
                        format!("is not a day {} registrations end{hint}", p.title),
                    ));
                }
                Some(_) => {}
            }
        }
        if errors.is_empty() {
            Ok(next)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::requirements::tests::shipped;
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 27);

    #[test]
    fn staff_groups_must_be_known_and_dates_past() {
        let r = shipped();
        let errors = StaffUpdate {
            staff_groups: Some(Some(vec!["all".into(), "pilots".into()])),
            dbs_checked_on: Some(Some("2026-11-28".into())),
            last_appraisal_on: Some(Some("2026-02-30".into())),
        }
        .apply(&ComplianceProfile::default(), &r, TODAY)
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["staff_groups", "dbs_checked_on", "last_appraisal_on"]
        );
        let ok = StaffUpdate {
            staff_groups: Some(Some(vec![" clinical".into(), "all".into(), "all".into()])),
            dbs_checked_on: Some(Some("2024-02-29".into())),
            last_appraisal_on: None,
        }
        .apply(&ComplianceProfile::default(), &r, TODAY)
        .unwrap();
        assert_eq!(
            ok.staff_groups,
            Some(vec!["clinical".to_owned(), "all".to_owned()])
        );
        assert_eq!(ok.dbs_checked_on, Some(date!(2024 - 02 - 29)));
        let cleared = StaffUpdate {
            staff_groups: Some(None),
            ..StaffUpdate::default()
        }
        .apply(&ok, &r, TODAY)
        .unwrap();
        assert_eq!(cleared.staff_groups, None);
        assert_eq!(
            cleared.groups(Role::Practitioner, &r),
            r.default_groups.practitioner
        );
    }

    #[test]
    fn registration_ends_on_a_cycle_end_of_the_profession() {
        let r = shipped();
        let update = |ends: &str| RegistrationUpdate {
            profession: Some(Some("occupational_therapist".into())),
            registration_ends: Some(Some(ends.into())),
            qualified_on: Some(Some("2019-07-01".into())),
        };
        let ok = update("2027-10-31")
            .apply(&ComplianceProfile::default(), &r, TODAY)
            .unwrap();
        assert_eq!(ok.registration_ends, Some(date!(2027 - 10 - 31)));
        let errors = update("2026-10-31")
            .apply(&ComplianceProfile::default(), &r, TODAY)
            .unwrap_err();
        assert_eq!(errors[0].field, "registration_ends");
        assert!(
            errors[0].message.contains("2027-10-31"),
            "{}",
            errors[0].message
        );
        let errors = RegistrationUpdate {
            profession: Some(Some("wizard".into())),
            ..RegistrationUpdate::default()
        }
        .apply(&ComplianceProfile::default(), &r, TODAY)
        .unwrap_err();
        assert_eq!(errors[0].field, "profession");
    }
}
