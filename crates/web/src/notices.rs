//! Notices to improve and penalty notices: `GET /notices` lists those of the pupils a member of
//! staff reaches; the headteacher issues a notice to improve (`/notices/improve/new`) or a
//! penalty notice (`/notices/penalty/new`), confirms a notice to improve's outcome once its
//! period has ended (`/notices/improve/{id}`), and records a penalty notice's withdrawal,
//! payment or prosecution (`/notices/penalty/{id}`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::cases::notices::{
    session_label, ImproveForm, ImproveItem, NoticeParties, OutcomeForm, PenaltyForm, PenaltyItem,
    SettleForm,
};
use rollcall_app::records::{ImprovementMeasure, PenaltyClosure, Service};
use rollcall_app::Refusal;
use serde::Deserialize;

use crate::common::format::*;
use crate::common::forms::{field, query_of, url_pairs};
use crate::common::{page, AppState, Principal, RouteRule, WebError};

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/notices",
        permission: Permission::Notices,
    },
    RouteRule {
        method: "GET",
        path: "/notices/improve/new",
        permission: Permission::IssueNotices,
    },
    RouteRule {
        method: "POST",
        path: "/notices/improve",
        permission: Permission::IssueNotices,
    },
    RouteRule {
        method: "GET",
        path: "/notices/improve/{notice}",
        permission: Permission::Notices,
    },
    RouteRule {
        method: "POST",
        path: "/notices/improve/{notice}",
        permission: Permission::IssueNotices,
    },
    RouteRule {
        method: "GET",
        path: "/notices/penalty/new",
        permission: Permission::IssueNotices,
    },
    RouteRule {
        method: "POST",
        path: "/notices/penalty",
        permission: Permission::IssueNotices,
    },
    RouteRule {
        method: "GET",
        path: "/notices/penalty/{notice}",
        permission: Permission::Notices,
    },
    RouteRule {
        method: "POST",
        path: "/notices/penalty/{notice}",
        permission: Permission::IssueNotices,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notices", get(list))
        .route("/notices/improve/new", get(new_improve))
        .route("/notices/improve", post(issue_improve))
        .route("/notices/improve/{id}", get(improve).post(confirm))
        .route("/notices/penalty/new", get(new_penalty))
        .route("/notices/penalty", post(issue_penalty))
        .route("/notices/penalty/{id}", get(penalty).post(settle))
}

fn id_of(text: &str) -> Result<i64, WebError> {
    text.parse()
        .map_err(|_| WebError::BadRequest(format!("'{text}' is not a number")))
}

fn measure_text(m: ImprovementMeasure) -> String {
    match m {
        ImprovementMeasure::NoUnauthorised => "no unauthorised absence in the period".to_owned(),
        ImprovementMeasure::AttendanceAtLeast(h) => {
            format!(
                "attendance of at least {}.{:02}% over the period",
                h / 100,
                h % 100
            )
        }
    }
}

fn improve_status(i: &ImproveItem) -> String {
    match (&i.notice.outcome, i.check.met) {
        (Some(o), _) => format!(
            "Confirmed: {}",
            if o.met {
                "improved enough"
            } else {
                "not improved enough"
            }
        ),
        (None, Some(true)) => "Period over: improved enough (to confirm)".to_owned(),
        (None, Some(false)) => "Period over: not improved enough (to confirm)".to_owned(),
        (None, None) => format!("Running until {}", long_date(i.notice.notice.period_end)),
    }
}

fn penalty_status(i: &PenaltyItem) -> String {
    let n = &i.notice;
    if let Some(w) = &n.withdrawal {
        return format!("Withdrawn on {}: {}", long_date(w.on), w.reason);
    }
    match n.closure.as_ref().map(|c| &c.closure) {
        Some(PenaltyClosure::Paid { on, amount }) => {
            format!("Paid £{amount} on {}", long_date(*on))
        }
        Some(PenaltyClosure::Prosecution { on }) => {
            format!("Unpaid: prosecution decided on {}", long_date(*on))
        }
        None if i.awaiting_decision => format!(
            "Unpaid after {}: the local authority decides",
            long_date(i.due_full)
        ),
        None => format!("Issued; payable until {}", long_date(i.due_full)),
    }
}

async fn list(State(state): State<AppState>, p: Principal) -> Result<Markup, WebError> {
    p.require(Permission::Notices)?;
    let actor = p.actor.clone();
    let all = state.run(move |app| app.notices(&actor)).await?;
    let issues = Permission::IssueNotices.admits(p.role());
    let body = html! {
        h1 { "Notices" }
        p { "A notice to improve gives the parents 3 to 6 school weeks to improve before a penalty notice. A penalty notice goes to one parent for one pupil, only when the law allows it." }
        @if issues {
            p {
                a.button href="/notices/improve/new" { "Issue a notice to improve" } " "
                a.button.secondary href="/notices/penalty/new" { "Issue a penalty notice" }
            }
        }
        h2 { "Notices to improve" }
        @if all.improve.is_empty() { p { "None." } } @else {
            table.reflow {
                thead { tr { th scope="col" { "Pupil" } th scope="col" { "Parent" } th scope="col" { "Period" } th scope="col" { "Unauthorised" } th scope="col" { "Status" } } }
                tbody {
                    @for i in &all.improve {
                        tr data-notice=(i.notice.id) {
                            td data-label="Pupil" { a href=(record_link(&i.pupil.pupil)) { (full_name(&i.pupil.pupil)) } }
                            td data-label="Parent" { (i.parent) }
                            td data-label="Period" { (short_date(i.notice.notice.period_start)) " – " (short_date(i.notice.notice.period_end)) }
                            td data-label="Unauthorised" { (i.check.unauthorised.len()) }
                            td data-label="Status" { a href=(format!("/notices/improve/{}", i.notice.id)) { (improve_status(i)) } }
                        }
                    }
                }
            }
        }
        h2 { "Penalty notices" }
        @if all.penalty.is_empty() { p { "None." } } @else {
            table.reflow {
                thead { tr { th scope="col" { "Pupil" } th scope="col" { "Parent" } th scope="col" { "Issued" } th scope="col" { "Notice" } th scope="col" { "Status" } } }
                tbody {
                    @for i in &all.penalty {
                        tr data-penalty=(i.notice.id) {
                            td data-label="Pupil" { a href=(record_link(&i.pupil.pupil)) { (full_name(&i.pupil.pupil)) } }
                            td data-label="Parent" { (i.parent) }
                            td data-label="Issued" { (long_date(i.notice.notice.issued_on)) }
                            td data-label="Notice" { (amounts(i)) }
                            td data-label="Status" { a href=(format!("/notices/penalty/{}", i.notice.id)) { (penalty_status(i)) } }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Notices", Some(&p), body))
}

fn amounts(i: &PenaltyItem) -> String {
    let n = &i.notice.notice;
    match n.amount_within_21_days {
        Some(a) => format!(
            "First: £{a} within 21 days, £{} within 28",
            n.amount_within_28_days
        ),
        None => format!("Second: £{} within 28 days", n.amount_within_28_days),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewQuery {
    upn: String,
}

/// The pupil and parents part of a new notice's form: a UPN box until a pupil is chosen, then
/// their parents to choose from and the threshold findings so far.
fn parties_part(parties: Option<&NoticeParties>, upn: &str, contact: &str) -> Markup {
    html! {
        @match parties {
            Some(np) => {
                input type="hidden" name="upn" value=(np.pupil.pupil.upn);
                p { strong { (full_name(&np.pupil.pupil)) } " " (np.pupil.pupil.form.as_deref().unwrap_or("")) " — UPN " (np.pupil.pupil.upn) }
                @if np.findings.is_empty() {
                    p.warning { "The national penalty threshold (10 unauthorised sessions in 10 school weeks) has not been met." }
                } @else {
                    p { "Penalty threshold met on: "
                        @for (k, f) in np.findings.iter().enumerate() { @if k > 0 { ", " } (long_date(f.date)) } "." }
                }
                @if np.parents.is_empty() {
                    p.error { "The pupil has no contact who is a parent in education law (parental responsibility, or lives with them)." }
                } @else {
                    fieldset {
                        legend { "Parent" }
                        @for c in &np.parents {
                            label.choice { input type="radio" name="contact" value=(c.reference) required checked[c.reference == contact]; " " (c.name()) " (" (c.relationship) ")" }
                        }
                    }
                }
            }
            None => {
                label for="upn" { "Pupil's UPN" }
                input #upn name="upn" type="text" value=(upn) required;
                label for="contact" { "Parent's contact ID" }
                input #contact name="contact" type="text" value=(contact);
            }
        }
    }
}

async fn parties_of(
    state: &AppState,
    p: &Principal,
    upn: &str,
) -> Result<Option<NoticeParties>, WebError> {
    if upn.trim().is_empty() {
        return Ok(None);
    }
    let (actor, upn) = (p.actor.clone(), upn.to_owned());
    Ok(Some(
        state
            .run(move |app| app.notice_parties(&actor, &upn))
            .await?,
    ))
}

async fn new_improve(
    State(state): State<AppState>,
    p: Principal,
    uri: Uri,
) -> Result<Markup, WebError> {
    p.require(Permission::IssueNotices)?;
    let q: NewQuery = query_of(&uri)?;
    let parties = parties_of(&state, &p, &q.upn).await?;
    let form = ImproveForm {
        upn: q.upn,
        weeks: "4".into(),
        ..ImproveForm::default()
    };
    Ok(improve_form(&p, parties.as_ref(), &form, None))
}

fn improve_form(
    p: &Principal,
    parties: Option<&NoticeParties>,
    f: &ImproveForm,
    error: Option<&Refusal>,
) -> Markup {
    let body = html! {
        h1 { "Issue a notice to improve" }
        p { "The period starts on the pupil's first school day after today and runs for the school weeks chosen; holidays are skipped. At its end Rollcall judges the marks against the measure, and you confirm the outcome." }
        (errors(error))
        @if parties.is_none() {
            form method="get" action="/notices/improve/new" {
                label for="find" { "Pupil's UPN" }
                input #find name="upn" type="text" value=(f.upn) required;
                p { button type="submit" { "Choose the pupil" } }
            }
        } @else {
            form method="post" action="/notices/improve" {
                input type="hidden" name="csrf" value=(p.csrf());
                (parties_part(parties, &f.upn, &f.contact))
                label for="weeks" { "Improvement period (school weeks)" }
                select #weeks name="weeks" { @for w in 3..=6 { option value=(w) selected[f.weeks == w.to_string()] { (w) } } }
                label for="attendance_at_least" { "Sufficient improvement: attendance of at least (%)" }
                input #attendance_at_least name="attendance_at_least" type="text" inputmode="decimal" value=(f.attendance_at_least) aria-describedby="measure-hint";
                p #measure-hint { small { "Leave empty for: no unauthorised absence in the period." } }
                label for="support" { "Support still offered" }
                textarea #support name="support" rows="3" required { (f.support) }
                label for="grounds" { "Grounds" }
                textarea #grounds name="grounds" rows="3" { (f.grounds) }
                p { button type="submit" { "Issue the notice to improve" } }
            }
        }
    };
    page("Issue a notice to improve", Some(p), body)
}

async fn issue_improve(
    State(state): State<AppState>,
    p: Principal,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::IssueNotices)?;
    let pairs: Vec<(String, String)> = url_pairs(&body).collect();
    let form = ImproveForm {
        upn: field(&pairs, "upn"),
        contact: field(&pairs, "contact"),
        weeks: field(&pairs, "weeks"),
        attendance_at_least: field(&pairs, "attendance_at_least"),
        support: field(&pairs, "support"),
        grounds: field(&pairs, "grounds"),
    };
    let (actor, f) = (p.actor.clone(), form.clone());
    match state
        .attempt(move |app| app.issue_notice_to_improve(&actor, &f))
        .await?
    {
        Ok(saved) => Ok(Redirect::to(&format!("/notices/improve/{}", saved.id)).into_response()),
        Err(e @ Refusal::Invalid(_)) => {
            let parties = parties_of(&state, &p, &form.upn).await.ok().flatten();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                improve_form(&p, parties.as_ref(), &form, Some(&e)),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn improve(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Markup, WebError> {
    p.require(Permission::Notices)?;
    let id = id_of(&id)?;
    let actor = p.actor.clone();
    let item = state
        .run(move |app| app.notice_to_improve(&actor, id))
        .await?;
    Ok(improve_page(&p, &item, None))
}

fn improve_page(p: &Principal, i: &ImproveItem, error: Option<&Refusal>) -> Markup {
    let n = &i.notice.notice;
    let pupil = &i.pupil.pupil;
    let body = html! {
        h1 { "Notice to improve: " (full_name(pupil)) }
        (errors(error))
        dl.recorded {
            dt { "Parent" } dd { (i.parent) }
            dt { "Issued" } dd { (long_date(n.issued_on)) " by " (n.recorded.by) }
            dt { "Improvement period" } dd { (long_date(n.period_start)) " to " (long_date(n.period_end)) " (" (n.weeks) " school weeks)" }
            dt { "Sufficient improvement" } dd { (measure_text(n.measure)) }
            dt { "Support offered" } dd { (n.support) }
            @if !n.grounds.is_empty() { dt { "Grounds" } dd { (n.grounds) } }
            dt { "Status" } dd #outcome { (improve_status(i)) }
        }
        section #period {
            h2 { "The period so far" }
            p { "Attended " (i.check.attended) " of " (i.check.possible) " possible sessions; " (i.check.unauthorised.len()) " unauthorised." }
            @if !i.check.unauthorised.is_empty() {
                table {
                    thead { tr { th scope="col" { "Session" } th scope="col" { "Code" } } }
                    tbody {
                        @for (d, s, c) in &i.check.unauthorised {
                            tr { td { (session_label(*d, *s)) } td { (c.symbol()) " " (c.meaning()) } }
                        }
                    }
                }
            }
        }
        @if let Some(o) = &i.notice.outcome {
            p { "Confirmed on " (long_date(o.on)) " by " (o.recorded.by) ". " (o.note) }
        } @else if let (Some(met), true) = (i.check.met, Permission::IssueNotices.admits(p.role())) {
            h2 { "Confirm the outcome" }
            form method="post" action=(format!("/notices/improve/{}", i.notice.id)) {
                input type="hidden" name="csrf" value=(p.csrf());
                fieldset {
                    legend { "Outcome" }
                    label.choice { input type="radio" name="outcome" value="met" checked[met]; " Improved enough" }
                    label.choice { input type="radio" name="outcome" value="not_met" checked[!met]; " Not improved enough" }
                }
                label for="note" { "Note" }
                textarea #note name="note" rows="2" {}
                p { button type="submit" { "Confirm the outcome" } }
            }
        }
        p { a href="/notices" { "All notices" } }
    };
    page("Notice to improve", Some(p), body)
}

async fn confirm(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::IssueNotices)?;
    let id = id_of(&id)?;
    let pairs: Vec<(String, String)> = url_pairs(&body).collect();
    let form = OutcomeForm {
        outcome: field(&pairs, "outcome"),
        note: field(&pairs, "note"),
    };
    let actor = p.actor.clone();
    match state
        .attempt(move |app| app.confirm_improvement(&actor, id, &form))
        .await?
    {
        Ok(()) => Ok(Redirect::to(&format!("/notices/improve/{id}")).into_response()),
        Err(e @ Refusal::Invalid(_)) => {
            let actor = p.actor.clone();
            let item = state
                .run(move |app| app.notice_to_improve(&actor, id))
                .await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                improve_page(&p, &item, Some(&e)),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn new_penalty(
    State(state): State<AppState>,
    p: Principal,
    uri: Uri,
) -> Result<Markup, WebError> {
    p.require(Permission::IssueNotices)?;
    let q: NewQuery = query_of(&uri)?;
    let parties = parties_of(&state, &p, &q.upn).await?;
    let form = PenaltyForm {
        upn: q.upn,
        service: "post".into(),
        ..PenaltyForm::default()
    };
    Ok(penalty_form(&p, parties.as_ref(), &form, None))
}

fn penalty_form(
    p: &Principal,
    parties: Option<&NoticeParties>,
    f: &PenaltyForm,
    error: Option<&Refusal>,
) -> Markup {
    let body = html! {
        h1 { "Issue a penalty notice" }
        p { "One notice per parent per pupil, only for a pupil of compulsory school age whose unauthorised absence has met the national threshold by sessions no earlier notice to that parent used. A first notice is £80 within 21 days of receipt, £160 within 28; a second within three years of the first is £160; a third cannot be issued." }
        (errors(error))
        @if parties.is_none() {
            form method="get" action="/notices/penalty/new" {
                label for="find" { "Pupil's UPN" }
                input #find name="upn" type="text" value=(f.upn) required;
                p { button type="submit" { "Choose the pupil" } }
            }
        } @else {
            form method="post" action="/notices/penalty" {
                input type="hidden" name="csrf" value=(p.csrf());
                (parties_part(parties, &f.upn, &f.contact))
                label for="service" { "Served by" }
                select #service name="service" {
                    @for s in Service::ALL {
                        option value=(s.as_str()) selected[f.service == s.as_str()] {
                            (match s { Service::Post => "Post (received on the second working day)", Service::Hand => "Hand", Service::Email => "E-mail" })
                        }
                    }
                }
                details {
                    summary { "Issue below the threshold (an authorised officer's override)" }
                    label for="override_reason" { "Why the notice is issued though the threshold is not met" }
                    textarea #override_reason name="override_reason" rows="2" { (f.override_reason) }
                }
                p { button type="submit" { "Issue the penalty notice" } }
            }
        }
    };
    page("Issue a penalty notice", Some(p), body)
}

async fn issue_penalty(
    State(state): State<AppState>,
    p: Principal,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::IssueNotices)?;
    let pairs: Vec<(String, String)> = url_pairs(&body).collect();
    let form = PenaltyForm {
        upn: field(&pairs, "upn"),
        contact: field(&pairs, "contact"),
        service: field(&pairs, "service"),
        override_reason: field(&pairs, "override_reason"),
    };
    let (actor, f) = (p.actor.clone(), form.clone());
    match state
        .attempt(move |app| app.issue_penalty_notice(&actor, &f))
        .await?
    {
        Ok(saved) => Ok(Redirect::to(&format!("/notices/penalty/{}", saved.id)).into_response()),
        Err(e @ Refusal::Invalid(_)) => {
            let parties = parties_of(&state, &p, &form.upn).await.ok().flatten();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                penalty_form(&p, parties.as_ref(), &form, Some(&e)),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn penalty(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Markup, WebError> {
    p.require(Permission::Notices)?;
    let id = id_of(&id)?;
    let actor = p.actor.clone();
    let item = state.run(move |app| app.penalty_notice(&actor, id)).await?;
    Ok(penalty_page(&p, &item, None))
}

fn penalty_page(p: &Principal, i: &PenaltyItem, error: Option<&Refusal>) -> Markup {
    let n = &i.notice.notice;
    let pupil = &i.pupil.pupil;
    let open = i.notice.withdrawal.is_none() && i.notice.closure.is_none();
    let body = html! {
        h1 { "Penalty notice: " (full_name(pupil)) }
        (errors(error))
        dl.recorded {
            dt { "Parent" } dd { (i.parent) }
            dt { "Issued" } dd { (long_date(n.issued_on)) " by " (n.recorded.by) " for " (n.authority) }
            dt { "Served" } dd { (n.service.as_str()) "; taken as received on " (long_date(n.received_on)) }
            dt { "Notice" } dd { (amounts(i)) }
            @if let Some(d) = i.due_reduced { dt { "Reduced amount until" } dd { (long_date(d)) } }
            dt { "Full amount until" } dd { (long_date(i.due_full)) }
            dt { "Threshold" } dd {
                @match n.finding_date { Some(d) => { "Met on " (long_date(d)) }, None => { "Not met: issued by override" } }
                @if let Some(r) = &n.override_reason { " — " (r) }
            }
            dt { "Status" } dd #status { (penalty_status(i)) }
        }
        section {
            h2 { "The offence: " (n.offence.len()) " unauthorised sessions" }
            table {
                thead { tr { th scope="col" { "Session" } th scope="col" { "Code" } } }
                tbody { @for (d, s, c) in &n.offence { tr { td { (session_label(*d, *s)) } td { (c.symbol()) " " (c.meaning()) } } } }
            }
        }
        @if open && Permission::IssueNotices.admits(p.role()) {
            h2 { "Record what became of it" }
            form method="post" action=(format!("/notices/penalty/{}", i.notice.id)) {
                input type="hidden" name="csrf" value=(p.csrf());
                fieldset {
                    legend { "What happened" }
                    label.choice { input type="radio" name="action" value="paid" required; " Paid" }
                    label.choice { input type="radio" name="action" value="prosecution"; " Unpaid after 28 days: the local authority prosecutes" }
                    label.choice { input type="radio" name="action" value="withdraw"; " Withdrawn" }
                }
                label for="on" { "On" }
                input #on name="on" type="date";
                label for="amount" { "Amount paid (£)" }
                input #amount name="amount" type="text" inputmode="numeric";
                label for="reason" { "Ground for a withdrawal (issued in error, outside the framework, a statutory defence)" }
                textarea #reason name="reason" rows="2" {}
                p { button type="submit" { "Record it" } }
            }
        }
        p { a href="/notices" { "All notices" } }
    };
    page("Penalty notice", Some(p), body)
}

async fn settle(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::IssueNotices)?;
    let id = id_of(&id)?;
    let pairs: Vec<(String, String)> = url_pairs(&body).collect();
    let form = SettleForm {
        action: field(&pairs, "action"),
        on: field(&pairs, "on"),
        amount: field(&pairs, "amount"),
        reason: field(&pairs, "reason"),
    };
    let actor = p.actor.clone();
    match state
        .attempt(move |app| app.settle_penalty_notice(&actor, id, &form))
        .await?
    {
        Ok(()) => Ok(Redirect::to(&format!("/notices/penalty/{id}")).into_response()),
        Err(e @ Refusal::Invalid(_)) => {
            let actor = p.actor.clone();
            let item = state.run(move |app| app.penalty_notice(&actor, id)).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                penalty_page(&p, &item, Some(&e)),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
