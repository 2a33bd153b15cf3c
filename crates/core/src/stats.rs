//! Attendance figures exactly as the DfE defines them (statistics.md).
//!
//! Counts are whole sessions and every threshold is decided on them, never on a rounded
//! percentage. Rates are kept as fractions and rounded half away from zero only for display.

use std::fmt;

use crate::calendar::SessionGrid;
use crate::codes::{BaseCode, Category};
use crate::dates::Date;
use crate::marks::MarkFact;

/// Session counts for one pupil over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub possible: u32,
    /// `/`, `\` and `L`.
    pub present: u32,
    pub aea: u32,
    pub authorised: u32,
    pub unauthorised: u32,
    /// School sessions on roll with no mark at all.
    pub unmarked: u32,
    /// `L` and `U`.
    pub late: u32,
    /// Marked sessions that are not possible sessions (`D`, `X`, `Q`, `Y1`–`Y7`, `Z`, `#`).
    pub not_possible: u32,
}

impl Counts {
    pub fn add_mark(&mut self, code: BaseCode) {
        match code.category() {
            Category::Present => self.present += 1,
            Category::Aea => self.aea += 1,
            Category::Authorised => self.authorised += 1,
            Category::Unauthorised => self.unauthorised += 1,
            Category::NotPossible | Category::Administrative => self.not_possible += 1,
        }
        if code.category().is_possible() {
            self.possible += 1;
        }
        if matches!(code, BaseCode::L | BaseCode::U) {
            self.late += 1;
        }
    }

    /// Authorised and unauthorised absence.
    pub fn absent(&self) -> u32 {
        self.authorised + self.unauthorised
    }

    pub fn attendance_pct(&self) -> Option<Percent> {
        Percent::of(self.present + self.aea, self.possible)
    }
    pub fn absence_pct(&self) -> Option<Percent> {
        Percent::of(self.absent(), self.possible)
    }
    pub fn authorised_pct(&self) -> Option<Percent> {
        Percent::of(self.authorised, self.possible)
    }
    pub fn unauthorised_pct(&self) -> Option<Percent> {
        Percent::of(self.unauthorised, self.possible)
    }

    /// 10 × absent ≥ possible, with at least one possible session: 90.00% attendance is persistent absence.
    pub fn persistent_absence(&self) -> bool {
        self.possible > 0 && 10 * u64::from(self.absent()) >= u64::from(self.possible)
    }

    /// 2 × absent ≥ possible, with at least one possible session.
    pub fn severe_absence(&self) -> bool {
        self.possible > 0 && 2 * u64::from(self.absent()) >= u64::from(self.possible)
    }
}

/// A pupil's counts for `from..=to`, given the school sessions of their year group and their time
/// on roll. Marks outside the period, outside the time on roll or on a session that is not a
/// school session for the pupil are not counted.
pub fn pupil_counts(
    grid: &SessionGrid,
    on_roll: (Date, Option<Date>),
    from: Date,
    to: Date,
    marks: &[MarkFact],
) -> Counts {
    let start = from.max(on_roll.0);
    let end = on_roll.1.map_or(to, |l| l.min(to));
    let mut counts = Counts::default();
    if end < start {
        return counts;
    }
    let sessions = grid.count(start, end);
    let mut marked = 0;
    for m in marks {
        if m.date >= start && m.date <= end && grid.is_school_session(m.date, m.session) {
            counts.add_mark(m.code);
            marked += 1;
        }
    }
    counts.unmarked = sessions.saturating_sub(marked);
    counts
}

/// A rate as an exact fraction, shown as a percentage to two decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percent {
    num: u64,
    den: u64,
}

impl Percent {
    /// `num / den × 100`, or `None` when `den` is 0.
    pub fn of(num: u32, den: u32) -> Option<Percent> {
        Self::of_u64(u64::from(num), u64::from(den))
    }

    pub fn of_u64(num: u64, den: u64) -> Option<Percent> {
        (den > 0).then_some(Percent { num, den })
    }

    /// The percentage in hundredths of a percent, rounded half away from zero.
    pub fn hundredths(&self) -> u64 {
        let scaled = u128::from(self.num) * 10_000;
        let den = u128::from(self.den);
        u64::try_from((2 * scaled + den) / (2 * den)).unwrap_or(u64::MAX)
    }

    /// The rounded percentage as a number, e.g. `95.65`.
    pub fn rounded(&self) -> f64 {
        self.hundredths() as f64 / 100.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.hundredths();
        write!(f, "{}.{:02}", h / 100, h % 100)
    }
}

/// Totals for a group of pupils: a group's rate is its totals divided by its totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupStats {
    /// Pupils with at least one possible session in the period.
    pub pupils: u32,
    pub possible: u64,
    pub present: u64,
    pub aea: u64,
    pub authorised: u64,
    pub unauthorised: u64,
    pub unmarked: u64,
    pub late: u64,
    pub pa_pupils: u32,
    pub sa_pupils: u32,
}

impl GroupStats {
    pub fn add(&mut self, c: &Counts) {
        if c.possible > 0 {
            self.pupils += 1;
        }
        self.possible += u64::from(c.possible);
        self.present += u64::from(c.present);
        self.aea += u64::from(c.aea);
        self.authorised += u64::from(c.authorised);
        self.unauthorised += u64::from(c.unauthorised);
        self.unmarked += u64::from(c.unmarked);
        self.late += u64::from(c.late);
        self.pa_pupils += u32::from(c.persistent_absence());
        self.sa_pupils += u32::from(c.severe_absence());
    }

    pub fn attendance_pct(&self) -> Option<Percent> {
        Percent::of_u64(self.present + self.aea, self.possible)
    }
    pub fn absence_pct(&self) -> Option<Percent> {
        Percent::of_u64(self.authorised + self.unauthorised, self.possible)
    }
    pub fn pa_pct(&self) -> Option<Percent> {
        Percent::of(self.pa_pupils, self.pupils)
    }
    pub fn sa_pct(&self) -> Option<Percent> {
        Percent::of(self.sa_pupils, self.pupils)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Calendar, HalfTerm};
    use crate::dates::{parse_date, Session};
    use crate::pupil::YearGroup;
    use proptest::prelude::*;

    fn counts_of(codes: &[(&str, u32)]) -> Counts {
        let mut c = Counts::default();
        for &(code, n) in codes {
            let base = BaseCode::from_symbol(code).unwrap();
            for _ in 0..n {
                c.add_mark(base);
            }
        }
        c
    }

    /// The worked examples of statistics.md.
    #[test]
    fn worked_examples() {
        let c = counts_of(&[("/", 380)]);
        assert_eq!(
            (c.possible, c.attendance_pct().unwrap().to_string()),
            (380, "100.00".into())
        );
        assert!(!c.persistent_absence());

        let c = counts_of(&[("/", 342), ("I", 38)]);
        assert_eq!(c.attendance_pct().unwrap().to_string(), "90.00");
        assert!(c.persistent_absence() && !c.severe_absence());

        let c = counts_of(&[("/", 343), ("I", 37)]);
        assert_eq!(c.absence_pct().unwrap().to_string(), "9.74");
        assert!(!c.persistent_absence());

        let c = counts_of(&[("/", 370), ("L", 10)]);
        assert_eq!(
            (c.attendance_pct().unwrap().to_string(), c.late),
            ("100.00".into(), 10)
        );

        let c = counts_of(&[("/", 360), ("U", 20)]);
        assert_eq!(c.unauthorised_pct().unwrap().to_string(), "5.26");
        assert_eq!(c.attendance_pct().unwrap().to_string(), "94.74");

        let c = counts_of(&[
            ("/", 80),
            ("L", 5),
            ("B", 3),
            ("I", 2),
            ("U", 1),
            ("G", 1),
            ("#", 4),
            ("Y2", 2),
            ("D", 2),
        ]);
        assert_eq!(c.possible, 92);
        assert_eq!(c.attendance_pct().unwrap().to_string(), "95.65");
        assert_eq!(c.authorised_pct().unwrap().to_string(), "2.17");
        assert_eq!(c.unauthorised_pct().unwrap().to_string(), "2.17");

        let c = counts_of(&[("/", 100), ("O", 100)]);
        assert!(c.persistent_absence() && c.severe_absence());
        assert_eq!(c.absence_pct().unwrap().to_string(), "50.00");

        let mut school = GroupStats::default();
        school.add(&counts_of(&[("/", 342), ("I", 38)]));
        school.add(&counts_of(&[("/", 80), ("N", 20)]));
        assert_eq!(school.absence_pct().unwrap().to_string(), "12.08");
        assert_eq!((school.pa_pupils, school.pupils), (2, 2));
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(Percent::of(1, 8).unwrap().to_string(), "12.50");
        assert_eq!(Percent::of(1, 16).unwrap().to_string(), "6.25");
        // 1/32 = 3.125% → 3.13
        assert_eq!(Percent::of(1, 32).unwrap().to_string(), "3.13");
        assert_eq!(Percent::of(2, 3).unwrap().to_string(), "66.67");
        assert_eq!(Percent::of(0, 3).unwrap().to_string(), "0.00");
        assert_eq!(Percent::of(1, 0), None);
    }

    #[test]
    fn no_possible_sessions_is_neither_persistent_nor_severe() {
        let c = counts_of(&[("D", 10), ("X", 4)]);
        assert!(!c.persistent_absence() && !c.severe_absence());
        assert_eq!(c.attendance_pct(), None);
        let mut g = GroupStats::default();
        g.add(&c);
        assert_eq!(g.pupils, 0);
        assert_eq!(g.pa_pct(), None);
    }

    fn week_calendar() -> (Calendar, Date, Date) {
        let from = parse_date("2025-03-03").unwrap();
        let to = parse_date("2025-03-28").unwrap();
        let cal = Calendar::new(
            vec![HalfTerm {
                name: "Spring 2".into(),
                start: from,
                end: to,
            }],
            vec![],
        )
        .unwrap();
        (cal, from, to)
    }

    #[test]
    fn unmarked_sessions_are_counted_and_not_possible() {
        let (cal, from, to) = week_calendar();
        let grid = cal.grid(YearGroup::Year(7), from, to);
        let marks = [
            MarkFact {
                date: from,
                session: Session::Am,
                code: BaseCode::PresentAm,
            },
            MarkFact {
                date: from,
                session: Session::Pm,
                code: BaseCode::I,
            },
            // Saturday: not a school session, not counted.
            MarkFact {
                date: parse_date("2025-03-08").unwrap(),
                session: Session::Am,
                code: BaseCode::O,
            },
        ];
        let c = pupil_counts(&grid, (from, None), from, to, &marks);
        assert_eq!(
            (c.possible, c.present, c.authorised, c.unmarked),
            (2, 1, 1, 38)
        );
        // Left on Tuesday: only four sessions on roll.
        let c = pupil_counts(&grid, (from, parse_date("2025-03-04")), from, to, &marks);
        assert_eq!(c.unmarked, 2);
    }

    proptest! {
        /// possible = present + aea + authorised + unauthorised, and every school session on roll is
        /// possible, not possible or unmarked, for random registers.
        #[test]
        fn figures_reconcile(
            picks in proptest::collection::vec((0usize..BaseCode::ALL.len(), 0u32..40), 0..40),
            admitted in 0u64..20,
            stays in proptest::option::of(0u64..30),
        ) {
            let (cal, from, to) = week_calendar();
            let grid = cal.grid(YearGroup::Year(7), from, to);
            let mut marks: Vec<MarkFact> = picks.iter().map(|&(code, slot)| MarkFact {
                date: from + chrono::Days::new(u64::from(slot / 2)),
                session: if slot % 2 == 0 { Session::Am } else { Session::Pm },
                code: BaseCode::ALL[code],
            }).collect();
            marks.sort();
            marks.dedup_by_key(|m| (m.date, m.session));
            let admission = from + chrono::Days::new(admitted);
            let leaving = stays.map(|s| admission + chrono::Days::new(s));
            let c = pupil_counts(&grid, (admission, leaving), from, to, &marks);
            prop_assert_eq!(c.possible, c.present + c.aea + c.authorised + c.unauthorised);
            let end = leaving.map_or(to, |l| l.min(to));
            let on_roll = if end < admission { 0 } else { grid.count(admission, end) };
            prop_assert_eq!(c.possible + c.not_possible + c.unmarked, on_roll);
            let mut g = GroupStats::default();
            g.add(&c);
            prop_assert_eq!(g.possible, g.present + g.aea + g.authorised + g.unauthorised);
        }
    }
}
