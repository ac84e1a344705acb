//! Supervision sign-off and training verification: the steps where someone
//! other than the owner acts on a record.

use super::pii::refuse_nhs_numbers;
use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::access::Access;
use crate::domain::pii::TextField;
use crate::domain::record::{Evidence, SignOff, Verification, Workflow};
use crate::domain::supervision::{self, ActionStatus, StepError, SupervisionDraft};
use crate::domain::training::TrainingDraft;

type Supervision = Evidence<SupervisionDraft>;

fn conflict(reason: &str) -> AppError {
    AppError::Conflict(reason.to_owned())
}

fn forbidden(what: &str) -> AppError {
    AppError::Forbidden(what.to_owned())
}

impl App {
    /// The supervisee sends the record to their supervisor.
    pub async fn submit_supervision(&self, me: &CurrentUser, id: &str) -> AppResult<Supervision> {
        let (record, access) = self.accessible_evidence::<SupervisionDraft>(me, id).await?;
        if access != Access::Owner {
            return Err(forbidden("only the supervisee can submit the record"));
        }
        let flow = with_sign_off(
            &record.workflow,
            supervision::submit(
                &record.workflow.sign_off,
                record.data.supervisor_id.is_some(),
            )
            .map_err(conflict)?,
        );
        self.save_evidence(me, &record, &record.data, &flow, "submit")
            .await
    }

    /// The supervisor countersigns a submitted record.
    pub async fn sign_off_supervision(&self, me: &CurrentUser, id: &str) -> AppResult<Supervision> {
        let record = self.as_supervisor(me, id).await?;
        let signed =
            supervision::sign(&record.workflow.sign_off, me.id(), self.now()).map_err(conflict)?;
        let flow = with_sign_off(&record.workflow, signed);
        self.save_evidence(me, &record, &record.data, &flow, "sign-off")
            .await
    }

    /// The supervisor sends a submitted record back with a comment.
    pub async fn return_supervision(
        &self,
        me: &CurrentUser,
        id: &str,
        comment: &str,
    ) -> AppResult<Supervision> {
        let record = self.as_supervisor(me, id).await?;
        let returned = supervision::return_with(&record.workflow.sign_off, comment).map_err(
            |err| match err {
                StepError::Invalid(errors) => AppError::Validation(errors),
                StepError::Refused(reason) => conflict(reason),
            },
        )?;
        let flow = with_sign_off(&record.workflow, returned);
        self.save_evidence(me, &record, &record.data, &flow, "return")
            .await
    }

    /// Supervisee or supervisor adds a note after sign-off (or at any time);
    /// the signed content is untouched.
    pub async fn add_supervision_addendum(
        &self,
        me: &CurrentUser,
        id: &str,
        text: &str,
    ) -> AppResult<Supervision> {
        let (record, access) = self.accessible_evidence::<SupervisionDraft>(me, id).await?;
        if !matches!(access, Access::Owner | Access::Supervisor) {
            return Err(forbidden(
                "only the supervisee or the supervisor can add an addendum",
            ));
        }
        let max = self.config().max_addenda_per_record as usize;
        if record.workflow.sign_off.addenda.len() >= max {
            return Err(conflict(&format!(
                "this supervision record already has the limit of {max} addenda"
            )));
        }
        refuse_nhs_numbers(&[TextField::new("text", text)])?;
        let amended =
            supervision::add_addendum(&record.workflow.sign_off, text, me.id(), self.now())
                .map_err(AppError::Validation)?;
        let flow = with_sign_off(&record.workflow, amended);
        self.save_evidence(me, &record, &record.data, &flow, "addendum")
            .await
    }

    /// Closes one agreed action (numbered from 0), even on a signed record.
    pub async fn close_supervision_action(
        &self,
        me: &CurrentUser,
        id: &str,
        index: usize,
    ) -> AppResult<Supervision> {
        let (record, access) = self.accessible_evidence::<SupervisionDraft>(me, id).await?;
        if !matches!(access, Access::Owner | Access::Supervisor) {
            return Err(forbidden(
                "only the supervisee or the supervisor can close an action",
            ));
        }
        let mut data = record.data.clone();
        let action = data
            .actions
            .get_mut(index)
            .ok_or(AppError::NotFound("agreed action"))?;
        if action.status == ActionStatus::Closed {
            return Err(conflict("the action is already closed"));
        }
        action.status = ActionStatus::Closed;
        self.save_evidence(me, &record, &data, &record.workflow, "close-action")
            .await
    }

    async fn as_supervisor(&self, me: &CurrentUser, id: &str) -> AppResult<Supervision> {
        let (record, access) = self.accessible_evidence::<SupervisionDraft>(me, id).await?;
        if access != Access::Supervisor {
            return Err(forbidden(
                "only the supervisor named on the record can do this",
            ));
        }
        Ok(record)
    }

    /// A lead of the owner's team confirms a training record.
    pub async fn verify_training(
        &self,
        me: &CurrentUser,
        id: &str,
    ) -> AppResult<Evidence<TrainingDraft>> {
        let (record, access) = self.accessible_evidence::<TrainingDraft>(me, id).await?;
        if access != Access::Lead {
            return Err(forbidden(
                "only a lead of the owner's team can verify training",
            ));
        }
        if record.workflow.verification.is_some() {
            return Err(conflict("the training record is already verified"));
        }
        let flow = Workflow {
            verification: Some(Verification {
                verified_by: me.id().to_owned(),
                verified_at: self.now(),
            }),
            ..record.workflow.clone()
        };
        self.save_evidence(me, &record, &record.data, &flow, "verify")
            .await
    }
}

/// The workflow with its sign-off replaced (verification unchanged).
fn with_sign_off(flow: &Workflow, sign_off: SignOff) -> Workflow {
    Workflow {
        sign_off,
        ..flow.clone()
    }
}
