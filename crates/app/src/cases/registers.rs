//! Registers as staff take them, for pages and the API alike: the registers of a session, a
//! form's register, and taking or correcting it.
//!
//! Who takes which register is one rule, [`Actor::takes_registers_of`], judged on the pupils of
//! the form on roll that day. A form outside the actor's reach is refused as
//! [`Refusal::Forbidden`] whether or not it exists; only someone who reaches the whole school is
//! told that a form does not exist.

use chrono::NaiveDateTime;
use rollcall_core::{Date, Session, Upn, YearGroup};
use rollcall_store::{DateRange, SchoolId, Store, StoredPupil};

use crate::access::{Actor, Permission, Reach};
use crate::day::signing::away_by_pupil;
use crate::error::Refusal;
pub use crate::registers::RegisterKey;
use crate::registers::{self as reg, Register, RegisterSubmission, SessionRegisters, TakeOutcome};
use crate::service::{App, Writing};

use super::school_of;

/// The year groups of the pupils of a form on roll on a day.
fn year_groups_on(pupils: &[StoredPupil], date: Date) -> Vec<YearGroup> {
    let mut years: Vec<YearGroup> = pupils
        .iter()
        .filter(|p| p.pupil.on_roll(date))
        .map(|p| p.pupil.year_group)
        .collect();
    years.sort();
    years.dedup();
    years
}

/// Refuses unless the actor takes this register. A form nobody is on roll in is not found for
/// someone who reaches the whole school, and refused like any form out of reach for anyone else.
fn require_register(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
    key: &RegisterKey,
) -> Result<(), Refusal> {
    actor.require(Permission::TakeRegisters)?;
    let years = match actor.reach {
        Reach::School => return Ok(()),
        Reach::Forms(ref forms) if !forms.contains(&key.form) => return Err(Refusal::Forbidden),
        Reach::YearGroups(_) => year_groups_on(&store.form_pupils(school, &key.form)?, key.date),
        _ => Vec::new(),
    };
    if actor.takes_registers_of(&key.form, &years) {
        Ok(())
    } else {
        Err(Refusal::Forbidden)
    }
}

/// Reads a register the actor takes.
fn open_register(
    store: &mut dyn Store,
    actor: &Actor,
    key: &RegisterKey,
    now: NaiveDateTime,
) -> Result<(SchoolId, Register), Refusal> {
    let school = school_of(store, actor)?;
    require_register(store, actor, school, key)?;
    let register = reg::register(store, school, &key.form, key.date, key.session, now)?;
    Ok((school, register))
}

/// Refuses lines for pupils the actor does not reach, whether or not they exist: a line for a
/// pupil not on this register is only worth explaining to someone who reaches that pupil.
fn require_lines(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
    register: &Register,
    submission: &RegisterSubmission,
) -> Result<(), Refusal> {
    if actor.reach == Reach::School {
        return Ok(());
    }
    let mut pupils: Option<Vec<StoredPupil>> = None;
    for line in &submission.marks {
        let upn = line.upn.trim();
        if register.row(upn).is_some() {
            continue;
        }
        let pupils = match &mut pupils {
            Some(all) => &*all,
            None => &*pupils.insert(store.pupils(school)?),
        };
        let found = Upn::parse(upn)
            .ok()
            .and_then(|u| pupils.iter().find(|s| s.pupil.upn == u));
        match found {
            Some(s) if actor.reaches(s.id, &s.pupil) => {}
            _ => return Err(Refusal::Forbidden),
        }
    }
    Ok(())
}

impl App {
    /// The registers of a session that the actor takes, with how far each is marked: today's
    /// current session when no date or session is given.
    pub fn session_registers(
        &self,
        actor: &Actor,
        date: Option<&str>,
        session: Option<&str>,
    ) -> Result<SessionRegisters, Refusal> {
        actor.require(Permission::TakeRegisters)?;
        let now = self.now();
        self.reading(|store| {
            let school = school_of(store, actor)?;
            let times = reg::register_times(store, school)?;
            let date = match date.filter(|d| !d.trim().is_empty()) {
                Some(d) => reg::parse_day(d)?,
                None => now.date(),
            };
            let session = match session.filter(|s| !s.trim().is_empty()) {
                Some(s) => reg::parse_session(s)?,
                None if date == now.date() => reg::session_now(&times, now.time()),
                None => Session::Am,
            };
            let mut all = reg::form_registers(store, school, date, session, now)?;
            all.forms
                .retain(|f| actor.takes_registers_of(&f.form, &f.year_groups));
            Ok(all)
        })
    }

    /// A form's register for a session, with each pupil's mark, the register's version, and the
    /// times its pupils were signed out that day.
    pub fn register(&self, actor: &Actor, key: &RegisterKey) -> Result<Register, Refusal> {
        let now = self.now();
        self.reading(|store| {
            let (school, mut register) = open_register(store, actor, key, now)?;
            let day = DateRange::between(key.date, key.date);
            let mut away = away_by_pupil(&store.sign_outs(school, day, None)?);
            away.retain(|id, _| register.pupils().any(|r| r.id == *id));
            register.away = away;
            Ok(register)
        })
    }

    /// Takes or corrects a form's register: new marks for unmarked pupils, amendments (with a
    /// reason once the register has closed) for pupils already marked. All of it or nothing: a
    /// wrong line refuses the whole submission, and a submission built from a version of the
    /// register that someone has since changed is refused as a conflict. Written together with
    /// any other register submitted at the same moment.
    pub fn take_register(
        &self,
        actor: &Actor,
        key: &RegisterKey,
        submission: &RegisterSubmission,
    ) -> Result<TakeOutcome, Refusal> {
        self.submit_register(actor, key, submission)?.wait()
    }

    /// [`App::take_register`], returning once the register is checked and handed to the writer:
    /// a server waits for it to be written without holding a thread ([`RegisterTaken::written`]).
    pub fn submit_register(
        &self,
        actor: &Actor,
        key: &RegisterKey,
        submission: &RegisterSubmission,
    ) -> Result<RegisterTaken, Refusal> {
        let now = self.now();
        let mut plan = self.reading(|store| {
            let (school, register) = open_register(store, actor, key, now)?;
            require_lines(store, actor, school, &register, submission)?;
            reg::plan_for(&register, school, submission, actor, now)
        })?;
        let writing = self.write_marks(plan.school, std::mem::take(&mut plan.changes));
        Ok(RegisterTaken { plan, writing })
    }
}

/// A register checked and handed to the register writer; its outcome once written.
pub struct RegisterTaken {
    plan: reg::RegisterPlan,
    writing: Writing,
}

impl RegisterTaken {
    /// Blocks until the register is written, or refused.
    pub fn wait(self) -> Result<TakeOutcome, Refusal> {
        self.plan.finish(self.writing.wait())
    }

    /// Waits, without blocking a thread, until the register is written, or refused.
    pub async fn written(self) -> Result<TakeOutcome, Refusal> {
        self.plan.finish(self.writing.written().await)
    }
}
