//! Registers: "My registers now" and a form's register for a session, taken on a tablet in the
//! classroom or corrected later at a desk.
//!
//! The pages work without JavaScript: "All present" fills the unmarked pupils on the server when
//! the script is not there to do it in the page. Every change goes through
//! [`rollcall_app::registers`], which keeps corrections as amendments and refuses a register
//! taken from a version that someone else has changed since.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use rollcall_app::cases::registers::RegisterKey;
use rollcall_app::registers::{
    self as uc, present_code, MarkInput, Register, RegisterSubmission, SessionRegisters, Window,
};
use rollcall_app::Refusal;
use rollcall_core::calendar::format_time;
use rollcall_core::{BaseCode, Category, Code, Date, Role, Session};

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
        path: "/registers",
        permission: Permission::TakeRegisters,
    },
    RouteRule {
        method: "GET",
        path: "/registers/{form}/{date}/{session}",
        permission: Permission::TakeRegisters,
    },
    RouteRule {
        method: "POST",
        path: "/registers/{form}/{date}/{session}",
        permission: Permission::TakeRegisters,
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/registers", get(list))
        .route("/registers/{form}/{date}/{session}", get(show).post(take))
}

// ---- GET /registers ----

async fn list(
    State(state): State<AppState>,
    p: Principal,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Markup, WebError> {
    p.require(Permission::TakeRegisters)?;
    let now = state.now();
    let actor = p.actor.clone();
    let all = state
        .run(move |app| {
            app.session_registers(
                &actor,
                query.get("date").map(String::as_str),
                query.get("session").map(String::as_str),
            )
        })
        .await?;
    Ok(list_page(&p, &all, now))
}

fn window_text(
    window: Window,
    opens: chrono::NaiveDateTime,
    closes: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
) -> String {
    match window {
        Window::Upcoming => "a day still to come: its registers are taken on the day".to_owned(),
        Window::Open if now < opens => format!(
            "opens at {}, closes at {}",
            format_time(opens.time()),
            format_time(closes.time())
        ),
        Window::Open => format!("open until {}", format_time(closes.time())),
        Window::Closed => format!(
            "closed at {}: changing a mark needs a reason",
            format_time(closes.time())
        ),
    }
}

fn list_page(p: &Principal, all: &SessionRegisters, now: chrono::NaiveDateTime) -> Markup {
    let tutor = p.role() == Role::FormTutor;
    let title = if tutor {
        "My registers now"
    } else {
        "Registers"
    };
    let forms: Vec<_> = all.forms.iter().collect();
    let today = all.date == now.date();
    let other = match all.session {
        Session::Am => Session::Pm,
        Session::Pm => Session::Am,
    };
    let no_session = forms
        .iter()
        .all(|f| f.expected == 0)
        .then(|| forms.iter().find_map(|f| f.no_session.clone()))
        .flatten();
    let body = html! {
        h1 { (title) }
        p {
            @if today { "Today, " } (long_date(all.date)) ", " (session_name(all.session)) " register: "
            strong { (window_text(all.window, all.opens, all.closes, now)) }
            @if today { ". It is " (format_time(now.time())) "." }
        }
        @if forms.is_empty() {
            p.notice { "You have no registers to take. If that is wrong, ask an administrator to give you your forms." }
        } @else if let Some(why) = no_session {
            p.notice { "This is not a school session: " (why) "." }
        } @else {
            table aria-label=(format!("Forms and their {} registers", session_name(all.session))) {
                thead { tr {
                    th scope="col" { "Form" }
                    th scope="col" { "Year" }
                    th scope="col" { "Register" }
                    th.num scope="col" { "Marked" }
                    @if !tutor { th.hide-small scope="col" { "Taken by" } }
                    th scope="col" { "Take or view" }
                } }
                tbody {
                    @for f in &forms {
                        tr {
                            th scope="row" { (f.form) }
                            td { (f.year_groups.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                            td {
                                @if f.expected == 0 {
                                    span.pill { "No session" }
                                } @else if f.taken() {
                                    span.pill { "Taken" }
                                } @else if f.marked == 0 {
                                    span.pill.pa { "Not taken" }
                                } @else {
                                    span.pill.pa { (f.unmarked()) " not marked" }
                                }
                            }
                            td.num { (f.marked) " of " (f.expected) }
                            @if !tutor {
                                td.hide-small {
                                    @if f.takers.is_empty() { "—" }
                                    @else { (f.takers.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")) }
                                }
                            }
                            td {
                                @if f.expected > 0 {
                                    a.button href=(register_path(&f.form, all.date, all.session)) {
                                        @if f.taken() || all.window == Window::Upcoming { "Open " } @else { "Take " }
                                        (f.form) " register"
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        p {
            a href=(format!("/registers?date={}&session={}", all.date, other)) {
                "See the " (session_name(other)) " registers of " (short_date(all.date))
            }
        }
        h2 { "Another day or session" }
        form method="get" action="/registers" {
            label for="date" { "Date" }
            input #date type="date" name="date" value=(all.date.to_string()) required;
            label for="session" { "Session" }
            select #session name="session" {
                @for s in Session::BOTH {
                    option value=(s.as_str()) selected[s == all.session] { (session_name(s)) }
                }
            }
            " "
            button.secondary type="submit" { "Show registers" }
        }
    };
    page(title, Some(p), body)
}

// ---- The register page ----

/// What one pupil's line of the form holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Line {
    code: String,
    arrival: String,
    was: String,
}

/// The register form as it is to be shown: the version it is built on and each pupil's line.
#[derive(Debug, Clone, Default)]
struct FormState {
    version: String,
    reason: String,
    lines: HashMap<String, Line>,
}

fn line_of(reg: &Register, row: &uc::RegisterRow) -> Line {
    match &row.mark {
        Some(m) => Line {
            code: m.entry.code.text().to_owned(),
            arrival: match m.entry.code.base() {
                BaseCode::L | BaseCode::U => reg
                    .arrival_time(&m.entry)
                    .map(format_time)
                    .unwrap_or_default(),
                _ => String::new(),
            },
            was: m.entry.code.text().to_owned(),
        },
        None => Line::default(),
    }
}

impl FormState {
    fn of(reg: &Register) -> FormState {
        FormState {
            version: reg.version.clone(),
            reason: String::new(),
            lines: reg
                .rows
                .iter()
                .map(|r| (r.pupil.upn.to_string(), line_of(reg, r)))
                .collect(),
        }
    }

    fn of_submission(sub: &RegisterSubmission) -> FormState {
        FormState {
            version: sub.version.clone(),
            reason: sub.reason.clone(),
            lines: sub
                .marks
                .iter()
                .map(|m| {
                    (
                        m.upn.trim().to_owned(),
                        Line {
                            code: m.code.clone(),
                            arrival: m.arrival.clone(),
                            was: m.was.clone().unwrap_or_default(),
                        },
                    )
                })
                .collect(),
        }
    }

    /// After a conflict: the register as it now stands, with the lines the user changed kept.
    fn merged(reg: &Register, sub: &RegisterSubmission) -> FormState {
        let mut state = FormState::of(reg);
        state.reason = sub.reason.clone();
        for m in &sub.marks {
            let upn = m.upn.trim();
            let Some(line) = state.lines.get_mut(upn) else {
                continue;
            };
            let was = m.was.as_deref().unwrap_or("").trim();
            let changed_by_user =
                m.code.trim() != was || (!m.arrival.trim().is_empty() && was != "L" && was != "U");
            if changed_by_user {
                line.code = m.code.clone();
                line.arrival = m.arrival.clone();
            }
        }
        state
    }

    /// Sets every unmarked line without a choice to present.
    fn all_present(&mut self, reg: &Register) {
        let present = present_code(reg.session).symbol();
        for row in reg.rows.iter().filter(|r| r.mark.is_none()) {
            let line = self.lines.entry(row.pupil.upn.to_string()).or_default();
            if line.code.trim().is_empty() && line.arrival.trim().is_empty() {
                line.code = present.to_owned();
            }
        }
    }
}

/// Messages shown with the form.
#[derive(Debug, Clone, Default)]
struct Messages {
    notice: Option<String>,
    error: Option<String>,
    /// Problems by UPN.
    rows: HashMap<String, Vec<String>>,
}

impl Messages {
    fn from_problems(e: &Refusal) -> Messages {
        let mut m = Messages {
            error: Some(
                "Nothing was saved. Put right what is marked below and save again.".to_owned(),
            ),
            ..Messages::default()
        };
        let mut general = Vec::new();
        for p in e.problems() {
            match &p.upn {
                Some(upn) => m
                    .rows
                    .entry(upn.to_string())
                    .or_default()
                    .push(p.message.clone()),
                None => general.push(p.message.clone()),
            }
        }
        if !general.is_empty() {
            m.error = Some(format!("Nothing was saved: {}", general.join("; ")));
        }
        m
    }
}

/// The options of a register's code list: common codes first, then the rest by category.
fn code_options(session: Session, date: Date, selected: &str, marked: bool) -> Markup {
    let present = present_code(session);
    let common = [
        present,
        BaseCode::L,
        BaseCode::N,
        BaseCode::I,
        BaseCode::M,
        BaseCode::O,
        BaseCode::U,
    ];
    let selected = selected.trim();
    let listed = |c: BaseCode| {
        common.contains(&c)
            || matches!(
                c,
                BaseCode::PresentAm | BaseCode::PresentPm | BaseCode::Z | BaseCode::Closed
            )
    };
    let others: Vec<BaseCode> = BaseCode::ALL
        .iter()
        .copied()
        .filter(|c| !listed(*c) && Code::parse(c.symbol(), date).is_ok())
        .collect();
    let known = common.iter().any(|c| c.symbol() == selected)
        || others.iter().any(|c| c.symbol() == selected)
        || (selected == BaseCode::PresentAm.symbol() || selected == BaseCode::PresentPm.symbol());
    let groups = [
        Category::Aea,
        Category::Authorised,
        Category::Unauthorised,
        Category::NotPossible,
    ];
    let is = |c: BaseCode| {
        c.symbol() == selected
            || (c == present
                && (selected == BaseCode::PresentAm.symbol()
                    || selected == BaseCode::PresentPm.symbol()))
    };
    html! {
        @if !marked {
            option value="" selected[selected.is_empty()] { "– Not marked –" }
        }
        @if !selected.is_empty() && !known {
            option value=(selected) selected { (selected) " (as recorded)" }
        }
        @for c in common {
            option value=(c.symbol()) selected[is(c)] { (c.symbol()) "  " (short_meaning(c)) }
        }
        @for g in groups {
            optgroup label=(category_title(g)) {
                @for c in others.iter().filter(|c| c.category() == g) {
                    option value=(c.symbol()) selected[is(*c)] { (c.symbol()) "  " (short_meaning(*c)) }
                }
            }
        }
    }
}

fn register_page(
    p: &Principal,
    reg: &Register,
    state: &FormState,
    messages: &Messages,
    now: chrono::NaiveDateTime,
) -> Markup {
    let title = format!(
        "{} register, {} {}",
        reg.form,
        short_date(reg.date),
        reg.session
    );
    let action = register_path(&reg.form, reg.date, reg.session);
    let closed = reg.window == Window::Closed;
    let editable = reg.window != Window::Upcoming;
    let marked = reg.rows.len() - reg.unmarked();
    let body = html! {
        p { a href=(format!("/registers?date={}&session={}", reg.date, reg.session)) { "← All registers" } }
        h1 { (reg.form) " register: " (long_date(reg.date)) ", " (session_name(reg.session)) }
        p {
            strong { (marked) " of " (reg.rows.len()) " pupils marked. " }
            @match reg.window {
                Window::Upcoming => { "This register is for a day still to come: it is taken on the day." }
                Window::Open => {
                    "The register opens at " (format_time(reg.opens().time()))
                    " and closes at " (format_time(reg.closes().time()))
                    ": a pupil arriving after it opens is late (L), from " (format_time(reg.closes().time())) " U. "
                    @if now >= reg.opens() && reg.date == now.date() { "It is " (format_time(now.time())) "." }
                }
                Window::Closed => {
                    "The register closed at " (format_time(reg.closes().time()))
                    ". You can still mark pupils who have no mark; changing a mark needs a reason, and the original is kept."
                }
            }
        }
        @if let Some(n) = &messages.notice {
            p.notice role="status" { (n) }
        }
        @if let Some(e) = &messages.error {
            div.error role="alert" {
                @for line in e.lines() { p { (line) } }
            }
        }
        @if editable {
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(p.csrf());
                input type="hidden" name="version" value=(state.version);
                p {
                    button type="submit" name="action" value="save" { "Save register" }
                    " "
                    button.secondary type="submit" name="action" value="all-present" data-all-present { "All present" }
                    " "
                    span { "“All present” marks every pupil not yet marked as present (" (present_code(reg.session).symbol()) "); then change any who are not, and save." }
                }
                @if closed {
                    label for="reason" { "Reason for changing marks (needed after the register closed)" }
                    textarea #reason name="reason" rows="2" cols="60" { (state.reason) }
                }
                (register_table(reg, state, messages, true))
                p { button type="submit" name="action" value="save" { "Save register" } }
            }
        } @else {
            (register_table(reg, state, messages, false))
        }
        @if !reg.not_expected.is_empty() {
            h2 { "Not expected this session" }
            ul {
                @for (row, why) in &reg.not_expected {
                    li { (row.pupil.surname) ", " (row.pupil.forename) ": " (why) }
                }
            }
        }
    };
    page(&title, Some(p), body)
}

fn register_table(
    reg: &Register,
    state: &FormState,
    messages: &Messages,
    editable: bool,
) -> Markup {
    let present = present_code(reg.session);
    html! {
        table aria-label=(format!("Pupils of {} and their marks", reg.form)) {
            thead { tr {
                th scope="col" { "Pupil" }
                @if editable {
                    th scope="col" { "Mark" }
                    th scope="col" #arrival-head { "Arrived at (late only)" }
                }
                th.hide-small scope="col" { "In the register" }
            } }
            tbody {
                @for row in &reg.rows {
                    @let upn = row.pupil.upn.to_string();
                    @let line = state.lines.get(&upn).cloned().unwrap_or_default();
                    @let problems = messages.rows.get(&upn);
                    tr {
                        th scope="row" {
                            @if editable {
                                label for=(format!("mark-{upn}")) id=(format!("name-{upn}")) {
                                    (row.pupil.surname) ", " (row.pupil.forename)
                                }
                            } @else {
                                (row.pupil.surname) ", " (row.pupil.forename)
                            }
                            @if let Some(ps) = problems {
                                @for m in ps { span.error { (m) } }
                            }
                        }
                        @if editable {
                            td {
                                input type="hidden" name=(format!("was-{upn}")) value=(line.was);
                                select id=(format!("mark-{upn}")) name=(format!("mark-{upn}"))
                                    data-mark data-present=(present.symbol())
                                    aria-invalid=[problems.map(|_| "true")] {
                                    (code_options(reg.session, reg.date, &line.code, row.mark.is_some()))
                                }
                            }
                            td {
                                input type="time" id=(format!("arrival-{upn}")) name=(format!("arrival-{upn}"))
                                    value=(line.arrival)
                                    aria-labelledby=(format!("arrival-head name-{upn}"));
                            }
                        }
                        td.hide-small {
                            (code_badge(row.mark.as_ref().map(|m| &m.entry.code)))
                            @if let Some(m) = &row.mark {
                                @if let Some(t) = reg.arrival_time(&m.entry) { " arrived " (format_time(t)) }
                                br;
                                small { (m.recorded.by) ", " (rollcall_core::dates::school_time(m.recorded.at).format("%H:%M")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn show(
    State(state): State<AppState>,
    p: Principal,
    Path((form, date, session)): Path<(String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    p.require(Permission::TakeRegisters)?;
    let key = RegisterKey::parse(&form, &date, &session)?;
    let actor = p.actor.clone();
    let reg = state.run(move |app| app.register(&actor, &key)).await?;
    let notice = query.get("saved").map(|saved| {
        let new: usize = saved.parse().unwrap_or(0);
        let corrected: usize = query
            .get("corrected")
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        saved_notice(new, corrected, reg.unmarked())
    });
    let messages = Messages {
        notice,
        ..Messages::default()
    };
    Ok(register_page(&p, &reg, &FormState::of(&reg), &messages, state.now()).into_response())
}

fn saved_notice(new: usize, corrected: usize, unmarked: usize) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut s = if new + corrected == 0 {
        "Saved: the register already held these marks.".to_owned()
    } else {
        format!(
            "Register saved: {} and {}.",
            plural(new, "new mark", "new marks"),
            plural(corrected, "correction", "corrections")
        )
    };
    if unmarked > 0 {
        s.push_str(&format!(
            " {} still not marked.",
            plural(unmarked, "pupil is", "pupils are")
        ));
    } else {
        s.push_str(" Every pupil is marked.");
    }
    s
}

/// Reads the submitted register form.
fn submission(body: &[u8]) -> (RegisterSubmission, String) {
    let mut sub = RegisterSubmission::default();
    let mut action = String::new();
    let mut lines: BTreeMap<String, MarkInput> = BTreeMap::new();
    fn line<'a>(lines: &'a mut BTreeMap<String, MarkInput>, upn: &str) -> &'a mut MarkInput {
        lines.entry(upn.to_owned()).or_insert_with(|| MarkInput {
            upn: upn.to_owned(),
            ..MarkInput::default()
        })
    }
    for (k, v) in crate::common::forms::url_pairs(body) {
        if let Some(upn) = k.strip_prefix("mark-") {
            line(&mut lines, upn).code = v;
        } else if let Some(upn) = k.strip_prefix("arrival-") {
            line(&mut lines, upn).arrival = v;
        } else if let Some(upn) = k.strip_prefix("was-") {
            line(&mut lines, upn).was = Some(v);
        } else {
            match k.as_str() {
                "version" => sub.version = v,
                "reason" => sub.reason = v,
                "action" => action = v,
                _ => {}
            }
        }
    }
    sub.marks = lines.into_values().collect();
    (sub, action)
}

async fn take(
    State(state): State<AppState>,
    p: Principal,
    Path((form, date, session)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    p.require(Permission::TakeRegisters)?;
    let key = RegisterKey::parse(&form, &date, &session)?;
    let (sub, action) = submission(&body);
    let actor = p.actor.clone();
    if action == "all-present" {
        // Without the page's script: fill the unmarked pupils and show the form again.
        let (k, a) = (key.clone(), actor.clone());
        let reg = state.run(move |app| app.register(&a, &k)).await?;
        let mut form = FormState::of_submission(&sub);
        form.all_present(&reg);
        let messages = Messages {
            notice: Some(format!(
                "Every pupil not yet marked is now set to present ({}). Nothing is saved yet: change any who are not here, then press Save register.",
                present_code(key.session).symbol()
            )),
            ..Messages::default()
        };
        return Ok(register_page(&p, &reg, &form, &messages, state.now()).into_response());
    }
    let (k, a, s) = (key.clone(), actor.clone(), sub.clone());
    match state
        .attempt(move |app| app.take_register(&a, &k, &s))
        .await?
    {
        Ok(out) => {
            let to = format!(
                "{}?saved={}&corrected={}",
                register_path(&key.form, key.date, key.session),
                out.new,
                out.amended
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => refused(&state, &p, key, &sub, e).await,
    }
}

/// The page for a submission refused: the problems to fix, or someone else's marks beside the
/// person's own.
async fn refused(
    state: &AppState,
    p: &Principal,
    key: RegisterKey,
    sub: &RegisterSubmission,
    e: Refusal,
) -> Result<Response, WebError> {
    let reread = |state: &AppState| {
        let (actor, key) = (p.actor.clone(), key.clone());
        let state = state.clone();
        async move { state.run(move |app| app.register(&actor, &key)).await }
    };
    let now = state.now();
    match e {
        e @ Refusal::Invalid(_) => {
            if sub.version.trim().is_empty() {
                return Err(e.into());
            }
            let reg = reread(state).await?;
            let page = register_page(
                p,
                &reg,
                &FormState::of_submission(sub),
                &Messages::from_problems(&e),
                now,
            );
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Refusal::Conflict { message, changed } => {
            let reg = reread(state).await?;
            let mut messages = Messages {
                error: Some(format!(
                    "{message}\nBelow, their marks are shown and the changes you made are kept: check them and save again, or reload to start afresh."
                )),
                ..Messages::default()
            };
            for upn in &changed {
                if let Some(row) = reg.row(upn.as_str()) {
                    let what = match &row.mark {
                        Some(m) => format!(
                            "Changed by {} while you were editing: now {}",
                            m.recorded.by, m.entry.code
                        ),
                        None => "Changed while you were editing".to_owned(),
                    };
                    messages.rows.entry(upn.to_string()).or_default().push(what);
                }
            }
            let form = FormState::merged(&reg, sub);
            let page = register_page(p, &reg, &form, &messages, now);
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        e => Err(e.into()),
    }
}
