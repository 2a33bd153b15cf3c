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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use chrono::{NaiveDateTime, NaiveTime};
use rollcall_core::calendar::format_time;
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{
    BaseCode, Calendar, Category, Code, Date, Pupil, RegisterTimes, Session, Upn, YearGroup,
};
use rollcall_store::{
    AbsenceReport, DateRange, MarkChange, PupilId, SchoolId, Store, StoreError, StoredMark,
    StoredPupil,
};

use crate::error::AppError;
use crate::Actor;

/// The reason kept with a correction made while the register is still open.
pub const CORRECTED_BEFORE_CLOSE: &str = "Corrected before the register closed";

/// The longest period one parent's call may cover, in days.
pub const MAX_CALL_DAYS: i64 = 92;

/// Why a register use case refused, with nothing written.
#[derive(Debug)]
pub enum RegisterError {
    /// What was asked for does not exist (a form with no pupils).
    NotFound(String),
    /// The input is wrong in ways the person can fix; each problem says how.
    Invalid(Vec<Problem>),
    /// Someone else changed the register first.
    Conflict {
        message: String,
        /// The pupils whose marks changed since the person's form was built.
        changed: Vec<Upn>,
    },
    Store(StoreError),
}

/// One problem with a submission, about one pupil when `upn` is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub upn: Option<Upn>,
    pub message: String,
}

impl Problem {
    fn general(message: impl Into<String>) -> Problem {
        Problem {
            upn: None,
            message: message.into(),
        }
    }

    fn about(upn: &Upn, message: impl Into<String>) -> Problem {
        Problem {
            upn: Some(upn.clone()),
            message: message.into(),
        }
    }
}

impl RegisterError {
    fn invalid(message: impl Into<String>) -> RegisterError {
        RegisterError::Invalid(vec![Problem::general(message)])
    }

    /// The problems of an invalid submission (empty for other errors).
    pub fn problems(&self) -> &[Problem] {
        match self {
            RegisterError::Invalid(p) => p,
            _ => &[],
        }
    }
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::NotFound(m) => f.write_str(m),
            RegisterError::Invalid(problems) => {
                let lines: Vec<_> = problems.iter().map(|p| p.message.as_str()).collect();
                f.write_str(&lines.join("\n"))
            }
            RegisterError::Conflict { message, .. } => f.write_str(message),
            RegisterError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RegisterError {}

impl From<StoreError> for RegisterError {
    fn from(e: StoreError) -> RegisterError {
        RegisterError::Store(e)
    }
}

impl From<RegisterError> for AppError {
    fn from(e: RegisterError) -> AppError {
        match e {
            RegisterError::NotFound(m) => AppError::Store(StoreError::NotFound(m)),
            RegisterError::Invalid(_) => AppError::Usage(e.to_string()),
            RegisterError::Conflict { message, .. } => {
                AppError::Store(StoreError::Conflict(message))
            }
            RegisterError::Store(s) => AppError::Store(s),
        }
    }
}

pub type Result<T> = std::result::Result<T, RegisterError>;

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
            RegisterError::invalid(
                "the school has no register times yet: import its calendar first",
            )
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
            RegisterError::invalid(format!(
                "'{t}' is not a time of day: expected HH:MM, for example 08:57"
            ))
        })
}

/// Reads a date typed as `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> Result<Date> {
    rollcall_core::parse_date(text.trim()).ok_or_else(|| {
        RegisterError::invalid(format!(
            "'{}' is not a date: expected YYYY-MM-DD, for example 2025-07-08",
            text.trim()
        ))
    })
}

/// Reads `AM` or `PM`.
pub fn parse_session(text: &str) -> Result<Session> {
    text.trim().parse().map_err(|()| {
        RegisterError::invalid(format!(
            "'{}' is not a session: expected AM or PM",
            text.trim()
        ))
    })
}

/// The entry in the audit trail for a change made now by `actor`.
pub fn recorded_now(actor: &Actor, now: NaiveDateTime) -> Recorded {
    actor.recorded_at(now)
}

/// A short, stable hash (64-bit FNV-1a) of the register's marks, as hex.
fn version_of<'a>(rows: impl Iterator<Item = &'a RegisterRow>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    let mut rows: Vec<_> = rows.collect();
    rows.sort_by_key(|r| r.id);
    for r in rows {
        eat(r.id.to_string().as_bytes());
        eat(b"|");
        if let Some(m) = &r.mark {
            eat(m.entry.code.text().as_bytes());
            eat(b"|");
            eat(m
                .entry
                .minutes_late
                .unwrap_or(u32::MAX)
                .to_string()
                .as_bytes());
            eat(b"|");
            eat(m.recorded.by.as_bytes());
            eat(b"|");
            eat(rollcall_store::format_timestamp(&m.recorded.at).as_bytes());
        }
        eat(b";");
    }
    format!("{hash:016x}")
}

/// A session's marks, of the given pupils only when `pupils` is given.
fn marks_of(
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

/// The register of `form` for a session: its pupils on roll that day, each with their mark.
pub fn register(
    store: &mut dyn Store,
    school: SchoolId,
    form: &str,
    date: Date,
    session: Session,
    now: NaiveDateTime,
) -> Result<Register> {
    let times = register_times(store, school)?;
    let of_form: Vec<StoredPupil> = store.form_pupils(school, form)?;
    if of_form.is_empty() {
        return Err(RegisterError::NotFound(format!(
            "there is no form {form} on this school's admission register"
        )));
    }
    let calendar = store.calendar(school)?;
    let ids: Vec<PupilId> = of_form.iter().map(|p| p.id).collect();
    let mut marks = marks_of(store, school, Some(&ids), date, session)?;
    let mut rows = Vec::new();
    let mut not_expected = Vec::new();
    for p in of_form.into_iter().filter(|p| p.pupil.on_roll(date)) {
        let row = RegisterRow {
            id: p.id,
            mark: marks.remove(&p.id),
            pupil: p.pupil,
        };
        match calendar.check_session(date, session, row.pupil.year_group) {
            Ok(()) => rows.push(row),
            Err(why) => not_expected.push((row, why.to_string())),
        }
    }
    let order = |r: &RegisterRow| {
        (
            r.pupil.surname.to_lowercase(),
            r.pupil.forename.to_lowercase(),
            r.pupil.upn.clone(),
        )
    };
    rows.sort_by_cached_key(order);
    not_expected.sort_by_cached_key(|(r, _)| order(r));
    if rows.is_empty() {
        let why = match not_expected.first() {
            Some((_, why)) => {
                format!("{date} {session} is not a school session for form {form}: {why}")
            }
            None => format!("no pupil of form {form} is on roll on {date}"),
        };
        return Err(RegisterError::invalid(why));
    }
    let version = version_of(rows.iter());
    Ok(Register {
        form: form.to_owned(),
        date,
        session,
        window: Window::of(&times, date, session, now),
        times,
        rows,
        not_expected,
        version,
    })
}

/// One pupil's line of a submitted register, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MarkInput {
    pub upn: String,
    /// The code chosen; empty to leave an unmarked pupil unmarked.
    pub code: String,
    /// The time the pupil arrived (`HH:MM`), for a late mark; empty otherwise.
    pub arrival: String,
    /// The code the form showed when it was built (empty when unmarked), to explain a conflict.
    pub was: Option<String>,
}

/// A register as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterSubmission {
    /// The [`Register::version`] the form was built from.
    pub version: String,
    /// Why marks are changed after the register closed.
    pub reason: String,
    pub marks: Vec<MarkInput>,
}

/// What taking a register did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TakeOutcome {
    pub new: usize,
    pub amended: usize,
    pub unchanged: usize,
    /// Pupils still without a mark.
    pub unmarked: usize,
    /// Late marks written: the pupil's name, `L` or `U`, minutes late.
    pub late: Vec<(String, BaseCode, u32)>,
}

/// The entry a line of the form asks for, or `None` to leave the pupil as they are.
fn wanted_entry(
    reg: &Register,
    row: &RegisterRow,
    input: &MarkInput,
) -> std::result::Result<Option<MarkEntry>, String> {
    let name = full_name(&row.pupil);
    let code = input.code.trim();
    let present = present_code(reg.session);
    // The form shows a late mark's arrival time: changing the code to anything but a late mark
    // leaves that time there, untouched, and it no longer applies.
    let shown = row
        .mark
        .as_ref()
        .and_then(|m| reg.arrival_time(&m.entry))
        .map(format_time);
    let arrival = match input.arrival.trim() {
        a if shown.as_deref() == Some(a) && !matches!(code, "L" | "U") => "",
        a => a,
    };
    let timed = |c: &str| {
        c.is_empty()
            || c == "L"
            || c == "U"
            || c == BaseCode::PresentAm.symbol()
            || c == BaseCode::PresentPm.symbol()
    };
    if !arrival.is_empty() {
        if !timed(code) {
            return Err(format!(
                "{name}: an arrival time goes with L (late) or U (arrived after the register closed), not {code}; choose L or clear the time"
            ));
        }
        let time = parse_time(arrival).map_err(|e| format!("{name}: {e}"))?;
        let a = reg.times.arrival(reg.session, time);
        let base = if a.code == BaseCode::L || a.code == BaseCode::U {
            a.code
        } else {
            present
        };
        return Ok(Some(MarkEntry {
            code: Code::new(base),
            minutes_late: (a.minutes_late > 0).then_some(a.minutes_late),
        }));
    }
    if code.is_empty() {
        return match &row.mark {
            None => Ok(None),
            Some(m) => Err(format!(
                "{name}: a mark is never removed from the register; choose a code in place of {}",
                m.entry.code
            )),
        };
    }
    let (parsed, _) = Code::parse(code, reg.date).map_err(|e| format!("{name}: {e}"))?;
    let base = parsed.base();
    match base {
        BaseCode::Z => {
            return Err(format!(
                "{name}: Z is for a pupil not yet on the admission register"
            ))
        }
        BaseCode::Closed => {
            return Err(format!(
                "{name}: # records a planned closure; closures are kept in the school calendar"
            ))
        }
        // A new X for a pupil of compulsory school age would take the session out of their
        // possible sessions: refused here, where it is typed (an X already held stays).
        BaseCode::X
            if row
                .mark
                .as_ref()
                .is_none_or(|m| m.entry.code.base() != base)
                && row.pupil.of_compulsory_school_age_on(reg.date) =>
        {
            let (_, end) = row.pupil.compulsory_school_age();
            return Err(format!(
                "{name}: X is for a pupil not of compulsory school age, and {} is of compulsory school age until {end}; choose the code for why they are not here",
                row.pupil.forename
            ));
        }
        _ => {}
    }
    let code = if matches!(base, BaseCode::PresentAm | BaseCode::PresentPm) {
        Code::new(present)
    } else {
        parsed
    };
    if matches!(base, BaseCode::L | BaseCode::U) {
        // An L or U the register already holds stays as it is, with its minutes late; a new L
        // needs its time.
        if let Some(m) = row.mark.as_ref().filter(|m| m.entry.code.base() == base) {
            return Ok(Some(m.entry.clone()));
        }
        if base == BaseCode::L {
            return Err(format!("{name}: give the time they arrived, for L (late)"));
        }
    }
    Ok(Some(MarkEntry {
        code,
        minutes_late: None,
    }))
}

/// What someone else changed since a form was built from marks `was` (by UPN).
fn explain_conflict(reg: &Register, marks: &[MarkInput]) -> (String, Vec<Upn>) {
    let mut changed = Vec::new();
    let mut said = Vec::new();
    for input in marks {
        let Some(was) = &input.was else { continue };
        let Some(row) = reg.row(input.upn.trim()) else {
            continue;
        };
        let now = row.mark.as_ref().map(|m| m.entry.code.text()).unwrap_or("");
        if now == was.trim() {
            continue;
        }
        changed.push(row.pupil.upn.clone());
        if let Some(m) = &row.mark {
            said.push(format!(
                "{} ({}) recorded {} for {} at {}",
                m.recorded.by,
                m.recorded.role,
                m.entry.code,
                full_name(&row.pupil),
                rollcall_core::dates::school_time(m.recorded.at).format("%H:%M")
            ));
        }
    }
    let what = if said.is_empty() {
        "marks were recorded or changed".to_owned()
    } else {
        said.join("; ")
    };
    (
        format!(
            "Someone else changed this register while you were editing it: {what}. Nothing you entered was saved. Reload to see their marks, then make your changes again."
        ),
        changed,
    )
}

/// Takes (or corrects) the register of `form` for a session.
///
/// Unmarked pupils get new marks. A pupil already marked is amended: while the register is open
/// with the reason [`CORRECTED_BEFORE_CLOSE`], after it closes with `submission.reason`, which is
/// then required. The whole submission is refused if any line is wrong, and refused as a
/// conflict if the register is no longer at `submission.version`.
#[allow(clippy::too_many_arguments)]
pub fn take_register(
    store: &mut dyn Store,
    school: SchoolId,
    form: &str,
    date: Date,
    session: Session,
    submission: &RegisterSubmission,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<TakeOutcome> {
    let plan = plan_register(store, school, form, date, session, submission, actor, now)?;
    let written = write(store, school, &plan.changes);
    plan.finish(written)
}

/// A register submission checked against the register as it stands: the changes to write, and
/// what writing them does. Writing is left to the caller (see [`take_register`]), so that a server
/// may write many submissions together; the store still refuses any change made against marks
/// that moved in between.
#[derive(Debug, Clone)]
pub struct RegisterPlan {
    pub school: SchoolId,
    pub changes: Vec<MarkChange>,
    outcome: TakeOutcome,
}

impl RegisterPlan {
    /// The outcome, once the store has written [`RegisterPlan::changes`] (or refused them).
    pub fn finish(self, written: std::result::Result<(), StoreError>) -> Result<TakeOutcome> {
        written_as_register(written).map(|()| self.outcome)
    }
}

/// Checks a submission against the register of `form` for a session, and returns the changes it
/// makes, without writing them.
#[allow(clippy::too_many_arguments)]
pub fn plan_register(
    store: &mut dyn Store,
    school: SchoolId,
    form: &str,
    date: Date,
    session: Session,
    submission: &RegisterSubmission,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<RegisterPlan> {
    if submission.version.trim().is_empty() {
        return Err(incomplete_form());
    }
    let reg = register(store, school, form, date, session, now)?;
    plan_for(&reg, school, submission, actor, now)
}

fn incomplete_form() -> RegisterError {
    RegisterError::invalid(
        "this form is incomplete (it does not say which version of the register it was built from): reload the register and enter the marks again",
    )
}

/// [`plan_register`] against a register already read (at `now`).
pub fn plan_for(
    reg: &Register,
    school: SchoolId,
    submission: &RegisterSubmission,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<RegisterPlan> {
    if submission.version.trim().is_empty() {
        return Err(incomplete_form());
    }
    let (form, date, session) = (&reg.form, reg.date, reg.session);
    if reg.window == Window::Upcoming {
        return Err(RegisterError::invalid(format!(
            "the register of {date} cannot be taken before that day"
        )));
    }
    if submission.version.trim() != reg.version {
        let (message, changed) = explain_conflict(reg, &submission.marks);
        return Err(RegisterError::Conflict { message, changed });
    }
    let recorded = recorded_now(actor, now);
    let reason = submission.reason.trim();
    let mut problems = Vec::new();
    let mut changes = Vec::new();
    let mut outcome = TakeOutcome::default();
    let mut seen = BTreeSet::new();
    for input in &submission.marks {
        let upn = input.upn.trim();
        let Some(row) = reg.row(upn) else {
            problems.push(Problem::general(format!(
                "{upn} is not on the register of {form} for {date} {session}"
            )));
            continue;
        };
        if !seen.insert(upn) {
            problems.push(Problem::about(
                &row.pupil.upn,
                format!("{} appears twice in the form", full_name(&row.pupil)),
            ));
            continue;
        }
        let entry = match wanted_entry(reg, row, input) {
            Ok(Some(e)) => e,
            Ok(None) => continue,
            Err(m) => {
                problems.push(Problem::about(&row.pupil.upn, m));
                continue;
            }
        };
        let late = matches!(entry.code.base(), BaseCode::L | BaseCode::U).then(|| {
            (
                full_name(&row.pupil),
                entry.code.base(),
                entry.minutes_late.unwrap_or(0),
            )
        });
        match &row.mark {
            None => {
                outcome.new += 1;
                outcome.late.extend(late);
                changes.push(MarkChange::New {
                    pupil: row.id,
                    date,
                    session,
                    entry,
                    recorded: recorded.clone(),
                });
            }
            Some(m) if m.entry.same_as(&entry) => outcome.unchanged += 1,
            Some(m) => {
                let reason = match reg.window {
                    Window::Open => CORRECTED_BEFORE_CLOSE.to_owned(),
                    _ if reason.is_empty() => {
                        problems.push(Problem::about(
                            &row.pupil.upn,
                            format!(
                                "The register closed at {}: give a reason for changing {}'s mark from {} to {}",
                                format_time(reg.times.closes(session)),
                                full_name(&row.pupil),
                                m.entry.code,
                                entry.code
                            ),
                        ));
                        continue;
                    }
                    _ => reason.to_owned(),
                };
                outcome.amended += 1;
                outcome.late.extend(late);
                changes.push(MarkChange::Amend {
                    pupil: row.id,
                    date,
                    session,
                    expected: m.entry.clone(),
                    entry,
                    reason,
                    recorded: recorded.clone(),
                });
            }
        }
    }
    if !problems.is_empty() {
        return Err(RegisterError::Invalid(problems));
    }
    outcome.unmarked = reg.unmarked() - outcome.new;
    Ok(RegisterPlan {
        school,
        changes,
        outcome,
    })
}

/// Writes changes, turning a conflict in the store into the register's own message.
fn apply(store: &mut dyn Store, school: SchoolId, changes: &[MarkChange]) -> Result<()> {
    written_as_register(write(store, school, changes))
}

/// Writes changes, if there are any, as the store says.
fn write(
    store: &mut dyn Store,
    school: SchoolId,
    changes: &[MarkChange],
) -> std::result::Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    store.apply_marks(school, changes, &mut |_| {})
}

/// The store's answer to a write, with a conflict in the register's own words.
fn written_as_register(written: std::result::Result<(), StoreError>) -> Result<()> {
    match written {
        Err(StoreError::Conflict(_)) => Err(concurrent_change()),
        other => Ok(other?),
    }
}

fn concurrent_change() -> RegisterError {
    RegisterError::Conflict {
        message: "Someone else changed these marks at the same moment: nothing you entered was saved. Reload to see their marks, then make your changes again.".into(),
        changed: Vec::new(),
    }
}

/// The pupil with this UPN on the school's admission register.
pub fn find_pupil(store: &mut dyn Store, school: SchoolId, upn: &str) -> Result<StoredPupil> {
    let upn = upn.trim();
    if upn.is_empty() {
        return Err(RegisterError::invalid(
            "give the pupil's UPN (choose the pupil from the search)",
        ));
    }
    let parsed = Upn::parse(upn).map_err(|e| RegisterError::invalid(e.to_string()))?;
    store
        .pupils(school)?
        .into_iter()
        .find(|p| p.pupil.upn == parsed)
        .ok_or_else(|| {
            RegisterError::invalid(format!(
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

/// What signing in a late pupil did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateOutcome {
    pub pupil: PupilId,
    pub name: String,
    pub form: Option<String>,
    pub session: Session,
    /// `L` (before the register closed) or `U` (after).
    pub code: BaseCode,
    pub minutes_late: u32,
    /// The mark it replaced (`N`), if any.
    pub replaced: Option<Code>,
    /// When the session's register closes.
    pub closes: NaiveTime,
}

/// Signs in a pupil who arrived late at `time` on `date`: `L` before the register closed, `U`
/// from its close, in the session the time falls in. Replaces no mark or an `N` (as an
/// amendment); refuses when the pupil is already marked present or has another mark.
pub fn sign_in_late(
    store: &mut dyn Store,
    school: SchoolId,
    upn: &str,
    date: Date,
    time: NaiveTime,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<LateOutcome> {
    let times = register_times(store, school)?;
    let p = find_pupil(store, school, upn)?;
    let name = full_name(&p.pupil);
    let session = session_of_arrival(&times, time);
    if !p.pupil.on_roll(date) {
        return Err(RegisterError::invalid(not_on_roll(&p.pupil, date)));
    }
    let calendar = store.calendar(school)?;
    if let Err(why) = calendar.check_session(date, session, p.pupil.year_group) {
        return Err(RegisterError::invalid(format!(
            "{date} {session} is not a school session for {name}: {why}"
        )));
    }
    let arrival = times.arrival(session, time);
    let opens = format_time(times.opens(session));
    if !matches!(arrival.code, BaseCode::L | BaseCode::U) {
        return Err(RegisterError::invalid(format!(
            "at {} the {session} register has not yet opened (it opens at {opens}): {name} is on time, and the register marks them present",
            format_time(time)
        )));
    }
    let current = marks_of(store, school, Some(&[p.id]), date, session)?.remove(&p.id);
    let entry = MarkEntry {
        code: Code::new(arrival.code),
        minutes_late: Some(arrival.minutes_late),
    };
    let recorded = recorded_now(actor, now);
    let change = match &current {
        None => MarkChange::New {
            pupil: p.id,
            date,
            session,
            entry,
            recorded,
        },
        Some(m) if m.entry.code.base() == BaseCode::N => MarkChange::Amend {
            pupil: p.id,
            date,
            session,
            expected: m.entry.clone(),
            entry,
            reason: format!("Signed in late at the office at {}", format_time(time)),
            recorded,
        },
        Some(m) => {
            let c = &m.entry.code;
            let why = if c.category() == Category::Present {
                "already marked present".to_owned()
            } else if c.base() == BaseCode::U {
                "already signed in after the register closed".to_owned()
            } else {
                format!(
                    "marked {c} ({}); if that mark is wrong, change it in the register with a reason",
                    c.base().meaning()
                )
            };
            return Err(RegisterError::invalid(format!(
                "{name} is {why} for {date} {session}, recorded by {} ({}): nothing was changed",
                m.recorded.by, m.recorded.role
            )));
        }
    };
    apply(store, school, std::slice::from_ref(&change))?;
    Ok(LateOutcome {
        pupil: p.id,
        name,
        form: p.pupil.form.clone(),
        session,
        code: arrival.code,
        minutes_late: arrival.minutes_late,
        replaced: current.map(|m| m.entry.code),
        closes: times.closes(session),
    })
}

fn not_on_roll(p: &Pupil, date: Date) -> String {
    let left = p
        .leaving_date
        .map_or_else(String::new, |d| format!(", left {d}"));
    format!(
        "{} is not on roll on {date} (admitted {}{left})",
        full_name(p),
        p.admission_date
    )
}

/// Someone who should take a register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taker {
    pub name: String,
    pub username: String,
}

/// A form's register for a session, summed up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormRegister {
    pub form: String,
    pub year_groups: Vec<YearGroup>,
    /// Pupils on roll for whom the session is a school session.
    pub expected: usize,
    /// Of those, pupils with a mark.
    pub marked: usize,
    /// The users whose forms include this one.
    pub takers: Vec<Taker>,
    /// Why nobody is expected, when nobody is.
    pub no_session: Option<String>,
}

impl FormRegister {
    pub fn unmarked(&self) -> usize {
        self.expected - self.marked
    }

    pub fn taken(&self) -> bool {
        self.expected > 0 && self.marked == self.expected
    }
}

/// Every form's register for a session.
#[derive(Debug, Clone)]
pub struct SessionRegisters {
    pub date: Date,
    pub session: Session,
    pub opens: NaiveDateTime,
    pub closes: NaiveDateTime,
    pub window: Window,
    pub forms: Vec<FormRegister>,
}

impl SessionRegisters {
    /// Whether the register has opened by `now`.
    pub fn opened(&self, now: NaiveDateTime) -> bool {
        now >= self.opens
    }
}

/// Every form's register for a session: who is expected, who is marked, who takes it.
pub fn form_registers(
    store: &mut dyn Store,
    school: SchoolId,
    date: Date,
    session: Session,
    now: NaiveDateTime,
) -> Result<SessionRegisters> {
    let times = register_times(store, school)?;
    let calendar = store.calendar(school)?;
    let pupils = store.pupils(school)?;
    let marked: BTreeSet<PupilId> = marks_of(store, school, None, date, session)?
        .into_keys()
        .collect();
    let users: Vec<_> = store
        .users(Some(school))?
        .into_iter()
        .filter(|u| u.user.active)
        .collect();
    let mut forms: BTreeMap<String, FormRegister> = BTreeMap::new();
    for p in pupils.iter().filter(|p| p.pupil.on_roll(date)) {
        let Some(form) = p.pupil.form.as_deref() else {
            continue;
        };
        let entry = forms
            .entry(form.to_owned())
            .or_insert_with(|| FormRegister {
                form: form.to_owned(),
                year_groups: Vec::new(),
                expected: 0,
                marked: 0,
                takers: users
                    .iter()
                    .filter(|u| u.user.forms.iter().any(|f| f == form))
                    .map(|u| Taker {
                        name: u.user.display_name.clone(),
                        username: u.user.username.clone(),
                    })
                    .collect(),
                no_session: None,
            });
        if !entry.year_groups.contains(&p.pupil.year_group) {
            entry.year_groups.push(p.pupil.year_group);
            entry.year_groups.sort();
        }
        match calendar.check_session(date, session, p.pupil.year_group) {
            Ok(()) => {
                entry.expected += 1;
                if marked.contains(&p.id) {
                    entry.marked += 1;
                }
            }
            Err(why) => {
                entry.no_session.get_or_insert_with(|| why.to_string());
            }
        }
    }
    let mut forms: Vec<_> = forms.into_values().collect();
    for f in &mut forms {
        if f.expected > 0 {
            f.no_session = None;
        }
    }
    forms.sort_by(|a, b| (a.year_groups.first(), &a.form).cmp(&(b.year_groups.first(), &b.form)));
    Ok(SessionRegisters {
        date,
        session,
        opens: date.and_time(times.opens(session)),
        closes: date.and_time(times.closes(session)),
        window: Window::of(&times, date, session, now),
        forms,
    })
}

/// The forms whose register for a session has pupils without a mark once it has opened, with
/// who should take each. Empty before the register opens.
pub fn registers_not_taken(
    store: &mut dyn Store,
    school: SchoolId,
    date: Date,
    session: Session,
    now: NaiveDateTime,
) -> Result<Vec<FormRegister>> {
    let all = form_registers(store, school, date, session, now)?;
    if !all.opened(now) {
        return Ok(Vec::new());
    }
    Ok(all
        .forms
        .into_iter()
        .filter(|f| f.expected > f.marked)
        .collect())
}

/// A parent's call about an absence, as typed at the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallReport {
    pub upn: String,
    pub first: (Date, Session),
    pub last: (Date, Session),
    /// What the caller said.
    pub reason: String,
    /// The code to record; empty for `N` (reason not yet established).
    pub code: String,
    pub expected_return: Option<Date>,
    /// Who called: "Mother (phone)".
    pub reported_by: String,
}

/// A session a call left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftAlone {
    pub date: Date,
    pub session: Session,
    pub code: Code,
    pub why: String,
}

/// What recording a call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOutcome {
    pub report: i64,
    pub pupil: PupilId,
    pub name: String,
    pub code: Code,
    /// Sessions marked, with the mark each replaced.
    pub marked: Vec<(Date, Session, Option<Code>)>,
    /// Sessions that already had this code.
    pub unchanged: Vec<(Date, Session)>,
    /// Sessions whose mark the call did not overwrite.
    pub left: Vec<LeftAlone>,
}

/// The codes a parent's call may record: absences, authorised or not, except `U` (the pupil
/// arrived).
pub fn call_code_allowed(code: BaseCode) -> bool {
    matches!(
        code.category(),
        Category::Authorised | Category::Unauthorised
    ) && code != BaseCode::U
}

/// A mark a call may replace: an absence a call could have recorded. Present, educational
/// activity, dual registration, `Y` codes, `U` and administrative marks are left alone.
fn call_may_replace(code: &Code) -> bool {
    call_code_allowed(code.base())
}

fn sessions_between(first: (Date, Session), last: (Date, Session)) -> Vec<(Date, Session)> {
    let mut out = Vec::new();
    let mut date = first.0;
    while date <= last.0 {
        for s in Session::BOTH {
            if (date, s) >= first && (date, s) <= last {
                out.push((date, s));
            }
        }
        match date.succ_opt() {
            Some(d) => date = d,
            None => break,
        }
    }
    out
}

/// Records a parent's call: the report, and its code on every school session of the pupil from
/// `first` to `last` (new marks, or amendments with the caller's reason). Present, `D`, `Y` and
/// other marks a call may not replace are left, and listed.
pub fn record_call(
    store: &mut dyn Store,
    school: SchoolId,
    call: &CallReport,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<CallOutcome> {
    let p = find_pupil(store, school, &call.upn)?;
    let name = full_name(&p.pupil);
    let mut problems = Vec::new();
    let reason = call.reason.trim();
    if reason.is_empty() {
        problems.push(Problem::general(
            "say what the caller said (the reason they gave)",
        ));
    }
    let reported_by = call.reported_by.trim();
    if reported_by.is_empty() {
        problems.push(Problem::general(
            "say who called, for example Mother (phone)",
        ));
    }
    if call.last < call.first {
        problems.push(Problem::general(format!(
            "the last session ({} {}) is before the first ({} {})",
            call.last.0, call.last.1, call.first.0, call.first.1
        )));
    } else if (call.last.0 - call.first.0).num_days() >= MAX_CALL_DAYS {
        problems.push(Problem::general(format!(
            "one call may cover at most {MAX_CALL_DAYS} days; record a longer absence in parts"
        )));
    }
    if let Some(back) = call.expected_return {
        if back < call.first.0 {
            problems.push(Problem::general(format!(
                "the expected return ({back}) is before the absence starts ({})",
                call.first.0
            )));
        }
    }
    let code_text = match call.code.trim() {
        "" => "N",
        c => c,
    };
    let code = match Code::parse(code_text, call.first.0) {
        Ok((c, _)) if call_code_allowed(c.base()) => Some(c),
        Ok((c, _)) => {
            problems.push(Problem::general(format!(
                "{c} ({}) cannot be recorded from a call: use N while the reason is not known, or an absence code such as I (illness) or M (medical appointment)",
                c.base().meaning()
            )));
            None
        }
        Err(e) => {
            problems.push(Problem::general(e.to_string()));
            None
        }
    };
    if !problems.is_empty() {
        return Err(RegisterError::Invalid(problems));
    }
    let Some(code) = code else {
        return Err(RegisterError::invalid("choose a code"));
    };
    // The same code must be valid on every date of the call (codes changed in August 2024).
    if let Err(e) = Code::parse(code_text, call.last.0) {
        return Err(RegisterError::invalid(e.to_string()));
    }
    let calendar = store.calendar(school)?;
    let all = sessions_between(call.first, call.last);
    let on_roll: Vec<_> = all
        .iter()
        .copied()
        .filter(|(d, _)| p.pupil.on_roll(*d))
        .collect();
    if on_roll.is_empty() {
        return Err(RegisterError::invalid(not_on_roll(&p.pupil, call.first.0)));
    }
    let sessions: Vec<_> = on_roll
        .iter()
        .copied()
        .filter(|(d, s)| calendar.is_school_session(*d, *s, p.pupil.year_group))
        .collect();
    if sessions.is_empty() {
        let why = first_reason(&calendar, &p.pupil, &on_roll);
        return Err(RegisterError::invalid(format!(
            "{} {} to {} {} has no school session for {name}: {why}",
            call.first.0, call.first.1, call.last.0, call.last.1
        )));
    }
    let stored: HashMap<(Date, Session), StoredMark> = store
        .pupil_marks(school, p.id, DateRange::between(call.first.0, call.last.0))?
        .into_iter()
        .map(|m| ((m.date, m.session), m))
        .collect();
    let recorded = recorded_now(actor, now);
    let entry = MarkEntry {
        code: code.clone(),
        minutes_late: None,
    };
    let mut changes = Vec::new();
    let mut marked = Vec::new();
    let mut unchanged = Vec::new();
    let mut left = Vec::new();
    for (date, session) in sessions {
        match stored.get(&(date, session)) {
            None => {
                marked.push((date, session, None));
                changes.push(MarkChange::New {
                    pupil: p.id,
                    date,
                    session,
                    entry: entry.clone(),
                    recorded: recorded.clone(),
                });
            }
            Some(m) if m.entry.same_as(&entry) => unchanged.push((date, session)),
            Some(m) if call_may_replace(&m.entry.code) => {
                marked.push((date, session, Some(m.entry.code.clone())));
                changes.push(MarkChange::Amend {
                    pupil: p.id,
                    date,
                    session,
                    expected: m.entry.clone(),
                    entry: entry.clone(),
                    reason: reason.to_owned(),
                    recorded: recorded.clone(),
                });
            }
            Some(m) => left.push(LeftAlone {
                date,
                session,
                code: m.entry.code.clone(),
                why: left_why(&m.entry.code),
            }),
        }
    }
    let report = AbsenceReport {
        pupil: p.id,
        first: call.first,
        last: call.last,
        reason: reason.to_owned(),
        code: code.clone(),
        expected_return: call.expected_return,
        reported_by: reported_by.to_owned(),
        recorded,
    };
    let id = match store.record_absence(school, &report, &changes) {
        Err(StoreError::Conflict(_)) => return Err(concurrent_change()),
        other => other?,
    };
    Ok(CallOutcome {
        report: id,
        pupil: p.id,
        name,
        code,
        marked,
        unchanged,
        left,
    })
}

fn left_why(code: &Code) -> String {
    match code.category() {
        Category::Present => "the pupil was marked present".into(),
        Category::Aea => "the pupil was at an approved educational activity".into(),
        _ if code.base() == BaseCode::U => "the pupil arrived after the register closed".into(),
        _ if code.base() == BaseCode::D => "the pupil was attending another school".into(),
        _ => format!(
            "{} ({}) is not replaced by a call",
            code,
            code.base().meaning()
        ),
    }
}

fn first_reason(calendar: &Calendar, pupil: &Pupil, sessions: &[(Date, Session)]) -> String {
    sessions
        .iter()
        .find_map(|(d, s)| {
            calendar
                .check_session(*d, *s, pupil.year_group)
                .err()
                .map(|why| format!("on {d} {why}"))
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_core::{HalfTerm, Role};
    use rollcall_store::SchoolDetails;

    fn d(s: &str) -> Date {
        rollcall_core::parse_date(s).unwrap()
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn pupil(body: &str, surname: &str, form: &str, left: Option<&str>) -> Pupil {
        Pupil {
            form: Some(form.into()),
            leaving_date: left.map(d),
            ..Pupil::new(
                Upn::with_check_letter(body).unwrap(),
                surname,
                "Sam",
                d("2013-10-01"),
                YearGroup::Year(7),
                d("2024-09-02"),
            )
        }
    }

    struct School {
        store: Box<dyn Store>,
        id: SchoolId,
        upns: Vec<String>,
    }

    /// A school with a summer half term, three pupils in 7A (one left) and one in 7B.
    fn school() -> School {
        let mut store: Box<dyn Store> =
            Box::new(rollcall_store_sqlite::SqliteStore::open_in_memory().unwrap());
        store.migrate().unwrap();
        let times = RegisterTimes::new(t("08:40"), t("09:10"), t("13:20"), t("13:35")).unwrap();
        let calendar = Calendar::new(
            vec![HalfTerm {
                name: "Summer 2".into(),
                start: d("2025-06-02"),
                end: d("2025-07-22"),
            }],
            vec![],
        )
        .unwrap();
        let id = store
            .import_calendar(
                &SchoolDetails {
                    name: "Test School".into(),
                    urn: Some("100001".into()),
                    la: None,
                    estab: None,
                },
                &times,
                &calendar,
            )
            .unwrap();
        let pupils = vec![
            pupil("822400100001", "Able", "7A", None),
            pupil("822400100002", "Baker", "7A", None),
            pupil("822400100003", "Cole", "7A", Some("2025-06-30")),
            pupil("822400100004", "Dean", "7B", None),
        ];
        store.save_pupils(id, &pupils).unwrap();
        let upns = pupils.iter().map(|p| p.upn.to_string()).collect();
        School { store, id, upns }
    }

    fn tutor() -> Actor {
        Actor::command_line("Jo Smith", Role::FormTutor)
    }

    fn input(upn: &str, code: &str, arrival: &str) -> MarkInput {
        MarkInput {
            upn: upn.into(),
            code: code.into(),
            arrival: arrival.into(),
            was: None,
        }
    }

    fn take(s: &mut School, marks: Vec<MarkInput>, reason: &str, now: &str) -> Result<TakeOutcome> {
        let reg = register(
            s.store.as_mut(),
            s.id,
            "7A",
            d("2025-07-08"),
            Session::Am,
            at(now),
        )?;
        let sub = RegisterSubmission {
            version: reg.version,
            reason: reason.into(),
            marks,
        };
        take_register(
            s.store.as_mut(),
            s.id,
            "7A",
            d("2025-07-08"),
            Session::Am,
            &sub,
            &tutor(),
            at(now),
        )
    }

    fn mark_of(s: &mut School, upn: &str, session: Session) -> Option<MarkEntry> {
        let pupils = s.store.pupils(s.id).unwrap();
        let id = pupils
            .iter()
            .find(|p| p.pupil.upn.as_str() == upn)
            .unwrap()
            .id;
        marks_of(
            s.store.as_mut(),
            s.id,
            Some(&[id]),
            d("2025-07-08"),
            session,
        )
        .unwrap()
        .remove(&id)
        .map(|m| m.entry)
    }

    /// X takes a session out of a pupil's possible sessions, so it is refused for a pupil of
    /// compulsory school age (every pupil of year 7).
    #[test]
    fn x_is_refused_for_a_pupil_of_compulsory_school_age() {
        let mut s = school();
        let upn = s.upns[0].clone();
        let err = take(&mut s, vec![input(&upn, "X", "")], "", "2025-07-08 08:45").unwrap_err();
        assert!(
            err.to_string()
                .contains("X is for a pupil not of compulsory school age"),
            "{err}"
        );
        assert_eq!(mark_of(&mut s, &upn, Session::Am), None);
    }

    #[test]
    fn a_register_holds_the_form_on_roll_that_day() {
        let mut s = school();
        let reg = register(
            s.store.as_mut(),
            s.id,
            "7A",
            d("2025-07-08"),
            Session::Am,
            at("2025-07-08 08:45"),
        )
        .unwrap();
        let names: Vec<_> = reg.rows.iter().map(|r| r.pupil.surname.as_str()).collect();
        assert_eq!(names, ["Able", "Baker"], "Cole left on 30 June");
        assert_eq!(reg.window, Window::Open);
        assert_eq!(reg.unmarked(), 2);
        let closed = register(
            s.store.as_mut(),
            s.id,
            "7A",
            d("2025-07-08"),
            Session::Am,
            at("2025-07-08 09:10"),
        )
        .unwrap();
        assert_eq!(closed.window, Window::Closed);
        let ahead = register(
            s.store.as_mut(),
            s.id,
            "7A",
            d("2025-07-09"),
            Session::Am,
            at("2025-07-08 16:00"),
        )
        .unwrap();
        assert_eq!(ahead.window, Window::Upcoming);
        assert!(matches!(
            register(
                s.store.as_mut(),
                s.id,
                "7Z",
                d("2025-07-08"),
                Session::Am,
                at("2025-07-08 08:45")
            ),
            Err(RegisterError::NotFound(_))
        ));
        let weekend = register(
            s.store.as_mut(),
            s.id,
            "7A",
            d("2025-07-12"),
            Session::Am,
            at("2025-07-12 08:45"),
        )
        .unwrap_err();
        assert!(weekend.to_string().contains("weekend"), "{weekend}");
    }

    #[test]
    fn taking_a_register_writes_new_marks_and_arrivals_become_late_marks() {
        let mut s = school();
        let (a, b) = (s.upns[0].clone(), s.upns[1].clone());
        let out = take(
            &mut s,
            vec![input(&a, "L", "08:57"), input(&b, "N", "")],
            "",
            "2025-07-08 08:45",
        )
        .unwrap();
        assert_eq!((out.new, out.amended, out.unmarked), (2, 0, 0));
        assert_eq!(out.late, vec![("Sam Able".to_owned(), BaseCode::L, 17)]);
        let late = mark_of(&mut s, &a, Session::Am).unwrap();
        assert_eq!((late.code.text(), late.minutes_late), ("L", Some(17)));
        assert_eq!(mark_of(&mut s, &b, Session::Am).unwrap().code.text(), "N");
        // Submitting the same marks again changes nothing.
        let again = take(
            &mut s,
            vec![input(&a, "L", "08:57"), input(&b, "N", "")],
            "",
            "2025-07-08 08:50",
        )
        .unwrap();
        assert_eq!((again.new, again.amended, again.unchanged), (0, 0, 2));
    }

    #[test]
    fn corrections_before_close_keep_history_and_after_close_need_a_reason() {
        let mut s = school();
        let a = s.upns[0].clone();
        take(&mut s, vec![input(&a, "N", "")], "", "2025-07-08 08:45").unwrap();
        take(&mut s, vec![input(&a, "/", "")], "", "2025-07-08 08:50").unwrap();
        let amendments = s.store.amendments(s.id, None).unwrap();
        assert_eq!(amendments.len(), 1);
        assert_eq!(amendments[0].reason, CORRECTED_BEFORE_CLOSE);
        assert_eq!(amendments[0].original.code.text(), "N");
        // After the register closed: refused without a reason, kept with one.
        let refused = take(&mut s, vec![input(&a, "I", "")], " ", "2025-07-08 10:30").unwrap_err();
        assert!(refused.to_string().contains("give a reason"), "{refused}");
        assert_eq!(s.store.amendments(s.id, None).unwrap().len(), 1);
        take(
            &mut s,
            vec![input(&a, "I", "")],
            "Mother phoned at 10:00",
            "2025-07-08 10:30",
        )
        .unwrap();
        let amendments = s.store.amendments(s.id, None).unwrap();
        assert_eq!(amendments.len(), 2);
        assert_eq!(amendments[1].reason, "Mother phoned at 10:00");
        assert_eq!(amendments[1].recorded.by, "Jo Smith");
        assert_eq!(amendments[1].recorded.role, "form tutor");
    }

    #[test]
    fn a_stale_version_is_a_conflict_and_nothing_is_written() {
        let mut s = school();
        let (a, b) = (s.upns[0].clone(), s.upns[1].clone());
        let now = at("2025-07-08 08:45");
        let date = d("2025-07-08");
        let old = register(s.store.as_mut(), s.id, "7A", date, Session::Am, now).unwrap();
        take(&mut s, vec![input(&a, "/", "")], "", "2025-07-08 08:46").unwrap();
        let stale = RegisterSubmission {
            version: old.version,
            reason: String::new(),
            marks: vec![
                MarkInput {
                    was: Some(String::new()),
                    ..input(&a, "N", "")
                },
                MarkInput {
                    was: Some(String::new()),
                    ..input(&b, "N", "")
                },
            ],
        };
        let err = take_register(
            s.store.as_mut(),
            s.id,
            "7A",
            date,
            Session::Am,
            &stale,
            &tutor(),
            now,
        )
        .unwrap_err();
        let RegisterError::Conflict { message, changed } = &err else {
            panic!("{err:?}")
        };
        assert!(message.starts_with("Someone else changed this register while you were editing it"));
        assert!(message.contains("Sam Able"), "{message}");
        assert_eq!(changed.len(), 1);
        assert_eq!(mark_of(&mut s, &b, Session::Am), None);
        assert_eq!(mark_of(&mut s, &a, Session::Am).unwrap().code.text(), "/");
    }

    #[test]
    fn changing_a_late_mark_leaves_its_shown_time_behind() {
        let mut s = school();
        let (a, b) = (s.upns[0].clone(), s.upns[1].clone());
        take(
            &mut s,
            vec![input(&a, "L", "08:57"), input(&b, "L", "08:50")],
            "",
            "2025-07-08 08:45",
        )
        .unwrap();
        // The form shows 08:57 and 08:50 beside the marks; the codes change, the times stay.
        let out = take(
            &mut s,
            vec![input(&a, "/", "08:57"), input(&b, "M", "08:50")],
            "",
            "2025-07-08 08:55",
        )
        .unwrap();
        assert_eq!(out.amended, 2);
        let m = mark_of(&mut s, &a, Session::Am).unwrap();
        assert_eq!((m.code.text(), m.minutes_late), ("/", None));
        assert_eq!(mark_of(&mut s, &b, Session::Am).unwrap().code.text(), "M");
        // A different time with an absence code is still a mistake to point out.
        let err = take(
            &mut s,
            vec![input(&b, "I", "09:01")],
            "",
            "2025-07-08 08:56",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("an arrival time goes with L"),
            "{err}"
        );
    }

    #[test]
    fn bad_lines_refuse_the_whole_register() {
        let mut s = school();
        let (a, b) = (s.upns[0].clone(), s.upns[1].clone());
        let cases = [
            vec![input(&a, "/", ""), input(&b, "L", "25:00")],
            vec![input(&a, "/", ""), input(&b, "L", "")],
            vec![input(&a, "/", ""), input(&b, "H", "")],
            vec![input(&a, "/", ""), input(&s.upns[3].clone(), "/", "")],
            vec![input(&a, "/", ""), input(&b, "N", "09:00")],
        ];
        for marks in cases {
            let err = take(&mut s, marks.clone(), "", "2025-07-08 08:45").unwrap_err();
            assert!(
                matches!(err, RegisterError::Invalid(_)),
                "{marks:?}: {err:?}"
            );
        }
        assert_eq!(mark_of(&mut s, &a, Session::Am), None);
    }

    #[test]
    fn late_sign_in_gives_l_or_u_and_replaces_only_n() {
        let mut s = school();
        let (a, b) = (s.upns[0].clone(), s.upns[1].clone());
        let office = Actor::command_line("Pat Green", Role::Office);
        let date = d("2025-07-08");
        let now = at("2025-07-08 10:00");
        let l = sign_in_late(s.store.as_mut(), s.id, &a, date, t("09:05"), &office, now).unwrap();
        assert_eq!(
            (l.code, l.minutes_late, l.session),
            (BaseCode::L, 25, Session::Am)
        );
        // Signed in already: refused.
        let again =
            sign_in_late(s.store.as_mut(), s.id, &a, date, t("09:06"), &office, now).unwrap_err();
        assert!(
            again.to_string().contains("already marked present"),
            "{again}"
        );
        take(&mut s, vec![input(&b, "N", "")], "", "2025-07-08 08:45").unwrap();
        let u = sign_in_late(s.store.as_mut(), s.id, &b, date, t("09:40"), &office, now).unwrap();
        assert_eq!((u.code, u.minutes_late), (BaseCode::U, 60));
        assert_eq!(
            u.replaced.map(|c| c.text().to_owned()).as_deref(),
            Some("N")
        );
        let amendments = s.store.amendments(s.id, None).unwrap();
        assert_eq!(
            amendments.last().unwrap().reason,
            "Signed in late at the office at 09:40"
        );
        // The afternoon: a time after the afternoon register opens.
        let pm = sign_in_late(
            s.store.as_mut(),
            s.id,
            &a,
            date,
            t("13:30"),
            &office,
            at("2025-07-08 13:31"),
        )
        .unwrap();
        assert_eq!((pm.session, pm.code), (Session::Pm, BaseCode::L));
        // On time, unknown pupils and pupils who left are refused.
        assert!(sign_in_late(s.store.as_mut(), s.id, &b, date, t("08:30"), &office, now).is_err());
        assert!(sign_in_late(
            s.store.as_mut(),
            s.id,
            "nonsense",
            date,
            t("09:30"),
            &office,
            now
        )
        .is_err());
        let left = sign_in_late(
            s.store.as_mut(),
            s.id,
            &s.upns[2].clone(),
            date,
            t("09:30"),
            &office,
            now,
        )
        .unwrap_err();
        assert!(left.to_string().contains("not on roll"), "{left}");
    }

    #[test]
    fn registers_not_taken_lists_forms_with_unmarked_pupils_once_open() {
        let mut s = school();
        let (a, b) = (s.upns[0].clone(), s.upns[1].clone());
        let date = d("2025-07-08");
        let before = registers_not_taken(
            s.store.as_mut(),
            s.id,
            date,
            Session::Am,
            at("2025-07-08 08:30"),
        )
        .unwrap();
        assert!(before.is_empty(), "not open yet");
        let open = registers_not_taken(
            s.store.as_mut(),
            s.id,
            date,
            Session::Am,
            at("2025-07-08 08:45"),
        )
        .unwrap();
        let forms: Vec<_> = open.iter().map(|f| f.form.as_str()).collect();
        assert_eq!(forms, ["7A", "7B"]);
        assert_eq!(open[0].expected, 2);
        take(
            &mut s,
            vec![input(&a, "/", ""), input(&b, "/", "")],
            "",
            "2025-07-08 08:45",
        )
        .unwrap();
        let after = registers_not_taken(
            s.store.as_mut(),
            s.id,
            date,
            Session::Am,
            at("2025-07-08 08:50"),
        )
        .unwrap();
        let forms: Vec<_> = after.iter().map(|f| f.form.as_str()).collect();
        assert_eq!(forms, ["7B"]);
    }

    #[test]
    fn a_call_marks_each_school_session_and_leaves_present_marks() {
        let mut s = school();
        let a = s.upns[0].clone();
        let office = Actor::command_line("Pat Green", Role::Office);
        let now = at("2025-07-08 08:30");
        take(&mut s, vec![input(&a, "/", "")], "", "2025-07-08 08:45").unwrap();
        let call = CallReport {
            upn: a.clone(),
            first: (d("2025-07-08"), Session::Am),
            last: (d("2025-07-09"), Session::Pm),
            reason: "Sick overnight".into(),
            code: String::new(),
            expected_return: Some(d("2025-07-10")),
            reported_by: "Mother (phone)".into(),
        };
        let out = record_call(s.store.as_mut(), s.id, &call, &office, now).unwrap();
        assert_eq!(out.code.text(), "N");
        assert_eq!(out.marked.len(), 3, "Tuesday PM, Wednesday AM and PM");
        assert_eq!(out.left.len(), 1, "Tuesday AM was present");
        // A second call with the reason: N becomes I, with the reason kept.
        let second = CallReport {
            code: "I".into(),
            reason: "Doctor says a virus".into(),
            ..call.clone()
        };
        let out = record_call(s.store.as_mut(), s.id, &second, &office, now).unwrap();
        assert_eq!(out.marked.len(), 3);
        assert!(out
            .marked
            .iter()
            .all(|(_, _, was)| was.as_ref().map(Code::text) == Some("N")));
        assert_eq!(mark_of(&mut s, &a, Session::Pm).unwrap().code.text(), "I");
        let amendments = s.store.amendments(s.id, None).unwrap();
        assert_eq!(amendments.last().unwrap().reason, "Doctor says a virus");
        assert_eq!(
            s.store
                .absence_reports(s.id, DateRange::all())
                .unwrap()
                .len(),
            2
        );
        // Holidays, present codes and backward ranges are refused.
        let holiday = CallReport {
            first: (d("2025-08-04"), Session::Am),
            last: (d("2025-08-04"), Session::Pm),
            expected_return: None,
            ..call.clone()
        };
        let err = record_call(s.store.as_mut(), s.id, &holiday, &office, now).unwrap_err();
        assert!(err.to_string().contains("no school session"), "{err}");
        let present = CallReport {
            code: "/".into(),
            ..call.clone()
        };
        assert!(record_call(s.store.as_mut(), s.id, &present, &office, now).is_err());
        let backwards = CallReport {
            first: call.last,
            last: call.first,
            ..call
        };
        assert!(record_call(s.store.as_mut(), s.id, &backwards, &office, now).is_err());
        assert_eq!(
            s.store
                .absence_reports(s.id, DateRange::all())
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn search_finds_names_upns_and_forms() {
        let s = school();
        let mut store = s.store;
        let pupils = store.pupils(s.id).unwrap();
        let on = d("2025-07-08");
        assert_eq!(search_pupils(&pupils, "bak", on, 10).len(), 1);
        assert_eq!(search_pupils(&pupils, "sam able", on, 10).len(), 1);
        assert_eq!(search_pupils(&pupils, &s.upns[3], on, 10).len(), 1);
        let form = search_pupils(&pupils, "7a", on, 10);
        assert_eq!(form.len(), 3);
        assert_eq!(form[2].pupil.surname, "Cole", "pupils who left come last");
        assert!(search_pupils(&pupils, "  ", on, 10).is_empty());
    }
}
