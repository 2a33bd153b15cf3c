//! The registers of a session, and the registers not yet taken.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use rollcall_core::{Date, Session, YearGroup};
use rollcall_store::{PupilId, SchoolId, Store};

use super::{marks_of, register_times, Result, Window};

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

    /// The forms whose register has pupils without a mark, once it has opened by `now`: none
    /// before.
    pub fn not_taken(&self, now: NaiveDateTime) -> Vec<FormRegister> {
        if !self.opened(now) {
            return Vec::new();
        }
        self.forms
            .iter()
            .filter(|f| f.expected > f.marked)
            .cloned()
            .collect()
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
    Ok(form_registers(store, school, date, session, now)?.not_taken(now))
}
