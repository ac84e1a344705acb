//! The CPD picture on the home page: hours by month, stacked by HCPC
//! activity type, as inline SVG (no script, no image request) with a title
//! and description for assistive technology and the same figures as a
//! table. Colour is never the only cue: the legend and table name types.

use maud::{Markup, html};

use crate::domain::profile::monthly::MonthTotals;
use crate::domain::reflection::ActivityType;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 40.0;
const BOTTOM: f64 = 30.0;
const TOP: f64 = 10.0;
/// Fills with at least 3:1 contrast against white, one per activity type.
const COLOURS: [&str; 5] = ["#005eb8", "#007f3b", "#7c2855", "#ae2573", "#425563"];

fn short_month(m: &MonthTotals) -> String {
    let name = format!("{}", m.month);
    format!("{} {}", &name[..3], m.year % 100)
}

/// The chart, its legend and its table.
pub fn cpd_chart(months: &[MonthTotals]) -> Markup {
    let peak = months
        .iter()
        .map(MonthTotals::total_hours)
        .fold(0.0_f64, f64::max)
        .max(1.0)
        .ceil();
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = (WIDTH - LEFT) / months.len().max(1) as f64;
    let total: f64 = months.iter().map(MonthTotals::total_hours).sum();
    html! {
        figure.chart {
            svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-labelledby="chart-title chart-desc" {
                title #chart-title { "CPD hours by month, last " (months.len()) " months" }
                desc #chart-desc { (format!("{total:.1}")) " hours in all; the table below gives each month's hours by type of activity." }
                line x1=(LEFT) y1=(HEIGHT - BOTTOM) x2=(WIDTH) y2=(HEIGHT - BOTTOM) stroke="#4c6272" {}
                text x="0" y=(TOP + 10.0) font-size="12" fill="#212b32" { (peak) " h" }
                @for (i, m) in months.iter().enumerate() {
                    @let x = LEFT + i as f64 * slot + slot * 0.15;
                    @let mut y = HEIGHT - BOTTOM;
                    @for (t, hours) in m.hours.iter().enumerate() {
                        @if *hours > 0.0 {
                            @let h = hours / peak * plot_h;
                            @let top = { y -= h; y };
                            rect x=(format!("{x:.1}")) y=(format!("{top:.1}")) width=(format!("{:.1}", slot * 0.7)) height=(format!("{h:.1}")) fill=(COLOURS[t]) {}
                        }
                    }
                    @if i % 3 == 0 {
                        text x=(format!("{x:.1}")) y=(HEIGHT - 10.0) font-size="11" fill="#212b32" { (short_month(m)) }
                    }
                }
            }
            figcaption {
                ul.legend {
                    @for (t, kind) in ActivityType::ALL.iter().enumerate() {
                        li {
                            svg width="14" height="14" aria-hidden="true" { rect width="14" height="14" fill=(COLOURS[t]) {} }
                            " " (kind.label())
                        }
                    }
                }
            }
        }
        details {
            summary { "Show the figures as a table" }
            div.table-wrap role="region" aria-label="CPD hours by month" tabindex="0" {
                table {
                    caption.visually-hidden { "CPD hours by month and type of activity" }
                    thead { tr {
                        th scope="col" { "Month" }
                        @for kind in ActivityType::ALL { th scope="col" { (kind.label()) } }
                        th scope="col" { "Activities" }
                    } }
                    tbody {
                        @for m in months {
                            tr {
                                th scope="row" { (m.month) " " (m.year) }
                                @for hours in m.hours { td { (hours) } }
                                td { (m.activities) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    #[test]
    fn bars_stack_by_type_and_the_table_holds_the_figures() {
        let months = vec![
            MonthTotals {
                year: 2026,
                month: Month::January,
                hours: [2.0, 0.0, 2.0, 0.0, 0.0],
                activities: 2,
            },
            MonthTotals {
                year: 2026,
                month: Month::February,
                hours: [0.0; 5],
                activities: 0,
            },
        ];
        let html = cpd_chart(&months).into_string();
        assert_eq!(html.matches("<rect x=").count(), 2);
        assert!(html.contains("4.0 hours in all"));
        assert!(html.contains("<th scope=\"row\">January 2026</th>"));
        assert!(html.contains("Jan 26"));
        assert!(
            html.contains("</line>"),
            "SVG elements must be closed: {html}"
        );
    }
}
