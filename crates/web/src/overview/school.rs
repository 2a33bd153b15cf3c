//! `GET /overview`: today's registers, this week and the year to date, by year group and form.

use axum::extract::State;
use chrono::NaiveTime;
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::cases::figures::OverviewView;
use rollcall_app::school_view::{OverviewRow, SessionTally};
use rollcall_core::calendar::{format_time, RegisterTimes};
use rollcall_core::stats::GroupStats;

use super::shared::*;
use crate::common::format::*;
use crate::common::{page, AppState, Principal, WebError};

pub(super) async fn overview_page(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Markup, WebError> {
    p.require(Permission::Overview)?;
    let actor = p.actor.clone();
    let view = state.run(move |app| app.overview(&actor)).await?;
    Ok(page("Overview", Some(&p), overview_body(&view)))
}

fn register_status(
    times: Option<&RegisterTimes>,
    session: rollcall_core::Session,
    now: NaiveTime,
) -> String {
    let Some(times) = times else {
        return String::new();
    };
    let (opens, closes) = (times.opens(session), times.closes(session));
    let window = format!("{}–{}", format_time(opens), format_time(closes));
    if now < opens {
        format!("{window}, not open yet")
    } else if now < closes {
        format!("{window}, open now")
    } else {
        format!("{window}, closed")
    }
}

fn today_table(view: &OverviewView) -> Markup {
    let ov = &view.overview;
    let absent = link(
        "/overview/pupils",
        &[("period", "today"), ("absent", "true")],
    );
    let unmarked = link(
        "/overview/pupils",
        &[("period", "today"), ("unmarked", "true")],
    );
    let expected: u32 = ov.sessions.iter().map(|(_, t)| t.expected).sum();
    html! {
        @if expected == 0 {
            p { "Today is not a school day." }
        } @else {
            table {
                thead { tr {
                    th scope="col" { "Register" }
                    th scope="col" { "Times" }
                    th.num scope="col" { "On roll" }
                    th.num scope="col" { "Marked" }
                    th.num scope="col" { "Present" }
                    th.num scope="col" { abbr title="Approved educational activity" { "AEA" } }
                    th.num scope="col" { "Absent" }
                    th.num scope="col" { "Not possible" }
                    th.num scope="col" { "No mark yet" }
                } }
                tbody {
                    @for (session, t) in &ov.sessions {
                        (today_row(*session, t, &register_status(view.register_times.as_ref(), *session, view.now.time()), &absent, &unmarked))
                    }
                }
            }
        }
    }
}

fn today_row(
    session: rollcall_core::Session,
    t: &SessionTally,
    status: &str,
    absent: &str,
    unmarked: &str,
) -> Markup {
    html! {
        tr {
            th scope="row" { (if session == rollcall_core::Session::Am { "Morning" } else { "Afternoon" }) }
            td { (status) }
            td.num { (t.expected) }
            td.num { (t.marked()) }
            td.num { (t.present) }
            td.num { (t.aea) }
            td.num {
                @if t.absent() > 0 { a href=(absent) { (t.absent()) } } @else { "0" }
                @if t.unauthorised > 0 { " (" (t.unauthorised) " unauthorised)" }
            }
            td.num { (t.not_possible) }
            td.num {
                @if t.unmarked > 0 { a href=(unmarked) { (t.unmarked) } } @else { "0" }
            }
        }
    }
}

fn group_table(
    caption: &str,
    heading: &str,
    field: &str,
    total_label: &str,
    total: &OverviewRow,
    rows: &[OverviewRow],
    label: impl Fn(&str) -> String,
) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead {
                tr {
                    th scope="col" rowspan="2" { (heading) }
                    th scope="colgroup" colspan="2" { "This week" }
                    th scope="colgroup" colspan="4" { "Year to date" }
                }
                tr {
                    th.num scope="col" { "Attendance" }
                    th.num scope="col" { "No mark" }
                    th.num scope="col" { "Pupils" }
                    th.num scope="col" { "Attendance" }
                    th.num scope="col" { "Persistent absence" }
                    th.num scope="col" { "Severe absence" }
                }
            }
            tbody {
                (group_row(&html! { strong { (total_label) } }, "", "", total))
                @for r in rows {
                    @if r.key.is_empty() {
                        (group_row(&html! { "No " (field.replace('_', " ")) }, "", "", r))
                    } @else {
                        (group_row(&html! { (label(&r.key)) }, field, &r.key, r))
                    }
                }
            }
        }
    }
}

fn group_row(name: &Markup, field: &str, key: &str, r: &OverviewRow) -> Markup {
    // Rows without a key of their own (pupils with no form) link to nothing narrower.
    let linkable = field.is_empty() || !key.is_empty();
    let by = |extra: &[(&'static str, &'static str)], path: &str| {
        let mut pairs: Vec<(&str, &str)> = extra.to_vec();
        if !field.is_empty() {
            pairs.push((field, key));
        }
        link(path, &pairs)
    };
    let week = |g: &GroupStats| pct(g.attendance_pct());
    html! {
        tr {
            th scope="row" { (name) }
            td.num {
                @if linkable { a href=(by(&[("period", "week")], "/overview/pupils")) { (week(&r.week)) } }
                @else { (week(&r.week)) }
            }
            td.num {
                @if r.week.unmarked > 0 && linkable {
                    a href=(by(&[("period", "week"), ("unmarked", "true")], "/overview/pupils")) { (r.week.unmarked) }
                } @else { (r.week.unmarked) }
            }
            td.num {
                @if linkable { a href=(by(&[], "/overview/pupils")) { (r.year.pupils) } } @else { (r.year.pupils) }
            }
            td.num { (pct(r.year.attendance_pct())) }
            td.num {
                @if linkable { a href=(by(&[], "/overview/persistent")) { (count_and_rate(r.year.pa_pupils, r.year.pa_pct())) } }
                @else { (count_and_rate(r.year.pa_pupils, r.year.pa_pct())) }
            }
            td.num {
                @if linkable { a href=(by(&[("severe", "true")], "/overview/persistent")) { (count_and_rate(r.year.sa_pupils, r.year.sa_pct())) } }
                @else { (count_and_rate(r.year.sa_pupils, r.year.sa_pct())) }
            }
        }
    }
}

fn overview_body(view: &OverviewView) -> Markup {
    let ov = &view.overview;
    let total_label = if view.limited_to.is_some() {
        "All your pupils"
    } else {
        "Whole school"
    };
    let caption = format!(
        "This week: {}. Year to date: {}. Attendance is present and approved educational activity as a share of possible sessions; a pupil is in persistent absence at 10% of possible sessions missed, severe absence at 50%.",
        period_text(ov.week),
        period_text(ov.year)
    );
    html! {
        h1 { "Attendance overview" }
        p {
            (view.school_name) ", " (view.now.format("%A %-d %B %Y, %H:%M")) "."
            @if let Some(note) = reach_note(view.limited_to.as_deref()) { " " (note) }
        }
        h2 { "Today's registers" }
        (today_table(view))
        h2 { "By year group" }
        (group_table(&caption, "Year group", "year_group", total_label, &ov.total, &ov.by_year, |k| format!("Year {k}")))
        h2 { "By form" }
        (group_table(&caption, "Form", "form", total_label, &ov.total, &ov.by_form, str::to_owned))
        p { a href="/overview/persistent" { "Persistent absence list, with filters by characteristic" } }
    }
}
