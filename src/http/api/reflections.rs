use crate::http::json_body::JsonBody;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::{Date, OffsetDateTime};

use super::views::record::{PiiWarningView, RecordLinkView, pii_warnings};
use super::views::reflection::{ActivityTypeView, ReflectiveModelView};
use super::{Tag, is_record_id};
use crate::app::App;
use crate::app::{AppError, AppResult};
use crate::domain::record::EvidenceFilter;
use crate::domain::reflection::{Reflection, ReflectionDraft};
use crate::export::html::to_safe_html;
use crate::http::auth::BearerAuth;
use crate::http::text::Text;

pub struct ReflectionsApi;

fn default_model() -> ReflectiveModelView {
    ReflectiveModelView::Free
}

/// A reflective entry as written by its author.
#[derive(Object)]
#[oai(deny_unknown_fields)]
struct ReflectionInput {
    /// 1 to 200 characters.
    title: Text,
    /// The day of the activity (YYYY-MM-DD), not in the future.
    activity_date: Date,
    /// HCPC activity type.
    activity_type: ActivityTypeView,
    /// Hours spent, more than 0 and at most 1000.
    hours: Option<f64>,
    /// Reflective model followed; `free` by default.
    #[oai(default = "default_model")]
    model: ReflectiveModelView,
    /// The reflection in Markdown (at most 100,000 characters).
    #[oai(default)]
    body: Text,
    /// What I learnt.
    #[oai(default)]
    learning: Text,
    /// Impact on my practice (HCPC CPD standard 3).
    #[oai(default)]
    impact: Text,
    /// Benefit to service users (HCPC CPD standard 4).
    #[oai(default)]
    benefit: Text,
    /// Up to 20 tags of at most 40 characters.
    #[oai(default)]
    tags: Vec<Text>,
    /// HCPC standards of proficiency evidenced (1 to 15).
    #[oai(default)]
    standards: Vec<u8>,
    /// Up to 20 of the author's other records this entry reflects on
    /// (a supervision session, a training day, an audit).
    #[oai(default)]
    links: Vec<RecordLinkView>,
}

impl From<ReflectionInput> for ReflectionDraft {
    fn from(i: ReflectionInput) -> Self {
        Self {
            title: i.title.into(),
            activity_date: i.activity_date,
            activity_type: i.activity_type.into(),
            hours: i.hours,
            model: i.model.into(),
            body: i.body.into(),
            learning: i.learning.into(),
            impact: i.impact.into(),
            benefit: i.benefit.into(),
            tags: i.tags.into_iter().map(String::from).collect(),
            standards: i.standards,
            links: i.links.into_iter().map(Into::into).collect(),
        }
    }
}

/// A stored entry, with its body rendered to sanitised HTML.
#[derive(Object)]
struct ReflectionView {
    id: String,
    author_id: String,
    title: String,
    activity_date: Date,
    activity_type: ActivityTypeView,
    hours: Option<f64>,
    model: ReflectiveModelView,
    body: String,
    body_html: String,
    learning: String,
    impact: String,
    benefit: String,
    tags: Vec<String>,
    standards: Vec<u8>,
    /// The author's other records this entry reflects on; empty for
    /// anyone but the author.
    links: Vec<RecordLinkView>,
    /// Users who may read this entry besides its author. The author sees
    /// them all; a reader sees only themselves.
    shared_with: Vec<String>,
    /// Text that may identify a service user, not yet edited out or
    /// dismissed; exports refuse while any is open.
    pii_warnings: Vec<PiiWarningView>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    version: u32,
}

impl From<Reflection> for ReflectionView {
    fn from(r: Reflection) -> Self {
        let pii_warnings = pii_warnings(&r);
        let d = r.data;
        Self {
            pii_warnings,
            body_html: to_safe_html(&d.body),
            id: r.id,
            author_id: r.owner_id,
            shared_with: r.shared_with,
            links: d.links.into_iter().map(Into::into).collect(),
            title: d.title,
            activity_date: d.activity_date,
            activity_type: d.activity_type.into(),
            hours: d.hours,
            model: d.model.into(),
            body: d.body,
            learning: d.learning,
            impact: d.impact,
            benefit: d.benefit,
            tags: d.tags,
            standards: d.standards,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

#[derive(Object)]
struct ReflectionPage {
    items: Vec<ReflectionView>,
    /// Matching records, counted at most 200 past the end of this page.
    total: u64,
    /// False when counting stopped at that bound: there are more records.
    total_is_exact: bool,
    limit: u32,
    offset: u32,
}

#[derive(ApiResponse)]
enum CreatedResponse {
    /// Created.
    #[oai(status = 201)]
    Created(Json<ReflectionView>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
enum DeletedResponse {
    /// Deleted.
    #[oai(status = 204)]
    Deleted,
}

fn check_id(id: &str) -> AppResult<()> {
    if is_record_id(id) {
        Ok(())
    } else {
        Err(AppError::NotFound("reflective entry"))
    }
}

#[derive(Object)]
#[oai(deny_unknown_fields)]
struct ShareInput {
    /// The user to share with (e.g. your supervisor or lead).
    user_id: Text,
}

#[OpenApi(prefix_path = "/api/v1/reflections", tag = "Tag::Reflections")]
impl ReflectionsApi {
    /// Record a reflective entry (private to the caller).
    #[oai(path = "/", method = "post")]
    async fn create(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        body: JsonBody<ReflectionInput>,
    ) -> AppResult<CreatedResponse> {
        let stored = app
            .create_evidence::<ReflectionDraft>(&auth.0, body.0.into())
            .await?;
        let location = format!("/api/v1/reflections/{}", stored.id);
        Ok(CreatedResponse::Created(Json(stored.into()), location))
    }

    /// The caller's entries and those shared with them, newest activity
    /// first, with filters and paging.
    #[oai(path = "/", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        /// Only entries by this author.
        author: Query<Option<String>>,
        /// Earliest activity date (inclusive).
        from: Query<Option<Date>>,
        /// Latest activity date (inclusive).
        to: Query<Option<Date>>,
        /// Only this HCPC activity type.
        activity_type: Query<Option<ActivityTypeView>>,
        /// Only entries with this tag.
        tag: Query<Option<String>>,
        /// Page size, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u32>>,
        /// Entries to skip.
        #[oai(validator(maximum(value = "1000000")))]
        offset: Query<Option<u32>>,
    ) -> AppResult<Json<ReflectionPage>> {
        let filter = EvidenceFilter {
            owner: author.0.map(|a| a.trim().to_owned()),
            from: from.0,
            to: to.0,
            activity_type: activity_type.0.map(Into::into),
            tag: tag.0.map(|t| t.trim().to_lowercase()),
            limit: limit.0.unwrap_or(20),
            offset: offset.0.unwrap_or(0),
        };
        let page = app
            .list_evidence::<ReflectionDraft>(&auth.0, &filter)
            .await?;
        Ok(Json(ReflectionPage {
            items: page.items.into_iter().map(Into::into).collect(),
            total: page.total,
            total_is_exact: page.total_is_exact,
            limit: filter.limit,
            offset: filter.offset,
        }))
    }

    /// An entry the caller wrote or that is shared with them.
    #[oai(path = "/:id", method = "get")]
    async fn get(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> AppResult<Json<ReflectionView>> {
        check_id(&id)?;
        let (entry, _) = app.evidence::<ReflectionDraft>(&auth.0, &id).await?;
        Ok(Json(entry.into()))
    }

    /// Replace one of the caller's entries.
    #[oai(path = "/:id", method = "put")]
    async fn update(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
        body: JsonBody<ReflectionInput>,
    ) -> AppResult<Json<ReflectionView>> {
        check_id(&id)?;
        Ok(Json(
            app.update_evidence::<ReflectionDraft>(&auth.0, &id, body.0.into())
                .await?
                .into(),
        ))
    }

    /// Delete one of the caller's entries.
    #[oai(path = "/:id", method = "delete")]
    async fn delete(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> AppResult<DeletedResponse> {
        check_id(&id)?;
        app.delete_evidence::<ReflectionDraft>(&auth.0, &id).await?;
        Ok(DeletedResponse::Deleted)
    }

    /// Share the entry with a named user, read-only.
    #[oai(path = "/:id/shares", method = "post")]
    async fn share(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
        body: JsonBody<ShareInput>,
    ) -> AppResult<Json<ReflectionView>> {
        check_id(&id)?;
        let shared = app
            .share_reflection(&auth.0, &id, &body.0.user_id.0)
            .await?;
        Ok(Json(shared.into()))
    }

    /// Withdraw sharing from a user.
    #[oai(path = "/:id/shares/:user_id", method = "delete")]
    async fn unshare(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        id: Path<String>,
        user_id: Path<String>,
    ) -> AppResult<Json<ReflectionView>> {
        check_id(&id)?;
        Ok(Json(
            app.unshare_reflection(&auth.0, &id, &user_id).await?.into(),
        ))
    }
}
