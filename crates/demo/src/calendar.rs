//! The demo school's 2024/25 calendar, and the school sessions it gives each year group.

use chrono::{Datelike, NaiveDate, Weekday};
use std::fmt::Write as _;

/// A date known to be valid (the calendar and event dates below are all literal).
pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid literal date")
}

/// `YYYY-MM-DD`.
pub(crate) fn iso(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

pub(crate) struct HalfTerm {
    pub name: &'static str,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

pub(crate) struct Closure {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub am: bool,
    pub pm: bool,
    pub reason: &'static str,
    /// Year groups the closure applies to; empty means the whole school.
    pub years: &'static [u8],
}

pub(crate) const SCHOOL_NAME: &str = "Northfield Academy";
pub(crate) const URN: &str = "140123";
pub(crate) const LA: &str = "822";
pub(crate) const ESTAB: &str = "4001";
pub(crate) const AM_OPENS: &str = "08:40";
pub(crate) const AM_CLOSES: &str = "09:10";
pub(crate) const PM_OPENS: &str = "13:20";
pub(crate) const PM_CLOSES: &str = "13:35";
/// Minutes each register stays open (AM, PM): a pupil arriving within it is `L`, after it `U`.
pub(crate) const WINDOW: [u8; 2] = [30, 15];

pub(crate) struct Calendar {
    pub half_terms: Vec<HalfTerm>,
    pub closures: Vec<Closure>,
    /// Every weekday inside a half term, in order (closures not removed).
    pub days: Vec<NaiveDate>,
    /// `YYYY-MM-DD` of each day.
    pub day_text: Vec<String>,
    /// Index into `half_terms` of each day.
    pub term_of_day: Vec<usize>,
    /// For each day and session, a bit per year group that is closed (bit `n` for year `n`).
    closed: Vec<[u32; 2]>,
}

impl Calendar {
    pub fn northfield() -> Calendar {
        let ht = |name, start, end| HalfTerm { name, start, end };
        let half_terms = vec![
            ht("Autumn 1", date(2024, 9, 2), date(2024, 10, 25)),
            ht("Autumn 2", date(2024, 11, 4), date(2024, 12, 20)),
            ht("Spring 1", date(2025, 1, 6), date(2025, 2, 14)),
            ht("Spring 2", date(2025, 2, 24), date(2025, 4, 4)),
            ht("Summer 1", date(2025, 4, 22), date(2025, 5, 23)),
            ht("Summer 2", date(2025, 6, 2), date(2025, 7, 22)),
        ];
        let whole = |start, end, reason| Closure {
            start,
            end,
            am: true,
            pm: true,
            reason,
            years: &[],
        };
        let closures = vec![
            whole(date(2024, 9, 2), date(2024, 9, 3), "INSET"),
            Closure {
                start: date(2024, 9, 4),
                end: date(2024, 9, 4),
                am: true,
                pm: true,
                reason: "Staggered start: Year 7 only",
                years: &[8, 9, 10, 11],
            },
            whole(date(2025, 1, 6), date(2025, 1, 6), "INSET"),
            Closure {
                start: date(2025, 1, 24),
                end: date(2025, 1, 24),
                am: true,
                pm: false,
                reason: "Year 11 not due in until the afternoon after mock examinations",
                years: &[11],
            },
            whole(date(2025, 5, 5), date(2025, 5, 5), "Bank holiday"),
            whole(date(2025, 6, 2), date(2025, 6, 2), "INSET"),
        ];

        let mut days = Vec::new();
        let mut term_of_day = Vec::new();
        for (t, h) in half_terms.iter().enumerate() {
            let mut d = h.start;
            while d <= h.end {
                if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                    days.push(d);
                    term_of_day.push(t);
                }
                d = d.succ_opt().expect("date in range");
            }
        }
        let closed = days
            .iter()
            .map(|d| {
                let mut bits = [0u32; 2];
                for c in closures.iter().filter(|c| c.start <= *d && *d <= c.end) {
                    let mask = if c.years.is_empty() {
                        u32::MAX
                    } else {
                        c.years.iter().fold(0, |m, y| m | (1u32 << y))
                    };
                    if c.am {
                        bits[0] |= mask;
                    }
                    if c.pm {
                        bits[1] |= mask;
                    }
                }
                bits
            })
            .collect();
        let day_text = days.iter().map(|d| iso(*d)).collect();
        Calendar {
            half_terms,
            closures,
            days,
            day_text,
            term_of_day,
            closed,
        }
    }

    /// Is `session` (0 = AM, 1 = PM) of day `day` a school session for `year`?
    pub fn is_open(&self, day: usize, session: usize, year: u8) -> bool {
        self.closed[day][session] & (1u32 << year) == 0
    }

    /// Is the day closed to every year group?
    pub fn whole_school_closed(&self, day: usize) -> bool {
        self.closed[day] == [u32::MAX; 2]
    }

    /// Index of the first school day on or after `d` (may be `days.len()`).
    pub fn index_on_or_after(&self, d: NaiveDate) -> usize {
        self.days.partition_point(|x| *x < d)
    }

    /// Index of the last school day on or before `d`, if any.
    pub fn index_on_or_before(&self, d: NaiveDate) -> Option<usize> {
        self.days.partition_point(|x| *x <= d).checked_sub(1)
    }

    /// Index of a date that must be a weekday inside a half term.
    pub fn index_of(&self, d: NaiveDate) -> usize {
        self.days
            .binary_search(&d)
            .expect("event date is a school weekday")
    }

    pub fn to_toml(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# {SCHOOL_NAME}: school calendar for the academic year 2024/25"
        );
        let _ = writeln!(s, "\n[school]\nname = \"{SCHOOL_NAME}\"\nurn = \"{URN}\"\nla = \"{LA}\"\nestab = \"{ESTAB}\"");
        let _ = writeln!(
            s,
            "\n[registers]\nam_opens = \"{AM_OPENS}\"\nam_closes = \"{AM_CLOSES}\"\npm_opens = \"{PM_OPENS}\"\npm_closes = \"{PM_CLOSES}\""
        );
        for h in &self.half_terms {
            let _ = writeln!(
                s,
                "\n[[half_terms]]\nname = \"{}\"\nstart = {}\nend = {}",
                h.name,
                iso(h.start),
                iso(h.end)
            );
        }
        for c in &self.closures {
            let sessions = match (c.am, c.pm) {
                (true, false) => "am",
                (false, true) => "pm",
                _ => "both",
            };
            let _ = writeln!(
                s,
                "\n[[closures]]\nstart = {}\nend = {}\nsessions = \"{sessions}\"\nreason = \"{}\"",
                iso(c.start),
                iso(c.end),
                c.reason
            );
            if !c.years.is_empty() {
                let list: Vec<String> = c.years.iter().map(|y| format!("\"{y}\"")).collect();
                let _ = writeln!(s, "year_groups = [{}]", list.join(", "));
            }
        }
        s
    }
}

/// Last day of compulsory school age: the last Friday in June of the academic year in which the pupil turns 16.
pub(crate) fn csa_end(dob: NaiveDate) -> NaiveDate {
    let turns16_year = dob.year() + 16;
    let academic_start = if dob.month() >= 9 {
        turns16_year
    } else {
        turns16_year - 1
    };
    let mut d = date(academic_start + 1, 6, 30);
    while d.weekday() != Weekday::Fri {
        d = d.pred_opt().expect("date in range");
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn school_days_and_sessions() {
        let cal = Calendar::northfield();
        assert_eq!(cal.days.len(), 196);
        let open_days = |y: u8| {
            (0..cal.days.len())
                .filter(|&d| cal.is_open(d, 0, y) || cal.is_open(d, 1, y))
                .count()
        };
        let sessions = |y: u8| {
            (0..cal.days.len())
                .map(|d| (0..2).filter(|&s| cal.is_open(d, s, y)).count())
                .sum::<usize>()
        };
        assert_eq!(open_days(7), 191);
        assert_eq!(sessions(7), 382);
        assert_eq!(sessions(8), 380);
        assert_eq!(sessions(11), 379);
        let monday = cal.index_of(date(2025, 1, 6));
        assert!(cal.whole_school_closed(monday));
        let mock = cal.index_of(date(2025, 1, 24));
        assert!(!cal.is_open(mock, 0, 11) && cal.is_open(mock, 1, 11) && cal.is_open(mock, 0, 10));
    }

    #[test]
    fn compulsory_school_age_end() {
        assert_eq!(csa_end(date(2007, 9, 23)), date(2024, 6, 28));
        assert_eq!(csa_end(date(2008, 8, 31)), date(2024, 6, 28));
        assert_eq!(csa_end(date(2008, 9, 1)), date(2025, 6, 27));
        assert_eq!(csa_end(date(2009, 8, 31)), date(2025, 6, 27));
    }
}
