//! The register pages: the registers of a session, and a form's register.

use maud::{html, Markup};
use rollcall_app::registers::{present_code, Register, SessionRegisters, Window};
use rollcall_core::calendar::format_time;
use rollcall_core::{BaseCode, Category, Code, Date, Role, Session};

use crate::common::format::*;
use crate::common::{page, Principal};

use super::form::{FormState, Messages};

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

pub(super) fn list_page(
    p: &Principal,
    all: &SessionRegisters,
    now: chrono::NaiveDateTime,
) -> Markup {
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
            table.reflow aria-label=(format!("Forms and their {} registers", session_name(all.session))) {
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
                            td data-label="Year" { (f.year_groups.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                            td data-label="Register" {
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
                            td.num data-label="Marked" { (f.marked) " of " (f.expected) }
                            @if !tutor {
                                td.hide-small data-label="Taken by" {
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

pub(super) fn register_page(
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
        table.marks aria-label=(format!("Pupils of {} and their marks", reg.form)) {
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
                            @if let Some(r) = &row.reported {
                                (reported_note(r))
                            }
                            @if let Some(away) = reg.away.get(&row.id) {
                                @for a in away { span.away { "Signed " (a.describe()) } }
                            }
                            @if let Some(ps) = problems {
                                @for m in ps { span.error { (m) } }
                            }
                        }
                        @if editable {
                            td data-label="Mark" {
                                input type="hidden" name=(format!("was-{upn}")) value=(line.was);
                                select id=(format!("mark-{upn}")) name=(format!("mark-{upn}"))
                                    data-mark data-present=(present.symbol())
                                    aria-invalid=[problems.map(|_| "true")] {
                                    (code_options(reg.session, reg.date, &line.code, row.mark.is_some()))
                                }
                            }
                            td data-label="Arrived at (late only)" {
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

pub(super) fn saved_notice(new: usize, corrected: usize, unmarked: usize) -> String {
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

/// A parent's report beside the pupil: "Reported ill by Mary Smith (mother, online)".
fn reported_note(r: &rollcall_app::registers::Reported) -> Markup {
    let what = match r.kind {
        rollcall_app::records::ReportKind::Illness => "Reported ill",
        rollcall_app::records::ReportKind::Appointment => "Reported: appointment",
        rollcall_app::records::ReportKind::Other => "Reported absent",
    };
    html! {
        span.reported data-reported title=(r.reason) {
            (what) " by " (r.by)
            @if r.awaiting_review { " (not yet recorded)" }
            @if let Some(back) = r.expected_return { "; back " (back.format("%a %-d %b")) }
        }
    }
}
