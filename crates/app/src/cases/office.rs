//! The office's desk and following up absence: today's registers not yet taken, late arrivals
//! signed in and parents' calls recorded (the first-day calling list is [`super::calling`]'s).
//!
//! The office and senior staff reach the whole school; a head of year follows up the pupils of
//! their year groups only. A pupil named by UPN whom the actor does not reach is refused as
//! [`Refusal::Forbidden`] whether or not they exist. Someone who reaches the whole school is told
//! what is wrong with a UPN typed into an office form ([`Refusal::Invalid`]), unknown UPNs
//! included.

use chrono::{NaiveDateTime, NaiveTime};
use rollcall_core::{Code, Date, Session};
use rollcall_store::{Contact, SchoolId, Store, StoredPupil};
use serde::Deserialize;

use crate::access::{Actor, Permission, Reach};
use crate::error::Refusal;
use crate::registers::{
    self as reg, CallOutcome, CallReport, FormRegister, LateOutcome, RecordedCall,
};
use crate::service::App;

use super::school_of;

/// The most pupils a search lists.
pub const SEARCH_LIMIT: usize = 40;

/// One of today's sessions and its registers not yet taken.
#[derive(Debug, Clone)]
pub struct SessionNotTaken {
    pub session: Session,
    /// Whether its register has opened.
    pub opened: bool,
    pub opens: NaiveDateTime,
    pub closes: NaiveDateTime,
    /// The forms whose register has pupils without a mark, with who should take each; none
    /// before the register opens.
    pub forms: Vec<FormRegister>,
}

/// A pupil found at the late sign-in desk, with their mark for the session under way.
#[derive(Debug, Clone)]
pub struct LateFound {
    pub pupil: StoredPupil,
    pub mark: Option<Code>,
}

/// The late sign-in desk: the session an arrival now belongs to, when its register closes, the
/// pupils a search found, and the pupil chosen among them to sign in.
#[derive(Debug, Clone)]
pub struct LateSearch {
    pub session: Session,
    pub closes: NaiveTime,
    pub found: Vec<LateFound>,
    /// The pupil chosen to sign in, with their mark: signing in is a step of its own, so that a
    /// tap on the wrong line of a list cannot sign in the wrong pupil.
    pub chosen: Option<LateFound>,
}

/// A pupil a parent's call is about, whom to reach about them, and the calls recorded recently.
#[derive(Debug, Clone)]
pub struct CallPupil {
    pub pupil: StoredPupil,
    pub contacts: Vec<Contact>,
    /// The calls about the pupil recorded in the last [`reg::RECENT_CALL_DAYS`] days or about a
    /// session since, the newest first.
    pub calls: Vec<RecordedCall>,
}

/// The parents' call desk: the pupils a search found, the pupil chosen, and the day and session
/// a new call starts from.
#[derive(Debug, Clone)]
pub struct CallDesk {
    pub found: Vec<StoredPupil>,
    pub pupil: Option<CallPupil>,
    pub today: Date,
    /// The session under way: a call about today starts there.
    pub first_session: Session,
}

/// A parent's call as typed at the office: every field as text, read by [`App::record_call`].
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct CallInput {
    pub upn: String,
    /// `YYYY-MM-DD`.
    pub first_date: String,
    /// `AM` or `PM`; the morning when empty.
    pub first_session: String,
    /// `YYYY-MM-DD`; the first date when empty.
    pub last_date: String,
    /// `AM` or `PM`; the afternoon when empty.
    pub last_session: String,
    /// What the caller said.
    pub reason: String,
    /// The code to record; `N` when empty.
    pub code: String,
    /// `YYYY-MM-DD`, or empty when they did not say.
    pub expected_return: String,
    /// Who called: "Mother (phone)".
    pub reported_by: String,
}

impl CallInput {
    /// The call as the register reads it: dates and sessions parsed, defaults filled in.
    pub fn report(&self) -> Result<CallReport, Refusal> {
        let first_date = reg::parse_day(&self.first_date)?;
        let last_date = match self.last_date.trim() {
            "" => first_date,
            d => reg::parse_day(d)?,
        };
        let session = |s: &str, default: Session| match s.trim() {
            "" => Ok(default),
            s => reg::parse_session(s),
        };
        let expected_return = match self.expected_return.trim() {
            "" => None,
            d => Some(reg::parse_day(d)?),
        };
        Ok(CallReport {
            upn: self.upn.clone(),
            first: (first_date, session(&self.first_session, Session::Am)?),
            last: (last_date, session(&self.last_session, Session::Pm)?),
            reason: self.reason.clone(),
            code: self.code.clone(),
            expected_return,
            reported_by: self.reported_by.clone(),
        })
    }
}

/// The pupil with this UPN, typed into an office form, if the actor reaches them. A pupil
/// outside a limited reach is refused the same way whether or not they exist; with the whole
/// school in reach, an unknown UPN is a mistake to put right. An empty UPN is always a mistake
/// to put right.
pub(super) fn typed_pupil(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
    upn: &str,
) -> Result<StoredPupil, Refusal> {
    let found = reg::find_pupil(store, school, upn);
    match (&actor.reach, found) {
        (Reach::School, found) => found,
        (_, Ok(s)) if actor.reaches(s.id, &s.pupil) => Ok(s),
        (_, Err(e)) if upn.trim().is_empty() => Err(e),
        _ => Err(Refusal::Forbidden),
    }
}

/// The pupils on roll on `on` whom the actor reaches and who match what was typed: at most
/// [`SEARCH_LIMIT`], none when nothing was typed.
fn search(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
    query: &str,
    on: Date,
) -> Result<Vec<StoredPupil>, Refusal> {
    if query.trim().is_empty() {
        return Ok(Vec::new());
    }
    let reached: Vec<StoredPupil> = store
        .pupils(school)?
        .into_iter()
        .filter(|s| s.pupil.on_roll(on) && actor.reaches(s.id, &s.pupil))
        .collect();
    Ok(reg::search_pupils(&reached, query, on, SEARCH_LIMIT)
        .into_iter()
        .cloned()
        .collect())
}

impl App {
    /// Today's morning and afternoon registers that have opened with pupils still without a
    /// mark, with who should take each.
    pub fn registers_not_taken_today(
        &self,
        actor: &Actor,
    ) -> Result<Vec<SessionNotTaken>, Refusal> {
        actor.require(Permission::OfficeDesk)?;
        let now = self.now();
        self.reading(|store| {
            let school = school_of(store, actor)?;
            Session::BOTH
                .into_iter()
                .map(|session| {
                    let mut all = reg::form_registers(store, school, now.date(), session, now)?;
                    all.forms
                        .retain(|f| actor.takes_registers_of(&f.form, &f.year_groups));
                    Ok(SessionNotTaken {
                        session,
                        opened: all.opened(now),
                        opens: all.opens,
                        closes: all.closes,
                        forms: all.not_taken(now),
                    })
                })
                .collect()
        })
    }

    /// The late sign-in desk: the pupils on roll today in the actor's reach who match `query`,
    /// and, when a UPN is given, that pupil (chosen to sign in), each with their mark for the
    /// session an arrival now belongs to. A chosen pupil outside the actor's reach is refused as
    /// when signing them in.
    pub fn late_search(
        &self,
        actor: &Actor,
        query: &str,
        upn: Option<&str>,
    ) -> Result<LateSearch, Refusal> {
        actor.require(Permission::FollowUp)?;
        let now = self.now();
        self.reading(|store| {
            let school = school_of(store, actor)?;
            let times = reg::register_times(store, school)?;
            let session = reg::session_of_arrival(&times, now.time());
            let chosen = match upn.filter(|u| !u.trim().is_empty()) {
                None => None,
                Some(upn) => Some(typed_pupil(store, actor, school, upn)?),
            };
            let pupils = search(store, actor, school, query, now.date())?;
            let ids: Vec<_> = pupils.iter().chain(&chosen).map(|s| s.id).collect();
            let marks = if ids.is_empty() {
                Default::default()
            } else {
                reg::marks_of(store, school, Some(&ids), now.date(), session)?
            };
            let with_mark = |pupil: StoredPupil| LateFound {
                mark: marks.get(&pupil.id).map(|m| m.entry.code.clone()),
                pupil,
            };
            let found = pupils.into_iter().map(with_mark).collect();
            let chosen = chosen.map(with_mark);
            Ok(LateSearch {
                session,
                closes: times.closes(session),
                found,
                chosen,
            })
        })
    }

    /// Signs in a pupil who arrived late today at `time` (`HH:MM`): `L` before the register
    /// closed, `U` from its close, in the session the time falls in. Replaces no mark or an `N`
    /// (as an amendment); refuses when the pupil is already marked present or has another mark.
    /// Written together with any register submitted at the same moment.
    pub fn sign_in_late(
        &self,
        actor: &Actor,
        upn: &str,
        time: &str,
    ) -> Result<LateOutcome, Refusal> {
        actor.require(Permission::FollowUp)?;
        let now = self.now();
        let (school, change, outcome) = self.reading(|store| {
            let school = school_of(store, actor)?;
            let pupil = typed_pupil(store, actor, school, upn)?;
            let time = reg::parse_time(time)?;
            let (change, outcome) =
                reg::plan_late(store, school, &pupil, now.date(), time, actor, now)?;
            Ok::<_, Refusal>((school, change, outcome))
        })?;
        reg::written_as_register(self.write_marks(school, vec![change]).wait())?;
        Ok(outcome)
    }

    /// The parents' call desk: the pupils on roll today in the actor's reach who match `query`,
    /// and, when a UPN is given, that pupil with their contacts.
    pub fn call_desk(
        &self,
        actor: &Actor,
        query: &str,
        upn: Option<&str>,
    ) -> Result<CallDesk, Refusal> {
        actor.require(Permission::FollowUp)?;
        let now = self.now();
        self.reading(|store| {
            let school = school_of(store, actor)?;
            let pupil = match upn.filter(|u| !u.trim().is_empty()) {
                None => None,
                Some(upn) => {
                    let pupil = typed_pupil(store, actor, school, upn)?;
                    let contacts = store.contacts(school, pupil.id)?;
                    let since = now
                        .date()
                        .checked_sub_days(chrono::Days::new(reg::RECENT_CALL_DAYS))
                        .unwrap_or(now.date());
                    let calls = reg::calls_about(store, school, pupil.id, since)?;
                    Some(CallPupil {
                        pupil,
                        contacts,
                        calls,
                    })
                }
            };
            let times = reg::register_times(store, school)?;
            let found = search(store, actor, school, query, now.date())?;
            Ok(CallDesk {
                found,
                pupil,
                today: now.date(),
                first_session: reg::session_of_arrival(&times, now.time()),
            })
        })
    }

    /// Records a parent's call: the report, and its code on every school session of the pupil
    /// from its first session to its last (new marks, or amendments with the caller's reason).
    /// Marks a call may not replace are left, and listed. All of it or nothing. The same call
    /// sent again by the same person the same day (a double tap, a page sent twice) is not
    /// recorded again: the outcome is the call recorded first, marked as repeated.
    pub fn record_call(&self, actor: &Actor, call: &CallInput) -> Result<CallOutcome, Refusal> {
        actor.require(Permission::FollowUp)?;
        let _turn = self.one_call_at_a_time();
        let now = self.now();
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let pupil = typed_pupil(store, actor, school, &call.upn)?;
            let report = call.report()?;
            reg::record_call_about(store, school, &pupil, &report, actor, now)
        })
    }
}
