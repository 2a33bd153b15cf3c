//! Casework: `GET`/`POST /alerts` is the worklist of current alerts with one action each (open a
//! case, dismiss with a reason, add to the pupil's open case); `/cases` lists the open cases of
//! the pupils the user reaches, `/cases/due` the user's own list for today, `/cases/new` opens a
//! case by hand, and `/cases/{case}` is the case page with its forms (log an action, book a
//! meeting and record how it went, record a contract, complete a review, move stage, link a
//! sibling's case, close). `/cases/{case}/contracts/{contract}` is a contract, printable, with
//! its review form.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::cases::casework::{
    permille_text, ActionForm, CasePage, CaseSummary, ContractForm, ContractPage, OpenCaseForm,
    Worklist, WorklistFilter,
};
use rollcall_app::casework::Due;
use rollcall_app::records::{
    ActionDetails, ActionKind, CaseOutcome, ContractDecision, ContractKind, Disposition,
    MeetingStatus, OpenedBecause, StoredCaseAction, SupportKind,
};
use serde::Deserialize;

use crate::common::format::*;
use crate::common::forms::{field, query_of, url_pairs};
use crate::common::{page, AppState, Principal, RouteRule, WebError};

const fn rule(method: &'static str, path: &'static str) -> RouteRule {
    RouteRule {
        method,
        path,
        permission: Permission::Casework,
    }
}

pub const ACCESS: &[RouteRule] = &[
    rule("GET", "/alerts"),
    rule("POST", "/alerts"),
    rule("GET", "/cases"),
    rule("POST", "/cases"),
    rule("GET", "/cases/due"),
    rule("GET", "/cases/new"),
    rule("GET", "/cases/{case}"),
    rule("POST", "/cases/{case}/actions"),
    rule("POST", "/cases/{case}/reviews"),
    rule("POST", "/cases/{case}/stage"),
    rule("POST", "/cases/{case}/links"),
    rule("POST", "/cases/{case}/close"),
    rule("POST", "/cases/{case}/contracts"),
    rule("GET", "/cases/{case}/contracts/{contract}"),
    rule("POST", "/cases/{case}/contracts/{contract}"),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(worklist).post(act_on_alert))
        .route("/cases", get(list).post(open_by_hand))
        .route("/cases/due", get(due))
        .route("/cases/new", get(new_case))
        .route("/cases/{case}", get(case))
        .route("/cases/{case}/actions", post(log_action))
        .route("/cases/{case}/reviews", post(complete_review))
        .route("/cases/{case}/stage", post(move_stage))
        .route("/cases/{case}/links", post(link))
        .route("/cases/{case}/close", post(close))
        .route("/cases/{case}/contracts", post(record_contract))
        .route(
            "/cases/{case}/contracts/{contract}",
            get(contract).post(review_contract),
        )
}

fn id_of(text: &str) -> Result<i64, WebError> {
    text.trim()
        .parse()
        .map_err(|_| WebError::BadRequest(format!("'{text}' is not a number")))
}

fn case_path(id: i64) -> String {
    format!("/cases/{id}")
}

fn pairs_of(body: &Bytes) -> Vec<(String, String)> {
    url_pairs(body).collect()
}

fn csrf(p: &Principal) -> Markup {
    html! { input type="hidden" name="csrf" value=(p.csrf()); }
}

fn kind_label(kind: ActionKind) -> &'static str {
    kind.label()
}

fn due_text(d: &Due) -> String {
    match d {
        Due::Review { kind, on, .. } => format!(
            "Review of the {} due {}",
            kind_label(*kind).to_lowercase(),
            long_date(*on)
        ),
        Due::Expected(kind) => format!("{} expected at this stage", kind_label(*kind)),
    }
}

// ---- The alerts worklist ----

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WorklistQuery {
    rule: String,
    year: String,
    form: String,
    all: String,
}

async fn worklist(
    State(state): State<AppState>,
    p: Principal,
    uri: Uri,
) -> Result<Markup, WebError> {
    p.require(Permission::Casework)?;
    let q: WorklistQuery = query_of(&uri)?;
    let filter = WorklistFilter {
        rule: q.rule,
        year: q.year,
        form: q.form,
        all: !q.all.is_empty(),
    };
    let (actor, f) = (p.actor.clone(), filter.clone());
    let list = state
        .run(move |app| app.alerts_worklist(&actor, &f))
        .await?;
    Ok(worklist_page(&p, &list, &filter))
}

fn worklist_page(p: &Principal, w: &Worklist, f: &WorklistFilter) -> Markup {
    let new = w.items.iter().filter(|i| i.new).count();
    let body = html! {
        h1 { "Alerts to look at" }
        p {
            (w.items.len()) " alerts as of " (long_date(w.as_of)) "; "
            strong { (new) " new" } " since you last looked"
            @if let Some(t) = w.last_looked { " (" (t.with_timezone(&rollcall_core::dates::SCHOOL_TIME_ZONE).format("%-d %B %Y %H:%M")) ")" }
            ". " (w.dealt_with) " dealt with are hidden."
        }
        form.filters method="get" action="/alerts" {
            label for="rule" { "Alert" }
            select #rule name="rule" {
                option value="" { "Every alert" }
                @for r in &w.rules { option value=(r) selected[&f.rule == r] { (r.replace('_', " ")) } }
            }
            label for="year" { "Year" }
            select #year name="year" {
                option value="" { "Every year" }
                @for y in &w.years { option value=(y) selected[&f.year == y] { (y) } }
            }
            label for="form" { "Form" }
            select #form name="form" {
                option value="" { "Every form" }
                @for x in &w.forms { option value=(x) selected[&f.form == x] { (x) } }
            }
            label { input type="checkbox" name="all" value="1" checked[f.all]; " Show those dealt with" }
            button type="submit" { "Filter" }
        }
        @if w.items.is_empty() { p { "Nothing to look at." } }
        @for i in &w.items {
            article.alert.card id=(format!("alert-{}", i.pupil.pupil.upn)) aria-label=(format!("{}: {}", rule_title(i.finding.rule), full_name(&i.pupil.pupil))) {
                h2 {
                    @if i.new { span.pill.new { "New" } " " }
                    (rule_title(i.finding.rule)) " — "
                    a href=(record_link(&i.pupil.pupil)) { (full_name(&i.pupil.pupil)) }
                    " " small { (i.pupil.pupil.form.as_deref().unwrap_or("")) " · " (long_date(i.finding.date)) }
                }
                p.evidence { (i.finding.evidence.summary) }
                @if let Some((a, b)) = i.finding.evidence.window { p { small { "Period looked at: " (long_date(a)) " to " (long_date(b)) } } }
                @match &i.disposition {
                    Some(d) => p.dealt {
                        @match &d.disposition {
                            Disposition::Dismissed { reason } => { "Dismissed by " (d.recorded.by) ": " (reason) }
                            Disposition::Case(c) => { "Taken into " a href=(case_path(*c)) { "case " (c) } }
                        }
                    },
                    None => div.actions {
                        form.open method="post" action="/alerts" {
                            (csrf(p))
                            input type="hidden" name="key" value=(i.key);
                            @if let Some(c) = i.open_case {
                                input type="hidden" name="do" value="add";
                                input type="hidden" name="case" value=(c);
                                button type="submit" { "Add to open case " (c) }
                            } @else {
                                input type="hidden" name="do" value="open";
                                button type="submit" { "Open a case" }
                            }
                        }
                        form.dismiss method="post" action="/alerts" {
                            (csrf(p))
                            input type="hidden" name="key" value=(i.key);
                            input type="hidden" name="do" value="dismiss";
                            label { "Reason " input type="text" name="reason" required; }
                            button.secondary type="submit" { "Dismiss" }
                        }
                    },
                }
            }
        }
    };
    page("Alerts to look at", Some(p), body)
}

async fn act_on_alert(
    State(state): State<AppState>,
    p: Principal,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::Casework)?;
    let pairs = pairs_of(&body);
    let key = field(&pairs, "key");
    if key.trim().is_empty() {
        return Err(WebError::BadRequest("choose an alert".into()));
    }
    let actor = p.actor.clone();
    match field(&pairs, "do").as_str() {
        "open" => {
            let id = state
                .run(move |app| app.open_case_from_alert(&actor, &key, &OpenCaseForm::default()))
                .await?;
            Ok(Redirect::to(&case_path(id)).into_response())
        }
        "add" => {
            let case = id_of(&field(&pairs, "case"))?;
            state
                .run(move |app| app.add_alert_to_case(&actor, &key, case))
                .await?;
            Ok(Redirect::to(&case_path(case)).into_response())
        }
        "dismiss" => {
            let reason = field(&pairs, "reason");
            state
                .run(move |app| app.dismiss_alert(&actor, &key, &reason))
                .await?;
            Ok(Redirect::to("/alerts").into_response())
        }
        other => Err(WebError::BadRequest(format!(
            "'{other}' is not something to do with an alert: open, add or dismiss"
        ))),
    }
}

// ---- Lists ----

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    mine: String,
    upn: String,
}

fn case_rows(list: &[CaseSummary]) -> Markup {
    html! {
        table.reflow {
            thead { tr {
                th scope="col" { "Case" } th scope="col" { "Pupil" } th scope="col" { "Stage" }
                th scope="col" { "Owner" } th scope="col" { "Next review" }
            } }
            tbody {
                @for c in list {
                    tr data-case=(c.case.id) {
                        td data-label="Case" { a href=(case_path(c.case.id)) { "Case " (c.case.id) } }
                        td data-label="Pupil" { (full_name(&c.pupil.pupil)) " " small { (c.pupil.pupil.form.as_deref().unwrap_or("")) } }
                        td data-label="Stage" { (c.stage) }
                        td data-label="Owner" { (c.case.owner_name) }
                        td data-label="Next review" {
                            @match (&c.case.closure, c.next_review) {
                                (Some(cl), _) => { "Closed " (long_date(cl.on)) ": " (cl.outcome.label()) }
                                (None, Some(d)) => { (long_date(d)) }
                                (None, None) => { "None set" }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn list(State(state): State<AppState>, p: Principal, uri: Uri) -> Result<Markup, WebError> {
    p.require(Permission::Casework)?;
    let q: ListQuery = query_of(&uri)?;
    let mine = !q.mine.is_empty();
    let (actor, upn) = (p.actor.clone(), q.upn.clone());
    let cases = state
        .run(move |app| app.case_list(&actor, mine, &upn))
        .await?;
    let body = html! {
        h1 { "Cases" }
        p {
            a.button href="/cases/due" { "My list today" } " "
            a.button.secondary href="/cases/new" { "Open a case by hand" } " "
            @if mine { a href="/cases" { "All cases" } } @else { a href="/cases?mine=1" { "Only mine" } }
        }
        h2 { "Open" }
        @if cases.open.is_empty() { p { "No open cases." } } @else { (case_rows(&cases.open)) }
        h2 { "Closed" }
        @if cases.closed.is_empty() { p { "None." } } @else { (case_rows(&cases.closed)) }
    };
    Ok(page("Cases", Some(&p), body))
}

async fn due(State(state): State<AppState>, p: Principal) -> Result<Markup, WebError> {
    p.require(Permission::Casework)?;
    let actor = p.actor.clone();
    let today = state.run(|app| Ok(app.now().date())).await?;
    let list = state.run(move |app| app.cases_due(&actor)).await?;
    let body = html! {
        h1 { "My list for " (long_date(today)) }
        @if list.is_empty() { p { "Nothing is due on your cases today." } }
        @for d in &list {
            article.card.due aria-label=(format!("Case {}: {}", d.case.case.id, full_name(&d.case.pupil.pupil))) {
                h2 { a href=(case_path(d.case.case.id)) { "Case " (d.case.case.id) ": " (full_name(&d.case.pupil.pupil)) } " " small { (d.case.stage) } }
                ul { @for x in &d.due {
                    li class=(match x { Due::Review { on, .. } if *on < today => "overdue", _ => "due" }) {
                        (due_text(x))
                        @if let Due::Review { on, .. } = x { @if *on < today { " " strong { "(overdue)" } } }
                    }
                } }
            }
        }
    };
    Ok(page("My list today", Some(&p), body))
}

// ---- Opening by hand ----

async fn new_case(p: Principal, uri: Uri) -> Result<Markup, WebError> {
    p.require(Permission::Casework)?;
    let q: ListQuery = query_of(&uri)?;
    let body = html! {
        h1 { "Open a case by hand" }
        form method="post" action="/cases" {
            (csrf(&p))
            label for="upn" { "Pupil's UPN" }
            input #upn name="upn" type="text" value=(q.upn) required;
            label for="reason" { "Why" }
            textarea #reason name="reason" rows="3" required {}
            label for="stage" { "Stage (empty for the first; only a stage the ladder lets a case start on)" }
            input #stage name="stage" type="text";
            p { button type="submit" { "Open the case" } }
        }
    };
    Ok(page("Open a case", Some(&p), body))
}

async fn open_by_hand(
    State(state): State<AppState>,
    p: Principal,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::Casework)?;
    let pairs = pairs_of(&body);
    let form = OpenCaseForm {
        upn: field(&pairs, "upn"),
        reason: field(&pairs, "reason"),
        stage: field(&pairs, "stage"),
        owner: field(&pairs, "owner"),
    };
    let actor = p.actor.clone();
    let id = state
        .run(move |app| app.open_case_by_hand(&actor, &form))
        .await?;
    Ok(Redirect::to(&case_path(id)).into_response())
}

// ---- The case page ----

async fn case(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Markup, WebError> {
    p.require(Permission::Casework)?;
    let id = id_of(&id)?;
    let actor = p.actor.clone();
    let c = state.run(move |app| app.case_page(&actor, id)).await?;
    Ok(case_page(&p, &c))
}

fn details(a: &StoredCaseAction) -> Markup {
    html! {
        @match &a.action.details {
            ActionDetails::Meeting { status, attended, minutes } => {
                br; small { "Meeting: " (status.label()) @if !attended.is_empty() { "; attended: " (attended) } }
                @if !minutes.is_empty() { br; small { "Minutes: " (minutes) } }
            }
            ActionDetails::Support { support, note } => {
                br; small { (support.label()) @if !note.is_empty() { ": " (note) } }
            }
            ActionDetails::None => {}
        }
    }
}

fn case_page(p: &Principal, c: &CasePage) -> Markup {
    let case = &c.case;
    let pupil = &c.pupil.pupil;
    let path = case_path(case.id);
    let open = case.is_open();
    let stage_name = c
        .position
        .map(|i| {
            format!(
                "{} of {}: {}",
                i + 1,
                c.ladder.stages.len(),
                c.ladder.stages[i].name
            )
        })
        .unwrap_or_else(|| case.case.stage.clone());
    let review = c
        .suggested_review
        .map(|d| d.to_string())
        .unwrap_or_default();
    let body = html! {
        h1 { "Case " (case.id) ": " a href=(record_link(pupil)) { (full_name(pupil)) } }
        dl.recorded {
            dt { "Pupil" } dd { (full_name(pupil)) " · " (pupil.upn) " · year " (pupil.year_group) " " (pupil.form.as_deref().unwrap_or("")) }
            dt { "Stage" } dd #stage { (stage_name) }
            dt { "Owner" } dd.owner { (case.owner_name) }
            dt { "Opened" } dd { (long_date(case.case.opened_on)) " by " (case.case.recorded.by) }
            dt { "Why" } dd {
                @match &case.case.because {
                    OpenedBecause::Finding { rule, evidence, date, .. } => { "Alert " (rule.replace('_', " ")) " of " (long_date(*date)) ": " (evidence) }
                    OpenedBecause::ByHand { reason } => { "Opened by hand: " (reason) }
                }
            }
            dt { "Attendance at opening" } dd { (case.case.attendance.present) " of " (case.case.attendance.possible) " sessions" }
            dt { "Attendance this year" } dd { (pct(c.year_to_date.attendance_pct())) " " (absence_pill(&c.year_to_date)) }
            @if let Some(cl) = &case.closure {
                dt { "Closed" } dd { (long_date(cl.on)) ": " (cl.outcome.label()) @if !cl.note.is_empty() { " — " (cl.note) } }
            }
        }
        section #ladder aria-label="The ladder" {
            h2 { "The ladder" }
            ol.ladder {
                @for (i, s) in c.ladder.stages.iter().enumerate() {
                    li class=(if Some(i) == c.position { "current" } else { "" }) {
                        strong { (s.name) } " — " (s.owner.title()) ", review after " (s.review.to_string())
                        @if !s.actions.is_empty() { br; small { "Expects: " (s.actions.iter().map(|k| k.label()).collect::<Vec<_>>().join(", ")) @if let Some(l) = &s.letter { "; letter " (l) } } }
                        @if !s.move_on.is_empty() { br; small { "Moves on when: " (s.move_on.iter().map(|m| m.to_string()).collect::<Vec<_>>().join("; ")) } }
                    }
                }
            }
            @if !c.due.is_empty() {
                h3 { "Due now" }
                ul #due { @for d in &c.due { li { (due_text(d)) } } }
            }
        }
        section #actions aria-label="Actions" {
            h2 { "Actions" }
            table.reflow {
                thead { tr { th scope="col" { "Day" } th scope="col" { "Action" } th scope="col" { "By" } th scope="col" { "Review" } } }
                tbody {
                    @for a in &case.actions {
                        tr data-action=(a.id) {
                            td data-label="Day" { (long_date(a.action.on)) }
                            td data-label="Action" { strong { (a.action.kind.label()) } ": " (a.action.summary) (details(a)) }
                            td data-label="By" { (a.by_name) }
                            td data-label="Review" {
                                @match (&a.review_done, a.action.review_on) {
                                    (Some(done), _) => { "Done " (long_date(done.on)) ": " (done.note) }
                                    (None, Some(on)) => {
                                        (long_date(on))
                                        @if open {
                                            form.review method="post" action=(format!("{path}/reviews")) {
                                                (csrf(p))
                                                input type="hidden" name="action" value=(a.id);
                                                label { "What the review found " input type="text" name="note" required; }
                                                button.secondary type="submit" { "Review done" }
                                            }
                                        }
                                    }
                                    (None, None) => { "—" }
                                }
                            }
                        }
                    }
                }
            }
        }
        section #impact aria-label="Impact" {
            h2 { "Impact: attendance between actions" }
            table {
                thead { tr { th scope="col" { "From" } th scope="col" { "To" } th scope="col" { "After" } th scope="col" { "Sessions" } th scope="col" { "Attendance" } th scope="col" { "Unauthorised" } } }
                tbody {
                    @for i in &c.impact {
                        tr {
                            td { (short_date(i.from)) } td { (short_date(i.to)) }
                            td { @if i.after.is_empty() { "Before the first action" } @else { (i.after.iter().map(|k| k.label()).collect::<Vec<_>>().join(", ")) } }
                            td { (i.counts.present + i.counts.aea) " of " (i.counts.possible) }
                            td { (pct(i.counts.attendance_pct())) }
                            td { (i.counts.unauthorised) }
                        }
                    }
                }
            }
        }
        @if !c.contracts.is_empty() {
            section #contracts aria-label="Contracts" {
                h2 { "Contracts" }
                ul { @for k in &c.contracts {
                    li { a href=(format!("{path}/contracts/{}", k.id)) { (k.contract.kind.label()) " from " (long_date(k.contract.start)) } ", target " (permille_text(k.contract.target_permille)) ", review " (long_date(k.contract.review_on)) @if k.ended() { " (ended)" } }
                } }
            }
        }
        section #siblings aria-label="Siblings" {
            h2 { "Siblings" }
            @if !c.linked.is_empty() {
                p { "Linked: " @for l in &c.linked { a href=(case_path(l.case.id)) { "case " (l.case.id) " (" (full_name(&l.pupil.pupil)) ")" } " " } }
            }
            @if c.siblings.is_empty() { p { "No siblings found through shared parents." } }
            ul { @for s in &c.siblings {
                li {
                    (full_name(&s.pupil.pupil)) " " (s.pupil.pupil.form.as_deref().unwrap_or(""))
                    @match (s.case, s.linked, open) {
                        (Some(other), false, true) => {
                            form.inline method="post" action=(format!("{path}/links")) {
                                (csrf(p)) input type="hidden" name="other" value=(other);
                                button.secondary type="submit" { "Link their case " (other) }
                            }
                        }
                        (Some(other), true, _) => { " — linked to " a href=(case_path(other)) { "case " (other) } }
                        (None, _, _) => { " — " a href=(format!("/cases/new?upn={}", s.pupil.pupil.upn)) { "open a case" } }
                        _ => {}
                    }
                }
            } }
        }
        @if open {
            section #log aria-label="Log an action" {
                h2 { "Log an action" }
                form.action method="post" action=(format!("{path}/actions")) {
                    (csrf(p))
                    label for="kind" { "What was done" }
                    select #kind name="kind" { @for k in ActionKind::BY_HAND { option value=(k.as_str()) { (k.label()) } } }
                    label for="on" { "Day" }
                    input #on name="on" type="date" value=(c.today);
                    label for="summary" { "Summary" }
                    textarea #summary name="summary" rows="2" {}
                    fieldset {
                        legend { "Support offered (for support)" }
                        select name="support" aria-label="Support" { option value="" { "—" } @for s in SupportKind::ALL { option value=(s.as_str()) { (s.label()) } } }
                        input type="text" name="support_note" aria-label="What support";
                    }
                    label for="review_on" { "Review on (empty for none)" }
                    input #review_on name="review_on" type="date" value=(review);
                    p { button type="submit" { "Log the action" } }
                }
            }
            section #meeting aria-label="Meetings" {
                h2 { "Book a meeting, or record how it went" }
                form.meeting method="post" action=(format!("{path}/actions")) {
                    (csrf(p))
                    input type="hidden" name="kind" value="meeting";
                    label for="meeting_status" { "Meeting" }
                    select #meeting_status name="meeting_status" { @for s in MeetingStatus::ALL { option value=(s.as_str()) { (s.label()) } } }
                    label for="meeting_summary" { "When and with whom" }
                    input #meeting_summary name="summary" type="text";
                    label for="attended" { "Who attended (or was invited)" }
                    input #attended name="attended" type="text";
                    label for="minutes" { "Minutes" }
                    textarea #minutes name="minutes" rows="3" {}
                    label for="meeting_review" { "Review on" }
                    input #meeting_review name="review_on" type="date";
                    p { button type="submit" { "Record the meeting" } }
                }
            }
            section #contract aria-label="Record a contract" {
                h2 { "Record an attendance or parenting contract" }
                form.contract method="post" action=(format!("{path}/contracts")) {
                    (csrf(p))
                    label for="contract_kind" { "Kind" }
                    select #contract_kind name="kind" { @for k in ContractKind::ALL { option value=(k.as_str()) { (k.label()) @if let Some(b) = k.basis() { " (" (b) ")" } } } }
                    label for="difficulties" { "Difficulties identified" }
                    textarea #difficulties name="difficulties" rows="2" required {}
                    fieldset {
                        legend { "What each party will do" }
                        @for i in 1..=3 {
                            div.row {
                                input type="text" name=(format!("party{i}")) placeholder="Party" aria-label=(format!("Party {i}"));
                                input type="text" name=(format!("undertaking{i}")) placeholder="Will do" aria-label=(format!("Undertaking {i}"));
                                input type="text" name=(format!("owner{i}")) placeholder="Owner" aria-label=(format!("Owner {i}"));
                                input type="date" name=(format!("by{i}")) aria-label=(format!("By {i}"));
                            }
                        }
                    }
                    label for="target" { "Attendance target for the period (%)" }
                    input #target name="target" type="text" inputmode="decimal" value="95" required;
                    label for="start" { "Start" }
                    input #start name="start" type="date" value=(c.today);
                    label for="contract_review" { "Review on (empty: three weeks after the start)" }
                    input #contract_review name="review_on" type="date";
                    fieldset {
                        legend { "Agreed by" }
                        @for i in 1..=3 {
                            div.row {
                                input type="text" name=(format!("signed{i}")) placeholder="Name" aria-label=(format!("Agreed by {i}"));
                                input type="date" name=(format!("signed_on{i}")) aria-label=(format!("Agreed on {i}"));
                            }
                        }
                    }
                    p { button type="submit" { "Record the contract" } }
                }
            }
            section #move aria-label="Move stage" {
                h2 { "Move to another stage" }
                @if c.moves.is_empty() { p { "The ladder has no other stage." } } @else {
                    form.stage method="post" action=(format!("{path}/stage")) {
                        (csrf(p))
                        select name="stage" aria-label="Stage" { @for s in &c.moves { option value=(s.key) { (s.name) } } }
                        input type="text" name="note" aria-label="Why" placeholder="Why";
                        button.secondary type="submit" { "Move" }
                    }
                }
            }
            section #close aria-label="Close the case" {
                h2 { "Close the case" }
                form.close method="post" action=(format!("{path}/close")) {
                    (csrf(p))
                    select name="outcome" aria-label="Outcome" { @for o in CaseOutcome::ALL { option value=(o.as_str()) { (o.label()) } } }
                    input type="text" name="note" aria-label="Note" placeholder="Note";
                    button.secondary type="submit" { "Close" }
                }
            }
        }
    };
    page(&format!("Case {}", case.id), Some(p), body)
}

async fn run_and_return<F>(state: &AppState, id: i64, f: F) -> Result<Response, WebError>
where
    F: FnOnce(&rollcall_app::App) -> Result<(), rollcall_app::Refusal> + Send + 'static,
{
    state.run(f).await?;
    Ok(Redirect::to(&case_path(id)).into_response())
}

async fn log_action(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::Casework)?;
    let id = id_of(&id)?;
    let pairs = pairs_of(&body);
    let form = ActionForm {
        kind: field(&pairs, "kind"),
        on: field(&pairs, "on"),
        summary: field(&pairs, "summary"),
        meeting_status: field(&pairs, "meeting_status"),
        attended: field(&pairs, "attended"),
        minutes: field(&pairs, "minutes"),
        support: field(&pairs, "support"),
        support_note: field(&pairs, "support_note"),
        review_on: field(&pairs, "review_on"),
    };
    let actor = p.actor.clone();
    run_and_return(&state, id, move |app| {
        app.log_case_action(&actor, id, &form).map(drop)
    })
    .await
}

async fn complete_review(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::Casework)?;
    let id = id_of(&id)?;
    let pairs = pairs_of(&body);
    let action = field(&pairs, "action");
    if action.trim().is_empty() {
        return Err(WebError::BadRequest(
            "choose the action whose review is done".into(),
        ));
    }
    let action = id_of(&action)?;
    let note = field(&pairs, "note");
    let actor = p.actor.clone();
    run_and_return(&state, id, move |app| {
        app.complete_case_review(&actor, id, action, &note)
    })
    .await
}

async fn move_stage(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::Casework)?;
    let id = id_of(&id)?;
    let pairs = pairs_of(&body);
    let (stage, note) = (field(&pairs, "stage"), field(&pairs, "note"));
    let actor = p.actor.clone();
    run_and_return(&state, id, move |app| {
        app.move_case_stage(&actor, id, &stage, &note)
    })
    .await
}

async fn link(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::Casework)?;
    let id = id_of(&id)?;
    let pairs = pairs_of(&body);
    let other = field(&pairs, "other");
    if other.trim().is_empty() {
        return Err(WebError::BadRequest("choose the case to link".into()));
    }
    let other = id_of(&other)?;
    let actor = p.actor.clone();
    run_and_return(&state, id, move |app| app.link_case(&actor, id, other)).await
}

async fn close(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::Casework)?;
    let id = id_of(&id)?;
    let pairs = pairs_of(&body);
    let (outcome, note) = (field(&pairs, "outcome"), field(&pairs, "note"));
    let actor = p.actor.clone();
    run_and_return(&state, id, move |app| {
        app.close_case(&actor, id, &outcome, &note)
    })
    .await
}

async fn record_contract(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::Casework)?;
    let id = id_of(&id)?;
    let pairs = pairs_of(&body);
    let form = ContractForm {
        kind: field(&pairs, "kind"),
        difficulties: field(&pairs, "difficulties"),
        actions: (1..=3)
            .map(|i| {
                [
                    field(&pairs, &format!("party{i}")),
                    field(&pairs, &format!("undertaking{i}")),
                    field(&pairs, &format!("owner{i}")),
                    field(&pairs, &format!("by{i}")),
                ]
            })
            .collect(),
        target: field(&pairs, "target"),
        start: field(&pairs, "start"),
        review_on: field(&pairs, "review_on"),
        signatures: (1..=3)
            .map(|i| {
                [
                    field(&pairs, &format!("signed{i}")),
                    field(&pairs, &format!("signed_on{i}")),
                ]
            })
            .collect(),
    };
    let actor = p.actor.clone();
    let contract = state
        .run(move |app| app.record_contract(&actor, id, &form))
        .await?;
    Ok(Redirect::to(&format!("/cases/{id}/contracts/{contract}")).into_response())
}

async fn contract(
    State(state): State<AppState>,
    p: Principal,
    Path((id, contract)): Path<(String, String)>,
) -> Result<Markup, WebError> {
    p.require(Permission::Casework)?;
    let (id, contract) = (id_of(&id)?, id_of(&contract)?);
    let actor = p.actor.clone();
    let c = state
        .run(move |app| app.contract_page(&actor, id, contract))
        .await?;
    Ok(contract_page(&p, &c))
}

fn contract_page(p: &Principal, c: &ContractPage) -> Markup {
    let k = &c.contract.contract;
    let pupil = &c.case.pupil.pupil;
    let body = html! {
        article.contract.printable {
            h1 { (k.kind.label()) }
            @if let Some(b) = k.kind.basis() { p { "Made under " (b) "." } }
            p { (c.school.details.name) " and the family of " strong { (full_name(pupil)) } " (" (pupil.form.as_deref().unwrap_or("")) ")" }
            dl.recorded {
                dt { "Period" } dd { "From " (long_date(k.start)) "; review on " (long_date(k.review_on)) }
                dt { "Attendance target" } dd { (permille_text(k.target_permille)) }
                dt { "Difficulties identified" } dd { (k.difficulties) }
            }
            h2 { "What each party will do" }
            table {
                thead { tr { th scope="col" { "Party" } th scope="col" { "Will do" } th scope="col" { "Owner" } th scope="col" { "By" } } }
                tbody { @for a in &k.actions { tr { td { (a.party) } td { (a.action) } td { (a.owner) } td { @if let Some(d) = a.by { (long_date(d)) } } } } }
            }
            h2 { "Agreed" }
            ul { @for s in &k.signatures { li { (s.name) ", " (long_date(s.on)) } } }
            h2 { "Attendance since the start" }
            p #since { (c.since.present + c.since.aea) " of " (c.since.possible) " sessions (" (pct(c.since.attendance_pct())) ") to " (long_date(c.today)) ": target " @if c.met { strong { "met" } } @else { strong { "not met" } } }
            @if !c.contract.reviews.is_empty() {
                h2 { "Reviews" }
                ul { @for r in &c.contract.reviews {
                    li { (long_date(r.on)) ": " (r.attended.present) " of " (r.attended.possible) " sessions, " (if r.met { "met" } else { "not met" }) "; " (r.decision.label()) @if !r.note.is_empty() { " — " (r.note) } }
                } }
            }
        }
        p { a href=(case_path(c.case.case.id)) { "Back to case " (c.case.case.id) } }
        @if c.case.case.is_open() && !c.contract.ended() {
            section #review-contract aria-label="Review the contract" {
                h2 { "Review the contract" }
                form method="post" action=(format!("/cases/{}/contracts/{}", c.case.case.id, c.contract.id)) {
                    (csrf(p))
                    select name="decision" aria-label="Decision" { @for d in ContractDecision::ALL { option value=(d.as_str()) { (d.label()) } } }
                    label for="note" { "Note" }
                    textarea #note name="note" rows="2" {}
                    button type="submit" { "Record the review" }
                }
            }
        }
    };
    page(
        &format!("{} for {}", k.kind.label(), full_name(pupil)),
        Some(p),
        body,
    )
}

async fn review_contract(
    State(state): State<AppState>,
    p: Principal,
    Path((id, contract)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::Casework)?;
    let (id, contract) = (id_of(&id)?, id_of(&contract)?);
    let pairs = pairs_of(&body);
    let (decision, note) = (field(&pairs, "decision"), field(&pairs, "note"));
    let actor = p.actor.clone();
    state
        .run(move |app| app.review_contract(&actor, id, contract, &decision, &note))
        .await?;
    Ok(Redirect::to(&format!("/cases/{id}/contracts/{contract}")).into_response())
}
