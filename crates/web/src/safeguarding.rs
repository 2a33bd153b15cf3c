//! The safeguarding view of first-day calling, for the designated safeguarding lead and senior
//! staff: vulnerable pupils absent today with no reason known and how calling stands for each,
//! and the steps taken when nobody is reached (a flag, a home visit, an enquiry to the local
//! authority), each given to someone and closed with what was found.

use axum::extract::{Form, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use rollcall_app::cases::calling::{outcome_words, SafeguardingPage, StepView};
use rollcall_app::records::EscalationKind;
use rollcall_app::Refusal;
use rollcall_core::calendar::format_time;
use serde::Deserialize;

use crate::common::format::*;
use crate::common::{page, AppState, Principal, RouteRule, WebError};
use rollcall_app::access::Permission;

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/safeguarding",
        permission: Permission::Safeguarding,
    },
    RouteRule {
        method: "POST",
        path: "/safeguarding/steps/assign",
        permission: Permission::Safeguarding,
    },
    RouteRule {
        method: "POST",
        path: "/safeguarding/steps/close",
        permission: Permission::Safeguarding,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/safeguarding", get(safeguarding_page))
        .route("/safeguarding/steps/assign", post(assign))
        .route("/safeguarding/steps/close", post(close))
}

async fn view(state: &AppState, p: &Principal) -> Result<SafeguardingPage, WebError> {
    let actor = p.actor.clone();
    state.run(move |app| app.safeguarding(&actor)).await
}

async fn safeguarding_page(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Markup, WebError> {
    p.require(Permission::Safeguarding)?;
    let v = view(&state, &p).await?;
    Ok(markup(&p, &v, None))
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct AssignForm {
    step: String,
    owner: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct CloseForm {
    step: String,
    contact_made: String,
    outcome: String,
}

/// The page again after a change: with what was done, or why nothing was.
async fn after(
    state: &AppState,
    p: &Principal,
    done: Result<String, Refusal>,
) -> Result<Response, WebError> {
    let (message, status) = match done {
        Ok(m) => (Ok(m), axum::http::StatusCode::OK),
        Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. } | Refusal::NotFound(_))) => {
            let text = e.to_string();
            let e = WebError::from(e);
            (Err(text), e.status())
        }
        Err(e) => return Err(e.into()),
    };
    let v = view(state, p).await?;
    Ok((status, markup(p, &v, Some(message))).into_response())
}

async fn assign(
    State(state): State<AppState>,
    p: Principal,
    Form(form): Form<AssignForm>,
) -> Result<Response, WebError> {
    p.require(Permission::Safeguarding)?;
    let actor = p.actor.clone();
    let done = state
        .attempt(move |app| app.assign_step(&actor, &form.step, &form.owner))
        .await?
        .map(|()| "The step has a new owner.".to_owned());
    after(&state, &p, done).await
}

async fn close(
    State(state): State<AppState>,
    p: Principal,
    Form(form): Form<CloseForm>,
) -> Result<Response, WebError> {
    p.require(Permission::Safeguarding)?;
    let actor = p.actor.clone();
    let done = state
        .attempt(move |app| app.close_step(&actor, &form.step, &form.contact_made, &form.outcome))
        .await?
        .map(|closed| match closed.enquiry {
            Some(_) => "The home visit is closed. Nobody was reached: an enquiry to the local \
                        authority about a child missing education is open below."
                .to_owned(),
            None => format!("The {} is closed.", kind_name(closed.kind).to_lowercase()),
        });
    after(&state, &p, done).await
}

fn kind_name(kind: EscalationKind) -> &'static str {
    match kind {
        EscalationKind::SafeguardingFlag => "Flag to the safeguarding lead",
        EscalationKind::HomeVisit => "Home visit",
        EscalationKind::MissingEducation => {
            "Enquiry to the local authority (child missing education)"
        }
    }
}

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    let t = rollcall_core::dates::school_time(at);
    format!("{} {}", short_date(t.date()), t.format("%H:%M"))
}

fn markup(p: &Principal, v: &SafeguardingPage, done: Option<Result<String, String>>) -> Markup {
    let by = format_time(v.policy.flag_by);
    page(
        "Safeguarding",
        Some(p),
        html! {
            h1 { "Safeguarding: first-day calling, " (long_date(v.date)) }
            @match &done {
                Some(Ok(m)) => div.notice role="status" #done { p { (m) } },
                Some(Err(m)) => div.error role="alert" { p { "Nothing was changed:" } @for line in m.lines() { p { (line) } } },
                None => {},
            }
            p {
                "A vulnerable pupil absent with no reason known and nobody reached by " (by)
                " is flagged here. Nobody reached by then on day " (v.policy.home_visit_on_day)
                " of an absence opens a home visit; a visit that reaches nobody opens an enquiry to the local authority. "
                "Each step has an owner and is closed with what was found."
            }
            @if !v.register_closed {
                p.notice role="status" {
                    "The morning register has not closed yet: pupils without a mark may still arrive. Steps fall due at "
                    (format_time(v.due_at.time())) "."
                }
            }
            h2 #vulnerable { "Vulnerable pupils absent today with no reason known" }
            @if v.vulnerable.is_empty() {
                p { "None." }
            } @else {
                table.reflow aria-label="Vulnerable pupils absent today" {
                    thead { tr {
                        th scope="col" { "Pupil" }
                        th scope="col" { "Why" }
                        th scope="col" { "Day of absence" }
                        th scope="col" { "Calls today" }
                        th scope="col" { "Status" }
                    } }
                    tbody {
                        @for row in &v.vulnerable {
                            @let t = &row.to_call;
                            tr id=(format!("vulnerable-{}", t.pupil.pupil.upn)) {
                                th scope="row" {
                                    a href=(format!("/pupils/{}", t.pupil.pupil.upn)) { (full_name(&t.pupil.pupil)) }
                                    " · " (t.pupil.pupil.form.as_deref().unwrap_or("no form"))
                                }
                                td data-label="Why" { (t.vulnerable.join(", ")) }
                                td data-label="Day of absence" { (row.run.days) }
                                td data-label="Calls today" {
                                    @if t.attempts.is_empty() { "none yet" }
                                    @for a in &t.attempts {
                                        div { (when(a.attempt.recorded.at)) " " (a.contact_name) ": " (outcome_words(a.attempt.outcome)) }
                                    }
                                }
                                td data-label="Status" {
                                    @if row.flagged { span.pill.sa { "flagged: nobody reached by " (by) } }
                                    @else if t.contact_made() { "someone reached" }
                                    @else { "nobody reached yet" }
                                }
                            }
                        }
                    }
                }
            }
            h2 #open-steps { "Open steps" }
            @if v.open.is_empty() {
                p { "No step is open." }
            } @else {
                @for s in &v.open { (step(p, v, s, true)) }
            }
            h2 #closed-steps { "Closed in the last 30 days" }
            @if v.closed.is_empty() {
                p { "None." }
            } @else {
                @for s in &v.closed { (step(p, v, s, false)) }
            }
        },
    )
}

/// One step: what, about whom, why, who owns it; for an open one, the forms to give it to
/// someone else and to close it.
fn step(p: &Principal, v: &SafeguardingPage, s: &StepView, open: bool) -> Markup {
    let e = &s.step.escalation;
    let id = s.step.id;
    let name = full_name(&s.pupil.pupil);
    html! {
        article.step id=(format!("step-{id}")) aria-label=(format!("{}: {name}", kind_name(e.kind))) {
            h3 {
                (kind_name(e.kind)) ": "
                a href=(format!("/pupils/{}", s.pupil.pupil.upn)) { (name) }
                " · " (s.pupil.pupil.form.as_deref().unwrap_or("no form"))
            }
            dl.recorded {
                dt { "About" } dd { (long_date(e.about)) }
                dt { "Why" } dd { (e.reason) }
                dt { "Opened" } dd { (when(e.opened.at)) ", " (e.opened.by) }
                dt { "Owner" } dd.owner { (s.step.owner_name.as_deref().unwrap_or("nobody yet: give it to someone")) }
                @if let Some(a) = &s.step.assigned { dt { "Given" } dd { (when(a.at)) ", by " (a.by) } }
                @if open {
                    dt { "Today" } dd {
                        @if s.unexplained_today { "still absent with no reason known" } @else { "not on today's calling list" }
                    }
                }
                @if let Some(c) = &s.step.closure {
                    dt { "Closed" } dd { (when(c.closed.at)) ", " (c.closed.by) }
                    dt { "Reached" } dd { (if c.contact_made { "yes" } else { "no" }) }
                    dt { "Outcome" } dd { (c.outcome) }
                }
            }
            @if open {
                form.assign method="post" action="/safeguarding/steps/assign" {
                    input type="hidden" name="csrf" value=(p.csrf());
                    input type="hidden" name="step" value=(id);
                    label for=(format!("owner-{id}")) { "Give it to" }
                    select id=(format!("owner-{id}")) name="owner" {
                        @for o in &v.owners {
                            option value=(o.id.get()) selected[e.owner == Some(o.id)] { (o.name) " (" (o.role.title()) ")" }
                        }
                    }
                    button.secondary type="submit" { "Give" }
                }
                form.close method="post" action="/safeguarding/steps/close" {
                    input type="hidden" name="csrf" value=(p.csrf());
                    input type="hidden" name="step" value=(id);
                    fieldset {
                        legend { "Was the pupil or a parent reached?" }
                        label { input type="radio" name="contact_made" value="yes"; " Yes" }
                        label { input type="radio" name="contact_made" value="no"; " No" }
                    }
                    label for=(format!("outcome-{id}")) { "What was done and found" }
                    textarea id=(format!("outcome-{id}")) name="outcome" rows="2" cols="60" {}
                    button type="submit" { "Close this step" }
                }
            }
        }
    }
}
