//! Quasi-identifiers: text that may identify a service user in context
//! but has innocent uses too, so it is flagged for the author to check
//! rather than refused. Each pattern is narrow on purpose (a date must
//! follow "born", a number must follow "MRN", a title must precede a
//! capitalised name): a warning that fires on ordinary clinical writing
//! stops being read.

use std::sync::LazyLock;

use regex::Regex;

use super::PiiKind;

/// A full UK postcode (outward and inward code, BS 7666 letter rules),
/// any case, the space optional.
static POSTCODE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(
        r"(?i)\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d[\dA-HJKSTUW]?|[A-HK-Y]\d[\dABEHMNPRV-Y]?) ?\d[ABD-HJLNP-UW-Z]{2})\b",
    )
});

const MONTH: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

/// "DOB", "date of birth" or "born (on|in)" followed by a date or a year.
static DATE_OF_BIRTH: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let date = format!(
        r"(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-]\d{{2,4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH}\.?,?\s+\d{{4}}|{MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|{MONTH}\.?\s+\d{{4}}|(?:19|20)\d{{2}})"
    );
    compile(&format!(
        r"(?i)\b(?:d\.?o\.?b\.?|date\s+of\s+birth|born(?:\s+on|\s+in)?)\s*[:\-]?\s*{date}\b"
    ))
});

/// A hospital, unit or medical record number introduced as one.
static HOSPITAL_NUMBER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(
        r"(?i)\b(?:MRN|medical\s+record\s+(?:no|number)|hospital\s+(?:no|number|num)|hosp\.?\s+no|unit\s+(?:no|number)|patient\s+(?:id|no|number)|case\s+(?:no|number)|RiO\s+(?:id|no|number)|SystmOne\s+(?:id|no|number)|EMIS\s+(?:id|no|number))\.?\s*[:#]?\s*[A-Z]{0,4}\d[A-Z\d\-/]{3,}",
    )
});

/// A courtesy title before a capitalised name: "Mrs Patel", "Mr. O'Neill".
/// Clinicians' titles (Dr, Prof) are left alone: colleagues are named so.
static TITLED_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(
        r"\b(?:Mr|Mrs|Ms|Miss|Mx|Master)\.?\s+[A-Z](?:[a-z]+(?:[A-Z][a-z]+)?|['’][A-Z][a-z]+)(?:-[A-Z][a-z]+)*\b",
    )
});

/// A built-in pattern; `None` only if one were mistyped, which the test
/// `every_pattern_compiles` rules out.
fn compile(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

fn detectors() -> [(PiiKind, Option<&'static Regex>); 4] {
    [
        (PiiKind::Postcode, POSTCODE.as_ref()),
        (PiiKind::DateOfBirth, DATE_OF_BIRTH.as_ref()),
        (PiiKind::HospitalNumber, HOSPITAL_NUMBER.as_ref()),
        (PiiKind::TitledName, TITLED_NAME.as_ref()),
    ]
}

/// Every quasi-identifier in `text`: its kind, byte offset and the text.
pub fn find(text: &str) -> Vec<(PiiKind, usize, &str)> {
    let mut found: Vec<(PiiKind, usize, &str)> = detectors()
        .into_iter()
        .filter_map(|(kind, re)| Some((kind, re?)))
        .flat_map(|(kind, re)| {
            re.find_iter(text)
                .map(move |m| (kind, m.start(), m.as_str()))
        })
        .collect();
    found.sort_by_key(|(_, at, _)| *at);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for (kind, re) in detectors() {
            assert!(re.is_some(), "{kind:?}");
        }
    }

    fn kinds(text: &str) -> Vec<(PiiKind, &str)> {
        find(text).into_iter().map(|(k, _, t)| (k, t)).collect()
    }

    #[test]
    fn finds_full_postcodes_of_every_shape_in_any_case() {
        for code in [
            "M1 1AA", "M60 1NW", "CR2 6XH", "DN55 1PT", "W1A 1HQ", "EC1A 1BB", "ec1a1bb", "GIR 0AA",
        ] {
            let text = format!("lives near {code}, alone");
            assert_eq!(kinds(&text), vec![(PiiKind::Postcode, code)], "{code}");
        }
    }

    #[test]
    fn leaves_outward_codes_and_look_alikes_alone() {
        for text in [
            "the M1 corridor",
            "band 6 OT, 2nd year",
            "QA1 1AA",
            "score of 12 on the PHQ-9",
            "COPM 4.2 to 7.1",
            "EC1A 1CB",
        ] {
            assert_eq!(kinds(text), vec![], "{text}");
        }
    }

    #[test]
    fn finds_dates_of_birth_only_in_context() {
        assert_eq!(
            kinds("DOB 03/04/1941; born in 1950; born on 3rd March 1941; d.o.b.: March 1941"),
            vec![
                (PiiKind::DateOfBirth, "DOB 03/04/1941"),
                (PiiKind::DateOfBirth, "born in 1950"),
                (PiiKind::DateOfBirth, "born on 3rd March 1941"),
                (PiiKind::DateOfBirth, "d.o.b.: March 1941"),
            ]
        );
        assert_eq!(kinds("born in Leeds; session on 03/04/2026"), vec![]);
    }

    #[test]
    fn finds_hospital_numbers_only_when_introduced() {
        assert_eq!(
            kinds("MRN: RX12345 and hospital no. 0012345, unit number K123456"),
            vec![
                (PiiKind::HospitalNumber, "MRN: RX12345"),
                (PiiKind::HospitalNumber, "hospital no. 0012345"),
                (PiiKind::HospitalNumber, "unit number K123456"),
            ]
        );
        assert_eq!(kinds("hospital discharge at 10:30, room 12345"), vec![]);
    }

    #[test]
    fn finds_courtesy_titles_before_names_but_not_clinicians() {
        assert_eq!(
            kinds(
                "Mrs Patel and Mr. O'Neill-Smith met Dr Jones with Ms McDonald; MS Society; I miss Tuesdays; a Master's"
            ),
            vec![
                (PiiKind::TitledName, "Mrs Patel"),
                (PiiKind::TitledName, "Mr. O'Neill-Smith"),
                (PiiKind::TitledName, "Ms McDonald"),
            ]
        );
    }
}
