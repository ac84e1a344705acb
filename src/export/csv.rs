//! A team's compliance as CSV that opens cleanly in Excel: UTF-8 with a
//! byte-order mark (or Excel reads it as the local code page), a header
//! row, ISO dates, one row per person × requirement, CRLF line ends
//! (RFC 4180). A cell that a spreadsheet would run as a formula (starting
//! with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading
//! apostrophe, so a name like `=HYPERLINK(…)` stays text.

use crate::domain::compliance::TeamCompliance;
use crate::domain::dates::iso;

pub(crate) const BOM: &str = "\u{feff}";

pub const HEADER: [&str; 9] = [
    "user_id",
    "name",
    "staff_groups",
    "requirement",
    "title",
    "kind",
    "status",
    "due_on",
    "overall",
];

/// One cell: defused, then quoted if it holds a separator, quote or line
/// break.
pub fn cell(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

pub(crate) fn row(cells: &[&str]) -> String {
    let mut line = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// The matrix as shown (filters applied), one row per person × requirement.
pub fn team_csv(team: &TeamCompliance) -> String {
    let mut out = String::from(BOM);
    out.push_str(&row(&HEADER));
    for m in &team.members {
        let groups = m.staff_groups.join(" ");
        for i in &m.items {
            let due = i.due_on.map(iso).unwrap_or_default();
            out.push_str(&row(&[
                m.user_id.as_str(),
                m.name.as_str(),
                groups.as_str(),
                i.key.as_str(),
                i.title.as_str(),
                i.kind.as_str(),
                i.status.as_str(),
                due.as_str(),
                m.rag.as_str(),
            ]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_separators_quoted() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+44 20"), "'+44 20");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(cell("Fire safety"), "Fire safety");
        assert_eq!(cell("Health, safety"), "\"Health, safety\"");
        assert_eq!(cell("2026-03-31"), "2026-03-31");
        assert_eq!(cell("O'Neill"), "O'Neill");
    }

    #[test]
    fn the_file_starts_with_a_bom_and_the_header() {
        let team = TeamCompliance {
            today: time::macros::date!(2026 - 03 - 01),
            target_percent: 90,
            members: vec![],
            requirements: vec![],
            overall: crate::domain::compliance::Share {
                required: 0,
                in_date: 0,
                percent: None,
                meets_target: true,
            },
            lapsing_30: 0,
            lapsing_60: 0,
            lapsing_90: 0,
            lapsing: vec![],
        };
        let csv = team_csv(&team);
        assert!(csv.starts_with("\u{feff}user_id,name,staff_groups,requirement,"));
        assert!(csv.ends_with("due_on,overall\r\n"));
    }
}
