//! Who may see and do what with a record. Pure rules, used for single-record
//! reads and writes; lists and search express the same rules as conditions
//! inside their queries (see `storage::evidence` and `search`).
//!
//! - The owner may do everything their record allows.
//! - A lead of a team the owner belongs to reads supervision, audit and
//!   training records (and may verify training), never reflections unless
//!   shared with them.
//! - The supervisor named on a supervision record reads it and signs it off.
//! - A user a reflection is shared with reads it.
//! - Earlier versions are the owner's, and a signed record's supervisor's:
//!   everyone else reads the current version only.
//! - Nobody else sees the record exists: callers turn `None` into 404.
//! - Admins manage accounts; they get no access to portfolio content.

use std::collections::HashSet;

use super::record::RecordKind;

/// The caller, with what their relationships let them see.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    pub id: String,
    pub is_admin: bool,
    /// Members of every team the caller leads.
    pub led_members: HashSet<String>,
    /// The teams the caller leads.
    pub led_teams: Vec<String>,
}

/// What decides access to one record.
#[derive(Debug, Clone, Copy)]
pub struct RecordAccess<'a> {
    pub kind: RecordKind,
    pub owner_id: &'a str,
    pub supervisor_id: Option<&'a str>,
    pub shared_with: &'a [String],
}

/// The caller's relationship to a record, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Owner,
    Supervisor,
    Lead,
    SharedWith,
}

impl Access {
    /// Whether this relationship reads the record's earlier versions. They
    /// hold what the owner changed or removed before anyone else could
    /// read the record (a service user's name, a first draft), so they are
    /// the owner's; the supervisor of a signed record reads how it came to
    /// be signed. Leads and readers of a shared entry see the current
    /// version only.
    pub fn reads_history(self, signed: bool) -> bool {
        match self {
            Self::Owner => true,
            Self::Supervisor => signed,
            Self::Lead | Self::SharedWith => false,
        }
    }
}

impl Viewer {
    /// `None` when the caller may not know the record exists.
    pub fn access(&self, record: &RecordAccess<'_>) -> Option<Access> {
        if self.is_admin {
            return None;
        }
        if record.owner_id == self.id {
            return Some(Access::Owner);
        }
        if record.kind == RecordKind::Supervision && record.supervisor_id == Some(self.id.as_str())
        {
            return Some(Access::Supervisor);
        }
        if record.kind.visible_to_team_leads() && self.led_members.contains(record.owner_id) {
            return Some(Access::Lead);
        }
        if record.kind == RecordKind::Reflection && record.shared_with.contains(&self.id) {
            return Some(Access::SharedWith);
        }
        None
    }

    /// The ids of owners whose team records the caller reads as a lead.
    pub fn team_owner_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.led_members.iter().cloned().collect();
        ids.sort();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(id: &str, led: &[&str]) -> Viewer {
        Viewer {
            id: id.to_owned(),
            is_admin: false,
            led_members: led.iter().map(|s| (*s).to_owned()).collect(),
            led_teams: Vec::new(),
        }
    }

    fn record<'a>(kind: RecordKind, shared: &'a [String]) -> RecordAccess<'a> {
        RecordAccess {
            kind,
            owner_id: "author",
            supervisor_id: Some("sup"),
            shared_with: shared,
        }
    }

    #[test]
    fn the_owner_has_every_kind() {
        for kind in RecordKind::ALL {
            assert_eq!(
                viewer("author", &[]).access(&record(kind, &[])),
                Some(Access::Owner)
            );
        }
    }

    #[test]
    fn a_lead_reads_team_records_but_not_private_reflections() {
        let lead = viewer("lead", &["author"]);
        assert_eq!(
            lead.access(&record(RecordKind::Training, &[])),
            Some(Access::Lead)
        );
        assert_eq!(
            lead.access(&record(RecordKind::Audit, &[])),
            Some(Access::Lead)
        );
        assert_eq!(
            lead.access(&record(RecordKind::Supervision, &[])),
            Some(Access::Lead)
        );
        assert_eq!(lead.access(&record(RecordKind::Reflection, &[])), None);
        let shared = ["lead".to_owned()];
        assert_eq!(
            lead.access(&record(RecordKind::Reflection, &shared)),
            Some(Access::SharedWith)
        );
        assert_eq!(
            viewer("lead", &["someone"]).access(&record(RecordKind::Training, &[])),
            None
        );
    }

    #[test]
    fn a_supervisor_reads_only_supervision_they_give() {
        let sup = viewer("sup", &[]);
        assert_eq!(
            sup.access(&record(RecordKind::Supervision, &[])),
            Some(Access::Supervisor)
        );
        assert_eq!(sup.access(&record(RecordKind::Audit, &[])), None);
        assert_eq!(sup.access(&record(RecordKind::Reflection, &[])), None);
    }

    #[test]
    fn history_is_the_owners_and_a_signed_records_supervisors() {
        for signed in [false, true] {
            assert!(Access::Owner.reads_history(signed));
            assert!(!Access::Lead.reads_history(signed));
            assert!(!Access::SharedWith.reads_history(signed));
        }
        assert!(!Access::Supervisor.reads_history(false));
        assert!(Access::Supervisor.reads_history(true));
    }

    #[test]
    fn an_admin_and_a_stranger_see_nothing() {
        let mut admin = viewer("admin", &["author"]);
        admin.is_admin = true;
        let everyone = ["admin".to_owned(), "stranger".to_owned()];
        for kind in RecordKind::ALL {
            assert_eq!(admin.access(&record(kind, &everyone)), None);
            assert_eq!(viewer("stranger", &[]).access(&record(kind, &[])), None);
        }
    }
}
