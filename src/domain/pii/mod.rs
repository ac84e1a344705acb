//! The patient-identifier guard. A portfolio is about the practitioner's
//! learning; HCPC confidentiality standards and the Caldicott principles
//! say a reflection must not identify a service user. An NHS number that
//! passes its check digit is unambiguous, so a record containing one is
//! refused. Postcodes, dates of birth, hospital numbers and titled names
//! have innocent uses, so they are flagged: the record is kept, the author
//! is told where, and exports wait until each flag is resolved by an edit
//! or dismissed as a false positive.

pub mod nhs_number;
mod quasi;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::FieldError;

/// What a flag suspects the text to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Postcode,
    DateOfBirth,
    HospitalNumber,
    TitledName,
}

impl PiiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postcode => "postcode",
            Self::DateOfBirth => "date_of_birth",
            Self::HospitalNumber => "hospital_number",
            Self::TitledName => "titled_name",
        }
    }

    /// What the author is told the text looks like.
    pub fn label(self) -> &'static str {
        match self {
            Self::Postcode => "a full postcode",
            Self::DateOfBirth => "a date of birth",
            Self::HospitalNumber => "a hospital or record number",
            Self::TitledName => "a person's title and surname",
        }
    }
}

/// One piece of a record's free text, named as the client names the field
/// (`body`, `actions[2].text`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextField<'a> {
    pub name: String,
    pub text: &'a str,
}

impl<'a> TextField<'a> {
    pub fn new(name: impl Into<String>, text: &'a str) -> Self {
        Self {
            name: name.into(),
            text,
        }
    }
}

/// Each item of a list field as its own piece (`tags[0]`, `tags[1]`).
pub fn named_items<'a>(name: &str, items: &'a [String]) -> impl Iterator<Item = TextField<'a>> {
    items
        .iter()
        .enumerate()
        .map(move |(i, text)| TextField::new(format!("{name}[{i}]"), text))
}

/// Text that may identify a service user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiiFlag {
    /// Stable while the field holds the same suspicious text, so a
    /// dismissal outlives edits elsewhere in the record.
    pub id: String,
    pub field: String,
    pub kind: PiiKind,
    pub text: String,
    /// Where the text starts in the field, counted in characters from 1.
    pub position: usize,
}

impl PiiFlag {
    /// The warning as a person reads it.
    pub fn message(&self) -> String {
        format!(
            "`{}` may contain {} at character {}: \"{}\"",
            self.field,
            self.kind.label(),
            self.position,
            self.text
        )
    }
}

/// Character position (from 1) of a byte offset.
fn position(text: &str, byte: usize) -> usize {
    text[..byte].chars().count() + 1
}

fn flag_id(field: &str, kind: PiiKind, text: &str) -> String {
    let digest = Sha256::new()
        .chain_update(field)
        .chain_update([0])
        .chain_update(kind.as_str())
        .chain_update([0])
        .chain_update(text)
        .finalize();
    hex::encode(&digest[..8])
}

/// One error per NHS number found, naming the field and the position but
/// not repeating the number.
pub fn nhs_number_errors(fields: &[TextField<'_>]) -> Vec<FieldError> {
    fields
        .iter()
        .flat_map(|f| {
            nhs_number::find(f.text).into_iter().map(|at| {
                FieldError::new(
                    &f.name,
                    format!(
                        "contains what looks like an NHS number at character {}; remove it: \
                         a portfolio must not identify service users",
                        position(f.text, at)
                    ),
                )
            })
        })
        .collect()
}

/// Every quasi-identifier in the fields, in field order then position.
pub fn flags(fields: &[TextField<'_>]) -> Vec<PiiFlag> {
    fields
        .iter()
        .flat_map(|f| {
            quasi::find(f.text)
                .into_iter()
                .map(|(kind, at, text)| PiiFlag {
                    id: flag_id(&f.name, kind, text),
                    field: f.name.clone(),
                    kind,
                    text: text.to_owned(),
                    position: position(f.text, at),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests;
