//! `GET /office` and `GET /office/not-taken`: the registers not yet taken, and who should take them;
//! on the desk too, any pupil missing and the pupils out of school now.

use axum::extract::State;
use chrono::NaiveDateTime;
use maud::{html, Markup};
use rollcall_app::cases::office::SessionNotTaken;
use rollcall_core::calendar::format_time;

use crate::common::format::*;
use crate::common::missing::missing_banner;
use crate::common::{page, AppState, Principal, WebError};
use rollcall_app::access::Permission;

pub(super) async fn home(State(state): State<AppState>, p: Principal) -> Result<Markup, WebError> {
    p.require(Permission::OfficeDesk)?;
    let now = state.now();
    let actor = p.actor.clone();
    let day = state.run(move |app| app.office_day(&actor)).await?;
    let sessions = day.not_taken;
    let open: Vec<_> = sessions.iter().filter(|s| s.opened).collect();
    let count: usize = open.iter().map(|s| s.forms.len()).sum();
    let body = html! {
        h1 { "Office" }
        (missing_banner(&day.missing))
        p { "Today is " (long_date(now.date())) ". It is " (format_time(now.time())) "." }
        p {
            a.button href="/office/late" { "Sign in a late arrival" } " "
            a.button href="/office/calls" { "Record a parent's call" } " "
            a.button href="/office/out" { "Sign a pupil out or in" } " "
            a.button.secondary href="/office/missing" { "Report a missing pupil" } " "
            a.button.secondary href="/office/contacts" { "Contacts to complete" } " "
            a.button.secondary href="/registers" { "All registers" }
        }
        @if !day.out_now.is_empty() {
            h2 { "Out of school now" }
            ul {
                @for o in &day.out_now {
                    li {
                        (o.pupil.pupil.surname) ", " (o.pupil.pupil.forename)
                        " (" (o.pupil.pupil.form.as_deref().unwrap_or("no form")) "): out since "
                        (format_time(o.out.out_at)) ", collected by " (o.out.collector.name)
                    }
                }
            }
            p { a href="/office/out" { "Sign a pupil back in" } }
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

pub(super) async fn not_taken(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Markup, WebError> {
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
