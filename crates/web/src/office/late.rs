//! `GET` and `POST /office/late`: pupils who arrive late, signed in at the office.
//!
//! Two steps: the search lists pupils with their date of birth and the end of their UPN (two
//! pupils of one name are told apart), each with a link to choose them; the pupil chosen is shown
//! with one button that names them, their form and date of birth, and signs them in.

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use maud::{html, Markup};
use rollcall_app::cases::office::{LateFound, LateSearch};
use rollcall_app::registers::LateOutcome;
use rollcall_app::Refusal;
use rollcall_core::calendar::format_time;
use rollcall_core::{BaseCode, Category, Code, Session};
use serde::Deserialize;

use crate::common::format::*;
use crate::common::{page, AppState, Principal, WebError};
use rollcall_app::access::Permission;

use super::search::{born, search_form, upn_tail, who};

#[derive(Debug, Default, Deserialize)]
pub(super) struct LateForm {
    #[serde(default)]
    upn: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    q: String,
}

struct LateView {
    q: String,
    search: LateSearch,
    time: String,
    notice: Option<Markup>,
    error: Option<String>,
}

/// The late sign-in page for a search and the pupil chosen (if any), the time offered for an
/// arrival already filled in.
async fn late_view(
    state: &AppState,
    p: &Principal,
    q: &str,
    chosen: Option<&str>,
    time: String,
) -> Result<LateView, WebError> {
    let actor = p.actor.clone();
    let query = q.to_owned();
    let chosen = chosen.map(str::to_owned);
    let search = state
        .run(move |app| app.late_search(&actor, &query, chosen.as_deref()))
        .await?;
    Ok(LateView {
        q: q.to_owned(),
        search,
        time,
        notice: None,
        error: None,
    })
}

pub(super) async fn late_page(
    State(state): State<AppState>,
    p: Principal,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Markup, WebError> {
    p.require(Permission::FollowUp)?;
    let now = state.now();
    let q = query.get("q").cloned().unwrap_or_default();
    let upn = query.get("upn").map(String::as_str);
    let view = late_view(&state, &p, &q, upn, format_time(now.time())).await?;
    Ok(late_markup(&p, &view, now))
}

/// Why a pupil cannot be signed in late, when they cannot: already in school, or marked with
/// something only the register may change.
fn not_to_sign_in(found: &LateFound, session: Session, now: NaiveDateTime) -> Option<Markup> {
    let m = found.mark.as_ref().filter(|m| m.base() != BaseCode::N)?;
    let s = &found.pupil.pupil;
    Some(
        if m.category() == Category::Present || m.base() == BaseCode::U {
            html! { "Already in school" }
        } else {
            html! {
                "Marked " (m) ": "
                @if let Some(form) = &s.form {
                    a href=(register_path(form, now.date(), session)) { "change it in the register" }
                } @else { "change it in the register" }
            }
        },
    )
}

fn choose_link(q: &str, upn: &str) -> String {
    format!("/office/late?q={}&upn={upn}#chosen", segment(q))
}

/// The pupil chosen, and the one button that signs them in, naming them.
fn chosen_markup(p: &Principal, v: &LateView, found: &LateFound, now: NaiveDateTime) -> Markup {
    let session = v.search.session;
    let s = &found.pupil.pupil;
    let name = full_name(s);
    let form = s.form.as_deref().unwrap_or("no form");
    html! {
        section.chosen #chosen aria-labelledby="chosen-heading" {
            h2 #chosen-heading { "Sign in late: " (name) }
            dl {
                dt { "Form" } dd { (form) }
                dt { "Date of birth" } dd { (date_text(s.dob)) }
                dt { "UPN" } dd { (s.upn) }
                dt { (session) " mark" } dd { (code_badge(found.mark.as_ref())) }
            }
            @if let Some(why) = not_to_sign_in(found, session, now) {
                p { (why) }
            } @else {
                form method="post" action="/office/late" {
                    input type="hidden" name="csrf" value=(p.csrf());
                    input type="hidden" name="upn" value=(s.upn.to_string());
                    input type="hidden" name="q" value=(v.q);
                    label for="time" { "Arrived at" }
                    input #time type="time" name="time" value=(v.time) required;
                    p {
                        button type="submit" {
                            "Sign in " (name) " (" (form) ", " (born(s)) ") late"
                        }
                    }
                }
            }
            p { a href=(format!("/office/late?q={}", segment(&v.q))) { "Not this pupil: choose another" } }
        }
    }
}

fn late_markup(p: &Principal, v: &LateView, now: NaiveDateTime) -> Markup {
    let session = v.search.session;
    let closes = format_time(v.search.closes);
    let chosen_upn = v
        .search
        .chosen
        .as_ref()
        .map(|c| c.pupil.pupil.upn.to_string());
    let body = html! {
        h1 { "Late sign-in" }
        p {
            "A pupil arriving before the " (session_name(session)) " register closes at " (closes)
            " is marked L (late, present); from " (closes) " U (arrived after the register closed, unauthorised absence). Today is "
            (short_date(now.date())) ", it is " (format_time(now.time())) "."
        }
        @if let Some(n) = &v.notice { div.notice role="status" { (n) } }
        @if let Some(e) = &v.error { p.error role="alert" { (e) } }
        @if let Some(found) = &v.search.chosen { (chosen_markup(p, v, found, now)) }
        (search_form("/office/late", &v.q, "Find the pupil: name, UPN or form"))
        @if !v.q.trim().is_empty() {
            @if v.search.found.is_empty() {
                p { "No pupil on roll today matches “" (v.q) "”." }
            } @else {
                p { "Choose the pupil, then check their details and sign them in." }
                table.reflow aria-label="Pupils found" {
                    thead { tr {
                        th scope="col" { "Pupil" }
                        th scope="col" { "Date of birth" }
                        th scope="col" { "UPN" }
                        th scope="col" { "Form" }
                        th.hide-small scope="col" { (session) " mark" }
                        th scope="col" { "Choose" }
                    } }
                    tbody {
                        @for found in &v.search.found {
                            @let s = &found.pupil.pupil;
                            @let upn = s.upn.to_string();
                            tr {
                                th scope="row" { (s.surname) ", " (s.forename) }
                                td data-label="Date of birth" { (date_text(s.dob)) }
                                td data-label="UPN" { (upn_tail(s)) }
                                td data-label="Form" { (s.form.as_deref().unwrap_or("—")) }
                                td.hide-small { (code_badge(found.mark.as_ref())) }
                                td {
                                    @if let Some(why) = not_to_sign_in(found, session, now) {
                                        (why)
                                    } @else if chosen_upn.as_deref() == Some(upn.as_str()) {
                                        strong { "Chosen" }
                                    } @else {
                                        a.button.secondary href=(choose_link(&v.q, &upn))
                                            aria-label=(format!("Choose {}", who(s))) { "Choose" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page("Late sign-in", Some(p), body)
}

fn late_notice(out: &LateOutcome) -> Markup {
    let form = out
        .form
        .as_deref()
        .map(|f| format!(" ({f})"))
        .unwrap_or_default();
    html! {
        p {
            strong { "Signed in: " (out.name) (form) " " }
            (code_badge(Some(&Code::new(out.code))))
            @if out.code == BaseCode::L {
                " late, " (out.minutes_late) " minutes after the " (session_name(out.session))
                " register opened (present: the register closes at " (format_time(out.closes)) ")."
            } @else {
                " arrived " (out.minutes_late) " minutes after the " (session_name(out.session))
                " register opened, after it closed at " (format_time(out.closes)) " (unauthorised absence)."
            }
            @if let Some(was) = &out.replaced { " This replaces the mark " (was) ", which is kept in the history." }
        }
    }
}

pub(super) async fn late(
    State(state): State<AppState>,
    p: Principal,
    Form(form): Form<LateForm>,
) -> Result<Response, WebError> {
    p.require(Permission::FollowUp)?;
    let now = state.now();
    let actor = p.actor.clone();
    let (upn, time) = (form.upn.clone(), form.time.clone());
    let attempt = state
        .attempt(move |app| app.sign_in_late(&actor, &upn, &time))
        .await?;
    match attempt {
        Ok(out) => {
            let mut view = late_view(&state, &p, &form.q, None, format_time(now.time())).await?;
            view.notice = Some(late_notice(&out));
            Ok(late_markup(&p, &view, now).into_response())
        }
        Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. })) => {
            let e = WebError::from(e);
            // The pupil chosen, again, when there is one to show.
            let mut view =
                match late_view(&state, &p, &form.q, Some(&form.upn), form.time.clone()).await {
                    Ok(view) => view,
                    Err(_) => late_view(&state, &p, &form.q, None, form.time.clone()).await?,
                };
            view.error = Some(format!("Nothing was recorded: {e}"));
            Ok((e.status(), late_markup(&p, &view, now)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
