//! Importing statutory and mandatory training from an ESR competence
//! export (admins only). Every line is checked before anything is written:
//! the file's shape and dates (`domain::esr`), the person (an active
//! account that keeps a portfolio, found by email), the course (the
//! catalogue's rules, as for a record typed in), and room in the person's
//! portfolio. A file with any problem imports nothing and the answer lists
//! every problem by line. Imported records are verified (the employer's
//! record is the evidence) and marked as imported; a completion the
//! portfolio already holds is left alone, so importing a file twice changes
//! nothing the second time.

use std::collections::{BTreeMap, HashMap};

use super::evidence::encode;
use super::{App, AppError, AppResult, CurrentUser};
use crate::domain::esr::{self, EsrLine, LineProblem};
use crate::domain::record::{RecordKind, Verification, Workflow};
use crate::domain::training::{ImportSource, Imported, TrainingDraft};
use crate::domain::user::User;
use crate::storage::access_log::NewAccess;
use crate::storage::imports::{Held, NewImport};
use crate::storage::new_id;

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Completions written (or that would be).
    pub imported: usize,
    /// Completions the portfolios already held.
    pub already_held: usize,
    /// Lines of competences the mapping ignores.
    pub ignored: usize,
    /// Lines repeating an earlier line of the file.
    pub repeated: usize,
    pub dry_run: bool,
}

/// Where the import has got to: (lines checked, lines in all).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

impl App {
    /// Imports `bytes`, an ESR competence export, or with `dry_run` only
    /// checks it and says what it would import.
    pub async fn import_esr(
        &self,
        me: &CurrentUser,
        bytes: &[u8],
        dry_run: bool,
        progress: Progress<'_>,
    ) -> AppResult<ImportReport> {
        me.require_admin()?;
        let today = self.today();
        let file = esr::read(bytes, &self.content().esr, today).map_err(AppError::Validation)?;
        let people = self.people_by_email(&file.lines).await?;
        let held = self
            .store()
            .held_training(people.values().map(|u| u.id.clone()).collect())
            .await?;
        let mut report = ImportReport {
            ignored: file.ignored,
            repeated: file.repeated,
            dry_run,
            ..ImportReport::default()
        };
        let mut problems = file.problems;
        let mut new = Vec::new();
        let total = file.lines.len() as u64;
        for (done, line) in file.lines.iter().enumerate() {
            progress(done as u64, total);
            match self.import_line(me, line, &people, &held) {
                Ok(Some(record)) => new.push((line.line, record)),
                Ok(None) => report.already_held += 1,
                Err(problem) => problems.push(problem),
            }
        }
        progress(total, total);
        problems.extend(self.portfolios_with_no_room(&new).await?);
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line);
            return Err(AppError::Validation(
                problems
                    .into_iter()
                    .map(LineProblem::into_field_error)
                    .collect(),
            ));
        }
        report.imported = new.len();
        if dry_run || new.is_empty() {
            return Ok(report);
        }
        let ids: Vec<String> = new.iter().map(|(_, r)| r.id.clone()).collect();
        self.store()
            .import_training(new.into_iter().map(|(_, r)| r).collect())
            .await?;
        for id in ids {
            self.index_committed::<TrainingDraft>(&id).await?;
        }
        Ok(report)
    }

    /// The accounts the file names, by email.
    async fn people_by_email(&self, lines: &[EsrLine]) -> AppResult<HashMap<String, User>> {
        let mut emails: Vec<String> = lines.iter().map(|l| l.email.clone()).collect();
        emails.sort();
        emails.dedup();
        Ok(self
            .store()
            .users_by_email(emails)
            .await?
            .into_iter()
            .map(|u| (u.email.clone(), u))
            .collect())
    }

    /// The record a line makes, `None` when the portfolio already holds
    /// it, or what is wrong with the line.
    fn import_line(
        &self,
        me: &CurrentUser,
        line: &EsrLine,
        people: &HashMap<String, User>,
        held: &std::collections::HashSet<Held>,
    ) -> Result<Option<NewImport>, LineProblem> {
        let person = people
            .get(&line.email)
            .filter(|u| u.active && u.role.keeps_portfolio())
            .ok_or_else(|| {
                LineProblem::new(
                    line.line,
                    format!(
                        "{} is not an active account that keeps a portfolio",
                        line.email
                    ),
                )
            })?;
        if held.contains(&(person.id.clone(), line.course.clone(), line.achieved)) {
            return Ok(None);
        }
        let today = self.today();
        let draft = TrainingDraft {
            course: line.course.clone(),
            completed_on: line.achieved,
            provider: "NHS Electronic Staff Record".to_owned(),
            certificate_expires_on: line.expires,
            notes: String::new(),
            course_title: String::new(),
            expires_on: None,
            imported: Some(Imported {
                source: ImportSource::Esr,
                on: today,
            }),
        }
        .validated(today, &self.content().training)
        .map_err(|errors| {
            let messages: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            LineProblem::new(line.line, messages.join("; "))
        })?;
        let workflow = Workflow {
            verification: Some(Verification {
                verified_by: me.id().to_owned(),
                verified_at: self.now(),
            }),
            ..Workflow::default()
        };
        let write = encode(&draft, &workflow, &[])
            .map_err(|_| LineProblem::new(line.line, "cannot be stored (an internal error)"))?;
        let id = new_id();
        Ok(Some(NewImport {
            logged_as: NewAccess::new(me.id(), &person.id, RecordKind::Training, &id, "import"),
            id,
            owner_id: person.id.clone(),
            write,
        }))
    }

    /// A problem for each person whose portfolio the import would take
    /// past `max_records_per_user`, on the first line about them.
    async fn portfolios_with_no_room(
        &self,
        new: &[(u64, NewImport)],
    ) -> AppResult<Vec<LineProblem>> {
        let max = self.config().max_records_per_user;
        // Per owner: the first line adding to their portfolio, and how many.
        let mut adding: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for (line, record) in new {
            adding
                .entry(record.owner_id.as_str())
                .or_insert((*line, 0))
                .1 += 1;
        }
        let mut problems = Vec::new();
        for (owner, (first, count)) in adding {
            let held = self.store().owned_record_count(owner).await?;
            if held + count > u64::from(max) {
                problems.push(LineProblem::new(
                    first,
                    format!("this person's portfolio would pass the limit of {max} records"),
                ));
            }
        }
        Ok(problems)
    }
}
