//! The `compliance_fact` table (migration 0014): one row per person with
//! exactly what compliance reads (per course the completion with the
//! latest expiry, the latest signed-off supervision, the latest CPD
//! activity), so a team or the whole organisation is read without
//! touching a record. The rows are derived data: every transaction that
//! creates, updates (edit, sign-off, verification), deletes or imports a
//! training, supervision or reflection record recomputes that kind's part
//! of the person's row from their indexed records, so it always agrees
//! with them; [`refresh_all`] recomputes all of it (the rebuild).
//! Memberships do not touch it: the row is the person's, whatever teams
//! they are in.

use crate::domain::record::RecordKind;

/// Recomputes all the facts of the person `$fo` (a `user` record) from
/// their records: each kind's part in turn. The rebuild runs it for every
/// account. Migration 0014's backfill computed the same in one statement;
/// the migration test checks that backfill, and the drift test this
/// rebuild, against facts worked out from the records.
pub(super) fn refresh_all() -> String {
    format!("{REFRESH_TRAINING}\n{REFRESH_SUPERVISION}\n{REFRESH_CPD}")
}

/// The part of [`refresh_all`] that records of `kind` change, if any: a
/// write recomputes only its own kind's facts, so writing a reflection
/// does not re-read every training record of its owner. A training write
/// narrows it further to the courses it touches (see [`on_create`]).
fn refresh_of(kind: RecordKind) -> Option<&'static str> {
    match kind {
        RecordKind::Training => Some(REFRESH_TRAINING),
        RecordKind::Supervision => Some(REFRESH_SUPERVISION),
        RecordKind::Reflection => Some(REFRESH_CPD),
        RecordKind::Audit | RecordKind::Objective => None,
    }
}

/// The training part: per course, the completion kept. Among completions
/// of a course the one kept is the latest expiry (never beats any date),
/// then a verified one, then the most recent, then the lowest id (as
/// `domain::compliance::latest_per_course` picks from records read newest
/// first).
const REFRESH_TRAINING: &str = "LET $completions = SELECT id, content.course AS course, content.expires_on AS expiry,
            verification != NONE AS verified,
            IF content.expires_on = NONE { 1 } ELSE { 0 } AS forever, recency
        FROM training WHERE owner = $fo;
    UPSERT type::record('compliance_fact', record::id($fo)) SET owner = $fo,
        training = array::distinct($completions.course).map(|$c| (SELECT course, id AS record,
                expiry AS expires_on, verified, forever, recency, id
            FROM $completions WHERE course = $c
            ORDER BY forever DESC, expires_on DESC, verified DESC, recency, id LIMIT 1)[0])
            .map(|$b| { course: $b.course, record: record::id($b.record),
                expires_on: IF $b.expires_on { time::format($b.expires_on, '%Y-%m-%d') } ELSE { NONE },
                verified: $b.verified });";

/// The supervision part: the latest signed-off supervision.
const REFRESH_SUPERVISION: &str = "LET $signed = (SELECT id, date FROM supervision WHERE owner = $fo AND signoff.status = 'signed'
        ORDER BY recency LIMIT 1)[0];
    UPSERT type::record('compliance_fact', record::id($fo)) SET owner = $fo,
        supervision = IF $signed {
            { date: time::format($signed.date, '%Y-%m-%d'), record: record::id($signed.id) }
        } ELSE { NONE };";

/// The CPD part: the latest reflection.
const REFRESH_CPD: &str = "LET $cpd = (SELECT date, recency FROM reflection WHERE owner = $fo ORDER BY recency LIMIT 1)[0];
    UPSERT type::record('compliance_fact', record::id($fo)) SET owner = $fo,
        cpd_on = IF $cpd { time::format($cpd.date, '%Y-%m-%d') } ELSE { NONE };";

/// Recomputes the kept completion of each course in `$courses` (migration
/// 0016), so a training write reads only that course's completions.
const REFRESH_COURSES: &str = "FOR $course IN array::distinct($courses) {
        fn::refresh_training_course($fo, $course);
    };";

/// What a new reflection dated `$date` (`YYYY-MM-DD`) does to the CPD
/// part: a new record can only move the latest date forward, so a create
/// compares dates instead of re-reading the owner's reflections. Planning
/// that read was a sixth of a reflection create's transaction (release
/// profile). Updates and deletes, which can move it back, refresh.
const CPD_ON_CREATE: &str =
    "UPSERT type::record('compliance_fact', record::id($fo)) SET owner = $fo,
        cpd_on = IF cpd_on = NONE OR cpd_on < $date { $date } ELSE { cpd_on } RETURN NONE;";

/// After `CREATE type::record($table, $id)` for `$owner` (an id), with the
/// written content in `$content` and its date in `$date`.
pub(super) fn on_create(kind: RecordKind) -> String {
    let refresh = match kind {
        RecordKind::Training => "LET $courses = [$content.course];\n".to_owned() + REFRESH_COURSES,
        RecordKind::Reflection => CPD_ON_CREATE.to_owned(),
        _ => refresh_of(kind).unwrap_or_default().to_owned(),
    };
    if refresh.is_empty() {
        return refresh;
    }
    format!("LET $fo = type::record('user', $owner);\n{refresh}")
}

/// After an `UPDATE type::record($table, $id)`, with the replaced version
/// in `$before` (a training edit may move the record to another course).
pub(super) fn on_update(kind: RecordKind) -> String {
    let refresh = match kind {
        RecordKind::Training => {
            "LET $courses = [$before.content.course, (SELECT VALUE content.course FROM ONLY type::record($table, $id))];\n"
                .to_owned()
                + REFRESH_COURSES
        }
        _ => refresh_of(kind).unwrap_or_default().to_owned(),
    };
    if refresh.is_empty() {
        return refresh;
    }
    format!("LET $fo = (SELECT VALUE owner FROM type::record($table, $id))[0];\n{refresh}")
}

/// Before the `DELETE type::record($table, $id)`: who owned it (and, for
/// training, its course).
pub(super) fn before_delete(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Training => {
            "LET $fo = (SELECT VALUE owner FROM type::record($table, $id))[0];
             LET $courses = (SELECT VALUE content.course FROM type::record($table, $id));"
        }
        RecordKind::Audit | RecordKind::Objective => "",
        _ => "LET $fo = (SELECT VALUE owner FROM type::record($table, $id))[0];",
    }
}

/// After the `DELETE type::record($table, $id)`.
pub(super) fn after_delete(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Training => REFRESH_COURSES,
        _ => refresh_of(kind).unwrap_or(""),
    }
}

/// After a bulk import of training rows in `$rows` (each with an `owner`
/// id): once per person imported for.
pub(super) fn after_import() -> String {
    format!(
        "FOR $fo IN array::distinct($rows.map(|$r| $r.owner)).map(|$o| type::record('user', $o)) {{
            {REFRESH_TRAINING}
        }};"
    )
}
