//! Leave of absence at school: the office enters an application from a paper form, and the
//! headteacher decides each with its decision support in view. Parents apply from their own page
//! ([`App::apply_for_leave`]).

use rollcall_core::{Date, Session};
use rollcall_store::{Contact, StoredLeave, StoredPupil};

use crate::access::{Actor, Permission};
use crate::error::Refusal;
use crate::leave::{self, DecisionSupport, PreEntered, Verdict};
use crate::registers::{parse_day, parse_session};
use crate::service::App;

use super::family::{leave_request, LeaveForm};
use super::office::typed_pupil;
use super::pupils::school_details;

/// An application as the decider sees it.
#[derive(Debug, Clone)]
pub struct LeaveCase {
    pub leave: StoredLeave,
    pub support: DecisionSupport,
}

/// A decision as typed: every field as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecisionForm {
    /// `grant` or `refuse`.
    pub decision: String,
    pub reason: String,
    /// Fewer sessions than asked (a grant only); all empty for every session asked.
    pub first_date: String,
    pub first_session: String,
    pub last_date: String,
    pub last_session: String,
}

/// The applications for leave of the pupils an actor reaches, newest first, with each pupil.
#[derive(Debug, Clone)]
pub struct LeaveList {
    pub pending: Vec<(StoredLeave, StoredPupil)>,
    pub decided: Vec<(StoredLeave, StoredPupil)>,
}

impl App {
    /// The office enters an application a parent made on paper, naming the applicant among the
    /// pupil's contacts.
    pub fn enter_leave(
        &self,
        actor: &Actor,
        contact: &str,
        requested_on: &str,
        form: &LeaveForm,
    ) -> Result<StoredLeave, Refusal> {
        actor.require(Permission::FollowUp)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            let child = typed_pupil(store, actor, school.id, &form.upn)?;
            let asked = match requested_on.trim() {
                "" => now.date(),
                t => parse_day(t)?,
            };
            if asked > now.date() {
                return Err(Refusal::invalid(format!(
                    "the application cannot have been made on {asked}, a day still to come"
                )));
            }
            let req = leave_request(form, &child, contact.trim().to_owned(), asked)?;
            leave::request(store, school.id, &req, actor.recorded_at(now))
        })
    }

    /// Applications for leave of the pupils the actor reaches: pending first.
    pub fn leave_list(&self, actor: &Actor) -> Result<LeaveList, Refusal> {
        actor.require(Permission::FollowUp)?;
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let pupils: std::collections::HashMap<_, _> = store
                .pupils(school.id)?
                .into_iter()
                .filter(|p| actor.reaches(p.id, &p.pupil))
                .map(|p| (p.id, p))
                .collect();
            let mut list = LeaveList {
                pending: Vec::new(),
                decided: Vec::new(),
            };
            for l in store.leave_applications(school.id, None)?.into_iter().rev() {
                let Some(p) = pupils.get(&l.application.pupil).cloned() else {
                    continue;
                };
                if l.decision.is_none() {
                    list.pending.push((l, p));
                } else {
                    list.decided.push((l, p));
                }
            }
            Ok(list)
        })
    }

    /// One application with what the decider should weigh.
    pub fn leave_case(&self, actor: &Actor, id: i64) -> Result<LeaveCase, Refusal> {
        actor.require(Permission::DecideLeave)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let leave = leave::find(store, school.id, id)?;
            let limits = leave::leave_limits(store, school.id)?;
            let support = leave::decision_support(store, school.id, &leave, today, limits)?;
            Ok(LeaveCase { leave, support })
        })
    }

    /// Grants or refuses an application; a grant pre-enters its code on the granted sessions.
    pub fn decide_leave(
        &self,
        actor: &Actor,
        id: i64,
        form: &DecisionForm,
    ) -> Result<(StoredLeave, PreEntered), Refusal> {
        actor.require(Permission::DecideLeave)?;
        let now = self.now();
        let grant = match form.decision.trim() {
            "grant" => true,
            "refuse" => false,
            _ => return Err(Refusal::invalid("choose to grant or to refuse the leave")),
        };
        let given = [&form.first_date, &form.last_date]
            .iter()
            .any(|t| !t.trim().is_empty());
        let sessions = if given {
            let session = |t: &str, d: Session| match t.trim() {
                "" => Ok(d),
                t => parse_session(t),
            };
            let first: Date = parse_day(&form.first_date)?;
            let last: Date = match form.last_date.trim() {
                "" => first,
                t => parse_day(t)?,
            };
            Some((
                (first, session(&form.first_session, Session::Am)?),
                (last, session(&form.last_session, Session::Pm)?),
            ))
        } else {
            None
        };
        let verdict = Verdict {
            grant,
            on: now.date(),
            reason: form.reason.clone(),
            sessions,
        };
        self.with_store(|store| {
            let school = school_details(store, actor)?;
            leave::decide(store, school.id, id, &verdict, actor.recorded_at(now))
        })
    }
}

/// The applicant's name and relationship, for lists: "Mary Smith (mother)".
pub fn applicant_text(c: Option<&Contact>, reference: &str) -> String {
    match c {
        Some(c) => format!("{} ({})", c.name(), c.relationship),
        None => format!("contact {reference}"),
    }
}

/// A decision as written to the parent who applied.
#[derive(Debug, Clone)]
pub struct LeaveLetter {
    pub school: String,
    pub leave: StoredLeave,
    pub pupil: StoredPupil,
    /// The applicant, as the school holds them (name and address).
    pub applicant: Option<Contact>,
    /// The sessions granted, when a grant.
    pub granted: Option<((Date, Session), (Date, Session))>,
}

impl App {
    /// The letter telling the applicant the decision on their application, for the office to
    /// print or send. An application not yet decided has no letter.
    pub fn leave_letter(&self, actor: &Actor, id: i64) -> Result<LeaveLetter, Refusal> {
        actor.require(Permission::FollowUp)?;
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let leave = leave::find(store, school.id, id)?;
            let pupil = store
                .pupils(school.id)?
                .into_iter()
                .find(|p| p.id == leave.application.pupil)
                .filter(|p| actor.reaches(p.id, &p.pupil))
                .ok_or(Refusal::Forbidden)?;
            if leave.decision.is_none() {
                return Err(Refusal::invalid(
                    "the application has not been decided yet: there is no letter to write",
                ));
            }
            let applicant = store
                .contacts(school.id, pupil.id)?
                .into_iter()
                .find(|c| c.reference == leave.application.contact);
            Ok(LeaveLetter {
                school: school.details.name.clone(),
                granted: leave.granted_sessions(),
                leave,
                pupil,
                applicant,
            })
        })
    }
}
