//! Turning the caller into a [`Viewer`] (who they lead), deciding access to
//! one record, and writing the access log. Every read of someone else's
//! record and every change goes through [`App::log`].

use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::access::{Access, RecordAccess, Viewer};
use crate::domain::record::{RecordKind, is_record_id};
use crate::domain::user::User;
use crate::storage::access_log::{AccessEntry, NewAccess};

/// What every record has for deciding access, whatever its kind.
#[derive(Debug, Clone)]
pub struct RecordHeader {
    pub kind: RecordKind,
    pub id: String,
    pub owner_id: String,
    pub supervisor_id: Option<String>,
    pub shared_with: Vec<String>,
    pub version: u32,
    /// A signed supervision record (its supervisor may read its history).
    pub signed: bool,
}

impl RecordHeader {
    pub fn access_for(&self, viewer: &Viewer) -> Option<Access> {
        viewer.access(&RecordAccess {
            kind: self.kind,
            owner_id: &self.owner_id,
            supervisor_id: self.supervisor_id.as_deref(),
            shared_with: &self.shared_with,
        })
    }
}

/// The 404 for a record the caller may not see or that does not exist.
pub fn not_found(kind: RecordKind) -> AppError {
    AppError::NotFound(kind.label())
}

impl App {
    /// The caller with the members of every team they lead.
    pub async fn viewer(&self, me: &CurrentUser) -> AppResult<Viewer> {
        let _phase = super::timing::phase("scope");
        let is_admin = !me.user.role.keeps_portfolio();
        if is_admin {
            return Ok(Viewer {
                id: me.id().to_owned(),
                is_admin,
                ..Viewer::default()
            });
        }
        let led = self.led_teams_of(me.id()).await?;
        Ok(Viewer {
            id: me.id().to_owned(),
            is_admin,
            led_members: led.member_ids.iter().cloned().collect(),
            led_teams: led.team_ids.clone(),
        })
    }

    /// The account `id` names if it keeps a portfolio (someone a record
    /// can be shared with, supervised by or added to a team); otherwise a
    /// 422 on `field`.
    pub async fn portfolio_user(&self, field: &str, id: &str) -> AppResult<User> {
        let user = if is_record_id(id) {
            self.store().user(id).await?
        } else {
            None
        };
        user.filter(|u| u.role.keeps_portfolio())
            .ok_or_else(|| AppError::invalid(field, "is not a cpdfolio user who keeps a portfolio"))
    }

    /// The header of any record, whoever owns it.
    pub async fn record_header(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> AppResult<Option<RecordHeader>> {
        let found = self.store().evidence(kind, id).await?;
        Ok(found.map(|e| RecordHeader {
            kind,
            supervisor_id: e
                .data
                .get("supervisor_id")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            id: e.id,
            owner_id: e.owner_id,
            signed: e.signoff.get("status").and_then(|v| v.as_str()) == Some("signed"),
            shared_with: e.shared_with,
            version: e.version,
        }))
    }

    /// The record's header and the caller's access to it, or 404.
    pub async fn visible_header(
        &self,
        me: &CurrentUser,
        kind: RecordKind,
        id: &str,
    ) -> AppResult<(RecordHeader, Access)> {
        let viewer = self.viewer(me).await?;
        let header = self
            .record_header(kind, id)
            .await?
            .ok_or_else(|| not_found(kind))?;
        let access = header.access_for(&viewer).ok_or_else(|| not_found(kind))?;
        Ok((header, access))
    }

    /// Appends to the access log; a change made by the owner is logged too,
    /// a read by the owner is not.
    pub async fn log(
        &self,
        me: &CurrentUser,
        owner_id: &str,
        kind: RecordKind,
        record_id: &str,
        action: &str,
    ) -> AppResult<()> {
        if action == "read" && owner_id == me.id() {
            return Ok(());
        }
        self.store()
            .log_access(vec![NewAccess::new(
                me.id(),
                owner_id,
                kind,
                record_id,
                action,
            )])
            .await?;
        Ok(())
    }

    /// Logs reads of every listed record the caller does not own.
    pub async fn log_reads<'a>(
        &self,
        me: &CurrentUser,
        records: impl Iterator<Item = (RecordKind, &'a str, &'a str)>,
    ) -> AppResult<()> {
        let _phase = super::timing::phase("log");
        let entries: Vec<NewAccess> = records
            .filter(|(_, owner, _)| *owner != me.id())
            .map(|(kind, owner, id)| NewAccess::new(me.id(), owner, kind, id, "read"))
            .collect();
        self.store().log_access(entries).await?;
        Ok(())
    }

    /// Who read or changed the caller's records, newest first; the
    /// caller's own changes only when `include_mine`.
    pub async fn access_log(
        &self,
        me: &CurrentUser,
        include_mine: bool,
        limit: u32,
        offset: u32,
    ) -> AppResult<(Vec<AccessEntry>, u64)> {
        Ok(self
            .store()
            .access_log(me.id(), !include_mine, limit, offset)
            .await?)
    }
}
