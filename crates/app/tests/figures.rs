//! The figures' use cases on the demo school: who sees which pupils' figures, and governors'
//! figures guarded the same way on their page and through the API.

mod common;

use std::collections::BTreeSet;

use common::{School, TODAY};
use rollcall_app::cases::figures::*;
use rollcall_app::registers::parse_day;
use rollcall_app::school_view::{Guarded, GOVERNOR_FIELDS};
use rollcall_app::school_view::{Only, Period};
use rollcall_app::table::Cell;
use rollcall_app::Refusal;
use rollcall_core::YearGroup;

/// The demo school of 300 pupils at 10:00 on the demo's day.
fn demo() -> School {
    School::at(300, "10:00")
}

fn nine() -> YearGroup {
    YearGroup::Year(9)
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, Refusal>) -> bool {
    matches!(r, Err(Refusal::Forbidden))
}

/// The message of an invalid request.
fn invalid<T: std::fmt::Debug>(r: Result<T, Refusal>) -> String {
    match r {
        Err(e @ Refusal::Invalid(_)) => e.to_string(),
        other => panic!("not refused as invalid: {other:?}"),
    }
}

#[test]
fn the_overview_counts_the_pupils_in_reach() {
    let demo = demo();
    let head = demo.app.overview(&demo.actor("head")).unwrap();
    assert_eq!(head.limited_to, None);
    assert!(head.overview.by_year.len() > 1);

    let hoy = demo.app.overview(&demo.actor("hoy9")).unwrap();
    assert_eq!(hoy.limited_to, Some(vec![nine()]));
    let years: Vec<&str> = hoy
        .overview
        .by_year
        .iter()
        .map(|r| r.key.as_str())
        .collect();
    assert_eq!(years, ["9"]);
    assert!(hoy.overview.by_form.iter().all(|r| r.key.starts_with('9')));
    let head_nine = head.overview.by_year.iter().find(|r| r.key == "9").unwrap();
    assert_eq!(hoy.overview.total.year, head_nine.year);
    assert_eq!(hoy.overview.total.week, head_nine.week);

    for user in ["tutor7a", "office", "governor", "parent"] {
        assert!(forbidden(demo.app.overview(&demo.actor(user))), "{user}");
    }
}

#[test]
fn lists_and_their_choices_are_limited_to_the_reach() {
    let demo = demo();
    let every = PupilListQuery::behind_figure(&FilterText::default(), None, None, None).unwrap();
    let head = demo.app.pupil_list(&demo.actor("head"), &every).unwrap();
    assert!(head.choices.years.len() > 1);
    assert_eq!(head.period, Period::year_to_date(parse_day(TODAY).unwrap()));

    let hoy = demo.app.pupil_list(&demo.actor("hoy9"), &every).unwrap();
    assert_eq!(hoy.limited_to, Some(vec![nine()]));
    assert_eq!(hoy.choices.years, BTreeSet::from([nine()]));
    assert!(hoy.choices.forms.iter().all(|(y, _)| *y == nine()));
    assert!(!hoy.list.pupils.is_empty());
    assert!(hoy.list.pupils.iter().all(|(p, _)| p.year_group == nine()));

    // Another year group's list holds nobody for the head of year 9.
    let seven = FilterText {
        year_group: Some("7".into()),
        ..FilterText::default()
    };
    let persistent = PupilListQuery::persistent(&seven, None).unwrap();
    assert_eq!(persistent.only, Only::Persistent);
    let other = demo
        .app
        .pupil_list(&demo.actor("hoy9"), &persistent)
        .unwrap();
    assert!(other.list.pupils.is_empty());
    assert!(!demo
        .app
        .pupil_list(&demo.actor("head"), &persistent)
        .unwrap()
        .list
        .pupils
        .is_empty());

    for user in ["tutor7a", "office", "governor", "parent"] {
        assert!(
            forbidden(demo.app.pupil_list(&demo.actor(user), &every)),
            "{user}"
        );
    }
}

#[test]
fn a_list_is_asked_for_in_words() {
    let today = parse_day(TODAY).unwrap();
    let q = PupilListQuery::behind_figure(
        &FilterText::default(),
        Some("today"),
        Some("false"),
        Some("yes"),
    )
    .unwrap();
    assert_eq!((q.period, q.only), (PeriodChoice::Today, Only::Unmarked));
    assert_eq!(q.period.period(today), Period::day(today));
    let q = PupilListQuery::persistent(&FilterText::default(), Some(" true ")).unwrap();
    assert_eq!(q.only, Only::Severe);

    // This week starts no earlier than the academic year: Sunday 1 September 2024's week
    // started on Monday 26 August.
    let first = parse_day("2024-09-01").unwrap();
    assert_eq!(PeriodChoice::Week.period(first), Period::day(first));
    assert_eq!(
        PeriodChoice::Week.period(today).from,
        parse_day("2025-07-07").unwrap()
    );

    // Every problem is said, each naming its field.
    let bad = FilterText {
        fsm: Some("maybe".into()),
        year_group: Some("Z".into()),
        ..FilterText::default()
    };
    let message = invalid(PupilListQuery::behind_figure(
        &bad,
        Some("fortnight"),
        None,
        None,
    ));
    for part in [
        "fsm: 'maybe' is not true or false",
        "year_group:",
        "period: 'fortnight' is not year, week or today",
    ] {
        assert!(message.contains(part), "{message}");
    }
    assert!(invalid(PupilListQuery::persistent(
        &FilterText::default(),
        Some("often")
    ))
    .contains("severe"));
}

#[test]
fn governors_figures_are_for_governors_and_senior_staff() {
    let demo = demo();
    for user in ["governor", "head", "admin"] {
        let view = demo.app.governor_figures(&demo.actor(user)).unwrap();
        assert!(!view.national.is_empty());
        assert!(matches!(view.figures.whole, Guarded::Shown(_)));
    }
    for user in ["attendance", "hoy9", "tutor7a", "office", "parent"] {
        assert!(
            forbidden(demo.app.governor_figures(&demo.actor(user))),
            "{user}"
        );
    }
}

/// Through the API a governor gets, by any one characteristic, exactly what their page shows:
/// the same groups hidden, the same way.
#[test]
fn the_api_guards_a_governor_s_groups_as_their_page_does() {
    let demo = demo();
    let governor = demo.actor("governor");
    let page = demo.app.governor_figures(&governor).unwrap().figures;
    let mut withheld = 0;
    for b in &page.breakdowns {
        let api = demo
            .app
            .group_figures(&governor, None, None, b.field.name())
            .unwrap();
        let by_api: Vec<Guarded> = api.groups.iter().map(|(_, g)| *g).collect();
        let by_page: Vec<Guarded> = b.rows.iter().map(|(_, g)| *g).collect();
        assert_eq!(by_api, by_page, "{}", b.field.name());
        withheld += by_page
            .iter()
            .filter(|g| matches!(g, Guarded::Withheld))
            .count();
    }
    assert!(withheld > 0, "the demo has a group withheld on the page");
    assert_eq!(page.breakdowns.len(), GOVERNOR_FIELDS.len());
    // The whole school, by nothing.
    let whole = demo.app.group_figures(&governor, None, None, "").unwrap();
    assert_eq!(whole.groups, vec![(vec![], page.whole)]);
}

/// A governor gets figures by one of their page's characteristics at a time, never by several
/// (tables by two, each guarded on its own, could be subtracted from one another to give back a
/// group of fewer than five) nor by form; staff get them by any.
#[test]
fn a_governor_gets_figures_by_one_characteristic_at_a_time() {
    let demo = demo();
    let governor = demo.actor("governor");
    let head = demo.actor("head");
    for by in ["sex,looked_after", "ethnicity,looked_after", "form"] {
        let refused = demo.app.group_figures(&governor, None, None, by);
        assert!(
            matches!(refused, Err(Refusal::Invalid(_))),
            "{by}: {refused:?}"
        );
        assert!(
            demo.app.group_figures(&head, None, None, by).is_ok(),
            "{by}"
        );
    }
    for field in GOVERNOR_FIELDS {
        assert!(demo
            .app
            .group_figures(&governor, None, None, field.name())
            .is_ok());
    }
}

#[test]
fn figures_by_group_count_the_pupils_in_reach() {
    let demo = demo();
    let hoy = demo
        .app
        .group_figures(&demo.actor("hoy9"), None, None, "year_group")
        .unwrap();
    assert_eq!(hoy.groups.len(), 1);
    assert_eq!(hoy.groups[0].0, vec![Cell::Text("9".into())]);
    let all = demo
        .app
        .group_figures(&demo.actor("attendance"), None, None, "year_group")
        .unwrap();
    assert!(all.groups.len() > 1);
    assert!(all.groups.contains(&hoy.groups[0]));
    // Staff see small groups.
    let by_care = demo
        .app
        .group_figures(&demo.actor("attendance"), None, None, "looked_after")
        .unwrap();
    assert!(by_care
        .groups
        .iter()
        .all(|(_, g)| matches!(g, Guarded::Shown(_))));
    assert_eq!(
        (all.from, all.to),
        (parse_day("2024-09-01").unwrap(), parse_day(TODAY).unwrap())
    );

    for user in ["tutor7a", "office", "parent"] {
        assert!(
            forbidden(demo.app.group_figures(&demo.actor(user), None, None, "")),
            "{user}"
        );
    }
}

#[test]
fn figures_by_group_say_what_is_wrong_with_the_question() {
    let demo = demo();
    let head = demo.actor("head");
    let message =
        invalid(
            demo.app
                .group_figures(&head, Some("March"), Some("2025-13-01"), "colour"),
        );
    for part in [
        "from: 'March' is not a date",
        "to: '2025-13-01'",
        "'colour'",
    ] {
        assert!(message.contains(part), "{message}");
    }
    let backwards =
        invalid(
            demo.app
                .group_figures(&head, Some("2025-03-01"), Some("2025-02-01"), ""),
        );
    assert!(backwards.contains("before it starts"), "{backwards}");
    // The role is refused before the question is read.
    assert!(forbidden(demo.app.group_figures(
        &demo.actor("tutor7a"),
        Some("March"),
        None,
        ""
    )));
}
