//! Figures for senior staff and governors.
//!
//! - `GET /overview`: today's registers, this week and the year to date, by year group and by
//!   form; each figure links to the pupils behind it. A head of year sees their year groups only.
//! - `GET /overview/persistent`: the persistent (or, with `severe=true`, severe) absence list for
//!   the year to date, filtered by any characteristic, lowest attendance first.
//! - `GET /overview/pupils`: the pupils behind any other figure of the overview (`period` =
//!   `year`, `week` or `today`; `absent=true`, `unmarked=true`), with the same filters.
//! - `GET /governors`: figures and trends only, never a pupil; groups of fewer than
//!   [`SMALLEST_GROUP`] pupils are shown as "fewer than 5".
//!
//! All figures come from `rollcall_app::school_view`, which loads the school's marks once and
//! counts them in `rollcall-core`.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::Uri;
use axum::routing::get;
use axum::Router;
use chrono::{NaiveDateTime, NaiveTime};
use maud::{html, Markup};
use rollcall_app::school_view::{
    governor_figures, month_name, national_for, overview, pupil_list, Guarded, Only, Overview,
    OverviewRow, Period, PupilFilter, PupilList, SessionTally, NATIONAL_SOURCE, SMALLEST_GROUP,
};
use rollcall_core::calendar::format_time;
use rollcall_core::dates::academic_year;
use rollcall_core::stats::GroupStats;
use rollcall_core::{Percent, Role, Sen, Sex, YearGroup};
use rollcall_store::{School, StoredPupil};
use serde::Deserialize;

use crate::common::format::*;
use crate::common::forms::query_of;
use crate::common::legacy::school_details as school_of;
use crate::common::page;
use crate::common::AppState;
use crate::common::Principal;
use crate::common::RouteRule;
use crate::common::WebError;
use rollcall_app::access::Permission;
use rollcall_app::Reach;

/// Who sees the overview and the lists behind it (a head of year for their year groups).
pub const OVERVIEW_READERS: &[Role] = &[
    Role::Administrator,
    Role::Headteacher,
    Role::AttendanceOfficer,
    Role::HeadOfYear,
];

/// Who sees the governors' figures.
pub const GOVERNOR_READERS: &[Role] = &[Role::Administrator, Role::Headteacher, Role::Governor];

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/overview",
        permission: Permission::Overview,
    },
    RouteRule {
        method: "GET",
        path: "/overview/persistent",
        permission: Permission::Overview,
    },
    RouteRule {
        method: "GET",
        path: "/overview/pupils",
        permission: Permission::Overview,
    },
    RouteRule {
        method: "GET",
        path: "/governors",
        permission: Permission::GovernorFigures,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/overview", get(overview_page))
        .route("/overview/persistent", get(persistent_page))
        .route("/overview/pupils", get(pupils_page))
        .route("/governors", get(governors_page))
}

/// A link with a query string.
fn link(path: &str, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", segment(v)))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// "12 (8.33%)": a count of pupils with its rate.
fn count_and_rate(n: u32, rate: Option<Percent>) -> String {
    match rate {
        Some(r) => format!("{n} ({r}%)"),
        None => n.to_string(),
    }
}

fn reach_note(p: &Principal) -> Option<String> {
    match p.reach() {
        Reach::YearGroups(g) => Some(format!(
            "You see year {} only.",
            g.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" and ")
        )),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// GET /overview

async fn overview_page(State(state): State<AppState>, p: Principal) -> Result<Markup, WebError> {
    p.require(Permission::Overview)?;
    let now = state.settings().clock.now();
    let who = p.clone();
    let (school, ov) = state
        .with_store(move |store| {
            let school = school_of(store, &who)?;
            let keep = |s: &StoredPupil| who.reaches(s.id, &s.pupil);
            let ov = overview(store, &school, now, &keep)?;
            Ok((school, ov))
        })
        .await?;
    Ok(page(
        "Overview",
        Some(&p),
        overview_body(&p, &school, &ov, now),
    ))
}

fn register_status(school: &School, session: rollcall_core::Session, now: NaiveTime) -> String {
    let Some(times) = school.register_times else {
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

fn today_table(school: &School, ov: &Overview, now: NaiveDateTime) -> Markup {
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
                        (today_row(*session, t, &register_status(school, *session, now.time()), &absent, &unmarked))
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

fn overview_body(p: &Principal, school: &School, ov: &Overview, now: NaiveDateTime) -> Markup {
    let total_label = match p.reach() {
        Reach::YearGroups(_) => "All your pupils",
        _ => "Whole school",
    };
    let caption = format!(
        "This week: {}. Year to date: {}. Attendance is present and approved educational activity as a share of possible sessions; a pupil is in persistent absence at 10% of possible sessions missed, severe absence at 50%.",
        period_text(ov.week),
        period_text(ov.year)
    );
    html! {
        h1 { "Attendance overview" }
        p {
            (school.details.name) ", " (now.format("%A %-d %B %Y, %H:%M")) "."
            @if let Some(note) = reach_note(p) { " " (note) }
        }
        h2 { "Today's registers" }
        (today_table(school, ov, now))
        h2 { "By year group" }
        (group_table(&caption, "Year group", "year_group", total_label, &ov.total, &ov.by_year, |k| format!("Year {k}")))
        h2 { "By form" }
        (group_table(&caption, "Form", "form", total_label, &ov.total, &ov.by_form, str::to_owned))
        p { a href="/overview/persistent" { "Persistent absence list, with filters by characteristic" } }
    }
}

// ---------------------------------------------------------------------------------------------
// Lists of pupils

/// The query of a list of pupils; every field is optional and an empty value means "any".
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    year_group: Option<String>,
    form: Option<String>,
    sex: Option<String>,
    fsm: Option<String>,
    pupil_premium: Option<String>,
    sen: Option<String>,
    looked_after: Option<String>,
    social_worker: Option<String>,
    eal: Option<String>,
    young_carer: Option<String>,
    ethnicity: Option<String>,
    severe: Option<String>,
    period: Option<String>,
    absent: Option<String>,
    unmarked: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn flag(name: &str, v: &Option<String>) -> Result<Option<bool>, WebError> {
    match given(v) {
        None => Ok(None),
        Some("true" | "yes" | "1") => Ok(Some(true)),
        Some("false" | "no" | "0") => Ok(Some(false)),
        Some(other) => Err(WebError::BadRequest(format!(
            "{name}: '{other}' is not true or false"
        ))),
    }
}

impl ListQuery {
    fn filter(&self) -> Result<PupilFilter, WebError> {
        let bad =
            |name: &str, e: &dyn std::fmt::Display| WebError::BadRequest(format!("{name}: {e}"));
        Ok(PupilFilter {
            year_group: given(&self.year_group)
                .map(|v| v.parse::<YearGroup>().map_err(|e| bad("year_group", &e)))
                .transpose()?,
            form: given(&self.form).map(str::to_owned),
            sex: given(&self.sex)
                .map(|v| v.parse::<Sex>().map_err(|e| bad("sex", &e)))
                .transpose()?,
            fsm: flag("fsm", &self.fsm)?,
            pupil_premium: flag("pupil_premium", &self.pupil_premium)?,
            sen: given(&self.sen)
                .map(|v| v.parse::<Sen>().map_err(|e| bad("sen", &e)))
                .transpose()?,
            looked_after: flag("looked_after", &self.looked_after)?,
            social_worker: flag("social_worker", &self.social_worker)?,
            eal: flag("eal", &self.eal)?,
            young_carer: flag("young_carer", &self.young_carer)?,
            ethnicity: given(&self.ethnicity).map(str::to_owned),
        })
    }

    /// The filters as query pairs, to keep them in links and forms.
    fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("year_group", &self.year_group),
            ("form", &self.form),
            ("sex", &self.sex),
            ("fsm", &self.fsm),
            ("pupil_premium", &self.pupil_premium),
            ("sen", &self.sen),
            ("looked_after", &self.looked_after),
            ("social_worker", &self.social_worker),
            ("eal", &self.eal),
            ("young_carer", &self.young_carer),
            ("ethnicity", &self.ethnicity),
        ]
        .into_iter()
        .filter_map(|(k, v)| given(v).map(|v| (k, v.to_owned())))
        .collect()
    }
}

/// The values pupils in reach have, for the filter's choices.
#[derive(Debug, Default)]
struct Choices {
    years: BTreeSet<YearGroup>,
    forms: BTreeSet<(YearGroup, String)>,
    ethnicities: BTreeSet<String>,
}

/// A filtered list of pupils, with the choices of its filter.
async fn load_list(
    state: &AppState,
    p: &Principal,
    now: NaiveDateTime,
    period: Period,
    filter: PupilFilter,
    only: Only,
) -> Result<(PupilList, Choices), WebError> {
    let who = p.clone();
    state
        .with_store(move |store| {
            let school = school_of(store, &who)?;
            let mut choices = Choices::default();
            for s in store.pupils(school.id)? {
                if who.reaches(s.id, &s.pupil) && s.pupil.on_roll_during(period.from, period.to) {
                    choices.years.insert(s.pupil.year_group);
                    if let Some(f) = s.pupil.form {
                        choices.forms.insert((s.pupil.year_group, f));
                    }
                    if let Some(e) = s.pupil.ethnicity {
                        choices.ethnicities.insert(e);
                    }
                }
            }
            let keep = |s: &StoredPupil| who.reaches(s.id, &s.pupil);
            let list = pupil_list(store, &school, now, period, &filter, only, &keep)?;
            Ok((list, choices))
        })
        .await
}

async fn persistent_page(
    State(state): State<AppState>,
    p: Principal,
    uri: Uri,
) -> Result<Markup, WebError> {
    p.require(Permission::Overview)?;
    let q: ListQuery = query_of(&uri)?;
    let filter = q.filter()?;
    let severe = flag("severe", &q.severe)?.unwrap_or(false);
    let only = if severe {
        Only::Severe
    } else {
        Only::Persistent
    };
    let now = state.settings().clock.now();
    let period = Period::year_to_date(now.date());
    let (list, choices) = load_list(&state, &p, now, period, filter, only).await?;
    let title = if severe {
        "Severe absence"
    } else {
        "Persistent absence"
    };
    let (n, rate, rule) = if severe {
        (
            list.group.sa_pupils,
            list.group.sa_pct(),
            "missed at least half of their possible sessions",
        )
    } else {
        (
            list.group.pa_pupils,
            list.group.pa_pct(),
            "missed at least 10% of their possible sessions",
        )
    };
    let summary = html! {
        p {
            strong { (n) } " of " (list.group.pupils) " pupils"
            @if let Some(r) = rate { " (" (r) "%)" }
            " " (rule) " in the year to date, " (period_text(period)) "."
            @if let Some(note) = reach_note(&p) { " " (note) }
        }
    };
    let extra = vec![html! {
        label for="severe" { "List" }
        select #severe name="severe" {
            option value="" selected[!severe] { "Persistent absence (10% or more missed)" }
            option value="true" selected[severe] { "Severe absence (50% or more missed)" }
        }
    }];
    let kept = q.pairs();
    let other = if severe {
        html! { p { a href=(link("/overview/persistent", &pairs_ref(&kept))) { "Show every pupil in persistent absence" } } }
    } else {
        let mut pairs = pairs_ref(&kept);
        pairs.push(("severe", "true"));
        html! { p { a href=(link("/overview/persistent", &pairs)) { "Show severe absence only" } } }
    };
    let body = list_body(
        title,
        "/overview/persistent",
        &q,
        &choices,
        extra,
        html! { (summary) (other) },
        &list,
    );
    Ok(page(title, Some(&p), body))
}

fn pairs_ref<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn pupils_page(
    State(state): State<AppState>,
    p: Principal,
    uri: Uri,
) -> Result<Markup, WebError> {
    p.require(Permission::Overview)?;
    let q: ListQuery = query_of(&uri)?;
    let filter = q.filter()?;
    let now = state.settings().clock.now();
    let today = now.date();
    let year = Period::year_to_date(today);
    let (period, period_name) = match given(&q.period) {
        None | Some("year") => (year, "the year to date"),
        Some("week") => {
            let week = Period::week_to_date(today);
            let from = week.from.max(year.from);
            (Period { from, to: today }, "this week")
        }
        Some("today") => (Period::day(today), "today"),
        Some(other) => {
            return Err(WebError::BadRequest(format!(
                "period: '{other}' is not year, week or today"
            )))
        }
    };
    let absent = flag("absent", &q.absent)?.unwrap_or(false);
    let unmarked = flag("unmarked", &q.unmarked)?.unwrap_or(false);
    let only = match (absent, unmarked) {
        (true, _) => Only::Absent,
        (false, true) => Only::Unmarked,
        _ => Only::All,
    };
    let (list, choices) = load_list(&state, &p, now, period, filter, only).await?;
    let what = match only {
        Only::Absent => "Pupils absent",
        Only::Unmarked => "Pupils with a session not marked",
        _ => "Pupils",
    };
    let title = format!("{what}: {period_name}");
    let summary = html! {
        p {
            strong { (list.pupils.len()) } " of " (list.group.pupils) " pupils with possible sessions, " (period_text(period)) "."
            " Attendance of all " (list.group.pupils) ": " (pct(list.group.attendance_pct())) "."
            @if let Some(note) = reach_note(&p) { " " (note) }
        }
    };
    let period_value = given(&q.period).unwrap_or("year");
    let extra = vec![
        html! {
            label for="period" { "Period" }
            select #period name="period" {
                option value="year" selected[period_value == "year"] { "Year to date" }
                option value="week" selected[period_value == "week"] { "This week" }
                option value="today" selected[period_value == "today"] { "Today" }
            }
        },
        html! {
            label for="only" { "Pupils" }
            select #only name=(if unmarked && !absent { "unmarked" } else { "absent" }) {
                option value="" selected[only == Only::All] { "Every pupil" }
                option value="true" selected[only != Only::All] { (if unmarked && !absent { "With a session not marked" } else { "Absent at least once" }) }
            }
        },
    ];
    let body = list_body(
        &title,
        "/overview/pupils",
        &q,
        &choices,
        extra,
        summary,
        &list,
    );
    Ok(page(&title, Some(&p), body))
}

fn select_bool(name: &str, label: &str, value: Option<&str>) -> Markup {
    let v = value.unwrap_or("");
    html! {
        label for=(name) { (label) }
        select id=(name) name=(name) {
            option value="" selected[v.is_empty()] { "Any" }
            option value="true" selected[v == "true"] { "Yes" }
            option value="false" selected[v == "false"] { "No" }
        }
    }
}

fn filter_form(action: &str, q: &ListQuery, choices: &Choices, extra: Vec<Markup>) -> Markup {
    let active = !q.pairs().is_empty();
    let year = given(&q.year_group).unwrap_or("");
    let form = given(&q.form).unwrap_or("");
    let sex = given(&q.sex).unwrap_or("");
    let sen = given(&q.sen).unwrap_or("");
    let ethnicity = given(&q.ethnicity).unwrap_or("");
    let mut controls = extra;
    controls.push(html! {
        label for="year_group" { "Year group" }
        select #year_group name="year_group" {
            option value="" selected[year.is_empty()] { "Any" }
            @for y in &choices.years {
                option value=(y) selected[year == y.to_string()] { "Year " (y) }
            }
        }
    });
    controls.push(html! {
        label for="form" { "Form" }
        select #form name="form" {
            option value="" selected[form.is_empty()] { "Any" }
            @for (_, f) in &choices.forms {
                option value=(f) selected[form == f] { (f) }
            }
        }
    });
    controls.push(html! {
        label for="sex" { "Sex" }
        select #sex name="sex" {
            option value="" selected[sex.is_empty()] { "Any" }
            option value="F" selected[sex == "F"] { "Female" }
            option value="M" selected[sex == "M"] { "Male" }
        }
    });
    controls.push(select_bool("fsm", "Free school meals", given(&q.fsm)));
    controls.push(select_bool(
        "pupil_premium",
        "Pupil premium",
        given(&q.pupil_premium),
    ));
    controls.push(html! {
        label for="sen" { "Special educational needs" }
        select #sen name="sen" {
            option value="" selected[sen.is_empty()] { "Any" }
            option value="N" selected[sen == "N"] { "None" }
            option value="K" selected[sen == "K"] { "SEN support" }
            option value="E" selected[sen == "E"] { "EHC plan" }
        }
    });
    controls.push(select_bool(
        "looked_after",
        "Looked after",
        given(&q.looked_after),
    ));
    controls.push(select_bool(
        "social_worker",
        "Social worker",
        given(&q.social_worker),
    ));
    controls.push(select_bool("eal", "EAL", given(&q.eal)));
    controls.push(select_bool(
        "young_carer",
        "Young carer",
        given(&q.young_carer),
    ));
    controls.push(html! {
        label for="ethnicity" { "Ethnicity" }
        select #ethnicity name="ethnicity" {
            option value="" selected[ethnicity.is_empty()] { "Any" }
            @for e in &choices.ethnicities {
                option value=(e) selected[ethnicity == e] { (e) }
            }
        }
    });
    html! {
        details {
            summary { "Filter by characteristic" @if active { " (filters set)" } }
            form method="get" action=(action) {
                // Laid out four to a row; the table is only for layout.
                table role="presentation" {
                    @for row in controls.chunks(4) {
                        tr { @for c in row { td { (c) } } }
                    }
                }
                p { button type="submit" { "Show pupils" } " " a href=(action) { "Clear filters" } }
            }
        }
    }
}

fn describe_filter(q: &ListQuery) -> Vec<String> {
    let yes_no = |v: &str| if v == "true" { "yes" } else { "no" };
    q.pairs()
        .into_iter()
        .map(|(k, v)| match k {
            "year_group" => format!("year {v}"),
            "form" => format!("form {v}"),
            "sex" => format!("sex {v}"),
            "fsm" => format!("free school meals: {}", yes_no(&v)),
            "pupil_premium" => format!("pupil premium: {}", yes_no(&v)),
            "sen" => format!("SEN: {v}"),
            "looked_after" => format!("looked after: {}", yes_no(&v)),
            "social_worker" => format!("social worker: {}", yes_no(&v)),
            "eal" => format!("EAL: {}", yes_no(&v)),
            "young_carer" => format!("young carer: {}", yes_no(&v)),
            "ethnicity" => format!("ethnicity {v}"),
            _ => format!("{k} {v}"),
        })
        .collect()
}

fn list_body(
    title: &str,
    action: &str,
    q: &ListQuery,
    choices: &Choices,
    extra: Vec<Markup>,
    summary: Markup,
    list: &PupilList,
) -> Markup {
    let described = describe_filter(q);
    html! {
        p { a href="/overview" { "← Overview" } }
        h1 { (title) }
        @if !described.is_empty() {
            p { "Filters: " (described.join(", ")) "." }
        }
        (summary)
        (filter_form(action, q, choices, extra))
        @if list.pupils.is_empty() {
            p { "No pupil matches." }
        } @else {
            table {
                caption { "Lowest attendance first. Absent is authorised and unauthorised absence, in sessions." }
                thead { tr {
                    th scope="col" { "Pupil" }
                    th scope="col" { "UPN" }
                    th scope="col" { "Year" }
                    th scope="col" { "Form" }
                    th.hide-small scope="col" { "Needs and circumstances" }
                    th.num scope="col" { "Possible" }
                    th.num scope="col" { "Absent" }
                    th.num.hide-small scope="col" { "Unauthorised" }
                    th.num scope="col" { "Attendance" }
                } }
                tbody {
                    @for (pupil, c) in &list.pupils {
                        tr {
                            th scope="row" { a href=(record_link(pupil)) { (pupil.surname) ", " (pupil.forename) } }
                            td { (pupil.upn) }
                            td { (pupil.year_group) }
                            td { (pupil.form.as_deref().unwrap_or("")) }
                            td.hide-small { (characteristics(pupil).join(", ")) }
                            td.num { (c.possible) }
                            td.num { (c.absent()) }
                            td.num.hide-small { (c.unauthorised) }
                            td.num { (absence_tag(c)) " " (pct(c.attendance_pct())) }
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GET /governors

async fn governors_page(State(state): State<AppState>, p: Principal) -> Result<Markup, WebError> {
    p.require(Permission::GovernorFigures)?;
    let today = state.settings().clock.now().date();
    let who = p.clone();
    let (school, figures) = state
        .with_store(move |store| {
            let school = school_of(store, &who)?;
            let figures = governor_figures(store, &school, today)?;
            Ok((school, figures))
        })
        .await?;
    let year = academic_year(today);
    let year_name = format!("{year}/{:02}", (year + 1) % 100);
    let national = national_for(figures.phase);
    let small = format!("fewer than {SMALLEST_GROUP} pupils");
    let body = html! {
        h1 { "Attendance figures" }
        p {
            (school.details.name) ", " (year_name) " to date (" (period_text(figures.year)) "). "
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
                @for n in &national {
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
