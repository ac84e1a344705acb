//! Supervision, audit and training records: one table per kind with the
//! same frame (owner, supervisor, date, title, version). The kind's fields
//! are a typed, asserted `content` object (migration 0003); sign-off and
//! verification are typed objects beside it. The application hands this
//! module the content as JSON (dates as `YYYY-MM-DD`); the schema stores
//! dates as datetimes, and they come back as `YYYY-MM-DD`. Every change
//! (create, update, share, delete) appends its access-log entry in its own
//! transaction, and every update first copies the current version into
//! `record_version` in that transaction too. Changes return nothing: the
//! application reads the committed record back.

use anyhow::Context;
use serde_json::Value;
use surrealdb::types::{Datetime, SurrealValue, Value as Db};
use time::{Date, OffsetDateTime};

use super::access_log::{APPEND, NewAccess};
use super::compliance_facts;
use super::error::StorageResult;
use super::history::Change;
use super::record_tally;
use super::rows::{self, datetime};
use super::team_records::{ON_DELETE, on_update, team_count, team_source};
use super::{Store, execute, record_ids};
use crate::domain::dates::iso;
use crate::domain::record::{EvidenceFilter, RecordKind};

mod create;
pub use create::NewEvidence;

/// A stored record before its content is read into a domain type.
#[derive(Debug, Clone)]
pub struct StoredEvidence {
    pub id: String,
    pub owner_id: String,
    pub data: Value,
    /// Sign-off as JSON (empty for kinds without one).
    pub signoff: Value,
    /// Verification as JSON, if the record has been verified.
    pub verification: Option<Value>,
    pub shared_with: Vec<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: u32,
    /// Patient-identifier flags the owner dismissed as false positives.
    pub pii_dismissed: Vec<String>,
}

/// What a create or update writes.
#[derive(Debug, Clone)]
pub struct EvidenceWrite {
    pub supervisor_id: Option<String>,
    pub date: Date,
    pub title: String,
    pub data: Value,
    pub signoff: Value,
    pub verification: Option<Value>,
    /// How many patient-identifier flags in the written text are open.
    pub pii_open: u32,
}

/// Which records a list may return: the caller's own, those whose owners
/// are in teams the caller leads (when the kind allows), and supervision
/// the caller gives.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub me: String,
    pub team_owner_ids: Vec<String>,
    /// The teams the caller leads (whose members are `team_owner_ids`).
    pub led_team_ids: Vec<String>,
}

/// One page of a list and how many records the whole list holds.
#[derive(Debug, Clone)]
pub struct EvidencePage {
    pub records: Vec<StoredEvidence>,
    /// The number of matching records, counted up to [`COUNT_BEYOND_PAGE`]
    /// past the end of the page.
    pub total: u64,
    /// False when counting stopped at that bound (there are more).
    pub total_is_exact: bool,
}

/// How far past the requested page a list counts: ten pages of 20 more.
/// Counting every record a lead may see in a team of 500 would cost more
/// than the page itself; at 1,000 the count was still half of a lead's
/// list (release benchmark at 100,000 records), and a list is read a page
/// at a time, so "more than 200 further" is what a reader can use.
pub const COUNT_BEYOND_PAGE: u64 = 200;

/// Where each part of a list comes from and which of its records match:
/// the caller's own records (and, when the team index cannot answer the
/// filters, their led teams' through the owner index), each led team's
/// records through `team_record`, supervision the caller gives, records
/// shared with the caller. Each part is a forward scan of an index on
/// `(owner | supervisor, recency)`, `(team, kind, recency)` or the share
/// table that stops after `first` rows.
fn list_branches(
    kind: RecordKind,
    scope: &Scope,
    f: &EvidenceFilter,
    first: u64,
) -> Vec<(String, String)> {
    let filters = filter_conditions(f);
    let table = || "type::table($table)".to_owned();
    let by_team = uses_team_index(kind, scope, f);
    let owners = if by_team {
        "owner = $me"
    } else {
        "owner IN $owners"
    };
    let mut branches = vec![(table(), format!("{owners}{filters}"))];
    if by_team {
        branches.extend(
            (0..scope.led_team_ids.len())
                .map(|n| (team_source(n, first, dated(f)), format!("true{filters}"))),
        );
    }
    if kind.signs_off() {
        branches.push((
            table(),
            format!("supervisor = $me AND owner NOTINSIDE $owners{filters}"),
        ));
    }
    if kind.is_shareable() {
        branches.push((
            "(SELECT VALUE record FROM share WHERE reader = $me)".to_owned(),
            format!("owner NOTINSIDE $owners{filters}"),
        ));
    }
    branches
}

/// Whether the led teams' part of a list comes from `team_record`: it holds
/// the owner, kind and date of each record, so it answers lists filtered by
/// date alone. A list of one owner's records uses that owner's index.
fn uses_team_index(kind: RecordKind, scope: &Scope, f: &EvidenceFilter) -> bool {
    kind.visible_to_team_leads()
        && !scope.led_team_ids.is_empty()
        && f.owner.is_none()
        && f.activity_type.is_none()
        && f.tag.is_none()
}

/// Whether a list is bounded by date.
fn dated(f: &EvidenceFilter) -> bool {
    f.from.is_some() || f.to.is_some()
}

/// `recency` of a day: the day's midnight (UTC, as stored) negated.
fn recency(day: Date) -> i64 {
    -day.midnight().assume_utc().unix_timestamp()
}

/// The conditions of the filters that are set (their values are bound
/// parameters). An unset filter is left out rather than written as
/// `$x = NONE OR …`: SurrealDB 3.3 cannot plan a union of index scans
/// through such a disjunction and scans the table instead (a lead's list
/// over 500 people took 230 ms at 100,000 records). The date bounds keep
/// that form on purpose: written plainly, SurrealDB 3.3.5 plans them as a
/// range of the `(owner, date)` index and finds nothing for a one-day range
/// (the migration test caught it).
fn filter_conditions(f: &EvidenceFilter) -> String {
    let conditions = [
        (f.owner.is_some(), "owner = $owner"),
        (f.from.is_some(), "($from = NONE OR date >= $from)"),
        (f.to.is_some(), "($to = NONE OR date <= $to)"),
        (
            f.activity_type.is_some(),
            "content.activity_type = $activity_type",
        ),
        (f.tag.is_some(), "content.tags CONTAINS $tag"),
    ];
    conditions
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, condition)| format!(" AND {condition}"))
        .collect()
}

#[derive(SurrealValue)]
struct EvidenceRow {
    id: String,
    owner: String,
    content: Db,
    signoff: Value,
    verification: Option<Value>,
    shared_with: Vec<String>,
    created_at: String,
    updated_at: String,
    version: i64,
    pii_dismissed: Vec<String>,
}

#[derive(SurrealValue)]
struct VersionRow {
    id: String,
    version: i64,
}

/// Reads sign-off and verification back with timestamps as RFC 3339 text.
const FIELDS: &str = "record::id(id) AS id, record::id(owner) AS owner, content,
    {
        status: signoff.status ?? 'draft',
        return_comment: signoff.return_comment,
        signed_by: signoff.signed_by,
        signed_at: IF signoff.signed_at { <string> signoff.signed_at } ELSE { NONE },
        addenda: (signoff.addenda ?? []).map(|$a| {
            text: $a.text, author_id: $a.author_id, added_at: <string> $a.added_at
        }),
    } AS signoff,
    IF verification {
        { verified_by: verification.verified_by, verified_at: <string> verification.verified_at }
    } ELSE { NONE } AS verification,
    (shared_with ?? []).map(|$u| record::id($u)) AS shared_with,
    <string> created_at AS created_at, <string> updated_at AS updated_at, version,
    pii_dismissed ?? [] AS pii_dismissed";

impl EvidenceRow {
    fn into_stored(self) -> StorageResult<StoredEvidence> {
        Ok(StoredEvidence {
            id: self.id,
            owner_id: self.owner,
            data: content_to_json(self.content),
            signoff: self.signoff,
            verification: self.verification,
            shared_with: self.shared_with,
            created_at: datetime(&self.created_at)?,
            updated_at: datetime(&self.updated_at)?,
            version: u32::try_from(self.version).context("stored version")?,
            pii_dismissed: self.pii_dismissed,
        })
    }
}

fn into_stored(rows: Vec<EvidenceRow>) -> StorageResult<Vec<StoredEvidence>> {
    rows.into_iter().map(EvidenceRow::into_stored).collect()
}

/// `SET` clause shared by create and update: the frame and the content,
/// then sign-off or verification for the kinds that have them.
pub(super) fn set_write(kind: RecordKind) -> String {
    let mut set =
        "supervisor = IF $supervisor = NONE { NONE } ELSE { type::record('user', $supervisor) },
    date = <datetime> $date, title = $title, content = $content, schema_version = 2,
    pii_open = $pii_open"
            .to_owned();
    if kind.signs_off() {
        set.push_str(", signoff = $signoff");
    }
    if kind.is_verified() {
        set.push_str(", verification = $verification");
    }
    set
}

/// Stored content as the JSON the domain reads: dates (the only datetimes
/// in content) as `YYYY-MM-DD`.
pub(super) fn content_to_json(value: Db) -> Value {
    match value {
        Db::Datetime(_) => match value.into_json_value() {
            Value::String(text) => Value::String(text.chars().take(10).collect()),
            other => other,
        },
        Db::Array(items) => Value::Array(items.iter().cloned().map(content_to_json).collect()),
        Db::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), content_to_json(v.clone())))
                .collect(),
        ),
        other => other.into_json_value(),
    }
}

/// JSON for a typed object field: nulls left out, so optional fields are
/// absent (NONE) rather than NULL.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

impl Store {
    /// Adds a dismissed patient-identifier flag to the record, with its
    /// access-log entry, in one transaction. The content and its version
    /// stay as they were: a dismissal is the owner's judgement about the
    /// text, not a change to it.
    pub async fn dismiss_pii_flag(
        &self,
        kind: RecordKind,
        id: &str,
        flag_id: &str,
        pii_open: u32,
        logged_as: NewAccess,
    ) -> StorageResult<()> {
        let query = self
            .db()
            .query(format!(
                "BEGIN TRANSACTION;
                 UPDATE type::record($table, $id)
                     SET pii_dismissed = array::union(pii_dismissed ?? [], [$flag]),
                         pii_open = $pii_open;
                 {APPEND}
                 COMMIT TRANSACTION;"
            ))
            .bind(("table", kind.as_str()))
            .bind(("id", id.to_owned()))
            .bind(("flag", flag_id.to_owned()))
            .bind(("pii_open", i64::from(pii_open)))
            .bind(("entry", logged_as));
        execute(query).await
    }

    /// The record with this id, whoever owns it: callers decide access.
    pub async fn evidence(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> StorageResult<Option<StoredEvidence>> {
        let row: Option<EvidenceRow> = self
            .db()
            .query(format!("SELECT {FIELDS} FROM type::record($table, $id)"))
            .bind(("table", kind.as_str()))
            .bind(("id", id.to_owned()))
            .await?
            .take(0)?;
        row.map(EvidenceRow::into_stored).transpose()
    }

    /// Replaces the record if it is still at `expected_version`, keeping
    /// the version it replaces in the history.
    pub async fn update_evidence(
        &self,
        kind: RecordKind,
        id: &str,
        expected_version: u32,
        write: EvidenceWrite,
        logged_as: NewAccess,
    ) -> StorageResult<()> {
        let then = format!("{}\n{}", on_update(kind), compliance_facts::on_update(kind));
        self.update_keeping_history(
            kind,
            id,
            expected_version,
            Change {
                set: &set_write(kind),
                then: &then,
                logged_as,
            },
            write_vars(kind, write),
        )
        .await
    }

    /// Sets who the record is shared with (and its `share` rows), keeping
    /// the version it replaces.
    pub async fn set_shared_with(
        &self,
        kind: RecordKind,
        id: &str,
        expected_version: u32,
        readers: &[String],
        logged_as: NewAccess,
    ) -> StorageResult<()> {
        self.update_keeping_history(
            kind,
            id,
            expected_version,
            Change {
                set: "shared_with = $readers.map(|$u| type::record('user', $u))",
                then: "DELETE share WHERE record = type::record($table, $id);
                    FOR $u IN $readers {
                        CREATE share SET record = type::record($table, $id), reader = type::record('user', $u);
                    };",
                logged_as,
            },
            ("readers", readers.to_vec()),
        )
        .await
    }

    /// Deletes the record with its history and attachment rows, appending
    /// its access-log entry; returns the digests of the attachments it had
    /// (for removing unused files).
    pub async fn delete_record(
        &self,
        kind: RecordKind,
        id: &str,
        logged_as: NewAccess,
    ) -> StorageResult<Vec<String>> {
        let digests: Vec<String> = self
            .db()
            .query("SELECT VALUE sha256 FROM attachment WHERE record = $id")
            .bind(("id", id.to_owned()))
            .await?
            .take(0)?;
        let query = self
            .db()
            .query(format!(
                "BEGIN TRANSACTION;
                 DELETE attachment WHERE record = $id;
                 DELETE share WHERE record = type::record($table, $id);
                 DELETE record_version WHERE record = $id;
                 {ON_DELETE}
                 {before}
                 {untally}
                 DELETE type::record($table, $id);
                 {after}
                 {APPEND}
                 COMMIT TRANSACTION;",
                before = compliance_facts::before_delete(kind),
                untally = record_tally::ON_DELETE,
                after = compliance_facts::after_delete(kind),
            ))
            .bind(("table", kind.as_str()))
            .bind(("id", id.to_owned()))
            .bind(("entry", logged_as));
        execute(query).await?;
        Ok(digests)
    }

    /// A page of the records in `scope`, newest first, and the total.
    ///
    /// Each way of seeing a record is its own indexed query, bounded by the
    /// caller's scope rather than the size of the table: records owned by
    /// the caller or (for kinds leads may read) a member of a team they
    /// lead, through `owner, date`; supervision they give, through
    /// `supervisor`; entries shared with them, through `shared_with`. The
    /// branches are disjoint; each returns at most `offset + limit` rows,
    /// newest first, and the page is cut from their merge.
    pub async fn list_evidence(
        &self,
        kind: RecordKind,
        scope: &Scope,
        f: &EvidenceFilter,
    ) -> StorageResult<EvidencePage> {
        // The limits are written into the query, not bound: the planner
        // stops a union of index scans early only for a literal LIMIT.
        // Both are integers computed here, never text from a request.
        let first = u64::from(f.limit) + u64::from(f.offset);
        let bound = first + COUNT_BEYOND_PAGE;
        let branches = list_branches(kind, scope, f, first);
        let pages: Vec<String> = branches
            .iter()
            .map(|(source, condition)| {
                format!(
                    "(SELECT {FIELDS}, recency FROM {source} WHERE {condition}
                        ORDER BY recency LIMIT {first})"
                )
            })
            .collect();
        let by_team = uses_team_index(kind, scope, f);
        let counts: Vec<String> = branches
            .iter()
            .filter(|(source, _)| !(by_team && source.contains("team_record")))
            .map(|(source, condition)| {
                format!(
                    "count(SELECT id FROM {source} WHERE {condition} LIMIT {})",
                    bound + 1
                )
            })
            .chain(by_team.then(|| team_count(bound + 1, scope.led_team_ids.len(), dated(f))))
            .collect();
        let mut owners = vec![scope.me.clone()];
        if kind.visible_to_team_leads() {
            owners.extend_from_slice(&scope.team_owner_ids);
        }
        let led_teams: String = (0..scope.led_team_ids.len())
            .map(|n| format!("LET $team_{n} = $teams[{n}];\n"))
            .collect();
        let mut response = self
            .db()
            .query(format!(
                "LET $me = type::record('user', $me_id);
                 LET $owner = IF $owner_id = NONE {{ NONE }} ELSE {{ type::record('user', $owner_id) }};
                 LET $from = IF $from_day = NONE {{ NONE }} ELSE {{ <datetime> $from_day }};
                 LET $to = IF $to_day = NONE {{ NONE }} ELSE {{ <datetime> $to_day }};
                 {led_teams}
                 SELECT * OMIT recency FROM array::distinct(array::concat({pages})) ORDER BY recency, id LIMIT $limit START $offset;
                 RETURN [{counts}];",
                pages = pages.join(", "),
                counts = counts.join(", "),
            ))
            .bind(("table", kind.as_str()))
            .bind(("me_id", scope.me.clone()))
            .bind(("owners", record_ids("user", &owners)))
            .bind(("teams", record_ids("team", &scope.led_team_ids)))
            .bind(("owner_id", f.owner.clone()))
            .bind(("from_day", f.from.map(iso)))
            .bind(("to_day", f.to.map(iso)))
            .bind(("max_recency", f.from.map(recency)))
            .bind(("min_recency", f.to.map(recency)))
            .bind(("activity_type", f.activity_type.map(|t| t.as_str())))
            .bind(("tag", f.tag.clone()))
            .bind(("limit", i64::from(f.limit)))
            .bind(("offset", i64::from(f.offset)))
            .await?;
        let statements = 5 + scope.led_team_ids.len();
        let rows: Vec<EvidenceRow> = response.take(statements - 1)?;
        let counts: Vec<i64> = response.take(statements)?;
        let bound = i64::try_from(bound).unwrap_or(i64::MAX);
        let total: i64 = counts.iter().map(|n| (*n).min(bound)).sum();
        Ok(EvidencePage {
            records: into_stored(rows)?,
            total: u64::try_from(total).unwrap_or(0),
            total_is_exact: counts.iter().all(|n| *n <= bound),
        })
    }

    /// All of an owner's records dated within `[from, to]`, oldest first.
    pub async fn evidence_between(
        &self,
        kind: RecordKind,
        owner_id: &str,
        from: Date,
        to: Date,
    ) -> StorageResult<Vec<StoredEvidence>> {
        let rows: Vec<EvidenceRow> = self
            .db()
            .query(format!(
                "SELECT {FIELDS} FROM type::table($table) WHERE owner = type::record('user', $owner)
                 AND date >= $from AND date <= $to ORDER BY date"
            ))
            .bind(("table", kind.as_str()))
            .bind(("owner", owner_id.to_owned()))
            .bind(("from", rows::midnight(from)?))
            .bind(("to", rows::midnight(to)?))
            .await?
            .take(0)?;
        into_stored(rows)
    }

    /// A page of every record of `kind` in id order (for the index rebuild).
    pub async fn evidence_page(
        &self,
        kind: RecordKind,
        after_id: Option<&str>,
        limit: u32,
    ) -> StorageResult<Vec<StoredEvidence>> {
        let rows: Vec<EvidenceRow> = self
            .db()
            .query(format!(
                "SELECT {FIELDS} FROM type::table($table)
                 WHERE $after = NONE OR id > type::record($table, $after) ORDER BY id LIMIT $limit"
            ))
            .bind(("table", kind.as_str()))
            .bind(("after", after_id.map(str::to_owned)))
            .bind(("limit", i64::from(limit)))
            .await?
            .take(0)?;
        into_stored(rows)
    }

    /// `(id, version)` of every record of `kind`.
    pub async fn record_versions(&self, kind: RecordKind) -> StorageResult<Vec<(String, u32)>> {
        let rows: Vec<VersionRow> = self
            .db()
            .query("SELECT record::id(id) AS id, version FROM type::table($table)")
            .bind(("table", kind.as_str()))
            .await?
            .take(0)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.id, u32::try_from(r.version).unwrap_or(0)))
            .collect())
    }
}

#[derive(SurrealValue)]
pub(super) struct WriteVars {
    supervisor: Option<String>,
    date: String,
    title: String,
    content: Db,
    signoff: Db,
    verification: Option<Db>,
    pii_open: i64,
}

/// Where the dates are in each kind's content (`*` is every array item).
pub(super) fn content_dates(kind: RecordKind) -> &'static [&'static [&'static str]] {
    match kind {
        RecordKind::Supervision => &[&["date"], &["next_date"], &["actions", "*", "due"]],
        RecordKind::Audit => &[&["started_on"], &["completed_on"], &["reaudit_due"]],
        RecordKind::Training => &[
            &["completed_on"],
            &["certificate_expires_on"],
            &["expires_on"],
            &["imported", "on"],
        ],
        RecordKind::Reflection => &[&["activity_date"]],
        RecordKind::Objective => &[&["agreed_on"], &["due_on"]],
    }
}

pub(super) const SIGNOFF_TIMES: &[&[&str]] = &[&["signed_at"], &["addenda", "*", "added_at"]];
pub(super) const VERIFICATION_TIMES: &[&[&str]] = &[&["verified_at"]];

/// The JSON as a database value, with the text at `paths` as datetimes.
pub(super) fn typed(json: Value, paths: &[&[&str]]) -> Db {
    let mut value = without_nulls(json).into_value();
    for path in paths {
        datetimes_at(&mut value, path);
    }
    value
}

fn datetimes_at(value: &mut Db, path: &[&str]) {
    match (path.split_first(), value) {
        (None, value) => {
            if let Db::String(text) = value
                && let Some(at) = parse_instant(text)
            {
                *value = Db::Datetime(at);
            }
        }
        (Some((&"*", rest)), Db::Array(items)) => {
            items.iter_mut().for_each(|item| datetimes_at(item, rest));
        }
        (Some((key, rest)), Db::Object(fields)) => {
            if let Some(field) = fields.get_mut(*key) {
                datetimes_at(field, rest);
            }
        }
        _ => {}
    }
}

/// `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp.
fn parse_instant(text: &str) -> Option<Datetime> {
    let at = match crate::domain::dates::parse_iso(text) {
        Some(date) => date.midnight().assume_utc(),
        None => OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?,
    };
    Datetime::from_timestamp(at.unix_timestamp(), at.nanosecond())
}

/// The write as database values: dates and timestamps as datetimes, and
/// absent fields left out.
pub(super) fn write_vars(kind: RecordKind, w: EvidenceWrite) -> WriteVars {
    WriteVars {
        supervisor: w.supervisor_id,
        date: iso(w.date),
        title: w.title,
        content: typed(w.data, content_dates(kind)),
        signoff: typed(w.signoff, SIGNOFF_TIMES),
        verification: w.verification.map(|v| typed(v, VERIFICATION_TIMES)),
        pii_open: i64::from(w.pii_open),
    }
}
