//! Dates, sessions and the academic year.

use std::fmt;
use std::str::FromStr;

use chrono::Datelike;

/// A calendar date. Registers are kept in local school time, so dates carry no zone.
pub type Date = chrono::NaiveDate;

/// Parses a `YYYY-MM-DD` date, the only date form of the interchange files.
pub fn parse_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    Date::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

/// One of the two registers of a school day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Session {
    Am,
    Pm,
}

impl Session {
    pub const BOTH: [Session; 2] = [Session::Am, Session::Pm];

    pub fn as_str(self) -> &'static str {
        match self {
            Session::Am => "AM",
            Session::Pm => "PM",
        }
    }

    /// 0 for AM, 1 for PM: the position of the session within its day.
    pub fn index(self) -> usize {
        match self {
            Session::Am => 0,
            Session::Pm => 1,
        }
    }
}

impl fmt::Display for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Session {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        if s.eq_ignore_ascii_case("AM") {
            Ok(Session::Am)
        } else if s.eq_ignore_ascii_case("PM") {
            Ok(Session::Pm)
        } else {
            Err(())
        }
    }
}

/// The academic year (1 September – 31 August) a date falls in, named by the year it starts.
pub fn academic_year(date: Date) -> i32 {
    if date.month() >= 9 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// The first day of the academic year starting in September of `year`.
pub fn academic_year_start(year: i32) -> Date {
    Date::from_ymd_opt(year, 9, 1).expect("1 September exists in every year")
}

/// The last day of the academic year starting in September of `year`.
pub fn academic_year_end(year: i32) -> Date {
    Date::from_ymd_opt(year + 1, 8, 31).expect("31 August exists in every year")
}

/// True on Monday to Friday.
pub fn is_weekday(date: Date) -> bool {
    date.weekday().num_days_from_monday() < 5
}

/// The Monday of the week a date falls in.
pub fn week_start(date: Date) -> Date {
    date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_iso_dates() {
        assert_eq!(parse_date("2025-03-03"), Date::from_ymd_opt(2025, 3, 3));
        for bad in [
            "2025-3-3",
            "03/03/2025",
            "2025-02-30",
            "2025-13-01",
            "2025-03-0x",
            "",
            "+025-03-03",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn academic_years_turn_on_the_first_of_september() {
        let d = |s| parse_date(s).unwrap();
        assert_eq!(academic_year(d("2024-08-31")), 2023);
        assert_eq!(academic_year(d("2024-09-01")), 2024);
        assert_eq!(week_start(d("2025-03-09")), d("2025-03-03"));
        assert!(!is_weekday(d("2025-03-08")));
    }
}
