//! A school of 1,000 pupils with a year of generated marks: the evaluation finds plausible counts,
//! and agrees with the core's own statistics on persistent and severe absence.

mod common;

use std::time::Instant;

use common::*;
use rollcall_core::stats::pupil_counts;
use rollcall_core::{BaseCode, Date, MarkFact, Pupil, Session};
use rollcall_rules::{evaluate, Band, LocalPenalty, Period, Policy, PupilRecord, Rate, Rule};

/// SplitMix64: a small deterministic generator, so that the school is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number from 0 to 999.
    fn permille(&mut self) -> u32 {
        (self.next() % 1000) as u32
    }
}

fn school_sessions(from: Date, to: Date) -> Vec<(Date, Session)> {
    let cal = calendar();
    let mut out = Vec::new();
    let mut date = from;
    while date <= to {
        for s in Session::BOTH {
            if cal.is_school_session(date, s, YEAR) {
                out.push((date, s));
            }
        }
        date = date.succ_opt().unwrap();
    }
    out
}

/// One pupil's year: a kind of attender, a holiday for some (10 sessions of `G`) and an illness of
/// three weeks for others (30 sessions of `I`, before any holiday).
fn generate(rng: &mut Rng, sessions: &[(Date, Session)]) -> (Vec<MarkFact>, bool, bool) {
    let kind = rng.permille();
    // Absence per session, in permille, and how much of it is unauthorised.
    let (absence, unauthorised) = match kind {
        0..=699 => (20, 100),
        700..=899 => (70, 400),
        900..=979 => (160, 700),
        _ => (600, 900),
    };
    let holiday = rng.permille() < 100;
    let holiday_start = (rng.next() % (sessions.len() as u64 - 20)) as usize & !1;
    let ill = rng.permille() < 50;
    let ill_start = (rng.next() % (sessions.len() as u64 - 40)) as usize & !1;
    let mut marks = Vec::with_capacity(sessions.len());
    for (i, &(date, session)) in sessions.iter().enumerate() {
        let code = if ill && (ill_start..ill_start + 30).contains(&i) {
            BaseCode::I
        } else if holiday && (holiday_start..holiday_start + 10).contains(&i) {
            BaseCode::G
        } else if rng.permille() < absence {
            if rng.permille() < unauthorised {
                [BaseCode::O, BaseCode::O, BaseCode::G, BaseCode::U][(rng.next() % 4) as usize]
            } else {
                [BaseCode::I, BaseCode::I, BaseCode::I, BaseCode::M][(rng.next() % 4) as usize]
            }
        } else if rng.permille() < 30 {
            BaseCode::L
        } else {
            present(session)
        };
        marks.push(MarkFact {
            date,
            session,
            code,
        });
    }
    (marks, holiday, ill)
}

#[test]
fn a_thousand_pupils_over_a_year() {
    let cal = calendar();
    let sessions = school_sessions(d("2024-09-04"), d("2025-07-18"));
    assert_eq!(sessions.len(), 380);
    let mut rng = Rng(2025);
    let pupils: Vec<Pupil> = (0..1000).map(|n| pupil(n, "2024-09-02", None)).collect();
    let (mut holidays, mut illnesses) = (0, 0);
    let registers: Vec<Vec<MarkFact>> = (0..1000)
        .map(|_| {
            let (marks, holiday, ill) = generate(&mut rng, &sessions);
            holidays += usize::from(holiday);
            illnesses += usize::from(ill);
            marks
        })
        .collect();
    let keys: Vec<String> = pupils.iter().map(|p| p.upn.to_string()).collect();
    let records: Vec<PupilRecord<'_>> = pupils
        .iter()
        .zip(&registers)
        .zip(&keys)
        .map(|((pupil, marks), key)| PupilRecord { key, pupil, marks })
        .collect();

    let as_of = d("2025-07-18");
    let started = Instant::now();
    let findings = evaluate(&cal, &records, &Policy::national(), as_of);
    eprintln!(
        "evaluated 1,000 pupils x 380 sessions in {:?}: {} findings",
        started.elapsed(),
        findings.len()
    );

    let count = |rule: Rule| findings.iter().filter(|f| f.rule == rule).count();
    // Persistent and severe absence agree with the core's statistics, pupil by pupil.
    let grid = cal.grid(YEAR, d("2024-09-01"), as_of);
    let (mut pa, mut sa) = (0, 0);
    for (p, marks) in pupils.iter().zip(&registers) {
        let c = pupil_counts(
            &grid,
            (p.admission_date, None),
            d("2024-09-01"),
            as_of,
            marks,
        );
        pa += usize::from(c.persistent_absence());
        sa += usize::from(c.severe_absence());
    }
    assert_eq!(count(Rule::PersistentAbsence), pa);
    assert_eq!(count(Rule::SevereAbsence), sa);
    // About 30% of pupils miss 7% or more; the 10% in the two worst kinds are all persistent.
    assert!((100..=400).contains(&pa), "{pa} persistently absent");
    assert!((5..=50).contains(&sa), "{sa} severely absent");
    // Every holiday of 10 G sessions meets the penalty threshold, and the worst attenders do too.
    let penalised: std::collections::BTreeSet<&str> = findings
        .iter()
        .filter(|f| f.rule == Rule::PenaltyThreshold)
        .map(|f| f.upn.as_str())
        .collect();
    assert!(
        penalised.len() >= holidays,
        "{} < {holidays}",
        penalised.len()
    );
    assert!(penalised.len() <= 600, "{}", penalised.len());
    for f in findings.iter().filter(|f| f.rule == Rule::PenaltyThreshold) {
        assert_eq!(f.evidence.sessions.len(), 10);
        assert!(f.evidence.sessions.iter().all(|s| s.2.is_unauthorised()));
    }
    // Each three-week illness is reported, and few others.
    let sick = count(Rule::Sickness15Days);
    assert!(
        (illnesses..=illnesses + 20).contains(&sick),
        "{sick} for {illnesses} illnesses"
    );
    assert!(illnesses > 20, "{illnesses}");
    assert_eq!(count(Rule::NewPupil), 1000);
    // Every register was taken, and N is never used.
    assert_eq!(count(Rule::RegisterNotTaken), 0);
    assert_eq!(count(Rule::UnresolvedN), 0);
    assert!(findings
        .windows(2)
        .all(|w| (w[0].date, &w[0].upn, w[0].rule.name())
            <= (w[1].date, &w[1].upn, w[1].rule.name())));

    // A school policy: a local rule identical to the national one finds exactly the same
    // sessions, and every pupil below the top band is banded.
    let policy = Policy {
        version: 1,
        bands: vec![
            band("Green", 96, 100),
            band("Amber", 90, 96),
            band("Red", 0, 90),
        ],
        local_penalties: vec![LocalPenalty {
            name: "As the law".into(),
            sessions: 10,
            period: Period::RollingSchoolWeeks(10),
        }],
        persistent_lateness: Some(8),
        ..Policy::national()
    };
    policy.validate().unwrap();
    let started = Instant::now();
    let with_policy = evaluate(&cal, &records, &policy, as_of);
    eprintln!(
        "with a school policy: {:?}, {} findings",
        started.elapsed(),
        with_policy.len()
    );
    let sessions =
        |fs: &[rollcall_rules::Finding], rule: Rule| -> Vec<(String, Date, Option<Session>)> {
            fs.iter()
                .filter(|f| f.rule == rule)
                .map(|f| (f.upn.clone(), f.date, f.session))
                .collect()
        };
    assert_eq!(
        sessions(&with_policy, Rule::LocalPenalty),
        sessions(&findings, Rule::PenaltyThreshold)
    );
    let below_96 = pupils
        .iter()
        .zip(&registers)
        .filter(|(p, marks)| {
            let c = pupil_counts(
                &grid,
                (p.admission_date, None),
                d("2024-09-01"),
                as_of,
                marks,
            );
            (c.present + c.aea) * 100 < 96 * c.possible
        })
        .count();
    let banded = with_policy
        .iter()
        .filter(|f| f.rule == Rule::AttendanceBand)
        .count();
    assert_eq!(banded, below_96);
    let lateness = with_policy
        .iter()
        .filter(|f| f.rule == Rule::PersistentLateness)
        .count();
    assert!(lateness > 0 && lateness < 6 * 1000, "{lateness}");
}

fn band(name: &str, from: u32, to: u32) -> Band {
    Band {
        name: name.into(),
        from: Rate::percent(from),
        to: Rate::percent(to),
        action: String::new(),
    }
}
