//! What a deployment requires, read from `content/compliance/requirements.toml`:
//! the staff groups and who is in them by default, and the rules for
//! supervision, HCPC registration, DBS, appraisal and CPD recency. Training
//! requirements come from the catalogue. Kept as data because employers
//! differ and the HCPC has moved renewal dates before; checked once at
//! start-up so a typo stops the server instead of silently requiring
//! nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use time::Date;

use crate::domain::dates::add_months;
use crate::domain::training::Course;
use crate::domain::user::Role;

/// Keys of the requirements that are not training courses.
pub const SUPERVISION: &str = "supervision";
pub const REGISTRATION: &str = "hcpc-registration";
pub const DBS: &str = "dbs-check";
pub const APPRAISAL: &str = "appraisal";
pub const CPD: &str = "cpd-recency";

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    /// Days before a due date when an item becomes due soon.
    pub warning_days: u32,
    /// Group key → what it means.
    pub staff_groups: BTreeMap<String, String>,
    pub default_groups: DefaultGroups,
    pub supervision: SupervisionRule,
    pub registration: RegistrationRule,
    pub dbs: IntervalRule,
    pub appraisal: IntervalRule,
    pub cpd: CpdRule,
    /// When compliance emails go (absent: 60 and 14 days before, every 14
    /// days while overdue).
    #[serde(default)]
    pub alerts: super::alerts::AlertRule,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultGroups {
    pub practitioner: Vec<String>,
    pub lead: Vec<String>,
    pub admin: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisionRule {
    pub title: String,
    pub required_for: Vec<String>,
    /// Default for a new team: a signed-off supervision at least this often.
    pub weeks: u32,
    /// Default for a new team during preceptorship.
    pub preceptorship_weeks: u32,
    /// How long preceptorship lasts after `qualified_on`.
    pub preceptorship_months: u32,
    pub warning_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRule {
    pub title: String,
    pub required_for: Vec<String>,
    pub professions: BTreeMap<String, Profession>,
    pub warning_days: Option<u32>,
}

/// One profession's renewal cycle.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profession {
    pub title: String,
    pub cycle_years: u32,
    /// One day a registration ends; so is every `cycle_years` from it.
    #[serde(with = "crate::domain::dates::iso_date")]
    pub cycle_ends_on: Date,
    /// When renewal opens for the cycle ending on `cycle_ends_on`.
    #[serde(with = "crate::domain::dates::iso_date")]
    pub window_opens_on: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntervalRule {
    pub title: String,
    pub required_for: Vec<String>,
    pub interval_months: u32,
    pub warning_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CpdRule {
    pub title: String,
    pub required_for: Vec<String>,
    pub days: u32,
    pub warning_days: Option<u32>,
}

/// What kind of evidence a requirement rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequirementKind {
    Training,
    Supervision,
    Registration,
    Dbs,
    Appraisal,
    Cpd,
}

impl RequirementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Training => "training",
            Self::Supervision => "supervision",
            Self::Registration => "registration",
            Self::Dbs => "dbs",
            Self::Appraisal => "appraisal",
            Self::Cpd => "cpd",
        }
    }
}

/// One requirement, whoever it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// A training course key, or one of the fixed keys above.
    pub key: String,
    pub title: String,
    pub kind: RequirementKind,
    pub required_for: Vec<String>,
    pub warning_days: u32,
    /// For training: months between refreshers (0: once).
    pub refresher_months: u32,
}

impl Requirement {
    /// Whether someone in `groups` must meet it.
    pub fn applies_to(&self, groups: &[String]) -> bool {
        self.required_for.iter().any(|g| groups.contains(g))
    }
}

impl Profession {
    /// Whether `date` is the end of one of this profession's cycles.
    pub fn is_cycle_end(&self, date: Date) -> bool {
        self.cycles_from_reference(date)
            .and_then(|n| self.shift(self.cycle_ends_on, n))
            == Some(date)
    }

    /// When renewal opens for the cycle ending on `ends`.
    pub fn window_opens(&self, ends: Date) -> Option<Date> {
        let n = self.cycles_from_reference(ends)?;
        self.shift(self.window_opens_on, n)
    }

    /// The first cycle end on or after `date`.
    pub fn next_cycle_end(&self, date: Date) -> Option<Date> {
        let years = i32::try_from(self.cycle_years).ok()?.max(1);
        let n = (date.year() - self.cycle_ends_on.year()).div_euclid(years);
        (n - 1..=n + 1)
            .filter_map(|k| self.shift(self.cycle_ends_on, k))
            .find(|end| *end >= date)
    }

    fn cycles_from_reference(&self, date: Date) -> Option<i32> {
        let years = i32::try_from(self.cycle_years).ok()?.max(1);
        let diff = date.year() - self.cycle_ends_on.year();
        (diff.rem_euclid(years) == 0).then_some(diff / years)
    }

    fn shift(&self, date: Date, cycles: i32) -> Option<Date> {
        let years = i32::try_from(self.cycle_years).ok()?;
        add_months(date, cycles.checked_mul(years)?.checked_mul(12)?)
    }
}

impl Requirements {
    /// The staff groups of someone with `role` until an admin sets theirs.
    pub fn default_groups(&self, role: Role) -> &[String] {
        match role {
            Role::Practitioner => &self.default_groups.practitioner,
            Role::Lead => &self.default_groups.lead,
            Role::Admin => &self.default_groups.admin,
        }
    }

    pub fn is_group(&self, group: &str) -> bool {
        self.staff_groups.contains_key(group)
    }

    /// Every requirement: the catalogue's courses (in catalogue order) that
    /// some group must hold, then supervision, registration, DBS,
    /// appraisal and CPD recency.
    pub fn list(&self, catalogue: &[Course]) -> Vec<Requirement> {
        let warn = |own: Option<u32>| own.unwrap_or(self.warning_days);
        let mut list: Vec<Requirement> = catalogue
            .iter()
            .filter(|c| !c.required_for.is_empty())
            .map(|c| Requirement {
                key: c.key.clone(),
                // Levels of one subject share a title in the catalogue.
                title: if catalogue
                    .iter()
                    .any(|o| o.key != c.key && o.title == c.title)
                {
                    format!("{} (level {})", c.title, c.level)
                } else {
                    c.title.clone()
                },
                kind: RequirementKind::Training,
                required_for: c.required_for.clone(),
                warning_days: self.warning_days,
                refresher_months: c.refresher_months,
            })
            .collect();
        let fixed =
            |key: &str, title: &str, kind, required_for: &[String], warning_days| Requirement {
                key: key.to_owned(),
                title: title.to_owned(),
                kind,
                required_for: required_for.to_vec(),
                warning_days,
                refresher_months: 0,
            };
        let s = &self.supervision;
        list.push(fixed(
            SUPERVISION,
            &s.title,
            RequirementKind::Supervision,
            &s.required_for,
            warn(s.warning_days),
        ));
        let r = &self.registration;
        list.push(fixed(
            REGISTRATION,
            &r.title,
            RequirementKind::Registration,
            &r.required_for,
            warn(r.warning_days),
        ));
        for (key, rule, kind) in [
            (DBS, &self.dbs, RequirementKind::Dbs),
            (APPRAISAL, &self.appraisal, RequirementKind::Appraisal),
        ] {
            list.push(fixed(
                key,
                &rule.title,
                kind,
                &rule.required_for,
                warn(rule.warning_days),
            ));
        }
        let c = &self.cpd;
        list.push(fixed(
            CPD,
            &c.title,
            RequirementKind::Cpd,
            &c.required_for,
            warn(c.warning_days),
        ));
        list
    }

    /// Checks the file against itself and the catalogue; the message names
    /// the setting at fault.
    pub fn check(&self, catalogue: &[Course]) -> Result<(), String> {
        let known: BTreeSet<&str> = self.staff_groups.keys().map(String::as_str).collect();
        let unknown = |place: &str, groups: &[String]| -> Result<(), String> {
            match groups.iter().find(|g| !known.contains(g.as_str())) {
                Some(g) => Err(format!(
                    "{place} names staff group {g:?}, which is not listed in [staff_groups]"
                )),
                None => Ok(()),
            }
        };
        self.alerts.check()?;
        for group in self.staff_groups.keys() {
            if group.is_empty()
                || group.len() > 40
                || !group
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(format!(
                    "staff group {group:?} must be 1 to 40 lower-case letters, digits or _"
                ));
            }
        }
        for course in catalogue {
            unknown(
                &format!("training course {:?} (required_for)", course.key),
                &course.required_for,
            )?;
        }
        unknown(
            "default_groups.practitioner",
            &self.default_groups.practitioner,
        )?;
        unknown("default_groups.lead", &self.default_groups.lead)?;
        unknown("default_groups.admin", &self.default_groups.admin)?;
        unknown("supervision.required_for", &self.supervision.required_for)?;
        unknown("registration.required_for", &self.registration.required_for)?;
        unknown("dbs.required_for", &self.dbs.required_for)?;
        unknown("appraisal.required_for", &self.appraisal.required_for)?;
        unknown("cpd.required_for", &self.cpd.required_for)?;
        let s = &self.supervision;
        if !(1..=52).contains(&s.weeks) || !(1..=52).contains(&s.preceptorship_weeks) {
            return Err(
                "supervision.weeks and supervision.preceptorship_weeks must be 1 to 52".into(),
            );
        }
        if s.preceptorship_months > 60 {
            return Err("supervision.preceptorship_months must be at most 60".into());
        }
        for (name, months) in [
            ("dbs.interval_months", self.dbs.interval_months),
            ("appraisal.interval_months", self.appraisal.interval_months),
        ] {
            if !(1..=120).contains(&months) {
                return Err(format!("{name} must be 1 to 120"));
            }
        }
        if !(1..=3650).contains(&self.cpd.days) {
            return Err("cpd.days must be 1 to 3650".into());
        }
        let warnings = [
            Some(self.warning_days),
            s.warning_days,
            self.registration.warning_days,
            self.dbs.warning_days,
            self.appraisal.warning_days,
            self.cpd.warning_days,
        ];
        if warnings.into_iter().flatten().any(|w| w > 366) {
            return Err("warning_days must be at most 366".into());
        }
        if self.registration.professions.is_empty() {
            return Err("registration.professions must list at least one profession".into());
        }
        for (key, p) in &self.registration.professions {
            if !(1..=10).contains(&p.cycle_years) {
                return Err(format!(
                    "registration.professions.{key}.cycle_years must be 1 to 10"
                ));
            }
            if p.window_opens_on >= p.cycle_ends_on
                || add_months(p.window_opens_on, 12) <= Some(p.cycle_ends_on)
            {
                return Err(format!(
                    "registration.professions.{key}.window_opens_on must be in the year before cycle_ends_on"
                ));
            }
        }
        let fixed = [SUPERVISION, REGISTRATION, DBS, APPRAISAL, CPD];
        if let Some(c) = catalogue.iter().find(|c| fixed.contains(&c.key.as_str())) {
            return Err(format!(
                "training course key {:?} is reserved for a compliance requirement",
                c.key
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use time::macros::date;

    pub(crate) fn shipped() -> Requirements {
        toml::from_str(include_str!(
            "../../../content/compliance/requirements.toml"
        ))
        .unwrap()
    }

    pub(crate) fn course(key: &str, months: u32, groups: &[&str]) -> Course {
        Course {
            key: key.into(),
            title: format!("Course {key}"),
            framework: "CSTF".into(),
            level: 1,
            refresher_months: months,
            required_for: groups.iter().map(|g| (*g).to_owned()).collect(),
            confidence: String::new(),
        }
    }

    #[test]
    fn the_shipped_file_is_valid_and_lists_every_requirement() {
        let r = shipped();
        let catalogue = [course("fire", 24, &["all"])];
        assert_eq!(r.check(&catalogue), Ok(()));
        let keys: Vec<String> = r.list(&catalogue).into_iter().map(|r| r.key).collect();
        assert_eq!(
            keys,
            ["fire", SUPERVISION, REGISTRATION, DBS, APPRAISAL, CPD]
        );
        assert_eq!(r.warning_days, 60);
        assert_eq!(r.supervision.weeks, 6);
        assert_eq!(r.supervision.preceptorship_weeks, 4);
        assert_eq!(r.cpd.days, 90);
        assert_eq!(r.dbs.interval_months, 36);
        assert_eq!(r.appraisal.interval_months, 12);
        assert_eq!(r.default_groups(Role::Admin), &[] as &[String]);
    }

    #[test]
    fn unknown_groups_and_bad_numbers_are_named() {
        let r = shipped();
        let err = r.check(&[course("x", 12, &["drivers"])]).unwrap_err();
        assert!(err.contains("\"drivers\""), "{err}");
        let mut bad = shipped();
        bad.supervision.weeks = 0;
        assert!(bad.check(&[]).unwrap_err().contains("supervision.weeks"));
        let mut bad = shipped();
        bad.dbs.required_for = vec!["everyone".into()];
        assert!(bad.check(&[]).unwrap_err().contains("dbs.required_for"));
        let err = shipped().check(&[course(DBS, 12, &["all"])]).unwrap_err();
        assert!(err.contains("reserved"), "{err}");
    }

    #[test]
    fn occupational_therapists_renew_on_31_october_in_odd_years() {
        let r = shipped();
        let ot = &r.registration.professions["occupational_therapist"];
        assert!(ot.is_cycle_end(date!(2027 - 10 - 31)));
        assert!(ot.is_cycle_end(date!(2023 - 10 - 31)));
        assert!(!ot.is_cycle_end(date!(2026 - 10 - 31)));
        assert!(!ot.is_cycle_end(date!(2027 - 10 - 30)));
        assert_eq!(
            ot.window_opens(date!(2027 - 10 - 31)),
            Some(date!(2027 - 08 - 01))
        );
        assert_eq!(ot.window_opens(date!(2026 - 10 - 31)), None);
        assert_eq!(
            ot.next_cycle_end(date!(2026 - 11 - 27)),
            Some(date!(2027 - 10 - 31))
        );
        assert_eq!(
            ot.next_cycle_end(date!(2025 - 10 - 31)),
            Some(date!(2025 - 10 - 31))
        );
        assert_eq!(
            ot.next_cycle_end(date!(2025 - 11 - 01)),
            Some(date!(2027 - 10 - 31))
        );
    }
}
