//! Reading the database's change feed of the record tables (migration
//! 0025) and of team memberships (0026), so every process sharing a
//! database can bring its own search index up to changes that other
//! processes made and drop the lead scopes it keeps when a team changes,
//! and a restarted process can catch up from where its index stopped.

use serde_json::Value;
use time::OffsetDateTime;

use super::Store;
use super::error::StorageResult;
use crate::domain::dates::unix_ms;
use crate::domain::record::RecordKind;

/// Change sets read per query (the engine's own ceiling is 1,000).
const PAGE: u32 = 500;

/// How long the feed keeps a change (migration 0025): a process whose
/// index is older than this compares it with the database instead.
pub const RETENTION: time::Duration = time::Duration::days(1);

/// Where a read of the feed starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangesSince {
    /// Changes committed at or after this instant.
    Time(OffsetDateTime),
    /// Changes at or after this versionstamp (the next page of a read).
    Stamp(u64),
}

/// One change to one record, in commit order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordChange {
    pub kind: RecordKind,
    pub id: String,
    /// The record's version after the change; `None` when it was deleted.
    pub version: Option<u32>,
}

/// A page of the feed: its changes and the last versionstamp in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangePage {
    pub changes: Vec<RecordChange>,
    /// A team membership was added, changed or removed (migration 0026).
    pub memberships_changed: bool,
    pub last_stamp: Option<u64>,
}

impl Store {
    /// Up to a page of record changes from `since`, oldest first.
    pub async fn record_changes(&self, since: ChangesSince) -> StorageResult<ChangePage> {
        let since = match since {
            ChangesSince::Stamp(stamp) => stamp,
            ChangesSince::Time(at) => stamp_at(at),
        };
        let value: surrealdb::types::Value = self
            .db()
            .query(format!(
                "SHOW CHANGES FOR DATABASE SINCE {since} LIMIT {PAGE}"
            ))
            .await?
            .take(0)?;
        Ok(parse_page(&value.into_json_value()))
    }
}

/// The first versionstamp at `at`. The memory and SurrealKV engines stamp
/// a commit with a hybrid logical clock: milliseconds since 1970 in the
/// upper 48 bits, a counter in the lower 16. (Their `SINCE <datetime>`
/// converts a time to nanoseconds instead, which matches no stamp, so it
/// is not used.)
fn stamp_at(at: OffsetDateTime) -> u64 {
    u64::try_from(unix_ms(at)).unwrap_or(0) << 16
}

/// The record changes in the engine's answer: a list of change sets, each
/// `{versionstamp, changes: [{update: {id, version, …}} | {delete: {id}} | …]}`.
/// Entries for other tables or of other sorts (table definitions) are skipped.
fn parse_page(json: &Value) -> ChangePage {
    let mut page = ChangePage::default();
    for set in json.as_array().into_iter().flatten() {
        if let Some(stamp) = set.get("versionstamp").and_then(Value::as_u64) {
            page.last_stamp = Some(page.last_stamp.map_or(stamp, |s| s.max(stamp)));
        }
        for entry in set
            .get("changes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            page.memberships_changed |=
                changed_id(entry).is_some_and(|(id, _)| id.starts_with("membership:"));
            page.changes.extend(record_change(entry));
        }
    }
    page
}

/// The id of the row an update or deletion changed, and whether it was
/// deleted.
fn changed_id(entry: &Value) -> Option<(&str, bool)> {
    let (doc, deleted) = match (entry.get("update"), entry.get("delete")) {
        (Some(doc), _) => (doc, false),
        (None, Some(doc)) => (doc, true),
        (None, None) => return None,
    };
    Some((doc.get("id")?.as_str()?, deleted))
}

fn record_change(entry: &Value) -> Option<RecordChange> {
    let (id, deleted) = changed_id(entry)?;
    let (kind, id) = split_record_id(id)?;
    let doc = entry.get("update");
    let version = if deleted {
        None
    } else {
        Some(u32::try_from(doc?.get("version")?.as_u64()?).ok()?)
    };
    Some(RecordChange { kind, id, version })
}

/// `reflection:abc` or `reflection:⟨0abc⟩` as its kind and key.
fn split_record_id(text: &str) -> Option<(RecordKind, String)> {
    let (table, key) = text.split_once(':')?;
    let key = key
        .trim_start_matches(['⟨', '`'])
        .trim_end_matches(['⟩', '`']);
    Some((RecordKind::parse(table)?, key.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_updates_and_deletes_of_record_tables_in_order() {
        let answer = json!([
            {"versionstamp": 7, "changes": [{"define_table": {"name": "reflection"}}]},
            {"versionstamp": 9, "changes": [
                {"update": {"id": "reflection:⟨0a1b⟩", "version": 2, "title": "x"}},
                {"update": {"id": "user:abc", "version": 1}}
            ]},
            {"versionstamp": 12, "changes": [{"delete": {"id": "training:ff00"}}]}
        ]);
        let page = parse_page(&answer);
        assert_eq!(page.last_stamp, Some(12));
        assert!(!page.memberships_changed);
        assert_eq!(
            page.changes,
            vec![
                RecordChange {
                    kind: RecordKind::Reflection,
                    id: "0a1b".into(),
                    version: Some(2)
                },
                RecordChange {
                    kind: RecordKind::Training,
                    id: "ff00".into(),
                    version: None
                },
            ]
        );
    }

    #[test]
    fn a_change_to_a_membership_is_noticed_but_is_no_record_change() {
        for change in [
            json!({"update": {"id": "membership:⟨0c⟩", "team": "team:t", "is_lead": false}}),
            json!({"delete": {"id": "membership:⟨0c⟩"}}),
        ] {
            let answer = json!([{"versionstamp": 3, "changes": [change]}]);
            let page = parse_page(&answer);
            assert!(page.memberships_changed);
            assert_eq!(page.changes, vec![]);
        }
    }

    #[test]
    fn a_time_is_the_first_stamp_of_its_millisecond() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_795_886_000_123_456_789).unwrap();
        assert_eq!(stamp_at(at), 1_795_886_000_123 << 16);
        assert_eq!(
            stamp_at(OffsetDateTime::UNIX_EPOCH - time::Duration::DAY),
            0
        );
    }

    #[test]
    fn an_empty_feed_is_an_empty_page() {
        assert_eq!(parse_page(&json!([])), ChangePage::default());
        assert_eq!(parse_page(&Value::Null), ChangePage::default());
    }

    #[test]
    fn an_update_without_a_version_is_skipped() {
        let page = parse_page(&json!([
            {"versionstamp": 3, "changes": [{"update": {"id": "audit:abc"}}]}
        ]));
        assert_eq!(page.changes, vec![]);
        assert_eq!(page.last_stamp, Some(3));
    }
}
