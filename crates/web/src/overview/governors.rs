//! `GET /governors`: figures and trends only, never a pupil.

use axum::extract::State;
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::school_view::{month_name, Guarded, NATIONAL_SOURCE, SMALLEST_GROUP};
use rollcall_core::dates::academic_year;

use crate::common::format::*;
use crate::common::{page, AppState, Principal, WebError};

pub(super) async fn governors_page(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Markup, WebError> {
    p.require(Permission::GovernorFigures)?;
    let actor = p.actor.clone();
    let view = state.run(move |app| app.governor_figures(&actor)).await?;
    let figures = &view.figures;
    let today = figures.year.to;
    let year = academic_year(today);
    let year_name = format!("{year}/{:02}", (year + 1) % 100);
    let national = &view.national;
    let small = format!("fewer than {SMALLEST_GROUP} pupils");
    let body = html! {
        h1 { "Attendance figures" }
        p {
            (view.school_name) ", " (year_name) " to date (" (period_text(figures.year)) "). "
            "Figures for groups of pupils only: no pupil is named. Groups of " (small)
            " are not shown, so that no pupil can be recognised."
        }

        h2 { "The school and England" }
        table {
            caption {
                "Attendance is present and approved educational activity as a share of possible sessions. "
                "The school's own figures cover every pupil on roll. National figures cover pupils aged 5 to 15 on the 31 August before the year, "
                "so the school's figures for that cohort are shown beside them. England's figures are for "
                strong { "2025/26" } ", a different year from the school's " (year_name)
                ": they show the national level for context, not a like-for-like comparison. "
                "The national file gives no severe absence rate."
            }
            thead { tr {
                th scope="col" { "" }
                th scope="col" { "Period" }
                th.num scope="col" { "Attendance" }
                th.num scope="col" { "Persistent absence" }
                th.num scope="col" { "Severe absence" }
            } }
            tbody {
                tr {
                    th scope="row" { "This school, every pupil on roll" }
                    td { (year_name) " to date" }
                    (guarded_cells(&figures.whole, false))
                }
                tr {
                    th scope="row" { "This school, pupils aged 5 to 15 (the national cohort)" }
                    td { (year_name) " to date" }
                    (guarded_cells(&figures.national_cohort, false))
                }
                @for n in national {
                    tr {
                        th scope="row" { "England, " (n.phase) ", pupils aged 5 to 15" }
                        td { (n.time_period) }
                        td.num { (pct(n.attendance_pct())) }
                        td.num { (n.pa_pct) "%" }
                        td.num { "–" }
                    }
                }
            }
        }
        p { small { "Source of England's figures: " (NATIONAL_SOURCE) "." } }

        h2 { "Month by month" }
        (month_chart(&figures.months, national.first()))
        table {
            caption { "Attendance of the whole school in each month of " (year_name) " so far." }
            thead { tr {
                th scope="col" { "Month" }
                th.num scope="col" { "Pupils" }
                th.num scope="col" { "Attendance" }
                th.num scope="col" { "Absence" }
            } }
            tbody {
                @for m in &figures.months {
                    tr {
                        th scope="row" { (month_name(m.month)) @if m.period.to < month_end(m.month) { " (to " (date_text(m.period.to)) ")" } }
                        @match &m.figures {
                            Guarded::Shown(g) => {
                                td.num { (g.pupils) }
                                td.num { (pct(g.attendance_pct())) }
                                td.num { (pct(g.absence_pct())) }
                            }
                            other => td colspan="3" { (hidden_text(other)) },
                        }
                    }
                }
            }
        }

        h2 { "By group of pupils" }
        table {
            caption { "Year to date. Persistent absence: 10% or more of possible sessions missed; severe absence: 50% or more. Rates of pupils are of the group's pupils with possible sessions." }
            thead { tr {
                th scope="col" { "Group" }
                th.num scope="col" { "Pupils" }
                th.num scope="col" { "Attendance" }
                th.num scope="col" { "Persistent absence" }
                th.num scope="col" { "Severe absence" }
            } }
            @for b in &figures.breakdowns {
                tbody {
                    tr { th scope="rowgroup" colspan="5" { h3 { (b.title) } } }
                    @for (label, g) in &b.rows {
                        tr {
                            th scope="row" { (label) }
                            (guarded_cells(g, true))
                        }
                    }
                }
            }
        }
    };
    Ok(page("Attendance figures", Some(&p), body))
}

fn month_end(first: rollcall_core::Date) -> rollcall_core::Date {
    first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first)
}

/// Why a group's figures are not shown.
fn hidden_text(g: &Guarded) -> String {
    match g {
        Guarded::Empty => "no school sessions".into(),
        Guarded::Small => format!("fewer than {SMALLEST_GROUP} pupils"),
        Guarded::Withheld => {
            "not shown, so that a smaller group's figures cannot be worked out".into()
        }
        Guarded::Shown(_) => String::new(),
    }
}

/// A group's figures in a row of a table, or why they are not shown.
fn guarded_cells(g: &Guarded, with_pupils: bool) -> Markup {
    html! {
        @match g {
            Guarded::Empty | Guarded::Small | Guarded::Withheld => td colspan=(if with_pupils { "4" } else { "3" }) { (hidden_text(g)) },
            Guarded::Shown(s) => {
                @if with_pupils { td.num { (s.pupils) } }
                td.num { (pct(s.attendance_pct())) }
                td.num { (pct(s.pa_pct())) }
                td.num { (pct(s.sa_pct())) }
            }
        }
    }
}

/// A bar chart of each month's attendance, with England's level as a line; the table beside it
/// holds the same figures for screen readers.
fn month_chart(
    months: &[rollcall_app::school_view::Month],
    national: Option<&rollcall_app::school_view::National>,
) -> Markup {
    let bars: Vec<(String, f64, String)> = months
        .iter()
        .filter_map(|m| match m.figures {
            Guarded::Shown(g) => g.attendance_pct().map(|p| {
                (
                    m.month.format("%b").to_string(),
                    p.rounded(),
                    format!("{p}%"),
                )
            }),
            _ => None,
        })
        .collect();
    if bars.is_empty() {
        return html! {};
    }
    let national_level = national.and_then(|n| n.attendance_pct());
    let lowest = bars
        .iter()
        .map(|b| b.1)
        .chain(national_level.map(|p| p.rounded()))
        .fold(100.0_f64, f64::min);
    let floor = ((lowest - 5.0) / 5.0).floor().max(0.0) * 5.0;
    let (width, height) = (720.0_f64, 260.0_f64);
    let (left, right, top, bottom) = (52.0, 12.0, 16.0, 36.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let y = |v: f64| top + plot_h * (100.0 - v.clamp(floor, 100.0)) / (100.0 - floor);
    let slot = plot_w / bars.len() as f64;
    let ticks: Vec<f64> = (0..=20)
        .map(|i| f64::from(i) * 5.0)
        .filter(|t| *t >= floor)
        .collect();
    html! {
        figure {
            svg viewBox=(format!("0 0 {width} {height}")) width="100%" role="img" aria-labelledby="chart-title" {
                title #chart-title { "Attendance by month; the same figures are in the table below." }
                @for t in &ticks {
                    line x1=(left) x2=(width - right) y1=(y(*t)) y2=(y(*t)) stroke="#b1b4b6" stroke-width="1" {}
                    text x=(left - 6.0) y=(y(*t) + 4.0) text-anchor="end" font-size="12" fill="#505a5f" { (t) "%" }
                }
                @for (i, (name, value, shown)) in bars.iter().enumerate() {
                    @let x = left + slot * i as f64 + slot * 0.2;
                    rect x=(x) y=(y(*value)) width=(slot * 0.6) height=(y(floor) - y(*value)) fill="#1d4f91" {}
                    text x=(x + slot * 0.3) y=(y(*value) - 4.0) text-anchor="middle" font-size="11" fill="#1b1b1b" { (shown) }
                    text x=(x + slot * 0.3) y=(height - bottom + 16.0) text-anchor="middle" font-size="12" fill="#1b1b1b" { (name) }
                }
                @if let Some(level) = national_level {
                    line x1=(left) x2=(width - right) y1=(y(level.rounded())) y2=(y(level.rounded())) stroke="#b10e1e" stroke-width="2" stroke-dasharray="6 4" {}
                }
            }
            figcaption {
                "Bars: this school's attendance each month (the scale starts at " (floor) "%)."
                @if let (Some(level), Some(n)) = (national_level, national) {
                    " Dashed line: England, " (n.phase) ", " (n.time_period) ": " (level) "%."
                }
            }
        }
    }
}
