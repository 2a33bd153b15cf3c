//! Rewards and eligibility: each rule of the policy on hand-made registers, then the use cases on
//! the demo school (who may see which lists, targets set and shown, the policy checked).

mod common;

use chrono::Duration;
use common::School;
use rollcall_app::cases::rewards::*;
use rollcall_app::rewards::*;
use rollcall_app::Refusal;
use rollcall_core::marks::{MarkFact, Recorded};
use rollcall_core::{Calendar, Code, Date, HalfTerm, Pupil, Session, YearGroup};
use rollcall_rules::Rate;
use rollcall_store::{AttendanceTarget, PupilId, PupilMarkFact, StoredPupil, StoredTarget};

fn d(s: &str) -> Date {
    rollcall_core::parse_date(s).unwrap()
}

/// Two half terms of autumn 2024 (Monday 2 September to Friday 20 December).
fn calendar() -> Calendar {
    let h = |name: &str, start: &str, end: &str| HalfTerm {
        name: name.into(),
        start: d(start),
        end: d(end),
    };
    Calendar::new(
        vec![
            h("Autumn 1", "2024-09-02", "2024-10-25"),
            h("Autumn 2", "2024-11-04", "2024-12-20"),
        ],
        vec![],
    )
    .unwrap()
}

/// The first two school weeks: 20 sessions.
const FROM: &str = "2024-09-02";
const TO: &str = "2024-09-13";

fn pupil(n: u64, form: &str, admitted: &str) -> StoredPupil {
    let upn =
        rollcall_core::Upn::with_check_letter(&format!("{:012}", 822_400_000_000 + n)).unwrap();
    StoredPupil {
        id: PupilId(n as i64),
        pupil: Pupil {
            form: Some(form.into()),
            ..Pupil::new(
                upn,
                format!("Surname{n:02}"),
                format!("Forename{n:02}"),
                d("2013-05-17"),
                YearGroup::Year(7),
                d(admitted),
            )
        },
    }
}

/// Every school session of the period marked `/`, except the `(index, code)` given, counting
/// sessions from the first morning.
fn marks(p: &StoredPupil, except: &[(usize, &str)]) -> Vec<PupilMarkFact> {
    let cal = calendar();
    let mut out = Vec::new();
    let mut date = d(FROM);
    let mut i = 0;
    while date <= d(TO) {
        for session in [Session::Am, Session::Pm] {
            if cal.is_school_session(date, session, YearGroup::Year(7)) {
                let code = except
                    .iter()
                    .find(|(at, _)| *at == i)
                    .map_or("/", |(_, c)| *c);
                out.push(PupilMarkFact {
                    pupil: p.id,
                    fact: MarkFact {
                        date,
                        session,
                        code: Code::parse_stored(code).unwrap().base(),
                    },
                });
                i += 1;
            }
        }
        date += Duration::days(1);
    }
    out
}

fn earners(pupils: &[StoredPupil], facts: &[PupilMarkFact], rules: &RewardRules) -> Vec<i64> {
    let figures = figures(&calendar(), pupils, facts, d(FROM), d(TO));
    full_attendance(&figures, rules)
        .iter()
        .map(|f| f.pupil.id.0)
        .collect()
}

#[test]
fn late_marks_disqualify_only_as_the_policy_says() {
    let (a, b) = (pupil(1, "7A", FROM), pupil(2, "7A", FROM));
    // Two L (present, late) for the first; one U (late after the register closed) for the second.
    let facts = [marks(&a, &[(0, "L"), (5, "L")]), marks(&b, &[(3, "U")])].concat();
    let pupils = [a, b];
    let mut rules = RewardRules::default();
    assert_eq!(
        earners(&pupils, &facts, &rules),
        [1],
        "L is present; U is unauthorised absence"
    );
    rules.lates_allowed = Some(2);
    assert_eq!(earners(&pupils, &facts, &rules), [1]);
    rules.lates_allowed = Some(1);
    assert!(earners(&pupils, &facts, &rules).is_empty());
    let f = figures(&calendar(), &pupils[..1], &facts, d(FROM), d(TO));
    assert_eq!(
        full_attendance_missed(&f[0].counts, &rules).unwrap(),
        "2 late marks, more than the 1 allowed"
    );
    // U stays unauthorised absence whatever the policy allows of absence.
    rules.lates_allowed = None;
    rules.authorised_absence_disqualifies = false;
    assert_eq!(earners(&pupils, &facts, &rules), [1]);
}

#[test]
fn authorised_absence_disqualifies_unless_the_policy_says_not_and_activities_count() {
    let (ill, trip, holiday) = (
        pupil(1, "7A", FROM),
        pupil(2, "7A", FROM),
        pupil(3, "7A", FROM),
    );
    let facts = [
        marks(&ill, &[(4, "I"), (5, "I")]),
        marks(&trip, &[(6, "V"), (7, "K")]),
        marks(&holiday, &[(8, "G")]),
    ]
    .concat();
    let pupils = [ill, trip, holiday];
    let mut rules = RewardRules::default();
    assert_eq!(
        earners(&pupils, &facts, &rules),
        [2],
        "an educational visit is attendance; illness is absence"
    );
    rules.authorised_absence_disqualifies = false;
    assert_eq!(earners(&pupils, &facts, &rules), [1, 2]);
}

#[test]
fn a_pupil_needs_the_minimum_possible_sessions() {
    // Joined on the last Thursday of the period: 4 sessions.
    let newcomer = pupil(1, "7A", "2024-09-12");
    let facts = marks(&newcomer, &[]);
    let pupils = [newcomer];
    let mut rules = RewardRules::default();
    let f = figures(&calendar(), &pupils, &facts, d(FROM), d(TO));
    assert_eq!(f[0].counts.possible, 4, "only their time on roll counts");
    assert!(earners(&pupils, &facts, &rules).is_empty());
    assert_eq!(
        full_attendance_missed(&f[0].counts, &rules).unwrap(),
        "4 possible sessions, fewer than the 20 needed"
    );
    rules.minimum_possible = 4;
    assert_eq!(earners(&pupils, &facts, &rules), [1]);
}

fn target(id: i64, pupil: PupilId, pct: u32, from: &str, until: Option<&str>) -> StoredTarget {
    StoredTarget {
        id,
        target: AttendanceTarget {
            pupil,
            hundredths: pct * 100,
            reason: format!("Hospital treatment ({pct}%)"),
            from: d(from),
            until: until.map(d),
            recorded: Recorded {
                by: "Sam Patel".into(),
                role: "attendance officer".into(),
                at: chrono::Utc::now(),
            },
        },
    }
}

#[test]
fn an_own_target_makes_an_ineligible_pupil_eligible_and_says_why() {
    let (unwell, other, exact) = (
        pupil(1, "7A", FROM),
        pupil(2, "7A", FROM),
        pupil(3, "7A", FROM),
    );
    // 18 of 20 (90%) for both; 19 of 20 is exactly 95%.
    let facts = [
        marks(&unwell, &[(0, "M"), (1, "I")]),
        marks(&other, &[(0, "O"), (1, "O")]),
        marks(&exact, &[(0, "I")]),
    ]
    .concat();
    let pupils = [unwell.clone(), other, exact];
    let f = figures(&calendar(), &pupils, &facts, d(FROM), d(TO));
    let standard = Rate::percent(95);
    let targets = [target(1, unwell.id, 85, "2024-09-01", None)];
    let list = eligibility(&f, &targets, standard, d(FROM), d(TO));
    let by = |id: i64| list.iter().find(|e| e.figures.pupil.id.0 == id).unwrap();
    assert_eq!(by(1).eligible, Some(true));
    assert_eq!(by(1).threshold.rate(), Rate::percent(85));
    assert!(
        by(1).reason.contains("meets 85%")
            && by(1)
                .reason
                .contains("their own target (Hospital treatment (85%))"),
        "{}",
        by(1).reason
    );
    assert_eq!(by(2).eligible, Some(false));
    assert_eq!(
        by(2).reason,
        "attendance 90.00% (18 of 20 sessions) is below 95%, the standard threshold"
    );
    assert_eq!(by(3).eligible, Some(true), "exactly 95% meets 95%");
    // Without the target the pupil is not eligible.
    let without = eligibility(&f, &[], standard, d(FROM), d(TO));
    assert_eq!(without[0].eligible, Some(false));
    // A later target supersedes it; one that ended before the period began applies no more,
    // and does not bring back the earlier one.
    let later = [
        target(1, unwell.id, 85, "2024-09-01", None),
        target(2, unwell.id, 92, "2024-09-10", None),
    ];
    let list = eligibility(&f, &later, standard, d(FROM), d(TO));
    assert_eq!(list[0].threshold.rate(), Rate::percent(92));
    assert_eq!(list[0].eligible, Some(false));
    let ended = [
        target(1, unwell.id, 85, "2024-06-01", None),
        target(2, unwell.id, 80, "2024-06-01", Some("2024-07-20")),
    ];
    let list = eligibility(&f, &ended, standard, d(FROM), d(TO));
    assert_eq!(list[0].threshold, Threshold::Standard(standard));
}

#[test]
fn most_improved_are_ordered_by_points_gained_with_ties_kept() {
    let p: Vec<StoredPupil> = (1..=5).map(|n| pupil(n, "7A", FROM)).collect();
    // The first week against the second (10 sessions each).
    let absences: [&[(usize, &str)]; 5] = [
        &[(0, "O"), (1, "O"), (2, "O"), (3, "O")], // 60% → 100%: +40
        &[(0, "O"), (1, "O"), (2, "O"), (10, "O")], // 70% → 90%: +20
        &[(0, "O"), (1, "O"), (2, "O"), (10, "O")], // the same: tied
        &[(0, "O")],                               // 90% → 100%: +10
        &[(10, "O")],                              // 100% → 90%: worse
    ];
    let facts: Vec<PupilMarkFact> = p
        .iter()
        .zip(absences)
        .flat_map(|(p, a)| marks(p, a))
        .collect();
    let cal = calendar();
    let before = figures(&cal, &p, &facts, d("2024-09-02"), d("2024-09-06"));
    let after = figures(&cal, &p, &facts, d("2024-09-09"), d("2024-09-13"));
    let rules = RewardRules {
        minimum_possible: 10,
        improved_by: 1000,
        improved_listed: 2,
        ..RewardRules::default()
    };
    let list = most_improved(&before, &after, &rules);
    let ids: Vec<i64> = list.iter().map(|i| i.pupil.id.0).collect();
    assert_eq!(
        ids,
        [1, 2, 3],
        "two listed, and the pupil tied with the second"
    );
    assert_eq!(list[0].points_text(), "+40.00 points");
    let fewer = RewardRules {
        improved_by: 2500,
        ..rules.clone()
    };
    assert_eq!(most_improved(&before, &after, &fewer).len(), 1);
    let wider = RewardRules {
        improved_listed: 10,
        ..rules
    };
    let ids: Vec<i64> = most_improved(&before, &after, &wider)
        .iter()
        .map(|i| i.pupil.id.0)
        .collect();
    assert_eq!(
        ids,
        [1, 2, 3, 4],
        "10 points is enough; worse is never listed"
    );
}

#[test]
fn the_best_form_of_each_week_shows_ties() {
    let a = pupil(1, "7A", FROM);
    let b = pupil(2, "7B", FROM);
    let c = pupil(3, "7C", FROM);
    // Week one: 7A and 7B at 100%, 7C at 90%; week two: 7C alone at 100%.
    let facts = [
        marks(&a, &[(12, "O")]),
        marks(&b, &[(13, "I")]),
        marks(&c, &[(0, "O")]),
    ]
    .concat();
    let weeks = best_forms(&calendar(), &[a, b, c], &facts, d(FROM), d(TO));
    assert_eq!(weeks.len(), 2);
    let best = |w: &BestFormWeek| w.best.iter().map(|f| f.form.clone()).collect::<Vec<_>>();
    assert_eq!(weeks[0].monday, d("2024-09-02"));
    assert_eq!(best(&weeks[0]), ["7A", "7B"]);
    assert_eq!(best(&weeks[1]), ["7C"]);
    assert_eq!(weeks[1].forms.len(), 3);
}

#[test]
fn the_calendars_periods_are_half_terms_terms_and_years() {
    let keys: Vec<(String, Date, Date)> = periods(&calendar())
        .into_iter()
        .map(|p| (p.label, p.from, p.to))
        .collect();
    assert_eq!(
        keys,
        [
            ("The year 2024/25".into(), d("2024-09-02"), d("2024-12-20")),
            (
                "The autumn term 2024/25".into(),
                d("2024-09-02"),
                d("2024-12-20")
            ),
            (
                "Half term Autumn 1 (2024/25)".into(),
                d("2024-09-02"),
                d("2024-10-25")
            ),
            (
                "Half term Autumn 2 (2024/25)".into(),
                d("2024-11-04"),
                d("2024-12-20")
            ),
        ]
    );
}

fn policy_error(text: &str) -> String {
    let s = School::at(60, "10:00");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.toml");
    std::fs::write(&file, text).unwrap();
    let mut st = rollcall_app::open_store(&s.url).unwrap();
    let school = rollcall_app::resolve_school(st.as_mut(), None).unwrap();
    match rollcall_app::alerts::save_policy(st.as_mut(), Some(&school), &file, &s.actor("head")) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_policy_is_checked_when_saved_naming_the_setting() {
    let e = policy_error("[rewards]\nlates_allowed = \"three\"\n");
    assert!(
        e.contains("policy.toml") && e.contains("rewards.lates_allowed"),
        "{e}"
    );
    let e = policy_error("[rewards]\ngiven = [\"full_term\", \"gold_star\"]\n");
    assert!(
        e.contains("rewards.given") && e.contains("gold_star"),
        "{e}"
    );
    let e = policy_error("[eligibility]\nthreshold = 120\n");
    assert!(
        e.contains("eligibility.threshold") && e.contains("more than 100%"),
        "{e}"
    );
    let e = policy_error("[eligibility]\nthreshhold = 90\n");
    assert!(e.contains("unknown setting"), "{e}");
    let e = policy_error("rewards = 3\n");
    assert!(e.contains("[rewards] table"), "{e}");
    assert_eq!(
        policy_error(
            "[rewards]\ngiven = [\"full_term\"]\nlates_allowed = 0\nauthorised_absence_disqualifies = false\nminimum_possible = 30\nimproved_by = 2.5\nimproved_listed = 3\n\n[eligibility]\nthreshold = 92.5\n"
        ),
        "",
        "a good policy is saved"
    );
}

// The use cases on the demo school, whose clock stands on Tuesday 8 July 2025.

fn demo() -> School {
    School::at(120, "10:00")
}

fn full_term(period: &str) -> RewardForm {
    RewardForm {
        reward: "full_term".into(),
        period: period.into(),
        ..RewardForm::default()
    }
}

#[test]
fn lists_name_only_the_pupils_in_reach_and_governors_and_parents_are_refused() {
    let s = demo();
    let choices = s.app.reward_choices(&s.actor("head")).unwrap();
    let spring = choices
        .periods
        .iter()
        .find(|p| p.key.starts_with("term-") && p.label.contains("spring"))
        .unwrap()
        .key
        .clone();
    let whole = s
        .app
        .reward_list(&s.actor("head"), &full_term(&spring))
        .unwrap();
    let RewardOutcome::FullAttendance(all) = &whole.outcome else {
        panic!()
    };
    assert!(!all.is_empty(), "some demo pupils attend every session");
    assert!(all
        .iter()
        .all(|f| f.counts.absent() == 0 && f.counts.possible >= 20));
    let tutor = s
        .app
        .reward_list(&s.actor("tutor7a"), &full_term(&spring))
        .unwrap();
    let RewardOutcome::FullAttendance(own) = &tutor.outcome else {
        panic!()
    };
    assert!(own
        .iter()
        .all(|f| f.pupil.pupil.form.as_deref() == Some("7A")));
    assert_eq!(
        own.len(),
        all.iter()
            .filter(|f| f.pupil.pupil.form.as_deref() == Some("7A"))
            .count()
    );
    let hoy = s
        .app
        .reward_list(&s.actor("hoy9"), &full_term(&spring))
        .unwrap();
    let RewardOutcome::FullAttendance(nine) = &hoy.outcome else {
        panic!()
    };
    assert!(nine
        .iter()
        .all(|f| f.pupil.pupil.year_group == YearGroup::Year(9)));
    // Certificates: one per pupil, with the school's name.
    let certs = s
        .app
        .reward_certificates(&s.actor("tutor7a"), &full_term(&spring))
        .unwrap();
    assert_eq!(certs.len(), own.len());
    if let Some(c) = certs.first() {
        assert_eq!(c.reward, "100% attendance this term");
        assert!(
            c.text.starts_with("for attending every one of the"),
            "{}",
            c.text
        );
        assert!(!c.school.is_empty());
    }
    for who in ["governor", "parent", "office", "dsl", "admin"] {
        let a = s.actor(who);
        assert!(matches!(
            s.app.reward_list(&a, &full_term(&spring)),
            Err(Refusal::Forbidden)
        ));
        assert!(matches!(
            s.app.eligibility(&a, &EligibilityForm::default()),
            Err(Refusal::Forbidden)
        ));
        assert!(matches!(
            s.app.reward_certificates(&a, &full_term(&spring)),
            Err(Refusal::Forbidden)
        ));
    }
    // Bad input says what is wrong.
    let bad = RewardForm {
        reward: "gold".into(),
        ..RewardForm::default()
    };
    assert!(s
        .app
        .reward_list(&s.actor("head"), &bad)
        .unwrap_err()
        .to_string()
        .contains("'gold' is not a reward"));
    let future = RewardForm {
        from: "2025-09-01".into(),
        to: "2025-09-30".into(),
        ..full_term("")
    };
    assert!(s.app.reward_list(&s.actor("head"), &future).is_err());
}

#[test]
fn most_improved_and_best_form_on_the_demo_school() {
    let s = demo();
    let head = s.actor("head");
    let choices = s.app.reward_choices(&head).unwrap();
    let summer = choices
        .periods
        .iter()
        .find(|p| p.key.starts_with("term-") && p.label.contains("summer"))
        .unwrap()
        .key
        .clone();
    let improved = s
        .app
        .reward_list(
            &head,
            &RewardForm {
                reward: "most_improved".into(),
                period: summer.clone(),
                ..RewardForm::default()
            },
        )
        .unwrap();
    let RewardOutcome::MostImproved { before, list } = &improved.outcome else {
        panic!()
    };
    assert!(before.label.contains("spring"), "{}", before.label);
    assert!(list
        .windows(2)
        .all(|w| w[0].points_hundredths() >= w[1].points_hundredths()));
    assert!(list.iter().all(|i| i.points_hundredths() >= 500));
    let best = s
        .app
        .reward_list(
            &s.actor("tutor7a"),
            &RewardForm {
                reward: "best_form".into(),
                from: "2025-06-30".into(),
                to: "2025-07-04".into(),
                ..RewardForm::default()
            },
        )
        .unwrap();
    let RewardOutcome::BestForm(weeks) = &best.outcome else {
        panic!()
    };
    assert_eq!(weeks.len(), 1);
    assert!(!weeks[0].best.is_empty());
    assert!(
        weeks[0].forms.len() > 1,
        "the school's competition shows every form"
    );
}

#[test]
fn an_own_target_is_set_by_the_attendance_officer_and_shown_on_the_list() {
    let s = demo();
    let officer = s.actor("attendance");
    let list = s
        .app
        .eligibility(
            &officer,
            &EligibilityForm {
                threshold: "99.5".into(),
                ..EligibilityForm::default()
            },
        )
        .unwrap();
    assert!(!list.from_policy);
    assert_eq!(list.standard, Rate::from_hundredths(9950));
    let below = list
        .not_eligible()
        .next()
        .expect("someone is below 99.5%")
        .clone();
    let upn = below.figures.pupil.pupil.upn.to_string();
    let c = below.figures.counts;
    let form = TargetForm {
        rate: "50".into(),
        reason: "Long-term medical condition (EHC plan)".into(),
        from: "2024-09-01".into(),
        until: String::new(),
    };
    // A tutor, a head of year, a governor and a parent may not set one.
    for who in ["tutor7a", "hoy9", "governor", "parent", "office"] {
        assert!(matches!(
            s.app.set_target(&s.actor(who), &upn, &form),
            Err(Refusal::Forbidden)
        ));
    }
    // Bad input says what is wrong, and nothing is saved.
    let bad = TargetForm {
        rate: "150".into(),
        reason: " ".into(),
        from: "2024-13-01".into(),
        until: String::new(),
    };
    let e = s
        .app
        .set_target(&officer, &upn, &bad)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("target:") && e.contains("reason:") && e.contains("from:"),
        "{e}"
    );
    assert!(s
        .app
        .pupil_targets(&officer, &upn)
        .unwrap()
        .targets
        .is_empty());
    let saved = s.app.set_target(&officer, &upn, &form).unwrap();
    assert_eq!(saved.target.hundredths, 5000);
    assert_eq!(saved.target.recorded.by, "Sam Patel");
    let shown = s.app.pupil_targets(&s.actor("head"), &upn).unwrap();
    assert_eq!(shown.current.as_ref(), Some(&saved));
    let list = s
        .app
        .eligibility(
            &officer,
            &EligibilityForm {
                threshold: "99.5".into(),
                ..EligibilityForm::default()
            },
        )
        .unwrap();
    let now = list
        .entries
        .iter()
        .find(|e| e.figures.pupil.pupil.upn.to_string() == upn)
        .unwrap();
    if Rate::percent(50).is_met_by(c.present + c.aea, c.possible) {
        assert_eq!(now.eligible, Some(true), "{}", now.reason);
        assert!(
            now.reason.contains("Long-term medical condition"),
            "{}",
            now.reason
        );
    }
    // A new target supersedes it; both are kept.
    let again = TargetForm {
        rate: "60".into(),
        ..form
    };
    s.app.set_target(&officer, &upn, &again).unwrap();
    let shown = s.app.pupil_targets(&officer, &upn).unwrap();
    assert_eq!(shown.targets.len(), 2);
    assert_eq!(shown.current.unwrap().target.hundredths, 6000);
    // Governors and parents are refused the list; a bad threshold is refused.
    assert!(s
        .app
        .eligibility(
            &officer,
            &EligibilityForm {
                threshold: "lots".into(),
                ..EligibilityForm::default()
            }
        )
        .unwrap_err()
        .to_string()
        .contains("'lots' is not a threshold"));
}
