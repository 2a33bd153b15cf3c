//! Registers as people take them: a form's register for a session, taking and correcting it,
//! late arrivals signed in at the office, the registers not yet taken, and parents' calls.
//!
//! These are the use cases behind the register and office pages, independent of HTTP. Every
//! change is checked against the admission register, the calendar and the marks as they stand
//! before anything is written, and written in one transaction:
//!
//! - A mark already in the register is never overwritten in place: a change is an amendment that
//!   keeps the original (rules.md, register integrity). Before the register closes a correction
//!   carries the reason [`CORRECTED_BEFORE_CLOSE`]; after it closes the person must give one.
//! - A register is taken from what the person saw: each register has a version (a hash of its
//!   marks), and a submission built from an older version is refused as a conflict, never
//!   applied over someone else's marks.
//! - A time of arrival becomes `L` or `U` with the minutes late through
//!   [`RegisterTimes::arrival`].

use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDateTime, NaiveTime};
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{BaseCode, Date, Pupil, RegisterTimes, Session, Upn, YearGroup};
use rollcall_store::{DateRange, PupilId, SchoolId, Store, StoredPupil};

pub use crate::error::{Problem, Refusal};
use crate::Actor;

mod calls;
mod late;
mod lists;
mod register;
mod take;
#[cfg(test)]
mod tests;

pub use calls::{
    call_code_allowed, calls_about, record_call, record_call_about, CallOutcome, CallReport,
    LeftAlone, RecordedCall, RECENT_CALL_DAYS,
};
pub(crate) use calls::{plan_call_about, sessions_between, PlannedCall};
pub use late::{plan_late, sign_in_late, LateOutcome};
pub use lists::{form_registers, registers_not_taken, FormRegister, SessionRegisters, Taker};
pub use register::register;
pub(crate) use take::{concurrent_change, written_as_register};
pub use take::{
    plan_for, plan_register, take_register, MarkInput, RegisterPlan, RegisterSubmission,
    TakeOutcome,
};

/// The reason kept with a correction made while the register is still open.
pub const CORRECTED_BEFORE_CLOSE: &str = "Corrected before the register closed";

/// The longest period one parent's call may cover, in days.
pub const MAX_CALL_DAYS: i64 = 92;

pub type Result<T> = std::result::Result<T, Refusal>;

/// A register: a form's, for one session of one day.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegisterKey {
    pub form: String,
    pub date: Date,
    pub session: Session,
}

impl RegisterKey {
    /// A register's key as typed in a path or a form: the date as `YYYY-MM-DD`, the session as
    /// `AM` or `PM`. Each part that is wrong is said.
    pub fn parse(form: &str, date: &str, session: &str) -> Result<RegisterKey> {
        let mut problems = Vec::new();
        let date = parse_day(date)
            .map_err(|e| problems.extend(e.problems().to_vec()))
            .ok();
        let session = parse_session(session)
            .map_err(|e| problems.extend(e.problems().to_vec()))
            .ok();
        match (date, session) {
            (Some(date), Some(session)) => Ok(RegisterKey {
                form: form.to_owned(),
                date,
                session,
            }),
            _ => Err(Refusal::Invalid(problems)),
        }
    }
}

/// Where a register stands against the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// A day still to come: its register cannot be taken yet.
    Upcoming,
    /// Today, before the register closes: marks may be corrected without a reason.
    Open,
    /// The register has closed: a change to a mark needs a reason.
    Closed,
}

impl Window {
    pub fn of(times: &RegisterTimes, date: Date, session: Session, now: NaiveDateTime) -> Window {
        if date > now.date() {
            Window::Upcoming
        } else if now < date.and_time(times.closes(session)) {
            Window::Open
        } else {
            Window::Closed
        }
    }
}

/// A mark as it stands, with who recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentMark {
    pub entry: MarkEntry,
    pub recorded: Recorded,
}

/// A pupil on a register and their mark, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterRow {
    pub id: PupilId,
    pub pupil: Pupil,
    pub mark: Option<CurrentMark>,
    /// What a parent reported about this session, if anything (the latest report).
    pub reported: Option<Reported>,
}

/// A parent's report of absence as the register shows it beside the pupil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub kind: rollcall_store::ReportKind,
    /// Who reported it: "Mary Smith (mother, online)", "Mother (phone)".
    pub by: String,
    /// What they said.
    pub reason: String,
    /// A parent's own report staff have not yet turned into a code.
    pub awaiting_review: bool,
    pub expected_return: Option<Date>,
}

/// A form's register for one session.
#[derive(Debug, Clone)]
pub struct Register {
    pub form: String,
    pub date: Date,
    pub session: Session,
    pub times: RegisterTimes,
    pub window: Window,
    /// The form's pupils on roll that day for whom the session is a school session, by surname.
    pub rows: Vec<RegisterRow>,
    /// The form's pupils on roll that day who are not expected (a closure for their year group),
    /// with the reason.
    pub not_expected: Vec<(RegisterRow, String)>,
    /// The version the register is at: changes when any of its marks changes.
    pub version: String,
    /// The times the pupils were signed out that day, shown beside their marks; filled in for
    /// people reading the register ([`crate::App::register`]), empty where it is only checked.
    pub away: HashMap<PupilId, Vec<crate::day::Away>>,
}

impl Register {
    pub fn opens(&self) -> NaiveDateTime {
        self.date.and_time(self.times.opens(self.session))
    }

    pub fn closes(&self) -> NaiveDateTime {
        self.date.and_time(self.times.closes(self.session))
    }

    /// The year groups of the form's pupils on roll that day.
    pub fn year_groups(&self) -> Vec<YearGroup> {
        let set: BTreeSet<_> = self
            .rows
            .iter()
            .chain(self.not_expected.iter().map(|(r, _)| r))
            .map(|r| r.pupil.year_group)
            .collect();
        set.into_iter().collect()
    }

    /// Every pupil of the form on roll that day, expected or not.
    pub fn pupils(&self) -> impl Iterator<Item = &RegisterRow> {
        self.rows
            .iter()
            .chain(self.not_expected.iter().map(|(r, _)| r))
    }

    pub fn unmarked(&self) -> usize {
        self.rows.iter().filter(|r| r.mark.is_none()).count()
    }

    pub fn row(&self, upn: &str) -> Option<&RegisterRow> {
        self.rows.iter().find(|r| r.pupil.upn.as_str() == upn)
    }

    /// The time of arrival an entry's minutes late stand for.
    pub fn arrival_time(&self, entry: &MarkEntry) -> Option<NaiveTime> {
        let minutes = entry.minutes_late?;
        let opens = self.times.opens(self.session);
        Some(opens + chrono::Duration::minutes(i64::from(minutes)))
    }
}

/// A pupil's name as people read it.
pub fn full_name(p: &Pupil) -> String {
    format!("{} {}", p.forename, p.surname)
}

/// The school's register times, from its calendar.
pub fn register_times(store: &mut dyn Store, school: SchoolId) -> Result<RegisterTimes> {
    store
        .schools()?
        .into_iter()
        .find(|s| s.id == school)
        .and_then(|s| s.register_times)
        .ok_or_else(|| {
            Refusal::invalid("the school has no register times yet: import its calendar first")
        })
}

/// The present code of a session: `/` in the morning, `\` in the afternoon.
pub fn present_code(session: Session) -> BaseCode {
    match session {
        Session::Am => BaseCode::PresentAm,
        Session::Pm => BaseCode::PresentPm,
    }
}

/// Reads a time of day typed as `HH:MM`.
pub fn parse_time(text: &str) -> Result<NaiveTime> {
    let t = text.trim();
    NaiveTime::parse_from_str(t, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S"))
        .map_err(|_| {
            Refusal::invalid(format!(
                "'{t}' is not a time of day: expected HH:MM, for example 08:57"
            ))
        })
}

/// Reads a date typed as `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> Result<Date> {
    rollcall_core::parse_date(text.trim()).ok_or_else(|| {
        Refusal::invalid(format!(
            "'{}' is not a date: expected YYYY-MM-DD, for example 2025-07-08",
            text.trim()
        ))
    })
}

/// Reads `AM` or `PM`.
pub fn parse_session(text: &str) -> Result<Session> {
    text.trim().parse().map_err(|()| {
        Refusal::invalid(format!(
            "'{}' is not a session: expected AM or PM",
            text.trim()
        ))
    })
}

/// The entry in the audit trail for a change made now by `actor`.
pub fn recorded_now(actor: &Actor, now: NaiveDateTime) -> Recorded {
    actor.recorded_at(now)
}

/// A session's marks, of the given pupils only when `pupils` is given.
pub(super) fn marks_of(
    store: &mut dyn Store,
    school: SchoolId,
    pupils: Option<&[PupilId]>,
    date: Date,
    session: Session,
) -> Result<HashMap<PupilId, CurrentMark>> {
    let marks = match pupils {
        Some(ids) => store.session_marks(school, ids, date, session)?,
        None => store.marks(school, DateRange::between(date, date))?,
    };
    Ok(marks
        .into_iter()
        .filter(|m| m.session == session)
        .map(|m| {
            (
                m.pupil,
                CurrentMark {
                    entry: m.entry,
                    recorded: m.recorded,
                },
            )
        })
        .collect())
}

/// The pupil with this UPN on the school's admission register.
pub fn find_pupil(store: &mut dyn Store, school: SchoolId, upn: &str) -> Result<StoredPupil> {
    let upn = upn.trim();
    if upn.is_empty() {
        return Err(Refusal::invalid(
            "give the pupil's UPN (choose the pupil from the search)",
        ));
    }
    let parsed = Upn::parse(upn).map_err(|e| Refusal::invalid(e.to_string()))?;
    store
        .pupils(school)?
        .into_iter()
        .find(|p| p.pupil.upn == parsed)
        .ok_or_else(|| {
            Refusal::invalid(format!(
                "no pupil with UPN {upn} is on this school's admission register"
            ))
        })
}

/// Pupils matching what was typed: part of a name, a UPN or a form; pupils on roll on `on`
/// first, by surname. At most `limit`.
pub fn search_pupils<'a>(
    pupils: &'a [StoredPupil],
    query: &str,
    on: Date,
    limit: usize,
) -> Vec<&'a StoredPupil> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    let words: Vec<&str> = q.split_whitespace().collect();
    let mut found: Vec<&StoredPupil> = pupils
        .iter()
        .filter(|p| {
            let pupil = &p.pupil;
            if pupil.upn.as_str().to_lowercase() == q
                || pupil.form.as_deref().is_some_and(|f| f.to_lowercase() == q)
            {
                return true;
            }
            let name = format!("{} {}", pupil.forename, pupil.surname).to_lowercase();
            words.iter().all(|w| name.contains(w))
        })
        .collect();
    found.sort_by_key(|p| {
        (
            !p.pupil.on_roll(on),
            p.pupil.surname.to_lowercase(),
            p.pupil.forename.to_lowercase(),
        )
    });
    found.truncate(limit);
    found
}

/// The session an arrival at `time` belongs to: the morning until the afternoon register opens.
pub fn session_of_arrival(times: &RegisterTimes, time: NaiveTime) -> Session {
    if time < times.opens(Session::Pm) {
        Session::Am
    } else {
        Session::Pm
    }
}

/// The register people are working on at `time`: the morning's until it closes, then the
/// afternoon's.
pub fn session_now(times: &RegisterTimes, time: NaiveTime) -> Session {
    if time < times.closes(Session::Am) {
        Session::Am
    } else {
        Session::Pm
    }
}

pub(super) fn not_on_roll(p: &Pupil, date: Date) -> String {
    let left = p
        .leaving_date
        .map_or_else(String::new, |d| format!(", left {d}"));
    format!(
        "{} is not on roll on {date} (admitted {}{left})",
        full_name(p),
        p.admission_date
    )
}
