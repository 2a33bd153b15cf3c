//! `GET /pupils/search`: finding a pupil among those the user reaches, for every member of staff
//! (a form tutor their forms, a head of year their year groups, the office and senior staff the
//! school), by name, UPN or form. Each pupil found links to their record. Parents and governors
//! have no search (`App::search_pupils` refuses them).

use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::cases::pupils::PupilSearch;
use rollcall_app::Reach;
use rollcall_core::Pupil;
use serde::Deserialize;

use crate::common::format::*;
use crate::common::{page, AppState, Principal, RouteRule, WebError};

pub const ACCESS: &[RouteRule] = &[RouteRule {
    method: "GET",
    path: "/pupils/search",
    permission: Permission::SearchPupils,
}];

pub fn routes() -> Router<AppState> {
    Router::new().route("/pupils/search", get(search_page))
}

#[derive(Debug, Default, Deserialize)]
struct SearchParams {
    #[serde(default)]
    q: String,
}

async fn search_page(
    State(state): State<AppState>,
    p: Principal,
    Query(params): Query<SearchParams>,
) -> Result<Markup, WebError> {
    p.require(Permission::SearchPupils)?;
    let actor = p.actor.clone();
    let q = params.q.clone();
    let search = state.run(move |app| app.search_pupils(&actor, &q)).await?;
    Ok(search_markup(&p, &params.q, &search))
}

/// Whom the user's search looks among, in words.
fn among(reach: &Reach) -> String {
    match reach {
        Reach::School => "every pupil of the school".to_owned(),
        Reach::YearGroups(g) => format!(
            "the pupils of year {}",
            g.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Reach::Forms(f) => format!("the pupils of {}", f.join(", ")),
        Reach::Children(_) | Reach::Nobody => "no pupil".to_owned(),
    }
}

/// Whether the pupil is on roll on `today`, and if not, since or until when.
fn roll_status(p: &Pupil, today: rollcall_core::Date) -> String {
    if p.on_roll(today) {
        "On roll".to_owned()
    } else if p.admission_date > today {
        format!("Starts {}", date_text(p.admission_date))
    } else {
        match p.leaving_date {
            Some(left) => format!("Left {}", date_text(left)),
            None => "Not on roll".to_owned(),
        }
    }
}

fn search_markup(p: &Principal, q: &str, search: &PupilSearch) -> Markup {
    let body = html! {
        h1 { "Find a pupil" }
        p { "Search " (among(&p.actor.reach)) " by name, UPN or form, and open a pupil's record." }
        form.search method="get" action="/pupils/search" role="search" {
            label for="q" { "Name, UPN or form" }
            input #q type="search" name="q" value=(q) size="30" autocomplete="off";
            " "
            button.secondary type="submit" { "Search" }
        }
        @if !q.trim().is_empty() {
            @if search.found.is_empty() {
                p role="status" { "No pupil you can see matches “" (q) "”." }
            } @else {
                p role="status" {
                    (search.found.len()) " " (if search.found.len() == 1 { "pupil" } else { "pupils" }) " found"
                    @if search.more { ", and more: type more of the name to find the others" }
                    "."
                }
                table.reflow aria-label="Pupils found" {
                    thead { tr {
                        th scope="col" { "Pupil" }
                        th scope="col" { "Born" }
                        th scope="col" { "UPN" }
                        th scope="col" { "Year" }
                        th scope="col" { "Form" }
                        th scope="col" { "On roll" }
                    } }
                    tbody {
                        @for pupil in &search.found {
                            tr {
                                th scope="row" { a href=(record_link(pupil)) { (pupil.surname) ", " (pupil.forename) } }
                                td data-label="Born" { (date_text(pupil.dob)) }
                                td data-label="UPN" { (pupil.upn) }
                                td data-label="Year" { (pupil.year_group) }
                                td data-label="Form" { (pupil.form.as_deref().unwrap_or("none")) }
                                td data-label="On roll" { (roll_status(pupil, search.today)) }
                            }
                        }
                    }
                }
            }
        }
    };
    page("Find a pupil", Some(p), body)
}
