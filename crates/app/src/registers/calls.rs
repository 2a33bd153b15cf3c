//! Parents' calls about an absence.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{BaseCode, Calendar, Category, Code, Date, Pupil, Session};
use rollcall_store::{
    AbsenceReport, DateRange, MarkChange, PupilId, ReportKind, SchoolId, Store, StoreError,
    StoredAbsenceReport, StoredMark, StoredPupil,
};

use crate::Actor;

use super::take::concurrent_change;
use super::{
    find_pupil, full_name, not_on_roll, recorded_now, Problem, Refusal, Result, MAX_CALL_DAYS,
};

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

/// A parent's call about an absence as it was recorded, to be read again by staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    pub id: i64,
    pub first: (Date, Session),
    pub last: (Date, Session),
    /// What the caller said.
    pub reason: String,
    /// The code it was recorded with.
    pub code: Code,
    pub expected_return: Option<Date>,
    /// Who called: "Mother (phone)".
    pub reported_by: String,
    /// Who took the call, in what role, and when.
    pub recorded: Recorded,
}

impl RecordedCall {
    fn of(r: StoredAbsenceReport) -> RecordedCall {
        let a = r.report;
        RecordedCall {
            id: r.id,
            first: a.first,
            last: a.last,
            reason: a.reason,
            code: a.code,
            expected_return: a.expected_return,
            reported_by: a.reported_by,
            recorded: a.recorded,
        }
    }
}

/// How many days back a call is recent: recorded since, or about a session since.
pub const RECENT_CALL_DAYS: u64 = 30;

/// The calls recorded about a pupil that concern a session on or after `since`, or were recorded
/// on or after it (school time); the newest first.
pub fn calls_about(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: PupilId,
    since: Date,
) -> Result<Vec<RecordedCall>> {
    // A call recorded since `since` covers at most MAX_CALL_DAYS, which may all be before it.
    let from = since
        .checked_sub_days(chrono::Days::new(MAX_CALL_DAYS.unsigned_abs()))
        .unwrap_or(since);
    let mut calls: Vec<RecordedCall> = store
        .absence_reports(
            school,
            DateRange {
                from: Some(from),
                to: None,
            },
        )?
        .into_iter()
        .filter(|r| r.report.pupil == pupil)
        .filter(|r| {
            r.report.last.0 >= since
                || rollcall_core::dates::school_time(r.report.recorded.at).date() >= since
        })
        .map(RecordedCall::of)
        .collect();
    calls.sort_by_key(|c| std::cmp::Reverse((c.recorded.at, c.id)));
    Ok(calls)
}

/// What recording a call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOutcome {
    pub report: i64,
    pub pupil: PupilId,
    pub name: String,
    pub code: Code,
    /// The call as recorded: this one, or when it is `repeated`, the same call recorded before.
    pub call: RecordedCall,
    /// The same call (the same pupil, sessions, code, words, caller and expected return) had
    /// already been recorded today by the same person, a form sent twice: nothing was recorded
    /// again, and no session was marked.
    pub repeated: bool,
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

/// Every session from `first` to `last`, inclusive, school day or not.
pub(crate) fn sessions_between(
    first: (Date, Session),
    last: (Date, Session),
) -> Vec<(Date, Session)> {
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
    record_call_about(store, school, &p, call, actor, now)
}

/// [`record_call`] about a pupil already found (the call's UPN is not read again).
pub fn record_call_about(
    store: &mut dyn Store,
    school: SchoolId,
    p: &StoredPupil,
    call: &CallReport,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<CallOutcome> {
    match plan_call_about(store, school, p, call, actor, now)? {
        PlannedCall::Repeated(outcome) => Ok(*outcome),
        PlannedCall::New(new) => {
            let id = match store.record_absence(school, &new.report, &new.changes) {
                Err(StoreError::Conflict(_)) => return Err(concurrent_change()),
                other => other?,
            };
            Ok(new.written(id))
        }
    }
}

/// A parent's call checked against the register, not yet written.
#[derive(Debug, Clone)]
pub(crate) enum PlannedCall {
    /// The same call was recorded earlier today by the same person: nothing to write.
    Repeated(Box<CallOutcome>),
    New(Box<NewCall>),
}

/// A new call to write: its report, and the marks it changes, in one transaction.
#[derive(Debug, Clone)]
pub(crate) struct NewCall {
    pub report: AbsenceReport,
    pub changes: Vec<MarkChange>,
    /// What recording it does, but for the report's id.
    outcome: CallOutcome,
}

impl NewCall {
    /// What recording the call did, once written as report `id`.
    pub(crate) fn written(self, id: i64) -> CallOutcome {
        CallOutcome {
            report: id,
            call: RecordedCall {
                id,
                ..self.outcome.call
            },
            ..self.outcome
        }
    }
}

/// Checks a parent's call about a pupil already found and plans what recording it writes: the
/// report, and its code on every school session of the pupil from its first session to its last.
pub(crate) fn plan_call_about(
    store: &mut dyn Store,
    school: SchoolId,
    p: &StoredPupil,
    call: &CallReport,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<PlannedCall> {
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
        return Err(Refusal::Invalid(problems));
    }
    let Some(code) = code else {
        return Err(Refusal::invalid("choose a code"));
    };
    // The same code must be valid on every date of the call (codes changed in August 2024).
    if let Err(e) = Code::parse(code_text, call.last.0) {
        return Err(Refusal::invalid(e.to_string()));
    }
    let recorded = recorded_now(actor, now);
    let report = AbsenceReport {
        pupil: p.id,
        first: call.first,
        last: call.last,
        reason: reason.to_owned(),
        kind: match code.base() {
            BaseCode::I => ReportKind::Illness,
            BaseCode::M => ReportKind::Appointment,
            _ => ReportKind::Other,
        },
        code: code.clone(),
        expected_return: call.expected_return,
        reported_by: reported_by.to_owned(),
        from_parent: false,
        awaiting_review: false,
        evidence: None,
        recorded: recorded.clone(),
    };
    if let Some(earlier) = same_call_today(store, school, &report, now)? {
        return Ok(PlannedCall::Repeated(Box::new(CallOutcome {
            report: earlier.id,
            pupil: p.id,
            name,
            code,
            call: earlier,
            repeated: true,
            marked: Vec::new(),
            unchanged: Vec::new(),
            left: Vec::new(),
        })));
    }
    let calendar = store.calendar(school)?;
    let all = sessions_between(call.first, call.last);
    let on_roll: Vec<_> = all
        .iter()
        .copied()
        .filter(|(d, _)| p.pupil.on_roll(*d))
        .collect();
    if on_roll.is_empty() {
        return Err(Refusal::invalid(not_on_roll(&p.pupil, call.first.0)));
    }
    let sessions: Vec<_> = on_roll
        .iter()
        .copied()
        .filter(|(d, s)| calendar.is_school_session(*d, *s, p.pupil.year_group))
        .collect();
    if sessions.is_empty() {
        let why = first_reason(&calendar, &p.pupil, &on_roll);
        return Err(Refusal::invalid(format!(
            "{} {} to {} {} has no school session for {name}: {why}",
            call.first.0, call.first.1, call.last.0, call.last.1
        )));
    }
    let stored: HashMap<(Date, Session), StoredMark> = store
        .pupil_marks(school, p.id, DateRange::between(call.first.0, call.last.0))?
        .into_iter()
        .map(|m| ((m.date, m.session), m))
        .collect();
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
    let outcome = CallOutcome {
        report: 0,
        pupil: p.id,
        name,
        code,
        call: RecordedCall::of(StoredAbsenceReport {
            id: 0,
            report: report.clone(),
            reviewed: None,
        }),
        repeated: false,
        marked,
        unchanged,
        left,
    };
    Ok(PlannedCall::New(Box::new(NewCall {
        report,
        changes,
        outcome,
    })))
}

/// The call recorded earlier today (school time) that is the same as `report`: the same pupil,
/// sessions, code, words, caller and expected return, taken by the same person in the same role.
fn same_call_today(
    store: &mut dyn Store,
    school: SchoolId,
    report: &AbsenceReport,
    now: NaiveDateTime,
) -> Result<Option<RecordedCall>> {
    let today = now.date();
    let found = store
        .absence_reports(school, DateRange::between(report.first.0, report.last.0))?
        .into_iter()
        .filter(|r| {
            let (a, b) = (&r.report, report);
            a.pupil == b.pupil
                && a.first == b.first
                && a.last == b.last
                && a.code == b.code
                && a.reason == b.reason
                && a.reported_by == b.reported_by
                && a.expected_return == b.expected_return
                && a.recorded.by == b.recorded.by
                && a.recorded.role == b.recorded.role
                && rollcall_core::dates::school_time(a.recorded.at).date() == today
        })
        .max_by_key(|r| r.id);
    Ok(found.map(RecordedCall::of))
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
