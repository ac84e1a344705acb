//! Reading a competence export from the NHS Electronic Staff Record. Most
//! NHS employers hold statutory and mandatory training there, so people
//! should not have to type it in again. ESR publishes no export layout, so
//! which columns hold what, and which competence is which catalogue course,
//! come from `content/esr/mapping.toml`, not from code.
//!
//! Reading is all or nothing: every problem in the file is reported with
//! its line, and a file with any problem imports nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use time::{Date, Month};

use super::dates::parse_iso;
use super::error::FieldError;
use super::training::Course;
use super::user::EMAIL_MAX_CHARS;

/// How to read an export: `content/esr/mapping.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EsrMapping {
    pub columns: EsrColumns,
    /// ESR competence name to catalogue course key.
    pub competences: BTreeMap<String, String>,
    #[serde(default)]
    pub ignore: Ignored,
}

/// The header of each column the import reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EsrColumns {
    pub person: String,
    pub competence: String,
    pub achieved: String,
    pub expires: String,
}

/// Competences the export holds that are deliberately not imported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ignored {
    pub competences: Vec<String>,
}

/// One completion read from the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsrLine {
    /// The line of the file it is on (the header is line 1).
    pub line: u64,
    /// Lower case.
    pub email: String,
    pub course: String,
    pub achieved: Date,
    pub expires: Option<Date>,
}

/// What an export holds: its good lines and what is wrong with the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EsrFile {
    /// One per (person, course, date achieved), in file order.
    pub lines: Vec<EsrLine>,
    /// What is wrong with each bad line, in file order.
    pub problems: Vec<LineProblem>,
    /// Lines of ignored competences.
    pub ignored: usize,
    /// Lines repeating an earlier one.
    pub repeated: usize,
}

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub line: u64,
    pub message: String,
}

impl LineProblem {
    pub fn new(line: u64, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }

    pub fn into_field_error(self) -> FieldError {
        FieldError::new(line_field(self.line), self.message)
    }
}

/// The name of a line in errors: `line 12`.
pub fn line_field(line: u64) -> String {
    format!("line {line}")
}

/// Checks a loaded mapping against the catalogue.
pub fn check_mapping(mapping: &EsrMapping, catalogue: &[Course]) -> Result<(), String> {
    let c = &mapping.columns;
    let headers = [&c.person, &c.competence, &c.achieved, &c.expires];
    if headers.iter().any(|h| h.trim().is_empty()) {
        return Err("every column in [columns] needs a header name".to_owned());
    }
    let distinct: BTreeSet<String> = headers.iter().map(|h| folded(h)).collect();
    if distinct.len() != headers.len() {
        return Err("the columns in [columns] must have different headers".to_owned());
    }
    for (name, key) in &mapping.competences {
        if !catalogue.iter().any(|course| &course.key == key) {
            return Err(format!(
                "competence {name:?} maps to {key:?}, which is not a course in the training catalogue"
            ));
        }
        if mapping.ignore.competences.contains(name) {
            return Err(format!("competence {name:?} is both mapped and ignored"));
        }
    }
    Ok(())
}

/// Reads `bytes` (CSV, UTF-8, header row) as `mapping` says. `today` is
/// the UK date: nothing can have been achieved after it. A file that
/// cannot be read at all is an error on the field `file`; a bad line is a
/// problem in the result, so later checks can add theirs.
pub fn read(bytes: &[u8], mapping: &EsrMapping, today: Date) -> Result<EsrFile, Vec<FieldError>> {
    let text = utf8(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let columns = columns(&mut reader, &mapping.columns)?;
    let mut file = EsrFile::default();
    let mut seen = BTreeSet::new();
    for (index, record) in reader.records().enumerate() {
        let position = match &record {
            Ok(record) => record.position(),
            Err(err) => err.position(),
        };
        let line = position.map_or(index as u64 + 2, csv::Position::line);
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                file.problems
                    .push(LineProblem::new(line, csv_problem(&err)));
                continue;
            }
        };
        let cell = |i: usize| record.get(i).unwrap_or("").trim();
        let competence = cell(columns.competence);
        if mapping.ignore.competences.iter().any(|c| c == competence) {
            file.ignored += 1;
            continue;
        }
        match read_line(line, &columns, &cell, mapping, today) {
            Ok(read) => {
                if seen.insert((read.email.clone(), read.course.clone(), read.achieved)) {
                    file.lines.push(read);
                } else {
                    file.repeated += 1;
                }
            }
            Err(problems) => file
                .problems
                .extend(problems.into_iter().map(|p| LineProblem::new(line, p))),
        }
    }
    Ok(file)
}

/// Where each column the import reads is in the file.
struct Columns {
    person: usize,
    competence: usize,
    achieved: usize,
    expires: usize,
}

fn utf8(bytes: &[u8]) -> Result<&str, Vec<FieldError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|err| {
        let line = bytes[..err.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        vec![FieldError::new(
            "file",
            format!("line {line} is not UTF-8 text: save the export as \"CSV UTF-8\""),
        )]
    })?;
    if text.trim().is_empty() {
        return Err(vec![FieldError::new("file", "is empty")]);
    }
    Ok(text)
}

fn columns(
    reader: &mut csv::Reader<&[u8]>,
    wanted: &EsrColumns,
) -> Result<Columns, Vec<FieldError>> {
    let headers = reader
        .headers()
        .map_err(|err| vec![FieldError::new("file", csv_problem(&err))])?
        .clone();
    let find = |name: &str| headers.iter().position(|h| folded(h) == folded(name));
    let missing: Vec<String> = [
        &wanted.person,
        &wanted.competence,
        &wanted.achieved,
        &wanted.expires,
    ]
    .into_iter()
    .filter(|name| find(name).is_none())
    .map(|name| format!("{name:?}"))
    .collect();
    if !missing.is_empty() {
        return Err(vec![FieldError::new(
            "file",
            format!(
                "the header row has no column {} (the columns are set in content/esr/mapping.toml)",
                missing.join(", ")
            ),
        )]);
    }
    Ok(Columns {
        person: find(&wanted.person).unwrap_or_default(),
        competence: find(&wanted.competence).unwrap_or_default(),
        achieved: find(&wanted.achieved).unwrap_or_default(),
        expires: find(&wanted.expires).unwrap_or_default(),
    })
}

fn read_line<'a>(
    line: u64,
    columns: &Columns,
    cell: &impl Fn(usize) -> &'a str,
    mapping: &EsrMapping,
    today: Date,
) -> Result<EsrLine, Vec<String>> {
    let mut problems = Vec::new();
    let email = cell(columns.person).to_lowercase();
    if !looks_like_email(&email) {
        problems.push(format!(
            "{:?} is not an email address",
            shortened(cell(columns.person))
        ));
    }
    let competence = cell(columns.competence);
    let course = mapping.competences.get(competence).cloned();
    if course.is_none() {
        problems.push(format!(
            "competence {:?} is neither mapped to a course nor ignored in content/esr/mapping.toml",
            shortened(competence)
        ));
    }
    let achieved = match parse_esr_date(cell(columns.achieved)) {
        Some(day) if day > today => {
            problems.push("the date achieved is in the future".to_owned());
            None
        }
        Some(day) => Some(day),
        None => {
            problems.push(date_problem("date achieved", cell(columns.achieved)));
            None
        }
    };
    let expires = match cell(columns.expires) {
        "" => None,
        text => match parse_esr_date(text) {
            Some(day) if achieved.is_some_and(|a| day <= a) => {
                problems.push("the expiry date is not after the date achieved".to_owned());
                None
            }
            Some(day) => Some(day),
            None => {
                problems.push(date_problem("expiry date", text));
                None
            }
        },
    };
    match (course, achieved, problems.is_empty()) {
        (Some(course), Some(achieved), true) => Ok(EsrLine {
            line,
            email,
            course,
            achieved,
            expires,
        }),
        _ => Err(problems),
    }
}

fn date_problem(what: &str, text: &str) -> String {
    format!(
        "the {what} {:?} is not a date like 30-Nov-2028, 30/11/2028 or 2028-11-30",
        shortened(text)
    )
}

/// A date as ESR exports write it (`30-Nov-2028`), as UK spreadsheets do
/// (`30/11/2028`), or ISO (`2028-11-30`).
pub fn parse_esr_date(text: &str) -> Option<Date> {
    let text = text.trim();
    if let Some(date) = parse_iso(text) {
        return Some(date);
    }
    let parts: Vec<&str> = text.split(['-', '/']).collect();
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    let month = match month.parse::<u8>() {
        Ok(number) => Month::try_from(number).ok()?,
        Err(_) => month_by_name(month)?,
    };
    if year.len() != 4 {
        return None;
    }
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

fn month_by_name(name: &str) -> Option<Month> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let position = NAMES.iter().position(|n| name.eq_ignore_ascii_case(n))?;
    Month::try_from(u8::try_from(position + 1).ok()?).ok()
}

fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !text.chars().any(char::is_whitespace)
        && text.chars().count() <= EMAIL_MAX_CHARS
}

fn folded(header: &str) -> String {
    header.trim().to_lowercase()
}

/// At most 80 characters of a cell, for messages.
fn shortened(text: &str) -> String {
    text.chars().take(80).collect()
}

fn csv_problem(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} cells where the header row has {expected_len}"),
        _ => "cannot be read as CSV".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn mapping() -> EsrMapping {
        EsrMapping {
            columns: EsrColumns {
                person: "Email Address".to_owned(),
                competence: "Competency Name".to_owned(),
                achieved: "Date Last Awarded".to_owned(),
                expires: "Expiry Date".to_owned(),
            },
            competences: BTreeMap::from([(
                "NHS|CSTF|Fire Safety - 2 Years|".to_owned(),
                "fire-safety-l1".to_owned(),
            )]),
            ignore: Ignored {
                competences: vec!["NHS|MAND|Local Induction|".to_owned()],
            },
        }
    }

    const HEADER: &str =
        "Employee Number,Email Address,Competency Name,Date Last Awarded,Expiry Date\n";
    const TODAY: Date = date!(2026 - 11 - 27);

    fn read_text(text: &str) -> Result<EsrFile, Vec<FieldError>> {
        read(text.as_bytes(), &mapping(), TODAY)
    }

    fn problems(file: &EsrFile) -> Vec<(u64, &str)> {
        file.problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect()
    }

    fn fields(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect()
    }

    #[test]
    fn reads_mapped_lines_in_any_column_order_and_case() {
        let text = format!(
            "{HEADER}1,Sam@Example.NHS.uk,NHS|CSTF|Fire Safety - 2 Years|,30-Nov-2025,30-Nov-2027\n\
             2,jo@example.nhs.uk,NHS|MAND|Local Induction|,01/02/2024,\n"
        );
        let file = read_text(&text).unwrap();
        assert_eq!(
            file.lines,
            vec![EsrLine {
                line: 2,
                email: "sam@example.nhs.uk".to_owned(),
                course: "fire-safety-l1".to_owned(),
                achieved: date!(2025 - 11 - 30),
                expires: Some(date!(2027 - 11 - 30)),
            }]
        );
        assert_eq!((file.ignored, file.repeated), (1, 0));
    }

    #[test]
    fn a_byte_order_mark_and_a_repeated_line_are_harmless() {
        let text = format!(
            "\u{feff}{HEADER}1,sam@example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,2025-11-30,\n\
             1,sam@example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,30/11/2025,\n"
        );
        let file = read_text(&text).unwrap();
        assert_eq!(file.lines.len(), 1);
        assert_eq!(file.lines[0].expires, None);
        assert_eq!(file.repeated, 1);
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let text = format!(
            "{HEADER}1,=HYPERLINK(\"http://x\"),NHS|CSTF|Fire Safety - 2 Years|,30-Nov-2025,\n\
             2,jo@example.nhs.uk,NHS|CSTF|Juggling|,30-Nov-2025,\n\
             3,jo@example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,31-Feb-2025,\n\
             4,jo@example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,01-Dec-2026,\n\
             5,jo@example.nhs.uk,NHS|CSTF|Fire Safety - 2 Years|,01-Dec-2025,01-Dec-2025\n\
             6,jo@example.nhs.uk\n"
        );
        let file = read_text(&text).unwrap();
        assert_eq!(file.lines, Vec::new());
        assert_eq!(
            problems(&file),
            vec![
                (
                    2,
                    "\"=HYPERLINK(\\\"http://x\\\")\" is not an email address"
                ),
                (
                    3,
                    "competence \"NHS|CSTF|Juggling|\" is neither mapped to a course nor ignored in content/esr/mapping.toml"
                ),
                (
                    4,
                    "the date achieved \"31-Feb-2025\" is not a date like 30-Nov-2028, 30/11/2028 or 2028-11-30"
                ),
                (5, "the date achieved is in the future"),
                (6, "the expiry date is not after the date achieved"),
                (7, "has 2 cells where the header row has 5"),
            ]
        );
    }

    #[test]
    fn a_missing_column_names_itself() {
        let errors =
            read_text("Email Address,Competency Name\nsam@example.nhs.uk,x\n").unwrap_err();
        assert_eq!(
            fields(&errors),
            vec![(
                "file",
                "the header row has no column \"Date Last Awarded\", \"Expiry Date\" (the columns are set in content/esr/mapping.toml)"
            )]
        );
    }

    #[test]
    fn text_that_is_not_utf8_names_its_line() {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(b"1,j\xf6@example.nhs.uk,x,2025-01-01,\n");
        let errors = read(&bytes, &mapping(), TODAY).unwrap_err();
        assert_eq!(
            fields(&errors),
            vec![(
                "file",
                "line 2 is not UTF-8 text: save the export as \"CSV UTF-8\""
            )]
        );
        assert_eq!(
            fields(&read_text(" \n").unwrap_err()),
            vec![("file", "is empty")]
        );
    }

    #[test]
    fn dates_in_three_spellings() {
        for text in ["30-Nov-2028", "30-nov-2028", "30/11/2028", "2028-11-30"] {
            assert_eq!(parse_esr_date(text), Some(date!(2028 - 11 - 30)), "{text}");
        }
        for text in ["30-Nox-2028", "30/11/28", "29-Feb-2027", "", "2028/11"] {
            assert_eq!(parse_esr_date(text), None, "{text}");
        }
        assert_eq!(parse_esr_date("29-Feb-2028"), Some(date!(2028 - 02 - 29)));
    }

    #[test]
    fn a_mapping_must_name_catalogue_courses() {
        let course = |key: &str| Course {
            key: key.to_owned(),
            title: "Fire safety".to_owned(),
            framework: "CSTF".to_owned(),
            level: 1,
            refresher_months: 24,
            required_for: vec!["all".to_owned()],
            confidence: String::new(),
        };
        assert_eq!(
            check_mapping(&mapping(), &[course("fire-safety-l1")]),
            Ok(())
        );
        assert_eq!(
            check_mapping(&mapping(), &[course("other")]),
            Err("competence \"NHS|CSTF|Fire Safety - 2 Years|\" maps to \"fire-safety-l1\", which is not a course in the training catalogue".to_owned())
        );
        let mut clash = mapping();
        clash.columns.expires = "email address".to_owned();
        assert_eq!(
            check_mapping(&clash, &[course("fire-safety-l1")]),
            Err("the columns in [columns] must have different headers".to_owned())
        );
    }
}
