//! The light read of a person's records that the home and profile pages
//! need: dates, activity types, hours, the three reflective answers and
//! how many patient-identifier flags are open, without decoding sign-off,
//! sharing or the rest of each record's content. At 2,000 records the
//! full read cost the home page most of its time.

use surrealdb::types::SurrealValue;
use time::Date;

use super::Store;
use super::error::StorageResult;
use super::rows;
use crate::domain::record::RecordKind;

/// What a profile needs of one record, in the record's own terms.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityFacts {
    pub kind: RecordKind,
    pub id: String,
    pub date: Date,
    pub title: String,
    /// The reflection's activity type, as stored; other kinds have none.
    pub activity_type: Option<String>,
    pub hours: Option<f64>,
    /// A supervision session's length.
    pub minutes: Option<u32>,
    /// What was learnt (an audit's findings).
    pub learning: String,
    /// How practice changed (an audit's actions).
    pub impact: String,
    pub benefit: String,
    pub standards: Vec<u8>,
    /// Open patient-identifier flags; `None` for a record written before
    /// they were counted.
    pub pii_open: Option<u32>,
}

#[derive(SurrealValue)]
struct FactsRow {
    id: String,
    date: String,
    title: String,
    content: ContentFacts,
    pii_open: Option<i64>,
}

/// The content fields a profile reads; each kind has some of them.
#[derive(SurrealValue)]
struct ContentFacts {
    activity_type: Option<String>,
    hours: Option<f64>,
    duration_minutes: Option<i64>,
    learning: Option<String>,
    impact: Option<String>,
    benefit: Option<String>,
    standards: Option<Vec<i64>>,
    findings: Option<String>,
    actions: Option<String>,
}

/// The kind's content fields, picked out in one destructuring (cheaper
/// than an expression a field).
fn projection(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Reflection => {
            "content.{activity_type, hours, learning, impact, benefit, standards} AS content"
        }
        RecordKind::Supervision => "content.{duration_minutes} AS content",
        RecordKind::Audit => "content.{findings, actions} AS content",
        RecordKind::Training | RecordKind::Objective => "{} AS content",
    }
}

impl FactsRow {
    fn into_facts(self, kind: RecordKind) -> StorageResult<ActivityFacts> {
        let day: String = self.date.chars().take(10).collect();
        let c = self.content;
        Ok(ActivityFacts {
            kind,
            id: self.id,
            date: rows::date(&day)?,
            title: self.title,
            activity_type: c.activity_type,
            hours: c.hours,
            minutes: c.duration_minutes.and_then(|m| u32::try_from(m).ok()),
            learning: c.learning.or(c.findings).unwrap_or_default(),
            impact: c.impact.or(c.actions).unwrap_or_default(),
            benefit: c.benefit.unwrap_or_default(),
            standards: c
                .standards
                .unwrap_or_default()
                .into_iter()
                .filter_map(|s| u8::try_from(s).ok())
                .collect(),
            pii_open: self.pii_open.and_then(|n| u32::try_from(n).ok()),
        })
    }
}

impl Store {
    /// The facts of `owner_id`'s records of `kind` dated from `from` to
    /// `to`, oldest first: one range read of the `(owner, date)` index.
    pub async fn activity_facts(
        &self,
        kind: RecordKind,
        owner_id: &str,
        from: Date,
        to: Date,
    ) -> StorageResult<Vec<ActivityFacts>> {
        let rows: Vec<FactsRow> = self
            .db()
            .query(format!(
                "SELECT record::id(id) AS id, <string> date AS date, title, pii_open, {}
                 FROM type::table($table) WHERE owner = type::record('user', $owner)
                 AND date >= $from AND date <= $to ORDER BY date",
                projection(kind)
            ))
            .bind(("table", kind.as_str()))
            .bind(("owner", owner_id.to_owned()))
            .bind(("from", rows::midnight(from)?))
            .bind(("to", rows::midnight(to)?))
            .await?
            .take(0)?;
        rows.into_iter().map(|r| r.into_facts(kind)).collect()
    }

    /// Stores the open-flag count of a record written before counts were
    /// kept, unless a change has counted it meanwhile. Derived data: no
    /// new version, no access-log entry.
    pub async fn fill_pii_open(&self, kind: RecordKind, id: &str, open: u32) -> StorageResult<()> {
        self.db()
            .query("UPDATE type::record($table, $id) SET pii_open = $open WHERE pii_open = NONE")
            .bind(("table", kind.as_str()))
            .bind(("id", id.to_owned()))
            .bind(("open", i64::from(open)))
            .await?
            .check()?;
        Ok(())
    }
}
