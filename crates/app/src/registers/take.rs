//! Taking and correcting a register: a submission is checked and planned against the register
//! as it stands, then written in one transaction.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use rollcall_core::calendar::format_time;
use rollcall_core::marks::MarkEntry;
use rollcall_core::{BaseCode, Code, Upn};
use rollcall_store::{MarkChange, SchoolId, Store, StoreError};

use crate::Actor;

use super::{
    full_name, parse_time, present_code, recorded_now, register, Problem, Refusal, Register,
    RegisterKey, RegisterRow, Result, Window, CORRECTED_BEFORE_CLOSE,
};

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
pub fn take_register(
    store: &mut dyn Store,
    school: SchoolId,
    key: &RegisterKey,
    submission: &RegisterSubmission,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<TakeOutcome> {
    let plan = plan_register(store, school, key, submission, actor, now)?;
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
pub fn plan_register(
    store: &mut dyn Store,
    school: SchoolId,
    key: &RegisterKey,
    submission: &RegisterSubmission,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<RegisterPlan> {
    if submission.version.trim().is_empty() {
        return Err(incomplete_form());
    }
    let reg = register(store, school, &key.form, key.date, key.session, now)?;
    plan_for(&reg, school, submission, actor, now)
}

fn incomplete_form() -> Refusal {
    Refusal::invalid(
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
        return Err(Refusal::invalid(format!(
            "the register of {date} cannot be taken before that day"
        )));
    }
    if submission.version.trim() != reg.version {
        let (message, changed) = explain_conflict(reg, &submission.marks);
        return Err(Refusal::Conflict { message, changed });
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
        return Err(Refusal::Invalid(problems));
    }
    outcome.unmarked = reg.unmarked() - outcome.new;
    Ok(RegisterPlan {
        school,
        changes,
        outcome,
    })
}

/// Writes changes, turning a conflict in the store into the register's own message.
pub(super) fn apply(store: &mut dyn Store, school: SchoolId, changes: &[MarkChange]) -> Result<()> {
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
pub(crate) fn written_as_register(written: std::result::Result<(), StoreError>) -> Result<()> {
    match written {
        Err(StoreError::Conflict(_)) => Err(concurrent_change()),
        other => Ok(other?),
    }
}

pub(crate) fn concurrent_change() -> Refusal {
    Refusal::Conflict {
        message: "Someone else changed these marks at the same moment: nothing you entered was saved. Reload to see their marks, then make your changes again.".into(),
        changed: Vec::new(),
    }
}
