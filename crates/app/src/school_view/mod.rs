//! What the school's own pages show: a pupil's record, the overview of the day, the week and the
//! year, lists of pupils behind a figure, and the governors' figures.
//!
//! Everything here loads a school's marks once (`mark_facts`) and counts them in
//! `rollcall-core`; rates and thresholds come from [`Counts`] and [`GroupStats`], never from a
//! rounded percentage. Who may see which pupils is decided by the caller, which passes the pupils
//! it may show as a `keep` predicate: nothing here knows roles.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDateTime};
use rollcall_core::dates::{academic_year, academic_year_start, week_start};
use rollcall_core::marks::MarkFact;
use rollcall_core::stats::{Counts, GroupStats};
use rollcall_core::{
    BaseCode, Calendar, Category, Date, NotSchoolSession, Percent, Pupil, Sen, Session, Sex,
    YearGroup,
};
use rollcall_rules::{Finding, Rule};
use rollcall_store::{
    Contact, DateRange, PupilId, PupilMarkFact, School, Store, StoredAmendment, StoredPupil,
};

use crate::alerts::{alerts, AlertQuery};
use crate::error::Result;
use crate::reports::{compute_pupil_stats, group_stats, GroupField};
use crate::table::Cell;

/// Groups of fewer pupils than this are never shown to governors, so that no pupil can be picked
/// out of a figure.
pub const SMALLEST_GROUP: u32 = 5;

/// A period of dates, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    /// From 1 September of the academic year of `today` to `today`.
    pub fn year_to_date(today: Date) -> Period {
        Period {
            from: academic_year_start(academic_year(today)),
            to: today,
        }
    }

    /// From the Monday of this week to `today`.
    pub fn week_to_date(today: Date) -> Period {
        Period {
            from: week_start(today),
            to: today,
        }
    }

    pub fn day(today: Date) -> Period {
        Period {
            from: today,
            to: today,
        }
    }

    /// The half term `today` falls in, up to `today`; in a holiday, the last half term before it.
    pub fn half_term_to_date(calendar: &Calendar, today: Date) -> Option<(String, Period)> {
        if let Some(h) = calendar.half_term(today) {
            return Some((
                h.name.clone(),
                Period {
                    from: h.start,
                    to: today,
                },
            ));
        }
        calendar
            .half_terms()
            .iter()
            .rev()
            .find(|h| h.end < today && academic_year(h.end) == academic_year(today))
            .map(|h| {
                (
                    h.name.clone(),
                    Period {
                        from: h.start,
                        to: h.end,
                    },
                )
            })
    }

    fn range(self) -> DateRange {
        DateRange::between(self.from, self.to)
    }

    fn contains(self, date: Date) -> bool {
        self.from <= date && date <= self.to
    }
}

/// The attendance order of two pupils' counts, lowest attendance first, compared exactly (by
/// cross-multiplying whole session counts, never on a rounded percentage). Counts with no
/// possible session come last.
pub fn by_attendance(a: &Counts, b: &Counts) -> Ordering {
    match (a.possible, b.possible) {
        (0, 0) => Ordering::Equal,
        (0, _) => Ordering::Greater,
        (_, 0) => Ordering::Less,
        (pa, pb) => {
            let left = u64::from(a.present + a.aea) * u64::from(pb);
            let right = u64::from(b.present + b.aea) * u64::from(pa);
            left.cmp(&right)
        }
    }
}

/// The school's marks for a period, lean, grouped by nothing yet.
fn facts(store: &mut dyn Store, school: &School, period: Period) -> Result<Vec<PupilMarkFact>> {
    Ok(store.mark_facts(school.id, period.range())?)
}

fn within(facts: &[PupilMarkFact], period: Period) -> Vec<PupilMarkFact> {
    facts
        .iter()
        .filter(|f| period.contains(f.fact.date))
        .copied()
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A pupil's record

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

/// Everything on a pupil's record.
#[derive(Debug, Clone)]
pub struct PupilRecord {
    pub pupil: StoredPupil,
    pub year: Figures,
    /// This half term so far (or, in a holiday, the last half term), with its name.
    pub half_term: Option<(String, Figures)>,
    pub weeks: Vec<GridWeek>,
    /// The findings for the pupil dated in this academic year, every rule.
    pub alerts: Vec<Finding>,
    pub amendments: Vec<StoredAmendment>,
    pub contacts: Vec<Contact>,
}

/// One pupil's counts over a period; with `now`, without today's registers still open.
fn counts_of(
    calendar: &Calendar,
    pupil: &StoredPupil,
    facts: &[PupilMarkFact],
    period: Period,
    now: Option<(&School, NaiveDateTime)>,
) -> Counts {
    let facts = within(facts, period);
    let mut stats = compute_pupil_stats(
        calendar,
        vec![pupil.clone()],
        facts.clone(),
        period.from,
        period.to,
    );
    if let Some((school, now)) = now {
        settle_today(
            calendar,
            school,
            now,
            std::slice::from_ref(pupil),
            &facts,
            period,
            &mut stats,
        );
    }
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
fn settle_today(
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

/// The findings of a school dated in the academic year of `now`, up to `now`, without the
/// "register not taken" findings of registers still open.
pub fn findings(
    store: &mut dyn Store,
    school: &School,
    now: NaiveDateTime,
    query: &AlertQuery,
) -> Result<Vec<Finding>> {
    let mut found = alerts(store, school.id, now.date(), query)?;
    found.retain(|f| !register_still_open(f, school, now));
    Ok(found)
}

/// A pupil's record as of `now` (the school's local time): figures for the year and the half term
/// to date, the register grid for the year to date, alerts, amendments and contacts.
pub fn pupil_record(
    store: &mut dyn Store,
    school: &School,
    pupil: StoredPupil,
    now: NaiveDateTime,
) -> Result<PupilRecord> {
    let today = now.date();
    let calendar = store.calendar(school.id)?;
    let year = Period::year_to_date(today);
    let mut all = facts(store, school, year)?;
    all.retain(|f| f.pupil == pupil.id);
    let marks: Vec<MarkFact> = all.iter().map(|f| f.fact).collect();
    let year_figures = Figures {
        period: year,
        counts: counts_of(&calendar, &pupil, &all, year, Some((school, now))),
    };
    let half_term = Period::half_term_to_date(&calendar, today).map(|(name, period)| {
        (
            name,
            Figures {
                period,
                counts: counts_of(&calendar, &pupil, &all, period, Some((school, now))),
            },
        )
    });
    let still_open = sessions_still_open(school, now);
    let weeks = register_grid(&calendar, &pupil.pupil, &marks, year, &still_open);
    let query = AlertQuery {
        all_rules: true,
        upn: Some(pupil.pupil.upn.to_string()),
        rule: None,
    };
    let alerts = findings(store, school, now, &query)?;
    let amendments = store.amendments(school.id, Some(pupil.id))?;
    let contacts = store.contacts(school.id, pupil.id)?;
    Ok(PupilRecord {
        pupil,
        year: year_figures,
        half_term,
        weeks,
        alerts,
        amendments,
        contacts,
    })
}

/// Each pupil of `pupils` with their counts for the year to date, in the order given.
pub fn year_figures(
    store: &mut dyn Store,
    school: &School,
    pupils: Vec<StoredPupil>,
    today: Date,
) -> Result<Vec<(StoredPupil, Counts)>> {
    let calendar = store.calendar(school.id)?;
    let year = Period::year_to_date(today);
    let ids: std::collections::HashSet<_> = pupils.iter().map(|p| p.id).collect();
    let mut all = facts(store, school, year)?;
    all.retain(|f| ids.contains(&f.pupil));
    Ok(pupils
        .into_iter()
        .map(|p| {
            let c = counts_of(&calendar, &p, &all, year, None);
            (p, c)
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// The overview

/// Today's register for one session, over the pupils shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionTally {
    /// Pupils for whom the session is a school session while on roll.
    pub expected: u32,
    pub present: u32,
    pub aea: u32,
    pub authorised: u32,
    pub unauthorised: u32,
    pub not_possible: u32,
    pub unmarked: u32,
}

impl SessionTally {
    pub fn absent(&self) -> u32 {
        self.authorised + self.unauthorised
    }
    pub fn marked(&self) -> u32 {
        self.expected - self.unmarked
    }
}

/// A group's figures for the week and the year to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewRow {
    /// The year group or form, as written in a query (`9`, `9B`); empty for pupils without one.
    pub key: String,
    pub week: GroupStats,
    pub year: GroupStats,
}

#[derive(Debug, Clone)]
pub struct Overview {
    pub today: Date,
    /// Today's AM and PM registers so far.
    pub sessions: [(Session, SessionTally); 2],
    pub week: Period,
    pub year: Period,
    pub total: OverviewRow,
    pub by_year: Vec<OverviewRow>,
    pub by_form: Vec<OverviewRow>,
}

fn group_rows<K: Ord + Clone>(
    week: &[(Pupil, Counts)],
    year: &[(Pupil, Counts)],
    key: impl Fn(&Pupil) -> K,
    label: impl Fn(&K) -> String,
) -> Vec<OverviewRow> {
    let mut groups: BTreeMap<K, (GroupStats, GroupStats)> = BTreeMap::new();
    for (p, c) in year {
        groups.entry(key(p)).or_default().1.add(c);
    }
    for (p, c) in week {
        groups.entry(key(p)).or_default().0.add(c);
    }
    groups
        .into_iter()
        .map(|(k, (week, year))| OverviewRow {
            key: label(&k),
            week,
            year,
        })
        .collect()
}

/// The school's registers today, this week and this year so far, for the pupils `keep` admits.
pub fn overview(
    store: &mut dyn Store,
    school: &School,
    now: NaiveDateTime,
    keep: &dyn Fn(&StoredPupil) -> bool,
) -> Result<Overview> {
    let today = now.date();
    let calendar = store.calendar(school.id)?;
    let pupils: Vec<StoredPupil> = store
        .pupils(school.id)?
        .into_iter()
        .filter(|p| keep(p))
        .collect();
    let year = Period::year_to_date(today);
    let week = Period::week_to_date(today).clamped_to(year);
    let all = facts(store, school, year)?;
    let mut year_stats =
        compute_pupil_stats(&calendar, pupils.clone(), all.clone(), year.from, year.to);
    let mut week_stats = compute_pupil_stats(
        &calendar,
        pupils.clone(),
        within(&all, week),
        week.from,
        week.to,
    );
    settle_today(&calendar, school, now, &pupils, &all, year, &mut year_stats);
    settle_today(&calendar, school, now, &pupils, &all, week, &mut week_stats);

    // Today: each pupil's mark for each session, if the session is one of theirs.
    let todays: HashMap<(PupilId, Session), BaseCode> = all
        .iter()
        .filter(|f| f.fact.date == today)
        .map(|f| ((f.pupil, f.fact.session), f.fact.code))
        .collect();
    let mut sessions = [
        (Session::Am, SessionTally::default()),
        (Session::Pm, SessionTally::default()),
    ];
    for p in &pupils {
        if !p.pupil.on_roll(today) {
            continue;
        }
        for (session, tally) in &mut sessions {
            if !calendar.is_school_session(today, *session, p.pupil.year_group) {
                continue;
            }
            tally.expected += 1;
            match todays.get(&(p.id, *session)).map(|c| c.category()) {
                None => tally.unmarked += 1,
                Some(Category::Present) => tally.present += 1,
                Some(Category::Aea) => tally.aea += 1,
                Some(Category::Authorised) => tally.authorised += 1,
                Some(Category::Unauthorised) => tally.unauthorised += 1,
                Some(Category::NotPossible | Category::Administrative) => tally.not_possible += 1,
            }
        }
    }

    let total = group_rows(&week_stats, &year_stats, |_| (), |()| String::new())
        .into_iter()
        .next()
        .unwrap_or(OverviewRow {
            key: String::new(),
            week: GroupStats::default(),
            year: GroupStats::default(),
        });
    let by_year = group_rows(
        &week_stats,
        &year_stats,
        |p| p.year_group,
        |y| y.to_string(),
    );
    let by_form = group_rows(
        &week_stats,
        &year_stats,
        |p| (p.year_group, form_order(p.form.as_deref())),
        |(_, f)| f.1.clone(),
    );
    Ok(Overview {
        today,
        sessions,
        week,
        year,
        total,
        by_year,
        by_form,
    })
}

/// Forms in the order a school lists them: by year group, then by name (pupils without a form
/// last).
fn form_order(form: Option<&str>) -> (bool, String) {
    (form.is_none(), form.unwrap_or_default().to_owned())
}

impl Period {
    fn clamped_to(self, outer: Period) -> Period {
        Period {
            from: self.from.max(outer.from),
            to: self.to.min(outer.to),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lists of pupils behind a figure

/// Characteristics to pick pupils by; `None` admits any value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PupilFilter {
    pub year_group: Option<YearGroup>,
    pub form: Option<String>,
    pub sex: Option<Sex>,
    pub fsm: Option<bool>,
    pub pupil_premium: Option<bool>,
    pub sen: Option<Sen>,
    pub looked_after: Option<bool>,
    pub social_worker: Option<bool>,
    pub eal: Option<bool>,
    pub young_carer: Option<bool>,
    pub ethnicity: Option<String>,
}

impl PupilFilter {
    pub fn matches(&self, p: &Pupil) -> bool {
        fn ok<T: PartialEq>(want: &Option<T>, have: T) -> bool {
            want.as_ref().is_none_or(|w| *w == have)
        }
        ok(&self.year_group, p.year_group)
            && self
                .form
                .as_ref()
                .is_none_or(|f| p.form.as_deref() == Some(f.as_str()))
            && self.sex.is_none_or(|s| p.sex == Some(s))
            && ok(&self.fsm, p.fsm)
            && ok(&self.pupil_premium, p.pupil_premium)
            && ok(&self.sen, p.sen)
            && ok(&self.looked_after, p.looked_after)
            && ok(&self.social_worker, p.social_worker)
            && ok(&self.eal, p.eal)
            && ok(&self.young_carer, p.young_carer)
            && self
                .ethnicity
                .as_ref()
                .is_none_or(|e| p.ethnicity.as_deref() == Some(e.as_str()))
    }
}

/// Which of the filtered pupils to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Only {
    /// Every pupil on roll in the period.
    #[default]
    All,
    /// Pupils with at least one session of absence (authorised or unauthorised) in the period.
    Absent,
    /// Pupils with at least one school session without a mark in the period.
    Unmarked,
    /// Persistent absence: 10 × absent ≥ possible.
    Persistent,
    /// Severe absence: 2 × absent ≥ possible.
    Severe,
}

impl Only {
    pub fn admits(self, c: &Counts) -> bool {
        match self {
            Only::All => true,
            Only::Absent => c.absent() > 0,
            Only::Unmarked => c.unmarked > 0,
            Only::Persistent => c.persistent_absence(),
            Only::Severe => c.severe_absence(),
        }
    }
}

/// The pupils behind a figure: the totals of every pupil matching the filter, and those of them
/// that `only` admits.
#[derive(Debug, Clone)]
pub struct PupilList {
    /// Every pupil `keep` admits that matches the filter and is on roll in the period.
    pub group: GroupStats,
    /// Those of them that `only` admits, lowest attendance first (then by name).
    pub pupils: Vec<(Pupil, Counts)>,
}

/// The pupils `keep` admits that match `filter` over `period`, with their counts as of `now`
/// (today's sessions whose register is still open are not counted as unmarked).
pub fn pupil_list(
    store: &mut dyn Store,
    school: &School,
    now: NaiveDateTime,
    period: Period,
    filter: &PupilFilter,
    only: Only,
    keep: &dyn Fn(&StoredPupil) -> bool,
) -> Result<PupilList> {
    let calendar = store.calendar(school.id)?;
    let pupils: Vec<StoredPupil> = store
        .pupils(school.id)?
        .into_iter()
        .filter(|p| keep(p) && filter.matches(&p.pupil))
        .collect();
    let all = facts(store, school, period)?;
    let mut stats = compute_pupil_stats(
        &calendar,
        pupils.clone(),
        all.clone(),
        period.from,
        period.to,
    );
    settle_today(&calendar, school, now, &pupils, &all, period, &mut stats);
    let mut group = GroupStats::default();
    for (_, c) in &stats {
        group.add(c);
    }
    let mut list: Vec<_> = stats.into_iter().filter(|(_, c)| only.admits(c)).collect();
    list.sort_by(|(pa, a), (pb, b)| {
        by_attendance(a, b)
            .then_with(|| (&pa.surname, &pa.forename).cmp(&(&pb.surname, &pb.forename)))
            .then_with(|| pa.upn.cmp(&pb.upn))
    });
    Ok(PupilList {
        group,
        pupils: list,
    })
}

// ---------------------------------------------------------------------------------------------
// Governors' figures

/// A group's figures, or only the fact that it is too small to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded {
    /// No pupil had a possible session (e.g. a month of holidays).
    Empty,
    /// Fewer than [`SMALLEST_GROUP`] pupils with a possible session: nothing is shown.
    Small,
    /// A larger group hidden as well, because the groups hidden for being small would otherwise
    /// be worked out from the whole school's figures less the groups shown.
    Withheld,
    Shown(GroupStats),
}

impl Guarded {
    pub fn of(g: GroupStats) -> Guarded {
        if g.pupils == 0 {
            Guarded::Empty
        } else if g.pupils < SMALLEST_GROUP {
            Guarded::Small
        } else {
            Guarded::Shown(g)
        }
    }
}

/// Guards the groups of one characteristic, which together make up a whole that is shown: hides
/// each group of fewer than [`SMALLEST_GROUP`] pupils and then, while the hidden groups together
/// hold fewer than [`SMALLEST_GROUP`] pupils, the smallest group still shown as well, so that no
/// small group's figures can be found by subtraction.
pub fn guard_groups(groups: Vec<(String, GroupStats)>) -> Vec<(String, Guarded)> {
    let mut hidden: Vec<bool> = groups
        .iter()
        .map(|(_, g)| g.pupils < SMALLEST_GROUP)
        .collect();
    loop {
        let total: u32 = groups
            .iter()
            .zip(&hidden)
            .filter(|(_, h)| **h)
            .map(|((_, g), _)| g.pupils)
            .sum();
        if total == 0 || total >= SMALLEST_GROUP {
            break;
        }
        let smallest = groups
            .iter()
            .enumerate()
            .filter(|(i, _)| !hidden[*i])
            .min_by_key(|(_, (_, g))| g.pupils)
            .map(|(i, _)| i);
        match smallest {
            Some(i) => hidden[i] = true,
            None => break,
        }
    }
    groups
        .into_iter()
        .zip(hidden)
        .map(|((label, g), h)| {
            let shown = match Guarded::of(g) {
                Guarded::Shown(_) if h => Guarded::Withheld,
                other => other,
            };
            (label, shown)
        })
        .collect()
}

/// The figures of the groups of one characteristic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    pub field: GroupField,
    /// What the characteristic is called, e.g. "Free school meals".
    pub title: &'static str,
    /// Each group's name for people, e.g. "Eligible", with its figures.
    pub rows: Vec<(String, Guarded)>,
}

/// One calendar month of the year so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    /// The first day of the month.
    pub month: Date,
    /// The part of the month in the year so far.
    pub period: Period,
    pub figures: Guarded,
}

/// Figures for governors: never a pupil's name or UPN, and no group of fewer than
/// [`SMALLEST_GROUP`] pupils.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GovernorFigures {
    pub year: Period,
    /// Every pupil on roll: the school's own figure.
    pub whole: Guarded,
    /// Pupils aged 5 to 15 on the 31 August before the year: the cohort national figures cover,
    /// to set beside them.
    pub national_cohort: Guarded,
    pub breakdowns: Vec<Breakdown>,
    pub months: Vec<Month>,
    /// The phase to compare with nationally: secondary when every pupil is in years 7 to 14,
    /// primary when every pupil is in years R to 6, else all schools.
    pub phase: Phase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Primary,
    Secondary,
    All,
}

fn title_of(field: GroupField) -> &'static str {
    match field {
        GroupField::YearGroup => "Year group",
        GroupField::Form => "Form",
        GroupField::Sex => "Sex",
        GroupField::Fsm => "Free school meals",
        GroupField::PupilPremium => "Pupil premium",
        GroupField::LookedAfter => "Looked after",
        GroupField::SocialWorker => "Has a social worker",
        GroupField::Eal => "English as an additional language",
        GroupField::YoungCarer => "Young carer",
        GroupField::Sen => "Special educational needs",
        GroupField::Ethnicity => "Ethnicity",
    }
}

fn group_label(field: GroupField, cell: &Cell) -> String {
    match (field, cell) {
        (GroupField::YearGroup, Cell::Text(t)) => format!("Year {t}"),
        (GroupField::Sex, Cell::Text(t)) if t == "F" => "Female".into(),
        (GroupField::Sex, Cell::Text(t)) if t == "M" => "Male".into(),
        (GroupField::Sen, Cell::Text(t)) if t == "N" => "No special educational needs".into(),
        (GroupField::Sen, Cell::Text(t)) if t == "K" => "SEN support".into(),
        (GroupField::Sen, Cell::Text(t)) if t == "E" => "Education, health and care plan".into(),
        (_, Cell::Bool(true)) => "Yes".into(),
        (_, Cell::Bool(false)) => "No".into(),
        (_, Cell::Text(t)) => t.clone(),
        (_, Cell::Null) => "Not recorded".into(),
        (_, Cell::Int(n)) => n.to_string(),
        (_, Cell::Pct(p)) => p.to_string(),
        (_, Cell::Rich(t, _)) => t.clone(),
    }
}

/// The characteristics governors see figures by.
pub const GOVERNOR_FIELDS: [GroupField; 10] = [
    GroupField::YearGroup,
    GroupField::Sex,
    GroupField::Fsm,
    GroupField::PupilPremium,
    GroupField::Sen,
    GroupField::LookedAfter,
    GroupField::SocialWorker,
    GroupField::Eal,
    GroupField::YoungCarer,
    GroupField::Ethnicity,
];

/// The whole school's figures for the year to date, by year group and characteristic, and
/// month by month.
pub fn governor_figures(
    store: &mut dyn Store,
    school: &School,
    today: Date,
) -> Result<GovernorFigures> {
    let calendar = store.calendar(school.id)?;
    let pupils = store.pupils(school.id)?;
    let year = Period::year_to_date(today);
    let all = facts(store, school, year)?;
    let phase = if pupils
        .iter()
        .all(|p| matches!(p.pupil.year_group, YearGroup::Year(7..=14)))
    {
        Phase::Secondary
    } else if pupils.iter().all(|p| {
        matches!(
            p.pupil.year_group,
            YearGroup::Reception | YearGroup::Year(1..=6)
        )
    }) {
        Phase::Primary
    } else {
        Phase::All
    };
    let mut months = Vec::new();
    let mut first = year.from;
    while first <= year.to {
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(year.to);
        let period = Period {
            from: first,
            to: next.pred_opt().unwrap_or(next).min(year.to),
        };
        let stats = compute_pupil_stats(
            &calendar,
            pupils.clone(),
            within(&all, period),
            period.from,
            period.to,
        );
        let whole = group_stats(&stats, &[]);
        let figures = Guarded::of(whole.first().map(|(_, g)| *g).unwrap_or_default());
        months.push(Month {
            month: first,
            period,
            figures,
        });
        if next <= first {
            break;
        }
        first = next;
    }
    let stats = compute_pupil_stats(&calendar, pupils, all, year.from, year.to);
    let whole = Guarded::of(
        group_stats(&stats, &[])
            .first()
            .map(|(_, g)| *g)
            .unwrap_or_default(),
    );
    let academic = rollcall_core::dates::academic_year(year.from);
    let cohort: Vec<_> = stats
        .iter()
        .filter(|(p, _)| p.in_national_cohort(academic))
        .cloned()
        .collect();
    let national_cohort = Guarded::of(
        group_stats(&cohort, &[])
            .first()
            .map(|(_, g)| *g)
            .unwrap_or_default(),
    );
    let breakdowns = GOVERNOR_FIELDS
        .iter()
        .map(|&field| Breakdown {
            field,
            title: title_of(field),
            rows: guard_groups(
                group_stats(&stats, &[field])
                    .into_iter()
                    .map(|(key, g)| {
                        let label = key
                            .first()
                            .map_or_else(String::new, |c| group_label(field, c));
                        (label, g)
                    })
                    .collect(),
            ),
        })
        .collect();
    Ok(GovernorFigures {
        year,
        whole,
        national_cohort,
        breakdowns,
        months,
        phase,
    })
}

/// National figures published by the Department for Education, to set a school's beside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct National {
    /// The schools covered, e.g. "state-funded secondary schools".
    pub phase: &'static str,
    /// The academic year and part of it, e.g. "2025/26, year to date".
    pub time_period: &'static str,
    pub possible: u64,
    pub present: u64,
    pub aea: u64,
    /// The published persistent absence rate, as published (the DfE does not publish the counts
    /// behind it in this file).
    pub pa_pct: &'static str,
}

impl National {
    /// Attendance: (present + AEA) / possible, from the published counts.
    pub fn attendance_pct(&self) -> Option<Percent> {
        Percent::of_u64(self.present + self.aea, self.possible)
    }
}

/// Where the national figures come from.
pub const NATIONAL_SOURCE: &str = "Department for Education, attendance data dashboard, \
    year-to-date figures for England (data/EES_ytd_data.csv of \
    dfe-analytical-services/attendance-data-dashboard, commit 625dbfe), Open Government Licence v3.0";

/// England's figures for 2025/26 to date, from `attendance_ytd_2025_26.csv` (national rows).
pub const NATIONAL: [(Phase, National); 3] = [
    (
        Phase::Primary,
        National {
            phase: "state-funded primary schools",
            time_period: "2025/26, year to date",
            possible: 1_299_079_364,
            present: 1_217_200_019,
            aea: 13_331_077,
            pa_pct: "13.77",
        },
    ),
    (
        Phase::Secondary,
        National {
            phase: "state-funded secondary schools",
            time_period: "2025/26, year to date",
            possible: 1_093_892_081,
            present: 983_976_789,
            aea: 17_046_240,
            pa_pct: "23.77",
        },
    ),
    (
        Phase::All,
        National {
            phase: "all state-funded schools",
            time_period: "2025/26, year to date",
            possible: 2_445_419_687,
            present: 2_245_897_896,
            aea: 31_197_486,
            pa_pct: "18.78",
        },
    ),
];

/// The national figures to compare a school of `phase` with: its phase first, then all schools.
pub fn national_for(phase: Phase) -> Vec<National> {
    let mut out: Vec<National> = NATIONAL
        .iter()
        .filter(|(p, _)| *p == phase)
        .map(|(_, n)| *n)
        .collect();
    if phase != Phase::All {
        out.extend(
            NATIONAL
                .iter()
                .filter(|(p, _)| *p == Phase::All)
                .map(|(_, n)| *n),
        );
    }
    out
}

/// The month's name and year, e.g. "September 2024".
pub fn month_name(first: Date) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let name = NAMES
        .get(first.month0() as usize)
        .copied()
        .unwrap_or_default();
    format!("{name} {}", first.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(present: u32, absent: u32) -> Counts {
        Counts {
            possible: present + absent,
            present,
            authorised: absent,
            ..Counts::default()
        }
    }

    #[test]
    fn attendance_order_is_exact_and_puts_no_possible_sessions_last() {
        // 90.00% (PA) and 90.03% both round near 90, but the order is exact.
        let pa = counts(342, 38);
        let not_pa = counts(343, 38);
        assert_eq!(by_attendance(&pa, &not_pa), Ordering::Less);
        assert_eq!(
            by_attendance(&counts(9, 1), &counts(18, 2)),
            Ordering::Equal
        );
        assert_eq!(
            by_attendance(&Counts::default(), &counts(0, 10)),
            Ordering::Greater
        );
    }

    #[test]
    fn small_groups_are_hidden() {
        let g = GroupStats {
            pupils: 4,
            ..GroupStats::default()
        };
        assert_eq!(Guarded::of(g), Guarded::Small);
        let g = GroupStats {
            pupils: 5,
            ..GroupStats::default()
        };
        assert_eq!(Guarded::of(g), Guarded::Shown(g));
    }

    #[test]
    fn a_small_group_cannot_be_found_by_subtraction() {
        let g = |pupils| GroupStats {
            pupils,
            ..GroupStats::default()
        };
        let rows = guard_groups(vec![("No".into(), g(299)), ("Yes".into(), g(1))]);
        assert_eq!(rows[0].1, Guarded::Withheld);
        assert_eq!(rows[1].1, Guarded::Small);
        // Small groups that together reach the limit need nothing more hidden.
        let rows = guard_groups(vec![
            ("A".into(), g(200)),
            ("B".into(), g(3)),
            ("C".into(), g(2)),
            ("D".into(), g(40)),
        ]);
        let shown: Vec<_> = rows
            .iter()
            .map(|(_, r)| matches!(r, Guarded::Shown(_)))
            .collect();
        assert_eq!(shown, [true, false, false, true]);
        // One small group and the smallest larger one.
        let rows = guard_groups(vec![
            ("A".into(), g(200)),
            ("B".into(), g(3)),
            ("C".into(), g(9)),
            ("D".into(), g(40)),
        ]);
        assert_eq!(rows[2].1, Guarded::Withheld);
        assert!(matches!(rows[0].1, Guarded::Shown(_)));
    }

    #[test]
    fn national_attendance_matches_the_published_rate() {
        // attendance_perc 91.5102180907003 for secondary, 93.1167518649325 for all schools.
        let secondary = national_for(Phase::Secondary);
        assert_eq!(secondary[0].attendance_pct().unwrap().to_string(), "91.51");
        assert_eq!(secondary[1].attendance_pct().unwrap().to_string(), "93.12");
    }

    #[test]
    fn months_are_named() {
        assert_eq!(
            month_name(Date::from_ymd_opt(2024, 9, 1).unwrap()),
            "September 2024"
        );
    }
}
