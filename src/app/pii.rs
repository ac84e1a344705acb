//! The patient-identifier guard where records are written and exported:
//! a write whose text holds an NHS number is refused, an export refuses
//! while a record it includes has an open flag, and the owner may dismiss
//! a flag as a false positive (an entry in the access log says so).

use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::error::FieldError;
use crate::domain::pii::{self, TextField};
use crate::domain::record::{Evidence, EvidenceData};
use crate::storage::access_log::NewAccess;

/// The access-log action of a dismissal.
pub const DISMISS_ACTION: &str = "dismiss_pii_flag";

/// 422 naming each field and position where an NHS number was found.
pub(super) fn refuse_nhs_numbers(fields: &[TextField<'_>]) -> AppResult<()> {
    let errors = pii::nhs_number_errors(fields);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Each open flag of a record to export, named `{collection}/{id}/{field}`.
pub(super) fn open_flags<D: EvidenceData>(record: &Evidence<D>) -> Vec<FieldError> {
    record
        .open_pii_flags()
        .into_iter()
        .map(|flag| {
            FieldError::new(
                format!("{}/{}/{}", D::KIND.path(), record.id, flag.field),
                format!("\"{}\": {}", record.data.title(), flag.message()),
            )
        })
        .collect()
}

/// Refuses an export while any record in it has an open flag.
pub(super) fn refuse_flagged(flags: Vec<FieldError>) -> AppResult<()> {
    if flags.is_empty() {
        Ok(())
    } else {
        Err(AppError::PatientIdentifiers(flags))
    }
}

impl App {
    /// The owner marks a flag on their record as a false positive; 404 when
    /// the record has no such flag. Dismissing twice changes nothing.
    pub async fn dismiss_pii_flag<D: EvidenceData>(
        &self,
        me: &CurrentUser,
        id: &str,
        flag_id: &str,
    ) -> AppResult<Evidence<D>> {
        let record = self.owned_evidence::<D>(me, id).await?;
        let (_, dismissed) = record
            .pii_flags()
            .into_iter()
            .find(|(flag, _)| flag.id == flag_id)
            .ok_or(AppError::NotFound("patient-identifier flag"))?;
        if !dismissed {
            let still_open = record.open_pii_flags().len().saturating_sub(1);
            let logged_as = NewAccess::new(me.id(), me.id(), D::KIND, id, DISMISS_ACTION);
            self.store()
                .dismiss_pii_flag(
                    D::KIND,
                    id,
                    flag_id,
                    u32::try_from(still_open).unwrap_or(u32::MAX),
                    logged_as,
                )
                .await?;
        }
        let (record, _) = self.evidence::<D>(me, id).await?;
        Ok(record)
    }
}
