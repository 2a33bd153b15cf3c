//! The overview of the day, the week and the year.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use rollcall_core::stats::{Counts, GroupStats};
use rollcall_core::{BaseCode, Category, Date, Pupil, Session};
use rollcall_store::{PupilId, School, Store, StoredPupil};

use crate::error::Result;
use crate::reports::compute_pupil_stats;

use super::record::settle_today;
use super::{facts, within, Period};

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
