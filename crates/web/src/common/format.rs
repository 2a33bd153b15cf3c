//! Formatting for people: dates, sessions, codes, figures and paths, the same on every page.

use maud::{html, Markup};
use rollcall_app::registers::{call_code_allowed, RecordedCall};
use rollcall_app::school_view::Period;
use rollcall_app::Refusal;
use rollcall_core::stats::Counts;
use rollcall_core::{BaseCode, Category, Code, Date, Percent, Pupil, Sen, Session};
use rollcall_rules::Rule;

/// "Tuesday 8 July 2025".
pub fn long_date(date: Date) -> String {
    date.format("%A %-d %B %Y").to_string()
}

/// "Tue 8 Jul".
pub fn short_date(date: Date) -> String {
    date.format("%a %-d %b").to_string()
}

pub fn session_name(session: Session) -> &'static str {
    match session {
        Session::Am => "morning (AM)",
        Session::Pm => "afternoon (PM)",
    }
}

pub fn category_class(category: Category) -> &'static str {
    match category {
        Category::Present => "c-present",
        Category::Aea => "c-aea",
        Category::Authorised => "c-authorised",
        Category::Unauthorised => "c-unauthorised",
        Category::NotPossible => "c-not-possible",
        Category::Administrative => "c-administrative",
    }
}

pub fn category_title(category: Category) -> &'static str {
    match category {
        Category::Present => "Present",
        Category::Aea => "Approved educational activity",
        Category::Authorised => "Authorised absence",
        Category::Unauthorised => "Unauthorised absence",
        Category::NotPossible => "Not a possible session",
        Category::Administrative => "Administrative",
    }
}

/// A code's meaning in a few words, short enough for a list of codes on a tablet.
pub fn short_meaning(code: BaseCode) -> &'static str {
    match code {
        BaseCode::PresentAm | BaseCode::PresentPm => "Present",
        BaseCode::L => "Late (give the arrival time)",
        BaseCode::K => "Education arranged by the LA",
        BaseCode::V => "Educational visit or trip",
        BaseCode::P => "Supervised sporting activity",
        BaseCode::W => "Work experience",
        BaseCode::B => "Other approved activity",
        BaseCode::D => "Dual registered: at other school",
        BaseCode::C1 => "Leave: performance or employment",
        BaseCode::M => "Medical or dental appointment",
        BaseCode::J1 => "Leave: interview",
        BaseCode::S => "Leave: study leave for exams",
        BaseCode::C2 => "Leave: part-time timetable",
        BaseCode::C => "Leave: exceptional circumstances",
        BaseCode::X => "Not of compulsory school age",
        BaseCode::T => "Parent travelling for work",
        BaseCode::R => "Religious observance",
        BaseCode::I => "Illness",
        BaseCode::E => "Suspended or excluded",
        BaseCode::Q => "No access arrangements",
        BaseCode::Y1 => "Transport not available",
        BaseCode::Y2 => "Widespread travel disruption",
        BaseCode::Y3 => "Part of the premises closed",
        BaseCode::Y4 => "Whole site closed unexpectedly",
        BaseCode::Y5 => "In criminal justice detention",
        BaseCode::Y6 => "Public health guidance or law",
        BaseCode::Y7 => "Other unavoidable cause",
        BaseCode::G => "Holiday not granted",
        BaseCode::N => "Absent: reason not yet known",
        BaseCode::O => "Absent: other or unknown reason",
        BaseCode::U => "Arrived after the register closed",
        BaseCode::Z => "Not yet on the admission register",
        BaseCode::Closed => "Planned closure",
        BaseCode::H => "Agreed family holiday (old code)",
        BaseCode::F => "Extended family holiday (old code)",
        BaseCode::J => "Interview (old code)",
        BaseCode::Y => "Unable to attend (old code)",
    }
}

/// A mark as a coloured code, with its meaning for screen readers and on hover.
pub fn code_badge(code: Option<&Code>) -> Markup {
    match code {
        Some(c) => html! {
            span class=(format!("code {}", category_class(c.category()))) title=(c.base().meaning()) {
                (c.text())
            }
        },
        None => html! { span.code.c-unmarked title="Not marked" { "–" } },
    }
}

/// A path segment, percent-encoded.
pub fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn register_path(form: &str, date: Date, session: Session) -> String {
    format!("/registers/{}/{date}/{session}", segment(form))
}

/// A percentage to two decimal places, or a dash when there is nothing to divide by.
pub fn pct(p: Option<Percent>) -> String {
    p.map_or_else(|| "–".to_owned(), |p| format!("{p}%"))
}

/// `Tue 8 Jul 2025`.
pub fn day_text(date: Date) -> String {
    date.format("%a %-d %b %Y").to_string()
}

/// `8 Jul 2025`.
pub fn date_text(date: Date) -> String {
    date.format("%-d %b %Y").to_string()
}

pub fn period_text(p: Period) -> String {
    if p.from == p.to {
        day_text(p.from)
    } else {
        format!("{} to {}", date_text(p.from), date_text(p.to))
    }
}

pub fn full_name(p: &Pupil) -> String {
    format!("{} {}", p.forename, p.surname)
}

pub fn record_link(p: &Pupil) -> String {
    format!("/pupils/{}", p.upn)
}

/// The characteristics that matter for attendance, in words.
pub fn characteristics(p: &Pupil) -> Vec<&'static str> {
    let mut out = Vec::new();
    if p.fsm {
        out.push("Free school meals");
    }
    if p.pupil_premium {
        out.push("Pupil premium");
    }
    match p.sen {
        Sen::N => {}
        Sen::K => out.push("SEN support"),
        Sen::E => out.push("EHC plan"),
    }
    if p.looked_after {
        out.push("Looked after");
    }
    if p.social_worker {
        out.push("Social worker");
    }
    if p.young_carer {
        out.push("Young carer");
    }
    if p.eal {
        out.push("EAL");
    }
    out
}

/// "PA" or "SA" when either applies, for lists (the words in a tooltip and for screen readers).
pub fn absence_tag(c: &Counts) -> Markup {
    html! {
        @if c.severe_absence() {
            span.pill.sa { abbr title="Severe absence" { "SA" } }
        } @else if c.persistent_absence() {
            span.pill.pa { abbr title="Persistent absence" { "PA" } }
        }
    }
}

/// "Severe absence" or "Persistent absence" when either applies (decided on session counts).
pub fn absence_pill(c: &Counts) -> Markup {
    html! {
        @if c.severe_absence() {
            span.pill.sa { "Severe absence" }
        } @else if c.persistent_absence() {
            span.pill.pa { "Persistent absence" }
        }
    }
}

/// A rule's name for people.
pub fn rule_title(rule: Rule) -> &'static str {
    match rule {
        Rule::PenaltyThreshold => "Penalty notice threshold",
        Rule::Unauthorised10Days => "10 days' continuous unauthorised absence",
        Rule::Sickness15Days => "15 days of illness",
        Rule::UnresolvedN => "Unresolved N",
        Rule::Deletion20Days => "20 days' unauthorised absence (deletion ground)",
        Rule::PersistentAbsence => "Persistent absence",
        Rule::SevereAbsence => "Severe absence",
        Rule::NewPupil => "New pupil",
        Rule::DeletedPupil => "Deleted pupil",
        Rule::PartTimeStart => "Part-time timetable started",
        Rule::PartTimeStop => "Part-time timetable ended",
        Rule::RegisterNotTaken => "Register not taken",
        Rule::LocalPenalty => "School policy: unauthorised absence",
        Rule::PersistentLateness => "School policy: lateness",
        Rule::AttendanceBand => "School policy: attendance band",
    }
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The sessions from `first` to `last`: "Tue 8 Jul AM", "Tue 8 Jul, all day", "Tue 8 Jul AM to Wed
/// 9 Jul PM".
pub fn sessions_text(first: (Date, Session), last: (Date, Session)) -> String {
    if first == last {
        format!("{} {}", short_date(first.0), first.1)
    } else if first.0 == last.0 {
        format!("{}, all day", short_date(first.0))
    } else {
        format!(
            "{} {} to {} {}",
            short_date(first.0),
            first.1,
            short_date(last.0),
            last.1
        )
    }
}

/// When a call was taken, and by whom: "Tue 8 Jul 10:31, Pat Green (office)".
pub fn taken_text(call: &RecordedCall) -> String {
    let at = rollcall_core::dates::school_time(call.recorded.at);
    format!(
        "{} {}, {} ({})",
        short_date(at.date()),
        at.format("%H:%M"),
        call.recorded.by,
        call.recorded.role
    )
}

/// Parents' calls as they were recorded, the newest first: when and by whom, who called, what
/// they said, the code and the sessions.
pub fn recorded_calls(label: &str, calls: &[RecordedCall]) -> Markup {
    html! {
        table.reflow.calls aria-label=(label) {
            thead { tr {
                th scope="col" { "Taken" }
                th scope="col" { "Who called" }
                th scope="col" { "What they said" }
                th scope="col" { "Code" }
                th scope="col" { "Sessions" }
                th scope="col" { "Expected back" }
            } }
            tbody {
                @for c in calls {
                    tr {
                        td data-label="Taken" { (taken_text(c)) }
                        td data-label="Who called" { (c.reported_by) }
                        td data-label="What they said" { (c.reason) }
                        td data-label="Code" { (code_badge(Some(&c.code))) }
                        td data-label="Sessions" { (sessions_text(c.first, c.last)) }
                        td data-label="Expected back" {
                            @match c.expected_return { Some(d) => (short_date(d)), None => "—" }
                        }
                    }
                }
            }
        }
    }
}

/// The codes offered for a call: N while the reason is unknown, illness and appointments first,
/// then the other absence codes valid on `date`.
pub fn call_code_options(date: Date, selected: &str) -> Markup {
    let first: [(BaseCode, &str); 3] = [
        (BaseCode::N, "Reason not yet known"),
        (BaseCode::I, "Illness"),
        (BaseCode::M, "Medical or dental appointment"),
    ];
    let rest = |category: Category| -> Vec<BaseCode> {
        BaseCode::ALL
            .iter()
            .copied()
            .filter(|c| {
                c.category() == category
                    && call_code_allowed(*c)
                    && !first.iter().any(|(f, _)| f == c)
                    && Code::parse(c.symbol(), date).is_ok()
            })
            .collect()
    };
    let selected = match selected.trim() {
        "" => "N",
        s => s,
    };
    html! {
        @for (c, label) in first {
            option value=(c.symbol()) selected[c.symbol() == selected] { (c.symbol()) "  " (label) }
        }
        @for (title, category) in [("Other authorised absence", Category::Authorised), ("Other unauthorised absence", Category::Unauthorised)] {
            optgroup label=(title) {
                @for c in rest(category) {
                    option value=(c.symbol()) selected[c.symbol() == selected] { (c.symbol()) "  " (short_meaning(c)) }
                }
            }
        }
    }
}

/// A refused request's problems, each on its own line, above the form it came from.
pub fn errors(e: Option<&Refusal>) -> Markup {
    html! {
        @if let Some(e) = e {
            div.error role="alert" {
                @for p in e.problems() { p { (p.message) } }
                @if e.problems().is_empty() { p { (e) } }
            }
        }
    }
}
