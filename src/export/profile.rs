//! The CPD profile as documents: Markdown in the HCPC's layout, and an
//! HTML page that is that Markdown rendered and sanitised. PDF and DOCX
//! will sit beside these; the rules that build the profile stay in
//! `domain::profile`.

use std::fmt::Write;

use super::html::to_safe_html;
use crate::domain::dates::long_uk;
use crate::domain::profile::CpdProfile;

/// A standalone HTML page of the profile.
pub fn html_page(profile: &CpdProfile) -> String {
    let body = to_safe_html(&render_markdown(profile));
    format!(
        "<!doctype html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>CPD profile</title>\
         <style>body{{font-family:sans-serif;max-width:50rem;margin:2rem auto;line-height:1.5}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:.25rem .5rem}}</style>\
         </head><body>\n{body}</body></html>\n"
    )
}

/// Renders the whole profile, including the checks an assessor would make.
pub fn render_markdown(p: &CpdProfile) -> String {
    let mut out = String::new();
    header(&mut out, p);
    checks(&mut out, p);
    summary(&mut out, p);
    activities(&mut out, p);
    statement(&mut out, p);
    evidence(&mut out, p);
    out
}

fn header(out: &mut String, p: &CpdProfile) {
    let _ = writeln!(out, "# CPD profile: {}\n", escape(&p.person.name));
    let number = p.person.hcpc_number.as_deref().unwrap_or("not recorded");
    let _ = writeln!(out, "- **HCPC registration number:** {}", escape(number));
    let _ = writeln!(out, "- **Profession:** Occupational therapist");
    let _ = writeln!(
        out,
        "- **Period:** {} to {}\n",
        long_uk(p.from),
        long_uk(p.to)
    );
}

fn checks(out: &mut String, p: &CpdProfile) {
    let _ = writeln!(out, "## Checks before you submit\n");
    let m = &p.checks.mixture;
    let mixture = if m.is_mixture {
        format!("yes: {} activity types", m.types.len())
    } else {
        format!(
            "**no**: {} activity type(s); standard 2 asks for at least two",
            m.types.len()
        )
    };
    let _ = writeln!(out, "- **Mixture of activities (standard 2):** {mixture}");
    if p.checks.gaps.is_empty() {
        let _ = writeln!(out, "- **Gaps of three months or more (standard 1):** none");
    } else {
        let _ = writeln!(
            out,
            "- **Gaps of three months or more (standard 1):** {}",
            p.checks.gaps.len()
        );
        for g in &p.checks.gaps {
            let end = if g.open { " (still open)" } else { "" };
            let _ = writeln!(
                out,
                "  - {} to {}: {} days{end}",
                long_uk(g.from),
                long_uk(g.to),
                g.days
            );
        }
    }
    let _ = writeln!(
        out,
        "- **Summary of practice:** {} of {} words{}",
        p.practice_summary.words,
        p.practice_summary.word_limit,
        over(p.practice_summary.within_limit)
    );
    let _ = writeln!(
        out,
        "- **Statement:** {} of {} words{}\n",
        p.statement.words,
        p.statement.word_limit,
        over(p.statement.within_limit)
    );
}

fn over(within: bool) -> &'static str {
    if within { "" } else { " (**over the limit**)" }
}

fn summary(out: &mut String, p: &CpdProfile) {
    let _ = writeln!(out, "## 1. Summary of practice history\n");
    if p.practice_summary.text.is_empty() {
        let _ = writeln!(out, "_No summary of practice recorded yet._\n");
    } else {
        let _ = writeln!(out, "{}\n", escape(&p.practice_summary.text));
    }
}

fn activities(out: &mut String, p: &CpdProfile) {
    let _ = writeln!(out, "## 2. List of CPD activities\n");
    if p.activities.is_empty() {
        let _ = writeln!(out, "_No activities recorded in this period._\n");
        return;
    }
    let _ = writeln!(out, "| No. | Date | Activity | Type | Hours | Evidence |");
    let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- |");
    for a in &p.activities {
        let hours = a.hours.map(|h| format!("{h}")).unwrap_or_default();
        let evidence: Vec<String> = a.evidence.iter().map(usize::to_string).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {hours} | {} |",
            a.number,
            long_uk(a.date),
            escape(&a.title),
            a.activity_type.label(),
            evidence.join(", ")
        );
    }
    out.push('\n');
}

fn statement(out: &mut String, p: &CpdProfile) {
    let _ = writeln!(out, "## 3. Personal statement\n");
    for s in &p.statement.sections {
        let _ = writeln!(out, "### {}\n", s.heading);
        for paragraph in &s.paragraphs {
            let _ = writeln!(out, "{}\n", escape(paragraph));
        }
    }
}

fn evidence(out: &mut String, p: &CpdProfile) {
    let _ = writeln!(out, "## 4. Supporting evidence\n");
    for e in &p.evidence {
        let _ = writeln!(out, "{}. {}", e.number, escape(&e.description));
    }
}

/// Stops user text from being read as Markdown structure or raw HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::domain::profile::build;
    use crate::domain::profile::tests::{activity, person};
    use crate::domain::reflection::ActivityType;

    #[test]
    fn the_checks_say_when_there_is_no_mixture_or_too_many_words() {
        let acts = [
            activity(
                "a",
                date!(2025 - 02 - 01),
                ActivityType::SelfDirectedLearning,
            ),
            activity(
                "b",
                date!(2025 - 03 - 01),
                ActivityType::SelfDirectedLearning,
            ),
        ];
        let p = build(
            person(""),
            date!(2025 - 01 - 15),
            date!(2025 - 04 - 01),
            &acts,
        );
        let md = render_markdown(&p);
        assert!(
            md.contains("**Mixture of activities (standard 2):** **no**"),
            "{md}"
        );
        let mut verbose = activity("a", date!(2025 - 01 - 10), ActivityType::Other);
        verbose.learning = "insight ".repeat(1600);
        let p = build(
            person(""),
            date!(2025 - 01 - 01),
            date!(2025 - 02 - 01),
            &[verbose],
        );
        assert!(render_markdown(&p).contains("(**over the limit**)"));
    }

    #[test]
    fn markdown_escapes_user_text() {
        let mut a = activity("a", date!(2025 - 01 - 10), ActivityType::Other);
        a.title = "<script>alert(1)</script> [x](javascript:y)".into();
        let p = build(
            person(""),
            date!(2025 - 01 - 01),
            date!(2025 - 02 - 01),
            &[a],
        );
        let md = render_markdown(&p);
        assert!(md.contains("\\<script\\>"), "{md}");
        assert!(!md.contains("[x](javascript"), "{md}");
        let page = html_page(&p);
        assert!(page.starts_with("<!doctype html>"));
        assert!(!page.contains("<script>"), "{page}");
    }
}
