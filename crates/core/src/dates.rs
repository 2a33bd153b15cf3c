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
    // Every year has a 1 September; beyond the dates chrono can hold, the last one it can.
    Date::from_ymd_opt(year, 9, 1).unwrap_or(if year < 0 { Date::MIN } else { Date::MAX })
}

/// The last day of the academic year starting in September of `year`.
pub fn academic_year_end(year: i32) -> Date {
    Date::from_ymd_opt(year.saturating_add(1), 8, 31).unwrap_or(if year < 0 {
        Date::MIN
    } else {
        Date::MAX
    })
}

/// True on Monday to Friday.
pub fn is_weekday(date: Date) -> bool {
    date.weekday().num_days_from_monday() < 5
}

/// The Monday of the week a date falls in.
pub fn week_start(date: Date) -> Date {
    date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday()))
}

/// Schools in England keep England's time (GMT, and BST in summer), whatever the zone of the
/// machine Rollcall runs on: registers open and close by it, and it is the time people read.
pub const SCHOOL_TIME_ZONE: chrono_tz::Tz = chrono_tz::Europe::London;

/// An instant as school time in England.
pub fn school_time(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    at.with_timezone(&SCHOOL_TIME_ZONE).naive_local()
}

/// The instant of a school time in England. The hour the clocks go back happens twice: the first
/// is taken. The hour they go forward never happens: a time in it is read as the hour after.
pub fn instant_of_school_time(local: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    match SCHOOL_TIME_ZONE.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.with_timezone(&chrono::Utc)
        }
        chrono::LocalResult::None => {
            let later = local + chrono::Duration::hours(1);
            SCHOOL_TIME_ZONE
                .from_local_datetime(&later)
                .earliest()
                .map_or_else(
                    || chrono::Utc.from_utc_datetime(&local),
                    |t| t.with_timezone(&chrono::Utc),
                )
        }
    }
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

    #[test]
    fn school_time_is_englands_in_winter_and_summer() {
        use chrono::{NaiveDateTime, TimeZone, Utc};
        let local = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let utc = |s: &str| Utc.from_utc_datetime(&local(s));
        // GMT in winter, BST (an hour ahead) in summer.
        assert_eq!(
            school_time(utc("2025-01-13 08:50")),
            local("2025-01-13 08:50")
        );
        assert_eq!(
            school_time(utc("2025-07-08 07:50")),
            local("2025-07-08 08:50")
        );
        for s in ["2025-01-13 08:50", "2025-07-08 08:50", "2024-10-27 12:00"] {
            assert_eq!(school_time(instant_of_school_time(local(s))), local(s));
        }
        // 26 October 2025: 01:30 happens twice (BST, then GMT); the first is taken.
        assert_eq!(
            instant_of_school_time(local("2025-10-26 01:30")),
            utc("2025-10-26 00:30")
        );
        // 30 March 2025: 01:30 never happens; it is read as 02:30 BST.
        assert_eq!(
            instant_of_school_time(local("2025-03-30 01:30")),
            utc("2025-03-30 01:30")
        );
    }
}
