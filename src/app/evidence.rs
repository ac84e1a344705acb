//! Every kind of record (reflection, supervision, audit, training) through
//! one set of generic use cases: create, read, update, delete and list, each
//! checking access, writing the access log (a change's entry in the change's
//! own transaction) and keeping the search index in step. What differs by kind is a trait method of its content type (who may
//! edit when, what an edit does) or a use case of its own beside this file
//! (`reflections.rs`: links and sharing; `supervision.rs`: sign-off and
//! verification).

use std::future::Future;

use anyhow::Context;

use super::access::{RecordHeader, not_found};
use super::pii::refuse_nhs_numbers;
use super::timing;
use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::access::Access;
use crate::domain::audit::AuditDraft;
use crate::domain::objective::ObjectiveDraft;
use crate::domain::record::EvidenceFilter;
use crate::domain::record::{
    Evidence, EvidenceData, RecordKind, SignOffStatus, Workflow, is_record_id, open_flag_count,
};
use crate::domain::supervision::SupervisionDraft;
use crate::domain::training::TrainingDraft;
use crate::search::IndexDoc;
use crate::storage::access_log::NewAccess;
use crate::storage::evidence::{EvidenceWrite, NewEvidence, Scope, StoredEvidence};
use crate::storage::new_id;

/// A page of a list, newest first, with how many records the list holds.
#[derive(Debug, Clone)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    /// Matching records, counted up to a bound past the page's end.
    pub total: u64,
    /// False when there are more than `total` (counting stopped).
    pub total_is_exact: bool,
}

impl<T> ListPage<T> {
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            total: 0,
            total_is_exact: true,
        }
    }
}

/// Validation of a kind's content, which may need the catalogue or the
/// database (a supervisor must be an existing user).
pub trait Checked: EvidenceData {
    fn check(self, app: &App, me: &CurrentUser) -> impl Future<Output = AppResult<Self>> + Send;
}

impl Checked for AuditDraft {
    async fn check(self, app: &App, _me: &CurrentUser) -> AppResult<Self> {
        self.validated(app.today()).map_err(AppError::Validation)
    }
}

/// Validates the objective and that every record it cites as evidence is
/// one of the caller's.
impl Checked for ObjectiveDraft {
    async fn check(self, app: &App, me: &CurrentUser) -> AppResult<Self> {
        let draft = self.validated(app.today()).map_err(AppError::Validation)?;
        let mut errors = Vec::new();
        for (i, link) in draft.evidence.iter().enumerate() {
            let owned = app
                .record_header(link.kind, &link.id)
                .await?
                .is_some_and(|h| h.owner_id == me.id());
            if !owned {
                errors.push(crate::domain::error::FieldError::new(
                    format!("evidence[{i}]"),
                    "is not one of your records",
                ));
            }
        }
        if errors.is_empty() {
            Ok(draft)
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

impl Checked for TrainingDraft {
    async fn check(self, app: &App, _me: &CurrentUser) -> AppResult<Self> {
        self.validated(app.today(), &app.content().training)
            .map_err(AppError::Validation)
    }
}

impl Checked for SupervisionDraft {
    async fn check(self, app: &App, me: &CurrentUser) -> AppResult<Self> {
        let draft = self.validated(app.today()).map_err(AppError::Validation)?;
        if let Some(id) = &draft.supervisor_id {
            if id == me.id() {
                return Err(AppError::invalid(
                    "supervisor_id",
                    "you cannot supervise yourself",
                ));
            }
            app.portfolio_user("supervisor_id", id).await?;
        }
        Ok(draft)
    }
}

pub(super) fn decode<D: EvidenceData>(stored: StoredEvidence) -> anyhow::Result<Evidence<D>> {
    Ok(Evidence {
        data: serde_json::from_value(stored.data).context("stored record content")?,
        workflow: Workflow {
            sign_off: serde_json::from_value(stored.signoff).context("stored sign-off")?,
            verification: stored
                .verification
                .map(serde_json::from_value)
                .transpose()
                .context("stored verification")?,
        },
        shared_with: stored.shared_with,
        id: stored.id,
        owner_id: stored.owner_id,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
        version: stored.version,
        pii_dismissed: stored.pii_dismissed,
    })
}

/// The write of `data` under `workflow`, with the count of its open
/// patient-identifier flags given the flags the owner has `dismissed`.
pub(super) fn encode<D: EvidenceData>(
    data: &D,
    workflow: &Workflow,
    dismissed: &[String],
) -> AppResult<EvidenceWrite> {
    Ok(EvidenceWrite {
        pii_open: open_flag_count(data, &workflow.sign_off, dismissed),
        supervisor_id: data.supervisor_id().map(str::to_owned),
        date: data.date(),
        title: data.title(),
        data: serde_json::to_value(data).map_err(AppError::internal)?,
        signoff: serde_json::to_value(&workflow.sign_off).map_err(AppError::internal)?,
        verification: workflow
            .verification
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(AppError::internal)?,
    })
}

/// What the index holds of a record; its readers are the owner, the
/// supervisor and the users it is shared with (team leads match on the
/// owner).
pub fn index_doc<D: EvidenceData>(e: &Evidence<D>) -> IndexDoc {
    let mut readers = vec![e.owner_id.clone()];
    readers.extend(e.data.supervisor_id().map(str::to_owned));
    readers.extend(e.shared_with.iter().cloned());
    IndexDoc {
        id: e.id.clone(),
        kind: D::KIND,
        owner_id: e.owner_id.clone(),
        readers,
        title: e.data.title(),
        text: e.data.search_text(),
        date: e.data.date(),
        version: e.version,
    }
}

fn header_of<D: EvidenceData>(e: &Evidence<D>) -> RecordHeader {
    RecordHeader {
        kind: D::KIND,
        id: e.id.clone(),
        owner_id: e.owner_id.clone(),
        supervisor_id: e.data.supervisor_id().map(str::to_owned),
        shared_with: e.shared_with.clone(),
        version: e.version,
        signed: e.workflow.sign_off.status == SignOffStatus::Signed,
    }
}

impl App {
    pub async fn create_evidence<D: Checked>(
        &self,
        me: &CurrentUser,
        data: D,
    ) -> AppResult<Evidence<D>> {
        me.require_portfolio()?;
        let data = data.check(self, me).await?;
        refuse_nhs_numbers(&data.free_text())?;
        let write = encode(&data, &Workflow::default(), &[])?;
        let id = new_id();
        let new = NewEvidence {
            kind: D::KIND,
            owner_id: me.id().to_owned(),
            max_records: self.config().max_records_per_user,
            logged_as: NewAccess::new(me.id(), me.id(), D::KIND, &id, "create"),
            id,
            write,
        };
        let waited = timing::phase("turn");
        let turn = self.owner_turn(me.id()).await;
        drop(waited);
        let written = timing::phase("write");
        let created = self.inner.creates.create(new).await;
        drop((turn, written));
        let _phase = timing::phase("index");
        self.index_created::<D>(created?).await
    }

    /// The record as the caller may see it (`Evidence::as_seen_by`) and
    /// their access to it (404 when none), logging a read of someone
    /// else's record.
    pub async fn evidence<D: EvidenceData>(
        &self,
        me: &CurrentUser,
        id: &str,
    ) -> AppResult<(Evidence<D>, Access)> {
        let (record, access) = self.accessible_evidence::<D>(me, id).await?;
        Ok((record.as_seen_by(me.id()), access))
    }

    /// The whole record, for a change the caller's access allows (404 when
    /// they have none), logging a read of someone else's record.
    pub(super) async fn accessible_evidence<D: EvidenceData>(
        &self,
        me: &CurrentUser,
        id: &str,
    ) -> AppResult<(Evidence<D>, Access)> {
        let viewer = self.viewer(me).await?;
        let stored = self
            .store()
            .evidence(D::KIND, id)
            .await?
            .ok_or_else(|| not_found(D::KIND))?;
        let record = decode::<D>(stored)?;
        let access = header_of(&record)
            .access_for(&viewer)
            .ok_or_else(|| not_found(D::KIND))?;
        self.log(me, &record.owner_id, D::KIND, id, "read").await?;
        Ok((record, access))
    }

    /// The owner's own record for changing; others get 404 if they cannot
    /// see it and 403 if they can but may not change it.
    pub(super) async fn owned_evidence<D: EvidenceData>(
        &self,
        me: &CurrentUser,
        id: &str,
    ) -> AppResult<Evidence<D>> {
        let (record, access) = self.accessible_evidence::<D>(me, id).await?;
        if access != Access::Owner {
            return Err(AppError::Forbidden(format!(
                "only the owner can change this {}",
                D::KIND.label()
            )));
        }
        Ok(record)
    }

    pub async fn update_evidence<D: Checked>(
        &self,
        me: &CurrentUser,
        id: &str,
        data: D,
    ) -> AppResult<Evidence<D>> {
        let current = self.editable_evidence::<D>(me, id).await?;
        let data = data.check(self, me).await?;
        refuse_nhs_numbers(&data.free_text())?;
        let workflow = D::after_owner_edit(current.workflow.clone());
        self.save_evidence(me, &current, &data, &workflow, "update")
            .await
    }

    /// The owner's own record in a state the owner may change (409 when
    /// not, saying why).
    pub(super) async fn editable_evidence<D: EvidenceData>(
        &self,
        me: &CurrentUser,
        id: &str,
    ) -> AppResult<Evidence<D>> {
        let current = self.owned_evidence::<D>(me, id).await?;
        D::owner_may_edit(&current.workflow).map_err(|r| AppError::Conflict(r.to_owned()))?;
        Ok(current)
    }

    /// What an owner's edit does to the workflow, when the owner changes
    /// the record's files rather than its content. A new version (logged as
    /// an update) is written only when the workflow changes: a verified
    /// training record loses its verification.
    pub(super) async fn after_owner_file_change<D: EvidenceData>(
        &self,
        me: &CurrentUser,
        current: &Evidence<D>,
    ) -> AppResult<()> {
        let workflow = D::after_owner_edit(current.workflow.clone());
        if workflow != current.workflow {
            self.save_evidence(me, current, &current.data, &workflow, "update")
                .await?;
        }
        Ok(())
    }

    /// Writes a new version of `current`, logged as `action` in the same
    /// transaction; 409 once the record has as many versions as one record
    /// may keep.
    pub(super) async fn save_evidence<D: EvidenceData>(
        &self,
        me: &CurrentUser,
        current: &Evidence<D>,
        data: &D,
        workflow: &Workflow,
        action: &str,
    ) -> AppResult<Evidence<D>> {
        let max = self.config().max_versions_per_record;
        if current.version >= max {
            return Err(AppError::Conflict(format!(
                "this {} has reached the limit of {max} versions and cannot be changed again",
                D::KIND.label()
            )));
        }
        let write = encode(data, workflow, &current.pii_dismissed)?;
        let logged_as = NewAccess::new(me.id(), &current.owner_id, D::KIND, &current.id, action);
        self.store()
            .update_evidence(D::KIND, &current.id, current.version, write, logged_as)
            .await?;
        self.index_committed::<D>(&current.id).await
    }

    pub async fn delete_evidence<D: EvidenceData>(
        &self,
        me: &CurrentUser,
        id: &str,
    ) -> AppResult<()> {
        let current = self.owned_evidence::<D>(me, id).await?;
        D::owner_may_delete(&current.workflow).map_err(|r| AppError::Conflict(r.to_owned()))?;
        self.delete_any(me, D::KIND, &current.id, &current.owner_id)
            .await
    }

    /// A page of what the caller may see, each record as they may see it,
    /// logging reads of others' records.
    pub async fn list_evidence<D: EvidenceData>(
        &self,
        me: &CurrentUser,
        filter: &EvidenceFilter,
    ) -> AppResult<ListPage<Evidence<D>>> {
        let viewer = self.viewer(me).await?;
        let names_nobody = filter.owner.as_deref().is_some_and(|o| !is_record_id(o));
        if viewer.is_admin || names_nobody {
            return Ok(ListPage::empty());
        }
        let scope = Scope {
            me: viewer.id.clone(),
            team_owner_ids: viewer.team_owner_ids(),
            led_team_ids: viewer.led_teams.clone(),
        };
        let queried = timing::phase("query");
        let page = self.store().list_evidence(D::KIND, &scope, filter).await?;
        drop(queried);
        let records = page
            .records
            .into_iter()
            .map(|stored| Ok(decode::<D>(stored)?.as_seen_by(me.id())))
            .collect::<anyhow::Result<Vec<_>>>()?;
        self.log_reads(
            me,
            records
                .iter()
                .map(|r| (D::KIND, r.owner_id.as_str(), r.id.as_str())),
        )
        .await?;
        Ok(ListPage {
            items: records,
            total: page.total,
            total_is_exact: page.total_is_exact,
        })
    }

    /// Deletes any record with its attachments and history (logged in the
    /// same transaction), then removes it from the index and drops files no
    /// other attachment uses.
    pub(super) async fn delete_any(
        &self,
        me: &CurrentUser,
        kind: RecordKind,
        id: &str,
        owner_id: &str,
    ) -> AppResult<()> {
        let logged_as = NewAccess::new(me.id(), owner_id, kind, id, "delete");
        let digests = self.store().delete_record(kind, id, logged_as).await?;
        self.unindex_deleted(id).await;
        self.drop_unused_blobs(digests).await;
        Ok(())
    }
}
