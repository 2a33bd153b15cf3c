//! The school day, for pages and the API alike: pupils signed out at the office and back in, who
//! is out now, missing-pupil alerts and their search, and traveller families.
//!
//! The office, senior staff and the designated safeguarding lead reach the whole school; a head
//! of year acts for the pupils of their year groups only ([`Permission::SignOut`],
//! [`Permission::MissingPupils`], [`Permission::Travellers`]). A pupil named by UPN whom the
//! actor does not reach is refused as [`Refusal::Forbidden`] whether or not they exist; someone
//! who reaches the whole school is told what is wrong with a UPN typed into a form. Parents see
//! none of it here: their child's times out are on the child's record.
//!
//! Every write is checked in full before anything is written, and a sign-out or sign-in is
//! written in one transaction with the marks it gives the register (see [`crate::day::signing`]
//! for which sessions those are).

use chrono::{NaiveDateTime, NaiveTime};
use rollcall_core::calendar::format_time;
use rollcall_core::dates::instant_of_school_time;
use rollcall_core::{Code, Date, Session};
use rollcall_store::{
    Collector, Contact, DateRange, MissingEntry, MissingReport, MissingStep, SchoolId, SignIn,
    SignOut, SignOutReason, Store, StoreError, StoredMissingAlert, StoredPupil, StoredSignOut,
    StoredTravel, TravelRecord,
};
use serde::Deserialize;

use crate::access::{Actor, Permission, Reach};
use crate::cases::office::SessionNotTaken;
use crate::day::missing::note_required;
use crate::day::signing::away_by_pupil;
use crate::day::{
    attendance_standing, checklist, plan_sign_in, plan_sign_out, AttendanceStanding, Away,
    ChecklistItem, SessionEffect,
};
use crate::error::{Problem, Refusal};
use crate::registers::{self as reg, full_name};
use crate::service::App;

use super::school_of;

/// The most pupils a search lists.
pub const SEARCH_LIMIT: usize = 40;

/// Missing-pupil alerts closed this many days ago or less are listed under the open ones.
pub const RECENT_DAYS: u64 = 14;

/// A sign-out of today, with its pupil.
#[derive(Debug, Clone)]
pub struct OutToday {
    pub id: i64,
    pub pupil: StoredPupil,
    pub out: SignOut,
    pub back: Option<SignIn>,
}

/// A pupil chosen at the sign-out desk.
#[derive(Debug, Clone)]
pub struct SignOutPupil {
    pub pupil: StoredPupil,
    /// The contacts permitted to collect the pupil, in priority order.
    pub may_collect: Vec<Contact>,
    /// The other contacts: choosing one of them must be confirmed.
    pub not_permitted: Vec<Contact>,
    /// Today's morning and afternoon marks so far.
    pub marks: Vec<(Session, Option<Code>)>,
    /// The pupil's sign-out of today without a sign-in, if they are out.
    pub out_now: Option<OutToday>,
}

/// The sign-out desk: today's sign-outs, the pupils a search found and the pupil chosen.
#[derive(Debug, Clone)]
pub struct SignOutDesk {
    pub now: NaiveDateTime,
    pub found: Vec<StoredPupil>,
    pub pupil: Option<SignOutPupil>,
    /// Today's sign-outs of the pupils in reach: those still out first, by time out, then those
    /// back.
    pub today: Vec<OutToday>,
    /// Open missing-pupil alerts of the pupils in reach.
    pub missing: Vec<MissingAlertView>,
}

/// A sign-out as typed at the office: every field as text, read by [`App::sign_pupil_out`].
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SignOutInput {
    pub upn: String,
    /// `YYYY-MM-DD`; today when empty.
    pub date: String,
    /// `HH:MM`: when the pupil left.
    pub time: String,
    /// `appointment`, `unwell`, `sent_home` or `other`.
    pub reason: String,
    /// What was said (the appointment, the symptoms); needed for `other`.
    pub detail: String,
    /// The reference of the contact who collected the pupil, or `other` for another adult.
    pub collected_by: String,
    /// Another adult's name and what they are to the pupil.
    pub other_name: String,
    pub other_relationship: String,
    /// Set (to anything) when the office confirms letting the pupil go with someone who is not
    /// on the list of those permitted to collect them.
    pub confirm_not_permitted: String,
    /// `no` when the pupil is not expected back today; expected back otherwise.
    pub back_today: String,
}

/// What signing a pupil out or in did.
#[derive(Debug, Clone)]
pub struct SignOutOutcome {
    pub id: i64,
    pub name: String,
    pub out: SignOut,
    pub back: Option<SignIn>,
    /// What it did to each session of the day it covered.
    pub effects: Vec<(Session, SessionEffect)>,
}

/// A missing-pupil alert as a page shows it.
#[derive(Debug, Clone)]
pub struct MissingAlertView {
    pub id: i64,
    pub pupil: StoredPupil,
    pub report: MissingReport,
    pub open: bool,
    /// Every step, by when it happened.
    pub timeline: Vec<MissingEntry>,
    pub checklist: Vec<ChecklistItem>,
    /// The day the pupil was noticed missing, and their marks and times out that day.
    pub date: Date,
    pub marks: Vec<(Session, Option<Code>)>,
    pub away: Vec<Away>,
}

impl MissingAlertView {
    /// When the alert closed: the time of the step that found the pupil or closed it.
    pub fn closed(&self) -> Option<&MissingEntry> {
        self.timeline.iter().find(|e| e.step.closes())
    }
}

/// The missing pupils: open alerts first, then those closed lately, and the pupils a search
/// found to report.
#[derive(Debug, Clone)]
pub struct MissingBoard {
    pub now: NaiveDateTime,
    pub open: Vec<MissingAlertView>,
    /// Closed in the last [`RECENT_DAYS`] days, latest first.
    pub closed: Vec<MissingAlertView>,
    pub found: Vec<StoredPupil>,
}

/// A pupil reported missing, as typed.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct MissingInput {
    pub upn: String,
    /// `HH:MM` today: when the pupil was found to be missing.
    pub time: String,
    pub noticed_by: String,
    pub last_seen: String,
}

/// A step of the search, as typed.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StepInput {
    /// A step's name ([`MissingStep::as_str`]).
    pub step: String,
    /// `HH:MM`: when it happened.
    pub time: String,
    /// `YYYY-MM-DD`; today when empty.
    pub date: String,
    pub note: String,
}

/// A traveller record as typed.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct TravelInput {
    /// The record to change; a new record when empty.
    pub id: String,
    /// `YYYY-MM-DD`.
    pub from: String,
    /// `YYYY-MM-DD`, or empty while not known.
    pub to: String,
    pub whereabouts: String,
    pub dual_school: String,
    pub notes: String,
}

/// A pupil's traveller records and their attendances against s444(6).
#[derive(Debug, Clone)]
pub struct TravelPage {
    pub pupil: StoredPupil,
    pub records: Vec<StoredTravel>,
    pub standing: AttendanceStanding,
}

/// The office's day at a glance: registers not taken, open missing-pupil alerts, and who is out.
#[derive(Debug, Clone)]
pub struct OfficeDay {
    pub not_taken: Vec<SessionNotTaken>,
    pub missing: Vec<MissingAlertView>,
    /// Pupils signed out today and not back, by time out.
    pub out_now: Vec<OutToday>,
}

/// The pupil with this UPN, typed into a form, if the actor reaches them. A pupil outside a
/// limited reach is refused the same way whether or not they exist; with the whole school in
/// reach, an unknown UPN is a mistake to put right.
fn reached_pupil(
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

/// The pupils on roll on `on` whom the actor reaches and who match what was typed.
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

/// The refusal of a write that met another writer's change.
fn changed_meanwhile() -> Refusal {
    Refusal::Conflict {
        message: "Someone else changed this pupil's marks or sign-outs at the same moment: \
                  nothing was saved. Reload the page, then try again."
            .into(),
        changed: Vec::new(),
    }
}

/// A store's refusal of a write, as the person reads it.
fn written<T>(result: Result<T, StoreError>) -> Result<T, Refusal> {
    match result {
        Err(StoreError::Conflict(_)) => Err(changed_meanwhile()),
        other => Ok(other?),
    }
}

/// A number typed or taken from a path.
fn parse_id(text: &str, what: &str) -> Result<i64, Refusal> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Refusal::invalid(format!("'{}' is not a {what} number", text.trim())))
}

/// The pupil's marks of a day, for each session.
fn day_marks(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: &StoredPupil,
    date: Date,
) -> Result<Vec<rollcall_store::StoredMark>, Refusal> {
    Ok(store.pupil_marks(school, pupil.id, DateRange::between(date, date))?)
}

fn session_marks(marks: &[rollcall_store::StoredMark]) -> Vec<(Session, Option<Code>)> {
    Session::BOTH
        .into_iter()
        .map(|s| {
            (
                s,
                marks
                    .iter()
                    .find(|m| m.session == s)
                    .map(|m| m.entry.code.clone()),
            )
        })
        .collect()
}

/// Today's sign-outs of the pupils the actor reaches: those still out first.
fn today_list(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
    today: Date,
) -> Result<Vec<OutToday>, Refusal> {
    let outs = store.sign_outs(school, DateRange::between(today, today), None)?;
    with_pupils(store, actor, school, outs)
}

fn with_pupils(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
    outs: Vec<StoredSignOut>,
) -> Result<Vec<OutToday>, Refusal> {
    if outs.is_empty() {
        return Ok(Vec::new());
    }
    let pupils: std::collections::HashMap<_, _> = store
        .pupils(school)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut list: Vec<OutToday> = outs
        .into_iter()
        .filter_map(|s| {
            let pupil = pupils.get(&s.out.pupil)?;
            actor.reaches(pupil.id, &pupil.pupil).then(|| OutToday {
                id: s.id,
                pupil: pupil.clone(),
                out: s.out,
                back: s.back,
            })
        })
        .collect();
    list.sort_by_key(|o| (o.back.is_some(), o.out.date, o.out.out_at, o.id));
    Ok(list)
}

/// The missing-pupil alerts of the pupils the actor reaches, as pages show them.
fn alert_views(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
    alerts: Vec<StoredMissingAlert>,
) -> Result<Vec<MissingAlertView>, Refusal> {
    if alerts.is_empty() {
        return Ok(Vec::new());
    }
    let pupils: std::collections::HashMap<_, _> = store
        .pupils(school)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut views = Vec::new();
    for alert in alerts {
        let Some(pupil) = pupils.get(&alert.report.pupil) else {
            continue;
        };
        if !actor.reaches(pupil.id, &pupil.pupil) {
            continue;
        }
        let date = rollcall_core::dates::school_time(alert.report.noticed_at).date();
        let marks = day_marks(store, school, pupil, date)?;
        let outs = store.sign_outs(school, DateRange::between(date, date), Some(pupil.id))?;
        views.push(MissingAlertView {
            id: alert.id,
            pupil: pupil.clone(),
            open: alert.is_open(),
            checklist: checklist(&alert),
            timeline: alert.steps.clone(),
            report: alert.report,
            date,
            marks: session_marks(&marks),
            away: away_by_pupil(&outs).remove(&pupil.id).unwrap_or_default(),
        });
    }
    Ok(views)
}

/// The alert with this id, if the school holds it and the actor reaches its pupil.
fn reached_alert(
    store: &mut dyn Store,
    actor: &Actor,
    school: SchoolId,
    id: &str,
) -> Result<MissingAlertView, Refusal> {
    let id = parse_id(id, "missing-pupil alert")?;
    let alert = store
        .missing_alerts(school, None)?
        .into_iter()
        .find(|a| a.id == id);
    let Some(alert) = alert else {
        return Err(match actor.reach {
            Reach::School => Refusal::NotFound(format!("there is no missing-pupil alert {id}")),
            _ => Refusal::Forbidden,
        });
    };
    alert_views(store, actor, school, vec![alert])?
        .pop()
        .ok_or(Refusal::Forbidden)
}

/// A time of day typed into a form, or `now` when empty; never later than `now` on its day.
fn time_not_after(
    text: &str,
    date: Date,
    now: NaiveDateTime,
    what: &str,
    problems: &mut Vec<Problem>,
) -> Option<NaiveTime> {
    let time = match text.trim() {
        "" if date == now.date() => return Some(trim_seconds(now.time())),
        "" => {
            problems.push(Problem::general(format!("give the time {what}")));
            return None;
        }
        t => match reg::parse_time(t) {
            Ok(t) => t,
            Err(e) => {
                problems.extend(e.problems().iter().cloned());
                return None;
            }
        },
    };
    if date.and_time(time) > now {
        problems.push(Problem::general(format!(
            "the time {what} ({}) is later than now ({} on {})",
            format_time(time),
            format_time(now.time()),
            now.date()
        )));
        return None;
    }
    Some(time)
}

fn trim_seconds(t: NaiveTime) -> NaiveTime {
    NaiveTime::from_hms_opt(chrono::Timelike::hour(&t), chrono::Timelike::minute(&t), 0)
        .unwrap_or(t)
}

/// Who collected the pupil, as the form says it, checked against the pupil's contacts.
fn collector_of(
    input: &SignOutInput,
    name: &str,
    contacts: &[Contact],
    problems: &mut Vec<Problem>,
) -> Option<Collector> {
    let confirmed = !input.confirm_not_permitted.trim().is_empty();
    let chosen = input.collected_by.trim();
    let collector = match chosen {
        "" => {
            problems.push(Problem::general(format!(
                "say who collected {name}: one of the contacts permitted to collect them, or another adult by name"
            )));
            return None;
        }
        "other" => {
            let other = input.other_name.trim();
            if other.is_empty() {
                problems.push(Problem::general(
                    "give the name of the adult who collected the pupil",
                ));
                return None;
            }
            Collector {
                contact: None,
                name: other.to_owned(),
                relationship: input.other_relationship.trim().to_owned(),
                permitted: false,
            }
        }
        reference => {
            let Some(c) = contacts.iter().find(|c| c.reference == reference) else {
                problems.push(Problem::general(format!(
                    "'{reference}' is not one of {name}'s contacts: choose from the list, or name another adult"
                )));
                return None;
            };
            Collector {
                contact: Some(c.reference.clone()),
                name: c.name(),
                relationship: c.relationship.clone(),
                permitted: c.may_collect,
            }
        }
    };
    if !collector.permitted && !confirmed {
        problems.push(Problem::general(format!(
            "{} is NOT on the list of people permitted to collect {name}: tick the box to confirm that you let {name} go with them, or choose someone on the list",
            collector.name
        )));
        return None;
    }
    Some(collector)
}

impl App {
    /// The sign-out desk: today's sign-outs of the pupils the actor reaches, the open
    /// missing-pupil alerts, the pupils on roll today who match `query`, and, when a UPN is
    /// given, that pupil with who may collect them and whether they are out now.
    pub fn sign_out_desk(
        &self,
        actor: &Actor,
        query: &str,
        upn: Option<&str>,
    ) -> Result<SignOutDesk, Refusal> {
        actor.require(Permission::SignOut)?;
        let now = self.now();
        self.reading(|store| {
            let school = school_of(store, actor)?;
            let today = today_list(store, actor, school, now.date())?;
            let pupil = match upn.filter(|u| !u.trim().is_empty()) {
                None => None,
                Some(upn) => {
                    let pupil = reached_pupil(store, actor, school, upn)?;
                    let (may_collect, not_permitted) = store
                        .contacts(school, pupil.id)?
                        .into_iter()
                        .partition(|c| c.may_collect);
                    let marks = day_marks(store, school, &pupil, now.date())?;
                    let out_now = today
                        .iter()
                        .find(|o| o.pupil.id == pupil.id && o.back.is_none())
                        .cloned();
                    Some(SignOutPupil {
                        marks: session_marks(&marks),
                        pupil,
                        may_collect,
                        not_permitted,
                        out_now,
                    })
                }
            };
            let found = search(store, actor, school, query, now.date())?;
            let open: Vec<_> = store
                .missing_alerts(school, None)?
                .into_iter()
                .filter(StoredMissingAlert::is_open)
                .collect();
            let missing = alert_views(store, actor, school, open)?;
            Ok(SignOutDesk {
                now,
                found,
                pupil,
                today,
                missing,
            })
        })
    }

    /// Signs a pupil out: the day (today when not given), the time they left (now when not
    /// given; never later than now), the reason, and who collected them. A collector who is not
    /// on the pupil's list of those permitted to collect must be confirmed. A pupil not expected
    /// back today has the day's later sessions marked at once. Every problem of the form is said
    /// at once, and nothing is written unless all is well.
    pub fn sign_pupil_out(
        &self,
        actor: &Actor,
        input: &SignOutInput,
    ) -> Result<SignOutOutcome, Refusal> {
        actor.require(Permission::SignOut)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let pupil = reached_pupil(store, actor, school, &input.upn)?;
            let name = full_name(&pupil.pupil);
            let mut problems = Vec::new();
            let date = match input.date.trim() {
                "" => Some(now.date()),
                d => match reg::parse_day(d) {
                    Ok(d) if d > now.date() => {
                        problems.push(Problem::general(format!(
                            "{d} is a day still to come: a pupil is signed out as they leave"
                        )));
                        None
                    }
                    Ok(d) => Some(d),
                    Err(e) => {
                        problems.extend(e.problems().iter().cloned());
                        None
                    }
                },
            };
            let out_at = date.and_then(|d| {
                time_not_after(&input.time, d, now, "the pupil left", &mut problems)
            });
            let reason = match SignOutReason::parse(&input.reason) {
                Some(r) => Some(r),
                None => {
                    problems.push(Problem::general(
                        "choose the reason: a medical or dental appointment, unwell at school, sent home, or other",
                    ));
                    None
                }
            };
            let detail = input.detail.trim();
            if reason == Some(SignOutReason::Other) && detail.is_empty() {
                problems.push(Problem::general("say why the pupil is leaving"));
            }
            let contacts = store.contacts(school, pupil.id)?;
            let collector = collector_of(input, &name, &contacts, &mut problems);
            let back_today = !input.back_today.trim().eq_ignore_ascii_case("no");
            let times = reg::register_times(store, school)?;
            let calendar = store.calendar(school)?;
            if let Some(date) = date {
                if !pupil.pupil.on_roll(date) {
                    problems.push(Problem::general(reg_not_on_roll(&pupil, date)));
                } else if !Session::BOTH
                    .iter()
                    .any(|s| calendar.is_school_session(date, *s, pupil.pupil.year_group))
                {
                    problems.push(Problem::general(format!(
                        "{date} is not a school day for {name}"
                    )));
                }
                let earlier =
                    store.sign_outs(school, DateRange::between(date, date), Some(pupil.id))?;
                if let Some(o) = earlier.iter().find(|o| o.back.is_none()) {
                    problems.push(Problem::general(format!(
                        "{name} is already signed out (since {} on {date}): sign them back in first",
                        format_time(o.out.out_at)
                    )));
                } else if let (Some(last), Some(out)) = (
                    earlier.iter().filter_map(|o| o.back.as_ref()).map(|b| b.back_at).max(),
                    out_at,
                ) {
                    if out < last {
                        problems.push(Problem::general(format!(
                            "{name} was signed back in at {} that day: a new sign-out cannot start before then",
                            format_time(last)
                        )));
                    }
                }
            }
            let (Some(date), Some(out_at), Some(reason), Some(collector), true) =
                (date, out_at, reason, collector, problems.is_empty())
            else {
                return Err(Refusal::Invalid(problems));
            };
            let recorded = actor.recorded_at(now);
            let known_until = if date < now.date() {
                NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)
            } else {
                now.time()
            };
            let marks = day_marks(store, school, &pupil, date)?;
            let plan = plan_sign_out(
                &times,
                &calendar,
                &pupil,
                date,
                out_at,
                reason,
                detail,
                back_today,
                known_until,
                &marks,
                &recorded,
            );
            let out = SignOut {
                pupil: pupil.id,
                date,
                out_at,
                reason,
                detail: detail.to_owned(),
                collector,
                back_today,
                recorded,
            };
            let id = written(store.sign_out(school, &out, &plan.changes))?;
            Ok(SignOutOutcome {
                id,
                name,
                out,
                back: None,
                effects: plan.effects,
            })
        })
    }

    /// Signs a pupil back in at `time` (`HH:MM`; now when empty): never before they left, nor
    /// later than now. The sessions whose register closed while they were out take the reason's
    /// code, and a session the sign-out marked whose register closed after they came back is
    /// present again.
    pub fn sign_pupil_in(
        &self,
        actor: &Actor,
        id: &str,
        time: &str,
    ) -> Result<SignOutOutcome, Refusal> {
        actor.require(Permission::SignOut)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let id = parse_id(id, "sign-out")?;
            let found = store
                .sign_outs(school, DateRange::all(), None)?
                .into_iter()
                .find(|s| s.id == id);
            let Some(stored) = found else {
                return Err(match actor.reach {
                    Reach::School => Refusal::NotFound(format!("there is no sign-out {id}")),
                    _ => Refusal::Forbidden,
                });
            };
            let pupil = store
                .pupils(school)?
                .into_iter()
                .find(|p| p.id == stored.out.pupil)
                .filter(|p| actor.reaches(p.id, &p.pupil))
                .ok_or(Refusal::Forbidden)?;
            let name = full_name(&pupil.pupil);
            let out = stored.out;
            if let Some(b) = &stored.back {
                return Err(Refusal::invalid(format!(
                    "{name} was signed back in already, at {}",
                    format_time(b.back_at)
                )));
            }
            let mut problems = Vec::new();
            let back_at = time_not_after(time, out.date, now, "the pupil came back", &mut problems);
            let Some(back_at) = back_at.filter(|_| problems.is_empty()) else {
                return Err(Refusal::Invalid(problems));
            };
            if back_at < out.out_at {
                return Err(Refusal::invalid(format!(
                    "the time back ({}) is before the time {name} was signed out ({})",
                    format_time(back_at),
                    format_time(out.out_at)
                )));
            }
            let times = reg::register_times(store, school)?;
            let calendar = store.calendar(school)?;
            let marks = day_marks(store, school, &pupil, out.date)?;
            let recorded = actor.recorded_at(now);
            let plan = plan_sign_in(
                &times,
                &calendar,
                &pupil,
                out.date,
                out.out_at,
                back_at,
                out.reason,
                &out.detail,
                &marks,
                &recorded,
            );
            let back = SignIn { back_at, recorded };
            written(store.sign_in(school, id, &back, &plan.changes))?;
            Ok(SignOutOutcome {
                id,
                name,
                out,
                back: Some(back),
                effects: plan.effects,
            })
        })
    }

    /// The office's day: today's registers not yet taken, the open missing-pupil alerts, and the
    /// pupils signed out and not back.
    pub fn office_day(&self, actor: &Actor) -> Result<OfficeDay, Refusal> {
        actor.require(Permission::OfficeDesk)?;
        let not_taken = self.registers_not_taken_today(actor)?;
        let now = self.now();
        let (missing, out_now) = self.reading(|store| {
            let school = school_of(store, actor)?;
            let missing = if actor.require(Permission::MissingPupils).is_ok() {
                let open: Vec<_> = store
                    .missing_alerts(school, None)?
                    .into_iter()
                    .filter(StoredMissingAlert::is_open)
                    .collect();
                alert_views(store, actor, school, open)?
            } else {
                Vec::new()
            };
            let mut out_now = if actor.require(Permission::SignOut).is_ok() {
                today_list(store, actor, school, now.date())?
            } else {
                Vec::new()
            };
            out_now.retain(|o| o.back.is_none());
            Ok::<_, Refusal>((missing, out_now))
        })?;
        Ok(OfficeDay {
            not_taken,
            missing,
            out_now,
        })
    }

    /// The missing pupils of the actor's reach: open alerts, those closed in the last
    /// [`RECENT_DAYS`] days, and the pupils on roll today who match `query`, to report one.
    pub fn missing_board(&self, actor: &Actor, query: &str) -> Result<MissingBoard, Refusal> {
        actor.require(Permission::MissingPupils)?;
        let now = self.now();
        self.reading(|store| {
            let school = school_of(store, actor)?;
            let all = store.missing_alerts(school, None)?;
            let since = now
                .date()
                .checked_sub_days(chrono::Days::new(RECENT_DAYS))
                .unwrap_or(Date::MIN);
            let (open, closed): (Vec<_>, Vec<_>) = all.into_iter().partition(|a| a.is_open());
            let open = alert_views(store, actor, school, open)?;
            let mut closed: Vec<_> = alert_views(store, actor, school, closed)?
                .into_iter()
                .filter(|a| a.date >= since)
                .collect();
            closed.reverse();
            let found = search(store, actor, school, query, now.date())?;
            Ok(MissingBoard {
                now,
                open,
                closed,
                found,
            })
        })
    }

    /// Reports a pupil missing in school: when they were found to be missing (`HH:MM` today;
    /// now when empty), who noticed, and where they were last seen. Opens an alert with the
    /// search's checklist. The alert is never held up for want of a mark: the register and any
    /// sign-out of the day are shown beside it.
    pub fn report_missing(
        &self,
        actor: &Actor,
        input: &MissingInput,
    ) -> Result<MissingAlertView, Refusal> {
        actor.require(Permission::MissingPupils)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let pupil = reached_pupil(store, actor, school, &input.upn)?;
            let mut problems = Vec::new();
            let today = now.date();
            let time = time_not_after(
                &input.time,
                today,
                now,
                "the pupil was found missing",
                &mut problems,
            );
            if input.noticed_by.trim().is_empty() {
                problems.push(Problem::general(
                    "say who noticed that the pupil is missing",
                ));
            }
            if input.last_seen.trim().is_empty() {
                problems.push(Problem::general(
                    "say where and when the pupil was last seen",
                ));
            }
            if !pupil.pupil.on_roll(today) {
                problems.push(Problem::general(reg_not_on_roll(&pupil, today)));
            }
            let open = store
                .missing_alerts(school, Some(pupil.id))?
                .into_iter()
                .any(|a| a.is_open());
            if open {
                problems.push(Problem::general(format!(
                    "{} is already reported missing: add to the open alert",
                    full_name(&pupil.pupil)
                )));
            }
            let (Some(time), true) = (time, problems.is_empty()) else {
                return Err(Refusal::Invalid(problems));
            };
            let report = MissingReport {
                pupil: pupil.id,
                noticed_at: instant_of_school_time(today.and_time(time)),
                noticed_by: input.noticed_by.trim().to_owned(),
                last_seen: input.last_seen.trim().to_owned(),
                recorded: actor.recorded_at(now),
            };
            let id = written(store.open_missing_alert(school, &report))?;
            reached_alert(store, actor, school, &id.to_string())
        })
    }

    /// One missing-pupil alert, with its checklist and timeline.
    pub fn missing_alert(&self, actor: &Actor, id: &str) -> Result<MissingAlertView, Refusal> {
        actor.require(Permission::MissingPupils)?;
        self.reading(|store| {
            let school = school_of(store, actor)?;
            reached_alert(store, actor, school, id)
        })
    }

    /// Records a step of the search for a missing pupil: what, when (`HH:MM`, today unless a
    /// date is given; now when empty), and a note (needed for where the pupil was found, or why
    /// the alert closes). Never before the pupil was noticed missing, nor later than now; never on
    /// a closed alert.
    pub fn record_missing_step(
        &self,
        actor: &Actor,
        id: &str,
        input: &StepInput,
    ) -> Result<MissingAlertView, Refusal> {
        actor.require(Permission::MissingPupils)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let alert = reached_alert(store, actor, school, id)?;
            if !alert.open {
                return Err(Refusal::invalid(format!(
                    "the alert for {} is closed: report the pupil missing again if they are",
                    full_name(&alert.pupil.pupil)
                )));
            }
            let mut problems = Vec::new();
            let step = MissingStep::parse(&input.step);
            if step.is_none() {
                problems.push(Problem::general("choose the step to record"));
            }
            let date = match input.date.trim() {
                "" => Some(now.date()),
                d => match reg::parse_day(d) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        problems.extend(e.problems().iter().cloned());
                        None
                    }
                },
            };
            let time = date
                .and_then(|d| time_not_after(&input.time, d, now, "of this step", &mut problems));
            let note = input.note.trim();
            if let Some(needed) = step.and_then(note_required) {
                if note.is_empty() {
                    problems.push(Problem::general(needed));
                }
            }
            let at = match (date, time) {
                (Some(d), Some(t)) => Some(instant_of_school_time(d.and_time(t))),
                _ => None,
            };
            if let Some(at) = at {
                if at < alert.report.noticed_at {
                    problems.push(Problem::general(format!(
                        "the step's time ({}) is before the pupil was found missing ({})",
                        rollcall_core::dates::school_time(at).format("%Y-%m-%d %H:%M"),
                        rollcall_core::dates::school_time(alert.report.noticed_at)
                            .format("%Y-%m-%d %H:%M")
                    )));
                }
            }
            let (Some(step), Some(at), true) = (step, at, problems.is_empty()) else {
                return Err(Refusal::Invalid(problems));
            };
            let entry = MissingEntry {
                step,
                at,
                note: note.to_owned(),
                recorded: actor.recorded_at(now),
            };
            written(store.add_missing_step(school, alert.id, &entry))?;
            reached_alert(store, actor, school, &alert.id.to_string())
        })
    }

    /// A pupil's traveller records and their attendances in the twelve months to today against
    /// the 200 of s444(6).
    pub fn travel(&self, actor: &Actor, upn: &str) -> Result<TravelPage, Refusal> {
        actor.require(Permission::Travellers)?;
        let now = self.now();
        self.reading(|store| {
            let school = school_of(store, actor)?;
            let pupil = reached_pupil(store, actor, school, upn)?;
            travel_page(store, school, pupil, now.date())
        })
    }

    /// Adds a traveller record, or changes one (by its id): the first day of travelling, the
    /// last if known, where the family is, any school the pupil is also registered at, notes.
    pub fn save_travel(
        &self,
        actor: &Actor,
        upn: &str,
        input: &TravelInput,
    ) -> Result<TravelPage, Refusal> {
        actor.require(Permission::Travellers)?;
        let now = self.now();
        self.with_store(|store| {
            let school = school_of(store, actor)?;
            let pupil = reached_pupil(store, actor, school, upn)?;
            let mut problems = Vec::new();
            let id = match input.id.trim() {
                "" => None,
                text => match parse_id(text, "traveller record") {
                    Ok(id) => Some(id),
                    Err(e) => {
                        problems.extend(e.problems().iter().cloned());
                        None
                    }
                },
            };
            let day = |text: &str, what: &str, problems: &mut Vec<Problem>| -> Option<Date> {
                match reg::parse_day(text) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        problems.push(Problem::general(format!("{what}: {e}")));
                        None
                    }
                }
            };
            let from = match input.from.trim() {
                "" => {
                    problems.push(Problem::general("give the first day of travelling"));
                    None
                }
                d => day(d, "first day", &mut problems),
            };
            let to = match input.to.trim() {
                "" => None,
                d => day(d, "last day", &mut problems),
            };
            if let (Some(f), Some(t)) = (from, to) {
                if t < f {
                    problems.push(Problem::general(format!(
                        "the last day ({t}) is before the first ({f})"
                    )));
                }
            }
            if input.whereabouts.trim().is_empty() {
                problems.push(Problem::general("say where the family is, or is going"));
            }
            if let Some(id) = id {
                let theirs = store
                    .travel_records(school, Some(pupil.id))?
                    .iter()
                    .any(|r| r.id == id);
                if !theirs {
                    problems.push(Problem::general(format!(
                        "{} has no traveller record {id}",
                        full_name(&pupil.pupil)
                    )));
                }
            }
            let (Some(from), true) = (from, problems.is_empty()) else {
                return Err(Refusal::Invalid(problems));
            };
            let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
            let record = TravelRecord {
                pupil: pupil.id,
                from,
                to,
                whereabouts: input.whereabouts.trim().to_owned(),
                dual_school: optional(&input.dual_school),
                notes: input.notes.trim().to_owned(),
                recorded: actor.recorded_at(now),
            };
            written(store.save_travel(school, id, &record))?;
            travel_page(store, school, pupil, now.date())
        })
    }
}

fn reg_not_on_roll(p: &StoredPupil, date: Date) -> String {
    let left = p
        .pupil
        .leaving_date
        .map_or_else(String::new, |d| format!(", left {d}"));
    format!(
        "{} is not on roll on {date} (admitted {}{left})",
        full_name(&p.pupil),
        p.pupil.admission_date
    )
}

/// A pupil's traveller records and their standing as of `today`.
pub(crate) fn travel_page(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: StoredPupil,
    today: Date,
) -> Result<TravelPage, Refusal> {
    let records = store.travel_records(school, Some(pupil.id))?;
    let standing = standing_of(store, school, &pupil, today)?;
    Ok(TravelPage {
        pupil,
        records,
        standing,
    })
}

/// A pupil's attendances in the twelve months to `today`.
pub(crate) fn standing_of(
    store: &mut dyn Store,
    school: SchoolId,
    pupil: &StoredPupil,
    today: Date,
) -> Result<AttendanceStanding, StoreError> {
    let from = crate::day::travel::twelve_months_to(today);
    let marks = store.pupil_marks(school, pupil.id, DateRange::between(from, today))?;
    Ok(attendance_standing(pupil.pupil.dob, today, &marks))
}
