//! The audit-readiness verdict as the API's JSON shows it.

use poem_openapi::{Enum, Object};
use time::Date;

use crate::domain::profile::readiness::{Readiness, StandardVerdict};

/// Whether the record would meet every standard today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "ReadinessVerdict", rename_all = "snake_case")]
pub enum VerdictView {
    Ready,
    NotYet,
}

/// One HCPC CPD standard, judged today.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "StandardVerdict")]
pub struct StandardVerdictView {
    /// The HCPC CPD standard, 1 to 5.
    pub standard: u8,
    pub title: String,
    pub met: bool,
    /// Why, naming dates and counts.
    pub reason: String,
    /// The concrete next step; absent when the standard is met.
    pub next_step: Option<String>,
}

/// Would the record pass an HCPC CPD audit today?
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "AuditReadiness")]
pub struct ReadinessView {
    /// First day of the registration period judged (the day after the
    /// last renewal when the registration end and profession are known,
    /// else two years ago).
    pub from: Date,
    /// Today.
    pub to: Date,
    pub verdict: VerdictView,
    pub standards: Vec<StandardVerdictView>,
}

impl From<StandardVerdict> for StandardVerdictView {
    fn from(s: StandardVerdict) -> Self {
        Self {
            standard: s.standard,
            title: s.title.to_owned(),
            met: s.met,
            reason: s.reason,
            next_step: s.next_step,
        }
    }
}

impl From<Readiness> for ReadinessView {
    fn from(r: Readiness) -> Self {
        Self {
            from: r.from,
            to: r.to,
            verdict: if r.ready {
                VerdictView::Ready
            } else {
                VerdictView::NotYet
            },
            standards: r.standards.into_iter().map(Into::into).collect(),
        }
    }
}
