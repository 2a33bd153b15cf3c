//! `GET /overview/persistent` and `GET /overview/pupils`: the pupils behind a figure, filtered.

use axum::extract::State;
use axum::http::Uri;
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::cases::figures::{
    FilterText, ListChoices, PeriodChoice, PupilListQuery, PupilListView,
};
use rollcall_app::school_view::Only;
use serde::Deserialize;

use super::shared::*;
use crate::common::format::*;
use crate::common::forms::query_of;
use crate::common::{page, AppState, Principal, WebError};

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

impl ListQuery {
    /// The characteristics of the filter, as typed.
    fn filter_text(&self) -> FilterText {
        FilterText {
            year_group: self.year_group.clone(),
            form: self.form.clone(),
            sex: self.sex.clone(),
            fsm: self.fsm.clone(),
            pupil_premium: self.pupil_premium.clone(),
            sen: self.sen.clone(),
            looked_after: self.looked_after.clone(),
            social_worker: self.social_worker.clone(),
            eal: self.eal.clone(),
            young_carer: self.young_carer.clone(),
            ethnicity: self.ethnicity.clone(),
        }
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

pub(super) async fn persistent_page(
    State(state): State<AppState>,
    p: Principal,
    uri: Uri,
) -> Result<Markup, WebError> {
    p.require(Permission::Overview)?;
    let q: ListQuery = query_of(&uri)?;
    let query = PupilListQuery::persistent(&q.filter_text(), q.severe.as_deref())?;
    let actor = p.actor.clone();
    let view = state.run(move |app| app.pupil_list(&actor, &query)).await?;
    let list = &view.list;
    let severe = view.only == Only::Severe;
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
            " " (rule) " in the year to date, " (period_text(view.period)) "."
            @if let Some(note) = reach_note(view.limited_to.as_deref()) { " " (note) }
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
        &view,
        extra,
        html! { (summary) (other) },
    );
    Ok(page(title, Some(&p), body))
}

fn pairs_ref<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

pub(super) async fn pupils_page(
    State(state): State<AppState>,
    p: Principal,
    uri: Uri,
) -> Result<Markup, WebError> {
    p.require(Permission::Overview)?;
    let q: ListQuery = query_of(&uri)?;
    let query = PupilListQuery::behind_figure(
        &q.filter_text(),
        q.period.as_deref(),
        q.absent.as_deref(),
        q.unmarked.as_deref(),
    )?;
    let period_value = query.period;
    let actor = p.actor.clone();
    let view = state.run(move |app| app.pupil_list(&actor, &query)).await?;
    let list = &view.list;
    let only = view.only;
    let period_name = match period_value {
        PeriodChoice::Year => "the year to date",
        PeriodChoice::Week => "this week",
        PeriodChoice::Today => "today",
    };
    let what = match only {
        Only::Absent => "Pupils absent",
        Only::Unmarked => "Pupils with a session not marked",
        _ => "Pupils",
    };
    let title = format!("{what}: {period_name}");
    let summary = html! {
        p {
            strong { (list.pupils.len()) } " of " (list.group.pupils) " pupils with possible sessions, " (period_text(view.period)) "."
            " Attendance of all " (list.group.pupils) ": " (pct(list.group.attendance_pct())) "."
            @if let Some(note) = reach_note(view.limited_to.as_deref()) { " " (note) }
        }
    };
    let period_value = period_value.as_str();
    let unmarked = only == Only::Unmarked;
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
            select #only name=(if unmarked { "unmarked" } else { "absent" }) {
                option value="" selected[only == Only::All] { "Every pupil" }
                option value="true" selected[only != Only::All] { (if unmarked { "With a session not marked" } else { "Absent at least once" }) }
            }
        },
    ];
    let body = list_body(&title, "/overview/pupils", &q, &view, extra, summary);
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

fn filter_form(action: &str, q: &ListQuery, choices: &ListChoices, extra: Vec<Markup>) -> Markup {
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
    view: &PupilListView,
    extra: Vec<Markup>,
    summary: Markup,
) -> Markup {
    let (list, choices) = (&view.list, &view.choices);
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
