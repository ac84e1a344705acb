//! Patient-identifier flags of any record: the owner dismisses one as a
//! false positive, addressed as `/api/v1/{collection}/{id}/pii-flags/…`.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::Tag;
use super::records::{Collection, check_id};
use super::views::record::{PiiWarningView, pii_warnings};
use crate::app::{App, AppResult};
use crate::domain::audit::AuditDraft;
use crate::domain::objective::ObjectiveDraft;
use crate::domain::record::RecordKind;
use crate::domain::reflection::ReflectionDraft;
use crate::domain::supervision::SupervisionDraft;
use crate::domain::training::TrainingDraft;
use crate::http::auth::BearerAuth;

pub struct PiiApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Records")]
impl PiiApi {
    /// Dismiss a patient-identifier warning on one of the caller's records
    /// as a false positive (for example a staff member's title and name).
    ///
    /// The text stays; the dismissal is recorded in the access log and
    /// holds while the field keeps that text. Answers with the warnings
    /// still open. 404 when the record has no such warning.
    #[oai(path = "/:kind/:id/pii-flags/:flag_id/dismiss", method = "post")]
    async fn dismiss(
        &self,
        app: Data<&App>,
        auth: BearerAuth,
        kind: Path<Collection>,
        id: Path<String>,
        flag_id: Path<String>,
    ) -> AppResult<Json<Vec<PiiWarningView>>> {
        let kind = RecordKind::from(kind.0);
        check_id(kind, &id)?;
        let (me, id, flag) = (&auth.0, id.as_str(), flag_id.as_str());
        Ok(Json(match kind {
            RecordKind::Reflection => pii_warnings(
                &app.dismiss_pii_flag::<ReflectionDraft>(me, id, flag)
                    .await?,
            ),
            RecordKind::Supervision => pii_warnings(
                &app.dismiss_pii_flag::<SupervisionDraft>(me, id, flag)
                    .await?,
            ),
            RecordKind::Audit => {
                pii_warnings(&app.dismiss_pii_flag::<AuditDraft>(me, id, flag).await?)
            }
            RecordKind::Training => {
                pii_warnings(&app.dismiss_pii_flag::<TrainingDraft>(me, id, flag).await?)
            }
            RecordKind::Objective => {
                pii_warnings(&app.dismiss_pii_flag::<ObjectiveDraft>(me, id, flag).await?)
            }
        }))
    }
}
