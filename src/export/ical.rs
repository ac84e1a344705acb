//! iCalendar (RFC 5545) for a person's due dates, so Outlook or Google
//! Calendar can subscribe to them. Every event is a whole day (the UK date
//! something lapses or opens) with a stable `UID`, so a calendar that
//! refreshes the feed moves an event when its date changes instead of
//! adding another. Text is escaped and long lines folded as the RFC says.

use time::{Date, OffsetDateTime};

use crate::domain::compliance::PersonCompliance;
use crate::domain::dates::long_uk;

/// One all-day event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Unique within the feed and the same on every refresh.
    pub uid: String,
    pub date: Date,
    pub summary: String,
    pub description: String,
    /// Days before `date` at which the calendar reminds, if any.
    pub remind_days_before: Option<u32>,
}

/// Days before a due date at which the calendar reminds.
pub const REMIND_DAYS_BEFORE: u32 = 14;

/// One event per dated item of `compliance` (its last day in date) and
/// one for the day an HCPC renewal window opens. Titles and dates only:
/// nothing of the records behind them.
pub fn due_date_events(compliance: &PersonCompliance) -> Vec<CalendarEvent> {
    let mut events = Vec::new();
    for item in &compliance.items {
        if let Some(due) = item.due_on {
            events.push(CalendarEvent {
                uid: format!("{}.due.{}@cpdfolio", item.key, compliance.user_id),
                date: due,
                summary: format!("{}: last day in date", item.title),
                description: format!(
                    "{} is in date until {}: renew it before then.",
                    item.title,
                    long_uk(due)
                ),
                remind_days_before: Some(REMIND_DAYS_BEFORE),
            });
        }
        if let Some(opens) = item.window_opens_on {
            events.push(CalendarEvent {
                uid: format!("{}.window.{}@cpdfolio", item.key, compliance.user_id),
                date: opens,
                summary: format!("{}: renewal window opens", item.title),
                description: format!(
                    "You can renew from {}; renew before {}.",
                    long_uk(opens),
                    item.due_on.map_or_else(|| "it lapses".to_owned(), long_uk)
                ),
                remind_days_before: None,
            });
        }
    }
    events.sort_by(|a, b| (a.date, &a.uid).cmp(&(b.date, &b.uid)));
    events
}

/// The feed: a calendar named `name`, stamped `now` (UTC).
pub fn calendar(name: &str, events: &[CalendarEvent], now: OffsetDateTime) -> String {
    let stamp = utc_stamp(now);
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//cpdfolio//due dates//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        push_line(&mut out, line);
    }
    push_line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    for event in events {
        push_event(&mut out, event, &stamp);
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

fn push_event(out: &mut String, event: &CalendarEvent, stamp: &str) {
    let next_day = event.date.next_day().unwrap_or(event.date);
    push_line(out, "BEGIN:VEVENT");
    push_line(out, &format!("UID:{}", escape(&event.uid)));
    push_line(out, &format!("DTSTAMP:{stamp}"));
    push_line(
        out,
        &format!("DTSTART;VALUE=DATE:{}", basic_date(event.date)),
    );
    push_line(out, &format!("DTEND;VALUE=DATE:{}", basic_date(next_day)));
    push_line(out, &format!("SUMMARY:{}", escape(&event.summary)));
    push_line(out, &format!("DESCRIPTION:{}", escape(&event.description)));
    push_line(out, "TRANSP:TRANSPARENT");
    if let Some(days) = event.remind_days_before {
        push_line(out, "BEGIN:VALARM");
        push_line(out, "ACTION:DISPLAY");
        push_line(out, &format!("TRIGGER:-P{days}D"));
        push_line(out, &format!("DESCRIPTION:{}", escape(&event.summary)));
        push_line(out, "END:VALARM");
    }
    push_line(out, "END:VEVENT");
}

/// `20271130`.
fn basic_date(date: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `20261127T063000Z`.
fn utc_stamp(now: OffsetDateTime) -> String {
    let utc = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{}T{:02}{:02}{:02}Z",
        basic_date(utc.date()),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

/// TEXT values: backslash, semicolon and comma escaped, line breaks as
/// `\n` (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded at 75 octets (continuation lines start with a
/// space), never inside a UTF-8 character, each ended by CRLF.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn event() -> CalendarEvent {
        CalendarEvent {
            uid: "fire-safety-l1.u1@cpdfolio".to_owned(),
            date: date!(2027 - 11 - 30),
            summary: "Fire safety due".to_owned(),
            description: "Renew before it lapses; status today: compliant".to_owned(),
            remind_days_before: Some(14),
        }
    }

    #[test]
    fn an_all_day_event_with_a_reminder() {
        let text = calendar("Due dates", &[event()], datetime!(2026-11-27 06:30:05 UTC));
        assert_eq!(
            text,
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cpdfolio//due dates//EN\r\n\
             CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nX-WR-CALNAME:Due dates\r\n\
             BEGIN:VEVENT\r\nUID:fire-safety-l1.u1@cpdfolio\r\nDTSTAMP:20261127T063005Z\r\n\
             DTSTART;VALUE=DATE:20271130\r\nDTEND;VALUE=DATE:20271201\r\n\
             SUMMARY:Fire safety due\r\n\
             DESCRIPTION:Renew before it lapses\\; status today: compliant\r\n\
             TRANSP:TRANSPARENT\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-P14D\r\n\
             DESCRIPTION:Fire safety due\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        );
    }

    #[test]
    fn the_last_day_of_a_year_ends_on_the_first_of_the_next() {
        let mut e = event();
        e.date = date!(2027 - 12 - 31);
        e.remind_days_before = None;
        let text = calendar("x", &[e], datetime!(2026-11-27 00:00 UTC));
        assert!(text.contains("DTSTART;VALUE=DATE:20271231\r\nDTEND;VALUE=DATE:20280101\r\n"));
        assert!(!text.contains("VALARM"));
    }

    #[test]
    fn registration_brings_its_renewal_window_and_undated_items_bring_nothing() {
        use crate::domain::compliance::{Counts, Item, Rag, RequirementKind, Status};
        let item = |key: &str, due_on, window_opens_on| Item {
            key: key.to_owned(),
            title: format!("{key} title"),
            kind: RequirementKind::Registration,
            status: Status::Compliant,
            due_on,
            evidence_id: None,
            verified: false,
            window_opens_on,
        };
        let compliance = PersonCompliance {
            user_id: "u1".to_owned(),
            name: "Sam".to_owned(),
            staff_groups: Vec::new(),
            today: date!(2027 - 01 - 01),
            items: vec![
                item(
                    "hcpc-registration",
                    Some(date!(2027 - 10 - 31)),
                    Some(date!(2027 - 08 - 01)),
                ),
                item("supervision", None, None),
            ],
            rag: Rag::Green,
            counts: Counts::default(),
        };
        let events = due_date_events(&compliance);
        let summary: Vec<(&str, Date, &str, Option<u32>)> = events
            .iter()
            .map(|e| {
                (
                    e.uid.as_str(),
                    e.date,
                    e.summary.as_str(),
                    e.remind_days_before,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "hcpc-registration.window.u1@cpdfolio",
                    date!(2027 - 08 - 01),
                    "hcpc-registration title: renewal window opens",
                    None
                ),
                (
                    "hcpc-registration.due.u1@cpdfolio",
                    date!(2027 - 10 - 31),
                    "hcpc-registration title: last day in date",
                    Some(14)
                ),
            ]
        );
        assert_eq!(
            events[0].description,
            "You can renew from 1 August 2027; renew before 31 October 2027."
        );
    }

    #[test]
    fn text_is_escaped_and_long_lines_fold_between_characters() {
        assert_eq!(escape("a,b;c\\d\r\ne\u{7}"), "a\\,b\\;c\\\\d\\ne");
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(40));
        push_line(&mut out, &long);
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert!(lines[1].starts_with(' '));
        assert_eq!(format!("{}{}", lines[0], &lines[1][1..]), long);
    }
}
