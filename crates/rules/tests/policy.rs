//! A school's policy may add triggers and tighten thresholds, never loosen a statutory duty.

use rollcall_rules::{Band, LocalPenalty, Period, Policy, PolicyError, Rate, Rule};

fn band(name: &str, from: &str, to: &str) -> Band {
    Band {
        name: name.into(),
        from: Rate::parse(from).unwrap(),
        to: Rate::parse(to).unwrap(),
        action: format!("{name} action"),
    }
}

fn local(name: &str, sessions: u32, period: Period) -> LocalPenalty {
    LocalPenalty {
        name: name.into(),
        sessions,
        period,
    }
}

/// The policies of the five schools this product was drawn from, more or less.
fn good() -> Policy {
    Policy {
        version: 4,
        target: Some(Rate::parse("96.5").unwrap()),
        bands: vec![
            band("Excellent", "96", "100"),
            band("Good", "95", "96"),
            band("Concern", "94", "95"),
            band("Serious", "92", "94"),
            band("Persistent", "90", "92"),
            band("Severe", "85", "90"),
            band("Critical", "0", "85"),
        ],
        local_penalties: vec![
            local("15 in a term", 15, Period::Term),
            local("20 unauthorised", 20, Period::RollingSchoolWeeks(12)),
            local("10 in a half term", 10, Period::HalfTerm),
        ],
        persistent_lateness: Some(6),
        penalty_sessions: Some(8),
        penalty_weeks: Some(10),
        disabled: vec!["persistent_lateness".into()],
    }
}

#[test]
fn valid_policies_pass() {
    assert_eq!(Policy::national().validate(), Ok(()));
    assert_eq!(Policy::default(), Policy::national());
    assert_eq!(good().validate(), Ok(()));
    // Exactly the national numbers are not a loosening.
    let same = Policy {
        penalty_sessions: Some(10),
        penalty_weeks: Some(10),
        ..Policy::national()
    };
    assert_eq!(same.validate(), Ok(()));
    assert!(!same.tightens_penalty());
    // A 100%-only band, and bands meeting without overlapping.
    let top = Policy {
        bands: vec![
            band("Perfect", "100", "100"),
            band("Nearly", "99", "99.99"),
            band("Below", "0", "99"),
        ],
        ..Policy::national()
    };
    assert_eq!(top.validate(), Ok(()));
}

#[test]
fn invalid_policies_are_refused_with_a_clear_message() {
    let cases: Vec<(&str, Policy, &str)> = vec![
        (
            "overlapping bands",
            Policy {
                bands: vec![band("Amber", "90", "96"), band("Green", "95", "100")],
                ..Policy::national()
            },
            "bands 'Amber' (90% to 96%) and 'Green' (95% to 100%) overlap",
        ),
        (
            "a band inside another",
            Policy {
                bands: vec![band("All", "0", "100"), band("Red", "50", "60")],
                ..Policy::national()
            },
            "bands 'All' (0% to 100%) and 'Red' (50% to 60%) overlap",
        ),
        (
            "a 100%-only band and a band reaching 100%",
            Policy {
                bands: vec![band("Perfect", "100", "100"), band("Nearly", "99", "100")],
                ..Policy::national()
            },
            "bands 'Perfect' (100% to 100%) and 'Nearly' (99% to 100%) overlap",
        ),
        (
            "an inverted band",
            Policy {
                bands: vec![band("Amber", "96", "90")],
                ..Policy::national()
            },
            "band 'Amber' runs from 96% to 90%: its lower bound must be below its upper bound",
        ),
        (
            "an empty band",
            Policy {
                bands: vec![band("Nothing", "90", "90")],
                ..Policy::national()
            },
            "band 'Nothing' runs from 90% to 90%",
        ),
        (
            "a band above 100%",
            Policy {
                bands: vec![band("Over", "95", "101")],
                ..Policy::national()
            },
            "band 'Over' (95% to 101%) lies outside 0% to 100%",
        ),
        (
            "a band without a name",
            Policy {
                bands: vec![band(" ", "95", "100")],
                ..Policy::national()
            },
            "a band from 95% to 100% has no name",
        ),
        (
            "a target above 100%",
            Policy {
                target: Some(Rate::from_hundredths(10_001)),
                ..Policy::national()
            },
            "the attendance target 100.01% lies outside 0% to 100%",
        ),
        (
            "a local penalty of 0 sessions",
            Policy {
                local_penalties: vec![local("Zero", 0, Period::Term)],
                ..Policy::national()
            },
            "local penalty 'Zero' counts 0 sessions; expected at least 1",
        ),
        (
            "a local penalty over 0 weeks",
            Policy {
                local_penalties: vec![local("Never", 5, Period::RollingSchoolWeeks(0))],
                ..Policy::national()
            },
            "local penalty 'Never' counts over 0 school weeks; expected at least 1",
        ),
        (
            "two local penalties of one name",
            Policy {
                local_penalties: vec![
                    local("Term", 15, Period::Term),
                    local("Term", 10, Period::HalfTerm),
                ],
                ..Policy::national()
            },
            "local penalty 'Term' is given twice",
        ),
        (
            "persistent lateness of 0",
            Policy {
                persistent_lateness: Some(0),
                ..Policy::national()
            },
            "persistent lateness is set to 0",
        ),
        (
            "a looser penalty threshold: more sessions",
            Policy {
                penalty_sessions: Some(12),
                ..Policy::national()
            },
            "penalty_sessions = 12 would loosen the statutory rule penalty_threshold (national value: 10 sessions)",
        ),
        (
            "a looser penalty threshold: fewer weeks",
            Policy {
                penalty_weeks: Some(8),
                ..Policy::national()
            },
            "penalty_weeks = 8 would loosen the statutory rule penalty_threshold (national value: 10 school weeks)",
        ),
        (
            "a penalty threshold of 0 sessions",
            Policy {
                penalty_sessions: Some(0),
                ..Policy::national()
            },
            "penalty_sessions = 0",
        ),
        (
            "switching off a statutory duty",
            Policy {
                disabled: vec!["penalty_threshold".into()],
                ..Policy::national()
            },
            "cannot switch off a statutory duty: penalty_threshold",
        ),
        (
            "switching off persistent absence",
            Policy {
                disabled: vec!["persistent_lateness".into(), "persistent_absence".into()],
                ..Policy::national()
            },
            "cannot switch off a statutory duty: persistent_absence",
        ),
        (
            "an unknown rule",
            Policy {
                disabled: vec!["x".into()],
                ..Policy::national()
            },
            "unknown rule 'x'; expected one of penalty_threshold, unauthorised_10_days,",
        ),
    ];
    let mut failures = Vec::new();
    for (name, policy, message) in cases {
        match policy.validate() {
            Ok(()) => failures.push(format!("{name}: accepted")),
            Err(e) if !e.to_string().contains(message) => {
                failures.push(format!("{name}: '{e}' does not say '{message}'"))
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn loosening_names_the_rule_and_the_national_value() {
    let err = Policy {
        penalty_sessions: Some(11),
        ..Policy::national()
    }
    .validate()
    .unwrap_err();
    match err {
        PolicyError::LoosensStatutory {
            rule,
            setting,
            given,
            ..
        } => {
            assert_eq!(rule, Rule::PenaltyThreshold);
            assert_eq!(setting, "penalty_sessions");
            assert_eq!(given, 11);
        }
        other => panic!("{other:?}"),
    }
    let err = Policy {
        disabled: vec!["penalty_threshold".into()],
        ..Policy::national()
    }
    .validate()
    .unwrap_err();
    assert_eq!(err, PolicyError::CannotDisable(Rule::PenaltyThreshold));
}

#[test]
fn only_the_schools_own_rules_can_be_switched_off() {
    let p = good();
    assert!(p.is_disabled(Rule::PersistentLateness));
    assert!(!p.is_disabled(Rule::LocalPenalty));
    let sneaky = Policy {
        disabled: vec!["penalty_threshold".into()],
        ..Policy::national()
    };
    assert!(!sneaky.is_disabled(Rule::PenaltyThreshold));
}
