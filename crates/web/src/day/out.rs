//! `GET` and `POST /office/out`, `POST /office/out/{id}/in`: pupils signed out at the office
//! during the day, who collected them, and signing them back in.

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use maud::{html, Markup};
use rollcall_app::cases::day::{OutToday, SignOutDesk, SignOutInput, SignOutOutcome};
use rollcall_app::day::SessionEffect;
use rollcall_app::records::{Collector, SignOutReason};
use rollcall_app::Refusal;
use rollcall_core::calendar::format_time;
use rollcall_core::Session;
use serde::Deserialize;

use crate::common::format::*;
use crate::common::missing::missing_banner;
use crate::common::{page, AppState, Principal, WebError};
use rollcall_app::access::Permission;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SignInForm {
    time: String,
}

struct DeskView {
    q: String,
    desk: SignOutDesk,
    form: SignOutInput,
    notice: Option<Markup>,
    error: Option<String>,
}

async fn desk(
    state: &AppState,
    p: &Principal,
    q: &str,
    upn: &str,
) -> Result<SignOutDesk, WebError> {
    let actor = p.actor.clone();
    let (q, upn) = (q.to_owned(), upn.to_owned());
    state
        .run(move |app| app.sign_out_desk(&actor, &q, Some(&upn)))
        .await
}

/// A new sign-out of the pupil with this UPN: today, now, expected back.
fn new_sign_out(upn: &str, now: NaiveDateTime) -> SignOutInput {
    SignOutInput {
        upn: upn.to_owned(),
        date: now.date().to_string(),
        time: format_time(now.time()),
        back_today: "yes".into(),
        ..SignOutInput::default()
    }
}

pub(super) async fn desk_page(
    State(state): State<AppState>,
    p: Principal,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Markup, WebError> {
    p.require(Permission::SignOut)?;
    let q = query.get("q").cloned().unwrap_or_default();
    let upn = query.get("upn").cloned().unwrap_or_default();
    let desk = desk(&state, &p, &q, &upn).await?;
    let view = DeskView {
        form: new_sign_out(&upn, desk.now),
        q,
        desk,
        notice: None,
        error: None,
    };
    Ok(desk_markup(&p, &view))
}

/// "Sarah Smith (mother)".
fn collector_text(c: &Collector) -> String {
    if c.relationship.trim().is_empty() {
        c.name.clone()
    } else {
        format!("{} ({})", c.name, c.relationship)
    }
}

fn reason_text(reason: SignOutReason, detail: &str) -> String {
    if detail.trim().is_empty() {
        capitalise(reason.label())
    } else {
        format!("{}: {}", capitalise(reason.label()), detail.trim())
    }
}

fn desk_markup(p: &Principal, v: &DeskView) -> Markup {
    let d = &v.desk;
    let now = d.now;
    let f = &v.form;
    let out_now = d.today.iter().filter(|o| o.back.is_none()).count();
    let body = html! {
        h1 { "Out of school" }
        (missing_banner(&d.missing))
        p {
            "Pupils leaving during the day are signed out here and signed back in on their return. Today is "
            (long_date(now.date())) ", it is " (format_time(now.time())) "."
        }
        @if let Some(n) = &v.notice { div.notice role="status" { (n) } }
        @if let Some(e) = &v.error { div.error role="alert" { @for line in e.lines() { p { (line) } } } }

        h2 #today { "Signed out today" }
        @if d.today.is_empty() {
            p { "Nobody has been signed out today." }
        } @else {
            p { strong { (out_now) } " " (if out_now == 1 { "pupil is" } else { "pupils are" }) " out now." }
            (today_table(p, &d.today, now))
        }

        h2 #sign-out { "Sign a pupil out" }
        @match &d.pupil {
            None => {
                form.search method="get" action="/office/out" role="search" {
                    label for="q" { "Find the pupil: name, UPN or form" }
                    input #q type="search" name="q" value=(v.q) size="30" autocomplete="off";
                    " "
                    button.secondary type="submit" { "Search" }
                }
                @if !v.q.trim().is_empty() {
                    @if d.found.is_empty() {
                        p { "No pupil on roll today matches “" (v.q) "”." }
                    } @else {
                        ul.results {
                            @for s in &d.found {
                                li {
                                    a href=(format!("/office/out?upn={}", s.pupil.upn)) { (s.pupil.surname) ", " (s.pupil.forename) }
                                    " · " (s.pupil.form.as_deref().unwrap_or("no form"))
                                }
                            }
                        }
                    }
                }
            }
            Some(chosen) => {
                @let s = &chosen.pupil;
                @let name = full_name(&s.pupil);
                h3 { (name) " · " (s.pupil.form.as_deref().unwrap_or("no form")) " · year " (s.pupil.year_group) }
                p {
                    "Today's register: "
                    @for (session, mark) in &chosen.marks {
                        (session) " " (code_badge(mark.as_ref())) " "
                    }
                }
                @if let Some(o) = &chosen.out_now {
                    p.notice {
                        (name) " was signed out at " (format_time(o.out.out_at))
                        ", collected by " (collector_text(&o.out.collector)) ", and is not back yet."
                    }
                    (sign_in_form(p, o, now))
                } @else {
                    form method="post" action="/office/out" {
                        input type="hidden" name="csrf" value=(p.csrf());
                        input type="hidden" name="upn" value=(s.pupil.upn.to_string());
                        fieldset {
                            legend { "Leaving" }
                            label for="date" { "Date" }
                            input #date type="date" name="date" value=(f.date) required;
                            label for="time-out" { "Time out" }
                            input #time-out type="time" name="time" value=(f.time) required;
                        }
                        fieldset {
                            legend { "Reason" }
                            @for r in SignOutReason::ALL {
                                @let id = format!("reason-{}", r.as_str());
                                div.choice {
                                    input type="radio" id=(id) name="reason" value=(r.as_str()) checked[f.reason == r.as_str()] required;
                                    label for=(id) { (capitalise(r.label())) }
                                }
                            }
                            label for="detail" { "Details (the appointment, the symptoms; needed for “other”)" }
                            textarea #detail name="detail" rows="2" cols="60" { (f.detail) }
                        }
                        fieldset {
                            legend { "Collected by" }
                            @if chosen.may_collect.is_empty() {
                                p.warning { "Nobody is on the list of people permitted to collect " (name) "." }
                            }
                            @for c in &chosen.may_collect {
                                @let id = format!("collector-{}", c.reference);
                                div.choice {
                                    input type="radio" id=(id) name="collected_by" value=(c.reference) checked[f.collected_by == c.reference] required;
                                    label for=(id) {
                                        (c.name()) " (" (c.relationship) ")"
                                        @if let Some(ph) = &c.phone { " · " (ph) }
                                    }
                                }
                            }
                            @if !chosen.not_permitted.is_empty() {
                                p.warning { "NOT on the list of people permitted to collect " (name) ":" }
                                @for c in &chosen.not_permitted {
                                    @let id = format!("collector-{}", c.reference);
                                    div.choice {
                                        input type="radio" id=(id) name="collected_by" value=(c.reference) checked[f.collected_by == c.reference];
                                        label for=(id) { (c.name()) " (" (c.relationship) ") — not permitted to collect" }
                                    }
                                }
                            }
                            div.choice {
                                input #collector-other type="radio" name="collected_by" value="other" checked[f.collected_by == "other"];
                                label for="collector-other" { "Another adult — not on the list of people permitted to collect" }
                            }
                            label for="other_name" { "Their name" }
                            input #other_name type="text" name="other_name" value=(f.other_name) size="30";
                            label for="other_relationship" { "Who they are (for example: aunt, taxi driver)" }
                            input #other_relationship type="text" name="other_relationship" value=(f.other_relationship) size="30";
                            div.choice {
                                input #confirm type="checkbox" name="confirm_not_permitted" value="yes" checked[!f.confirm_not_permitted.is_empty()];
                                label for="confirm" {
                                    "I confirm that " (name) " may go with someone who is NOT on the list of people permitted to collect them."
                                }
                            }
                        }
                        fieldset {
                            legend { "Expected back today?" }
                            div.choice {
                                input #back-yes type="radio" name="back_today" value="yes" checked[f.back_today != "no"];
                                label for="back-yes" { "Yes: the register is completed when they are signed back in" }
                            }
                            div.choice {
                                input #back-no type="radio" name="back_today" value="no" checked[f.back_today == "no"];
                                label for="back-no" { "No: the rest of today's sessions are marked now" }
                            }
                        }
                        p { button #sign-out-button type="submit" { "Sign " (s.pupil.forename) " out" } }
                    }
                }
                p { a href="/office/out" { "Another pupil" } }
            }
        }
    };
    page("Out of school", Some(p), body)
}

fn sign_in_form(p: &Principal, o: &OutToday, now: NaiveDateTime) -> Markup {
    let id = format!("back-{}", o.id);
    let default = if o.out.date == now.date() {
        format_time(now.time())
    } else {
        String::new()
    };
    html! {
        form.inline method="post" action=(format!("/office/out/{}/in", o.id)) {
            input type="hidden" name="csrf" value=(p.csrf());
            label for=(id) { "Back at" }
            input type="time" id=(id) name="time" value=(default) required;
            " "
            button type="submit" aria-describedby=(format!("who-{}", o.id)) { "Sign back in" }
        }
    }
}

fn today_table(p: &Principal, today: &[OutToday], now: NaiveDateTime) -> Markup {
    html! {
        table aria-label="Pupils signed out today" {
            thead { tr {
                th scope="col" { "Pupil" }
                th scope="col" { "Out" }
                th scope="col" { "Reason" }
                th scope="col" { "Collected by" }
                th scope="col" { "Back" }
            } }
            tbody {
                @for o in today {
                    tr {
                        th scope="row" #(format!("who-{}", o.id)) {
                            a href=(record_link(&o.pupil.pupil)) { (o.pupil.pupil.surname) ", " (o.pupil.pupil.forename) }
                            " (" (o.pupil.pupil.form.as_deref().unwrap_or("no form")) ")"
                        }
                        td { (format_time(o.out.out_at)) }
                        td { (reason_text(o.out.reason, &o.out.detail)) }
                        td {
                            (collector_text(&o.out.collector))
                            @if !o.out.collector.permitted {
                                br; span.warning { "Not on the permitted list: confirmed by " (o.out.recorded.by) }
                            }
                        }
                        td {
                            @match &o.back {
                                Some(b) => { (format_time(b.back_at)) }
                                None => {
                                    @if !o.out.back_today { "Not expected back today. " }
                                    (sign_in_form(p, o, now))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What a sign-out or sign-in did to the day's sessions, in words.
fn effects_list(effects: &[(Session, SessionEffect)]) -> Markup {
    html! {
        @if !effects.is_empty() {
            ul {
                @for (session, effect) in effects {
                    li {
                        (session_name(*session)) ": "
                        @match effect {
                            SessionEffect::Marked { code, replaced } => {
                                "marked " (code_badge(Some(code))) " " (code.base().meaning())
                                @if let Some(was) = replaced { " (was " (was) ", kept in the history)" }
                            }
                            SessionEffect::AlreadyMarked(code) => { "already " (code_badge(Some(code))) }
                            SessionEffect::Kept { code, why } => { "keeps " (code_badge(Some(code))) ": " (why) }
                            SessionEffect::ToComplete { mark } => {
                                "missed while out; the register has " (code_badge(mark.as_ref()))
                                ": record the session's code in the register"
                            }
                            SessionEffect::BackInTime { replaced, code } => {
                                "back before the register closed: " (code_badge(Some(code)))
                                " (was " (replaced) ", kept in the history)"
                            }
                        }
                    }
                }
            }
        }
    }
}

fn signed_out_notice(out: &SignOutOutcome) -> Markup {
    let o = &out.out;
    html! {
        p {
            strong { "Signed out: " (out.name) " at " (format_time(o.out_at)) ", " }
            "collected by " (collector_text(&o.collector)) ". "
            (reason_text(o.reason, &o.detail)) "."
            @if o.back_today && out.effects.is_empty() { " The register is completed when they are signed back in." }
        }
        (effects_list(&out.effects))
    }
}

fn signed_in_notice(out: &SignOutOutcome) -> Markup {
    html! {
        p {
            strong { "Signed back in: " (out.name) }
            @if let Some(b) = &out.back { " at " (format_time(b.back_at)) }
            " (out since " (format_time(out.out.out_at)) ")."
            @if out.effects.is_empty() { " No session's register closed while they were out." }
        }
        (effects_list(&out.effects))
    }
}

pub(super) async fn sign_out(
    State(state): State<AppState>,
    p: Principal,
    Form(form): Form<SignOutInput>,
) -> Result<Response, WebError> {
    p.require(Permission::SignOut)?;
    let actor = p.actor.clone();
    let input = form.clone();
    let attempt = state
        .attempt(move |app| app.sign_pupil_out(&actor, &input))
        .await?;
    match attempt {
        Ok(out) => {
            let desk = desk(&state, &p, "", "").await?;
            let view = DeskView {
                form: new_sign_out("", desk.now),
                q: String::new(),
                desk,
                notice: Some(signed_out_notice(&out)),
                error: None,
            };
            Ok(desk_markup(&p, &view).into_response())
        }
        Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. })) => {
            let e = WebError::from(e);
            let desk = desk(&state, &p, "", &form.upn).await?;
            let view = DeskView {
                q: String::new(),
                desk,
                form,
                notice: None,
                error: Some(format!("Nothing was recorded: {e}")),
            };
            Ok((e.status(), desk_markup(&p, &view)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn sign_in(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    p.require(Permission::SignOut)?;
    let actor = p.actor.clone();
    let attempt = state
        .attempt(move |app| app.sign_pupil_in(&actor, &id, &form.time))
        .await?;
    let (status, notice, error) = match attempt {
        Ok(out) => (None, Some(signed_in_notice(&out)), None),
        Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. })) => {
            let e = WebError::from(e);
            (
                Some(e.status()),
                None,
                Some(format!("Nothing was recorded: {e}")),
            )
        }
        Err(e) => return Err(e.into()),
    };
    let desk = desk(&state, &p, "", "").await?;
    let view = DeskView {
        form: new_sign_out("", desk.now),
        q: String::new(),
        desk,
        notice,
        error,
    };
    let markup = desk_markup(&p, &view);
    Ok(match status {
        Some(s) => (s, markup).into_response(),
        None => markup.into_response(),
    })
}
