//! Late arrivals signed in at the office.

use chrono::{NaiveDateTime, NaiveTime};
use rollcall_core::calendar::format_time;
use rollcall_core::marks::MarkEntry;
use rollcall_core::{BaseCode, Category, Code, Date, Session};
use rollcall_store::{MarkChange, PupilId, SchoolId, Store, StoredPupil};

use crate::Actor;

use super::take::apply;
use super::{
    find_pupil, full_name, marks_of, not_on_roll, recorded_now, register_times, session_of_arrival,
    Refusal, Result,
};

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
    let p = find_pupil(store, school, upn)?;
    let (change, outcome) = plan_late(store, school, &p, date, time, actor, now)?;
    apply(store, school, std::slice::from_ref(&change))?;
    Ok(outcome)
}

/// What signing in `p` late would do, as [`sign_in_late`] says, and the change to the register
/// that does it, to be written.
pub fn plan_late(
    store: &mut dyn Store,
    school: SchoolId,
    p: &StoredPupil,
    date: Date,
    time: NaiveTime,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(MarkChange, LateOutcome)> {
    let times = register_times(store, school)?;
    let name = full_name(&p.pupil);
    let session = session_of_arrival(&times, time);
    if !p.pupil.on_roll(date) {
        return Err(Refusal::invalid(not_on_roll(&p.pupil, date)));
    }
    let calendar = store.calendar(school)?;
    if let Err(why) = calendar.check_session(date, session, p.pupil.year_group) {
        return Err(Refusal::invalid(format!(
            "{date} {session} is not a school session for {name}: {why}"
        )));
    }
    let arrival = times.arrival(session, time);
    let opens = format_time(times.opens(session));
    if !matches!(arrival.code, BaseCode::L | BaseCode::U) {
        return Err(Refusal::invalid(format!(
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
            return Err(Refusal::invalid(format!(
                "{name} is {why} for {date} {session}, recorded by {} ({}): nothing was changed",
                m.recorded.by, m.recorded.role
            )));
        }
    };
    let outcome = LateOutcome {
        pupil: p.id,
        name,
        form: p.pupil.form.clone(),
        session,
        code: arrival.code,
        minutes_late: arrival.minutes_late,
        replaced: current.map(|m| m.entry.code),
        closes: times.closes(session),
    };
    Ok((change, outcome))
}
