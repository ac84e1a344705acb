//! Reflective entries. Lists are scoped in the query itself (the author's
//! own and those shared with the caller); single reads return the entry and
//! leave the access decision to the caller.

use anyhow::Context;
use surrealdb::types::SurrealValue;
use time::Date;

use super::error::{StorageError, StorageResult};
use super::rows::{date, date_to_db, datetime};
use super::{Store, new_id};
use crate::domain::record::{RecordKind, RecordLink, ReflectionFilter};
use crate::domain::reflection::{ActivityType, Reflection, ReflectionDraft, ReflectiveModel};

#[derive(SurrealValue)]
struct ReflectionRow {
    id: String,
    author: String,
    title: String,
    activity_date: String,
    activity_type: String,
    hours: Option<f64>,
    model: String,
    body: String,
    learning: String,
    impact: String,
    benefit: String,
    tags: Vec<String>,
    standards: Vec<i64>,
    links: serde_json::Value,
    shared_with: Vec<String>,
    created_at: String,
    updated_at: String,
    version: i64,
}

#[derive(SurrealValue)]
struct VersionRow {
    id: String,
    version: i64,
}

#[derive(SurrealValue)]
struct LastActivityRow {
    author: String,
    last: String,
}

const FIELDS: &str = "record::id(id) AS id, record::id(owner) AS author, title,
    time::format(date, '%Y-%m-%d') AS activity_date, activity_type, hours, model, body,
    learning, impact, benefit, tags, standards, links,
    shared_with.map(|$u| record::id($u)) AS shared_with, <string> created_at AS created_at,
    <string> updated_at AS updated_at, version";

impl ReflectionRow {
    fn into_domain(self) -> StorageResult<Reflection> {
        let draft = ReflectionDraft {
            activity_date: date(&self.activity_date)?,
            activity_type: ActivityType::parse(&self.activity_type)
                .context("stored activity type")?,
            model: ReflectiveModel::parse(&self.model).context("stored model")?,
            standards: self
                .standards
                .iter()
                .filter_map(|s| u8::try_from(*s).ok())
                .collect(),
            title: self.title,
            hours: self.hours,
            body: self.body,
            learning: self.learning,
            impact: self.impact,
            benefit: self.benefit,
            tags: self.tags,
            links: serde_json::from_value::<Vec<RecordLink>>(self.links).context("stored links")?,
        };
        Ok(Reflection {
            id: self.id,
            author_id: self.author,
            draft,
            shared_with: self.shared_with,
            created_at: datetime(&self.created_at)?,
            updated_at: datetime(&self.updated_at)?,
            version: u32::try_from(self.version).unwrap_or(1),
        })
    }
}

fn rows_to_domain(rows: Vec<ReflectionRow>) -> StorageResult<Vec<Reflection>> {
    rows.into_iter().map(ReflectionRow::into_domain).collect()
}

impl Store {
    pub async fn create_reflection(
        &self,
        author_id: &str,
        draft: &ReflectionDraft,
    ) -> StorageResult<Reflection> {
        let id = new_id();
        let row: Option<ReflectionRow> = self
            .db()
            .query(format!(
                "CREATE type::record('reflection', $id) SET owner = type::record('user', $author), {SET_DRAFT},
                     created_at = time::now(), updated_at = time::now(), version = 1 RETURN {FIELDS}"
            ))
            .bind(("id", id))
            .bind(("author", author_id.to_owned()))
            .bind(draft_vars(draft))
            .await?
            .take(0)?;
        row.context("create returned nothing")?.into_domain()
    }

    /// The entry with this id, whoever wrote it: callers decide access.
    pub async fn reflection(&self, id: &str) -> StorageResult<Option<Reflection>> {
        let row: Option<ReflectionRow> = self
            .db()
            .query(format!(
                "SELECT {FIELDS} FROM type::record('reflection', $id)"
            ))
            .bind(("id", id.to_owned()))
            .await?
            .take(0)?;
        row.map(ReflectionRow::into_domain).transpose()
    }

    /// Replaces the entry's content if it is still at `expected_version`,
    /// keeping the replaced version in the history.
    pub async fn update_reflection(
        &self,
        id: &str,
        expected_version: u32,
        actor_id: &str,
        draft: &ReflectionDraft,
    ) -> StorageResult<Reflection> {
        self.update_keeping_history(
            RecordKind::Reflection,
            id,
            expected_version,
            actor_id,
            SET_DRAFT,
            draft_vars(draft),
        )
        .await?;
        self.reflection(id).await?.ok_or(StorageError::NotFound)
    }

    /// Sets who the entry is shared with (a new version of the entry).
    pub async fn share_reflection(
        &self,
        id: &str,
        expected_version: u32,
        actor_id: &str,
        shared_with: &[String],
    ) -> StorageResult<Reflection> {
        self.update_keeping_history(
            RecordKind::Reflection,
            id,
            expected_version,
            actor_id,
            "shared_with = $shared.map(|$u| type::record('user', $u))",
            ("shared", shared_with.to_vec()),
        )
        .await?;
        self.reflection(id).await?.ok_or(StorageError::NotFound)
    }

    /// A page of the caller's own entries and those shared with them,
    /// newest activity first, and the total.
    pub async fn list_reflections(
        &self,
        me_id: &str,
        f: &ReflectionFilter,
    ) -> StorageResult<(Vec<Reflection>, u64)> {
        let condition =
            "(owner = type::record('user', $me) OR shared_with CONTAINS type::record('user', $me))
            AND ($author = NONE OR owner = type::record('user', $author))
            AND ($from = NONE OR date >= <datetime> $from)
            AND ($to = NONE OR date <= <datetime> $to)
            AND ($type = NONE OR activity_type = $type)
            AND ($tag = NONE OR tags CONTAINS $tag)";
        let mut response = self
            .db()
            .query(format!(
                "SELECT {FIELDS} FROM reflection WHERE {condition} ORDER BY date DESC, created_at DESC LIMIT $limit START $offset;
                 RETURN count(SELECT id FROM reflection WHERE {condition});"
            ))
            .bind(("me", me_id.to_owned()))
            .bind(("author", f.author.clone()))
            .bind(("from", f.from.map(date_to_db)))
            .bind(("to", f.to.map(date_to_db)))
            .bind(("type", f.activity_type.map(|t| t.as_str())))
            .bind(("tag", f.tag.clone()))
            .bind(("limit", i64::from(f.limit)))
            .bind(("offset", i64::from(f.offset)))
            .await?;
        let rows: Vec<ReflectionRow> = response.take(0)?;
        let total: Option<i64> = response.take(1)?;
        Ok((
            rows_to_domain(rows)?,
            u64::try_from(total.unwrap_or(0)).unwrap_or(0),
        ))
    }

    /// All of an author's entries dated within `[from, to]`, for the profile.
    pub async fn reflections_between(
        &self,
        author_id: &str,
        from: Date,
        to: Date,
    ) -> StorageResult<Vec<Reflection>> {
        let rows: Vec<ReflectionRow> = self
            .db()
            .query(format!(
                "SELECT {FIELDS} FROM reflection WHERE owner = type::record('user', $author)
                 AND date >= <datetime> $from AND date <= <datetime> $to ORDER BY date"
            ))
            .bind(("author", author_id.to_owned()))
            .bind(("from", date_to_db(from)))
            .bind(("to", date_to_db(to)))
            .await?
            .take(0)?;
        rows_to_domain(rows)
    }

    /// A page of every entry in id order, for rebuilding the search index.
    pub async fn reflections_page(
        &self,
        after_id: Option<&str>,
        limit: u32,
    ) -> StorageResult<Vec<Reflection>> {
        let rows: Vec<ReflectionRow> = self
            .db()
            .query(format!(
                "SELECT {FIELDS} FROM reflection WHERE $after = NONE OR id > type::record('reflection', $after) ORDER BY id LIMIT $limit"
            ))
            .bind(("after", after_id.map(str::to_owned)))
            .bind(("limit", i64::from(limit)))
            .await?
            .take(0)?;
        rows_to_domain(rows)
    }

    /// `(id, version)` of every entry, for checking the index is in step.
    pub async fn reflection_versions(&self) -> StorageResult<Vec<(String, u32)>> {
        let rows: Vec<VersionRow> = self
            .db()
            .query("SELECT record::id(id) AS id, version FROM reflection")
            .await?
            .take(0)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.id, u32::try_from(r.version).unwrap_or(0)))
            .collect())
    }

    /// The latest activity date of every author who has one.
    pub async fn last_activity_dates(&self) -> StorageResult<Vec<(String, Date)>> {
        let rows: Vec<LastActivityRow> = self
            .db()
            .query(
                "SELECT record::id(owner) AS author, time::format(time::max(date), '%Y-%m-%d') AS last
                 FROM reflection GROUP BY author",
            )
            .await?
            .take(0)?;
        rows.into_iter()
            .map(|r| Ok((r.author, date(&r.last)?)))
            .collect()
    }

    pub async fn count_reflections(&self) -> StorageResult<u64> {
        let n: Option<i64> = self
            .db()
            .query("RETURN count(SELECT id FROM reflection)")
            .await?
            .take(0)?;
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    }
}

const SET_DRAFT: &str =
    "title = $title, date = <datetime> $activity_date, activity_type = $activity_type,
    hours = $hours, model = $model, body = $body, learning = $learning, impact = $impact,
    benefit = $benefit, tags = $tags, standards = $standards, links = $links";

#[derive(SurrealValue)]
struct DraftVars {
    title: String,
    activity_date: String,
    activity_type: String,
    hours: Option<f64>,
    model: String,
    body: String,
    learning: String,
    impact: String,
    benefit: String,
    tags: Vec<String>,
    standards: Vec<i64>,
    links: serde_json::Value,
}

fn draft_vars(d: &ReflectionDraft) -> DraftVars {
    DraftVars {
        title: d.title.clone(),
        activity_date: date_to_db(d.activity_date),
        activity_type: d.activity_type.as_str().to_owned(),
        hours: d.hours,
        model: d.model.as_str().to_owned(),
        body: d.body.clone(),
        learning: d.learning.clone(),
        impact: d.impact.clone(),
        benefit: d.benefit.clone(),
        tags: d.tags.clone(),
        standards: d.standards.iter().map(|s| i64::from(*s)).collect(),
        links: serde_json::to_value(&d.links).unwrap_or_default(),
    }
}
