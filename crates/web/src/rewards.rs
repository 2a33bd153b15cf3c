//! Rewards and eligibility: `GET /rewards` chooses a reward and a period and lists who earns it
//! with each pupil's figures (`?format=csv` downloads the list); `GET /rewards/eligibility`
//! lists who is and is not eligible for a trip or event over a period, and why; `GET`/`POST
//! /pupils/{upn}/target` shows and sets a pupil's own attendance target.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use rollcall_app::access::Permission;
use rollcall_app::cases::rewards::{
    eligibility_table, reward_table, EligibilityForm, EligibilityList, PupilTargets, RewardChoices,
    RewardForm, RewardList, RewardOutcome, TargetForm,
};
use rollcall_app::records::StoredTarget;
use rollcall_app::rewards::{Eligibility, NamedPeriod, Threshold};
use rollcall_app::table::{Format, Table};
use rollcall_app::Refusal;
use rollcall_rules::Rate;
use serde::Deserialize;

use crate::common::format::*;
use crate::common::forms::{field, query_of, url_pairs};
use crate::common::{page, AppState, Principal, RouteRule, WebError};

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/rewards",
        permission: Permission::Rewards,
    },
    RouteRule {
        method: "GET",
        path: "/rewards/eligibility",
        permission: Permission::Rewards,
    },
    RouteRule {
        method: "GET",
        path: "/pupils/{upn}/target",
        permission: Permission::AttendanceTargets,
    },
    RouteRule {
        method: "POST",
        path: "/pupils/{upn}/target",
        permission: Permission::AttendanceTargets,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rewards", get(rewards))
        .route("/rewards/eligibility", get(eligibility))
        .route("/pupils/{upn}/target", get(targets).post(set_target))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RewardQuery {
    reward: String,
    period: String,
    from: String,
    to: String,
    before: String,
    format: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EligibilityQuery {
    period: String,
    from: String,
    to: String,
    threshold: String,
    format: String,
}

fn csv(table: &Table, name: &str) -> Result<Response, WebError> {
    let mut out = Vec::new();
    table
        .write(Format::Csv, &mut out)
        .map_err(|e| WebError::from(Refusal::Internal(e.to_string())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        out,
    )
        .into_response())
}

fn period_options(periods: &[NamedPeriod], selected: &str) -> Markup {
    html! {
        option value="" selected[selected.is_empty()] { "This term (or year), or the dates below" }
        @for p in periods {
            option value=(p.key) selected[p.key == selected] {
                (p.label) " (" (short_date(p.from)) " – " (short_date(p.to)) ")"
            }
        }
    }
}

fn pupil_cell(p: &rollcall_app::records::StoredPupil) -> Markup {
    html! {
        a href=(record_link(&p.pupil)) { (full_name(&p.pupil)) }
        " " small { (p.pupil.form.as_deref().unwrap_or("")) }
    }
}

fn reward_form(c: &RewardChoices, q: &RewardQuery) -> Markup {
    html! {
        form method="get" action="/rewards" .filters {
            label for="reward" { "Reward" }
            select #reward name="reward" {
                @for r in &c.rules.given {
                    option value=(r.key()) selected[q.reward == r.key()] { (r.title()) }
                }
            }
            label for="period" { "Period" }
            select #period name="period" { (period_options(&c.periods, &q.period)) }
            label for="from" { "Or from" }
            input #from name="from" type="date" value=(q.from);
            label for="to" { "to" }
            input #to name="to" type="date" value=(q.to);
            label for="before" { "Most improved: compared with" }
            select #before name="before" {
                option value="" selected[q.before.is_empty()] { "The period just before" }
                @for p in &c.periods {
                    option value=(p.key) selected[p.key == q.before] { (p.label) }
                }
            }
            p { button type="submit" { "Show the list" } }
        }
        p { small {
            "100% means every possible session present or at an approved educational activity"
            @if c.rules.authorised_absence_disqualifies { ": any absence, authorised or not, misses it" }
            @else { ": authorised absence is allowed by the school's policy; unauthorised absence misses it" }
            @match c.rules.lates_allowed {
                None => { ". Late marks before the register closes (L) count as present" }
                Some(0) => { ". Any late mark (L or U) misses it" }
                Some(n) => { ". Up to " (n) " late marks are allowed" }
            }
            ". At least " (c.rules.minimum_possible) " possible sessions are needed."
        } }
    }
}

fn list_body(l: &RewardList, query: &str) -> Markup {
    html! {
        h2 { (l.reward.title()) ": " (l.period.label) }
        p {
            (long_date(l.period.from)) " to " (long_date(l.period.counted_to))
            @if l.period.counted_to < l.period.to { " (so far)" }
            " · " a href=(format!("/rewards?{query}&format=csv")) download { "Download as CSV" }
        }
        @match &l.outcome {
            RewardOutcome::FullAttendance(list) => {
                p #reward-count { strong { (list.len()) } " pupils earn it." }
                @if !list.is_empty() {
                    table.reflow #reward-list {
                        thead { tr {
                            th scope="col" { "Pupil" } th scope="col" { "Sessions" }
                            th scope="col" { "Attendance" } th scope="col" { "Late" }
                            th scope="col" { "Authorised absence" } th scope="col" { "No mark" }
                        } }
                        tbody { @for f in list { tr {
                            td data-label="Pupil" { (pupil_cell(&f.pupil)) }
                            td data-label="Sessions" { (f.counts.present + f.counts.aea) " of " (f.counts.possible) }
                            td data-label="Attendance" { (pct(f.counts.attendance_pct())) }
                            td data-label="Late" { (f.counts.late) }
                            td data-label="Authorised absence" { (f.counts.authorised) }
                            td data-label="No mark" { (f.counts.unmarked) }
                        } } }
                    }
                }
            }
            RewardOutcome::MostImproved { before, list } => {
                p { "Compared with " (before.label) " (" (long_date(before.from)) " to " (long_date(before.counted_to)) "): at least "
                    (Rate::from_hundredths(l.rules.improved_by).to_string().trim_end_matches('%')) " percentage points." }
                p #reward-count { strong { (list.len()) } " pupils listed." }
                @if !list.is_empty() {
                    table.reflow #reward-list {
                        thead { tr { th scope="col" { "Pupil" } th scope="col" { "Before" } th scope="col" { "After" } th scope="col" { "Gain" } } }
                        tbody { @for i in list { tr {
                            td data-label="Pupil" { (pupil_cell(&i.pupil)) }
                            td data-label="Before" { (pct(i.before.attendance_pct())) }
                            td data-label="After" { (pct(i.after.attendance_pct())) }
                            td data-label="Gain" { (i.points_text()) }
                        } } }
                    }
                }
            }
            RewardOutcome::BestForm(weeks) => {
                @if weeks.is_empty() { p { "No school week in the period." } }
                table.reflow #reward-list {
                    thead { tr { th scope="col" { "Week beginning" } th scope="col" { "Best form" } th scope="col" { "Attendance" } th scope="col" { "Next" } } }
                    tbody { @for w in weeks { tr {
                        td data-label="Week beginning" { (long_date(w.monday)) }
                        td data-label="Best form" {
                            @for (i, f) in w.best.iter().enumerate() { @if i > 0 { ", " } strong { (f.form) } }
                            @if w.best.len() > 1 { " (tied)" }
                        }
                        td data-label="Attendance" { (pct(w.best[0].attendance())) }
                        td data-label="Next" {
                            @if let Some(n) = w.forms.get(w.best.len()) { (n.form) " " (pct(n.attendance())) }
                        }
                    } } }
                }
            }
        }
    }
}

async fn rewards(
    State(state): State<AppState>,
    p: Principal,
    uri: Uri,
) -> Result<Response, WebError> {
    p.require(Permission::Rewards)?;
    let q: RewardQuery = query_of(&uri)?;
    let actor = p.actor.clone();
    let form = RewardForm {
        reward: q.reward.clone(),
        period: q.period.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        before: q.before.clone(),
        ..RewardForm::default()
    };
    let asked = !q.reward.is_empty();
    let (choices, list) = state
        .run(move |app| {
            let choices = app.reward_choices(&actor)?;
            let list = asked.then(|| app.reward_list(&actor, &form));
            Ok((choices, list))
        })
        .await?;
    let list = match list {
        Some(Ok(l)) => Some(Ok(l)),
        Some(Err(e @ Refusal::Invalid(_))) => Some(Err(e)),
        Some(Err(e)) => return Err(e.into()),
        None => None,
    };
    if q.format == "csv" {
        return match list {
            Some(Ok(l)) => csv(&reward_table(&l), l.reward.key()),
            Some(Err(e)) => Err(e.into()),
            None => Err(WebError::BadRequest("choose a reward".into())),
        };
    }
    let query = uri.query().unwrap_or("").to_owned();
    let (error, list) = match list {
        Some(Err(e)) => (Some(e), None),
        Some(Ok(l)) => (None, Some(l)),
        None => (None, None),
    };
    let body = html! {
        h1 { "Rewards" }
        p { a href="/rewards/eligibility" { "Eligibility for trips and events" } }
        (reward_form(&choices, &q))
        (errors(error.as_ref()))
        @if let Some(l) = &list { (list_body(l, &query)) }
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page("Rewards", Some(&p), body)).into_response())
}

fn eligibility_rows(p: &Principal, rows: &[&Eligibility], id: &str) -> Markup {
    let sets = Permission::AttendanceTargets.admits(p.role());
    html! {
        table.reflow id=(id) {
            thead { tr {
                th scope="col" { "Pupil" } th scope="col" { "Attendance" }
                th scope="col" { "Threshold" } th scope="col" { "Why" }
            } }
            tbody { @for e in rows { tr {
                td data-label="Pupil" { (pupil_cell(&e.figures.pupil)) }
                td data-label="Attendance" { (pct(e.figures.counts.attendance_pct())) }
                td data-label="Threshold" {
                    (e.threshold.rate())
                    @if let Threshold::Own(_) = e.threshold { " " span.pill { "own target" } }
                    @if sets { br; a href=(format!("/pupils/{}/target", e.figures.pupil.pupil.upn)) { small { "Own target" } } }
                }
                td data-label="Why" { (e.reason) }
            } } }
        }
    }
}

fn eligibility_body(p: &Principal, l: &EligibilityList, query: &str) -> Markup {
    let yes: Vec<&Eligibility> = l.eligible().collect();
    let no: Vec<&Eligibility> = l.not_eligible().collect();
    let unjudged: Vec<&Eligibility> = l.not_judged().collect();
    html! {
        h2 { (l.period.label) }
        p {
            (long_date(l.period.from)) " to " (long_date(l.period.counted_to))
            " · threshold " strong { (l.standard) }
            @if l.from_policy { " (the school's policy)" } @else { " (chosen for this trip)" }
            ", or a pupil's own target · "
            a href=(format!("/rewards/eligibility?{query}&format=csv")) download { "Download as CSV" }
        }
        h3 { "Eligible (" (yes.len()) ")" }
        @if yes.is_empty() { p { "None." } } @else { (eligibility_rows(p, &yes, "eligible")) }
        h3 { "Not eligible (" (no.len()) ")" }
        @if no.is_empty() { p { "None." } } @else { (eligibility_rows(p, &no, "not-eligible")) }
        @if !unjudged.is_empty() {
            h3 { "Not judged (" (unjudged.len()) ")" }
            p { "No possible session on roll in the period: the decision is the school's." }
            (eligibility_rows(p, &unjudged, "not-judged"))
        }
    }
}

async fn eligibility(
    State(state): State<AppState>,
    p: Principal,
    uri: Uri,
) -> Result<Response, WebError> {
    p.require(Permission::Rewards)?;
    let q: EligibilityQuery = query_of(&uri)?;
    let actor = p.actor.clone();
    let form = EligibilityForm {
        period: q.period.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        threshold: q.threshold.clone(),
    };
    let (choices, list) = state
        .run(move |app| {
            let choices = app.reward_choices(&actor)?;
            let list = app.eligibility(&actor, &form);
            Ok((choices, list))
        })
        .await?;
    let (error, list) = match list {
        Ok(l) => (None, Some(l)),
        Err(e @ Refusal::Invalid(_)) => (Some(e), None),
        Err(e) => return Err(e.into()),
    };
    if q.format == "csv" {
        return match (list, error) {
            (Some(l), _) => csv(&eligibility_table(&l), "eligibility"),
            (None, Some(e)) => Err(e.into()),
            (None, None) => Err(WebError::BadRequest("choose a period".into())),
        };
    }
    let query = uri.query().unwrap_or("").to_owned();
    let body = html! {
        h1 { "Eligibility for trips and events" }
        p { a href="/rewards" { "Rewards" } }
        form method="get" action="/rewards/eligibility" .filters {
            label for="period" { "Period" }
            select #period name="period" {
                option value="" selected[q.period.is_empty()] { "This year so far, or the dates below" }
                @for p in &choices.periods {
                    option value=(p.key) selected[p.key == q.period] { (p.label) }
                }
            }
            label for="from" { "Or from" }
            input #from name="from" type="date" value=(q.from);
            label for="to" { "to" }
            input #to name="to" type="date" value=(q.to);
            label for="threshold" { "Threshold (%)" }
            input #threshold name="threshold" type="text" inputmode="decimal" value=(q.threshold)
                placeholder=(choices.eligibility.threshold.to_string().trim_end_matches('%')) aria-describedby="threshold-hint";
            p #threshold-hint { small { "Empty: the school's policy, " (choices.eligibility.threshold) ". A pupil's own target replaces it." } }
            p { button type="submit" { "Show who is eligible" } }
        }
        (errors(error.as_ref()))
        @if let Some(l) = &list { (eligibility_body(&p, l, &query)) }
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page("Eligibility", Some(&p), body)).into_response())
}

fn target_row(t: &StoredTarget, current: Option<&StoredTarget>) -> Markup {
    let x = &t.target;
    html! {
        tr {
            td data-label="Target" { (Rate::from_hundredths(x.hundredths)) @if current == Some(t) { " " span.pill { "in force" } } }
            td data-label="Reason" { (x.reason) }
            td data-label="Applies" { "from " (long_date(x.from)) @if let Some(u) = x.until { " to " (long_date(u)) } }
            td data-label="Set by" { (x.recorded.by) " (" (x.recorded.role) ")" }
        }
    }
}

fn targets_page(
    p: &Principal,
    t: &PupilTargets,
    form: &TargetForm,
    error: Option<&Refusal>,
    saved: bool,
) -> Markup {
    let pupil = &t.pupil.pupil;
    let body = html! {
        h1 { "Own attendance target: " (full_name(pupil)) }
        p { a href=(record_link(pupil)) { "The pupil's record" } " · " a href="/rewards/eligibility" { "Eligibility" } }
        p { "For a pupil whose health, special educational needs or circumstances make the school's threshold of "
            strong { (t.standard) } " unfair. Their own target replaces it when eligibility for trips and events is decided. A new target supersedes the last; every target is kept." }
        @if saved { div.notice role="status" { p { strong { "Target set." } } } }
        (errors(error))
        @if t.targets.is_empty() { p { "No own target: the school's threshold applies." } }
        @else {
            table.reflow #targets {
                thead { tr { th scope="col" { "Target" } th scope="col" { "Reason" } th scope="col" { "Applies" } th scope="col" { "Set by" } } }
                tbody { @for x in t.targets.iter().rev() { (target_row(x, t.current.as_ref())) } }
            }
        }
        h2 { "Set a target" }
        form method="post" action=(format!("/pupils/{}/target", pupil.upn)) {
            input type="hidden" name="csrf" value=(p.csrf());
            label for="rate" { "Target attendance (%)" }
            input #rate name="rate" type="text" inputmode="decimal" value=(form.rate) required;
            label for="reason" { "Reason" }
            textarea #reason name="reason" rows="2" required { (form.reason) }
            label for="from" { "From (empty: today)" }
            input #from name="from" type="date" value=(form.from);
            label for="until" { "Until (empty: until another is set)" }
            input #until name="until" type="date" value=(form.until);
            p { button type="submit" { "Set the target" } }
        }
    };
    page("Own attendance target", Some(p), body)
}

async fn targets(
    State(state): State<AppState>,
    p: Principal,
    Path(upn): Path<String>,
) -> Result<Markup, WebError> {
    p.require(Permission::AttendanceTargets)?;
    let actor = p.actor.clone();
    let t = state
        .run(move |app| app.pupil_targets(&actor, &upn))
        .await?;
    Ok(targets_page(&p, &t, &TargetForm::default(), None, false))
}

async fn set_target(
    State(state): State<AppState>,
    p: Principal,
    Path(upn): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::AttendanceTargets)?;
    let pairs: Vec<(String, String)> = url_pairs(&body).collect();
    let form = TargetForm {
        rate: field(&pairs, "rate"),
        reason: field(&pairs, "reason"),
        from: field(&pairs, "from"),
        until: field(&pairs, "until"),
    };
    let (actor, f) = (p.actor.clone(), form.clone());
    let outcome = state
        .attempt(move |app| {
            let set = app.set_target(&actor, &upn, &f);
            Ok((set, app.pupil_targets(&actor, &upn)?))
        })
        .await??;
    match outcome {
        (Ok(_), shown) => {
            Ok(targets_page(&p, &shown, &TargetForm::default(), None, true).into_response())
        }
        (Err(e @ Refusal::Invalid(_)), shown) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            targets_page(&p, &shown, &form, Some(&e), false),
        )
            .into_response()),
        (Err(e), _) => Err(e.into()),
    }
}
