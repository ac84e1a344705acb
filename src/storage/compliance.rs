//! The facts compliance is worked out from, and the settings it uses.
//! Compliance reads each person's row of `compliance_fact` (migration
//! 0014, kept in step by `compliance_facts`), by key: a team reads one row
//! per member, with the accounts' own facts beside them; no record is
//! read. The organisation view reads `compliance_digest` (migration 0015),
//! one flat line a person, which is far cheaper to decode. The same facts
//! worked out from the records themselves (grouped queries over the
//! owner-first indexes) remain as `*_from_records`, to check the derived
//! rows against ([`Store::compliance_fact_drift`]).

use std::ops::Bound;

use surrealdb::types::{RecordId, RecordIdKey, RecordIdKeyRange, SurrealValue};
use time::Date;

use super::compliance_digest::{self, ComplianceDigest};
use super::compliance_facts::refresh_all;
use super::error::StorageResult;
use super::rows::date;
use super::{Store, execute, record_ids};
use crate::domain::compliance::{
    Completion, ComplianceProfile, Dated, PersonFacts, TeamSettings, latest_per_course,
};
use crate::domain::dates::iso;
use crate::domain::user::Role;

/// One person's stored facts, before their staff groups are resolved.
#[derive(Debug, Clone)]
pub struct StoredFacts {
    pub role: Role,
    pub profile: ComplianceProfile,
    /// Everything but `staff_groups`, which the application resolves.
    pub facts: PersonFacts,
}

#[derive(SurrealValue)]
struct ProfileRow {
    id: String,
    name: String,
    role: String,
    staff_groups: Option<Vec<String>>,
    profession: Option<String>,
    registration_ends: Option<String>,
    qualified_on: Option<String>,
    dbs_checked_on: Option<String>,
    last_appraisal_on: Option<String>,
}

#[derive(SurrealValue)]
struct ExpiryRow {
    owner: String,
    course: String,
    expiry: Option<String>,
    forever: i64,
}

#[derive(SurrealValue)]
struct CompletionRow {
    id: String,
    course: String,
    expiry: Option<String>,
    verified: bool,
}

#[derive(SurrealValue)]
struct LastRow {
    owner: String,
    last: Option<String>,
}

#[derive(SurrealValue)]
struct SupervisionRow {
    id: String,
    date: String,
}

#[derive(SurrealValue)]
struct SettingsRow {
    supervision_weeks: i64,
    preceptorship_weeks: i64,
    target_percent: i64,
}

/// A stored date as `YYYY-MM-DD`, or NONE.
fn day(field: &str) -> String {
    format!("IF {field} {{ time::format({field}, '%Y-%m-%d') }} ELSE {{ NONE }}")
}

fn profile_fields() -> String {
    format!(
        "record::id(id) AS id, name, role, staff_groups, profession,
         {} AS registration_ends, {} AS qualified_on,
         {} AS dbs_checked_on, {} AS last_appraisal_on",
        day("registration_ends"),
        day("qualified_on"),
        day("dbs_checked_on"),
        day("last_appraisal_on"),
    )
}

fn opt_date(text: Option<&str>) -> StorageResult<Option<Date>> {
    Ok(text.map(date).transpose()?)
}

/// A date to write: `YYYY-MM-DD` cast to a datetime at midnight UTC.
fn db_date(d: Option<Date>) -> Option<String> {
    d.map(iso)
}

impl ProfileRow {
    fn into_stored(self) -> StorageResult<StoredFacts> {
        let profile = ComplianceProfile {
            staff_groups: self.staff_groups,
            profession: self.profession,
            registration_ends: opt_date(self.registration_ends.as_deref())?,
            qualified_on: opt_date(self.qualified_on.as_deref())?,
            dbs_checked_on: opt_date(self.dbs_checked_on.as_deref())?,
            last_appraisal_on: opt_date(self.last_appraisal_on.as_deref())?,
        };
        let role = self.role.parse::<Role>().map_err(anyhow::Error::msg)?;
        Ok(StoredFacts::without_records(
            self.id, self.name, role, profile,
        ))
    }
}

impl StoredFacts {
    /// Someone's profile, with nothing yet from their records.
    pub(super) fn without_records(
        user_id: String,
        name: String,
        role: Role,
        profile: ComplianceProfile,
    ) -> Self {
        Self {
            role,
            facts: PersonFacts {
                user_id,
                name,
                staff_groups: Vec::new(),
                profession: profile.profession.clone(),
                registration_ends: profile.registration_ends,
                qualified_on: profile.qualified_on,
                dbs_checked_on: profile.dbs_checked_on,
                last_appraisal_on: profile.last_appraisal_on,
                last_cpd_on: None,
                last_supervision: None,
                training: Vec::new(),
            },
            profile,
        }
    }
}

fn settings(row: SettingsRow) -> TeamSettings {
    let n = |v: i64| u32::try_from(v).unwrap_or(0);
    TeamSettings {
        supervision_weeks: n(row.supervision_weeks),
        preceptorship_weeks: n(row.preceptorship_weeks),
        target_percent: n(row.target_percent),
    }
}

/// The latest expiry of each course per member of `$m`, and whether any
/// completion never expires (`forever`): a scan of `training_owner_date`
/// per member. (Filtering on the required courses here would make
/// SurrealDB 3.3.5 read the table-wide (course, expiry) index instead.)
const TRAINING_EXPIRIES: &str = "SELECT record::id(owner) AS owner, content.course AS course,
        time::max(content.expires_on) AS expiry,
        math::max(IF content.expires_on = NONE { 1 } ELSE { 0 }) AS forever
    FROM training WHERE owner IN $m GROUP BY owner, course";

/// The latest signed-off supervision per member of `$m`: a scan of
/// `supervision_owner_date` per member. The sign-off status is a condition
/// inside the aggregate, not in `WHERE`: there SurrealDB 3.3.5 intersects
/// the owner index with the (status, supervisor) index, which reads every
/// signed record in the database.
const LAST_SIGNED_SUPERVISION: &str = "SELECT record::id(owner) AS owner,
        time::max(IF signoff.status = 'signed' { date } ELSE { NONE }) AS last
    FROM supervision WHERE owner IN $m GROUP BY owner";

/// One person's latest signed-off supervision: a forward scan of
/// `supervision_owner_recency` (newest first) that stops at the first
/// signed record.
const LATEST_SIGNED_SUPERVISION_OF_ONE: &str = "SELECT record::id(id) AS id,
        time::format(date, '%Y-%m-%d') AS date
    FROM supervision WHERE owner = type::record('user', 'a') AND signoff.status = 'signed'
    ORDER BY recency LIMIT 1";

/// The latest reflection (CPD activity) per member of `$m`: a scan of
/// `reflection_owner_date` per member.
const LAST_REFLECTION: &str = "SELECT record::id(owner) AS owner, time::max(date) AS last
    FROM reflection WHERE owner IN $m GROUP BY owner";

const SETTINGS_FIELDS: &str = "supervision_weeks, preceptorship_weeks, target_percent";

impl Store {
    /// The compliance facts of one account that are not records.
    pub async fn compliance_profile(&self, user_id: &str) -> StorageResult<Option<StoredFacts>> {
        let row: Option<ProfileRow> = self
            .db()
            .query(format!(
                "SELECT {} FROM type::record('user', $id)",
                profile_fields()
            ))
            .bind(("id", user_id.to_owned()))
            .await?
            .take(0)?;
        row.map(ProfileRow::into_stored).transpose()
    }

    /// Stores what an admin keeps: staff groups, DBS and appraisal dates.
    pub async fn set_staff_facts(
        &self,
        user_id: &str,
        profile: &ComplianceProfile,
    ) -> StorageResult<()> {
        self.db()
            .query(
                "UPDATE type::record('user', $id) SET staff_groups = $groups,
                     dbs_checked_on = IF $dbs { <datetime> $dbs } ELSE { NONE },
                     last_appraisal_on = IF $appraisal { <datetime> $appraisal } ELSE { NONE },
                     updated_at = time::now()",
            )
            .bind(("id", user_id.to_owned()))
            .bind(("groups", profile.staff_groups.clone()))
            .bind(("dbs", db_date(profile.dbs_checked_on)))
            .bind(("appraisal", db_date(profile.last_appraisal_on)))
            .await?
            .check()?;
        Ok(())
    }

    /// Stores what the person keeps: profession, registration end and
    /// qualification date.
    pub async fn set_registration(
        &self,
        user_id: &str,
        profile: &ComplianceProfile,
    ) -> StorageResult<()> {
        self.db()
            .query(
                "UPDATE type::record('user', $id) SET profession = $profession,
                     registration_ends = IF $ends { <datetime> $ends } ELSE { NONE },
                     qualified_on = IF $qualified { <datetime> $qualified } ELSE { NONE },
                     updated_at = time::now()",
            )
            .bind(("id", user_id.to_owned()))
            .bind(("profession", profile.profession.clone()))
            .bind(("ends", db_date(profile.registration_ends)))
            .bind(("qualified", db_date(profile.qualified_on)))
            .await?
            .check()?;
        Ok(())
    }

    pub async fn team_settings(&self, team_id: &str) -> StorageResult<Option<TeamSettings>> {
        let row: Option<SettingsRow> = self
            .db()
            .query(format!(
                "SELECT {SETTINGS_FIELDS} FROM type::record('team', $id)"
            ))
            .bind(("id", team_id.to_owned()))
            .await?
            .take(0)?;
        Ok(row.map(settings))
    }

    pub async fn set_team_settings(&self, team_id: &str, s: TeamSettings) -> StorageResult<()> {
        self.db()
            .query(
                "UPDATE type::record('team', $id) SET supervision_weeks = $weeks,
                     preceptorship_weeks = $preceptorship, target_percent = $target",
            )
            .bind(("id", team_id.to_owned()))
            .bind(("weeks", i64::from(s.supervision_weeks)))
            .bind(("preceptorship", i64::from(s.preceptorship_weeks)))
            .bind(("target", i64::from(s.target_percent)))
            .await?
            .check()?;
        Ok(())
    }

    /// The settings of every team `user_id` is in.
    pub async fn member_team_settings(&self, user_id: &str) -> StorageResult<Vec<TeamSettings>> {
        let rows: Vec<SettingsRow> = self
            .db()
            .query(format!(
                "LET $teams = SELECT VALUE team FROM membership WHERE user = type::record('user', $id);
                 SELECT {SETTINGS_FIELDS} FROM $teams;"
            ))
            .bind(("id", user_id.to_owned()))
            .await?
            .take(1)?;
        Ok(rows.into_iter().map(settings).collect())
    }

    /// The facts of every account in `user_ids` worked out from their
    /// records, in one round trip of grouped queries (what
    /// `compliance_fact` must agree with). Completions carry no ids.
    pub async fn compliance_facts_from_records(
        &self,
        user_ids: &[String],
    ) -> StorageResult<Vec<StoredFacts>> {
        let mut response = self
            .db()
            .query(format!(
                "SELECT {profile} FROM $m;
                 SELECT owner, course, {expiry} AS expiry, forever FROM ({TRAINING_EXPIRIES});
                 SELECT owner, {last} AS last FROM ({LAST_SIGNED_SUPERVISION});
                 SELECT owner, {last} AS last FROM ({LAST_REFLECTION});",
                profile = profile_fields(),
                expiry = day("expiry"),
                last = day("last"),
            ))
            .bind(("m", record_ids("user", user_ids)))
            .await?;
        let profiles: Vec<ProfileRow> = response.take(0)?;
        let expiries: Vec<ExpiryRow> = response.take(1)?;
        let supervision: Vec<LastRow> = response.take(2)?;
        let cpd: Vec<LastRow> = response.take(3)?;
        let mut people = profiles
            .into_iter()
            .map(ProfileRow::into_stored)
            .collect::<StorageResult<Vec<_>>>()?;
        let index: std::collections::HashMap<String, usize> = people
            .iter()
            .enumerate()
            .map(|(i, p)| (p.facts.user_id.clone(), i))
            .collect();
        for row in expiries {
            if let Some(&i) = index.get(&row.owner) {
                let expires_on = if row.forever > 0 {
                    None
                } else {
                    opt_date(row.expiry.as_deref())?
                };
                people[i].facts.training.push(Completion {
                    course: row.course,
                    expires_on,
                    record_id: None,
                    verified: false,
                });
            }
        }
        for row in supervision {
            if let (Some(&i), Some(last)) = (index.get(&row.owner), row.last) {
                people[i].facts.last_supervision = Some(Dated {
                    date: date(&last)?,
                    record_id: None,
                });
            }
        }
        for row in cpd {
            if let Some(&i) = index.get(&row.owner) {
                people[i].facts.last_cpd_on = opt_date(row.last.as_deref())?;
            }
        }
        Ok(people)
    }

    /// One person's facts with the records they rest on, worked out from
    /// their records: the latest completion of each course with its id and
    /// verification, and the latest signed-off supervision.
    pub async fn compliance_facts_with_evidence_from_records(
        &self,
        user_id: &str,
    ) -> StorageResult<Option<StoredFacts>> {
        let ids = [user_id.to_owned()];
        let Some(mut person) = self
            .compliance_facts_from_records(&ids)
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let mut response = self
            .db()
            .query(format!(
                "LET $u = type::record('user', $id);
                 SELECT record::id(id) AS id, content.course AS course, {expiry} AS expiry,
                     verification != NONE AS verified
                 FROM training WHERE owner = $u ORDER BY recency, id;
                 {latest};",
                latest =
                    LATEST_SIGNED_SUPERVISION_OF_ONE.replace("type::record('user', 'a')", "$u"),
                expiry = day("content.expires_on"),
            ))
            .bind(("id", user_id.to_owned()))
            .await?;
        let completions: Vec<CompletionRow> = response.take(1)?;
        let supervision: Option<SupervisionRow> = response.take(2)?;
        person.facts.training = latest_per_course(
            completions
                .into_iter()
                .map(|c| {
                    Ok(Completion {
                        expires_on: opt_date(c.expiry.as_deref())?,
                        course: c.course,
                        record_id: Some(c.id),
                        verified: c.verified,
                    })
                })
                .collect::<StorageResult<Vec<_>>>()?,
        );
        if let Some(s) = supervision {
            person.facts.last_supervision = Some(Dated {
                date: date(&s.date)?,
                record_id: Some(s.id),
            });
        }
        Ok(Some(person))
    }

    /// The facts of every account in `user_ids` (in that order, skipping
    /// ids with no account), from their `compliance_digest` lines by key.
    /// Team views need no record ids, so completions and supervision carry
    /// none and nothing is verified.
    pub async fn compliance_facts(&self, user_ids: &[String]) -> StorageResult<Vec<StoredFacts>> {
        let digests = self.digests(user_ids).await?;
        let mut people: Vec<StoredFacts> = digests.into_iter().map(|d| d.stored).collect();
        for person in &mut people {
            for c in &mut person.facts.training {
                c.record_id = None;
                c.verified = false;
            }
            if let Some(s) = &mut person.facts.last_supervision {
                s.record_id = None;
            }
        }
        Ok(people)
    }

    /// One person's facts with the records they rest on (the latest
    /// completion of each course with its id and verification, the latest
    /// signed-off supervision), from `compliance_fact`.
    pub async fn compliance_facts_with_evidence(
        &self,
        user_id: &str,
    ) -> StorageResult<Option<StoredFacts>> {
        Ok(self
            .stored_facts(&[user_id.to_owned()])
            .await?
            .into_iter()
            .next())
    }

    /// Every team with its settings, and the facts of everyone in a team
    /// with the teams they are in: what the organisation view reads, in one
    /// round trip of two table scans (the teams, and one
    /// `compliance_digest` line per person, which names their teams).
    pub async fn organisation_facts(&self) -> StorageResult<OrganisationFacts> {
        let mut response = self
            .db()
            .query(format!(
                "SELECT record::id(id) AS id, name, {SETTINGS_FIELDS} FROM team ORDER BY name, id;
                 SELECT record::id(id) AS id, line FROM compliance_digest;"
            ))
            .await?;
        let teams: Vec<TeamRow> = response.take(0)?;
        let lines: Vec<DigestRow> = response.take(1)?;
        Ok(OrganisationFacts {
            teams: teams
                .into_iter()
                .map(|t| OrganisationTeam {
                    settings: t.settings(),
                    id: t.id,
                    name: t.name,
                })
                .collect(),
            people: DigestLines(lines),
        })
    }

    /// The digest lines of the accounts in `user_ids`, by key, read back.
    pub async fn digests(&self, user_ids: &[String]) -> StorageResult<Vec<ComplianceDigest>> {
        let rows: Vec<DigestRow> = self
            .db()
            .query("SELECT record::id(id) AS id, line FROM $ids")
            .bind(("ids", record_ids("compliance_digest", user_ids)))
            .await?
            .take(0)?;
        rows.into_iter()
            .map(|row| Ok(compliance_digest::parse(row.id, &row.line)?))
            .collect()
    }

    /// The id of every account with a digest line (every account), sorted.
    pub async fn digest_ids(&self) -> StorageResult<Vec<String>> {
        let mut ids: Vec<String> = self
            .db()
            .query("SELECT VALUE record::id(id) FROM compliance_digest")
            .await?
            .take(0)?;
        ids.sort_unstable();
        Ok(ids)
    }

    /// The digest lines of the accounts from `first` to `last` (ids, both
    /// included) in key order, each with the outbox keys last seen queued
    /// for them (migration 0017): one bounded range scan of the table, for
    /// the alert scan. The range must be bounded at both ends: SurrealDB
    /// 3.3.5 reads an open range to the end of the table before applying a
    /// `LIMIT`, which made paging by `LIMIT` quadratic.
    pub async fn digest_page(&self, first: &str, last: &str) -> StorageResult<Vec<ScannedDigest>> {
        let range = RecordIdKeyRange {
            start: Bound::Included(RecordIdKey::String(first.to_owned())),
            end: Bound::Included(RecordIdKey::String(last.to_owned())),
        };
        let rows: Vec<ScannedRow> = self
            .db()
            .query("SELECT record::id(id) AS id, line, queued FROM $range")
            .bind((
                "range",
                RecordId::new("compliance_digest", RecordIdKey::Range(Box::new(range))),
            ))
            .await?
            .take(0)?;
        rows.into_iter()
            .map(|row| {
                Ok(ScannedDigest {
                    digest: compliance_digest::parse(row.id, &row.line)?,
                    queued: compliance_digest::queued_keys(row.queued.as_deref()),
                })
            })
            .collect()
    }

    /// Replaces the outbox keys kept as queued for each `(user id, keys)`.
    pub async fn remember_queued(&self, people: Vec<(String, Vec<String>)>) -> StorageResult<()> {
        if people.is_empty() {
            return Ok(());
        }
        let rows: Vec<QueuedRow> = people
            .into_iter()
            .map(|(user_id, keys)| QueuedRow {
                id: RecordId::new("compliance_digest", user_id.as_str()),
                queued: compliance_digest::joined_keys(&keys),
            })
            .collect();
        self.db()
            .query("FOR $row IN $rows { UPDATE $row.id SET queued = $row.queued }")
            .bind(("rows", rows))
            .await?
            .check()?;
        Ok(())
    }

    /// Every team's settings, by team id.
    pub async fn settings_by_team(
        &self,
    ) -> StorageResult<std::collections::HashMap<String, TeamSettings>> {
        let rows: Vec<TeamRow> = self
            .db()
            .query(format!(
                "SELECT record::id(id) AS id, name, {SETTINGS_FIELDS} FROM team"
            ))
            .await?
            .take(0)?;
        Ok(rows
            .into_iter()
            .map(|t| (t.id.clone(), t.settings()))
            .collect())
    }

    /// Rewrites every account's `compliance_fact` row from its records:
    /// the migration's backfill, for tests and repairs.
    pub async fn rebuild_compliance_facts(&self) -> StorageResult<()> {
        let query = self.db().query(format!(
            "BEGIN TRANSACTION;
             FOR $fo IN (SELECT VALUE id FROM user) {{ {} }};
             COMMIT TRANSACTION;",
            refresh_all()
        ));
        execute(query).await
    }

    /// Every account whose stored facts differ from the facts worked out
    /// from its records, with both: empty when `compliance_fact` is in
    /// step. Reads everything; for tests and checks, not for requests.
    pub async fn compliance_fact_drift(&self) -> StorageResult<Vec<String>> {
        let ids = self.all_user_ids().await?;
        let mut drift = Vec::new();
        for id in ids {
            let stored = self.compliance_facts_with_evidence(&id).await?;
            let worked_out = self
                .compliance_facts_with_evidence_from_records(&id)
                .await?;
            let key = |f: Option<StoredFacts>| {
                f.map(|mut f| {
                    f.facts.training.sort_by(|a, b| a.course.cmp(&b.course));
                    f.facts
                })
            };
            let digest = self.digest_of(&id).await?;
            let profile = stored.as_ref().map(|s| s.profile.clone());
            let (stored, worked_out) = (key(stored), key(worked_out));
            if stored != worked_out {
                drift.push(format!(
                    "{id}: stored {stored:?}, from records {worked_out:?}"
                ));
            }
            let mut teams = self.member_team_ids(&id).await?;
            teams.sort();
            let from_digest = digest.map(|mut d| {
                d.teams.sort();
                (d.teams, d.stored.profile.clone(), key(Some(d.stored)))
            });
            if from_digest
                != Some((
                    teams.clone(),
                    profile.clone().unwrap_or_default(),
                    stored.clone(),
                ))
            {
                drift.push(format!(
                    "{id}: digest {from_digest:?}, stored {teams:?} {profile:?} {stored:?}"
                ));
            }
        }
        Ok(drift)
    }

    /// The `compliance_digest` line of `user_id`, read back.
    async fn digest_of(
        &self,
        user_id: &str,
    ) -> StorageResult<Option<compliance_digest::ComplianceDigest>> {
        let row: Option<DigestRow> = self
            .db()
            .query("SELECT record::id(id) AS id, line FROM type::record('compliance_digest', $id)")
            .bind(("id", user_id.to_owned()))
            .await?
            .take(0)?;
        Ok(row
            .map(|row| compliance_digest::parse(row.id, &row.line))
            .transpose()?)
    }

    /// The ids of the teams `user_id` is in, as the digest lists them.
    async fn member_team_ids(&self, user_id: &str) -> StorageResult<Vec<String>> {
        Ok(self
            .db()
            .query("SELECT VALUE record::id(team) FROM membership WHERE user = type::record('user', $id)")
            .bind(("id", user_id.to_owned()))
            .await?
            .take(0)?)
    }

    /// The profiles and stored facts of `user_ids`, in that order.
    async fn stored_facts(&self, user_ids: &[String]) -> StorageResult<Vec<StoredFacts>> {
        let mut response = self
            .db()
            .query(format!(
                "SELECT {profile} FROM $m;
                 {FACT_ROWS};",
                profile = profile_fields(),
            ))
            .bind(("m", record_ids("user", user_ids)))
            .bind(("facts", record_ids("compliance_fact", user_ids)))
            .await?;
        let profiles: Vec<ProfileRow> = response.take(0)?;
        let facts: Vec<FactRow> = response.take(1)?;
        joined(profiles, facts)
    }
}

/// The `compliance_fact` rows bound as `$facts`, by key.
const FACT_ROWS: &str = "SELECT record::id(owner) AS owner, training, supervision, cpd_on
    FROM $facts";

#[derive(SurrealValue)]
struct FactRow {
    owner: String,
    training: Vec<FactCompletion>,
    supervision: Option<FactSupervision>,
    cpd_on: Option<String>,
}

#[derive(SurrealValue)]
struct FactCompletion {
    course: String,
    record: String,
    expires_on: Option<String>,
    verified: bool,
}

#[derive(SurrealValue)]
struct FactSupervision {
    date: String,
    record: String,
}

#[derive(SurrealValue)]
struct TeamRow {
    id: String,
    name: String,
    supervision_weeks: i64,
    preceptorship_weeks: i64,
    target_percent: i64,
}

impl TeamRow {
    fn settings(&self) -> TeamSettings {
        settings(SettingsRow {
            supervision_weeks: self.supervision_weeks,
            preceptorship_weeks: self.preceptorship_weeks,
            target_percent: self.target_percent,
        })
    }
}

#[derive(SurrealValue)]
struct DigestRow {
    id: String,
    line: String,
}

#[derive(SurrealValue)]
struct ScannedRow {
    id: String,
    line: String,
    queued: Option<String>,
}

#[derive(SurrealValue)]
struct QueuedRow {
    id: RecordId,
    queued: String,
}

/// A person's digest as the alert scan reads it.
#[derive(Debug)]
pub struct ScannedDigest {
    pub digest: ComplianceDigest,
    /// Outbox keys known to be queued for them; others may be too.
    pub queued: Vec<String>,
}

/// A team as the organisation view reads it.
#[derive(Debug, Clone)]
pub struct OrganisationTeam {
    pub id: String,
    pub name: String,
    pub settings: TeamSettings,
}

/// Every team, and the digest of everyone in a team.
pub struct OrganisationFacts {
    pub teams: Vec<OrganisationTeam>,
    pub people: DigestLines,
}

/// Digest lines as read, each parsed only when iterated to: a caller that
/// assesses one person at a time and lets them go holds one person's
/// facts at a time, not everyone's (for 10,000 people, allocating and
/// freeing all their facts at once took most of the organisation view).
/// People in no team are skipped.
pub struct DigestLines(Vec<DigestRow>);

impl IntoIterator for DigestLines {
    type Item = StorageResult<ComplianceDigest>;
    type IntoIter = Box<dyn Iterator<Item = Self::Item> + Send>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.0.into_iter().filter_map(|row| {
            match compliance_digest::parse(row.id, &row.line) {
                Ok(digest) if digest.teams.is_empty() => None,
                Ok(digest) => Some(Ok(digest)),
                Err(e) => Some(Err(e.into())),
            }
        }))
    }
}

/// Each profile with its stored facts (none stored: no records yet).
fn joined(profiles: Vec<ProfileRow>, facts: Vec<FactRow>) -> StorageResult<Vec<StoredFacts>> {
    let mut people = profiles
        .into_iter()
        .map(ProfileRow::into_stored)
        .collect::<StorageResult<Vec<_>>>()?;
    let index: std::collections::HashMap<String, usize> = people
        .iter()
        .enumerate()
        .map(|(i, p)| (p.facts.user_id.clone(), i))
        .collect();
    for row in facts {
        let Some(&i) = index.get(&row.owner) else {
            continue;
        };
        let facts = &mut people[i].facts;
        facts.training = row
            .training
            .into_iter()
            .map(|c| {
                Ok(Completion {
                    course: c.course,
                    expires_on: opt_date(c.expires_on.as_deref())?,
                    record_id: Some(c.record),
                    verified: c.verified,
                })
            })
            .collect::<StorageResult<Vec<_>>>()?;
        facts.last_supervision = row
            .supervision
            .map(|s| {
                Ok::<_, super::error::StorageError>(Dated {
                    date: date(&s.date)?,
                    record_id: Some(s.record),
                })
            })
            .transpose()?;
        facts.last_cpd_on = opt_date(row.cpd_on.as_deref())?;
    }
    Ok(people)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each query of the facts reads an owner-first index per member, never
    /// a whole table or a table-wide index.
    #[tokio::test]
    async fn team_facts_are_index_scans() {
        let data = tempfile::tempdir().unwrap();
        let config = crate::config::Config {
            data_dir: data.path().to_owned(),
            database_url: Some("mem://".to_owned()),
            ..crate::config::Config::default()
        };
        let store = Store::open(&config, &super::super::Migrations::embedded())
            .await
            .unwrap();
        for sql in [
            TRAINING_EXPIRIES,
            LAST_SIGNED_SUPERVISION,
            LAST_REFLECTION,
            LATEST_SIGNED_SUPERVISION_OF_ONE,
        ] {
            let mut response = store
                .db()
                .query(format!(
                    "LET $m = [type::record('user', 'a'), type::record('user', 'b')]; {sql} EXPLAIN FULL;"
                ))
                .await
                .unwrap();
            let plan: surrealdb::types::Value = response.take(1).unwrap();
            let plan = format!("{plan:?}");
            assert!(plan.contains("IndexScan"), "{sql}\n{plan}");
            assert!(!plan.contains("TableScan"), "{sql}\n{plan}");
            // Not the table-wide (status, supervisor) or (course, expiry)
            // indexes, which would read every signed supervision or every
            // completion of a course in the database.
            assert!(!plan.contains("supervision_signoff"), "{sql}\n{plan}");
            assert!(!plan.contains("training_course_expiry"), "{sql}\n{plan}");
        }
    }
}
