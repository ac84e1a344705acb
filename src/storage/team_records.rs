//! The `team_record` table (migration 0008): one row per (team, record)
//! for the kinds leads read, so a lead's list is one forward scan of
//! `(team, kind, recency)` that stops after a page, however large the team
//! or the database. The rows are derived data: these statements run inside
//! the transactions that create, re-date or delete a record and that add a
//! member to or remove one from a team, so they always agree with both.

use crate::domain::record::RecordKind;

/// Who leads which teams: what a lead's lists and access checks need.
#[derive(Debug, Clone, Default)]
pub struct LedTeams {
    pub team_ids: Vec<String>,
    pub member_ids: Vec<String>,
}

/// After `CREATE type::record($table, $id)` for `$owner` (an id) dated
/// `$date`: a row for every team the owner is in.
const ON_CREATE: &str =
    "FOR $t IN (SELECT VALUE team FROM membership WHERE user = type::record('user', $owner)) {
        CREATE team_record SET team = $t, kind = $table, owner = type::record('user', $owner),
            record = type::record($table, $id), recency = 0 - time::unix(<datetime> $date);
    };";

/// After an update of `type::record($table, $id)` that may change `$date`.
const ON_UPDATE: &str = "UPDATE team_record SET recency = 0 - time::unix(<datetime> $date)
    WHERE record = type::record($table, $id);";

/// With the deletion of `type::record($table, $id)`.
pub(super) const ON_DELETE: &str = "DELETE team_record WHERE record = type::record($table, $id);";

/// In a membership change of user `$u` in team `$t` from `$before` to
/// `$after` (standings 'none', 'member', 'lead'): joining adds a row for
/// each of the member's records, leaving removes them.
pub(super) const ON_MEMBERSHIP: &str = "IF $before = 'none' AND $after != 'none' {
        FOR $kind IN ['supervision', 'audit', 'training'] {
            FOR $r IN (SELECT id, recency FROM type::table($kind) WHERE owner = $u) {
                CREATE team_record SET team = $t, kind = $kind, owner = $u,
                    record = $r.id, recency = $r.recency;
            };
        };
    } ELSE IF $before != 'none' AND $after = 'none' {
        DELETE team_record WHERE team = $t AND owner = $u;
    };";

/// The statements a create of `kind` runs after its `CREATE`.
pub(super) fn on_create(kind: RecordKind) -> &'static str {
    if kind.visible_to_team_leads() {
        ON_CREATE
    } else {
        ""
    }
}

/// The statements an update of `kind` runs after its `UPDATE`.
pub(super) fn on_update(kind: RecordKind) -> &'static str {
    if kind.visible_to_team_leads() {
        ON_UPDATE
    } else {
        ""
    }
}

/// A list's source for one led team, bound as `$team_N`: the ids of that
/// team's records of the list's kind, newest first, within the date bounds
/// if there are any (`$max_recency` is the `from` day, `$min_recency` the
/// `to` day), at most `first` of them. Undated, the whole condition is the
/// index prefix, so the scan stops after `first` entries of the index; it
/// includes the caller's own records, which the caller's own branch
/// returns as the same rows and the merge drops. Dated, the caller's own
/// are left out here.
pub(super) fn team_source(n: usize, first: u64, dated: bool) -> String {
    if !dated {
        return format!(
            "(SELECT VALUE record FROM team_record WHERE team = $team_{n} AND kind = $table
                ORDER BY recency LIMIT {first})"
        );
    }
    format!(
        "(SELECT VALUE record FROM team_record WHERE team = $team_{n} AND kind = $table
            AND owner != $me
            AND ($max_recency = NONE OR recency <= $max_recency)
            AND ($min_recency = NONE OR recency >= $min_recency)
            ORDER BY recency LIMIT {first})"
    )
}

/// How many of the led teams' records of the list's kind (other than the
/// caller's own) fall within the date bounds, counted up to at least
/// `bound`: a result over `bound` means "more".
///
/// For one led team and no dates (a lead's usual list) the count is read
/// from the index alone: the team's entries of the kind, counted up to
/// twice `bound`, less the caller's own records of the kind (a lead is a
/// member of the team they lead, so all of theirs are among them). If
/// the caller has `bound` or more of their own, their own branch's count
/// already says "more". Otherwise each row must be read to test its owner,
/// which costs about five times as much per row.
pub(super) fn team_count(bound: u64, led_teams: usize, dated: bool) -> String {
    if led_teams == 1 && !dated {
        let own =
            format!("count(SELECT id FROM type::table($table) WHERE owner = $me LIMIT {bound})");
        return format!(
            "math::max([0, count(SELECT id FROM team_record WHERE team = $team_0 AND kind = $table
                LIMIT {bound} + {own}) - {own}])"
        );
    }
    format!(
        "count(array::distinct(SELECT VALUE record FROM team_record
            WHERE team IN $teams AND kind = $table AND owner != $me
            AND ($max_recency = NONE OR recency <= $max_recency)
            AND ($min_recency = NONE OR recency >= $min_recency)
            LIMIT {}))",
        bound.saturating_mul(u64::try_from(led_teams).unwrap_or(u64::MAX))
    )
}
