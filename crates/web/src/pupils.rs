//! A pupil's record, and a parent's page of their children.
//!
//! `GET /pupils/{upn}` shows a pupil to staff who reach them and to their parents; never to a
//! governor. What each reader learns is decided by the use cases (`App::pupil_record`,
//! `App::my_children`), the same for the API:
//!
//! - a user whose reach is the whole school (administrator, headteacher, attendance officer,
//!   office) gets 404 for a UPN that is not on the register: they could list every pupil anyway;
//! - a user with a narrower reach (head of year, form tutor, parent) gets 403 for every UPN
//!   outside it, on the register or not, so that the answer never tells whether a pupil exists;
//! - a governor gets 403 for every UPN: the role never sees a pupil;
//! - a parent's record holds no alerts, no contacts, no parents' calls and no names of staff; of
//!   the times their child was signed out during the day, the times only (not why, nor who
//!   collected them).

use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, PreEscaped};
use rollcall_app::access::Permission;
use rollcall_app::school_view::{Amendment, GridCell, PupilRecord, Reader};
use rollcall_core::calendar::format_time;
use rollcall_core::stats::Counts;
use rollcall_core::{BaseCode, Date, Session};

use crate::common::format::*;
use crate::common::page;
use crate::common::AppState;
use crate::common::Principal;
use crate::common::RouteRule;
use crate::common::WebError;

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/pupils/{upn}",
        permission: Permission::ReadPupils,
    },
    RouteRule {
        method: "GET",
        path: "/children",
        permission: Permission::OwnChildren,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pupils/{upn}", get(record))
        .route("/children", get(children))
}

// ---------------------------------------------------------------------------------------------
// GET /pupils/{upn}

async fn record(
    State(state): State<AppState>,
    p: Principal,
    Path(upn): Path<String>,
) -> Result<Markup, WebError> {
    p.require(Permission::ReadPupils)?;
    let actor = p.actor.clone();
    let rec = state.run(move |app| app.pupil_record(&actor, &upn)).await?;
    Ok(record_page(&p, &rec))
}

fn figures_row(label: Markup, c: &Counts) -> Markup {
    html! {
        tr {
            th scope="row" { (label) }
            td.num data-label="Possible" { (c.possible) }
            td.num data-label="Present" { (c.present) }
            td.num data-label="Approved educational activity" { (c.aea) }
            td.num data-label="Authorised absence" { (c.authorised) }
            td.num data-label="Unauthorised absence" { (c.unauthorised) }
            td.num data-label="Attendance" { (pct(c.attendance_pct())) " " (absence_pill(c)) }
        }
    }
}

fn record_page(p: &Principal, rec: &PupilRecord) -> Markup {
    let pupil = &rec.pupil;
    let name = full_name(pupil);
    let traits = characteristics(pupil);
    let parent = rec.reader == Reader::Parent;
    let body = html! {
        @if parent {
            p { a href="/children" { "← My children" } }
        }
        h1 { (name) }
        table.facts.reflow {
            caption { "About " (pupil.forename) }
            thead { tr {
                th scope="col" { "UPN" }
                th scope="col" { "Year" }
                th scope="col" { "Form" }
                th scope="col" { "On roll" }
                th scope="col" { "Needs and circumstances" }
            } }
            tbody { tr {
                td data-label="UPN" { (pupil.upn) }
                td data-label="Year" { (pupil.year_group) }
                td data-label="Form" { (pupil.form.as_deref().unwrap_or("none")) }
                td data-label="On roll" {
                    "from " (date_text(pupil.admission_date))
                    @if let Some(left) = pupil.leaving_date { " to " (date_text(left)) }
                }
                td data-label="Needs and circumstances" {
                    @if traits.is_empty() { "none recorded" }
                    @for (i, t) in traits.iter().enumerate() {
                        @if i > 0 { " " }
                        span.pill { (t) }
                    }
                }
            } }
        }

        h2 #figures { "Attendance" }
        table.reflow {
            caption { "Sessions as at " (day_text(rec.year.period.to)) ". Attendance is present and approved educational activity as a share of possible sessions." }
            thead {
                tr {
                    th scope="col" { "Period" }
                    th.num scope="col" { "Possible" }
                    th.num scope="col" { "Present" }
                    th.num scope="col" { abbr title="Approved educational activity" { "AEA" } }
                    th.num scope="col" { "Authorised absence" }
                    th.num scope="col" { "Unauthorised absence" }
                    th.num scope="col" { "Attendance" }
                }
            }
            tbody {
                @if let Some((half_term, f)) = &rec.half_term {
                    (figures_row(html! { (half_term) br; small { (period_text(f.period)) } }, &f.counts))
                }
                (figures_row(html! { "Year to date" br; small { (period_text(rec.year.period)) } }, &rec.year.counts))
            }
        }
        @if rec.year.counts.unmarked > 0 {
            p.notice {
                (rec.year.counts.unmarked) " school "
                (if rec.year.counts.unmarked == 1 { "session has" } else { "sessions have" })
                " no mark although the register has closed, and "
                (if rec.year.counts.unmarked == 1 { "is" } else { "are" })
                " not counted as possible sessions."
            }
        }

        h2 #register { "Register this year" }
        (legend())
        (grid(rec))

        // A parent's record holds no alerts (the school's casework) and no contacts (other
        // people's details): the use case decides, and the page shows what it is given.
        @if rec.contacts.is_none() {
            h2 #contacts { "Contact details" }
            p {
                "To check your own phone number, e-mail and address and tell the school of a change, see "
                a href="/children/details" { "My details" } ". For the other contact details the school holds for "
                (pupil.forename) ", please contact the school office."
            }
        }
        @if rollcall_app::access::Permission::Casework.admits(p.role()) {
            p #casework { a href=(format!("/cases?upn={}", pupil.upn)) { "Cases about " (pupil.forename) } " · " a href=(format!("/cases/new?upn={}", pupil.upn)) { "Open a case" } }
        }
        @if let Some(alerts) = &rec.alerts {
            h2 #alerts { "Alerts this year" }
            @if alerts.is_empty() {
                p { "No alerts this academic year." }
            } @else {
                table.reflow {
                    thead { tr {
                        th scope="col" { "Date" }
                        th scope="col" { "Alert" }
                        th scope="col" { "What was found" }
                    } }
                    tbody {
                        @for f in alerts {
                            tr {
                                td data-label="Date" {
                                    (day_text(f.date))
                                    @if let Some(s) = f.session { " " (s) }
                                }
                                td data-label="Alert" { (rule_title(f.rule)) }
                                td data-label="What was found" { (f.evidence.summary) }
                            }
                        }
                    }
                }
            }

        }

        // Who called and what they said is for staff: the use case gives a parent none.
        @if let Some(calls) = &rec.calls {
            h2 #calls { "Parents' calls this year" }
            @if calls.is_empty() {
                p { "No call has been recorded this school year." }
            } @else {
                (recorded_calls(&format!("Calls recorded about {name}"), calls))
            }
        }

        h2 #amendments { "Changes to the register" }
        @if rec.amendments.is_empty() {
            p { "No mark has been changed." }
        } @else {
            table.reflow {
                    thead { tr {
                        th scope="col" { "Session" }
                        th scope="col" { "Was" }
                        th scope="col" { "Now" }
                        th scope="col" { "Reason" }
                        th scope="col" { "Changed by" }
                        th scope="col" { "When" }
                    } }
                    tbody {
                        @for a in rec.amendments.iter().rev() {
                            tr {
                                td data-label="Session" { (day_text(a.date)) " " (a.session) }
                                td data-label="Was" { (code_chip(a.original.code.base(), a.original.code.text(), None)) }
                                td data-label="Now" { (code_chip(a.amended.code.base(), a.amended.code.text(), None)) }
                                td data-label="Reason" { (a.reason) }
                                td data-label="Changed by" { (changed_by(a)) }
                                td data-label="When" { (rollcall_core::dates::school_time(a.recorded.at).format("%-d %b %Y %H:%M")) }
                            }
                        }
                    }
            }
        }

        @if !rec.sign_outs.is_empty() {
            h2 #signed-out { "Signed out during the day" }
            table aria-label="Times signed out this year" {
                thead { tr {
                    th scope="col" { "Day" }
                    th scope="col" { "Out" }
                    th scope="col" { "Back" }
                    @if rec.reader == Reader::Staff {
                        th scope="col" { "Reason" }
                        th scope="col" { "Collected by" }
                        th scope="col" { "Signed out by" }
                    }
                } }
                tbody {
                    @for s in &rec.sign_outs {
                        tr {
                            td { (day_text(s.date)) }
                            td { (format_time(s.out_at)) }
                            td { @if let Some(b) = s.back_at { (format_time(b)) } @else { "—" } }
                            @if let Some(d) = &s.detail {
                                td { (capitalise(d.reason.label())) @if !d.detail.is_empty() { ": " (d.detail) } }
                                td {
                                    (d.collector.name)
                                    @if !d.collector.relationship.is_empty() { " (" (d.collector.relationship) ")" }
                                    @if !d.collector.permitted { br; span.warning { "not on the permitted list" } }
                                }
                                td { (d.recorded.by.as_deref().unwrap_or(&d.recorded.role)) }
                            }
                        }
                    }
                }
            }
        }

        @if let Some(t) = &rec.traveller {
            @let s = &t.standing;
            h2 #traveller { "Traveller attendance" }
            p {
                strong { (s.attendances) } " attendances (present or at an approved educational activity) from "
                (date_text(s.from)) " to " (date_text(s.to)) ", against the 200 a parent's defence under s444(6) needs."
            }
            @if s.warning() {
                p.warning { "Fewer than 220: close to, or below, the line." }
            }
            @if let Some(r) = t.records.last() {
                p {
                    "Travelling from " (date_text(r.record.from))
                    @if let Some(to) = r.record.to { " to " (date_text(to)) }
                    ": " (r.record.whereabouts)
                    @if let Some(dual) = &r.record.dual_school { "; also registered at " (dual) }
                    "."
                }
            }
        }
        @if rec.reader == Reader::Staff && p.actor.require(Permission::Travellers).is_ok() {
            p { a href=(format!("/pupils/{}/travel", pupil.upn)) { "Traveller family records" } }
        }

        @if let Some(contacts) = &rec.contacts {
            h2 #contacts { "Contacts" }
            @if p.actor.require(Permission::Contacts).is_ok() {
                p { a href=(format!("/pupils/{}/contacts", pupil.upn)) { "Keep " (pupil.forename) "'s contacts up to date" } }
            }
            @if contacts.is_empty() {
                p { "No contacts recorded." }
            } @else {
                table.reflow {
                    thead { tr {
                        th scope="col" { "Order" }
                        th scope="col" { "Name" }
                        th scope="col" { "Relationship" }
                        th scope="col" { "Phone" }
                        th scope="col" { "Email" }
                        th scope="col" { "Parental responsibility" }
                    } }
                    tbody {
                        @for c in contacts {
                            tr {
                                td.num data-label="Order" { (c.priority) }
                                th scope="row" { (c.name()) }
                                td data-label="Relationship" { (c.relationship) }
                                td data-label="Phone" { @if let Some(ph) = &c.phone { a href=(format!("tel:{}", ph.replace(' ', ""))) { (ph) } } }
                                td data-label="Email" { @if let Some(e) = &c.email { a href=(format!("mailto:{e}")) { (e) } } }
                                td data-label="Parental responsibility" { (if c.parental_responsibility { "Yes" } else { "No" }) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&name, Some(p), body)
}

/// Who changed a mark and who first recorded it: staff are named (with their role) to staff; a
/// parent's record carries the role alone.
fn changed_by(a: &Amendment) -> Markup {
    let (now, first) = (&a.recorded, &a.original_recorded);
    html! {
        @match (&now.by, &first.by) {
            (Some(by), Some(first_by)) => {
                (by) " (" (now.role) ")" br;
                small { "first recorded by " (first_by) " (" (first.role) ")" }
            }
            _ => {
                (capitalise(&now.role)) br;
                small { "first recorded by the " (first.role) }
            }
        }
    }
}

/// A mark as a coloured code; `label` is what a screen reader says for it.
fn code_chip(code: BaseCode, text: &str, label: Option<&str>) -> Markup {
    let category = code.category();
    let title = format!("{text} ({}): {}", category.as_str(), code.meaning());
    html! {
        @if let Some(label) = label {
            span class=(format!("code {}", category_class(category))) role="img" aria-label=(label) title=(format!("{label}. {}", code.meaning())) { (text) }
        } @else {
            span class=(format!("code {}", category_class(category))) title=(title) { (text) }
        }
    }
}

fn legend() -> Markup {
    let entries: [(&str, &str, &str); 7] = [
        ("c-present", "/", "Present (/ \\ L)"),
        ("c-aea", "B", "Approved educational activity (B K P V W)"),
        (
            "c-authorised",
            "I",
            "Authorised absence (I M C C1 C2 E J1 R S T)",
        ),
        ("c-unauthorised", "O", "Unauthorised absence (G N O U)"),
        (
            "c-not-possible",
            "X",
            "Not a possible session (D Q X Y1–Y7)",
        ),
        ("c-administrative", "#", "Administrative (# Z)"),
        ("c-unmarked", "–", "No mark: register not taken (yet)"),
    ];
    html! {
        ul.legend aria-label="Key to the register" {
            @for (class, sample, meaning) in entries {
                li { span class=(format!("code {class}")) aria-hidden="true" { (sample) } " " (meaning) }
            }
            li { "A blank square is not a school session for the pupil (weekend, holiday, closure) or a day off roll." }
        }
    }
}

fn cell_label(date: Date, session: Session) -> String {
    format!("{} {}", date.format("%a %-d %b"), session)
}

fn grid(rec: &PupilRecord) -> Markup {
    const DAYS: [&str; 5] = ["Mon", "Tue", "Wed", "Thu", "Fri"];
    let sessions = rec
        .weeks
        .iter()
        .flat_map(|w| w.days.iter().flatten())
        .filter(|c| c.is_session())
        .count();
    html! {
        div.grid {
            table.register {
                caption {
                    "Marks from " (date_text(rec.year.period.from)) " to " (date_text(rec.year.period.to))
                    ": " (sessions) " school sessions in " (rec.weeks.len()) " school weeks"
                }
                thead {
                    tr {
                        th scope="col" rowspan="2" { "Week of" }
                        @for d in DAYS { th scope="colgroup" colspan="2" { (d) } }
                    }
                    tr {
                        @for _ in DAYS {
                            th scope="col" { abbr title="morning" { "AM" } }
                            th scope="col" { abbr title="afternoon" { "PM" } }
                        }
                    }
                }
                tbody {
                    @for week in &rec.weeks {
                        tr {
                            th scope="row" { (week.monday.format("%-d %b")) }
                            @for (i, day) in week.days.iter().enumerate() {
                                @for (s, cell) in Session::BOTH.iter().zip(day.iter()) {
                                    (grid_cell(week.monday + chrono::Days::new(i as u64), *s, cell))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn grid_cell(date: Date, session: Session, cell: &GridCell) -> Markup {
    let at = cell_label(date, session);
    match cell {
        GridCell::Marked(code) => {
            let label = format!("{at}: {} ({})", code.symbol(), code.category().as_str());
            html! { td data-session=(format!("{date} {session}")) { (code_chip(*code, code.symbol(), Some(&label))) } }
        }
        GridCell::Unmarked => {
            let label = format!("{at}: no mark");
            html! { td data-session=(format!("{date} {session}")) {
                span.code.c-unmarked role="img" aria-label=(label) title=(label) { (PreEscaped("&ndash;")) }
            } }
        }
        GridCell::Pending => {
            let label = format!("{at}: register not taken yet");
            html! { td data-session=(format!("{date} {session}")) {
                span.code.c-unmarked role="img" aria-label=(label) title=(label) { (PreEscaped("&ndash;")) }
            } }
        }
        GridCell::NoSession(why) => {
            let label = format!("{at}: not a school session ({why})");
            html! { td title=(label) {} }
        }
        GridCell::NotOnRoll => {
            let label = format!("{at}: not on roll");
            html! { td title=(label) {} }
        }
        GridCell::Later => html! { td {} },
    }
}

// ---------------------------------------------------------------------------------------------
// GET /children

async fn children(State(state): State<AppState>, p: Principal) -> Result<Markup, WebError> {
    p.require(Permission::OwnChildren)?;
    let actor = p.actor.clone();
    let mine = state.run(move |app| app.my_children(&actor)).await?;
    let (year, list) = (mine.period, mine.children);
    let body = html! {
        h1 { "My children" }
        @if list.is_empty() {
            p { "No child of yours is on this school's register. Please contact the school office." }
        } @else {
            p { "Attendance this school year, " (period_text(year)) ". Open a child's record for their register day by day." }
            table.reflow {
                thead { tr {
                    th scope="col" { "Child" }
                    th scope="col" { "Year" }
                    th scope="col" { "Form" }
                    th.num scope="col" { "Possible sessions" }
                    th.num scope="col" { "Sessions absent" }
                    th.num scope="col" { "Attendance" }
                } }
                tbody {
                    @for (child, c) in &list {
                        tr {
                            th scope="row" { a href=(record_link(child)) { (full_name(child)) } }
                            td data-label="Year" { (child.year_group) }
                            td data-label="Form" { (child.form.as_deref().unwrap_or("")) }
                            td.num data-label="Possible sessions" { (c.possible) }
                            td.num data-label="Sessions absent" { (c.absent()) }
                            td.num data-label="Attendance" { (pct(c.attendance_pct())) " " (absence_pill(c)) }
                        }
                    }
                }
            }
            p { "Every school day counts. If your child is ill or cannot come to school, please tell the school on the first morning." }
            p {
                a.button href="/children/report" { "Report an absence" } " "
                a.button.secondary href="/children/leave" { "Ask for leave" } " "
                a.button.secondary href="/children/updates" { "Reports, leave and requests" }
            }
        }
    };
    Ok(page("My children", Some(&p), body))
}
