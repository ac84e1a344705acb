//! Attachment metadata: which stored file (by SHA-256) belongs to which
//! record under which name. The bytes live in the blob store.

use anyhow::Context;
use surrealdb::types::SurrealValue;

use super::error::StorageResult;
use super::rows::datetime;
use super::{Store, new_id};
use crate::domain::record::{Attachment, RecordKind};

/// What to record about a newly attached file.
#[derive(Debug, Clone, SurrealValue)]
pub struct NewAttachment {
    pub owner: String,
    pub kind: String,
    pub record: String,
    pub sha256: String,
    pub file_name: String,
    pub size: i64,
    pub media_type: String,
}

#[derive(SurrealValue)]
struct AttachmentRow {
    id: String,
    owner: String,
    kind: String,
    record: String,
    sha256: String,
    file_name: String,
    size: i64,
    media_type: String,
    created_at: String,
}

const FIELDS: &str = "record::id(id) AS id, record::id(owner) AS owner, kind, record, sha256,
    file_name, size, media_type, <string> created_at AS created_at";

impl AttachmentRow {
    fn into_domain(self) -> StorageResult<Attachment> {
        Ok(Attachment {
            kind: RecordKind::parse(&self.kind).context("stored attachment kind")?,
            created_at: datetime(&self.created_at)?,
            size: u64::try_from(self.size).context("stored size")?,
            id: self.id,
            owner_id: self.owner,
            record_id: self.record,
            sha256: self.sha256,
            file_name: self.file_name,
            media_type: self.media_type,
        })
    }
}

fn rows_to_domain(rows: Vec<AttachmentRow>) -> StorageResult<Vec<Attachment>> {
    rows.into_iter().map(AttachmentRow::into_domain).collect()
}

impl Store {
    pub async fn add_attachment(&self, new: NewAttachment) -> StorageResult<Attachment> {
        let row: Option<AttachmentRow> = self
            .db()
            .query(format!(
                "CREATE type::record('attachment', $id) SET owner = type::record('user', $a.owner),
                     kind = $a.kind, record = $a.record, sha256 = $a.sha256, file_name = $a.file_name,
                     size = $a.size, media_type = $a.media_type, created_at = time::now()
                 RETURN {FIELDS}"
            ))
            .bind(("id", new_id()))
            .bind(("a", new))
            .await?
            .take(0)?;
        row.context("create returned nothing")?.into_domain()
    }

    pub async fn attachment(&self, id: &str) -> StorageResult<Option<Attachment>> {
        let row: Option<AttachmentRow> = self
            .db()
            .query(format!(
                "SELECT {FIELDS} FROM type::record('attachment', $id)"
            ))
            .bind(("id", id.to_owned()))
            .await?
            .take(0)?;
        row.map(AttachmentRow::into_domain).transpose()
    }

    /// The attachments of one record, oldest first, by the record index.
    pub async fn attachments_of(&self, record_id: &str) -> StorageResult<Vec<Attachment>> {
        let rows: Vec<AttachmentRow> = self
            .db()
            .query(format!(
                "SELECT {FIELDS} FROM attachment WHERE record = $id ORDER BY created_at"
            ))
            .bind(("id", record_id.to_owned()))
            .await?
            .take(0)?;
        rows_to_domain(rows)
    }

    /// Every attachment `owner_id` keeps, oldest first: one read of the
    /// owner index, for pages that name the files of many records.
    pub async fn attachments_owned_by(&self, owner_id: &str) -> StorageResult<Vec<Attachment>> {
        let rows: Vec<AttachmentRow> = self
            .db()
            .query(format!(
                "SELECT {FIELDS} FROM attachment WHERE owner = type::record('user', $owner)
                 ORDER BY created_at"
            ))
            .bind(("owner", owner_id.to_owned()))
            .await?
            .take(0)?;
        rows_to_domain(rows)
    }

    pub async fn delete_attachment(&self, id: &str) -> StorageResult<()> {
        self.db()
            .query("DELETE type::record('attachment', $id)")
            .bind(("id", id.to_owned()))
            .await?
            .check()?;
        Ok(())
    }

    /// True while any attachment still refers to the stored file.
    pub async fn digest_in_use(&self, sha256: &str) -> StorageResult<bool> {
        let n: Option<i64> = self
            .db()
            .query("RETURN count(SELECT id FROM attachment WHERE sha256 = $sha)")
            .bind(("sha", sha256.to_owned()))
            .await?
            .take(0)?;
        Ok(n.unwrap_or(0) > 0)
    }

    /// Every digest some attachment refers to.
    pub async fn digests_in_use(&self) -> StorageResult<std::collections::HashSet<String>> {
        let digests: Vec<String> = self
            .db()
            .query("SELECT VALUE sha256 FROM attachment")
            .await?
            .take(0)?;
        Ok(digests.into_iter().collect())
    }

    /// The bytes of every attachment `owner_id` has, each file counted once
    /// per attachment (a file attached twice counts twice).
    pub async fn attachment_bytes_of(&self, owner_id: &str) -> StorageResult<u64> {
        let total: Option<i64> = self
            .db()
            .query(
                "RETURN math::sum(SELECT VALUE size FROM attachment
                    WHERE owner = type::record('user', $owner))",
            )
            .bind(("owner", owner_id.to_owned()))
            .await?
            .take(0)?;
        Ok(u64::try_from(total.unwrap_or(0)).unwrap_or(0))
    }
}
