//! Random registers checked against plain, slow readings of rules.md, written straight from its
//! words: walking the calendar day by day, with no precomputed grids.

mod common;

use std::collections::BTreeSet;

use common::*;
use proptest::prelude::*;
use rollcall_core::{BaseCode, Calendar, Date, MarkFact, Pupil, Session};
use rollcall_rules::{evaluate, Finding, Policy, PupilRecord, Rule};

const CODES: &[Option<BaseCode>] = &[
    Some(BaseCode::PresentAm),
    Some(BaseCode::PresentAm),
    Some(BaseCode::O),
    Some(BaseCode::O),
    Some(BaseCode::O),
    Some(BaseCode::G),
    Some(BaseCode::N),
    Some(BaseCode::U),
    Some(BaseCode::I),
    Some(BaseCode::Y4),
    Some(BaseCode::C2),
    Some(BaseCode::L),
    None,
];

fn days(from: Date, to: Date) -> impl Iterator<Item = Date> {
    std::iter::successors(Some(from), |d| d.succ_opt()).take_while(move |d| *d <= to)
}

fn school_session(cal: &Calendar, p: &Pupil, date: Date, s: Session) -> bool {
    p.on_roll(date) && cal.is_school_session(date, s, p.year_group)
}

/// The pupil's marks that count: on roll, on a school session, up to as_of.
fn counted(cal: &Calendar, p: &Pupil, marks: &[MarkFact], as_of: Date) -> Vec<MarkFact> {
    marks
        .iter()
        .filter(|m| m.date <= as_of && school_session(cal, p, m.date, m.session))
        .copied()
        .collect()
}

/// Penalty threshold, from the words: the window of a session is its school week and the 9
/// school weeks before it; used sessions never count again.
fn slow_penalty(
    cal: &Calendar,
    p: &Pupil,
    marks: &[MarkFact],
    as_of: Date,
) -> Vec<(Date, Session)> {
    let marks = counted(cal, p, marks, as_of);
    let is_school_week = |monday: Date| {
        days(monday, monday + chrono::Days::new(6))
            .any(|d| Session::BOTH.iter().any(|&s| school_session(cal, p, d, s)))
    };
    // School weeks from the week of `a` to the week of `b`, both counted.
    let weeks_spanned = |a: Date, b: Date| {
        let (a, b) = (
            rollcall_core::dates::week_start(a),
            rollcall_core::dates::week_start(b),
        );
        std::iter::successors(Some(a), |m| Some(*m + chrono::Days::new(7)))
            .take_while(|m| *m <= b)
            .filter(|m| is_school_week(*m))
            .count()
    };
    let mut used = BTreeSet::new();
    let mut out = Vec::new();
    let unauthorised: Vec<&MarkFact> = marks.iter().filter(|m| m.code.is_unauthorised()).collect();
    for (i, t) in unauthorised.iter().enumerate() {
        let window: Vec<usize> = (0..=i)
            .filter(|&j| !used.contains(&j) && weeks_spanned(unauthorised[j].date, t.date) <= 10)
            .collect();
        if window.len() >= 10 {
            used.extend(window);
            out.push((t.date, t.session));
        }
    }
    out
}

/// 10 / 20 consecutive school days of G, N, O: days with no possible session skipped.
fn slow_runs(cal: &Calendar, p: &Pupil, marks: &[MarkFact], as_of: Date, length: u32) -> Vec<Date> {
    let marks = counted(cal, p, marks, as_of);
    let mut out = Vec::new();
    let mut run = 0;
    let first = marks.first().map_or(as_of, |m| m.date);
    for date in days(first, as_of) {
        let possible: Vec<BaseCode> = marks
            .iter()
            .filter(|m| m.date == date && m.code.category().is_possible())
            .map(|m| m.code)
            .collect();
        if possible.is_empty() {
            continue;
        }
        if possible
            .iter()
            .all(|c| matches!(c, BaseCode::G | BaseCode::N | BaseCode::O))
        {
            run += 1;
            if run == length {
                out.push(date);
            }
        } else {
            run = 0;
        }
    }
    out
}

/// Each N still standing on the as-of date whose 5th school day after it has passed.
fn slow_unresolved_n(cal: &Calendar, p: &Pupil, marks: &[MarkFact], as_of: Date) -> Vec<Date> {
    let mut out = Vec::new();
    for m in counted(cal, p, marks, as_of)
        .iter()
        .filter(|m| m.code == BaseCode::N)
    {
        let due = days(m.date.succ_opt().unwrap(), as_of)
            .filter(|&d| {
                Session::BOTH
                    .iter()
                    .any(|&s| cal.is_school_session(d, s, p.year_group))
            })
            .nth(4);
        if let Some(due) = due.filter(|&due| due < as_of) {
            out.push(due);
        }
    }
    out.sort();
    out
}

fn sessions_of(findings: &[Finding], rule: Rule) -> Vec<(Date, Session)> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.date, f.session.unwrap()))
        .collect()
}

fn dates_of(findings: &[Finding], rule: Rule) -> Vec<Date> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.date)
        .collect()
}

fn register(cal: &Calendar, from: Date, to: Date, picks: &[usize]) -> Vec<MarkFact> {
    let mut marks = Vec::new();
    let mut k = 0;
    for date in days(from, to) {
        for s in Session::BOTH {
            if !cal.is_school_session(date, s, YEAR) {
                continue;
            }
            let pick = picks.get(k).copied().unwrap_or(0);
            k += 1;
            if let Some(code) = CODES[pick % CODES.len()] {
                let code = if code == BaseCode::PresentAm {
                    present(s)
                } else {
                    code
                };
                marks.push(MarkFact {
                    date,
                    session: s,
                    code,
                });
            }
        }
    }
    marks
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn agrees_with_the_words_of_rules_md(
        // Mostly long runs of one code, so that thresholds are reached.
        runs in proptest::collection::vec((0usize..CODES.len(), 1usize..30), 1..40),
        admitted in 0u64..120,
        stays in proptest::option::of(20u64..400),
        as_of in 0u64..420,
    ) {
        let cal = calendar();
        let picks: Vec<usize> = runs.iter().flat_map(|&(c, n)| std::iter::repeat_n(c, n)).collect();
        let marks = register(&cal, d("2024-06-03"), d("2025-07-18"), &picks);
        let start = d("2024-06-03");
        let mut p = pupil(1, "2024-06-03", None);
        p.admission_date = start + chrono::Days::new(admitted);
        p.leaving_date = stays.map(|s| p.admission_date + chrono::Days::new(s));
        let as_of = start + chrono::Days::new(as_of);
        let key = p.upn.to_string();
        let records = [PupilRecord { key: &key, pupil: &p, marks: &marks }];
        let findings = evaluate(&cal, &records, &Policy::national(), as_of);

        prop_assert_eq!(sessions_of(&findings, Rule::PenaltyThreshold), slow_penalty(&cal, &p, &marks, as_of));
        prop_assert_eq!(dates_of(&findings, Rule::Unauthorised10Days), slow_runs(&cal, &p, &marks, as_of, 10));
        prop_assert_eq!(dates_of(&findings, Rule::Deletion20Days), slow_runs(&cal, &p, &marks, as_of, 20));
        // The slow reading of unresolved N ignores leaving dates, as the rule does.
        prop_assert_eq!(dates_of(&findings, Rule::UnresolvedN), slow_unresolved_n(&cal, &p, &marks, as_of));

        // Sorted, unique ids, the same on a second run, nothing after as_of, each penalty with
        // its sessions inside the window.
        prop_assert!(findings.windows(2).all(|w| (w[0].date, &w[0].upn, w[0].rule.name()) <= (w[1].date, &w[1].upn, w[1].rule.name())));
        let ids: BTreeSet<String> = findings.iter().map(Finding::id).collect();
        prop_assert_eq!(ids.len(), findings.len());
        prop_assert_eq!(&evaluate(&cal, &records, &Policy::national(), as_of), &findings);
        prop_assert!(findings.iter().all(|f| f.date <= as_of));
        let mut used = BTreeSet::new();
        for f in findings.iter().filter(|f| f.rule == Rule::PenaltyThreshold) {
            let (from, to) = f.evidence.window.unwrap();
            for s in &f.evidence.sessions {
                prop_assert!(from <= s.0 && s.0 <= to && s.2.is_unauthorised());
                prop_assert!(used.insert((s.0, s.1)), "a session counted twice");
            }
        }
    }
}
