//! `GET` and `POST /pupils/{upn}/travel`: where a traveller family is (code `T`), any school the
//! child is also registered at, and the child's attendances against the 200 of s444(6).

use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use rollcall_app::cases::day::{TravelInput, TravelPage};
use rollcall_app::day::{AttendanceStanding, ATTENDANCES_NEEDED, WARNING_BELOW};
use rollcall_app::Refusal;

use crate::common::format::*;
use crate::common::{page, AppState, Principal, WebError};
use rollcall_app::access::Permission;

pub(super) async fn travel_page(
    State(state): State<AppState>,
    p: Principal,
    Path(upn): Path<String>,
) -> Result<Markup, WebError> {
    p.require(Permission::Travellers)?;
    let actor = p.actor.clone();
    let page = state.run(move |app| app.travel(&actor, &upn)).await?;
    Ok(travel_markup(
        &p,
        &page,
        &TravelInput::default(),
        None,
        None,
    ))
}

/// The attendances against the line, as the record and this page say them.
fn standing_text(s: &AttendanceStanding) -> Markup {
    html! {
        p {
            strong { (s.attendances) } " attendances (sessions present or at an approved educational activity) in the twelve months from "
            (date_text(s.from)) " to " (date_text(s.to)) "."
            @if s.traveller_sessions > 0 { " " (s.traveller_sessions) " sessions were marked T." }
            @if s.dual_sessions > 0 {
                " " (s.dual_sessions) " sessions were at the school the child is also registered at (D): that school counts those attendances."
            }
        }
        @if !s.line_applies() {
            p { "The " (ATTENDANCES_NEEDED) " attendances of s444(6) apply from the age of six; the child is " (s.age) "." }
        } @else if s.below_the_line() {
            p.warning role="alert" {
                "Below the " (ATTENDANCES_NEEDED) " attendances a parent's defence under s444(6) Education Act 1996 needs."
            }
        } @else if s.warning() {
            p.warning role="alert" {
                "Fewer than " (WARNING_BELOW) " attendances: close to the " (ATTENDANCES_NEEDED) " a parent's defence under s444(6) needs."
            }
        } @else {
            p { "At or above the " (WARNING_BELOW) " the school keeps as a margin over the " (ATTENDANCES_NEEDED) " of s444(6)." }
        }
    }
}

fn travel_markup(
    p: &Principal,
    t: &TravelPage,
    form: &TravelInput,
    notice: Option<&str>,
    error: Option<&str>,
) -> Markup {
    let pupil = &t.pupil.pupil;
    let name = full_name(pupil);
    let upn = pupil.upn.to_string();
    let action = format!("/pupils/{upn}/travel");
    let body = html! {
        p { a href=(record_link(pupil)) { "← " (name) "'s record" } }
        h1 { "Traveller family: " (name) }
        p {
            "Code T is for a pupil whose parent is travelling for their trade or business. Record where the family is "
            "and any school the child is also registered at while travelling."
        }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        @if let Some(e) = error { div.error role="alert" { @for line in e.lines() { p { (line) } } } }
        h2 #attendances { "Attendances in the last twelve months" }
        (standing_text(&t.standing))

        h2 #records { "Travelling" }
        @if t.records.is_empty() {
            p { "No period of travelling recorded." }
        } @else {
            table aria-label="Periods of travelling" {
                thead { tr {
                    th scope="col" { "From" }
                    th scope="col" { "To" }
                    th scope="col" { "Where the family is" }
                    th scope="col" { "Also registered at" }
                    th scope="col" { "Notes" }
                    th scope="col" { "Recorded by" }
                } }
                tbody {
                    @for r in &t.records {
                        @let rec = &r.record;
                        tr {
                            td { (date_text(rec.from)) }
                            td { @if let Some(to) = rec.to { (date_text(to)) } @else { "not known yet" } }
                            td { (rec.whereabouts) }
                            td { (rec.dual_school.as_deref().unwrap_or("—")) }
                            td { (rec.notes) }
                            td { (rec.recorded.by) }
                        }
                    }
                }
            }
        }

        h2 #add { @if form.id.trim().is_empty() { "Record a period of travelling" } @else { "Change a period of travelling" } }
        form method="post" action=(action) {
            input type="hidden" name="csrf" value=(p.csrf());
            label for="id" { "Change record (leave as “new” to add one)" }
            select #id name="id" {
                option value="" selected[form.id.trim().is_empty()] { "New" }
                @for r in &t.records {
                    @let id = r.id.to_string();
                    option value=(id) selected[form.id.trim() == id] {
                        "From " (date_text(r.record.from)) ": " (r.record.whereabouts)
                    }
                }
            }
            label for="from" { "First day travelling" }
            input #from type="date" name="from" value=(form.from) required;
            label for="to" { "Last day (if known)" }
            input #to type="date" name="to" value=(form.to);
            label for="whereabouts" { "Where the family is, or is going" }
            input #whereabouts type="text" name="whereabouts" value=(form.whereabouts) size="50" required;
            label for="dual_school" { "School the child is also registered at (if any)" }
            input #dual_school type="text" name="dual_school" value=(form.dual_school) size="50";
            label for="notes" { "Notes" }
            textarea #notes name="notes" rows="2" cols="60" { (form.notes) }
            p { button type="submit" { "Save" } }
        }
    };
    page(&format!("Traveller family: {name}"), Some(p), body)
}

pub(super) async fn save(
    State(state): State<AppState>,
    p: Principal,
    Path(upn): Path<String>,
    Form(form): Form<TravelInput>,
) -> Result<Response, WebError> {
    p.require(Permission::Travellers)?;
    let actor = p.actor.clone();
    let (asked, input) = (upn.clone(), form.clone());
    let attempt = state
        .attempt(move |app| app.save_travel(&actor, &asked, &input))
        .await?;
    match attempt {
        Ok(page) => Ok(
            travel_markup(&p, &page, &TravelInput::default(), Some("Saved."), None).into_response(),
        ),
        Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. })) => {
            let e = WebError::from(e);
            let actor = p.actor.clone();
            let page = state.run(move |app| app.travel(&actor, &upn)).await?;
            let message = format!("Nothing was saved: {e}");
            Ok((
                e.status(),
                travel_markup(&p, &page, &form, None, Some(&message)),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
