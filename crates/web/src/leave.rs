//! Leave of absence at school: `GET /leave` lists the applications of the pupils a member of
//! staff reaches; the office enters one from a paper form (`GET /leave/new`, `POST /leave`);
//! the headteacher decides each at `GET`/`POST /leave/{id}` with its decision support in view.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::cases::family::LeaveForm;
use rollcall_app::cases::leave::{applicant_text, DecisionForm, LeaveCase, LeaveLetter};
use rollcall_app::leave::{PreEntered, LEAVE_CODES};
use rollcall_app::records::{LeaveStatus, StoredLeave, StoredPupil};
use rollcall_app::Refusal;
use serde::Deserialize;

use crate::common::format::*;
use crate::common::forms::{field, query_of, url_pairs};
use crate::common::{page, AppState, Principal, RouteRule, WebError};

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/leave",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "GET",
        path: "/leave/new",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "POST",
        path: "/leave",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "GET",
        path: "/leave/{leave}",
        permission: Permission::DecideLeave,
    },
    RouteRule {
        method: "POST",
        path: "/leave/{leave}",
        permission: Permission::DecideLeave,
    },
    RouteRule {
        method: "GET",
        path: "/leave/{leave}/letter",
        permission: Permission::FollowUp,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/leave", get(list).post(enter))
        .route("/leave/new", get(new_form))
        .route("/leave/{id}", get(case).post(decide))
        .route("/leave/{id}/letter", get(letter))
}

fn id_of(text: &str) -> Result<i64, WebError> {
    text.parse()
        .map_err(|_| WebError::BadRequest(format!("'{text}' is not a number")))
}

fn status_text(l: &StoredLeave) -> &'static str {
    match l.status() {
        LeaveStatus::Pending => "Waiting for a decision",
        LeaveStatus::Granted => "Granted",
        LeaveStatus::Refused => "Refused",
    }
}

fn rows(p: &Principal, list: &[(StoredLeave, StoredPupil)]) -> Markup {
    let decides = Permission::DecideLeave.admits(p.role());
    html! {
        table.reflow {
            thead { tr {
                th scope="col" { "Pupil" }
                th scope="col" { "Dates" }
                th scope="col" { "Code" }
                th scope="col" { "Asked" }
                th scope="col" { "Status" }
            } }
            tbody {
                @for (l, pupil) in list {
                    tr data-leave=(l.id) {
                        td data-label="Pupil" { a href=(record_link(&pupil.pupil)) { (full_name(&pupil.pupil)) } " " (pupil.pupil.form.as_deref().unwrap_or("")) }
                        td data-label="Dates" { (sessions_text(l.application.first, l.application.last)) }
                        td data-label="Code" { (l.application.code) }
                        td data-label="Asked" { (long_date(l.application.requested_on)) }
                        td data-label="Status" {
                            @if decides { a href=(format!("/leave/{}", l.id)) { (status_text(l)) } }
                            @else { (status_text(l)) }
                            @if let Some(d) = &l.decision {
                                br; small { (d.reason) }
                                br; a href=(format!("/leave/{}/letter", l.id)) { "Letter to the parent" }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn list(State(state): State<AppState>, p: Principal) -> Result<Markup, WebError> {
    p.require(Permission::FollowUp)?;
    let actor = p.actor.clone();
    let all = state.run(move |app| app.leave_list(&actor)).await?;
    let body = html! {
        h1 { "Leave of absence" }
        p { a.button href="/leave/new" { "Enter an application from a paper form" } }
        h2 { "Waiting for a decision" }
        @if all.pending.is_empty() { p { "None." } } @else { (rows(&p, &all.pending)) }
        h2 { "Decided" }
        @if all.decided.is_empty() { p { "None." } } @else { (rows(&p, &all.decided)) }
    };
    Ok(page("Leave of absence", Some(&p), body))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewQuery {
    upn: String,
}

async fn new_form(
    State(_state): State<AppState>,
    p: Principal,
    uri: Uri,
) -> Result<Markup, WebError> {
    p.require(Permission::FollowUp)?;
    let q: NewQuery = query_of(&uri)?;
    let form = LeaveForm {
        upn: q.upn,
        code: "C".into(),
        ..LeaveForm::default()
    };
    Ok(entry_page(&p, &form, "", "", None))
}

fn entry_page(
    p: &Principal,
    f: &LeaveForm,
    contact: &str,
    asked: &str,
    error: Option<&Refusal>,
) -> Markup {
    let body = html! {
        h1 { "Enter an application for leave" }
        p { "From a parent's paper form. The applicant must be a parent the pupil lives with; an application made after the first day it covers is refused at once, as the law requires." }
        (errors(error))
        form method="post" action="/leave" {
            input type="hidden" name="csrf" value=(p.csrf());
            label for="upn" { "Pupil's UPN" }
            input #upn name="upn" type="text" value=(f.upn) required;
            label for="contact" { "Applicant's contact ID" }
            input #contact name="contact" type="text" value=(contact) required aria-describedby="contact-hint";
            p #contact-hint { small { "As on the pupil's record, under Contacts." } }
            label for="requested_on" { "Date on the form" }
            input #requested_on name="requested_on" type="date" value=(asked) required;
            label for="code" { "Code" }
            select #code name="code" { @for c in LEAVE_CODES { option value=(c) selected[f.code == c] { (c) } } }
            label for="reason" { "Reasons given" }
            textarea #reason name="reason" rows="3" required { (f.reason) }
            label for="first_date" { "First day" }
            input #first_date name="first_date" type="date" value=(f.first_date) required;
            select name="first_session" aria-label="First session" { option value="AM" { "Morning" } option value="PM" selected[f.first_session == "PM"] { "Afternoon" } }
            label for="last_date" { "Last day" }
            input #last_date name="last_date" type="date" value=(f.last_date) required;
            select name="last_session" aria-label="Last session" { option value="PM" { "Afternoon" } option value="AM" selected[f.last_session == "AM"] { "Morning" } }
            p { button type="submit" { "Enter the application" } }
        }
    };
    page("Enter an application for leave", Some(p), body)
}

async fn enter(
    State(state): State<AppState>,
    p: Principal,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::FollowUp)?;
    let pairs: Vec<(String, String)> = url_pairs(&body).collect();
    let form = LeaveForm {
        upn: field(&pairs, "upn"),
        first_date: field(&pairs, "first_date"),
        first_session: field(&pairs, "first_session"),
        last_date: field(&pairs, "last_date"),
        last_session: field(&pairs, "last_session"),
        code: field(&pairs, "code"),
        reason: field(&pairs, "reason"),
    };
    let (contact, asked) = (field(&pairs, "contact"), field(&pairs, "requested_on"));
    let (actor, f, c, a) = (
        p.actor.clone(),
        form.clone(),
        contact.clone(),
        asked.clone(),
    );
    match state
        .attempt(move |app| app.enter_leave(&actor, &c, &a, &f))
        .await?
    {
        Ok(saved) => {
            let body = html! {
                div.notice role="status" {
                    p { strong { "Application " (saved.id) " entered: " (status_text(&saved)) "." } }
                    @if let Some(d) = &saved.decision { p { (d.reason) } }
                }
                p { a.button href="/leave" { "All applications" } " " a.button.secondary href="/leave/new" { "Enter another" } }
            };
            Ok(page("Application entered", Some(&p), body).into_response())
        }
        Err(e @ Refusal::Invalid(_)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            entry_page(&p, &form, &contact, &asked, Some(&e)),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn case(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Markup, WebError> {
    p.require(Permission::DecideLeave)?;
    let id = id_of(&id)?;
    let actor = p.actor.clone();
    let c = state.run(move |app| app.leave_case(&actor, id)).await?;
    Ok(case_page(&p, &c, None, None))
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

fn case_page(
    p: &Principal,
    c: &LeaveCase,
    error: Option<&Refusal>,
    done: Option<&PreEntered>,
) -> Markup {
    let l = &c.leave;
    let a = &l.application;
    let s = &c.support;
    let pupil = &s.pupil.pupil;
    let body = html! {
        h1 { "Leave for " (full_name(pupil)) }
        @if let Some(pre) = done {
            div.notice role="status" {
                p { strong { "Decision recorded: " (status_text(l)) "." } }
                @if !pre.marked.is_empty() || !pre.kept.is_empty() {
                    p { (pre.marked.len()) " sessions pre-entered as " (a.code) "; " (pre.kept.len()) " marks kept." }
                }
                p { "The parent sees the decision on their page. " a href=(format!("/leave/{}/letter", l.id)) { "The letter to the parent" } ", to print or send." }
            }
        }
        (errors(error))
        dl.recorded {
            dt { "Dates" } dd { (sessions_text(a.first, a.last)) " — " (s.sessions_asked) " school sessions" }
            dt { "Code" } dd { (a.code) " " (a.code.base().meaning()) }
            dt { "Applicant" } dd { (applicant_text(s.applicant.as_ref(), &a.contact)) }
            dt { "Reasons" } dd { (a.reason) }
            dt { "Asked" } dd { (long_date(a.requested_on)) " (" (s.notice_days) " days ahead)" }
            dt { "Status" } dd { (status_text(l)) @if let Some(d) = &l.decision { ": " (d.reason) } }
        }
        @if let Some(why) = &s.not_allowed {
            div.error role="alert" { p { strong { "The law does not allow this leave: " } (why) } }
        }
        section #decision-support {
            h2 { "Decision support" }
            table {
                tbody {
                    tr { th scope="row" { "Attendance this year so far" } td { (pct(s.this_year.attendance_pct())) " " (absence_pill(&s.this_year)) } }
                    tr { th scope="row" { "Attendance last year" } td { (pct(s.last_year.attendance_pct())) } }
                    tr { th scope="row" { "Leave already granted this year" } td { (s.granted_this_year) " sessions" } }
                    tr { th scope="row" { "End of year if granted" } td { (pct(s.projected_if_granted)) } }
                    tr { th scope="row" { "End of year if refused" } td { (pct(s.projected_if_refused)) } }
                    tr { th scope="row" { "Persistently absent now" } td { (yes_no(s.persistent_now)) } }
                    tr { th scope="row" { "Persistently absent if granted" } td { (yes_no(s.persistent_if_granted)) } }
                    tr { th scope="row" { "Unauthorised sessions, last " (s.limits.penalty_weeks) " school weeks" } td { (s.unauthorised_in_penalty_weeks) " (penalty threshold " (s.limits.penalty_sessions) ")" } }
                }
            }
            @if s.cautions.is_empty() {
                p { "Nothing in the policy's limits stands against this application." }
            } @else {
                ul.cautions { @for caution in &s.cautions { li { (caution) } } }
            }
        }
        @if l.decision.is_none() {
            h2 { "Decide" }
            form method="post" action=(format!("/leave/{}", l.id)) {
                input type="hidden" name="csrf" value=(p.csrf());
                fieldset {
                    legend { "Decision" }
                    label.choice { input type="radio" name="decision" value="grant" required disabled[s.not_allowed.is_some()]; " Grant" }
                    label.choice { input type="radio" name="decision" value="refuse" required; " Refuse" }
                }
                label for="reason" { "Reasons (the parent sees them)" }
                textarea #reason name="reason" rows="3" required {}
                details {
                    summary { "Grant fewer sessions than asked" }
                    label for="first_date" { "First day granted" }
                    input #first_date name="first_date" type="date" min=(a.first.0.to_string()) max=(a.last.0.to_string());
                    select name="first_session" aria-label="First session granted" { option value="AM" { "Morning" } option value="PM" { "Afternoon" } }
                    label for="last_date" { "Last day granted" }
                    input #last_date name="last_date" type="date" min=(a.first.0.to_string()) max=(a.last.0.to_string());
                    select name="last_session" aria-label="Last session granted" { option value="PM" { "Afternoon" } option value="AM" { "Morning" } }
                }
                p { button type="submit" { "Record the decision" } }
            }
        }
        p { a href="/leave" { "All applications" } }
    };
    page("Leave of absence", Some(p), body)
}

async fn decide(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::DecideLeave)?;
    let id = id_of(&id)?;
    let pairs: Vec<(String, String)> = url_pairs(&body).collect();
    let form = DecisionForm {
        decision: field(&pairs, "decision"),
        reason: field(&pairs, "reason"),
        first_date: field(&pairs, "first_date"),
        first_session: field(&pairs, "first_session"),
        last_date: field(&pairs, "last_date"),
        last_session: field(&pairs, "last_session"),
    };
    let actor = p.actor.clone();
    let outcome = state
        .attempt(move |app| {
            let decided = app.decide_leave(&actor, id, &form);
            let case = app.leave_case(&actor, id)?;
            Ok((decided, case))
        })
        .await??;
    match outcome {
        (Ok((_, pre)), case) => Ok(case_page(&p, &case, None, Some(&pre)).into_response()),
        (Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. })), case) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            case_page(&p, &case, Some(&e), None),
        )
            .into_response()),
        (Err(e), _) => Err(e.into()),
    }
}

async fn letter(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Markup, WebError> {
    p.require(Permission::FollowUp)?;
    let id = id_of(&id)?;
    let actor = p.actor.clone();
    let l = state.run(move |app| app.leave_letter(&actor, id)).await?;
    Ok(page("Letter: leave of absence", Some(&p), letter_body(&l)))
}

/// The decision as a letter: to the applicant at their address, what was asked, the decision and
/// its reasons, and what follows from it.
fn letter_body(l: &LeaveLetter) -> Markup {
    let a = &l.leave.application;
    let pupil = &l.pupil.pupil;
    let Some(d) = &l.leave.decision else {
        return html! {};
    };
    let to = l.applicant.as_ref();
    html! {
        p.no-print { "Print this letter, or send it by e-mail. " a href="/leave" { "All applications" } }
        article.letter {
            p.from { strong { (l.school) } }
            p.to {
                @match to {
                    Some(c) => {
                        (c.name()) br;
                        @if let Some(addr) = &c.address { (addr) }
                    }
                    None => { "The parent of " (full_name(pupil)) }
                }
            }
            p { (long_date(d.on)) }
            p { "Dear " (to.map_or("Parent".to_owned(), |c| c.name())) "," }
            p {
                strong { "Leave of absence for " (full_name(pupil)) @if let Some(f) = &pupil.form { " (" (f) ")" } }
            }
            p {
                "Thank you for your application of " (long_date(a.requested_on)) " for leave of absence from "
                (sessions_text(a.first, a.last)) "."
            }
            @if d.granted {
                p {
                    "The headteacher has " strong { "granted" } " leave"
                    @if let Some((f, t)) = l.granted { @if (f, t) != (a.first, a.last) { " for " (sessions_text(f, t)) " only" } }
                    ". " (d.reason)
                }
                p { "These sessions are recorded as authorised absence. Any further days of absence taken beyond those granted will be recorded as unauthorised." }
            } @else {
                p { "The headteacher has " strong { "not granted" } " leave. " (d.reason) }
                p {
                    "If your child is absent on these days, the absence will be recorded as unauthorised. "
                    "Unauthorised absence may lead to a penalty notice under the Education Act 1996 and the national framework for penalty notices."
                }
            }
            p { "If you would like to talk about this decision, please contact the school office." }
            p { "Yours sincerely," br; br; "Headteacher" }
        }
    }
}
