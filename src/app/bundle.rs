//! The evidence bundle for an HCPC CPD audit: the profile and every piece
//! of evidence it cites, numbered as the profile numbers them, in one zip
//! (`export::bundle` describes the layout). The person chooses which
//! records go in; the profile is built from exactly those, so its
//! statement and the files agree. Records are typeset and attachments
//! copied one at a time into an unlinked scratch file, so a bundle of
//! large files never sits in memory.

use std::collections::{HashMap, HashSet};
use std::io::{Seek, SeekFrom};
use std::sync::Arc;

use super::evidence::decode;
use super::pii::refuse_flagged;
use super::profile::{Gathered, ProfileRequest, Source as RecordSource, person_of};
use super::{App, CurrentUser};
use crate::app::{AppError, AppResult};
use crate::domain::audit::AuditDraft;
use crate::domain::dates::{iso, long_uk};
use crate::domain::profile::{self, CpdProfile, EvidenceItem};
use crate::domain::record::{Attachment, Evidence, RecordKind};
use crate::domain::reflection::ReflectionDraft;
use crate::domain::supervision::SupervisionDraft;
use crate::domain::training::TrainingDraft;
use crate::export::bundle::{BundleItem, ManifestRow, write_bundle};
use crate::export::pdf::{profile_pdf, record_pdf};
use crate::export::portable::Source;
use crate::export::profile_document::ProfileDocument;
use crate::export::record_document::{FORMER_USER, Names, RecordDocument, evidence_label};
use crate::storage::blobs::BlobStore;

/// At most this many records may be chosen by id.
pub const MAX_CHOSEN: usize = 500;

/// The period, and the records chosen (all in the period when `None`).
#[derive(Debug, Clone, Default)]
pub struct BundleRequest {
    pub period: ProfileRequest,
    pub records: Option<Vec<String>>,
}

/// A finished bundle: the zip, positioned at its start, and its manifest.
pub struct EvidenceBundle {
    pub file: std::fs::File,
    pub file_name: String,
    pub manifest: Vec<ManifestRow>,
}

/// A record read whole, to typeset.
enum FullRecord {
    Reflection(Evidence<ReflectionDraft>),
    Supervision(Evidence<SupervisionDraft>),
    Audit(Evidence<AuditDraft>),
    Training(Evidence<TrainingDraft>),
}

/// What one evidence number stands for, ready to write.
enum Piece {
    ActivityList,
    Record(Box<FullRecord>),
    File(Attachment),
}

struct Planned {
    item: EvidenceItem,
    title: String,
    date: String,
    piece: Piece,
}

/// People's names by id, for the records that mention them.
struct KnownNames(HashMap<String, String>);

impl Names for KnownNames {
    fn name_of(&self, user_id: &str) -> String {
        self.0
            .get(user_id)
            .cloned()
            .unwrap_or_else(|| FORMER_USER.to_owned())
    }
}

impl App {
    /// The caller's profile and its evidence as one zip; refused while a
    /// chosen record has an open patient-identifier warning. A chosen id
    /// that is not one of the caller's records is "not found"; one of
    /// theirs dated outside the period is invalid.
    pub async fn cpd_profile_bundle(
        &self,
        me: &CurrentUser,
        request: BundleRequest,
    ) -> AppResult<EvidenceBundle> {
        me.require_portfolio()?;
        let (from, to) = request.period.resolve(self.today())?;
        let gathered = self.gather(me.id(), from, to).await?;
        let chosen = match request.records {
            None => gathered,
            Some(ids) => self.choose(me, gathered, ids).await?,
        };
        let Gathered {
            activities,
            open_flags,
            sources,
        } = chosen;
        refuse_flagged(open_flags.into_iter().map(|f| f.flag).collect())?;
        let profile = profile::build(person_of(me), from, to, &activities);
        let planned = self.plan(&profile, &sources).await?;
        let names = self.names_in(&planned).await?;
        let file_name = format!("cpd-evidence-{from}-to-{to}.zip");
        let blobs = Arc::clone(&self.inner.blobs);
        let scratch = self.config().incoming_dir();
        let bundle = tokio::task::spawn_blocking(move || -> anyhow::Result<EvidenceBundle> {
            crate::files::private_dir(&scratch)?;
            let mut file = crate::files::scratch_file(&scratch)?;
            let manifest = write_pieces(&profile, planned, &names, &blobs, &mut file)?;
            file.seek(SeekFrom::Start(0))?;
            Ok(EvidenceBundle {
                file,
                file_name,
                manifest,
            })
        })
        .await
        .map_err(AppError::internal)??;
        tracing::info!(user.id = %me.id(), files = bundle.manifest.len(), "evidence bundle written");
        Ok(bundle)
    }

    /// The gathered evidence narrowed to the chosen records.
    async fn choose(
        &self,
        me: &CurrentUser,
        gathered: Gathered,
        ids: Vec<String>,
    ) -> AppResult<Gathered> {
        if ids.is_empty() {
            return Err(AppError::invalid("records", "choose at least one record"));
        }
        if ids.len() > MAX_CHOSEN {
            return Err(AppError::invalid(
                "records",
                format!("at most {MAX_CHOSEN} records may be chosen"),
            ));
        }
        let chosen: HashSet<&str> = ids.iter().map(String::as_str).collect();
        for id in &chosen {
            if !gathered.sources.contains_key(*id) {
                return Err(self.why_not_in_period(me, id).await?);
            }
        }
        Ok(gathered.only(|a| chosen.contains(a.record_id.as_str())))
    }

    /// A chosen id not in the period: the caller's own record dated
    /// elsewhere is invalid; anything else is not found, whoever owns it.
    async fn why_not_in_period(&self, me: &CurrentUser, id: &str) -> AppResult<AppError> {
        if crate::domain::record::is_record_id(id) {
            for kind in RecordKind::ACTIVITIES {
                let header = self.record_header(kind, id).await?;
                if header.is_some_and(|h| h.owner_id == me.id()) {
                    return Ok(AppError::invalid(
                        "records",
                        format!("{id} is dated outside the period of the profile"),
                    ));
                }
            }
        }
        Ok(AppError::NotFound("record"))
    }

    /// Every evidence number with what it stands for: the activity list,
    /// a record read whole, or an attachment.
    async fn plan(
        &self,
        profile: &CpdProfile,
        sources: &HashMap<String, RecordSource>,
    ) -> AppResult<Vec<Planned>> {
        let mut planned = Vec::with_capacity(profile.evidence.len());
        let first = profile.evidence.first().cloned();
        if let Some(item) = first {
            planned.push(Planned {
                item,
                title: "Dated list of CPD activities".to_owned(),
                date: iso(profile.to),
                piece: Piece::ActivityList,
            });
        }
        let by_number: HashMap<usize, &EvidenceItem> =
            profile.evidence.iter().map(|e| (e.number, e)).collect();
        let mut files = Vec::new();
        for activity in &profile.activities {
            let Some(source) = sources.get(&activity.record_id) else {
                continue;
            };
            let mut numbers = activity.evidence.iter();
            if let Some(item) = numbers.next().and_then(|n| by_number.get(n)) {
                let record = self.full_record(source.kind, &activity.record_id).await?;
                planned.push(Planned {
                    item: (*item).clone(),
                    title: activity.title.clone(),
                    date: iso(activity.date),
                    piece: Piece::Record(Box::new(record)),
                });
            }
            for (number, file) in numbers.zip(&source.files) {
                if let Some(item) = by_number.get(number) {
                    files.push(Planned {
                        item: (*item).clone(),
                        title: file.file_name.clone(),
                        date: iso(file.created_at.date()),
                        piece: Piece::File(file.clone()),
                    });
                }
            }
        }
        planned.extend(files);
        planned.sort_by_key(|p| p.item.number);
        Ok(planned)
    }

    async fn full_record(&self, kind: RecordKind, id: &str) -> AppResult<FullRecord> {
        let stored = self
            .store()
            .evidence(kind, id)
            .await?
            .ok_or(AppError::NotFound("record"))?;
        Ok(match kind {
            RecordKind::Reflection => FullRecord::Reflection(decode(stored)?),
            RecordKind::Supervision => FullRecord::Supervision(decode(stored)?),
            RecordKind::Audit => FullRecord::Audit(decode(stored)?),
            RecordKind::Training => FullRecord::Training(decode(stored)?),
            RecordKind::Objective => {
                return Err(AppError::internal(anyhow::anyhow!(
                    "an objective is not a CPD activity"
                )));
            }
        })
    }

    /// The names of the supervisors, signers and verifiers the records
    /// mention.
    async fn names_in(&self, planned: &[Planned]) -> AppResult<KnownNames> {
        let mut ids: HashSet<String> = HashSet::new();
        for p in planned {
            match &p.piece {
                Piece::Record(record) => match record.as_ref() {
                    FullRecord::Supervision(s) => {
                        ids.extend(s.data.supervisor_id.clone());
                        ids.extend(s.workflow.sign_off.signed_by.clone());
                        ids.extend(
                            s.workflow
                                .sign_off
                                .addenda
                                .iter()
                                .map(|a| a.author_id.clone()),
                        );
                    }
                    FullRecord::Training(t) => {
                        ids.extend(
                            t.workflow
                                .verification
                                .iter()
                                .map(|v| v.verified_by.clone()),
                        );
                    }
                    FullRecord::Reflection(_) | FullRecord::Audit(_) => {}
                },
                Piece::ActivityList | Piece::File(_) => {}
            }
        }
        let mut names = HashMap::new();
        for id in ids {
            if let Some(user) = self.store().user(&id).await? {
                names.insert(id, user.name);
            }
        }
        Ok(KnownNames(names))
    }
}

/// Typesets the profile and each record, and copies each attachment, into
/// the zip one at a time.
fn write_pieces(
    profile: &CpdProfile,
    planned: Vec<Planned>,
    names: &KnownNames,
    blobs: &BlobStore,
    out: &mut std::fs::File,
) -> anyhow::Result<Vec<ManifestRow>> {
    let count = profile.evidence.len();
    let person = &profile.person.name;
    let heading = format!(
        "CPD evidence of {person}, {} to {}",
        long_uk(profile.from),
        long_uk(profile.to)
    );
    let profile_bytes = profile_pdf(&ProfileDocument::new(profile))?;
    let items = planned.into_iter().map(|p| {
        let number = evidence_label(p.item.number, count);
        let footer = format!("{person}, CPD evidence {number}");
        let label = format!("Evidence {number}");
        let (kind, name, source) = match p.piece {
            Piece::ActivityList => {
                let doc = RecordDocument::activity_list(&label, &footer, profile);
                let bytes = record_pdf(&doc)?;
                (
                    "Activity list",
                    "List of CPD activities.pdf".to_owned(),
                    Source::Bytes(bytes),
                )
            }
            Piece::Record(record) => {
                let (kind, doc) = record_document(&label, &footer, *record, names);
                let bytes = record_pdf(&doc)?;
                (
                    kind,
                    format!("{kind} - {}.pdf", p.title),
                    Source::Bytes(bytes),
                )
            }
            Piece::File(file) => {
                let opened = blobs
                    .open(&file.sha256)?
                    .ok_or_else(|| anyhow::anyhow!("an attached file is missing from the store"))?;
                ("Attachment", file.file_name.clone(), Source::File(opened))
            }
        };
        Ok(BundleItem {
            number,
            title: p.title,
            date: p.date,
            kind: kind.to_owned(),
            name,
            source,
        })
    });
    write_bundle(&heading, profile_bytes, items, out)
}

fn record_document(
    label: &str,
    footer: &str,
    record: FullRecord,
    names: &KnownNames,
) -> (&'static str, RecordDocument) {
    match record {
        FullRecord::Reflection(r) => (
            "Reflective record",
            RecordDocument::reflection(label, footer, &r),
        ),
        FullRecord::Supervision(s) => (
            "Supervision record",
            RecordDocument::supervision(label, footer, &s, names),
        ),
        FullRecord::Audit(a) => (
            "Audit or QI report",
            RecordDocument::audit(label, footer, &a),
        ),
        FullRecord::Training(t) => (
            "Training record",
            RecordDocument::training(label, footer, &t, names),
        ),
    }
}
