//! Lists of pupils behind a figure.

use chrono::NaiveDateTime;
use rollcall_core::stats::{Counts, GroupStats};
use rollcall_core::{Pupil, Sen, Sex, YearGroup};
use rollcall_store::{School, Store, StoredPupil};

use crate::error::Result;
use crate::reports::compute_pupil_stats;

use super::record::settle_today;
use super::{by_attendance, facts, Period};

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
