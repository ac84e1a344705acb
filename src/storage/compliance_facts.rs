//! The `compliance_fact` table (migration 0014): one row per person with
//! exactly what compliance reads (per course the completion with the
//! latest expiry, the latest signed-off supervision, the latest CPD
//! activity), so a team or the whole organisation is read without
//! touching a record. The rows are derived data: [`REFRESH`] recomputes a
//! person's row from their indexed records inside every transaction that
//! creates, updates (edit, sign-off, verification), deletes or imports a
//! training, supervision or reflection record, so it always agrees with
//! them. Memberships do not touch it: the row is the person's, whatever
//! teams they are in.

use crate::domain::record::RecordKind;

/// Recomputes the facts of the person `$fo` (a `user` record) from their
/// training (one scan of an owner index), their latest signed-off
/// supervision and their latest reflection (forward scans of
/// `(owner, recency)` that stop at the first match). Among completions of
/// a course the one kept is the latest expiry (never beats any date), then
/// a verified one, then the most recent, then the lowest id (as
/// `domain::compliance::latest_per_course` picks from records read newest
/// first).
pub(super) const REFRESH: &str = "LET $completions = SELECT id, content.course AS course, content.expires_on AS expiry,
            verification != NONE AS verified,
            IF content.expires_on = NONE { 1 } ELSE { 0 } AS forever, recency
        FROM training WHERE owner = $fo;
    LET $signed = (SELECT id, date FROM supervision WHERE owner = $fo AND signoff.status = 'signed'
        ORDER BY recency LIMIT 1)[0];
    LET $cpd = (SELECT date, recency FROM reflection WHERE owner = $fo ORDER BY recency LIMIT 1)[0];
    UPSERT type::record('compliance_fact', record::id($fo)) SET owner = $fo,
        training = array::distinct($completions.course).map(|$c| (SELECT course, id AS record,
                expiry AS expires_on, verified, forever, recency, id
            FROM $completions WHERE course = $c
            ORDER BY forever DESC, expires_on DESC, verified DESC, recency, id LIMIT 1)[0])
            .map(|$b| { course: $b.course, record: record::id($b.record),
                expires_on: IF $b.expires_on { time::format($b.expires_on, '%Y-%m-%d') } ELSE { NONE },
                verified: $b.verified }),
        supervision = IF $signed {
            { date: time::format($signed.date, '%Y-%m-%d'), record: record::id($signed.id) }
        } ELSE { NONE },
        cpd_on = IF $cpd { time::format($cpd.date, '%Y-%m-%d') } ELSE { NONE };";

/// Whether records of `kind` are facts compliance reads.
fn counts(kind: RecordKind) -> bool {
    kind != RecordKind::Audit
}

/// After `CREATE type::record($table, $id)` for `$owner` (an id).
pub(super) fn on_create(kind: RecordKind) -> String {
    if counts(kind) {
        format!("LET $fo = type::record('user', $owner);\n{REFRESH}")
    } else {
        String::new()
    }
}

/// After an `UPDATE type::record($table, $id)`.
pub(super) fn on_update(kind: RecordKind) -> String {
    if counts(kind) {
        format!("LET $fo = (SELECT VALUE owner FROM type::record($table, $id))[0];\n{REFRESH}")
    } else {
        String::new()
    }
}

/// Before the `DELETE type::record($table, $id)`: who owned it.
pub(super) fn before_delete(kind: RecordKind) -> &'static str {
    if counts(kind) {
        "LET $fo = (SELECT VALUE owner FROM type::record($table, $id))[0];"
    } else {
        ""
    }
}

/// After the `DELETE type::record($table, $id)`.
pub(super) fn after_delete(kind: RecordKind) -> &'static str {
    if counts(kind) { REFRESH } else { "" }
}

/// After a bulk import of the rows in `$rows` (each with an `owner` id):
/// once per person imported for.
pub(super) fn after_import() -> String {
    format!(
        "FOR $fo IN array::distinct($rows.map(|$r| $r.owner)).map(|$o| type::record('user', $o)) {{
            {REFRESH}
        }};"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The migration's backfill runs the very recomputation the writes run.
    #[test]
    fn backfill_is_the_refresh() {
        let migration = include_str!("../../migrations/0014_compliance_facts.surql");
        let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(collapse(migration).contains(&collapse(REFRESH)));
    }
}
