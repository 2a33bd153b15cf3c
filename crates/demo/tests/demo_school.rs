//! Checks on the generated files, read back as text the way an importer would read them.

use chrono::{Datelike, NaiveDate, Weekday};
use rollcall_demo::{generate, DemoOptions, DemoSchool};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

fn school() -> &'static DemoSchool {
    static SCHOOL: OnceLock<DemoSchool> = OnceLock::new();
    SCHOOL.get_or_init(|| {
        generate(&DemoOptions {
            seed: 1,
            pupils: 1000,
        })
    })
}

fn parsed() -> &'static Parsed {
    static PARSED: OnceLock<Parsed> = OnceLock::new();
    PARSED.get_or_init(|| Parsed::new(school()))
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("bad date {s:?}: {e}"))
}

// ---------------------------------------------------------------- calendar

#[derive(Debug)]
struct Closure {
    start: NaiveDate,
    end: NaiveDate,
    sessions: String,
    reason: String,
    year_groups: Option<Vec<String>>,
}

#[derive(Debug, Default)]
struct Calendar {
    values: BTreeMap<String, String>,
    half_terms: Vec<(String, NaiveDate, NaiveDate)>,
    closures: Vec<Closure>,
}

/// Just enough TOML for the calendar format of interchange.md.
fn parse_calendar(text: &str) -> Calendar {
    let mut cal = Calendar::default();
    let mut table = String::new();
    let mut current: Option<(String, BTreeMap<String, String>)> = None;
    let mut all = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if line.starts_with('[') {
            all.extend(current.take());
            table = line.trim_matches(|c| c == '[' || c == ']').to_string();
            if line.starts_with("[[") {
                current = Some((table.clone(), BTreeMap::new()));
            }
            continue;
        }
        let (k, v) = line
            .split_once(" = ")
            .unwrap_or_else(|| panic!("bad TOML line {line:?}"));
        match current.as_mut() {
            Some((_, map)) => {
                map.insert(k.to_string(), v.trim().to_string());
            }
            None => {
                cal.values.insert(
                    format!("{table}.{k}"),
                    v.trim().trim_matches('"').to_string(),
                );
            }
        }
    }
    all.extend(current);
    let unquote = |s: &String| s.trim_matches('"').to_string();
    for (name, map) in all {
        match name.as_str() {
            "half_terms" => {
                cal.half_terms
                    .push((unquote(&map["name"]), day(&map["start"]), day(&map["end"])))
            }
            "closures" => cal.closures.push(Closure {
                start: day(&map["start"]),
                end: day(&map["end"]),
                sessions: map.get("sessions").map_or("both".to_string(), unquote),
                reason: map.get("reason").map(unquote).unwrap_or_default(),
                year_groups: map.get("year_groups").map(|v| {
                    v.trim_matches(|c| c == '[' || c == ']')
                        .split(',')
                        .map(|s| s.trim().trim_matches('"').to_string())
                        .collect()
                }),
            }),
            other => panic!("unexpected table {other}"),
        }
    }
    cal
}

impl Calendar {
    /// Is this a school session for a pupil in `year`?
    fn is_school_session(&self, date: NaiveDate, am: bool, year: &str) -> bool {
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return false;
        }
        if !self
            .half_terms
            .iter()
            .any(|(_, s, e)| *s <= date && date <= *e)
        {
            return false;
        }
        !self.closures.iter().any(|c| {
            c.start <= date
                && date <= c.end
                && match c.sessions.as_str() {
                    "am" => am,
                    "pm" => !am,
                    _ => true,
                }
                && c.year_groups
                    .as_ref()
                    .is_none_or(|ys| ys.iter().any(|y| y == year))
        })
    }

    fn weekdays(&self) -> Vec<NaiveDate> {
        let mut v = Vec::new();
        for (_, s, e) in &self.half_terms {
            let mut d = *s;
            while d <= *e {
                if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                    v.push(d);
                }
                d = d.succ_opt().unwrap();
            }
        }
        v
    }
}

// ---------------------------------------------------------------- pupils and marks

const PUPILS_HEADER: &str = "upn,surname,forename,dob,sex,year_group,form,admission_date,leaving_date,fsm,pupil_premium,looked_after,social_worker,eal,young_carer,sen,ethnicity,deletion_ground";
const MARKS_HEADER: &str = "upn,date,session,code,minutes_late,reason";

#[derive(Debug, Clone)]
struct Pupil {
    fields: BTreeMap<&'static str, String>,
    admission: NaiveDate,
    leaving: Option<NaiveDate>,
}

impl Pupil {
    fn get(&self, k: &str) -> &str {
        &self.fields[k]
    }
    fn flag(&self, k: &str) -> bool {
        match self.get(k) {
            "true" => true,
            "false" => false,
            other => panic!("{k} is {other:?}, expected true or false"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Mark {
    code: String,
    minutes: Option<u32>,
    reason: String,
}

type Key = (String, NaiveDate, bool); // upn, date, is AM

struct Parsed {
    calendar: Calendar,
    pupils: BTreeMap<String, Pupil>,
    marks: BTreeMap<Key, Mark>,
    mark_rows: usize,
    amendments: Vec<(Key, Mark)>,
}

fn parse_marks(text: &str) -> Vec<(Key, Mark)> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(MARKS_HEADER));
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 6, "marks row {line:?}");
            let am = match f[2] {
                "AM" => true,
                "PM" => false,
                other => panic!("session {other:?}"),
            };
            let minutes =
                (!f[4].is_empty()).then(|| f[4].parse::<u32>().expect("minutes_late is a number"));
            (
                (f[0].to_string(), day(f[1]), am),
                Mark {
                    code: f[3].to_string(),
                    minutes,
                    reason: f[5].to_string(),
                },
            )
        })
        .collect()
}

impl Parsed {
    fn new(s: &DemoSchool) -> Parsed {
        let calendar = parse_calendar(&s.calendar_toml);
        let mut lines = s.pupils_csv.lines();
        assert_eq!(lines.next(), Some(PUPILS_HEADER));
        let names: Vec<&'static str> = PUPILS_HEADER.split(',').collect();
        let mut pupils = BTreeMap::new();
        for line in lines {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), names.len(), "pupil row {line:?}");
            let fields: BTreeMap<&'static str, String> = names
                .iter()
                .zip(&f)
                .map(|(k, v)| (*k, (*v).to_string()))
                .collect();
            let p = Pupil {
                admission: day(&fields["admission_date"]),
                leaving: (!fields["leaving_date"].is_empty()).then(|| day(&fields["leaving_date"])),
                fields,
            };
            let upn = p.get("upn").to_string();
            assert!(
                pupils.insert(upn.clone(), p).is_none(),
                "duplicate UPN {upn}"
            );
        }
        let rows = parse_marks(&s.marks_csv);
        let mark_rows = rows.len();
        let mut marks = BTreeMap::new();
        for (k, m) in rows {
            assert!(marks.insert(k.clone(), m).is_none(), "duplicate mark {k:?}");
        }
        let amendments = parse_marks(&s.amendments_csv);
        Parsed {
            calendar,
            pupils,
            marks,
            mark_rows,
            amendments,
        }
    }

    /// Marks as they stand after importing the amendments.
    fn final_marks(&self) -> BTreeMap<Key, Mark> {
        let mut m = self.marks.clone();
        for (k, a) in &self.amendments {
            m.insert(k.clone(), a.clone());
        }
        m
    }
}

/// Independent implementation of the UPN check letter.
fn upn_valid(upn: &str) -> bool {
    let b = upn.as_bytes();
    if b.len() != 13 || !b[1..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = (2..=13)
        .map(|pos| u32::from(b[pos - 1] - b'0') * pos as u32)
        .sum();
    b"ABCDEFGHJKLMNPQRTUVWXYZ"[(sum % 23) as usize] == b[0]
}

#[derive(Default, Debug, Clone, Copy)]
struct Counts {
    possible: u32,
    present: u32,
    aea: u32,
    authorised: u32,
    unauthorised: u32,
}

fn category(code: &str) -> Option<usize> {
    // 0 present, 1 AEA, 2 authorised, 3 unauthorised, None not possible.
    match code {
        "/" | "\\" | "L" => Some(0),
        "V" | "P" | "B" | "K" | "W" => Some(1),
        "C1" | "M" | "J1" | "S" | "C2" | "C" | "T" | "R" | "I" | "E" => Some(2),
        "G" | "N" | "O" | "U" => Some(3),
        "D" | "X" | "Q" | "Y1" | "Y2" | "Y3" | "Y4" | "Y5" | "Y6" | "Y7" | "Z" | "#" => None,
        other => panic!("unknown code {other:?}"),
    }
}

fn counts_by_pupil(marks: &BTreeMap<Key, Mark>) -> BTreeMap<String, Counts> {
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    for ((upn, _, _), m) in marks {
        let c = out.entry(upn.clone()).or_default();
        if let Some(cat) = category(&m.code) {
            c.possible += 1;
            match cat {
                0 => c.present += 1,
                1 => c.aea += 1,
                2 => c.authorised += 1,
                _ => c.unauthorised += 1,
            }
        }
    }
    out
}

// ---------------------------------------------------------------- tests

#[test]
fn same_seed_gives_identical_files_and_another_seed_does_not() {
    let again = generate(&DemoOptions {
        seed: 1,
        pupils: 1000,
    });
    assert!(again == *school(), "seed 1 twice gave different output");
    let other = generate(&DemoOptions {
        seed: 2,
        pupils: 1000,
    });
    assert_ne!(other.pupils_csv, school().pupils_csv);
    assert_ne!(other.marks_csv, school().marks_csv);
    assert_ne!(other.amendments_csv, school().amendments_csv);
    assert_eq!(
        other.calendar_toml,
        school().calendar_toml,
        "the calendar does not depend on the seed"
    );
    assert_eq!(
        DemoOptions::default(),
        DemoOptions {
            seed: 1,
            pupils: 1000
        }
    );
}

#[test]
fn calendar_is_the_2024_25_school_year() {
    let cal = &parsed().calendar;
    let v = |k: &str| cal.values.get(k).map(String::as_str);
    assert_eq!(v("school.name"), Some("Northfield Academy"));
    assert_eq!(v("school.urn"), Some("140123"));
    assert_eq!(v("school.la"), Some("822"));
    assert_eq!(v("school.estab"), Some("4001"));
    let minutes = |k: &str| {
        let (h, m) = v(k).expect(k).split_once(':').expect("HH:MM");
        h.parse::<i32>().unwrap() * 60 + m.parse::<i32>().unwrap()
    };
    assert_eq!(
        minutes("registers.am_closes") - minutes("registers.am_opens"),
        30
    );
    assert_eq!(
        minutes("registers.pm_closes") - minutes("registers.pm_opens"),
        15
    );

    let expected = [
        ("Autumn 1", "2024-09-02", "2024-10-25"),
        ("Autumn 2", "2024-11-04", "2024-12-20"),
        ("Spring 1", "2025-01-06", "2025-02-14"),
        ("Spring 2", "2025-02-24", "2025-04-04"),
        ("Summer 1", "2025-04-22", "2025-05-23"),
        ("Summer 2", "2025-06-02", "2025-07-22"),
    ];
    let got: Vec<(String, NaiveDate, NaiveDate)> = cal.half_terms.clone();
    assert_eq!(got.len(), expected.len());
    for ((n, s, e), (en, es, ee)) in got.iter().zip(expected) {
        assert_eq!((n.as_str(), *s, *e), (en, day(es), day(ee)));
    }
    for inset in ["2024-09-02", "2024-09-03", "2025-01-06", "2025-06-02"] {
        let d = day(inset);
        assert!(
            cal.closures.iter().any(|c| c.start <= d
                && d <= c.end
                && c.reason == "INSET"
                && c.year_groups.is_none()),
            "no INSET closure on {inset}"
        );
    }
    assert!(cal
        .closures
        .iter()
        .any(|c| c.start == day("2025-05-05") && c.reason == "Bank holiday"));
    assert!(cal
        .closures
        .iter()
        .any(|c| c.sessions == "am" && c.year_groups == Some(vec!["11".to_string()])));
    // Easter Monday falls in the holiday.
    assert!(!cal.is_school_session(day("2025-04-21"), true, "7"));
    let sessions = |year: &str| {
        cal.weekdays()
            .iter()
            .map(|d| {
                [true, false]
                    .iter()
                    .filter(|am| cal.is_school_session(*d, **am, year))
                    .count()
            })
            .sum::<usize>()
    };
    assert_eq!(sessions("7"), 382);
    assert_eq!(sessions("9"), 380);
    assert_eq!(sessions("11"), 379);
}

#[test]
fn pupils_are_well_formed_with_valid_unique_upns() {
    let p = parsed();
    assert_eq!(p.pupils.len(), 1000);
    let ethnicities = [
        "WBRI", "WOTH", "ABAN", "APKN", "AIND", "BAFR", "BCRB", "CHNE", "MWBC", "MWBA", "MWAS",
        "AOTH", "BOTH", "MOTH", "WIRI", "WROM", "OOTH", "REFU", "NOBT",
    ];
    let mut per_form: BTreeMap<String, usize> = BTreeMap::new();
    for (upn, pupil) in &p.pupils {
        assert!(upn_valid(upn), "invalid UPN {upn}");
        assert_eq!(
            &upn[1..8],
            "8224001",
            "UPN {upn} should carry LA 822 and establishment 4001"
        );
        for k in ["surname", "forename"] {
            let v = pupil.get(k);
            assert!(
                !v.is_empty() && !v.contains(['"', '\'', ',']),
                "bad {k} {v:?}"
            );
        }
        assert!(matches!(pupil.get("sex"), "M" | "F"));
        let year: i32 = pupil.get("year_group").parse().expect("numeric year group");
        assert!((7..=11).contains(&year));
        let form = pupil.get("form");
        assert!(
            form.starts_with(&year.to_string()),
            "form {form} for year {year}"
        );
        assert!(
            matches!(form.as_bytes().last(), Some(b'A'..=b'H')),
            "form {form}"
        );
        *per_form.entry(form.to_string()).or_default() += 1;
        // Born in the academic year that puts them in this year group in 2024/25.
        let dob = day(pupil.get("dob"));
        let from = NaiveDate::from_ymd_opt(2012 - (year - 7), 9, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2013 - (year - 7), 8, 31).unwrap();
        assert!(from <= dob && dob <= to, "year {year} pupil born {dob}");
        assert!(pupil.admission <= day("2025-07-22"));
        if let Some(l) = pupil.leaving {
            assert!(pupil.admission <= l && l <= day("2025-07-22"));
        }
        for k in [
            "fsm",
            "pupil_premium",
            "looked_after",
            "social_worker",
            "eal",
            "young_carer",
        ] {
            pupil.flag(k);
        }
        if pupil.flag("fsm") || pupil.flag("looked_after") {
            assert!(pupil.flag("pupil_premium"));
        }
        assert!(matches!(pupil.get("sen"), "N" | "K" | "E"));
        assert!(
            ethnicities.contains(&pupil.get("ethnicity")),
            "ethnicity {}",
            pupil.get("ethnicity")
        );
    }
    assert_eq!(per_form.len(), 40, "8 forms in each of 5 years");
    assert!(
        per_form.values().all(|n| (24..=26).contains(n)),
        "{per_form:?}"
    );
}

#[test]
fn characteristics_are_in_national_proportions() {
    let p = parsed();
    let n = p.pupils.len() as f64;
    let share =
        |f: &dyn Fn(&Pupil) -> bool| p.pupils.values().filter(|x| f(x)).count() as f64 / n * 100.0;
    let check = |what: &str, v: f64, lo: f64, hi: f64| {
        assert!(lo <= v && v <= hi, "{what} {v:.1}% not in {lo}..{hi}")
    };
    check("fsm", share(&|x| x.flag("fsm")), 20.0, 30.0);
    check(
        "pupil premium",
        share(&|x| x.flag("pupil_premium")),
        23.0,
        33.0,
    );
    check("eal", share(&|x| x.flag("eal")), 14.0, 26.0);
    check("SEN support", share(&|x| x.get("sen") == "K"), 9.0, 17.0);
    check("EHC plan", share(&|x| x.get("sen") == "E"), 1.5, 5.0);
    check("looked after", share(&|x| x.flag("looked_after")), 0.0, 1.5);
    check(
        "social worker",
        share(&|x| x.flag("social_worker")),
        1.5,
        5.0,
    );
    check("young carer", share(&|x| x.flag("young_carer")), 0.8, 3.5);
    check("WBRI", share(&|x| x.get("ethnicity") == "WBRI"), 58.0, 72.0);
    check("male", share(&|x| x.get("sex") == "M"), 45.0, 55.0);
    let joined = share(&|x| x.admission > day("2024-09-04"));
    check("joined during the year", joined, 1.5, 5.0);
    check(
        "left during the year",
        share(&|x| x.leaving.is_some()),
        1.0,
        3.5,
    );
    let year7_on_first_day = p
        .pupils
        .values()
        .filter(|x| x.get("year_group") == "7" && x.admission == day("2024-09-02"))
        .count();
    assert!(
        year7_on_first_day >= 180,
        "{year7_on_first_day} year 7 pupils admitted on 2 September"
    );
    assert!(p
        .pupils
        .values()
        .any(|x| x.get("year_group") != "7" && x.admission < day("2024-09-01")));
}

#[test]
fn every_school_session_on_roll_has_exactly_one_mark_and_no_other_mark_exists() {
    let p = parsed();
    let cal = &p.calendar;
    let weekdays = cal.weekdays();
    let mut expected = 0usize;
    for (upn, pupil) in &p.pupils {
        let year = pupil.get("year_group");
        for d in &weekdays {
            let on_roll = pupil.admission <= *d && pupil.leaving.is_none_or(|l| *d <= l);
            for am in [true, false] {
                let key = (upn.clone(), *d, am);
                let school = on_roll && cal.is_school_session(*d, am, year);
                assert_eq!(
                    p.marks.contains_key(&key),
                    school,
                    "mark present/absent wrongly for {key:?}"
                );
                expected += usize::from(school);
            }
        }
    }
    assert_eq!(p.marks.len(), expected);
    assert_eq!(p.mark_rows, expected, "no duplicate rows");
    for ((upn, d, am), m) in &p.marks {
        assert!(p.pupils.contains_key(upn));
        assert!(!matches!(d.weekday(), Weekday::Sat | Weekday::Sun));
        assert!(m.reason.is_empty(), "first-taken marks carry no reason");
        check_mark(*am, m);
    }
}

/// Codes, present marks in their own session, minutes late within (L) or beyond (U) the register window.
fn check_mark(am: bool, m: &Mark) {
    category(&m.code);
    assert!(
        !matches!(m.code.as_str(), "H" | "F" | "J" | "Y" | "#" | "Z" | "D"),
        "code {}",
        m.code
    );
    if m.code == "/" {
        assert!(am, "/ on a PM session");
    }
    if m.code == "\\" {
        assert!(!am, "\\ on an AM session");
    }
    let window = if am { 30 } else { 15 };
    match m.code.as_str() {
        "L" => assert!(m.minutes.is_some_and(|x| (1..window).contains(&x)), "{m:?}"),
        "U" => assert!(m.minutes.is_some_and(|x| x > window && x <= 90), "{m:?}"),
        _ => assert_eq!(m.minutes, None, "{m:?}"),
    }
}

#[test]
fn about_380_thousand_marks() {
    let rows = parsed().mark_rows;
    assert!((370_000..=400_000).contains(&rows), "{rows} marks");
}

#[test]
fn amendments_change_existing_marks_with_a_reason() {
    let p = parsed();
    let n = p.amendments.len();
    assert!((200..=420).contains(&n), "{n} amendments");
    let mut seen = BTreeSet::new();
    let mut from_n = 0;
    for (key, a) in &p.amendments {
        assert!(seen.insert(key.clone()), "two amendments for {key:?}");
        let original = p
            .marks
            .get(key)
            .unwrap_or_else(|| panic!("amendment {key:?} has no mark to change"));
        assert_ne!(
            original,
            &Mark {
                reason: String::new(),
                ..a.clone()
            },
            "amendment {key:?} changes nothing"
        );
        assert_ne!(
            (&original.code, original.minutes),
            (&a.code, a.minutes),
            "{key:?}"
        );
        assert!(!a.reason.is_empty(), "amendment {key:?} without a reason");
        assert!(!a.reason.contains([',', '"']));
        check_mark(key.2, a);
        if original.code == "N" {
            from_n += 1;
            assert!(
                matches!(a.code.as_str(), "I" | "M" | "O" | "L" | "C"),
                "N amended to {}",
                a.code
            );
        }
    }
    assert!(
        from_n * 2 > n,
        "most amendments resolve an N ({from_n} of {n})"
    );
    // Some N marks are never resolved.
    let finals = p.final_marks();
    let unresolved = finals.values().filter(|m| m.code == "N").count();
    assert!((5..=150).contains(&unresolved), "{unresolved} unresolved N");
    let reasons: BTreeSet<&str> = p
        .amendments
        .iter()
        .map(|(_, a)| a.reason.as_str())
        .collect();
    for r in [
        "Parent phoned: illness",
        "No reason given after enquiries",
        "Signed in at office",
    ] {
        assert!(reasons.contains(r), "no amendment with reason {r:?}");
    }
}

#[test]
fn attendance_figures_are_realistic() {
    let p = parsed();
    let finals = p.final_marks();
    let by_pupil = counts_by_pupil(&finals);
    let mut total = Counts::default();
    let (mut pupils, mut pa, mut sa) = (0, 0, 0);
    for c in by_pupil.values() {
        total.possible += c.possible;
        total.present += c.present;
        total.aea += c.aea;
        total.authorised += c.authorised;
        total.unauthorised += c.unauthorised;
        if c.possible > 0 {
            pupils += 1;
            let absent = c.authorised + c.unauthorised;
            pa += usize::from(10 * absent >= c.possible);
            sa += usize::from(2 * absent >= c.possible);
        }
    }
    let pct = |x: u32| f64::from(x) / f64::from(total.possible) * 100.0;
    let attendance = pct(total.present + total.aea);
    let pa_pct = pa as f64 / pupils as f64 * 100.0;
    let sa_pct = sa as f64 / pupils as f64 * 100.0;
    eprintln!(
        "pupils {pupils}, marks {}, amendments {}, attendance {attendance:.2}%, authorised {:.2}%, unauthorised {:.2}%, PA {pa_pct:.1}%, SA {sa_pct:.1}%",
        p.mark_rows,
        p.amendments.len(),
        pct(total.authorised),
        pct(total.unauthorised)
    );
    assert!(
        (91.0..=95.0).contains(&attendance),
        "overall attendance {attendance:.2}%"
    );
    assert!(
        (14.0..=24.0).contains(&pa_pct),
        "persistent absence {pa_pct:.1}%"
    );
    assert!((0.5..=4.0).contains(&sa_pct), "severe absence {sa_pct:.1}%");
    assert!(
        pct(total.authorised) > pct(total.unauthorised),
        "authorised absence should exceed unauthorised"
    );
    // Most pupils attend well.
    let good = by_pupil
        .values()
        .filter(|c| c.possible > 0 && 20 * (c.authorised + c.unauthorised) <= c.possible);
    assert!(
        good.count() * 2 > pupils,
        "fewer than half the pupils at 95% or above"
    );
    // Disadvantaged pupils attend less well on average, as in national data.
    let rate = |f: &dyn Fn(&Pupil) -> bool| {
        let (mut abs, mut pos) = (0u32, 0u32);
        for (upn, c) in &by_pupil {
            if f(&p.pupils[upn]) {
                abs += c.authorised + c.unauthorised;
                pos += c.possible;
            }
        }
        f64::from(abs) / f64::from(pos)
    };
    assert!(rate(&|x| x.flag("fsm")) > 1.3 * rate(&|x| !x.flag("fsm")));
    assert!(rate(&|x| x.get("sen") != "N") > rate(&|x| x.get("sen") == "N"));
}

#[test]
fn absence_follows_the_patterns_schools_see() {
    let p = parsed();
    let finals = p.final_marks();
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    let mut ill_by_month = [0usize; 12];
    let mut possible_by_month = [0usize; 12];
    let mut absent_by_weekday = [0usize; 5];
    let mut possible_by_weekday = [0usize; 5];
    for ((_, d, _), m) in &finals {
        *by_code.entry(m.code.as_str()).or_default() += 1;
        let cat = category(&m.code);
        if cat.is_some() {
            possible_by_month[d.month0() as usize] += 1;
            possible_by_weekday[d.weekday().num_days_from_monday() as usize] += 1;
        }
        if m.code == "I" {
            ill_by_month[d.month0() as usize] += 1;
        }
        if matches!(cat, Some(2 | 3)) && m.code != "S" {
            absent_by_weekday[d.weekday().num_days_from_monday() as usize] += 1;
        }
    }
    for code in [
        "/", "\\", "L", "U", "I", "M", "S", "C2", "E", "G", "N", "O", "V", "P", "B", "W", "K", "R",
        "X",
    ] {
        assert!(
            by_code.get(code).copied().unwrap_or(0) > 0,
            "no {code} marks: {by_code:?}"
        );
    }
    let ill_rate = |m: usize| ill_by_month[m] as f64 / possible_by_month[m] as f64;
    // Winter illness (Dec, Jan) well above September and June.
    assert!(
        ill_rate(11) > 1.5 * ill_rate(8),
        "December illness not above September"
    );
    assert!(
        ill_rate(0) > 1.5 * ill_rate(5),
        "January illness not above June"
    );
    let wd_rate = |w: usize| absent_by_weekday[w] as f64 / possible_by_weekday[w] as f64;
    assert!(
        wd_rate(0) > wd_rate(2) && wd_rate(4) > wd_rate(2),
        "no Monday/Friday dip: {absent_by_weekday:?}"
    );
    // Year 11 have study leave; only year 11 are past compulsory school age.
    for ((upn, d, _), m) in &finals {
        let year = p.pupils[upn].get("year_group");
        if m.code == "S" || m.code == "X" {
            assert_eq!(year, "11", "{} for a year {year} pupil", m.code);
        }
        if m.code == "X" {
            assert!(*d > day("2025-06-27"));
        }
        if m.code == "W" {
            assert_eq!(year, "10");
        }
    }

    // Runs of whole days by pupil: long illness, and long unexplained absence.
    let mut longest_ill = 0;
    let mut unexplained_runs = 0;
    let weekdays = p.calendar.weekdays();
    for upn in p.pupils.keys() {
        let (mut ill, mut unexplained) = (0, 0);
        for d in &weekdays {
            let am = finals
                .get(&(upn.clone(), *d, true))
                .map(|m| m.code.as_str());
            let pm = finals
                .get(&(upn.clone(), *d, false))
                .map(|m| m.code.as_str());
            if am.is_none() && pm.is_none() {
                continue;
            }
            let all = |f: &dyn Fn(&str) -> bool| am.is_none_or(f) && pm.is_none_or(f);
            ill = if all(&|c| c == "I") { ill + 1 } else { 0 };
            longest_ill = longest_ill.max(ill);
            let was = unexplained;
            unexplained = if all(&|c| matches!(c, "G" | "N" | "O")) {
                unexplained + 1
            } else {
                0
            };
            if unexplained == 10 && was == 9 {
                unexplained_runs += 1;
            }
        }
    }
    assert!(
        longest_ill >= 15,
        "no long illness (longest run {longest_ill} days)"
    );
    assert!(
        (2..=30).contains(&unexplained_runs),
        "{unexplained_runs} runs of 10 unexplained days"
    );
    let c2_pupils: BTreeSet<&String> = finals
        .iter()
        .filter(|(_, m)| m.code == "C2")
        .map(|(k, _)| &k.0)
        .collect();
    assert!(
        (1..=4).contains(&c2_pupils.len()),
        "{} pupils on part-time timetables",
        c2_pupils.len()
    );
    let suspended: BTreeSet<&String> = finals
        .iter()
        .filter(|(_, m)| m.code == "E")
        .map(|(k, _)| &k.0)
        .collect();
    assert!(
        (5..=30).contains(&suspended.len()),
        "{} pupils suspended",
        suspended.len()
    );
    let holiday: BTreeSet<&String> = finals
        .iter()
        .filter(|(_, m)| m.code == "G")
        .map(|(k, _)| &k.0)
        .collect();
    assert!(
        (20..=80).contains(&holiday.len()),
        "{} pupils with term-time holidays",
        holiday.len()
    );
}

#[test]
fn small_and_empty_schools() {
    let empty = generate(&DemoOptions { seed: 3, pupils: 0 });
    assert_eq!(empty.pupils_csv, format!("{PUPILS_HEADER}\n"));
    assert_eq!(empty.marks_csv, format!("{MARKS_HEADER}\n"));
    assert_eq!(empty.amendments_csv, format!("{MARKS_HEADER}\n"));
    let small = generate(&DemoOptions { seed: 3, pupils: 7 });
    let parsed = Parsed::new(&small);
    assert_eq!(parsed.pupils.len(), 7);
    assert!(parsed.pupils.keys().all(|u| upn_valid(u)));
    for ((upn, _, am), m) in &parsed.marks {
        assert!(parsed.pupils.contains_key(upn));
        check_mark(*am, m);
    }
    for (k, _) in &parsed.amendments {
        assert!(parsed.marks.contains_key(k));
    }
}

#[test]
fn write_to_writes_the_four_files() {
    let s = generate(&DemoOptions {
        seed: 5,
        pupils: 20,
    });
    let dir = std::env::temp_dir().join(format!("rollcall-demo-test-{}", std::process::id()));
    s.write_to(&dir).expect("write files");
    for (name, text) in [
        ("calendar.toml", &s.calendar_toml),
        ("pupils.csv", &s.pupils_csv),
        ("marks.csv", &s.marks_csv),
        ("amendments.csv", &s.amendments_csv),
    ] {
        assert_eq!(&std::fs::read_to_string(dir.join(name)).expect(name), text);
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}
