//! What the school's own pages show: a pupil's record, the overview of the day, the week and the
//! year, lists of pupils behind a figure, and the governors' figures.
//!
//! Everything here loads a school's marks once (`mark_facts`) and counts them in
//! `rollcall-core`; rates and thresholds come from [`Counts`] and [`GroupStats`], never from a
//! rounded percentage. Who may see which pupils is decided by the caller, which passes the pupils
//! it may show as a `keep` predicate: nothing here knows roles.
//!
//! [`GroupStats`]: rollcall_core::stats::GroupStats

use std::cmp::Ordering;

use rollcall_core::dates::{academic_year, academic_year_start, week_start};
use rollcall_core::stats::Counts;
use rollcall_core::{Calendar, Date};
use rollcall_store::{DateRange, PupilMarkFact, School, Store};

use crate::error::Result;

mod day;
mod governors;
mod lists;
mod overview;
mod record;

pub use day::{SignOutDetail, SignOutLine, TravellerView};
pub use governors::{
    governor_figures, guard_groups, guard_table, month_name, national_for, Breakdown,
    GovernorFigures, Guarded, Month, National, Phase, GOVERNOR_FIELDS, NATIONAL, NATIONAL_SOURCE,
};
pub use lists::{pupil_list, Only, PupilFilter, PupilList};
pub use overview::{overview, Overview, OverviewRow, SessionTally};
pub use record::{
    findings, pupil_record, register_grid, sessions_still_open, year_figures, Amendment,
    Attribution, Figures, GridCell, GridWeek, PupilRecord, Reader,
};

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

    pub(super) fn range(self) -> DateRange {
        DateRange::between(self.from, self.to)
    }

    pub(super) fn contains(self, date: Date) -> bool {
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
pub(super) fn facts(
    store: &mut dyn Store,
    school: &School,
    period: Period,
) -> Result<Vec<PupilMarkFact>> {
    Ok(store.mark_facts(school.id, period.range())?)
}

pub(super) fn within(facts: &[PupilMarkFact], period: Period) -> Vec<PupilMarkFact> {
    facts
        .iter()
        .filter(|f| period.contains(f.fact.date))
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_core::stats::GroupStats;

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
