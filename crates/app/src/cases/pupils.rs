//! Pupils, for pages and the API alike: the pupils an actor reaches, a search among them, a
//! pupil's record and marks, a parent's children, and the alerts the rules raise.
//!
//! What each reader learns is decided here, not when it is shown:
//!
//! - a pupil outside the actor's reach is refused as [`Refusal::Forbidden`] whether or not they
//!   exist; only someone who reaches the whole school is told that a UPN is not on the register;
//! - parents never receive alerts, contacts or the names of staff (not even read for them);
//! - governors never receive a pupil at all.
//!
//! Figures for the year to date are counted one way everywhere (the record, the API, a parent's
//! page): today's registers still open are not counted as unmarked.

use rollcall_core::marks::MarkEntry;
use rollcall_core::stats::Counts;
use rollcall_core::{Date, Pupil, Role, Session};
use rollcall_rules::{Finding, Rule};
use rollcall_store::{DateRange, School, Store, StoredPupil};

use crate::access::{Actor, Permission, Reach};
use crate::alerts::AlertQuery;
use crate::error::Refusal;
use crate::registers::{parse_day, search_pupils};
use crate::school_view::{self, Attribution, Period, PupilRecord, Reader};
use crate::service::App;

use super::school_of;

/// A pupil's mark, as a reader may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilMark {
    pub date: Date,
    pub session: Session,
    pub entry: MarkEntry,
    /// Who recorded it and when; the name only for staff.
    pub recorded: Attribution,
}

/// A parent's children with their figures for the year to date.
#[derive(Debug, Clone)]
pub struct Children {
    pub period: Period,
    /// In the order of the register.
    pub children: Vec<(Pupil, Counts)>,
}

/// The most pupils a search lists.
pub const PUPIL_SEARCH_LIMIT: usize = 50;

/// The pupils a search found among those the actor reaches.
#[derive(Debug, Clone)]
pub struct PupilSearch {
    /// The day the search was made: pupils on roll that day come first.
    pub today: Date,
    /// Pupils on roll today first, then those who have left or are yet to start; each by surname
    /// and forename. At most [`PUPIL_SEARCH_LIMIT`].
    pub found: Vec<Pupil>,
    /// More pupils matched than are listed.
    pub more: bool,
}

/// The alerts found as of a day, for the pupils an actor reaches.
#[derive(Debug, Clone)]
pub struct AlertList {
    pub as_of: Date,
    /// Sorted by date, UPN and rule.
    pub findings: Vec<Finding>,
}

/// The reader a record is written for: a parent, or staff.
fn reader_of(actor: &Actor) -> Reader {
    if actor.role == Role::Parent {
        Reader::Parent
    } else {
        Reader::Staff
    }
}

/// The school the actor acts on, with its details.
pub(super) fn school_details(store: &mut dyn Store, actor: &Actor) -> Result<School, Refusal> {
    let id = school_of(store, actor)?;
    store
        .schools()?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| Refusal::NotFound("there is no such school".into()))
}

/// The pupils of the school the actor reaches, in the order of the register.
fn reached(
    store: &mut dyn Store,
    actor: &Actor,
    school: &School,
) -> Result<Vec<StoredPupil>, Refusal> {
    Ok(store
        .pupils(school.id)?
        .into_iter()
        .filter(|s| actor.reaches(s.id, &s.pupil))
        .collect())
}

/// The pupil with this UPN if the actor reaches them. A UPN not on the register is not found for
/// someone who reaches the whole school, and refused like any pupil out of reach for anyone else.
pub(super) fn reached_pupil(
    store: &mut dyn Store,
    actor: &Actor,
    school: &School,
    upn: &str,
) -> Result<StoredPupil, Refusal> {
    let found = store
        .pupils(school.id)?
        .into_iter()
        .find(|s| s.pupil.upn.as_str() == upn);
    match found {
        Some(s) if actor.reaches(s.id, &s.pupil) => Ok(s),
        None if actor.reach == Reach::School => Err(Refusal::NotFound(format!(
            "no pupil with UPN {upn} is on this school's admission register"
        ))),
        _ => Err(Refusal::Forbidden),
    }
}

/// A day given as a parameter, named in the message when it is wrong; `None` when not given.
fn day_param(name: &str, text: Option<&str>) -> Result<Option<Date>, Refusal> {
    text.map(|t| parse_day(t).map_err(|e| Refusal::invalid(format!("{name}: {e}"))))
        .transpose()
}

impl App {
    /// The pupils the actor reaches, in the order of the register, those who have left included.
    pub fn reached_pupils(&self, actor: &Actor) -> Result<Vec<Pupil>, Refusal> {
        actor.require(Permission::ReadPupils)?;
        self.reading(|store| {
            let school = school_details(store, actor)?;
            Ok(reached(store, actor, &school)?
                .into_iter()
                .map(|s| s.pupil)
                .collect())
        })
    }

    /// The pupils the actor reaches whose name holds every word of `query`, whose UPN is
    /// `query`, or whose form is `query` (letter case aside): a form tutor finds the pupils of
    /// their forms, a head of year those of their year groups, the office and senior staff the
    /// school's. Nobody when nothing was typed. Parents and governors have no search.
    pub fn search_pupils(&self, actor: &Actor, query: &str) -> Result<PupilSearch, Refusal> {
        actor.require(Permission::SearchPupils)?;
        let today = self.now().date();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let reached = reached(store, actor, &school)?;
            let mut found: Vec<Pupil> =
                search_pupils(&reached, query, today, PUPIL_SEARCH_LIMIT + 1)
                    .into_iter()
                    .map(|s| s.pupil.clone())
                    .collect();
            let more = found.len() > PUPIL_SEARCH_LIMIT;
            found.truncate(PUPIL_SEARCH_LIMIT);
            Ok(PupilSearch { today, found, more })
        })
    }

    /// A pupil's record as of now: figures for the year and the half term to date, the register
    /// this year and its changes, and for staff the pupil's alerts and contacts. A parent's
    /// record holds neither, nor the names of staff.
    pub fn pupil_record(&self, actor: &Actor, upn: &str) -> Result<PupilRecord, Refusal> {
        actor.require(Permission::ReadPupils)?;
        let now = self.now();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let pupil = reached_pupil(store, actor, &school, upn)?;
            Ok(school_view::pupil_record(
                store,
                &school,
                pupil,
                now,
                reader_of(actor),
            )?)
        })
    }

    /// A pupil's marks from `from` to `to` (`YYYY-MM-DD`, each end optional), oldest first, with
    /// who recorded each: a parent sees their role, never their name.
    pub fn pupil_marks(
        &self,
        actor: &Actor,
        upn: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<PupilMark>, Refusal> {
        actor.require(Permission::ReadPupils)?;
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let pupil = reached_pupil(store, actor, &school, upn)?;
            let range = DateRange {
                from: day_param("from", from)?,
                to: day_param("to", to)?,
            };
            let reader = reader_of(actor);
            Ok(store
                .pupil_marks(school.id, pupil.id, range)?
                .into_iter()
                .map(|m| PupilMark {
                    date: m.date,
                    session: m.session,
                    entry: m.entry,
                    recorded: Attribution::of(m.recorded, reader),
                })
                .collect())
        })
    }

    /// A parent's children on the school's register, with their figures for the year to date
    /// counted as on their records.
    pub fn my_children(&self, actor: &Actor) -> Result<Children, Refusal> {
        actor.require(Permission::OwnChildren)?;
        let now = self.now();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let mine = reached(store, actor, &school)?;
            let children = school_view::year_figures(store, &school, mine, now)?
                .into_iter()
                .map(|(s, c)| (s.pupil, c))
                .collect();
            Ok(Children {
                period: Period::year_to_date(now.date()),
                children,
            })
        })
    }

    /// The alerts of every rule found as of `as_of` (`YYYY-MM-DD`; today when not given) for the
    /// pupils the actor reaches, of one rule when `rule` names one. As on a pupil's record, a
    /// register not yet closed is not "not taken".
    pub fn alerts(
        &self,
        actor: &Actor,
        as_of: Option<&str>,
        rule: Option<&str>,
    ) -> Result<AlertList, Refusal> {
        actor.require(Permission::Alerts)?;
        let now = self.now();
        self.reading(|store| {
            let school = school_details(store, actor)?;
            let as_of = day_param("as_of", as_of)?.unwrap_or(now.date());
            let rule = match rule {
                None => None,
                Some(r) => Some(
                    Rule::from_name(r)
                        .ok_or_else(|| Refusal::invalid(format!("'{r}' is not a rule")))?,
                ),
            };
            let visible: std::collections::HashSet<String> = reached(store, actor, &school)?
                .iter()
                .map(|s| s.pupil.upn.to_string())
                .collect();
            let query = AlertQuery {
                all_rules: true,
                upn: None,
                rule,
            };
            let mut findings = school_view::findings(store, &school, as_of, now, &query)?;
            findings.retain(|f| visible.contains(&f.upn));
            Ok(AlertList { as_of, findings })
        })
    }
}
