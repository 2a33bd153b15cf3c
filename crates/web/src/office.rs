//! The school office: registers not yet taken, pupils who arrive late, and parents' calls about
//! absence.

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDateTime;
use maud::{html, Markup};
use rollcall_app::cases::office::{CallDesk, CallInput, LateSearch, SessionNotTaken};
use rollcall_app::registers::{call_code_allowed, CallOutcome, LateOutcome};
use rollcall_app::Refusal;
use rollcall_core::calendar::format_time;
use rollcall_core::{BaseCode, Category, Code, Date, Session};
use serde::Deserialize;

use crate::common::format::*;
use crate::common::page;
use crate::common::AppState;
use crate::common::Principal;
use crate::common::RouteRule;
use crate::common::WebError;
use rollcall_app::access::Permission;

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/office",
        permission: Permission::OfficeDesk,
    },
    RouteRule {
        method: "GET",
        path: "/office/not-taken",
        permission: Permission::OfficeDesk,
    },
    RouteRule {
        method: "GET",
        path: "/office/late",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "POST",
        path: "/office/late",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "GET",
        path: "/office/calls",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "POST",
        path: "/office/calls",
        permission: Permission::FollowUp,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office", get(home))
        .route("/office/not-taken", get(not_taken))
        .route("/office/late", get(late_page).post(late))
        .route("/office/calls", get(calls_page).post(call))
}

fn search_form(action: &str, q: &str, label: &str) -> Markup {
    html! {
        form.search method="get" action=(action) role="search" {
            label for="q" { (label) }
            input #q type="search" name="q" value=(q) size="30" autocomplete="off";
            " "
            button.secondary type="submit" { "Search" }
        }
    }
}

// ---- GET /office ----

async fn home(State(state): State<AppState>, p: Principal) -> Result<Markup, WebError> {
    p.require(Permission::OfficeDesk)?;
    let now = state.now();
    let actor = p.actor.clone();
    let sessions = state
        .run(move |app| app.registers_not_taken_today(&actor))
        .await?;
    let open: Vec<_> = sessions.iter().filter(|s| s.opened).collect();
    let count: usize = open.iter().map(|s| s.forms.len()).sum();
    let body = html! {
        h1 { "Office" }
        p { "Today is " (long_date(now.date())) ". It is " (format_time(now.time())) "." }
        p {
            a.button href="/office/late" { "Sign in a late arrival" } " "
            a.button href="/office/calls" { "Record a parent's call" } " "
            a.button.secondary href="/registers" { "All registers" }
        }
        h2 { "Registers not taken today" }
        @if open.is_empty() {
            p { (next_opening(&sessions)) }
        } @else if count == 0 {
            p.notice { "Every register that has opened today is taken." }
        } @else {
            p.notice role="status" {
                strong { (count) } " " (if count == 1 { "register has" } else { "registers have" })
                " pupils without a mark."
            }
            (not_taken_tables(&open, now, true))
            p { a href="/office/not-taken" { "Registers not taken, with who should take them" } }
        }
    };
    Ok(page("Office", Some(&p), body))
}

fn next_opening(sessions: &[SessionNotTaken]) -> String {
    match sessions.iter().find(|s| !s.opened) {
        Some(s) => format!(
            "The {} register opens at {}.",
            session_name(s.session),
            format_time(s.opens.time())
        ),
        None => "No register has opened yet today.".to_owned(),
    }
}

fn not_taken_tables(sessions: &[&SessionNotTaken], now: NaiveDateTime, brief: bool) -> Markup {
    html! {
        @for s in sessions {
            @let heading = html! {
                "The " (session_name(s.session)) " register: "
                @if now < s.closes { "open until " (format_time(s.closes.time())) }
                @else { "closed at " (format_time(s.closes.time())) }
            };
            @if brief { h3 { (heading) } } @else { h2 { (heading) } }
            @if s.forms.is_empty() {
                p { "Every " (session_name(s.session)) " register is taken." }
            } @else {
                table aria-label=(format!("{} registers not taken", session_name(s.session))) {
                    thead { tr {
                        th scope="col" { "Form" }
                        th.num scope="col" { "Not marked" }
                        @if !brief { th scope="col" { "Should be taken by" } }
                        th scope="col" { "Register" }
                    } }
                    tbody {
                        @for f in &s.forms {
                            tr {
                                th scope="row" { (f.form) }
                                td.num { (f.unmarked()) " of " (f.expected) }
                                @if !brief {
                                    td {
                                        @if f.takers.is_empty() { "No tutor has this form yet: an administrator can give it to one" }
                                        @else {
                                            (f.takers.iter().map(|t| format!("{} ({})", t.name, t.username)).collect::<Vec<_>>().join(", "))
                                        }
                                    }
                                }
                                td { a href=(register_path(&f.form, now.date(), s.session)) { "Open " (f.form) " " (s.session) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

// ---- GET /office/not-taken ----

async fn not_taken(State(state): State<AppState>, p: Principal) -> Result<Markup, WebError> {
    p.require(Permission::OfficeDesk)?;
    let now = state.now();
    let actor = p.actor.clone();
    let sessions = state
        .run(move |app| app.registers_not_taken_today(&actor))
        .await?;
    let body = html! {
        h1 { "Registers not taken" }
        p {
            (long_date(now.date())) ", " (format_time(now.time()))
            ". A register is listed once it has opened while a pupil on roll has no mark."
        }
        @for s in &sessions {
            @if s.opened {
                (not_taken_tables(&[s], now, false))
            } @else {
                h2 { "The " (session_name(s.session)) " register" }
                p { "Opens at " (format_time(s.opens.time())) "." }
            }
        }
    };
    Ok(page("Registers not taken", Some(&p), body))
}

// ---- Late sign-in ----

#[derive(Debug, Default, Deserialize)]
struct LateForm {
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

async fn late_page(
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

async fn late(
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

// ---- Parents' calls ----

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

/// The codes offered for a call: N while the reason is unknown, illness and appointments first,
/// then the other absence codes valid on `date`.
fn call_code_options(date: Date, selected: &str) -> Markup {
    let first: [(BaseCode, &str); 3] = [
        (BaseCode::N, "Reason not yet known"),
        (BaseCode::I, "Illness"),
        (BaseCode::M, "Medical or dental appointment"),
    ];
    let rest = |category: Category| -> Vec<BaseCode> {
        BaseCode::ALL
            .iter()
            .copied()
            .filter(|c| {
                c.category() == category
                    && call_code_allowed(*c)
                    && !first.iter().any(|(f, _)| f == c)
                    && Code::parse(c.symbol(), date).is_ok()
            })
            .collect()
    };
    let selected = match selected.trim() {
        "" => "N",
        s => s,
    };
    html! {
        @for (c, label) in first {
            option value=(c.symbol()) selected[c.symbol() == selected] { (c.symbol()) "  " (label) }
        }
        @for (title, category) in [("Other authorised absence", Category::Authorised), ("Other unauthorised absence", Category::Unauthorised)] {
            optgroup label=(title) {
                @for c in rest(category) {
                    option value=(c.symbol()) selected[c.symbol() == selected] { (c.symbol()) "  " (short_meaning(c)) }
                }
            }
        }
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

async fn calls_page(
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
    let body = html! {
        h1 { "Record a parent's call" }
        @if let Some(out) = &v.outcome { (call_notice(out)) }
        @if let Some(e) = &v.error { div.error role="alert" { @for line in e.lines() { p { (line) } } } }
        @match &v.desk.pupil {
            None => {
                p { "Find the pupil the call is about." }
                (search_form("/office/calls", &v.q, "Pupil's name, UPN or form"))
                @if !v.q.trim().is_empty() {
                    @if v.desk.found.is_empty() {
                        p { "No pupil on roll today matches “" (v.q) "”." }
                    } @else {
                        ul.results {
                            @for s in &v.desk.found {
                                li {
                                    a href=(format!("/office/calls?upn={}", s.pupil.upn)) {
                                        (s.pupil.surname) ", " (s.pupil.forename)
                                    }
                                    " · " (s.pupil.form.as_deref().unwrap_or("no form"))
                                }
                            }
                        }
                    }
                }
            }
            Some(chosen) => {
                @let (s, contacts) = (&chosen.pupil, &chosen.contacts);
                h2 { (full_name(&s.pupil)) " · " (s.pupil.form.as_deref().unwrap_or("no form")) " · year " (s.pupil.year_group) }
                @if !contacts.is_empty() {
                    table aria-label="Contacts" {
                        thead { tr { th scope="col" { "Contact" } th scope="col" { "Relationship" } th scope="col" { "Phone" } } }
                        tbody {
                            @for c in contacts {
                                tr {
                                    td { (c.name) }
                                    td { (c.relationship) @if c.parental_responsibility { " (parental responsibility)" } }
                                    td { (c.phone.as_deref().unwrap_or("—")) }
                                }
                            }
                        }
                    }
                }
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
    };
    page("Record a parent's call", Some(p), body)
}

fn call_notice(out: &CallOutcome) -> Markup {
    let when = |d: &Date, s: &Session| format!("{} {}", short_date(*d), s);
    html! {
        div.notice role="status" {
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
}

async fn call(
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
