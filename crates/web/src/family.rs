//! A parent's own actions, on a phone: report an absence (with an appointment card or a
//! doctor's note if they have one), ask for leave, send the evidence the school asked for, and
//! see what became of each. Every page calls one use case of `rollcall_app::cases::family`,
//! which finds the child among the parent's own children only.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::cases::family::{AbsenceNotice, Family, LeaveForm, ReportReceipt};
use rollcall_app::evidence::{Upload, MAX_EVIDENCE_BYTES};
use rollcall_app::leave::LEAVE_CODES;
use rollcall_app::records::{EvidenceOutcome, LeaveStatus, ReportKind, StoredLeave};
use rollcall_app::Refusal;
use rollcall_core::Pupil;
use serde::Deserialize;

use crate::common::format::*;
use crate::common::forms::{field, multipart_boundary, multipart_parts, query_of, url_pairs, Part};
use crate::common::{page, AppState, Principal, RouteRule, WebError};

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/children/report",
        permission: Permission::OwnChildren,
    },
    RouteRule {
        method: "POST",
        path: "/children/report",
        permission: Permission::OwnChildren,
    },
    RouteRule {
        method: "GET",
        path: "/children/leave",
        permission: Permission::OwnChildren,
    },
    RouteRule {
        method: "POST",
        path: "/children/leave",
        permission: Permission::OwnChildren,
    },
    RouteRule {
        method: "GET",
        path: "/children/updates",
        permission: Permission::OwnChildren,
    },
    RouteRule {
        method: "POST",
        path: "/children/evidence/{evidence_request}",
        permission: Permission::OwnChildren,
    },
];

pub fn routes() -> Router<AppState> {
    // The session guard has already read the whole body within its limit for a form with a
    // file; the handlers may take all of it.
    let uploads = axum::extract::DefaultBodyLimit::max(MAX_EVIDENCE_BYTES + (256 << 10));
    Router::new()
        .route(
            "/children/report",
            get(report_form).post(report).layer(uploads),
        )
        .route("/children/leave", get(leave_form).post(leave))
        .route("/children/updates", get(updates))
        .route("/children/evidence/{id}", post(evidence).layer(uploads))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ChildQuery {
    upn: String,
}

/// A form's fields and its file, from a multipart body or a plain one.
async fn read_form(
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(Vec<(String, String)>, Option<Upload>), WebError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let Some(boundary) = multipart_boundary(content_type) else {
        return Ok((url_pairs(&body).collect(), None));
    };
    let parts: Vec<Part> = multipart_parts(&boundary, body).await?;
    let mut fields = Vec::new();
    let mut upload = None;
    for p in parts {
        match p.file_name {
            // A file input left empty sends a part with no name and no bytes.
            Some(name) if !(name.is_empty() && p.bytes.is_empty()) => {
                upload = Some(Upload {
                    file_name: name,
                    bytes: p.bytes,
                });
            }
            Some(_) => {}
            None => fields.push((p.name.clone(), p.text())),
        }
    }
    Ok((fields, upload))
}

fn errors(e: Option<&Refusal>) -> Markup {
    html! {
        @if let Some(e) = e {
            div.error role="alert" {
                p { strong { "Please check the form:" } }
                @for p in e.problems() { p { (p.message) } }
                @if e.problems().is_empty() { p { (e) } }
            }
        }
    }
}

fn child_select(children: &[Pupil], chosen: &str) -> Markup {
    html! {
        label for="upn" { "Child" }
        select #upn name="upn" required {
            @for c in children {
                @let upn = c.upn.to_string();
                option value=(upn) selected[upn == chosen] { (full_name(c)) }
            }
        }
    }
}

fn session_select(id: &str, chosen: &str, default: &str) -> Markup {
    let chosen = if chosen.is_empty() { default } else { chosen };
    html! {
        select id=(id) name=(id) {
            option value="AM" selected[chosen == "AM"] { "Morning" }
            option value="PM" selected[chosen == "PM"] { "Afternoon" }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reporting an absence

async fn report_form(
    State(state): State<AppState>,
    p: Principal,
    uri: Uri,
) -> Result<Markup, WebError> {
    p.require(Permission::OwnChildren)?;
    let q: ChildQuery = query_of(&uri)?;
    let actor = p.actor.clone();
    let family = state.run(move |app| app.family(&actor)).await?;
    let notice = AbsenceNotice {
        upn: q.upn,
        first_date: family.today.to_string(),
        kind: "illness".into(),
        ..AbsenceNotice::default()
    };
    Ok(report_page(&p, &family, &notice, None))
}

fn report_page(
    p: &Principal,
    family: &Family,
    n: &AbsenceNotice,
    error: Option<&Refusal>,
) -> Markup {
    let children: Vec<Pupil> = family.children.iter().map(|c| c.child.clone()).collect();
    let body = html! {
        h1 { "Report an absence" }
        @if children.is_empty() {
            p { "No child of yours is on this school's register. Please contact the school office." }
        } @else {
            p { "Tell the school your child is absent today, or will be. The school records the reason once it has seen your report." }
            (errors(error))
            form.phone-form method="post" action="/children/report" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(p.csrf());
                (child_select(&children, &n.upn))
                fieldset {
                    legend { "Why" }
                    @for (value, label) in [("illness", "Illness"), ("appointment", "Medical or dental appointment"), ("other", "Another reason")] {
                        label.choice {
                            input type="radio" name="kind" value=(value) checked[n.kind == value] required;
                            " " (label)
                        }
                    }
                }
                label for="details" { "What is the matter, in a few words" }
                textarea #details name="details" rows="3" required maxlength="2000" { (n.details) }
                fieldset {
                    legend { "From" }
                    input #first_date type="date" name="first_date" value=(n.first_date) min=(family.today.to_string()) required aria-label="First day";
                    (session_select("first_session", &n.first_session, "AM"))
                }
                fieldset {
                    legend { "Until (leave empty for one day)" }
                    input #last_date type="date" name="last_date" value=(n.last_date) aria-label="Last day";
                    (session_select("last_session", &n.last_session, "PM"))
                }
                label for="expected_return" { "Expected back at school (if you know)" }
                input #expected_return type="date" name="expected_return" value=(n.expected_return);
                label for="evidence" { "Appointment card or doctor's note (optional)" }
                input #evidence type="file" name="evidence" accept="application/pdf,image/*" aria-describedby="evidence-hint";
                p #evidence-hint { small { "A PDF or a photograph, up to " (MAX_EVIDENCE_BYTES >> 20) " MB." } }
                p { button type="submit" { "Send the report" } }
            }
        }
    };
    page("Report an absence", Some(p), body)
}

async fn report(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::OwnChildren)?;
    let (fields, upload) = read_form(&headers, body).await?;
    let notice = AbsenceNotice {
        upn: field(&fields, "upn"),
        first_date: field(&fields, "first_date"),
        first_session: field(&fields, "first_session"),
        last_date: field(&fields, "last_date"),
        last_session: field(&fields, "last_session"),
        kind: field(&fields, "kind"),
        details: field(&fields, "details"),
        expected_return: field(&fields, "expected_return"),
    };
    let (actor, n) = (p.actor.clone(), notice.clone());
    match state
        .attempt(move |app| app.report_absence(&actor, &n, upload))
        .await?
    {
        Ok(receipt) => Ok(receipt_page(&p, &receipt).into_response()),
        Err(e @ Refusal::Invalid(_)) => {
            let actor = p.actor.clone();
            let family = state.run(move |app| app.family(&actor)).await?;
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                report_page(&p, &family, &notice, Some(&e)),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn receipt_page(p: &Principal, r: &ReportReceipt) -> Markup {
    let body = html! {
        div.notice role="status" {
            p { strong { "Thank you. The school has your report." } }
            p {
                (full_name(&r.child)) ": " (kind_text(r.report.kind)) ", "
                (sessions_text(r.report.first, r.report.last))
                " (" (r.sessions) " school " (if r.sessions == 1 { "session" } else { "sessions" }) ")."
            }
            @if r.with_evidence { p { "Your file was received with it." } }
        }
        p { "The school office will record the absence. If anything changes, please tell the office." }
        p {
            a.button href="/children/updates" { "See your reports and requests" } " "
            a.button.secondary href="/children" { "My children" }
        }
    };
    page("Report sent", Some(p), body)
}

fn kind_text(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Illness => "illness",
        ReportKind::Appointment => "a medical or dental appointment",
        ReportKind::Other => "another reason",
    }
}

// ---------------------------------------------------------------------------------------------
// Asking for leave

async fn leave_form(
    State(state): State<AppState>,
    p: Principal,
    uri: Uri,
) -> Result<Markup, WebError> {
    p.require(Permission::OwnChildren)?;
    let q: ChildQuery = query_of(&uri)?;
    let actor = p.actor.clone();
    let family = state.run(move |app| app.family(&actor)).await?;
    let form = LeaveForm {
        upn: q.upn,
        code: "C".into(),
        ..LeaveForm::default()
    };
    Ok(leave_page(&p, &family, &form, None))
}

fn code_label(code: &str) -> &'static str {
    match code {
        "C" => "Exceptional circumstances",
        "C1" => "Regulated performance or employment abroad (with a licence)",
        "J1" => "Interview for a school, college, training or job",
        "S" => "Study leave",
        "R" => "Religious observance",
        _ => "",
    }
}

fn leave_page(p: &Principal, family: &Family, f: &LeaveForm, error: Option<&Refusal>) -> Markup {
    let children: Vec<Pupil> = family.children.iter().map(|c| c.child.clone()).collect();
    let body = html! {
        h1 { "Ask for leave of absence" }
        p {
            "Leave in term time is granted only in exceptional circumstances, and only when asked for in advance by a parent the child lives with. "
            "Please ask at least four weeks ahead (two weeks for religious observance). Holidays are not normally granted."
        }
        @if family.me.is_none() {
            p.error role="alert" { "Your account is not yet linked to your details at the school, so you cannot ask online. Please ask the school office to link it, or use a paper form." }
        }
        (errors(error))
        form.phone-form method="post" action="/children/leave" {
            input type="hidden" name="csrf" value=(p.csrf());
            (child_select(&children, &f.upn))
            label for="code" { "Reason" }
            select #code name="code" {
                @for c in LEAVE_CODES { option value=(c) selected[f.code == c] { (code_label(c)) } }
            }
            label for="reason" { "Tell the school about it" }
            textarea #reason name="reason" rows="4" required maxlength="4000" { (f.reason) }
            fieldset {
                legend { "First day" }
                input #first_date type="date" name="first_date" value=(f.first_date) required aria-label="First day";
                (session_select("first_session", &f.first_session, "AM"))
            }
            fieldset {
                legend { "Last day" }
                input #last_date type="date" name="last_date" value=(f.last_date) required aria-label="Last day";
                (session_select("last_session", &f.last_session, "PM"))
            }
            p { button type="submit" { "Send the application" } }
        }
    };
    page("Ask for leave", Some(p), body)
}

async fn leave(
    State(state): State<AppState>,
    p: Principal,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::OwnChildren)?;
    let fields: Vec<(String, String)> = url_pairs(&body).collect();
    let form = LeaveForm {
        upn: field(&fields, "upn"),
        first_date: field(&fields, "first_date"),
        first_session: field(&fields, "first_session"),
        last_date: field(&fields, "last_date"),
        last_session: field(&fields, "last_session"),
        code: field(&fields, "code"),
        reason: field(&fields, "reason"),
    };
    let (actor, f) = (p.actor.clone(), form.clone());
    match state
        .attempt(move |app| app.apply_for_leave(&actor, &f))
        .await?
    {
        Ok(saved) => Ok(leave_receipt(&p, &saved).into_response()),
        Err(e @ Refusal::Invalid(_)) => {
            let actor = p.actor.clone();
            let family = state.run(move |app| app.family(&actor)).await?;
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                leave_page(&p, &family, &form, Some(&e)),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn leave_receipt(p: &Principal, l: &StoredLeave) -> Markup {
    let a = &l.application;
    let body = html! {
        @match &l.decision {
            Some(d) if !d.granted => {
                div.error role="alert" {
                    p { strong { "The school cannot grant this leave." } }
                    p { (d.reason) }
                }
                p { "Your application is recorded. If your child is absent on these days, the absence will be unauthorised." }
            }
            _ => {
                div.notice role="status" {
                    p { strong { "Your application has been sent." } }
                    p { (sessions_text(a.first, a.last)) ". The headteacher will decide, and you will see the decision here." }
                }
            }
        }
        p { a.button href="/children/updates" { "See your applications" } }
    };
    page("Leave of absence", Some(p), body)
}

// ---------------------------------------------------------------------------------------------
// What became of each

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UpdatesQuery {
    sent: Option<String>,
}

async fn updates(
    State(state): State<AppState>,
    p: Principal,
    uri: Uri,
) -> Result<Markup, WebError> {
    p.require(Permission::OwnChildren)?;
    let q: UpdatesQuery = query_of(&uri)?;
    let actor = p.actor.clone();
    let family = state.run(move |app| app.family(&actor)).await?;
    let body = html! {
        h1 { "Reports, leave and requests" }
        @if q.sent.is_some() { p.notice role="status" { "Thank you: the school has your evidence." } }
        @for c in &family.children {
            section.child {
                h2 { (full_name(&c.child)) }
                p {
                    a.button href=(format!("/children/report?upn={}", c.child.upn)) { "Report an absence" } " "
                    a.button.secondary href=(format!("/children/leave?upn={}", c.child.upn)) { "Ask for leave" }
                }
                @let open: Vec<_> = c.evidence_requests.iter().filter(|q| q.answer.is_none()).collect();
                @for q in &open {
                    div.error role="alert" {
                        p {
                            strong { "The school asks for medical evidence" }
                            " for the absence from " (long_date(q.request.first)) " to " (long_date(q.request.last)) ": " (q.request.reason) "."
                        }
                        form method="post" action=(format!("/children/evidence/{}", q.id)) enctype="multipart/form-data" {
                            input type="hidden" name="csrf" value=(p.csrf());
                            label for=(format!("file-{}", q.id)) { "A doctor's note, prescription or appointment card (PDF or photograph)" }
                            input id=(format!("file-{}", q.id)) type="file" name="evidence" accept="application/pdf,image/*" required;
                            p { button type="submit" { "Send the evidence" } }
                        }
                    }
                }
                h3 { "Absences you reported" }
                @if c.reports.is_empty() {
                    p { "None in the last 30 days." }
                } @else {
                    ul {
                        @for r in &c.reports {
                            li {
                                (sessions_text(r.report.first, r.report.last)) ": " (kind_text(r.report.kind)) ". "
                                @if r.report.awaiting_review { em { "Not yet recorded by the school." } }
                                @else { "Recorded as " (code_badge(Some(&r.report.code))) " " (r.report.code.base().meaning()) "." }
                            }
                        }
                    }
                }
                h3 { "Leave of absence" }
                @if c.leave.is_empty() {
                    p { "No application." }
                } @else {
                    ul {
                        @for l in &c.leave {
                            li {
                                (sessions_text(l.application.first, l.application.last)) ", " (code_label(l.application.code.text())) ": "
                                @match l.status() {
                                    LeaveStatus::Pending => strong { "waiting for a decision" },
                                    LeaveStatus::Granted => strong { "granted" },
                                    LeaveStatus::Refused => strong { "refused" },
                                }
                                @if let Some(d) = &l.decision { " on " (long_date(d.on)) ". " (d.reason) }
                            }
                        }
                    }
                }
                @let answered: Vec<_> = c.evidence_requests.iter().filter(|q| q.answer.is_some()).collect();
                @if !answered.is_empty() {
                    h3 { "Evidence asked for" }
                    ul {
                        @for q in answered {
                            li {
                                (long_date(q.request.first)) " to " (long_date(q.request.last)) ": "
                                @if let Some(a) = &q.answer {
                                    (match a.outcome { EvidenceOutcome::Provided => "provided", EvidenceOutcome::Refused => "not provided", EvidenceOutcome::Withdrawn => "no longer needed" })
                                    ". " (a.decision)
                                }
                            }
                        }
                    }
                }
            }
        }
        @if family.children.is_empty() {
            p { "No child of yours is on this school's register. Please contact the school office." }
        }
    };
    Ok(page("Reports, leave and requests", Some(&p), body))
}

async fn evidence(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::OwnChildren)?;
    let id: i64 = id.parse().map_err(|_| WebError::from(Refusal::Forbidden))?;
    let (_, upload) = read_form(&headers, body).await?;
    let Some(upload) = upload else {
        return Err(Refusal::invalid("choose the file to send").into());
    };
    let actor = p.actor.clone();
    state
        .run(move |app| app.send_evidence(&actor, id, upload))
        .await?;
    Ok(Redirect::to("/children/updates?sent=1").into_response())
}
