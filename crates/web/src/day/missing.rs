//! `GET` and `POST /office/missing`, `GET` and `POST /office/missing/{id}`: pupils missing in
//! school, reported, and the search for them recorded step by step as a timeline.

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use rollcall_app::cases::day::{MissingAlertView, MissingBoard, MissingInput, StepInput};
use rollcall_app::records::MissingStep;
use rollcall_app::Refusal;
use rollcall_core::calendar::format_time;
use rollcall_core::dates::school_time;

use crate::common::format::*;
use crate::common::missing::{alert_path, missing_banner};
use crate::common::{page, AppState, Principal, WebError};
use rollcall_app::access::Permission;

/// A moment as the office reads it: "10:52", with the day when it is not `on`'s.
fn moment(at: DateTime<Utc>, on: rollcall_core::Date) -> String {
    let local = school_time(at);
    if local.date() == on {
        format_time(local.time())
    } else {
        format!("{} {}", short_date(local.date()), format_time(local.time()))
    }
}

struct BoardView {
    q: String,
    upn: String,
    board: MissingBoard,
    form: MissingInput,
    error: Option<String>,
}

async fn board(state: &AppState, p: &Principal, q: &str) -> Result<MissingBoard, WebError> {
    let actor = p.actor.clone();
    let q = q.to_owned();
    state.run(move |app| app.missing_board(&actor, &q)).await
}

pub(super) async fn board_page(
    State(state): State<AppState>,
    p: Principal,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Markup, WebError> {
    p.require(Permission::MissingPupils)?;
    let q = query.get("q").cloned().unwrap_or_default();
    let upn = query.get("upn").cloned().unwrap_or_default();
    let board = board(&state, &p, &q).await?;
    let form = MissingInput {
        upn: upn.clone(),
        time: format_time(board.now.time()),
        ..MissingInput::default()
    };
    Ok(board_markup(
        &p,
        &BoardView {
            q,
            upn,
            board,
            form,
            error: None,
        },
    ))
}

fn board_markup(p: &Principal, v: &BoardView) -> Markup {
    let b = &v.board;
    let chosen = b.found.iter().find(|s| s.pupil.upn.as_str() == v.upn);
    let body = html! {
        h1 { "Missing pupils" }
        (missing_banner(&b.open))
        @if b.open.is_empty() {
            p.notice { "No pupil is reported missing." }
        }
        @if let Some(e) = &v.error { div.error role="alert" { @for line in e.lines() { p { (line) } } } }

        h2 #report { "Report a pupil missing" }
        p {
            "When a pupil who is in school today cannot be found, tell the office at once and report them here: "
            "the search follows the checklist, each step timed and named."
        }
        form.search method="get" action="/office/missing" role="search" {
            label for="q" { "Find the pupil: name, UPN or form" }
            input #q type="search" name="q" value=(v.q) size="30" autocomplete="off";
            " "
            button.secondary type="submit" { "Search" }
        }
        @if !v.q.trim().is_empty() && b.found.is_empty() {
            p { "No pupil on roll today matches “" (v.q) "”." }
        }
        @if chosen.is_none() && !b.found.is_empty() {
            ul.results {
                @for s in &b.found {
                    li {
                        a href=(format!("/office/missing?q={}&upn={}", segment(&v.q), s.pupil.upn)) {
                            (s.pupil.surname) ", " (s.pupil.forename)
                        }
                        " · " (s.pupil.form.as_deref().unwrap_or("no form"))
                    }
                }
            }
        }
        @if let Some(s) = chosen {
            form method="post" action="/office/missing" {
                input type="hidden" name="csrf" value=(p.csrf());
                input type="hidden" name="upn" value=(s.pupil.upn.to_string());
                h3 { "Report " (full_name(&s.pupil)) " (" (s.pupil.form.as_deref().unwrap_or("no form")) ") missing" }
                label for="time" { "Found to be missing at" }
                input #time type="time" name="time" value=(v.form.time) required;
                label for="noticed_by" { "Noticed by" }
                input #noticed_by type="text" name="noticed_by" value=(v.form.noticed_by) size="40" required
                    placeholder="Mr Jones (science, period 3)";
                label for="last_seen" { "Last seen: where and when" }
                textarea #last_seen name="last_seen" rows="2" cols="60" required { (v.form.last_seen) }
                p { button type="submit" { "Report missing" } }
            }
        }

        @if !b.closed.is_empty() {
            h2 #closed { "Closed in the last two weeks" }
            table aria-label="Alerts closed lately" {
                thead { tr {
                    th scope="col" { "Pupil" }
                    th scope="col" { "Missing from" }
                    th scope="col" { "Closed" }
                    th scope="col" { "Checklist" }
                } }
                tbody {
                    @for a in &b.closed {
                        tr {
                            th scope="row" { (full_name(&a.pupil.pupil)) " (" (a.pupil.pupil.form.as_deref().unwrap_or("no form")) ")" }
                            td { (short_date(a.date)) " " (format_time(school_time(a.report.noticed_at).time())) }
                            td {
                                @if let Some(c) = a.closed() {
                                    (c.step.label()) " " (moment(c.at, a.date)) ": " (c.note)
                                }
                            }
                            td { a href=(alert_path(a.id)) { "Timeline" } }
                        }
                    }
                }
            }
        }
    };
    page("Missing pupils", Some(p), body)
}

pub(super) async fn report(
    State(state): State<AppState>,
    p: Principal,
    Form(form): Form<MissingInput>,
) -> Result<Response, WebError> {
    p.require(Permission::MissingPupils)?;
    let actor = p.actor.clone();
    let input = form.clone();
    let attempt = state
        .attempt(move |app| app.report_missing(&actor, &input))
        .await?;
    match attempt {
        Ok(alert) => {
            Ok(alert_markup(&p, &alert, &StepInput::default(), None, None).into_response())
        }
        Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. })) => {
            let e = WebError::from(e);
            let q = form.upn.clone();
            let board = board(&state, &p, &q).await?;
            let view = BoardView {
                q,
                upn: form.upn.clone(),
                board,
                form,
                error: Some(format!("Nothing was recorded: {e}")),
            };
            Ok((e.status(), board_markup(&p, &view)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn alert_page(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Markup, WebError> {
    p.require(Permission::MissingPupils)?;
    let actor = p.actor.clone();
    let alert = state.run(move |app| app.missing_alert(&actor, &id)).await?;
    Ok(alert_markup(&p, &alert, &StepInput::default(), None, None))
}

fn alert_markup(
    p: &Principal,
    a: &MissingAlertView,
    form: &StepInput,
    notice: Option<&str>,
    error: Option<&str>,
) -> Markup {
    let pupil = &a.pupil.pupil;
    let name = full_name(pupil);
    let title = format!("Missing: {name}");
    let body = html! {
        p { a href="/office/missing" { "← Missing pupils" } }
        h1 { "Missing: " (name) " (" (pupil.form.as_deref().unwrap_or("no form")) ")" }
        @if a.open {
            section.alarm role="alert" {
                h2 { "Not yet found" }
                p {
                    "Missing since " (moment(a.report.noticed_at, a.date)) " on " (long_date(a.date))
                    ". Last seen: " (a.report.last_seen) "."
                }
            }
        } @else if let Some(c) = a.closed() {
            p.notice { strong { (c.step.label()) } " at " (moment(c.at, a.date)) ": " (c.note) }
        }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        @if let Some(e) = error { div.error role="alert" { @for line in e.lines() { p { (line) } } } }
        dl {
            dt { "Found to be missing" } dd { (moment(a.report.noticed_at, a.date)) ", " (long_date(a.date)) }
            dt { "Noticed by" } dd { (a.report.noticed_by) }
            dt { "Last seen" } dd { (a.report.last_seen) }
            dt { "Reported by" } dd { (a.report.recorded.by) " (" (a.report.recorded.role) "), " (moment(a.report.recorded.at, a.date)) }
            dt { "That day's register" }
            dd {
                @for (session, mark) in &a.marks { (session) " " (code_badge(mark.as_ref())) " " }
                @for away in &a.away { " · signed " (away.describe()) }
            }
        }
        p { a href=(record_link(pupil)) { (name) "'s record and contacts" } }

        h2 #timeline { "Timeline" }
        @if a.timeline.is_empty() {
            p { "No step recorded yet." }
        } @else {
            table aria-label="Timeline of the search" {
                thead { tr {
                    th scope="col" { "When" }
                    th scope="col" { "Step" }
                    th scope="col" { "Note" }
                    th scope="col" { "Recorded by" }
                } }
                tbody {
                    @for e in &a.timeline {
                        tr {
                            td { (moment(e.at, a.date)) }
                            th scope="row" { (e.step.label()) }
                            td { (e.note) }
                            td { (e.recorded.by) " (" (e.recorded.role) "), " (moment(e.recorded.at, a.date)) }
                        }
                    }
                }
            }
        }

        h2 #checklist { "Checklist" }
        ol.checklist {
            @for item in &a.checklist {
                li {
                    @if item.done.is_empty() {
                        (item.prompt) ": " em { "not yet recorded" }
                    } @else {
                        "✓ " (item.prompt) ": "
                        (item.done.iter().map(|e| moment(e.at, a.date)).collect::<Vec<_>>().join(", "))
                    }
                }
            }
        }

        @if a.open {
            h2 #record-step { "Record a step" }
            form method="post" action=(alert_path(a.id)) {
                input type="hidden" name="csrf" value=(p.csrf());
                label for="step" { "Step" }
                select #step name="step" required {
                    @for step in MissingStep::ALL {
                        option value=(step.as_str()) selected[form.step == step.as_str()] { (step.label()) }
                    }
                }
                label for="time" { "When (leave empty for now)" }
                input #time type="time" name="time" value=(form.time);
                label for="date" { "Day, if not today" }
                input #date type="date" name="date" value=(form.date);
                label for="note" { "Note (where the pupil was found, who was spoken to, the police reference)" }
                textarea #note name="note" rows="2" cols="60" { (form.note) }
                p { button type="submit" { "Record the step" } }
            }
        }
    };
    page(&title, Some(p), body)
}

pub(super) async fn step(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Form(form): Form<StepInput>,
) -> Result<Response, WebError> {
    p.require(Permission::MissingPupils)?;
    let actor = p.actor.clone();
    let input = form.clone();
    let asked = id.clone();
    let attempt = state
        .attempt(move |app| app.record_missing_step(&actor, &asked, &input))
        .await?;
    match attempt {
        Ok(alert) => {
            let notice = alert
                .timeline
                .iter()
                .max_by_key(|e| e.recorded.at)
                .map(|e| format!("Recorded: {}.", e.step.label()));
            Ok(
                alert_markup(&p, &alert, &StepInput::default(), notice.as_deref(), None)
                    .into_response(),
            )
        }
        Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. })) => {
            let e = WebError::from(e);
            let actor = p.actor.clone();
            let alert = state.run(move |app| app.missing_alert(&actor, &id)).await;
            match alert {
                Ok(alert) => {
                    let message = format!("Nothing was recorded: {e}");
                    Ok((
                        e.status(),
                        alert_markup(&p, &alert, &form, None, Some(&message)),
                    )
                        .into_response())
                }
                // The alert itself cannot be read (a malformed number): say what is wrong.
                Err(_) => Err(e),
            }
        }
        Err(e) => Err(e.into()),
    }
}
