//! The first-day calling list: who is absent with no reason known once the register has closed,
//! whom to ring, each call logged as it is made, and the day's message to every parent on the
//! list; before it closes, who is absent so far and which registers are not yet taken.
//!
//! A call logged or a batch of messages sent answers with the list as it now stands and what was
//! done, as the parents' call desk does.

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use rollcall_app::calling::ToCall;
use rollcall_app::cases::calling::{
    outcome_words, AttemptInput, AttemptLogged, CallingList, MessagesSent,
};
use rollcall_app::records::{AttemptOutcome, Channel, Contact};
use rollcall_app::Refusal;
use rollcall_core::calendar::format_time;
use rollcall_core::Session;
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
        path: "/office/calling-list",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "POST",
        path: "/office/calling-list/attempts",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "POST",
        path: "/office/calling-list/messages",
        permission: Permission::FollowUp,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/calling-list", get(calling_list_page))
        .route("/office/calling-list/attempts", post(log_attempt))
        .route("/office/calling-list/messages", post(send_messages))
}

/// What was just done, shown above the list.
enum Done {
    Nothing,
    Logged(Box<AttemptLogged>),
    Sent(MessagesSent),
    Refused(WebError),
}

async fn list_of(
    state: &AppState,
    p: &Principal,
    date: Option<String>,
    session: Option<String>,
) -> Result<CallingList, WebError> {
    let actor = p.actor.clone();
    state
        .run(move |app| app.calling_list(&actor, date.as_deref(), session.as_deref()))
        .await
}

async fn calling_list_page(
    State(state): State<AppState>,
    p: Principal,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Markup, WebError> {
    p.require(Permission::FollowUp)?;
    let list = list_of(
        &state,
        &p,
        query.get("date").cloned(),
        query.get("session").cloned(),
    )
    .await?;
    Ok(calling_markup(&state, &p, &list, Done::Nothing))
}

async fn log_attempt(
    State(state): State<AppState>,
    p: Principal,
    Form(form): Form<AttemptInput>,
) -> Result<Response, WebError> {
    p.require(Permission::FollowUp)?;
    let actor = p.actor.clone();
    let input = form.clone();
    let attempt = state
        .attempt(move |app| app.log_call_attempt(&actor, &input))
        .await?;
    let (done, status) = match attempt {
        Ok(logged) => (Done::Logged(Box::new(logged)), axum::http::StatusCode::OK),
        Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. })) => {
            let e = WebError::from(e);
            let status = e.status();
            (Done::Refused(e), status)
        }
        Err(e) => return Err(e.into()),
    };
    let list = list_of(&state, &p, Some(form.date), Some(form.session)).await?;
    Ok((status, calling_markup(&state, &p, &list, done)).into_response())
}

/// The day and session a batch of messages is about.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct MessagesForm {
    date: String,
    session: String,
}

async fn send_messages(
    State(state): State<AppState>,
    p: Principal,
    Form(form): Form<MessagesForm>,
) -> Result<Response, WebError> {
    p.require(Permission::FollowUp)?;
    let actor = p.actor.clone();
    let (date, session) = (form.date.clone(), form.session.clone());
    // Waits on the mail server, not on the database: off the workers' places.
    let sent = state
        .attempt_waiting(move |app| app.send_absence_messages(&actor, Some(&date), Some(&session)))
        .await?;
    let (done, status) = match sent {
        Ok(sent) => (Done::Sent(sent), axum::http::StatusCode::OK),
        Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. })) => {
            let e = WebError::from(e);
            let status = e.status();
            (Done::Refused(e), status)
        }
        Err(e) => return Err(e.into()),
    };
    let list = list_of(&state, &p, Some(form.date), Some(form.session)).await?;
    Ok((status, calling_markup(&state, &p, &list, done)).into_response())
}

fn calling_markup(state: &AppState, p: &Principal, list: &CallingList, done: Done) -> Markup {
    let now = state.now();
    let (date, session) = (list.date, list.session);
    let (opens, closes) = (
        format_time(list.opens.time()),
        format_time(list.closes.time()),
    );
    let other = match session {
        Session::Am => "PM",
        Session::Pm => "AM",
    };
    let not_marked = list.not_yet_marked_count();
    page(
        "Calling list",
        Some(p),
        html! {
            h1 { "Calling list: " (long_date(date)) ", " (session_name(session)) }
            (done_markup(&done))
            p {
                "Once the register has closed, pupils marked " span.code.c-unauthorised { "N" }
                " or with no mark, and no absence reported: contact their parents today, pupils with a social worker, looked after or with an EHC plan first. Log each call as you make it. "
                a href=(format!("/office/calling-list?date={date}&session={other}")) { "Show the other session" }
            }
            @if list.still_open {
                p.notice role="status" {
                    @if now < list.opens {
                        "The register opens at " (opens) " and closes at " (closes) ". "
                    } @else {
                        "The register is open until " (closes) ". "
                    }
                    strong { "Nobody is to call until it closes" }
                    ": a pupil without a mark may still be on their way in, or their register not yet taken."
                }
                h2 #absent-so-far { "Absent so far" }
                @if list.absent_so_far.is_empty() {
                    p { "No pupil is marked N so far." }
                } @else {
                    p {
                        strong { (list.absent_so_far.len()) } " "
                        (if list.absent_so_far.len() == 1 { "pupil is" } else { "pupils are" })
                        " marked N so far, with no absence reported. If they have not arrived by " (closes)
                        ", they will be to call."
                    }
                    (pupils_list(p, "Pupils absent so far", list, &list.absent_so_far, false))
                }
                h2 #not-yet-marked { "Not yet marked" }
                @if not_marked == 0 {
                    p { "Every pupil has a mark." }
                } @else {
                    p {
                        strong { (not_marked) } " "
                        (if not_marked == 1 { "pupil has" } else { "pupils have" })
                        " no mark yet, in " (list.not_yet_marked.len()) " "
                        (if list.not_yet_marked.len() == 1 { "form whose register is" } else { "forms whose registers are" })
                        " not yet taken:"
                    }
                    ul.forms aria-label="Forms with pupils not yet marked" {
                        @for f in &list.not_yet_marked {
                            li {
                                @match &f.form {
                                    Some(form) => a href=(register_path(form, date, session)) { (form) },
                                    None => "No form",
                                }
                                ": " (f.pupils) " not marked"
                            }
                        }
                    }
                }
            } @else {
                p { "The register closed at " (closes) "." }
                h2 #to-call { "To call" }
                @if list.to_call.is_empty() {
                    p #nobody-to-call { "Nobody to call: every pupil has a mark with a reason." }
                } @else {
                    p #to-call-count { strong { (list.to_call.len()) } " to call." }
                    (messages_panel(p, list))
                    (pupils_list(p, "Pupils to call", list, &list.to_call, true))
                }
            }
        },
    )
}

/// What was just done: the call logged, the messages sent, or why nothing was.
fn done_markup(done: &Done) -> Markup {
    match done {
        Done::Nothing => html! {},
        Done::Refused(e) => html! {
            div.error role="alert" {
                p { "Nothing was logged or sent:" }
                @for line in e.to_string().lines() { p { (line) } }
            }
        },
        Done::Logged(l) => {
            let name = full_name(&l.pupil.pupil);
            let who = format!("{} ({})", l.contact.name(), l.contact.relationship);
            html! {
                div.notice role="status" #logged {
                    @if l.repeated {
                        p { strong { "This call was logged already" } " (" (who) ", " (outcome_words(l.outcome)) "). It was not logged again." }
                    } @else if let Some(r) = &l.reason {
                        p {
                            strong { "Reason recorded for " (name) ": " } (code_badge(Some(&r.code))) " " (r.code.base().meaning())
                            ", as " (who) " said. " (name) " is no longer on the list."
                        }
                    } @else if l.information_only {
                        p {
                            strong { "Call logged: " } (who) " is not a parent, so what they said is kept as information only. "
                            "The absence stays N and " (name) " stays on the list until a parent gives the reason."
                        }
                    } @else {
                        p { strong { "Call logged: " } (who) ", " (outcome_words(l.outcome)) ". " (name) " stays on the list." }
                    }
                }
            }
        }
        Done::Sent(s) => {
            let by = |c: Channel| {
                s.messages
                    .iter()
                    .filter(|m| m.channel == c && m.outcome.is_ok())
                    .count()
            };
            html! {
                div.notice role="status" #sent {
                    p {
                        strong { "Today's message: " }
                        (by(Channel::Email)) " " (plural(by(Channel::Email), "e-mail", "e-mails"))
                        " and " (by(Channel::Sms)) " " (plural(by(Channel::Sms), "text", "texts")) " sent"
                        @if s.already > 0 { "; " (s.already) " not sent again (sent earlier today)" }
                        "."
                    }
                    @if s.failed() > 0 {
                        p.error { (s.failed()) " could not be sent:" }
                        ul {
                            @for m in s.messages.iter().filter(|m| m.outcome.is_err()) {
                                li { (full_name(&m.pupil.pupil)) ": " (m.contact_name) " (" (m.recipient) "): " (m.outcome.as_ref().err().map(String::as_str).unwrap_or("")) }
                            }
                        }
                    }
                    @if !s.nobody_to_send_to.is_empty() {
                        p {
                            "No parent to send it to (no e-mail address or number): "
                            (s.nobody_to_send_to.iter().map(|p| full_name(&p.pupil)).collect::<Vec<_>>().join(", "))
                            ". Ring them."
                        }
                    }
                }
            }
        }
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Sending the day's message to every parent on the list, or why it cannot be sent.
fn messages_panel(p: &Principal, list: &CallingList) -> Markup {
    let m = &list.messaging;
    let (pupils, parents) = list.parents_to_message();
    html! {
        section.messages aria-labelledby="messages-heading" {
            h3 #messages-heading { "Today's message to parents" }
            @if let Some(why) = m.why_not() {
                p.notice #cannot-send { "Messages cannot be sent: " (why) ". Ring each family instead." }
            } @else {
                p {
                    "Sends the school's absence message to every parent of the pupils below, one message each: "
                    @if let Some(from) = &m.email_from { "by e-mail from " (from) }
                    @if m.email_from.is_some() && m.sms_from.is_some() { " and " }
                    @if let Some(from) = &m.sms_from { "by text from " (from) }
                    ". Never to a contact who is not a parent. A parent sent it already today is not sent it again."
                }
                form method="post" action="/office/calling-list/messages" {
                    input type="hidden" name="csrf" value=(p.csrf());
                    input type="hidden" name="date" value=(list.date.to_string());
                    input type="hidden" name="session" value=(list.session.as_str());
                    button type="submit" #send-messages {
                        "Send today's message to " (parents) " " (plural(parents, "parent", "parents"))
                        " of " (pupils) " " (plural(pupils, "pupil", "pupils"))
                    }
                }
            }
        }
    }
}

/// Pupils absent with no reason known: whom to ring, the calls made today, and (once the
/// register has closed) a form to log the next call.
fn pupils_list(
    p: &Principal,
    label: &str,
    list: &CallingList,
    pupils: &[ToCall],
    to_call: bool,
) -> Markup {
    html! {
        ol.calling aria-label=(label) {
            @for t in pupils {
                @let upn = t.pupil.pupil.upn.to_string();
                @let name = full_name(&t.pupil.pupil);
                li.to-call id=(format!("pupil-{upn}")) {
                    h3 {
                        a href=(format!("/pupils/{upn}")) { (name) }
                        " · " (t.pupil.pupil.form.as_deref().unwrap_or("no form")) " · "
                        @match t.code {
                            Some(_) => span.code.c-unauthorised title="Reason not yet established" { "N" },
                            None => span.code.c-unmarked title="No mark" { "–" },
                        }
                        @if !t.vulnerable.is_empty() { " " span.pill.pa { (t.vulnerable.join(", ")) } }
                        @if let Some(back) = t.expected_back {
                            " " span.pill.sa.did-not-return { "did not return as expected (due back " (short_date(back)) ")" }
                        }
                    }
                    (contacts_markup(&t.contacts))
                    (attempts_markup(t, &name))
                    @if to_call {
                        (attempt_form(p, list, t, &name))
                    }
                }
            }
        }
    }
}

fn contacts_markup(contacts: &[Contact]) -> Markup {
    html! {
        @if contacts.is_empty() {
            p { "No contact recorded." }
        } @else {
            ul.contacts aria-label="Contacts" {
                @for c in contacts {
                    li {
                        (c.name()) " (" (c.relationship) ")"
                        @if !c.is_parent() { " " span.pill { "not a parent" } }
                        @if let Some(phone) = &c.phone {
                            " " a href=(format!("tel:{}", phone.replace(' ', ""))) { (phone) }
                        }
                        @if let Some(email) = &c.email { " · " (email) }
                    }
                }
            }
        }
    }
}

/// The calls and messages of the day about a pupil.
fn attempts_markup(t: &ToCall, name: &str) -> Markup {
    let time = |at| {
        rollcall_core::dates::school_time(at)
            .format("%H:%M")
            .to_string()
    };
    html! {
        @if !t.attempts.is_empty() {
            ol.attempts aria-label=(format!("Calls today about {name}")) {
                @for a in &t.attempts {
                    @let at = &a.attempt;
                    li {
                        (time(at.recorded.at)) " · " (a.contact_name) " · " (at.number) " · "
                        strong.outcome { (outcome_words(at.outcome)) }
                        @if at.outcome == AttemptOutcome::ReasonGiven && !at.parent { " (not a parent: information only)" }
                        @if !at.note.is_empty() { ": “" (at.note) "”" }
                        " · " (at.recorded.by)
                    }
                }
            }
        }
        @if !t.messages.is_empty() {
            ul.messages-sent aria-label=(format!("Messages today about {name}")) {
                @for m in &t.messages {
                    li {
                        (match m.message.channel { Channel::Email => "E-mail", Channel::Sms => "Text" })
                        " to " (m.message.recipient) ": "
                        @match &m.outcome {
                            None => "being sent",
                            Some(o) if o.sent => { "sent at " (time(o.at)) },
                            Some(o) => { "not sent (" (o.detail) ")" },
                        }
                    }
                }
            }
        }
    }
}

/// The outcomes a call is logged with, the commonest first.
const OUTCOMES_OFFERED: [AttemptOutcome; 5] = [
    AttemptOutcome::NoAnswer,
    AttemptOutcome::VoicemailLeft,
    AttemptOutcome::ReasonGiven,
    AttemptOutcome::WrongNumber,
    AttemptOutcome::MessageSent,
];

/// Logging the next call about a pupil: whom, how it went, and a parent's reason with its code.
fn attempt_form(p: &Principal, list: &CallingList, t: &ToCall, name: &str) -> Markup {
    let upn = t.pupil.pupil.upn.to_string();
    let id = |field: &str| format!("{field}-{upn}");
    html! {
        form.attempt method="post" action="/office/calling-list/attempts" aria-label=(format!("Log a call about {name}")) {
            input type="hidden" name="csrf" value=(p.csrf());
            input type="hidden" name="upn" value=(upn);
            input type="hidden" name="date" value=(list.date.to_string());
            input type="hidden" name="session" value=(list.session.as_str());
            div.field {
                label for=(id("contact")) { "Who you rang" }
                select id=(id("contact")) name="contact" {
                    @for c in &t.contacts {
                        option value=(c.reference) {
                            (c.name()) ", " (c.relationship)
                            @if let Some(phone) = &c.phone { ", " (phone) }
                        }
                    }
                }
            }
            div.field {
                label for=(id("outcome")) { "How it went" }
                select id=(id("outcome")) name="outcome" {
                    @for o in OUTCOMES_OFFERED {
                        option value=(o.as_str()) { (capitalise(outcome_words(o))) }
                    }
                }
            }
            div.field.wide {
                label for=(id("note")) { "What they said, or the message left" }
                input id=(id("note")) type="text" name="note";
            }
            div.field {
                label for=(id("code")) { "Code, when a parent gives the reason" }
                select id=(id("code")) name="code" {
                    option value="" { "—" }
                    (call_code_options(list.date, "-"))
                }
            }
            div.field {
                label for=(id("expected")) { "Expected back (if they said)" }
                input id=(id("expected")) type="date" name="expected_return";
            }
            button type="submit" { "Log the call" }
        }
    }
}
