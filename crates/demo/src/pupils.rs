//! The admission register: pupils in years 7 to 11 with names, dates and characteristics.

use crate::calendar::{date, iso, Calendar, ESTAB, LA};
use crate::names::{pool, Heritage};
use crate::upn;
use crate::util::{pick_weighted, Rng};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::seq::SliceRandom;
use rand::RngExt;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::ops::Range;

pub(crate) const YEARS: [u8; 5] = [7, 8, 9, 10, 11];

/// Census ethnicity codes with the school's mix and what goes with each.
pub(crate) struct Ethnicity {
    pub code: &'static str,
    /// Pupils per 1,000.
    weight: f64,
    /// Naming traditions and their shares.
    names: &'static [(Heritage, f64)],
    /// Probability that English is an additional language.
    eal: f64,
    /// Multiplier on the free-school-meals rate.
    fsm: f64,
    /// Probability that the family marks Eid with a day's religious observance.
    pub eid: f64,
    /// Shift on the log of the pupil's everyday absence rate (national patterns by ethnicity).
    pub absence: f64,
}

use Heritage::*;

pub(crate) static ETHNICITIES: &[Ethnicity] = &[
    eth("WBRI", 650.0, &[(British, 1.0)], 0.01, 1.0, 0.0, 0.0),
    eth(
        "WOTH",
        60.0,
        &[(EastEuropean, 0.75), (British, 0.1), (MiddleEastern, 0.15)],
        0.85,
        0.9,
        0.08,
        0.05,
    ),
    eth(
        "ABAN",
        20.0,
        &[(SouthAsianMuslim, 1.0)],
        0.8,
        1.3,
        0.75,
        -0.2,
    ),
    eth(
        "APKN",
        40.0,
        &[(SouthAsianMuslim, 1.0)],
        0.75,
        1.1,
        0.75,
        -0.1,
    ),
    eth("AIND", 30.0, &[(Indian, 1.0)], 0.7, 0.5, 0.05, -0.4),
    eth("BAFR", 40.0, &[(African, 1.0)], 0.6, 1.2, 0.25, -0.35),
    eth(
        "BCRB",
        12.0,
        &[(Caribbean, 0.6), (British, 0.4)],
        0.02,
        1.4,
        0.0,
        0.15,
    ),
    eth("CHNE", 5.0, &[(Chinese, 1.0)], 0.7, 0.4, 0.0, -0.6),
    eth(
        "MWBC",
        20.0,
        &[(British, 0.7), (Caribbean, 0.3)],
        0.02,
        1.5,
        0.0,
        0.2,
    ),
    eth(
        "MWBA",
        8.0,
        &[(British, 0.6), (African, 0.4)],
        0.15,
        1.3,
        0.05,
        0.05,
    ),
    eth(
        "MWAS",
        15.0,
        &[(British, 0.5), (SouthAsianMuslim, 0.3), (Indian, 0.2)],
        0.2,
        0.9,
        0.2,
        0.0,
    ),
    eth(
        "AOTH",
        15.0,
        &[(MiddleEastern, 0.4), (SouthAsianMuslim, 0.3), (Indian, 0.3)],
        0.8,
        1.0,
        0.3,
        -0.2,
    ),
    eth(
        "BOTH",
        6.0,
        &[(African, 0.6), (Caribbean, 0.4)],
        0.4,
        1.3,
        0.2,
        0.0,
    ),
    eth(
        "MOTH",
        20.0,
        &[(British, 0.7), (MiddleEastern, 0.15), (Caribbean, 0.15)],
        0.15,
        1.2,
        0.1,
        0.1,
    ),
    eth("WIRI", 4.0, &[(Irish, 1.0)], 0.05, 1.0, 0.0, 0.1),
    eth(
        "WROM",
        4.0,
        &[(EastEuropean, 0.6), (British, 0.4)],
        0.7,
        2.2,
        0.0,
        1.2,
    ),
    eth(
        "OOTH",
        15.0,
        &[(MiddleEastern, 0.8), (British, 0.2)],
        0.8,
        1.3,
        0.45,
        0.0,
    ),
    eth(
        "REFU",
        15.0,
        &[(British, 0.8), (SouthAsianMuslim, 0.1), (African, 0.1)],
        0.15,
        1.0,
        0.05,
        0.1,
    ),
    eth(
        "NOBT",
        10.0,
        &[(British, 0.9), (EastEuropean, 0.1)],
        0.2,
        1.2,
        0.0,
        0.2,
    ),
];

const fn eth(
    code: &'static str,
    weight: f64,
    names: &'static [(Heritage, f64)],
    eal: f64,
    fsm: f64,
    eid: f64,
    absence: f64,
) -> Ethnicity {
    Ethnicity {
        code,
        weight,
        names,
        eal,
        fsm,
        eid,
        absence,
    }
}

pub(crate) struct Pupil {
    pub upn: String,
    pub surname: String,
    pub forename: String,
    pub dob: NaiveDate,
    pub male: bool,
    pub year: u8,
    /// Form index within the year (0 = A).
    pub form: usize,
    pub forms_in_year: usize,
    pub admission: NaiveDate,
    pub leaving: Option<NaiveDate>,
    pub fsm: bool,
    pub pupil_premium: bool,
    pub looked_after: bool,
    pub social_worker: bool,
    pub eal: bool,
    pub young_carer: bool,
    /// `N`, `K` or `E`.
    pub sen: char,
    pub ethnicity: &'static Ethnicity,
    /// School days (indexes into `Calendar::days`) on which the pupil is on roll.
    pub on_roll: Range<usize>,
}

impl Pupil {
    pub fn form_name(&self) -> String {
        format!("{}{}", self.year, char::from(b'A' + self.form as u8))
    }
}

/// First day of the autumn term in which each year group started in year 7.
fn year7_start(year: u8) -> NaiveDate {
    match year {
        8 => date(2023, 9, 4),
        9 => date(2022, 9, 5),
        10 => date(2021, 9, 2),
        11 => date(2020, 9, 3),
        _ => date(2024, 9, 2),
    }
}

fn pick_heritage(rng: &mut Rng, options: &[(Heritage, f64)]) -> Heritage {
    let w: Vec<f64> = options.iter().map(|o| o.1).collect();
    options[pick_weighted(rng, &w)].0
}

fn pick<'a>(rng: &mut Rng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// A school day on which the pupil's year group is in school, chosen from `range` (day indexes),
/// days before `favoured_before` being `favour` times as likely.
fn school_day_in(
    rng: &mut Rng,
    cal: &Calendar,
    year: u8,
    range: Range<usize>,
    favoured_before: NaiveDate,
    favour: f64,
) -> usize {
    let weights: Vec<f64> = range
        .clone()
        .map(|d| {
            if !(cal.is_open(d, 0, year) && cal.is_open(d, 1, year)) {
                0.0
            } else if cal.days[d] < favoured_before {
                favour
            } else {
                1.0
            }
        })
        .collect();
    range.start + pick_weighted(rng, &weights)
}

pub(crate) fn generate(rng: &mut Rng, cal: &Calendar, count: usize) -> Vec<Pupil> {
    let eth_weights: Vec<f64> = ETHNICITIES.iter().map(|e| e.weight).collect();
    let mut used_upns = BTreeSet::new();
    let mut pupils = Vec::with_capacity(count);
    let join_range = cal.index_on_or_after(date(2024, 9, 9))..cal.days.len();
    let leave_range =
        cal.index_on_or_after(date(2024, 9, 20))..cal.index_on_or_after(date(2025, 7, 12));

    for (yi, &year) in YEARS.iter().enumerate() {
        let n = count / YEARS.len() + usize::from(yi < count % YEARS.len());
        if n == 0 {
            continue;
        }
        let forms = (n as f64 / 25.0).round().clamp(1.0, 26.0) as usize;
        let mut form_of: Vec<usize> = (0..n).map(|i| i % forms).collect();
        form_of.shuffle(rng);
        let mut serials: Vec<u32> = (1..=999).collect();
        serials.shuffle(rng);
        let alloc_year = 2024 - u32::from(year);
        let born_from = date(2012 - i32::from(year - 7), 9, 1);
        let born_days = (date(2013 - i32::from(year - 7), 9, 1) - born_from).num_days();

        for (i, &form) in form_of.iter().enumerate() {
            let mut upn = if i < serials.len() {
                upn::make(LA, ESTAB, alloc_year, serials[i])
            } else {
                String::new()
            };
            while upn.is_empty() || used_upns.contains(&upn) {
                upn = upn::make(
                    LA,
                    ESTAB,
                    rng.random_range(0..100),
                    rng.random_range(1..1000),
                );
            }
            used_upns.insert(upn.clone());

            let male = rng.random_bool(0.5);
            let ethnicity = &ETHNICITIES[pick_weighted(rng, &eth_weights)];
            let surname_heritage = pick_heritage(rng, ethnicity.names);
            let forename_heritage = if surname_heritage == British || rng.random_bool(0.8) {
                surname_heritage
            } else {
                British
            };
            let sp = pool(surname_heritage);
            let mut surname = pick(rng, sp.surnames).to_string();
            if surname_heritage == British && rng.random_bool(0.02) {
                let second = pick(rng, sp.surnames);
                if second != surname {
                    surname = format!("{surname}-{second}");
                }
            }
            let fp = pool(forename_heritage);
            let forename = pick(rng, if male { fp.boys } else { fp.girls }).to_string();
            let dob = born_from + Duration::days(rng.random_range(0..born_days));

            let fsm = rng.random_bool((0.24 * ethnicity.fsm).min(0.9));
            let looked_after = rng.random_bool(0.005);
            let pupil_premium = fsm || looked_after || rng.random_bool(0.045);
            let social_worker = looked_after || rng.random_bool(if fsm { 0.07 } else { 0.013 });
            let young_carer = rng.random_bool(0.02);
            let eal = rng.random_bool(ethnicity.eal);
            let (k, e) = if male { (0.16, 0.04) } else { (0.10, 0.02) };
            let x: f64 = rng.random();
            let sen = if x < e {
                'E'
            } else if x < e + k {
                'K'
            } else {
                'N'
            };

            // When they came onto the roll, and whether they leave during the year.
            let roll: f64 = rng.random();
            let mut joiner = false;
            let mut leaving = None;
            let admission = if roll < 0.03 {
                joiner = true;
                // Most in-year admissions come in the autumn; none to year 11 after the Easter holiday.
                let last = if year == 11 {
                    date(2025, 4, 5)
                } else {
                    date(2025, 6, 28)
                };
                let range = join_range.start..cal.index_on_or_after(last);
                cal.days[school_day_in(rng, cal, year, range, date(2025, 1, 1), 2.0)]
            } else if year > 7 && roll < 0.10 {
                earlier_in_year_admission(rng, year7_start(year))
            } else {
                year7_start(year)
            };
            if !joiner && rng.random_bool(0.02) {
                leaving = Some(
                    cal.days
                        [school_day_in(rng, cal, year, leave_range.clone(), date(2024, 9, 1), 1.0)],
                );
            }
            let first = cal.index_on_or_after(admission);
            let end = leaving.map_or(cal.days.len(), |l| {
                cal.index_on_or_before(l).map_or(0, |i| i + 1)
            });

            pupils.push(Pupil {
                upn,
                surname,
                forename,
                dob,
                male,
                year,
                form,
                forms_in_year: forms,
                admission,
                leaving,
                fsm,
                pupil_premium,
                looked_after,
                social_worker,
                eal,
                young_carer,
                sen,
                ethnicity,
                on_roll: first..end.max(first),
            });
        }
    }
    pupils.sort_by(|a, b| {
        (a.year, a.form, &a.surname, &a.forename, &a.upn).cmp(&(
            b.year,
            b.form,
            &b.surname,
            &b.forename,
            &b.upn,
        ))
    });
    pupils
}

/// A term-time weekday between the start of the pupil's year 7 and the summer of 2024.
fn earlier_in_year_admission(rng: &mut Rng, from: NaiveDate) -> NaiveDate {
    let span = (date(2024, 7, 19) - from).num_days();
    loop {
        let d = from + Duration::days(rng.random_range(1..span));
        let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        let holiday =
            d.month() == 8 || (d.month() == 12 && d.day() > 20) || (d.month() == 1 && d.day() < 3);
        if !weekend && !holiday {
            return d;
        }
    }
}

pub(crate) const PUPILS_HEADER: &str = "upn,surname,forename,dob,sex,year_group,form,admission_date,leaving_date,fsm,pupil_premium,looked_after,social_worker,eal,young_carer,sen,ethnicity,deletion_ground";

/// Grounds for deleting a leaver's name from the admission register, as schools record them.
const DELETION_GROUNDS: [&str; 3] = [
    "Registered as a pupil at another school",
    "Moved to live too far from the school to attend",
    "Parent notified in writing of education otherwise than at school",
];

pub(crate) fn to_csv(pupils: &[Pupil]) -> String {
    let mut s = String::with_capacity(100 * (pupils.len() + 1));
    s.push_str(PUPILS_HEADER);
    s.push('\n');
    for p in pupils {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            p.upn,
            p.surname,
            p.forename,
            iso(p.dob),
            if p.male { "M" } else { "F" },
            p.year,
            p.form_name(),
            iso(p.admission),
            p.leaving.map(iso).unwrap_or_default(),
            p.fsm,
            p.pupil_premium,
            p.looked_after,
            p.social_worker,
            p.eal,
            p.young_carer,
            p.sen,
            p.ethnicity.code,
            p.leaving
                .map(|_| DELETION_GROUNDS[p.upn.bytes().map(usize::from).sum::<usize>() % 3])
                .unwrap_or_default(),
        );
    }
    s
}
