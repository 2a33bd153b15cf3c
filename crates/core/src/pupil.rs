//! The admission register: pupils, their identifiers and characteristics, and compulsory school age.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Weekday};

use crate::dates::{academic_year, Date};

/// The letters used by UPN check characters: the alphabet without I, O and S.
const UPN_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A Unique Pupil Number: a check letter and twelve characters (eleven digits and a digit, or a
/// letter for a temporary UPN), validated by the DfE's modulus-23 check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Upn(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PupilError {
    #[error("'{0}' is not a UPN: expected 13 characters, a check letter then 12 digits (the last may be a letter)")]
    UpnFormat(String),
    #[error("UPN '{upn}' has the wrong check letter: expected '{expected}'")]
    UpnCheckLetter { upn: String, expected: char },
    #[error("'{0}' is not a year group: expected N1, N2, R or 1 to 14")]
    YearGroup(String),
    #[error("'{0}' is not a sex: expected M or F")]
    Sex(String),
    #[error("'{0}' is not an SEN status: expected N (none), K (SEN support) or E (EHC plan)")]
    Sen(String),
}

impl Upn {
    pub fn parse(text: &str) -> Result<Upn, PupilError> {
        let text = text.trim();
        let b = text.as_bytes();
        let letter_value = |c: u8| UPN_LETTERS.iter().position(|&l| l == c);
        let well_formed = b.len() == 13
            && letter_value(b[0]).is_some()
            && b[1..12].iter().all(u8::is_ascii_digit)
            && (b[12].is_ascii_digit() || letter_value(b[12]).is_some());
        if !well_formed {
            return Err(PupilError::UpnFormat(text.to_owned()));
        }
        let sum: usize = b[1..]
            .iter()
            .zip(2..)
            .map(|(&c, weight)| {
                let value = if c.is_ascii_digit() {
                    usize::from(c - b'0')
                } else {
                    letter_value(c).unwrap_or(0)
                };
                value * weight
            })
            .sum();
        let expected = char::from(UPN_LETTERS[sum % 23]);
        if char::from(b[0]) != expected {
            return Err(PupilError::UpnCheckLetter {
                upn: text.to_owned(),
                expected,
            });
        }
        Ok(Upn(text.to_owned()))
    }

    /// Builds a valid UPN from its twelve characters after the check letter.
    pub fn with_check_letter(body: &str) -> Result<Upn, PupilError> {
        let candidate = format!("A{body}");
        match Upn::parse(&candidate) {
            Ok(upn) => Ok(upn),
            Err(PupilError::UpnCheckLetter { expected, .. }) => {
                Upn::parse(&format!("{expected}{body}"))
            }
            Err(e) => Err(e),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A national curriculum year group, in school order: N1, N2, R, 1 … 14.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum YearGroup {
    N1,
    N2,
    Reception,
    Year(u8),
}

impl YearGroup {
    pub fn all() -> impl Iterator<Item = YearGroup> {
        [YearGroup::N1, YearGroup::N2, YearGroup::Reception]
            .into_iter()
            .chain((1..=14).map(YearGroup::Year))
    }
}

impl FromStr for YearGroup {
    type Err = PupilError;
    fn from_str(s: &str) -> Result<Self, PupilError> {
        let t = s.trim();
        let upper = t.to_ascii_uppercase();
        let number = upper
            .strip_prefix("YEAR")
            .or_else(|| upper.strip_prefix('Y'))
            .unwrap_or(&upper)
            .trim();
        match upper.as_str() {
            "N1" => return Ok(YearGroup::N1),
            "N2" => return Ok(YearGroup::N2),
            "R" => return Ok(YearGroup::Reception),
            _ => {}
        }
        match number.parse::<u8>() {
            Ok(n @ 1..=14) if !number.starts_with('0') => Ok(YearGroup::Year(n)),
            _ => Err(PupilError::YearGroup(t.to_owned())),
        }
    }
}

impl fmt::Display for YearGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YearGroup::N1 => f.write_str("N1"),
            YearGroup::N2 => f.write_str("N2"),
            YearGroup::Reception => f.write_str("R"),
            YearGroup::Year(n) => write!(f, "{n}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    F,
    M,
}

impl FromStr for Sex {
    type Err = PupilError;
    fn from_str(s: &str) -> Result<Self, PupilError> {
        match s.trim() {
            "M" | "m" => Ok(Sex::M),
            "F" | "f" => Ok(Sex::F),
            other => Err(PupilError::Sex(other.to_owned())),
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Sex::M => "M",
            Sex::F => "F",
        })
    }
}

/// Special educational needs provision, as recorded in the school census.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Sen {
    #[default]
    N,
    /// SEN support.
    K,
    /// An education, health and care plan.
    E,
}

impl FromStr for Sen {
    type Err = PupilError;
    fn from_str(s: &str) -> Result<Self, PupilError> {
        match s.trim() {
            "N" | "n" => Ok(Sen::N),
            "K" | "k" => Ok(Sen::K),
            "E" | "e" => Ok(Sen::E),
            other => Err(PupilError::Sen(other.to_owned())),
        }
    }
}

impl fmt::Display for Sen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Sen::N => "N",
            Sen::K => "K",
            Sen::E => "E",
        })
    }
}

/// A pupil on the admission register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pupil {
    pub upn: Upn,
    pub surname: String,
    pub forename: String,
    pub dob: Date,
    pub sex: Option<Sex>,
    pub year_group: YearGroup,
    /// Registration group, e.g. `7A`.
    pub form: Option<String>,
    pub admission_date: Date,
    /// The last day on roll.
    pub leaving_date: Option<Date>,
    pub fsm: bool,
    pub pupil_premium: bool,
    pub looked_after: bool,
    pub social_worker: bool,
    pub eal: bool,
    pub young_carer: bool,
    pub sen: Sen,
    /// Census ethnicity code, e.g. `WBRI`.
    pub ethnicity: Option<String>,
    /// For a pupil who has left: the statutory ground on which the name was deleted from the
    /// admission register (regulation 9 of the 2024 regulations), as the school recorded it.
    pub deletion_ground: Option<String>,
}

impl Pupil {
    /// A pupil with the columns every admission register has; the flags are false, the optional
    /// columns empty and SEN provision `N`, until the caller sets them.
    pub fn new(
        upn: Upn,
        surname: impl Into<String>,
        forename: impl Into<String>,
        dob: Date,
        year_group: YearGroup,
        admission_date: Date,
    ) -> Pupil {
        Pupil {
            upn,
            surname: surname.into(),
            forename: forename.into(),
            dob,
            sex: None,
            year_group,
            form: None,
            admission_date,
            leaving_date: None,
            fsm: false,
            pupil_premium: false,
            looked_after: false,
            social_worker: false,
            eal: false,
            young_carer: false,
            sen: Sen::N,
            ethnicity: None,
            deletion_ground: None,
        }
    }

    /// Whether the pupil is on roll on a date (admission and leaving dates are both inclusive).
    pub fn on_roll(&self, date: Date) -> bool {
        date >= self.admission_date && self.leaving_date.is_none_or(|l| date <= l)
    }

    /// Whether any day of the period `from..=to` falls within the pupil's time on roll.
    pub fn on_roll_during(&self, from: Date, to: Date) -> bool {
        self.admission_date <= to && self.leaving_date.is_none_or(|l| l >= from)
    }

    pub fn compulsory_school_age(&self) -> (Date, Date) {
        compulsory_school_age(self.dob)
    }

    /// Whether the pupil is of compulsory school age on `date`.
    pub fn of_compulsory_school_age_on(&self, date: Date) -> bool {
        let (start, end) = self.compulsory_school_age();
        (start..=end).contains(&date)
    }

    /// Whether the pupil is in the cohort of national statistics for the academic year starting
    /// in September of `year`: aged 5 to 15 on the 31 August before it (statistics.md).
    pub fn in_national_cohort(&self, year: i32) -> bool {
        in_national_cohort(self.dob, year)
    }
}

/// Whether a child born on `dob` is aged 5 to 15 on 31 August of `year`, the day before the
/// academic year starting that September: the cohort of national attendance statistics.
pub fn in_national_cohort(dob: Date, year: i32) -> bool {
    Date::from_ymd_opt(year, 8, 31)
        .is_some_and(|day| birthday(dob, 5) <= day && birthday(dob, 16) > day)
}

/// The first and last day of compulsory school age for a child born on `dob` (statistics.md).
///
/// It starts on the first of 31 December, 31 March or 31 August on or after the fifth birthday, and
/// ends on the last Friday in June of the academic year in which the child turns 16.
pub fn compulsory_school_age(dob: Date) -> (Date, Date) {
    let fifth = birthday(dob, 5);
    let y = fifth.year();
    let start = [(y, 3, 31), (y, 8, 31), (y, 12, 31), (y + 1, 3, 31)]
        .into_iter()
        .filter_map(|(y, m, d)| Date::from_ymd_opt(y, m, d))
        .find(|&d| d >= fifth)
        .unwrap_or(fifth);
    let sixteenth = birthday(dob, 16);
    let end = last_friday_of_june(academic_year(sixteenth) + 1);
    (start, end)
}

/// The date a child born on `dob` turns `age`; a 29 February birthday falls on 1 March in other years.
fn birthday(dob: Date, age: i32) -> Date {
    let year = dob.year() + age;
    Date::from_ymd_opt(year, dob.month(), dob.day())
        .or_else(|| Date::from_ymd_opt(year, 3, 1))
        .unwrap_or(dob)
}

fn last_friday_of_june(year: i32) -> Date {
    let june_30 = Date::from_ymd_opt(year, 6, 30).unwrap_or_default();
    let back =
        (june_30.weekday().num_days_from_monday() + 7 - Weekday::Fri.num_days_from_monday()) % 7;
    june_30 - chrono::Days::new(u64::from(back))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::parse_date;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    #[test]
    fn a_new_pupil_has_only_what_it_was_given() {
        let upn = Upn::with_check_letter("822400124001").unwrap();
        let p = Pupil::new(
            upn.clone(),
            "Smith",
            "Sam",
            d("2012-05-01"),
            YearGroup::Year(8),
            d("2024-09-04"),
        );
        assert_eq!(
            (p.upn, p.surname.as_str(), p.forename.as_str()),
            (upn, "Smith", "Sam")
        );
        assert_eq!(
            (p.dob, p.admission_date),
            (d("2012-05-01"), d("2024-09-04"))
        );
        assert_eq!(p.year_group, YearGroup::Year(8));
        assert_eq!((p.sex, p.form, p.leaving_date), (None, None, None));
        assert_eq!(
            (p.ethnicity, p.deletion_ground, p.sen),
            (None, None, Sen::N)
        );
        let flags = [
            p.fsm,
            p.pupil_premium,
            p.looked_after,
            p.social_worker,
            p.eal,
            p.young_carer,
        ];
        assert_eq!(flags, [false; 6]);
    }

    #[test]
    fn upn_check_letters() {
        // A822400124001: 8*2+2*3+2*4+4*5+0*6+0*7+1*8+2*9+4*10+0*11+0*12+1*13 = 129; 129 % 23 = 14 → Q.
        let body = "822400124001";
        assert_eq!(
            Upn::with_check_letter(body).unwrap().as_str(),
            "Q822400124001"
        );
        assert!(Upn::parse("Q822400124001").is_ok());
        assert!(matches!(
            Upn::parse("A822400124001"),
            Err(PupilError::UpnCheckLetter { expected: 'Q', .. })
        ));
        // A temporary UPN ends in a letter, valued by its place in the check alphabet.
        let temp = Upn::with_check_letter("82240012400A").unwrap();
        assert!(Upn::parse(temp.as_str()).is_ok());
        for bad in [
            "",
            "Q82240012400",
            "Q8224001240011",
            "I822400124001",
            "Q82240012400I",
            "Q8224001240x1",
        ] {
            assert!(
                matches!(Upn::parse(bad), Err(PupilError::UpnFormat(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn year_groups_in_school_order() {
        let parsed: Vec<YearGroup> = ["N1", "N2", "R", "1", "7", "14", "Y11", "Year 9"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert!(parsed[..6].windows(2).all(|w| w[0] < w[1]));
        assert_eq!(parsed[6], YearGroup::Year(11));
        assert_eq!(YearGroup::Year(7).to_string(), "7");
        assert_eq!(YearGroup::Reception.to_string(), "R");
        for bad in ["0", "15", "07", "X", ""] {
            assert!(bad.parse::<YearGroup>().is_err(), "{bad}");
        }
    }

    #[test]
    fn compulsory_school_age_examples_of_statistics_md() {
        assert_eq!(compulsory_school_age(d("2019-02-10")).0, d("2024-03-31"));
        assert_eq!(compulsory_school_age(d("2019-08-31")).0, d("2024-08-31"));
        assert_eq!(compulsory_school_age(d("2019-09-01")).0, d("2024-12-31"));
        assert_eq!(compulsory_school_age(d("2007-09-23")).1, d("2024-06-28"));
        assert_eq!(compulsory_school_age(d("2008-08-31")).1, d("2024-06-28"));
        assert_eq!(compulsory_school_age(d("2008-09-01")).1, d("2025-06-27"));
        // Born on 31 December: the fifth birthday is itself a prescribed day.
        assert_eq!(compulsory_school_age(d("2019-12-31")).0, d("2024-12-31"));
        // Born on 29 February: turns five on 1 March in a common year.
        assert_eq!(compulsory_school_age(d("2020-02-29")).0, d("2025-03-31"));
    }

    #[test]
    fn the_national_cohort_is_aged_5_to_15_on_the_31_august_before_the_year() {
        let d = |s| crate::parse_date(s).unwrap();
        // 2024/25: aged 5 to 15 on 31 August 2024.
        assert!(in_national_cohort(d("2019-08-31"), 2024), "5 that day");
        assert!(!in_national_cohort(d("2019-09-01"), 2024), "4 that day");
        assert!(in_national_cohort(d("2008-09-01"), 2024), "15 that day");
        assert!(!in_national_cohort(d("2008-08-31"), 2024), "16 that day");
    }
}
