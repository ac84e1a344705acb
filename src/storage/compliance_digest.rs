//! Reads the lines of `compliance_digest` (migration 0015): one flat
//! string a person holding everything the organisation-wide view and the
//! alert scan need,
//! written by database events whenever its sources change. A string
//! decodes far faster than the nested rows it summarises, which is the
//! point of the table; this module turns it back into the facts the
//! domain assesses. The layout is documented in the migration.

use anyhow::{Context, anyhow};
use time::Date;

use super::compliance::StoredFacts;
use super::rows::date;
use crate::domain::compliance::{Completion, ComplianceProfile, Dated};
use crate::domain::user::Role;

/// One person's line, read back: their facts and the teams they are in.
#[derive(Debug)]
pub struct ComplianceDigest {
    pub stored: StoredFacts,
    pub active: bool,
    /// The UTC day the account was created.
    pub created_on: Date,
    pub teams: Vec<String>,
}

/// Fields, the name last (it may contain anything).
const FIELDS: usize = 16;

/// Parses the line of the person `user_id`.
pub(super) fn parse(user_id: String, line: &str) -> anyhow::Result<ComplianceDigest> {
    let fields: Vec<&str> = line.splitn(FIELDS, '|').collect();
    let [
        version,
        role,
        active,
        created_on,
        groups,
        profession,
        registration_ends,
        qualified_on,
        dbs_checked_on,
        last_appraisal_on,
        cpd_on,
        supervised_on,
        supervision_record,
        teams,
        training,
        name,
    ] = fields[..]
    else {
        return Err(anyhow!("compliance digest has {} fields", fields.len()));
    };
    if version != "1" {
        return Err(anyhow!("compliance digest version {version:?} is unknown"));
    }
    let profile = ComplianceProfile {
        staff_groups: (groups != "*").then(|| list(groups)),
        profession: text(profession),
        registration_ends: day(registration_ends)?,
        qualified_on: day(qualified_on)?,
        dbs_checked_on: day(dbs_checked_on)?,
        last_appraisal_on: day(last_appraisal_on)?,
    };
    let role = role.parse::<Role>().map_err(anyhow::Error::msg)?;
    let mut stored = StoredFacts::without_records(user_id, name.to_owned(), role, profile);
    stored.facts.last_cpd_on = day(cpd_on)?;
    stored.facts.last_supervision = day(supervised_on)?.map(|date| Dated {
        date,
        record_id: text(supervision_record),
    });
    stored.facts.training = completions(training)?;
    Ok(ComplianceDigest {
        active: active == "1",
        created_on: date(created_on).context("compliance digest creation day")?,
        stored,
        teams: list(teams),
    })
}

/// The outbox keys kept in a digest's `queued` field (migration 0017).
/// Outbox keys are built of ids, item keys and dates, none holding `;`.
pub(super) fn queued_keys(queued: Option<&str>) -> Vec<String> {
    queued
        .unwrap_or_default()
        .split(';')
        .filter(|key| !key.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) fn joined_keys(keys: &[String]) -> String {
    keys.join(";")
}

fn completions(training: &str) -> anyhow::Result<Vec<Completion>> {
    training
        .split(';')
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let mut parts = entry.split(',');
            let (Some(course), Some(record), Some(expires_on), Some(verified), None) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) else {
                return Err(anyhow!(
                    "compliance digest completion {entry:?} is malformed"
                ));
            };
            Ok(Completion {
                course: course.to_owned(),
                expires_on: day(expires_on)?,
                record_id: text(record),
                verified: verified == "1",
            })
        })
        .collect()
}

fn list(joined: &str) -> Vec<String> {
    joined
        .split(',')
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

fn text(field: &str) -> Option<String> {
    (!field.is_empty()).then(|| field.to_owned())
}

fn day(field: &str) -> anyhow::Result<Option<Date>> {
    (!field.is_empty())
        .then(|| date(field).with_context(|| format!("compliance digest date {field:?}")))
        .transpose()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn a_full_line_reads_back_every_fact() {
        let line = "1|practitioner|1|2024-05-06|clinical,ahp|occupational_therapist|2027-10-31|2024-07-01\
                    |2023-02-03||2026-09-01|2026-10-20|s1|t1,t2\
                    |fire-safety-l1,r1,2027-03-31,1;dementia-awareness,r2,,0|Ann | O'Neil, OT";
        let digest = parse("u1".to_owned(), line).unwrap();
        assert_eq!(digest.teams, ["t1", "t2"]);
        assert!(digest.active);
        assert_eq!(digest.created_on, date!(2024 - 05 - 06));
        let stored = digest.stored;
        assert_eq!(stored.role, Role::Practitioner);
        assert_eq!(
            stored.profile.staff_groups,
            Some(vec!["clinical".to_owned(), "ahp".to_owned()])
        );
        let facts = stored.facts;
        assert_eq!(facts.user_id, "u1");
        assert_eq!(facts.name, "Ann | O'Neil, OT");
        assert_eq!(facts.profession.as_deref(), Some("occupational_therapist"));
        assert_eq!(facts.registration_ends, Some(date!(2027 - 10 - 31)));
        assert_eq!(facts.qualified_on, Some(date!(2024 - 07 - 01)));
        assert_eq!(facts.dbs_checked_on, Some(date!(2023 - 02 - 03)));
        assert_eq!(facts.last_appraisal_on, None);
        assert_eq!(facts.last_cpd_on, Some(date!(2026 - 09 - 01)));
        assert_eq!(
            facts.last_supervision,
            Some(Dated {
                date: date!(2026 - 10 - 20),
                record_id: Some("s1".to_owned())
            })
        );
        assert_eq!(
            facts.training,
            [
                Completion {
                    course: "fire-safety-l1".to_owned(),
                    expires_on: Some(date!(2027 - 03 - 31)),
                    record_id: Some("r1".to_owned()),
                    verified: true,
                },
                Completion {
                    course: "dementia-awareness".to_owned(),
                    expires_on: None,
                    record_id: Some("r2".to_owned()),
                    verified: false,
                },
            ]
        );
    }

    #[test]
    fn a_person_with_nothing_recorded_has_no_facts() {
        let digest = parse("u2".to_owned(), "1|lead|0|2025-01-02|*|||||||||||Bo").unwrap();
        assert!(digest.teams.is_empty());
        assert!(!digest.active);
        assert_eq!(digest.stored.role, Role::Lead);
        assert_eq!(digest.stored.profile.staff_groups, None);
        assert_eq!(digest.stored.facts.name, "Bo");
        assert!(digest.stored.facts.training.is_empty());
        assert_eq!(digest.stored.facts.last_supervision, None);
        assert_eq!(digest.stored.facts.last_cpd_on, None);
    }

    #[test]
    fn queued_keys_read_back_as_written() {
        let keys = vec![
            "compliance-u1-fire-safety-l1-2026-03-31-lapsed".to_owned(),
            "inactivity-u1-2026-01-02".to_owned(),
        ];
        assert_eq!(queued_keys(Some(&joined_keys(&keys))), keys);
        assert!(queued_keys(Some("")).is_empty());
        assert!(queued_keys(None).is_empty());
    }

    #[test]
    fn groups_set_to_none_differ_from_groups_not_set() {
        let digest = parse("u3".to_owned(), "1|practitioner|1|2025-01-02||||||||||||Cy").unwrap();
        assert_eq!(digest.stored.profile.staff_groups, Some(Vec::new()));
    }

    #[test]
    fn malformed_lines_are_errors_not_guesses() {
        for line in [
            "",
            "2|lead|1|2025-01-02|*|||||||||||Bo",
            "1|lead|1|2025-01-02|*||||||||||Bo",
            "1|chief|1|2025-01-02|*|||||||||||Bo",
            "1|lead|1||*|||||||||||Bo",
            "1|lead|1|2025-01-02|*||2027-02-30|||||||||Bo",
            "1|lead|1|2025-01-02|*|||||||||t1|fire,r1,2027-01-01|Bo",
        ] {
            assert!(parse("u".to_owned(), line).is_err(), "{line:?}");
        }
    }
}
