//! A pupil's record: their register grid, figures and findings.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use rollcall_core::dates::week_start;
use rollcall_core::marks::{MarkEntry, MarkFact, Recorded};
use rollcall_core::stats::Counts;
use rollcall_core::{BaseCode, Calendar, Date, NotSchoolSession, Pupil, Session};
use rollcall_rules::{Finding, Rule};
use rollcall_store::{
    Contact, PupilId, PupilMarkFact, School, Store, StoredAmendment, StoredPupil,
};

use crate::alerts::{alerts, AlertQuery};
use crate::error::Result;
use crate::registers::{calls_about, RecordedCall};
use crate::reports::compute_pupil_stats;

use super::day::{sign_out_lines, traveller_view, SignOutLine, TravellerView};
use super::{facts, within, Period};

/// One session in a pupil's register grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GridCell {
    /// A school session while on roll, with its mark.
    Marked(BaseCode),
    /// A school session while on roll with no mark.
    Unmarked,
    /// A session of today whose register has not closed yet, with no mark so far.
    Pending,
    /// Not a school session for the pupil: a holiday or a closure.
    NoSession(NotSchoolSession),
    /// A school session outside the pupil's time on roll.
    NotOnRoll,
    /// After the end of the period (later this week).
    Later,
}

impl GridCell {
    /// Whether the cell is a school session of the pupil's, counted in their figures (marked or
    /// not).
    pub fn is_session(&self) -> bool {
        matches!(
            self,
            GridCell::Marked(_) | GridCell::Unmarked | GridCell::Pending
        )
    }
}

/// One school week of a pupil's register, Monday to Friday, AM and PM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridWeek {
    pub monday: Date,
    /// Monday to Friday, each `[AM, PM]`.
    pub days: Vec<[GridCell; 2]>,
}

/// A pupil's register over `period`, one row per school week (weeks with no school session for
/// the pupil while on roll are left out). `still_open` are the sessions of the period's last day
/// whose register has not closed yet.
pub fn register_grid(
    calendar: &Calendar,
    pupil: &Pupil,
    marks: &[MarkFact],
    period: Period,
    still_open: &[Session],
) -> Vec<GridWeek> {
    let by_session: HashMap<(Date, Session), BaseCode> = marks
        .iter()
        .map(|m| ((m.date, m.session), m.code))
        .collect();
    let mut weeks = Vec::new();
    let mut monday = week_start(period.from);
    while monday <= period.to {
        let mut days = Vec::with_capacity(5);
        for offset in 0..5u64 {
            let date = monday + chrono::Days::new(offset);
            let cell = |session: Session| -> GridCell {
                if date > period.to {
                    return GridCell::Later;
                }
                if let Err(why) = calendar.check_session(date, session, pupil.year_group) {
                    return GridCell::NoSession(why);
                }
                if date < period.from || !pupil.on_roll(date) {
                    return GridCell::NotOnRoll;
                }
                match by_session.get(&(date, session)) {
                    Some(code) => GridCell::Marked(*code),
                    None if date == period.to && still_open.contains(&session) => GridCell::Pending,
                    None => GridCell::Unmarked,
                }
            };
            days.push([cell(Session::Am), cell(Session::Pm)]);
        }
        if days.iter().flatten().any(GridCell::is_session) {
            weeks.push(GridWeek { monday, days });
        }
        monday = monday + chrono::Days::new(7);
    }
    weeks
}

/// A pupil's counts over a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    pub period: Period,
    pub counts: Counts,
}

/// Who reads a pupil's record, which decides what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Staff: the school's casework (alerts and contacts) too, and who recorded each mark.
    Staff,
    /// A parent: the register, its figures and its changes, with the role (never the name) of
    /// whoever made them. Alerts are the school's casework, and contacts are other people's
    /// details (in a separated family, the other parent's): neither is even read.
    Parent,
}

/// Who recorded a mark or a change and when: the person's name only for staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    /// `None` for a parent.
    pub by: Option<String>,
    /// Their role, as the audit trail has it ("office", "form tutor").
    pub role: String,
    pub at: DateTime<Utc>,
}

impl Attribution {
    pub fn of(recorded: Recorded, reader: Reader) -> Attribution {
        Attribution {
            by: (reader == Reader::Staff).then_some(recorded.by),
            role: recorded.role,
            at: recorded.at,
        }
    }

    /// When, as the register's files and the API write a moment (RFC 3339, UTC).
    pub fn timestamp(&self) -> String {
        rollcall_store::format_timestamp(&self.at)
    }
}

/// A change to a mark, as the record shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    pub date: Date,
    pub session: Session,
    pub original: MarkEntry,
    /// Who first recorded the mark.
    pub original_recorded: Attribution,
    pub amended: MarkEntry,
    pub reason: String,
    /// Who changed it.
    pub recorded: Attribution,
}

impl Amendment {
    fn of(a: StoredAmendment, reader: Reader) -> Amendment {
        Amendment {
            date: a.date,
            session: a.session,
            original: a.original,
            original_recorded: Attribution::of(a.original_recorded, reader),
            amended: a.amended,
            reason: a.reason,
            recorded: Attribution::of(a.recorded, reader),
        }
    }
}

/// Everything on a pupil's record, for one reader.
#[derive(Debug, Clone)]
pub struct PupilRecord {
    pub reader: Reader,
    pub pupil: Pupil,
    pub year: Figures,
    /// This half term so far (or, in a holiday, the last half term), with its name.
    pub half_term: Option<(String, Figures)>,
    pub weeks: Vec<GridWeek>,
    /// The findings for the pupil dated in this academic year, every rule; `None` for a parent.
    pub alerts: Option<Vec<Finding>>,
    /// Oldest first.
    pub amendments: Vec<Amendment>,
    /// `None` for a parent.
    pub contacts: Option<Vec<Contact>>,
    /// The parents' calls recorded about the pupil this academic year, the newest first; `None`
    /// for a parent (who called, and what they said, may be another family member's).
    pub calls: Option<Vec<RecordedCall>>,
    /// The times the pupil was signed out this year, latest first; a parent sees the times only.
    pub sign_outs: Vec<SignOutLine>,
    /// For staff, a traveller child's attendances against s444(6), when the pupil has a
    /// traveller record or a `T` in the twelve months; `None` otherwise, and for a parent.
    pub traveller: Option<TravellerView>,
}

/// One pupil's counts over a period, without today's registers still open at `now`.
fn counts_of(
    calendar: &Calendar,
    pupil: &StoredPupil,
    facts: &[PupilMarkFact],
    period: Period,
    school: &School,
    now: NaiveDateTime,
) -> Counts {
    let facts = within(facts, period);
    let mut stats = compute_pupil_stats(
        calendar,
        vec![pupil.clone()],
        facts.clone(),
        period.from,
        period.to,
    );
    settle_today(
        calendar,
        school,
        now,
        std::slice::from_ref(pupil),
        &facts,
        period,
        &mut stats,
    );
    stats.into_iter().next().map(|(_, c)| c).unwrap_or_default()
}

/// A register whose session has not closed yet at `now` cannot be "not taken": those findings
/// are left out until it closes.
fn register_still_open(f: &Finding, school: &School, now: NaiveDateTime) -> bool {
    if f.rule != Rule::RegisterNotTaken || f.date < now.date() {
        return false;
    }
    if f.date > now.date() {
        return true;
    }
    match (school.register_times, f.session) {
        (Some(times), Some(s)) => now.time() < times.closes(s),
        _ => false,
    }
}

/// Today's sessions whose register has not closed at `now`. A school session among them without a
/// mark is still to be taken, not missing. Without register times, none.
pub fn sessions_still_open(school: &School, now: NaiveDateTime) -> Vec<Session> {
    match school.register_times {
        Some(t) => Session::BOTH
            .into_iter()
            .filter(|s| now.time() < t.closes(*s))
            .collect(),
        None => Vec::new(),
    }
}

/// Takes out of each pupil's unmarked sessions those of today whose register is still open, so
/// that "unmarked" means a register closed without a mark. Nothing else in the counts changes.
pub(super) fn settle_today(
    calendar: &Calendar,
    school: &School,
    now: NaiveDateTime,
    pupils: &[StoredPupil],
    facts: &[PupilMarkFact],
    period: Period,
    stats: &mut [(Pupil, Counts)],
) {
    let today = now.date();
    let open = sessions_still_open(school, now);
    if open.is_empty() || !period.contains(today) {
        return;
    }
    let marked: std::collections::HashSet<(PupilId, Session)> = facts
        .iter()
        .filter(|f| f.fact.date == today)
        .map(|f| (f.pupil, f.fact.session))
        .collect();
    let ids: HashMap<&str, PupilId> = pupils
        .iter()
        .map(|p| (p.pupil.upn.as_str(), p.id))
        .collect();
    for (pupil, counts) in stats.iter_mut() {
        let Some(&id) = ids.get(pupil.upn.as_str()) else {
            continue;
        };
        if !pupil.on_roll(today) {
            continue;
        }
        let pending = open
            .iter()
            .filter(|s| {
                calendar.is_school_session(today, **s, pupil.year_group)
                    && !marked.contains(&(id, **s))
            })
            .count();
        counts.unmarked = counts
            .unmarked
            .saturating_sub(u32::try_from(pending).unwrap_or(0));
    }
}

/// The findings of a school dated in the academic year of `as_of`, up to `as_of`, without the
/// "register not taken" findings of registers still open at `now`.
pub fn findings(
    store: &mut dyn Store,
    school: &School,
    as_of: Date,
    now: NaiveDateTime,
    query: &AlertQuery,
) -> Result<Vec<Finding>> {
    let mut found = alerts(store, school.id, as_of, query)?;
    found.retain(|f| !register_still_open(f, school, now));
    Ok(found)
}

/// A pupil's record as of `now` (the school's local time) for `reader`: figures for the year and
/// the half term to date (today's registers still open are not counted as unmarked), the register
/// grid for the year to date and its amendments, and for staff alerts, contacts and the parents'
/// calls recorded this year.
pub fn pupil_record(
    store: &mut dyn Store,
    school: &School,
    pupil: StoredPupil,
    now: NaiveDateTime,
    reader: Reader,
) -> Result<PupilRecord> {
    let today = now.date();
    let calendar = store.calendar(school.id)?;
    let year = Period::year_to_date(today);
    let mut all = facts(store, school, year)?;
    all.retain(|f| f.pupil == pupil.id);
    let marks: Vec<MarkFact> = all.iter().map(|f| f.fact).collect();
    let year_figures = Figures {
        period: year,
        counts: counts_of(&calendar, &pupil, &all, year, school, now),
    };
    let half_term = Period::half_term_to_date(&calendar, today).map(|(name, period)| {
        (
            name,
            Figures {
                period,
                counts: counts_of(&calendar, &pupil, &all, period, school, now),
            },
        )
    });
    let still_open = sessions_still_open(school, now);
    let weeks = register_grid(&calendar, &pupil.pupil, &marks, year, &still_open);
    let sign_outs = sign_out_lines(store, school.id, pupil.id, year, reader)?;
    let traveller = match reader {
        Reader::Parent => None,
        Reader::Staff => traveller_view(store, school.id, &pupil, today)?,
    };
    let (alerts, contacts, calls) = match reader {
        Reader::Parent => (None, None, None),
        Reader::Staff => {
            let query = AlertQuery {
                all_rules: true,
                upn: Some(pupil.pupil.upn.to_string()),
                rule: None,
            };
            (
                Some(findings(store, school, today, now, &query)?),
                Some(store.contacts(school.id, pupil.id)?),
                Some(calls_about(store, school.id, pupil.id, year.from)?),
            )
        }
    };
    let amendments = store
        .amendments(school.id, Some(pupil.id))?
        .into_iter()
        .map(|a| Amendment::of(a, reader))
        .collect();
    Ok(PupilRecord {
        reader,
        pupil: pupil.pupil,
        year: year_figures,
        half_term,
        weeks,
        alerts,
        amendments,
        contacts,
        calls,
        sign_outs,
        traveller,
    })
}

/// Each pupil of `pupils` with their counts for the year to date as of `now`, counted as on their
/// record (today's registers still open are not counted as unmarked), in the order given.
pub fn year_figures(
    store: &mut dyn Store,
    school: &School,
    pupils: Vec<StoredPupil>,
    now: NaiveDateTime,
) -> Result<Vec<(StoredPupil, Counts)>> {
    let today = now.date();
    let calendar = store.calendar(school.id)?;
    let year = Period::year_to_date(today);
    let ids: std::collections::HashSet<_> = pupils.iter().map(|p| p.id).collect();
    let mut all = facts(store, school, year)?;
    all.retain(|f| ids.contains(&f.pupil));
    Ok(pupils
        .into_iter()
        .map(|p| {
            let c = counts_of(&calendar, &p, &all, year, school, now);
            (p, c)
        })
        .collect())
}
