//! The overview, the lists of pupils behind its figures, and the governors' figures.

mod common;

use std::collections::{BTreeSet, HashMap};

use axum::http::StatusCode;
use common::*;
use rollcall_core::stats::GroupStats;
use rollcall_core::{parse_date, Counts, Pupil, YearGroup};

/// The year to date's counts of every pupil, from the reports.
fn year_stats(app: &TestApp) -> Vec<(Pupil, Counts)> {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    rollcall_app::reports::pupil_stats(
        store.as_mut(),
        school.id,
        parse_date("2024-09-01").unwrap(),
        parse_date(TODAY).unwrap(),
    )
    .unwrap()
}

/// The UPNs of the pupils a page links to, in the order shown.
fn linked_upns(html: &str) -> Vec<String> {
    html.split("href=\"/pupils/")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        // The navigation's pupil search is no pupil.
        .filter(|path| !path.starts_with("search"))
        .collect()
}

fn group(stats: &[(Pupil, Counts)], keep: impl Fn(&Pupil) -> bool) -> GroupStats {
    let mut g = GroupStats::default();
    for (_, c) in stats.iter().filter(|(p, _)| keep(p)) {
        g.add(c);
    }
    g
}

#[tokio::test]
async fn the_persistent_absence_list_filtered_by_fsm_is_every_fsm_pupil_in_pa() {
    let app = TestApp::new();
    let stats = year_stats(&app);
    let by_upn: HashMap<String, &(Pupil, Counts)> =
        stats.iter().map(|s| (s.0.upn.to_string(), s)).collect();
    let head = app.sign_in("head").await;

    let page = app.get(Some(&head), "/overview/persistent?fsm=true").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let shown = linked_upns(&page.body);
    let expected: BTreeSet<String> = stats
        .iter()
        .filter(|(p, c)| p.fsm && c.persistent_absence())
        .map(|(p, _)| p.upn.to_string())
        .collect();
    assert!(
        !expected.is_empty(),
        "the demo has FSM pupils in persistent absence"
    );
    assert_eq!(shown.len(), expected.len(), "each pupil once");
    assert_eq!(shown.iter().cloned().collect::<BTreeSet<_>>(), expected);
    // Lowest attendance first, compared exactly.
    for w in shown.windows(2) {
        let (a, b) = (&by_upn[&w[0]].1, &by_upn[&w[1]].1);
        assert!(
            rollcall_app::school_view::by_attendance(a, b).is_le(),
            "{} before {}",
            w[0],
            w[1]
        );
    }
    // The group's rate is the reports' own.
    let fsm = group(&stats, |p| p.fsm);
    assert!(page.body.contains(&format!(
        "<strong>{}</strong> of {} pupils ({}%)",
        fsm.pa_pupils,
        fsm.pupils,
        fsm.pa_pct().unwrap()
    )));

    // Severe absence, and a filter on several characteristics at once.
    let page = app
        .get(
            Some(&head),
            "/overview/persistent?severe=true&fsm=false&sex=F",
        )
        .await;
    let expected: BTreeSet<String> = stats
        .iter()
        .filter(|(p, c)| !p.fsm && p.sex == Some(rollcall_core::Sex::F) && c.severe_absence())
        .map(|(p, _)| p.upn.to_string())
        .collect();
    assert_eq!(
        linked_upns(&page.body).into_iter().collect::<BTreeSet<_>>(),
        expected
    );

    // A filter that makes no sense is refused with a reason.
    let bad = app.get(Some(&head), "/overview/persistent?fsm=maybe").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("fsm"));
}

/// Which pupils a filter should keep.
type Keep = Box<dyn Fn(&Pupil) -> bool>;

#[tokio::test]
async fn every_characteristic_filters_the_list() {
    let app = TestApp::new();
    let stats = year_stats(&app);
    let head = app.sign_in("head").await;
    let cases: [(&str, Keep); 9] = [
        (
            "year_group=10",
            Box::new(|p| p.year_group == YearGroup::Year(10)),
        ),
        ("form=8B", Box::new(|p| p.form.as_deref() == Some("8B"))),
        ("pupil_premium=true", Box::new(|p| p.pupil_premium)),
        ("sen=K", Box::new(|p| p.sen == rollcall_core::Sen::K)),
        ("looked_after=false", Box::new(|p| !p.looked_after)),
        ("social_worker=true", Box::new(|p| p.social_worker)),
        ("eal=true", Box::new(|p| p.eal)),
        ("young_carer=false", Box::new(|p| !p.young_carer)),
        (
            "ethnicity=WBRI",
            Box::new(|p| p.ethnicity.as_deref() == Some("WBRI")),
        ),
    ];
    for (query, keep) in cases {
        let page = app
            .get(Some(&head), &format!("/overview/persistent?{query}"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        let expected: BTreeSet<String> = stats
            .iter()
            .filter(|(p, c)| keep(p) && c.persistent_absence())
            .map(|(p, _)| p.upn.to_string())
            .collect();
        assert_eq!(
            linked_upns(&page.body).into_iter().collect::<BTreeSet<_>>(),
            expected,
            "{query}"
        );
    }
}

#[tokio::test]
async fn the_overview_shows_today_the_week_and_the_year() {
    // At 10:00 the morning register has closed; the demo's marks for today are not imported.
    let app = TestApp::at(&format!("{TODAY}T10:00:00"));
    let stats = year_stats(&app);
    let head = app.sign_in("head").await;
    let page = app.get(Some(&head), "/overview").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Today&#39;s registers") || page.body.contains("Today's registers"));
    let whole = group(&stats, |_| true);
    // The whole school's persistent and severe absence, linked to the lists behind them.
    assert!(page.body.contains(&format!(
        "<a href=\"/overview/persistent\">{} ({}%)</a>",
        whole.pa_pupils,
        whole.pa_pct().unwrap()
    )));
    assert!(page.body.contains(&format!(
        "<a href=\"/overview/persistent?severe=true\">{} ({}%)</a>",
        whole.sa_pupils,
        whole.sa_pct().unwrap()
    )));
    let nine = group(&stats, |p| p.year_group == YearGroup::Year(9));
    assert!(page.body.contains(&format!(
        "<a href=\"/overview/persistent?year_group=9\">{} ({}%)</a>",
        nine.pa_pupils,
        nine.pa_pct().unwrap()
    )));
    assert!(page.body.contains("href=\"/overview/pupils?form=7A\""));

    // This week's sessions without a mark: Monday's, and this morning's now that its register
    // has closed, but not this afternoon's, still to come.
    let monday = {
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        let day = parse_date("2025-07-07").unwrap();
        rollcall_app::reports::pupil_stats(store.as_mut(), school.id, day, day).unwrap()
    };
    let monday_unmarked: u32 = monday.iter().map(|(_, c)| c.unmarked).sum();
    let this_morning = stats
        .iter()
        .filter(|(p, _)| p.on_roll(parse_date(TODAY).unwrap()))
        .count() as u32;
    assert!(
        page.body.contains(&format!(
            "period=week&amp;unmarked=true\">{}</a>",
            monday_unmarked + this_morning
        )),
        "{monday_unmarked} + {this_morning}"
    );

    // Nobody is marked yet today: the morning's pupils are all "no mark", and listed as such.
    let on_roll = stats
        .iter()
        .filter(|(p, _)| p.on_roll(parse_date(TODAY).unwrap()))
        .count();
    let unmarked = app
        .get(Some(&head), "/overview/pupils?period=today&unmarked=true")
        .await;
    assert_eq!(unmarked.status, StatusCode::OK);
    assert_eq!(linked_upns(&unmarked.body).len(), on_roll);
    let absent = app
        .get(Some(&head), "/overview/pupils?period=today&absent=true")
        .await;
    assert!(linked_upns(&absent.body).is_empty());
    assert!(app
        .get(Some(&head), "/overview/pupils?period=fortnight")
        .await
        .status
        .is_client_error());
}

#[tokio::test]
async fn a_head_of_year_sees_their_year_only() {
    let app = TestApp::new();
    let stats = year_stats(&app);
    let hoy = app.sign_in("hoy9").await;
    let page = app.get(Some(&hoy), "/overview").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Year 9"));
    assert!(!page.body.contains("Year 7") && !page.body.contains(">7A<"));

    let list = app.get(Some(&hoy), "/overview/persistent").await;
    let expected: BTreeSet<String> = stats
        .iter()
        .filter(|(p, c)| p.year_group == YearGroup::Year(9) && c.persistent_absence())
        .map(|(p, _)| p.upn.to_string())
        .collect();
    assert_eq!(
        linked_upns(&list.body).into_iter().collect::<BTreeSet<_>>(),
        expected
    );
    // Asking for another year shows nobody.
    let other = app
        .get(Some(&hoy), "/overview/persistent?year_group=7")
        .await;
    assert!(linked_upns(&other.body).is_empty());
    let all = app.get(Some(&hoy), "/overview/pupils").await;
    assert!(linked_upns(&all.body).iter().all(|u| stats
        .iter()
        .any(|(p, _)| p.upn.as_str() == u && p.year_group == YearGroup::Year(9))));
}

#[tokio::test]
async fn other_staff_are_refused_the_overview() {
    let app = TestApp::new();
    let head = app.sign_in("head").await;
    let bad = app
        .get(Some(&head), "/overview/persistent?fsm=true&fsm=false")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    for user in ["tutor7a", "office", "governor", "parent"] {
        let s = app.sign_in(user).await;
        // The role is decided before the query is read, even a query that cannot be read.
        for path in [
            "/overview",
            "/overview/persistent",
            "/overview/pupils",
            "/overview/persistent?fsm=true&fsm=false",
        ] {
            assert_eq!(
                app.get(Some(&s), path).await.status,
                StatusCode::FORBIDDEN,
                "{user} {path}"
            );
        }
    }
}

#[tokio::test]
async fn governors_see_figures_and_never_a_pupil() {
    let app = TestApp::new();
    let stats = year_stats(&app);
    let governor = app.sign_in("governor").await;
    let page = app.get(Some(&governor), "/governors").await;
    assert_eq!(page.status, StatusCode::OK);
    let whole = group(&stats, |_| true);
    assert!(page
        .body
        .contains(&format!("{}%", whole.attendance_pct().unwrap())));
    assert!(page.body.contains(&format!("{}%", whole.pa_pct().unwrap())));
    assert!(page.body.contains("Month by month") && page.body.contains("September 2024"));
    assert!(page.body.contains("Free school meals"));
    assert!(
        page.body.contains("2025/26"),
        "England's figures say their year"
    );
    // Small groups are hidden.
    assert!(page.body.contains("fewer than 5 pupils"));
    let looked_after = group(&stats, |p| p.looked_after);
    assert!(
        looked_after.pupils < 5,
        "the demo has few looked-after pupils"
    );
    // No pupil: no name, no UPN, no link to a record.
    for (p, _) in &stats {
        assert!(!page.body.contains(p.upn.as_str()), "a UPN on /governors");
        assert!(
            !page.body.contains(&format!("{} {}", p.forename, p.surname)),
            "a name on /governors"
        );
        assert!(!page
            .body
            .contains(&format!("{}, {}", p.surname, p.forename)));
    }
    assert!(!page.body.contains("/pupils/"));

    // The headteacher and the administrator see the same page; other staff do not.
    for user in ["head", "admin"] {
        let s = app.sign_in(user).await;
        assert_eq!(app.get(Some(&s), "/governors").await.status, StatusCode::OK);
    }
    for user in ["attendance", "hoy9", "tutor7a", "office", "parent"] {
        let s = app.sign_in(user).await;
        assert_eq!(
            app.get(Some(&s), "/governors").await.status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
    }
}

/// Adds `n` sixth formers, 16 on 31 August 2024 and absent all September: on roll, not in the
/// national cohort.
fn add_sixth_formers(app: &TestApp, n: u32) {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let first = store.pupils(school.id).unwrap()[0].pupil.clone();
    let sixth: Vec<_> = (1..=n)
        .map(|i| {
            let mut p = first.clone();
            p.upn = rollcall_core::Upn::with_check_letter(&format!("999999999{i:03}")).unwrap();
            p.dob = parse_date("2008-03-01").unwrap();
            p.year_group = YearGroup::Year(12);
            p.form = Some("12A".into());
            p.admission_date = parse_date("2024-09-02").unwrap();
            p.leaving_date = None;
            p
        })
        .collect();
    store.save_pupils(school.id, &sixth).unwrap();
    let ids: Vec<_> = store
        .pupils(school.id)
        .unwrap()
        .into_iter()
        .filter(|p| sixth.iter().any(|s| s.upn == p.pupil.upn))
        .map(|p| p.id)
        .collect();
    let marks: Vec<_> = ids
        .iter()
        .flat_map(|&id| {
            (2..=30).map(move |day| rollcall_store::MarkChange::New {
                pupil: id,
                date: parse_date(&format!("2024-09-{day:02}")).unwrap(),
                session: rollcall_core::Session::Am,
                entry: rollcall_core::marks::MarkEntry {
                    code: rollcall_core::Code::parse_stored("O").unwrap(),
                    minutes_late: None,
                },
                recorded: rollcall_core::marks::Recorded {
                    by: "Office".into(),
                    role: "office".into(),
                    at: chrono::Utc::now(),
                },
            })
        })
        .collect();
    store.apply_marks(school.id, &marks, &mut |_| {}).unwrap();
}

/// The governors' page's row of `label`.
fn row_of(body: &str, label: &str) -> String {
    let at = body.find(label).unwrap_or_else(|| panic!("no row {label}"));
    body[at..at + body[at..].find("</tr>").unwrap()].to_owned()
}

/// Beside England's figures, the governors see the school's figures for the national cohort
/// (pupils aged 5 to 15 on the 31 August before the year) as well as for every pupil on roll.
#[tokio::test]
async fn governors_compare_the_national_cohort_with_england() {
    let app = TestApp::new();
    add_sixth_formers(&app, 5);
    let stats = year_stats(&app);
    let whole = group(&stats, |_| true);
    let cohort = group(&stats, |p| p.in_national_cohort(2024));
    assert_eq!(whole.pupils, cohort.pupils + 5);
    assert_ne!(whole.attendance_pct(), cohort.attendance_pct());

    let governor = app.sign_in("governor").await;
    let page = app.get(Some(&governor), "/governors").await;
    assert!(row_of(&page.body, "This school, every pupil on roll")
        .contains(&format!("{}%", whole.attendance_pct().unwrap())));
    assert!(row_of(
        &page.body,
        "This school, pupils aged 5 to 15 (the national cohort)"
    )
    .contains(&format!("{}%", cohort.attendance_pct().unwrap())));
    assert!(page
        .body
        .contains("pupils aged 5 to 15 on the 31 August before the year"));
}

/// With fewer than five pupils outside the national cohort, the whole school's figures less the
/// cohort's would be theirs: the cohort's are withheld.
#[tokio::test]
async fn governors_cannot_work_out_a_few_pupils_outside_the_cohort() {
    let app = TestApp::new();
    add_sixth_formers(&app, 1);
    let stats = year_stats(&app);
    let whole = group(&stats, |_| true);
    let cohort = group(&stats, |p| p.in_national_cohort(2024));
    assert_eq!(whole.pupils, cohort.pupils + 1);
    let governor = app.sign_in("governor").await;
    let page = app.get(Some(&governor), "/governors").await;
    assert!(row_of(&page.body, "This school, every pupil on roll")
        .contains(&format!("{}%", whole.attendance_pct().unwrap())));
    let cohort_row = row_of(
        &page.body,
        "This school, pupils aged 5 to 15 (the national cohort)",
    );
    assert!(
        !cohort_row.contains(&format!("{}%", cohort.attendance_pct().unwrap())),
        "{cohort_row}"
    );
}
