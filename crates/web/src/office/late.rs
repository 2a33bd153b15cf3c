//! `GET` and `POST /office/late`: pupils who arrive late, signed in at the office.

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use maud::{html, Markup};
use rollcall_app::cases::office::LateSearch;
use rollcall_app::registers::LateOutcome;
use rollcall_app::Refusal;
use rollcall_core::calendar::format_time;
use rollcall_core::{BaseCode, Category, Code};
use serde::Deserialize;

use crate::common::format::*;
use crate::common::{page, AppState, Principal, WebError};
use rollcall_app::access::Permission;

use super::search::search_form;

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

/// The late sign-in page for a search, the time offered for an arrival already filled in.
async fn late_view(
    state: &AppState,
    p: &Principal,
    q: &str,
    time: String,
) -> Result<LateView, WebError> {
    let actor = p.actor.clone();
    let query = q.to_owned();
    let search = state
        .run(move |app| app.late_search(&actor, &query))
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
    let view = late_view(&state, &p, &q, format_time(now.time())).await?;
    Ok(late_markup(&p, &view, now))
}

fn late_markup(p: &Principal, v: &LateView, now: NaiveDateTime) -> Markup {
    let session = v.search.session;
    let closes = format_time(v.search.closes);
    let body = html! {
        h1 { "Late sign-in" }
        p {
            "A pupil arriving before the " (session_name(session)) " register closes at " (closes)
            " is marked L (late, present); from " (closes) " U (arrived after the register closed, unauthorised absence). Today is "
            (short_date(now.date())) ", it is " (format_time(now.time())) "."
        }
        @if let Some(n) = &v.notice { div.notice role="status" { (n) } }
        @if let Some(e) = &v.error { p.error role="alert" { (e) } }
        (search_form("/office/late", &v.q, "Find the pupil: name, UPN or form"))
        @if !v.q.trim().is_empty() {
            @if v.search.found.is_empty() {
                p { "No pupil on roll today matches “" (v.q) "”." }
            } @else {
                table aria-label="Pupils found" {
                    thead { tr {
                        th scope="col" { "Pupil" }
                        th scope="col" { "Form" }
                        th.hide-small scope="col" { (session) " mark" }
                        th scope="col" { "Sign in" }
                    } }
                    tbody {
                        @for found in &v.search.found {
                            @let (s, mark) = (&found.pupil, &found.mark);
                            @let upn = s.pupil.upn.to_string();
                            tr {
                                th scope="row" #(format!("who-{upn}")) { (s.pupil.surname) ", " (s.pupil.forename) }
                                td { (s.pupil.form.as_deref().unwrap_or("—")) }
                                td.hide-small { (code_badge(mark.as_ref())) }
                                td {
                                    @if let Some(m) = mark.as_ref().filter(|m| m.base() != BaseCode::N) {
                                        @if m.category() == Category::Present || m.base() == BaseCode::U {
                                            "Already in school"
                                        } @else {
                                            "Marked " (m) ": "
                                            @if let Some(form) = &s.pupil.form {
                                                a href=(register_path(form, now.date(), session)) { "change it in the register" }
                                            } @else { "change it in the register" }
                                        }
                                    } @else {
                                    form method="post" action="/office/late" {
                                        input type="hidden" name="csrf" value=(p.csrf());
                                        input type="hidden" name="upn" value=(upn);
                                        input type="hidden" name="q" value=(v.q);
                                        label for=(format!("time-{upn}")) { "Arrived at" }
                                        input type="time" id=(format!("time-{upn}")) name="time" value=(v.time) required;
                                        " "
                                        button type="submit" aria-describedby=(format!("who-{upn}")) { "Sign in late" }
                                    }
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
            let mut view = late_view(&state, &p, &form.q, format_time(now.time())).await?;
            view.notice = Some(late_notice(&out));
            Ok(late_markup(&p, &view, now).into_response())
        }
        Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. })) => {
            let e = WebError::from(e);
            let mut view = late_view(&state, &p, &form.q, form.time.clone()).await?;
            view.error = Some(format!("Nothing was recorded: {e}"));
            Ok((e.status(), late_markup(&p, &view, now)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
