//! Staff following up what parents report: `GET /office/reports` lists parents' reports waiting
//! to be recorded (one action each), pupils ill for more than five school days with no request
//! for evidence yet, and the requests made; `GET /evidence/{id}` serves a file a parent gave.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::records::{EvidenceOutcome, ReportKind};
use rollcall_app::Refusal;
use serde::Deserialize;

use crate::common::format::*;
use crate::common::forms::{field, query_of, url_pairs};
use crate::common::{page, AppState, Principal, RouteRule, WebError};

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/office/reports",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "POST",
        path: "/office/reports/{report}",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "POST",
        path: "/office/evidence",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "POST",
        path: "/office/evidence/{evidence_request}",
        permission: Permission::FollowUp,
    },
    RouteRule {
        method: "GET",
        path: "/evidence/{evidence_file}",
        permission: Permission::ReadPupils,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/office/reports", get(desk))
        .route("/office/reports/{id}", post(review))
        .route("/office/evidence", post(request_evidence))
        .route("/office/evidence/{id}", post(decide_evidence))
        .route("/evidence/{id}", get(file))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DeskQuery {
    done: Option<String>,
}

fn id_of(text: &str) -> Result<i64, WebError> {
    text.parse()
        .map_err(|_| WebError::BadRequest(format!("'{text}' is not a number")))
}

async fn desk(
    State(state): State<AppState>,
    p: Principal,
    uri: axum::http::Uri,
) -> Result<Markup, WebError> {
    p.require(Permission::FollowUp)?;
    let q: DeskQuery = query_of(&uri)?;
    let actor = p.actor.clone();
    let (reports, evidence) = state
        .run(move |app| Ok((app.reports_to_review(&actor)?, app.evidence_desk(&actor)?)))
        .await?;
    let body = html! {
        h1 { "Parents' reports" }
        @if let Some(done) = &q.done { p.notice role="status" { (done) } }
        @if reports.is_empty() {
            p { "No report is waiting: every absence parents reported has been recorded." }
        } @else {
            p { (reports.len()) " " (if reports.len() == 1 { "report is" } else { "reports are" }) " waiting to be recorded. Recording one puts its code on each of its sessions that has no mark or N; any other mark is kept." }
            table.reflow {
                thead { tr {
                    th scope="col" { "Pupil" }
                    th scope="col" { "Sessions" }
                    th scope="col" { "Reported" }
                    th scope="col" { "Record as" }
                } }
                tbody {
                    @for r in &reports {
                        @let pupil = &r.pupil.pupil;
                        tr data-report=(r.id) {
                            td data-label="Pupil" {
                                a href=(record_link(pupil)) { (full_name(pupil)) }
                                " " (pupil.form.as_deref().unwrap_or(""))
                            }
                            td data-label="Sessions" { (sessions_text(r.report.first, r.report.last)) }
                            td data-label="Reported" {
                                strong { (match r.report.kind { ReportKind::Illness => "Illness", ReportKind::Appointment => "Appointment", ReportKind::Other => "Other" }) }
                                ": " (r.report.reason) br; small { "by " (r.report.reported_by) }
                                @if let Some(e) = r.report.evidence { br; a href=(format!("/evidence/{e}")) { "Evidence file" } }
                                @if let Some(back) = r.report.expected_return { br; small { "Expected back " (long_date(back)) } }
                            }
                            td data-label="Record as" {
                                form method="post" action=(format!("/office/reports/{}", r.id)) {
                                    input type="hidden" name="csrf" value=(p.csrf());
                                    @match &r.suggested {
                                        Some(code) => {
                                            input type="hidden" name="code" value=(code.text());
                                            button type="submit" { "Record as " (code.text()) " (" (short_meaning(code.base())) ")" }
                                        }
                                        None => {
                                            label for=(format!("code-{}", r.id)) { "Code" }
                                            input id=(format!("code-{}", r.id)) type="text" name="code" size="3" required placeholder="e.g. C";
                                            button type="submit" { "Record" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Illness of more than five school days" }
        @if evidence.long_illness.is_empty() {
            p { "No pupil has been ill for more than five school days in a row without a request for evidence." }
        } @else {
            p { "The policy asks for medical evidence after five consecutive school days of illness." }
            ul {
                @for l in &evidence.long_illness {
                    li {
                        a href=(record_link(&l.pupil.pupil)) { (full_name(&l.pupil.pupil)) }
                        ": ill " (l.days) " school days, " (long_date(l.first)) " to " (long_date(l.last)) ". "
                        form.inline method="post" action="/office/evidence" {
                            input type="hidden" name="csrf" value=(p.csrf());
                            input type="hidden" name="upn" value=(l.pupil.pupil.upn.to_string());
                            input type="hidden" name="first" value=(l.first.to_string());
                            input type="hidden" name="last" value=(l.last.to_string());
                            button type="submit" { "Ask the parents for evidence" }
                        }
                    }
                }
            }
        }
        h2 { "Requests for evidence" }
        @if evidence.requests.is_empty() {
            p { "None." }
        } @else {
            table.reflow {
                thead { tr { th scope="col" { "Pupil" } th scope="col" { "Days" } th scope="col" { "Asked" } th scope="col" { "Answer" } } }
                tbody {
                    @for (q, pupil) in evidence.requests.iter().rev() {
                        tr {
                            td data-label="Pupil" { a href=(record_link(&pupil.pupil)) { (full_name(&pupil.pupil)) } }
                            td data-label="Days" { (long_date(q.request.first)) " to " (long_date(q.request.last)) }
                            td data-label="Asked" { (q.request.requested.at.format("%-d %b %Y")) " by " (q.request.requested.by) }
                            td data-label="Answer" {
                                @match &q.answer {
                                    Some(a) => {
                                        (match a.outcome { EvidenceOutcome::Provided => "Provided", EvidenceOutcome::Refused => "Refused", EvidenceOutcome::Withdrawn => "Withdrawn" })
                                        ": " (a.decision)
                                        @if let Some(e) = a.evidence { " " a href=(format!("/evidence/{e}")) { "File" } }
                                    }
                                    None => {
                                        form method="post" action=(format!("/office/evidence/{}", q.id)) {
                                            input type="hidden" name="csrf" value=(p.csrf());
                                            select name="answer" aria-label="Answer" {
                                                option value="provided" { "Evidence provided: keep as authorised" }
                                                option value="refused-keep" { "Evidence refused: keep as authorised" }
                                                option value="refused-o" { "Evidence refused: record the illness as unauthorised (O)" }
                                                option value="withdrawn" { "Withdraw the request" }
                                            }
                                            button type="submit" { "Record" }
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
    Ok(page("Parents' reports", Some(&p), body))
}

fn fields(body: &[u8]) -> impl Fn(&str) -> String {
    let pairs: Vec<(String, String)> = url_pairs(body).collect();
    move |name: &str| field(&pairs, name)
}

fn back(message: &str) -> Response {
    let encoded: String = message
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    Redirect::to(&format!("/office/reports?done={encoded}")).into_response()
}

async fn review(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::FollowUp)?;
    let id = id_of(&id)?;
    let code = fields(&body)("code");
    let actor = p.actor.clone();
    let out = state
        .run(move |app| app.review_report(&actor, id, &code))
        .await?;
    Ok(back(&format!(
        "Recorded as {}: {} {} marked, {} kept.",
        out.code,
        out.marked.len(),
        if out.marked.len() == 1 {
            "session"
        } else {
            "sessions"
        },
        out.kept.len()
    )))
}

async fn request_evidence(
    State(state): State<AppState>,
    p: Principal,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::FollowUp)?;
    let f = fields(&body);
    let (upn, first, last, reason) = (f("upn"), f("first"), f("last"), f("reason"));
    let actor = p.actor.clone();
    state
        .run(move |app| app.request_evidence(&actor, &upn, &first, &last, &reason))
        .await?;
    Ok(back(
        "The parents are asked for evidence; they see the request on their page.",
    ))
}

async fn decide_evidence(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::FollowUp)?;
    let id = id_of(&id)?;
    let (outcome, unauthorise) = match fields(&body)("answer").as_str() {
        "provided" => ("provided", false),
        "refused-keep" => ("refused", false),
        "refused-o" => ("refused", true),
        "withdrawn" => ("withdrawn", false),
        other => {
            return Err(Refusal::invalid(format!(
                "'{other}' is not an answer: choose provided, refused or withdrawn"
            ))
            .into())
        }
    };
    let actor = p.actor.clone();
    let changed = state
        .run(move |app| app.decide_evidence(&actor, id, outcome, unauthorise))
        .await?;
    Ok(back(&format!(
        "The answer is recorded; {changed} {} changed.",
        if changed == 1 { "mark" } else { "marks" }
    )))
}

async fn file(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    p.require(Permission::ReadPupils)?;
    let id: i64 = id.parse().map_err(|_| WebError::from(Refusal::Forbidden))?;
    let actor = p.actor.clone();
    let f = state.run(move |app| app.evidence_file(&actor, id)).await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        f.file_name
            .chars()
            .map(
                |c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                    c
                } else {
                    '_'
                }
            )
            .collect::<String>()
    );
    Ok((
        [
            (header::CONTENT_TYPE, f.content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        f.bytes,
    )
        .into_response())
}
