//! Views and list parameters shared by the supervision, audit and training
//! collections.

use poem_openapi::Object;
use time::{Date, OffsetDateTime};

use super::views::record::{AddendumView, SignOffStatusView};
use crate::domain::record::EvidenceFilter;
use crate::domain::record::Workflow;

/// Sign-off, addenda and verification state of a record.
#[derive(Object)]
pub struct WorkflowView {
    /// Supervision sign-off: draft, submitted, returned or signed.
    status: SignOffStatusView,
    /// The supervisor's comment when the record was returned.
    return_comment: Option<String>,
    signed_by: Option<String>,
    signed_at: Option<OffsetDateTime>,
    /// Corrections and notes added after the record was written.
    addenda: Vec<AddendumView>,
    /// The lead who verified a training record.
    verified_by: Option<String>,
    verified_at: Option<OffsetDateTime>,
}

impl From<Workflow> for WorkflowView {
    fn from(w: Workflow) -> Self {
        let s = w.sign_off;
        let (verified_by, verified_at) = w
            .verification
            .map_or((None, None), |v| (Some(v.verified_by), Some(v.verified_at)));
        Self {
            status: s.status.into(),
            return_comment: s.return_comment,
            signed_by: s.signed_by,
            signed_at: s.signed_at,
            addenda: s.addenda.into_iter().map(Into::into).collect(),
            verified_by,
            verified_at,
        }
    }
}

/// The filter for a list request; `limit` defaults to 20.
pub fn filter(
    owner: Option<String>,
    from: Option<Date>,
    to: Option<Date>,
    limit: Option<u32>,
    offset: Option<u32>,
) -> EvidenceFilter {
    EvidenceFilter {
        owner: owner.map(|o| o.trim().to_owned()),
        from,
        to,
        limit: limit.unwrap_or(20),
        offset: offset.unwrap_or(0),
        ..EvidenceFilter::default()
    }
}

/// Writes the create, list, get, replace and delete operations of one
/// evidence kind, so that the supervision, audit and training collections
/// are one piece of code and cannot drift apart. Each kind's own steps
/// (sign-off, verification) are a second `OpenApi` impl beside it.
macro_rules! evidence_collection {
    (
        api: $api:ident,
        path: $path:literal,
        tag: $tag:literal,
        draft: $draft:ty,
        input: $input:ty,
        view: $view:ident,
        page: $page:ident,
        $(#[$create:meta])* create,
        $(#[$list:meta])* list,
        $(#[$update:meta])* update,
        $(#[$delete:meta])* delete,
    ) => {
        /// A page of records, newest first.
        #[derive(poem_openapi::Object)]
        struct $page {
            items: Vec<$view>,
            /// Matching records, counted at most 200 past the end of this page.
            total: u64,
            /// False when counting stopped at that bound: there are more records.
            total_is_exact: bool,
            limit: u32,
            offset: u32,
        }

        #[derive(poem_openapi::ApiResponse)]
        enum Created {
            /// Created.
            #[oai(status = 201)]
            Created(
                poem_openapi::payload::Json<$view>,
                #[oai(header = "Location")] String,
            ),
        }

        #[derive(poem_openapi::ApiResponse)]
        enum Deleted {
            /// Deleted.
            #[oai(status = 204)]
            Deleted,
        }

        #[poem_openapi::OpenApi(prefix_path = $path, tag = $tag)]
        impl $api {
            $(#[$create])*
            #[oai(path = "/", method = "post")]
            async fn create(
                &self,
                app: poem::web::Data<&crate::app::App>,
                auth: crate::http::auth::BearerAuth,
                body: crate::http::json_body::JsonBody<$input>,
            ) -> crate::app::AppResult<Created> {
                let stored = app.create_evidence::<$draft>(&auth.0, body.0.into()).await?;
                let location = format!("{}/{}", $path, stored.id);
                Ok(Created::Created(poem_openapi::payload::Json(stored.into()), location))
            }

            $(#[$list])*
            #[oai(path = "/", method = "get")]
            #[allow(clippy::too_many_arguments)]
            async fn list(
                &self,
                app: poem::web::Data<&crate::app::App>,
                auth: crate::http::auth::BearerAuth,
                /// Only this owner's records.
                owner: poem_openapi::param::Query<Option<String>>,
                /// Earliest date (inclusive).
                from: poem_openapi::param::Query<Option<time::Date>>,
                /// Latest date (inclusive).
                to: poem_openapi::param::Query<Option<time::Date>>,
                /// Page size, 1 to 100 (default 20).
                #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
                limit: poem_openapi::param::Query<Option<u32>>,
                /// Records to skip.
                #[oai(validator(maximum(value = "1000000")))]
                offset: poem_openapi::param::Query<Option<u32>>,
            ) -> crate::app::AppResult<poem_openapi::payload::Json<$page>> {
                let f = crate::http::api::evidence::filter(owner.0, from.0, to.0, limit.0, offset.0);
                let page = app.list_evidence::<$draft>(&auth.0, &f).await?;
                Ok(poem_openapi::payload::Json($page {
                    items: page.items.into_iter().map(Into::into).collect(),
                    total: page.total,
                    total_is_exact: page.total_is_exact,
                    limit: f.limit,
                    offset: f.offset,
                }))
            }

            #[oai(path = "/:id", method = "get")]
            async fn get(
                &self,
                app: poem::web::Data<&crate::app::App>,
                auth: crate::http::auth::BearerAuth,
                id: poem_openapi::param::Path<String>,
            ) -> crate::app::AppResult<poem_openapi::payload::Json<$view>> {
                crate::http::api::records::check_id(<$draft as crate::domain::record::EvidenceData>::KIND, &id)?;
                let (record, _) = app.evidence::<$draft>(&auth.0, &id).await?;
                Ok(poem_openapi::payload::Json(record.into()))
            }

            $(#[$update])*
            #[oai(path = "/:id", method = "put")]
            async fn update(
                &self,
                app: poem::web::Data<&crate::app::App>,
                auth: crate::http::auth::BearerAuth,
                id: poem_openapi::param::Path<String>,
                body: crate::http::json_body::JsonBody<$input>,
            ) -> crate::app::AppResult<poem_openapi::payload::Json<$view>> {
                crate::http::api::records::check_id(<$draft as crate::domain::record::EvidenceData>::KIND, &id)?;
                let record = app.update_evidence::<$draft>(&auth.0, &id, body.0.into()).await?;
                Ok(poem_openapi::payload::Json(record.into()))
            }

            $(#[$delete])*
            #[oai(path = "/:id", method = "delete")]
            async fn delete(
                &self,
                app: poem::web::Data<&crate::app::App>,
                auth: crate::http::auth::BearerAuth,
                id: poem_openapi::param::Path<String>,
            ) -> crate::app::AppResult<Deleted> {
                crate::http::api::records::check_id(<$draft as crate::domain::record::EvidenceData>::KIND, &id)?;
                app.delete_evidence::<$draft>(&auth.0, &id).await?;
                Ok(Deleted::Deleted)
            }
        }
    };
}

pub(super) use evidence_collection;
