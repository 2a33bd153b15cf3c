//! Casework: the school's ladder as policy, the alerts worklist, cases and their actions, the
//! owner's list and contracts, each checked with the actor's permission and reach.

mod common;

use rollcall_app::casework::{ladder, ladder_from_table, Ladder};
use rollcall_core::Role;
use rollcall_store::SchoolId;

/// The example policies of `policies/examples/`: each is saved through the same path as
/// `rollcall policy set` and its ladder read back.
#[test]
fn every_example_policy_loads_and_validates() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/examples");
    let mut stages = Vec::new();
    for (name, expected) in [
        ("banded-trust.toml", 7),
        ("academy-trust.toml", 5),
        ("church-primary.toml", 3),
        ("county-primary.toml", 4),
        ("secondary-academy.toml", 5),
    ] {
        let mut store = rollcall_app::open_store(":memory:").unwrap();
        let actor = rollcall_app::Actor::command_line("Head", Role::Headteacher);
        rollcall_app::alerts::save_policy(store.as_mut(), None, &dir.join(name), &actor)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let l = ladder(store.as_mut(), SchoolId(1)).unwrap();
        assert_eq!(l.stages.len(), expected, "{name}");
        assert_ne!(l, Ladder::default(), "{name}");
        stages.push(l);
    }
    // 004's five stages, the last a live case with the education welfare service that a case
    // may skip to.
    let secondary = &stages[4];
    assert!(secondary.stages[4].skip_to);
    assert_eq!(
        secondary.stages[3].letter.as_deref(),
        Some("meeting_invitation")
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        5,
        "one example per seed policy"
    );
    // No policy: the default ladder.
    let none = ladder_from_table("none", &toml::Table::new()).unwrap();
    assert_eq!(none, Ladder::default());
}

use chrono::NaiveDateTime;
use common::{School, TODAY};
use rollcall_app::cases::casework::{ActionForm, ContractForm, OpenCaseForm, WorklistFilter};
use rollcall_app::casework::Due;
use rollcall_app::records::{ActionKind, ContractDecision};
use rollcall_app::{App, Clock, Refusal};
use rollcall_core::codes::Category;
use rollcall_core::{parse_date, Date, YearGroup};
use rollcall_store::{DateRange, Store, StoredPupil};

fn store(s: &School) -> Box<dyn Store> {
    rollcall_app::open_store(&s.url).unwrap()
}

fn school_id(s: &School) -> SchoolId {
    rollcall_app::resolve_school(store(s).as_mut(), None)
        .unwrap()
        .id
}

fn d(text: &str) -> Date {
    parse_date(text).unwrap()
}

/// The pupils on roll of a year group.
fn of_year(s: &School, year: u8) -> Vec<StoredPupil> {
    store(s)
        .pupils(school_id(s))
        .unwrap()
        .into_iter()
        .filter(|p| p.pupil.year_group == YearGroup::Year(year) && p.pupil.leaving_date.is_none())
        .collect()
}

/// The application over the same school with the clock stopped at `when` (`YYYY-MM-DD HH:MM`).
fn app_at(s: &School, when: &str) -> App {
    let url = s.url.clone();
    App::with_opener(
        Box::new(move || rollcall_app::open_store(&url)),
        Clock::Fixed(NaiveDateTime::parse_from_str(when, "%Y-%m-%d %H:%M").unwrap()),
    )
}

fn by_hand(upn: &str) -> OpenCaseForm {
    OpenCaseForm {
        upn: upn.into(),
        reason: "Parent asked for help with mornings".into(),
        ..OpenCaseForm::default()
    }
}

fn action(kind: &str, on: &str, review_on: &str) -> ActionForm {
    ActionForm {
        kind: kind.into(),
        on: on.into(),
        summary: format!("{kind} on {on}"),
        review_on: review_on.into(),
        ..ActionForm::default()
    }
}

/// Present (with approved educational activity) and possible sessions of a pupil's marks over
/// `from..=to`, counted by hand from the marks.
fn by_hand_counts(s: &School, pupil: &StoredPupil, from: &str, to: &str) -> (u32, u32) {
    let facts = store(s)
        .mark_facts(school_id(s), DateRange::between(d(from), d(to)))
        .unwrap();
    let mut present = 0;
    let mut possible = 0;
    for f in facts.iter().filter(|f| f.pupil == pupil.id) {
        let c = f.fact.code.category();
        if c.is_possible() {
            possible += 1;
        }
        if matches!(c, Category::Present | Category::Aea) {
            present += 1;
        }
    }
    (present, possible)
}

#[test]
fn a_head_of_year_works_only_on_the_cases_of_their_years() {
    let s = School::at(150, "10:00");
    let hoy = s.actor("hoy9");
    let officer = s.actor("attendance");
    let y10 = &of_year(&s, 10)[0];
    let y9 = &of_year(&s, 9)[0];
    assert!(matches!(
        s.app
            .open_case_by_hand(&hoy, &by_hand(y10.pupil.upn.as_str())),
        Err(Refusal::Forbidden)
    ));
    let other = s
        .app
        .open_case_by_hand(&officer, &by_hand(y10.pupil.upn.as_str()))
        .unwrap();
    assert!(matches!(
        s.app.case_page(&hoy, other),
        Err(Refusal::Forbidden)
    ));
    assert!(matches!(
        s.app
            .log_case_action(&hoy, other, &action("phone_call", "", "")),
        Err(Refusal::Forbidden)
    ));
    // A case that does not exist is refused to them the same way.
    assert!(matches!(
        s.app.case_page(&hoy, other + 100),
        Err(Refusal::Forbidden)
    ));
    let own = s
        .app
        .open_case_by_hand(&hoy, &by_hand(y9.pupil.upn.as_str()))
        .unwrap();
    let list = s.app.case_list(&hoy, false, "").unwrap();
    assert_eq!(
        list.open.iter().map(|c| c.case.id).collect::<Vec<_>>(),
        [own]
    );
    assert_eq!(s.app.case_list(&officer, false, "").unwrap().open.len(), 2);
    // The worklist shows a head of year only their years' pupils.
    let worklist = s
        .app
        .alerts_worklist(&hoy, &WorklistFilter::default())
        .unwrap();
    assert!(!worklist.items.is_empty());
    assert!(worklist
        .items
        .iter()
        .all(|i| i.pupil.pupil.year_group == YearGroup::Year(9)));
    // The safeguarding lead sees cases too.
    assert!(s.app.case_page(&s.actor("dsl"), other).is_ok());
}

#[test]
fn governors_parents_tutors_the_office_and_administrators_never_see_casework() {
    let s = School::at(150, "10:00");
    let case = s
        .app
        .open_case_by_hand(
            &s.actor("head"),
            &by_hand(of_year(&s, 7)[0].pupil.upn.as_str()),
        )
        .unwrap();
    for who in ["governor", "parent", "tutor7a", "office", "admin"] {
        let a = s.actor(who);
        assert!(
            matches!(
                s.app.alerts_worklist(&a, &WorklistFilter::default()),
                Err(Refusal::Forbidden)
            ),
            "{who}"
        );
        assert!(
            matches!(s.app.case_page(&a, case), Err(Refusal::Forbidden)),
            "{who}"
        );
        assert!(
            matches!(s.app.case_list(&a, false, ""), Err(Refusal::Forbidden)),
            "{who}"
        );
        assert!(
            matches!(s.app.cases_due(&a), Err(Refusal::Forbidden)),
            "{who}"
        );
        assert!(
            matches!(
                s.app
                    .open_case_by_hand(&a, &by_hand(of_year(&s, 7)[0].pupil.upn.as_str())),
                Err(Refusal::Forbidden)
            ),
            "{who}"
        );
    }
}

#[test]
fn a_dismissed_alert_leaves_the_worklist_and_stays_dismissed() {
    let s = School::at(150, "10:00");
    let officer = s.actor("attendance");
    let before = s
        .app
        .alerts_worklist(&officer, &WorklistFilter::default())
        .unwrap();
    let item = before.items[0].clone();
    assert!(matches!(
        s.app.dismiss_alert(&officer, &item.key, "  "),
        Err(Refusal::Invalid(_))
    ));
    s.app
        .dismiss_alert(&officer, &item.key, "Known: hospital stay")
        .unwrap();
    let after = s
        .app
        .alerts_worklist(&officer, &WorklistFilter::default())
        .unwrap();
    assert!(after.items.iter().all(|i| i.key != item.key));
    assert_eq!(after.dealt_with, before.dealt_with + 1);
    assert!(s.app.dismiss_alert(&officer, &item.key, "again").is_err());
    // The next day it is still dismissed.
    let tomorrow = app_at(&s, "2025-07-09 10:00");
    let next = tomorrow
        .alerts_worklist(&officer, &WorklistFilter::default())
        .unwrap();
    assert!(next.items.iter().all(|i| i.key != item.key));
    let all = tomorrow
        .alerts_worklist(
            &officer,
            &WorklistFilter {
                all: true,
                ..WorklistFilter::default()
            },
        )
        .unwrap();
    let kept = all.items.iter().find(|i| i.key == item.key).expect("kept");
    assert!(kept.disposition.is_some());
}

#[test]
fn alerts_dated_after_the_last_look_are_new() {
    let s = School::at(150, "10:00");
    let officer = s.actor("attendance");
    let looked = chrono::DateTime::parse_from_rfc3339("2025-07-01T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    store(&s)
        .mark_alerts_seen(school_id(&s), officer.user.unwrap(), looked)
        .unwrap();
    let first = s
        .app
        .alerts_worklist(&officer, &WorklistFilter::default())
        .unwrap();
    assert_eq!(first.last_looked, Some(looked));
    assert!(first.items.iter().any(|i| i.new));
    assert!(first.items.iter().any(|i| !i.new));
    for i in &first.items {
        assert_eq!(i.new, i.finding.date > d("2025-07-01"), "{}", i.key);
    }
    // Looking again the same day: nothing is new.
    let second = s
        .app
        .alerts_worklist(&officer, &WorklistFilter::default())
        .unwrap();
    assert!(second.items.iter().all(|i| !i.new));
    // Filters: one rule, one year.
    let rule = first.items[0].finding.rule.name().to_owned();
    let only = s
        .app
        .alerts_worklist(
            &officer,
            &WorklistFilter {
                rule: rule.clone(),
                year: "9".into(),
                ..WorklistFilter::default()
            },
        )
        .unwrap();
    assert!(only
        .items
        .iter()
        .all(|i| i.finding.rule.name() == rule && i.pupil.pupil.year_group == YearGroup::Year(9)));
}

#[test]
fn an_alert_opens_a_case_or_joins_the_pupils_open_case() {
    let s = School::at(150, "10:00");
    let officer = s.actor("attendance");
    let list = s
        .app
        .alerts_worklist(&officer, &WorklistFilter::default())
        .unwrap();
    let first = list.items[0].clone();
    let case = s
        .app
        .open_case_from_alert(&officer, &first.key, &OpenCaseForm::default())
        .unwrap();
    let page = s.app.case_page(&officer, case).unwrap();
    assert_eq!(page.case.case.stage, "at_risk");
    assert_eq!(page.pupil.id, first.pupil.id);
    assert!(page.case.actions[0]
        .action
        .summary
        .contains(&first.finding.evidence.summary));
    let again = s
        .app
        .alerts_worklist(&officer, &WorklistFilter::default())
        .unwrap();
    assert!(again.items.iter().all(|i| i.key != first.key));
    // Another alert of the same pupil joins the case.
    if let Some(more) = again.items.iter().find(|i| i.pupil.id == first.pupil.id) {
        assert_eq!(more.open_case, Some(case));
        s.app.add_alert_to_case(&officer, &more.key, case).unwrap();
        assert_eq!(
            s.app.case_page(&officer, case).unwrap().case.actions.len(),
            2
        );
    }
    // A second case for a pupil with an open one is refused.
    assert!(s
        .app
        .open_case_by_hand(&officer, &by_hand(first.pupil.pupil.upn.as_str()))
        .is_err());
}

#[test]
fn a_case_moves_only_along_the_ladder() {
    let s = School::at(150, "10:00");
    let hoy = s.actor("hoy9");
    let case = s
        .app
        .open_case_by_hand(&hoy, &by_hand(of_year(&s, 9)[1].pupil.upn.as_str()))
        .unwrap();
    let stage = |s: &School| s.app.case_page(&hoy, case).unwrap().case.case.stage;
    // The demo's ladder: at_risk, hoy_call, first_letter, contract, education_welfare (which a
    // case may skip to).
    let err = s
        .app
        .move_case_stage(&hoy, case, "first_letter", "")
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not allow"), "{err}");
    assert!(s.app.move_case_stage(&hoy, case, "nowhere", "").is_err());
    assert_eq!(stage(&s), "at_risk");
    s.app
        .move_case_stage(&hoy, case, "hoy_call", "No change")
        .unwrap();
    assert_eq!(stage(&s), "hoy_call");
    s.app
        .move_case_stage(
            &hoy,
            case,
            "education_welfare",
            "Holiday taken after refusal",
        )
        .unwrap();
    assert_eq!(stage(&s), "education_welfare");
    s.app.move_case_stage(&hoy, case, "at_risk", "").unwrap();
    assert_eq!(stage(&s), "at_risk");
    let page = s.app.case_page(&hoy, case).unwrap();
    let changes = page
        .case
        .actions
        .iter()
        .filter(|a| a.action.kind == ActionKind::StageChange)
        .count();
    assert_eq!(changes, 3);
    // Opening straight on a stage that may not be skipped to is refused.
    let err = s
        .app
        .open_case_by_hand(
            &hoy,
            &OpenCaseForm {
                stage: "contract".into(),
                ..by_hand(of_year(&s, 9)[2].pupil.upn.as_str())
            },
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot open"), "{err}");
    // A closed case is kept, and refuses changes.
    s.app.close_case(&hoy, case, "improved", "").unwrap();
    assert!(s.app.move_case_stage(&hoy, case, "hoy_call", "").is_err());
    assert!(!s.app.case_page(&hoy, case).unwrap().case.is_open());
}

#[test]
fn impact_is_counted_over_the_periods_between_actions() {
    let s = School::at(150, "10:00");
    let officer = s.actor("attendance");
    let pupil = of_year(&s, 8)[0].clone();
    let case = s
        .app
        .open_case_by_hand(&officer, &by_hand(pupil.pupil.upn.as_str()))
        .unwrap();
    s.app
        .log_case_action(&officer, case, &action("phone_call", "2025-06-16", ""))
        .unwrap();
    s.app
        .log_case_action(&officer, case, &action("letter", "2025-06-30", ""))
        .unwrap();
    let page = s.app.case_page(&officer, case).unwrap();
    let periods: Vec<(Date, Date)> = page.impact.iter().map(|p| (p.from, p.to)).collect();
    assert_eq!(
        periods,
        [
            (d("2024-09-01"), d("2025-06-15")),
            (d("2025-06-16"), d("2025-06-29")),
            (d("2025-06-30"), d("2025-07-07")),
            (d("2025-07-08"), d("2025-07-08")),
        ]
    );
    for p in &page.impact {
        let (present, possible) =
            by_hand_counts(&s, &pupil, &p.from.to_string(), &p.to.to_string());
        assert_eq!(
            (p.counts.present + p.counts.aea, p.counts.possible),
            (present, possible),
            "{} to {}",
            p.from,
            p.to
        );
    }
    assert_eq!(page.impact[1].after, [ActionKind::PhoneCall]);
    assert!(page.impact[1].counts.possible > 0);
}

#[test]
fn a_review_is_on_the_owners_list_on_its_day_and_when_overdue_not_before() {
    let s = School::at(150, "10:00");
    let officer = s.actor("attendance");
    let case = s
        .app
        .open_case_by_hand(&officer, &by_hand(of_year(&s, 11)[0].pupil.upn.as_str()))
        .unwrap();
    let call = s
        .app
        .log_case_action(&officer, case, &action("phone_call", "", "2025-07-10"))
        .unwrap();
    let reviews = |app: &App| -> Vec<Date> {
        app.cases_due(&officer)
            .unwrap()
            .into_iter()
            .filter(|c| c.case.case.id == case)
            .flat_map(|c| c.due)
            .filter_map(|d| match d {
                Due::Review { action, on, .. } if action == call => Some(on),
                _ => None,
            })
            .collect()
    };
    assert!(reviews(&s.app).is_empty(), "not before its day");
    assert!(reviews(&app_at(&s, "2025-07-09 09:00")).is_empty());
    assert_eq!(reviews(&app_at(&s, "2025-07-10 09:00")), [d("2025-07-10")]);
    assert_eq!(reviews(&app_at(&s, "2025-07-14 09:00")), [d("2025-07-10")]);
    // Its owner only: the head's list does not show it.
    assert!(app_at(&s, "2025-07-10 09:00")
        .cases_due(&s.actor("head"))
        .unwrap()
        .iter()
        .all(|c| c.case.case.id != case));
    // Done, it leaves the list.
    let later = app_at(&s, "2025-07-10 09:00");
    later
        .complete_case_review(&officer, case, call, "Back in every day")
        .unwrap();
    assert!(reviews(&later).is_empty());
    // The stage's expected actions not yet done are listed too (at_risk expects a note, which
    // the opening note is): none expected is missing.
    let due = later.cases_due(&officer).unwrap();
    let mine = due.iter().find(|c| c.case.case.id == case);
    assert!(mine.is_none_or(|c| !c.due.contains(&Due::Expected(ActionKind::Note))));
}

/// A pupil of year 9 with present and absent sessions since `from`.
fn mixed_pupil(s: &School, from: &str) -> StoredPupil {
    of_year(s, 9)
        .into_iter()
        .find(|p| {
            let (present, possible) = by_hand_counts(s, p, from, TODAY);
            present > 0 && present < possible
        })
        .expect("a pupil with some absence")
}

#[test]
fn a_contract_is_reviewed_on_the_marks_since_it_began() {
    let s = School::at(150, "10:00");
    let hoy = s.actor("hoy9");
    let pupil = mixed_pupil(&s, "2025-06-02");
    let (present, possible) = by_hand_counts(&s, &pupil, "2025-06-02", TODAY);
    let case = s
        .app
        .open_case_by_hand(&hoy, &by_hand(pupil.pupil.upn.as_str()))
        .unwrap();
    s.app.move_case_stage(&hoy, case, "hoy_call", "").unwrap();
    let form = |target: &str| ContractForm {
        kind: "parenting".into(),
        difficulties: "Getting up in the morning".into(),
        actions: vec![[
            "Parent".into(),
            "Alarm at 7".into(),
            "Mother".into(),
            String::new(),
        ]],
        target: target.into(),
        start: "2025-06-02".into(),
        review_on: TODAY.into(),
        signatures: vec![["Mary Parent".into(), String::new()]],
    };
    // Bad input changes nothing.
    assert!(s.app.record_contract(&hoy, case, &form("101")).is_err());
    assert!(s
        .app
        .record_contract(
            &hoy,
            case,
            &ContractForm {
                signatures: vec![],
                ..form("95")
            }
        )
        .is_err());
    assert!(s.app.case_page(&hoy, case).unwrap().contracts.is_empty());

    // A target of 100% with some absence is not met; the review says so from the marks.
    let strict = s.app.record_contract(&hoy, case, &form("100")).unwrap();
    let page = s.app.contract_page(&hoy, case, strict).unwrap();
    assert_eq!(
        (page.since.present + page.since.aea, page.since.possible),
        (present, possible)
    );
    assert!(!page.met);
    assert!(page.contract.contract.kind.basis().is_some());
    // Its review is on the owner's list today, the day set.
    assert!(s
        .app
        .cases_due(&hoy)
        .unwrap()
        .iter()
        .any(|c| c.case.case.id == case
            && c.due.iter().any(|d| matches!(
                d,
                Due::Review {
                    kind: ActionKind::Contract,
                    ..
                }
            ))));
    s.app
        .review_contract(&hoy, case, strict, "ended_broken", "Not kept")
        .unwrap();
    let after = s.app.case_page(&hoy, case).unwrap();
    let review = &after.contracts[0].reviews[0];
    assert!(!review.met);
    assert_eq!(
        (review.attended.present, review.attended.possible),
        (present, possible)
    );
    assert_eq!(review.decision, ContractDecision::EndedBroken);
    assert_eq!(
        after.case.case.stage, "first_letter",
        "broken moves the case on"
    );
    assert!(s
        .app
        .review_contract(&hoy, case, strict, "continue", "")
        .is_err());
    // The contract's review is done with it.
    assert!(after.due.iter().all(|d| !matches!(
        d,
        Due::Review {
            kind: ActionKind::Contract,
            ..
        }
    )));

    // A target of 1% is met by any attendance.
    let easy = s.app.record_contract(&hoy, case, &form("1")).unwrap();
    s.app
        .review_contract(&hoy, case, easy, "ended_met", "")
        .unwrap();
    let met = s.app.case_page(&hoy, case).unwrap();
    let review = &met.contracts[1].reviews[0];
    assert!(review.met);
    assert_eq!(met.case.case.stage, "first_letter", "met leaves the stage");
}

#[test]
fn anything_may_log_itself_on_a_pupils_open_case() {
    let s = School::at(150, "10:00");
    let officer = s.actor("attendance");
    let pupil = of_year(&s, 10)[3].clone();
    let mut st = store(&s);
    let letter = rollcall_store::CaseAction {
        kind: ActionKind::Letter,
        on: d(TODAY),
        by: officer.user.unwrap(),
        summary: "First concern letter".into(),
        details: rollcall_app::records::ActionDetails::None,
        review_on: None,
        document: Some(7),
        recorded: officer.recorded_at(s.app.now()),
    };
    let school = school_id(&s);
    assert_eq!(
        rollcall_app::casework::log_on_open_case(st.as_mut(), school, pupil.id, &letter).unwrap(),
        None
    );
    let case = s
        .app
        .open_case_by_hand(&officer, &by_hand(pupil.pupil.upn.as_str()))
        .unwrap();
    let id = rollcall_app::casework::log_on_open_case(st.as_mut(), school, pupil.id, &letter)
        .unwrap()
        .expect("logged");
    let page = s.app.case_page(&officer, case).unwrap();
    let logged = page.case.actions.iter().find(|a| a.id == id).unwrap();
    assert_eq!(logged.action.document, Some(7));
}
