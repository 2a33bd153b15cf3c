//! `GET` and `POST /office/calls`: a parent's call about absence, recorded as it was said.
//!
//! The pupil's calls of the last weeks are shown with the form, and after a call is recorded the
//! page shows what was recorded, with an explicit link to record another, rather than a blank
//! form inviting the same call again. The same call sent twice is recorded once
//! (`App::record_call`).

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use maud::{html, Markup};
use rollcall_app::cases::office::{CallDesk, CallInput, CallPupil};
use rollcall_app::registers::{CallOutcome, RECENT_CALL_DAYS};
use rollcall_app::Refusal;
use rollcall_core::{Date, Session};

use crate::common::format::*;
use crate::common::{page, AppState, Principal, WebError};
use rollcall_app::access::Permission;

use super::search::{born, search_form, upn_tail};

/// A new call about today, from the session under way.
fn new_call(upn: &str, desk: &CallDesk) -> CallInput {
    CallInput {
        upn: upn.to_owned(),
        first_date: desk.today.to_string(),
        first_session: desk.first_session.as_str().to_owned(),
        last_date: desk.today.to_string(),
        last_session: "PM".into(),
        code: "N".into(),
        ..CallInput::default()
    }
}

struct CallView {
    q: String,
    desk: CallDesk,
    form: CallInput,
    error: Option<String>,
    outcome: Option<CallOutcome>,
}

/// The call desk: the pupils a search found, and the pupil with this UPN (if any) with their
/// contacts.
async fn call_desk(
    state: &AppState,
    p: &Principal,
    q: &str,
    upn: &str,
) -> Result<CallDesk, WebError> {
    let actor = p.actor.clone();
    let (q, upn) = (q.to_owned(), upn.to_owned());
    state
        .run(move |app| app.call_desk(&actor, &q, Some(&upn)))
        .await
}

pub(super) async fn calls_page(
    State(state): State<AppState>,
    p: Principal,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Markup, WebError> {
    p.require(Permission::FollowUp)?;
    let now = state.now();
    let q = query.get("q").cloned().unwrap_or_default();
    let upn = query.get("upn").cloned().unwrap_or_default();
    let desk = call_desk(&state, &p, &q, &upn).await?;
    let view = CallView {
        form: new_call(&upn, &desk),
        q,
        desk,
        error: None,
        outcome: None,
    };
    Ok(calls_markup(&p, &view, now))
}

fn calls_markup(p: &Principal, v: &CallView, now: NaiveDateTime) -> Markup {
    let body = html! {
        h1 { "Record a parent's call" }
        @if let Some(e) = &v.error { div.error role="alert" { @for line in e.lines() { p { (line) } } } }
        @match (&v.outcome, &v.desk.pupil) {
            (Some(out), Some(chosen)) => { (recorded(out, chosen)) }
            (_, None) => { (find_pupil(v)) }
            (None, Some(chosen)) => { (call_form(p, v, chosen, now)) }
        }
    };
    page("Record a parent's call", Some(p), body)
}

/// Finding the pupil a call is about.
fn find_pupil(v: &CallView) -> Markup {
    html! {
        p { "Find the pupil the call is about." }
        (search_form("/office/calls", &v.q, "Pupil's name, UPN or form"))
        @if !v.q.trim().is_empty() {
            @if v.desk.found.is_empty() {
                p { "No pupil on roll today matches “" (v.q) "”." }
            } @else {
                p { "Choose the pupil: the date of birth and the end of the UPN tell apart two of the same name." }
                ul.results {
                    @for s in &v.desk.found {
                        li {
                            a href=(format!("/office/calls?upn={}", s.pupil.upn)) {
                                (s.pupil.surname) ", " (s.pupil.forename)
                            }
                            " · " (s.pupil.form.as_deref().unwrap_or("no form"))
                            " · " (born(&s.pupil)) " · UPN " (upn_tail(&s.pupil))
                        }
                    }
                }
            }
        }
    }
}

/// The calls recorded recently about the pupil, if any.
fn recent_calls(chosen: &CallPupil) -> Markup {
    let name = full_name(&chosen.pupil.pupil);
    html! {
        h3 #recent-calls { "Calls about " (name) " in the last " (RECENT_CALL_DAYS) " days" }
        @if chosen.calls.is_empty() {
            p { "None recorded." }
        } @else {
            (recorded_calls(&format!("Calls recorded about {name}"), &chosen.calls))
        }
    }
}

/// The form for a call about the chosen pupil, with their contacts and the calls already
/// recorded (so that a call already taken is not taken twice).
fn call_form(p: &Principal, v: &CallView, chosen: &CallPupil, now: NaiveDateTime) -> Markup {
    let f = &v.form;
    let sessions = |name: &str, id: &str, selected: &str| {
        html! {
            select id=(id) name=(name) {
                @for s in Session::BOTH {
                    option value=(s.as_str()) selected[s.as_str().eq_ignore_ascii_case(selected.trim())] { (session_name(s)) }
                }
            }
        }
    };
    let code_date = rollcall_core::parse_date(f.first_date.trim()).unwrap_or(now.date());
    let (s, contacts) = (&chosen.pupil, &chosen.contacts);
    html! {
        h2 { (full_name(&s.pupil)) " · " (s.pupil.form.as_deref().unwrap_or("no form")) " · year " (s.pupil.year_group) }
        p.who { (capitalise(&born(&s.pupil))) " · UPN " (s.pupil.upn) }
        @if !contacts.is_empty() {
            table.reflow aria-label="Contacts" {
                thead { tr { th scope="col" { "Contact" } th scope="col" { "Relationship" } th scope="col" { "Phone" } } }
                tbody {
                    @for c in contacts {
                        tr {
                            th scope="row" { (c.name()) }
                            td data-label="Relationship" { (c.relationship) @if c.parental_responsibility { " (parental responsibility)" } }
                            td data-label="Phone" { (c.phone.as_deref().unwrap_or("—")) }
                        }
                    }
                }
            }
        }
        (recent_calls(chosen))
        h3 { "A new call" }
        form method="post" action="/office/calls" {
            input type="hidden" name="csrf" value=(p.csrf());
            input type="hidden" name="upn" value=(s.pupil.upn.to_string());
            label for="reported_by" { "Who called" }
            input #reported_by type="text" name="reported_by" value=(f.reported_by) size="30" list="callers" required
                placeholder="Mother (phone)";
            datalist #callers {
                @for c in contacts { option value=(format!("{} (phone)", c.relationship)) {} }
            }
            label for="reason" { "What they said" }
            textarea #reason name="reason" rows="3" cols="60" required { (f.reason) }
            label for="code" { "Code" }
            select #code name="code" { (call_code_options(code_date, &f.code)) }
            fieldset {
                legend { "First session absent" }
                label for="first_date" { "Date" }
                input #first_date type="date" name="first_date" value=(f.first_date) required;
                label for="first_session" { "Session" }
                (sessions("first_session", "first_session", &f.first_session))
            }
            fieldset {
                legend { "Last session absent" }
                label for="last_date" { "Date" }
                input #last_date type="date" name="last_date" value=(f.last_date) required;
                label for="last_session" { "Session" }
                (sessions("last_session", "last_session", &f.last_session))
            }
            label for="expected_return" { "Expected back (if they said)" }
            input #expected_return type="date" name="expected_return" value=(f.expected_return);
            p { button type="submit" { "Record the call" } }
        }
        p { a href="/office/calls" { "A call about another pupil" } }
    }
}

/// What was recorded, in place of the form: the call as saved, what it did to the register, and
/// an explicit choice to record another.
fn recorded(out: &CallOutcome, chosen: &CallPupil) -> Markup {
    let c = &out.call;
    let upn = chosen.pupil.pupil.upn.to_string();
    html! {
        div.notice role="status" {
            @if out.repeated {
                p {
                    strong { "This call was already recorded" } " (" (taken_text(c)) "). "
                    "It was not recorded again, and no mark was changed."
                }
            } @else {
                (call_notice(out))
            }
        }
        h2 { "The call about " (out.name) }
        dl.recorded {
            dt { "Who called" } dd { (c.reported_by) }
            dt { "What they said" } dd { (c.reason) }
            dt { "Code" } dd { (code_badge(Some(&c.code))) " " (c.code.base().meaning()) }
            dt { "Sessions" } dd { (sessions_text(c.first, c.last)) }
            dt { "Expected back" } dd { @match c.expected_return { Some(d) => (long_date(d)), None => "Not said" } }
            dt { "Taken" } dd { (taken_text(c)) }
        }
        p {
            a.button href=(format!("/office/calls?upn={upn}")) { "Record another call about " (out.name) }
            " "
            a.button.secondary href="/office/calls" { "A call about another pupil" }
        }
        p { a href=(format!("/pupils/{upn}")) { (out.name) "'s record" } }
        (recent_calls(chosen))
    }
}

/// What recording the call did to the register.
fn call_notice(out: &CallOutcome) -> Markup {
    let when = |d: &Date, s: &Session| format!("{} {}", short_date(*d), s);
    html! {
        p {
            strong { "Call recorded for " (out.name) ". " }
            @if out.marked.is_empty() { "No session needed a new mark." }
            @else {
                (out.marked.len()) " " (if out.marked.len() == 1 { "session" } else { "sessions" })
                " marked " (code_badge(Some(&out.code))) " " (out.code.base().meaning()) ":"
            }
        }
        @if !out.marked.is_empty() {
            ul {
                @for (d, s, was) in &out.marked {
                    li { (when(d, s)) @if let Some(w) = was { " (was " (w) ", kept in the history)" } }
                }
            }
        }
        @if !out.unchanged.is_empty() {
            p { "Already marked " (out.code) ": " (out.unchanged.iter().map(|(d, s)| when(d, s)).collect::<Vec<_>>().join(", ")) "." }
        }
        @if !out.left.is_empty() {
            p { "Left as they were:" }
            ul {
                @for l in &out.left {
                    li { (when(&l.date, &l.session)) " " (code_badge(Some(&l.code))) ": " (l.why) }
                }
            }
        }
    }
}

pub(super) async fn call(
    State(state): State<AppState>,
    p: Principal,
    Form(form): Form<CallInput>,
) -> Result<Response, WebError> {
    p.require(Permission::FollowUp)?;
    let now = state.now();
    let actor = p.actor.clone();
    let input = form.clone();
    let attempt = state
        .attempt(move |app| app.record_call(&actor, &input))
        .await?;
    match attempt {
        Ok(out) => {
            let desk = call_desk(&state, &p, "", &form.upn).await?;
            let view = CallView {
                q: String::new(),
                form: new_call(&form.upn, &desk),
                desk,
                error: None,
                outcome: Some(out),
            };
            Ok(calls_markup(&p, &view, now).into_response())
        }
        Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. })) => {
            let e = WebError::from(e);
            let desk = call_desk(&state, &p, "", &form.upn).await?;
            let view = CallView {
                q: String::new(),
                desk,
                form,
                error: Some(format!("Nothing was recorded: {e}")),
                outcome: None,
            };
            Ok((e.status(), calls_markup(&p, &view, now)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
