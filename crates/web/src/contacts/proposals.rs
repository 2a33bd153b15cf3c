//! `GET /office/contacts/proposals` and `POST /office/contacts/proposals/{id}`: the changes
//! parents proposed to their own details, old value beside new, each accepted (and made at once)
//! or rejected with a reason the parent sees.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::cases::contacts::{DecisionInput, ProposalBoard, ProposalView};
use rollcall_app::records::ProposalStatus;
use rollcall_app::Refusal;
use rollcall_core::dates::school_time;

use crate::common::format::*;
use crate::common::{page, AppState, Principal, WebError};

pub(super) async fn board_page(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Markup, WebError> {
    p.require(Permission::Contacts)?;
    let actor = p.actor.clone();
    let board = state.run(move |app| app.contact_proposals(&actor)).await?;
    Ok(board_markup(&p, &board, None, None))
}

fn value(v: Option<&str>) -> Markup {
    html! { @if let Some(v) = v { (v) } @else { em { "none" } } }
}

/// Whose details: the person's name and relationship to the pupils in reach.
fn who(v: &ProposalView) -> Markup {
    html! {
        @if let Some(c) = &v.person { (c.name()) } @else { "ref. " (v.stored.proposal.contact) }
        @if !v.pupils.is_empty() {
            " ("
            @if let Some(c) = &v.person { (c.relationship) " of " }
            @for (i, s) in v.pupils.iter().enumerate() {
                @if i > 0 { ", " }
                a href=(format!("/pupils/{}/contacts", s.pupil.upn)) { (full_name(&s.pupil)) }
                @if let Some(f) = &s.pupil.form { " " (f) }
            }
            ")"
        }
    }
}

fn changes_table(v: &ProposalView) -> Markup {
    html! {
        table aria-label="Proposed changes" {
            thead { tr {
                th scope="col" { "Detail" }
                th scope="col" { "Was" }
                th scope="col" { "To become" }
            } }
            tbody {
                @for (detail, change) in v.stored.proposal.changes() {
                    tr {
                        th scope="row" { (capitalise(detail.label())) }
                        td {
                            (value(change.from.as_deref()))
                            @if let Some(now) = v.changed_since(detail) {
                                br; small.warning { "now " (value(now)) ": changed since it was proposed" }
                            }
                        }
                        td { strong { (value(change.to.as_deref())) } }
                    }
                }
            }
        }
    }
}

fn when(at: &chrono::DateTime<chrono::Utc>) -> String {
    school_time(*at).format("%-d %b %Y %H:%M").to_string()
}

fn board_markup(
    p: &Principal,
    board: &ProposalBoard,
    notice: Option<&str>,
    error: Option<(i64, &Refusal)>,
) -> Markup {
    let body = html! {
        p { a href="/office/contacts" { "← Contacts to complete" } }
        h1 { "Changes proposed by parents" }
        p {
            "Parents propose changes to their own phone number, e-mail and address. Nothing changes until "
            "you accept it; a change accepted applies to every pupil the parent is a contact of. "
            "A parent sees the reason you give for rejecting a change."
        }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        // A refusal about a change no longer waiting (or none at all) is shown here; one about
        // a change waiting, beside it.
        @if let Some((_, e)) = error.filter(|(id, _)| !board.pending.iter().any(|v| v.stored.id == *id)) {
            div.error role="alert" {
                p { strong { "Nothing was saved:" } }
                @for pr in e.problems() { p { (pr.message) } }
                @if e.problems().is_empty() { p { (e) } }
            }
        }
        @if board.pending.is_empty() {
            p #no-pending { "No change waits for you." }
        }
        @for v in &board.pending {
            @let id = v.stored.id;
            section.chosen id=(format!("proposal-{id}")) aria-label=(format!("Proposed change {id}")) {
                h2 { (who(v)) }
                p { "Proposed by " (v.stored.proposal.proposed.by) " on " (when(&v.stored.proposal.proposed.at)) "." }
                @if let Some((eid, e)) = error.filter(|(eid, _)| *eid == id) {
                    div.error role="alert" id=(format!("error-{eid}")) {
                        p { strong { "Nothing was saved:" } }
                        @for pr in e.problems() { p { (pr.message) } }
                        @if e.problems().is_empty() { p { (e) } }
                    }
                }
                (changes_table(v))
                @let action = format!("/office/contacts/proposals/{id}");
                form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(p.csrf());
                    input type="hidden" name="decision" value="accept";
                    p { button type="submit" id=(format!("accept-{id}")) { "Accept and make the change" } }
                }
                form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(p.csrf());
                    input type="hidden" name="decision" value="reject";
                    label for=(format!("reason-{id}")) { "Why it is rejected (the parent sees this)" }
                    textarea id=(format!("reason-{id}")) name="reason" rows="2" cols="50" {}
                    p { button.secondary type="submit" id=(format!("reject-{id}")) { "Reject" } }
                }
            }
        }
        @if !board.decided.is_empty() {
            h2 #decided { "Decided lately" }
            table.reflow aria-label="Changes decided lately" {
                thead { tr {
                    th scope="col" { "Whose" }
                    th scope="col" { "Changes" }
                    th scope="col" { "Decision" }
                    th scope="col" { "By" }
                } }
                tbody {
                    @for v in &board.decided {
                        tr {
                            td data-label="Whose" { (who(v)) }
                            td data-label="Changes" {
                                @for (detail, change) in v.stored.proposal.changes() {
                                    (capitalise(detail.label())) ": " (value(change.from.as_deref())) " → " (value(change.to.as_deref())) br;
                                }
                            }
                            td data-label="Decision" {
                                @match v.stored.status() {
                                    ProposalStatus::Accepted => "Accepted",
                                    ProposalStatus::Rejected => "Rejected",
                                    ProposalStatus::Pending => "Waiting",
                                }
                                @if let Some(d) = v.stored.decision.as_ref().filter(|d| !d.reason.is_empty()) {
                                    ": " (d.reason)
                                }
                            }
                            td data-label="By" {
                                @if let Some(d) = &v.stored.decision {
                                    (d.decided.by) br; small { (when(&d.decided.at)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page("Changes proposed by parents", Some(p), body)
}

pub(super) async fn decide(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Form(form): Form<DecisionInput>,
) -> Result<Response, WebError> {
    p.require(Permission::Contacts)?;
    let actor = p.actor.clone();
    let asked = id.clone();
    let attempt = state
        .attempt(move |app| app.decide_contact_proposal(&actor, &asked, &form))
        .await?;
    let actor = p.actor.clone();
    match attempt {
        Ok(v) => {
            let changes: Vec<String> = v
                .stored
                .proposal
                .changes()
                .iter()
                .map(|(d, _)| d.label().to_owned())
                .collect();
            let whose = v
                .person
                .as_ref()
                .map_or_else(|| v.stored.proposal.contact.clone(), |c| c.name());
            let notice = match v.stored.status() {
                ProposalStatus::Accepted => {
                    format!("Accepted: {whose}'s {} changed.", changes.join(", "))
                }
                _ => format!("Rejected the change {whose} proposed; they will see your reason."),
            };
            let board = state.run(move |app| app.contact_proposals(&actor)).await?;
            Ok(board_markup(&p, &board, Some(&notice), None).into_response())
        }
        Err(e @ (Refusal::Invalid(_) | Refusal::Conflict { .. })) => {
            let status = match e {
                Refusal::Conflict { .. } => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            };
            let board = state.run(move |app| app.contact_proposals(&actor)).await?;
            let shown = id.trim().parse::<i64>().unwrap_or(0);
            Ok((status, board_markup(&p, &board, None, Some((shown, &e)))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
