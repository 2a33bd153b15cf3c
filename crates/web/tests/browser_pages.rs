//! The pupils', overview and governors' pages in a real browser (Chromium through
//! `web-tests/`): a parent, a governor and the headteacher, each with screenshots in
//! `target/screenshots/`.

mod common;

use common::*;
use rollcall_core::YearGroup;
use serde_json::json;

/// The parent's child, another pupil, and pupils who must never reach a governor's screen.
fn scenario_data(app: &TestApp) -> serde_json::Value {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let pupils = store.pupils(school.id).unwrap();
    let parent = store.user_by_name("parent").unwrap().unwrap();
    let child = pupils
        .iter()
        .find(|p| p.id == parent.user.children[0])
        .unwrap();
    let other = pupils
        .iter()
        .find(|p| p.id != child.id && p.pupil.leaving_date.is_none())
        .unwrap();
    let person = |p: &rollcall_store::StoredPupil| {
        json!({
            "upn": p.pupil.upn.to_string(),
            "name": format!("{} {}", p.pupil.forename, p.pupil.surname),
        })
    };
    let some: Vec<_> = pupils.iter().step_by(15).map(person).collect();
    json!({
        "password": rollcall_app::demo::DEMO_PASSWORD,
        "child": person(child),
        "other": person(other),
        "pupils": some,
        "year_group": match child.pupil.year_group { YearGroup::Year(n) => n, _ => 7 },
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn parent_governor_and_headteacher_in_a_browser() {
    let app = TestApp::new();
    let data = scenario_data(&app);
    let base = serve(&app).await;
    for scenario in ["parent", "governor", "senior"] {
        let base = base.clone();
        let data = data.clone();
        tokio::task::spawn_blocking(move || {
            rollcall_testkit::browser::run_scenario(scenario, &base, &data)
        })
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{e:#}"));
    }
    let shots = rollcall_testkit::browser::screenshots_dir();
    for shot in [
        "parent.png",
        "pupil-record.png",
        "parent-refused.png",
        "governors.png",
        "overview.png",
        "persistent.png",
    ] {
        assert!(shots.join(shot).is_file(), "{shot} was not written");
    }
}

/// A parent and a form tutor on a phone 390 pixels wide: no page of theirs is wider than the
/// screen, the register's mark and arrival time are on screen for every pupil, and a record's
/// register grid shows Friday.
#[tokio::test(flavor = "multi_thread")]
async fn a_parent_and_a_form_tutor_on_a_phone() {
    // 08:45: the morning register is open.
    let app = TestApp::new();
    let today = rollcall_core::parse_date(TODAY).unwrap();
    let (child, pupil, late) = {
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        let parent = store.user_by_name("parent").unwrap().unwrap();
        let mut seven_a: Vec<_> = store
            .pupils(school.id)
            .unwrap()
            .into_iter()
            .filter(|p| p.pupil.form.as_deref() == Some("7A") && p.pupil.on_roll(today))
            .collect();
        seven_a.sort_by_key(|p| (p.pupil.surname.clone(), p.pupil.forename.clone()));
        let child = seven_a
            .iter()
            .find(|p| p.id == parent.user.children[0])
            .expect("the parent's child is in 7A")
            .pupil
            .upn
            .to_string();
        let other = seven_a
            .iter()
            .find(|p| p.pupil.upn.to_string() != child)
            .unwrap()
            .pupil
            .upn
            .to_string();
        (child, other, seven_a[3].pupil.upn.to_string())
    };
    let data = json!({
        "password": rollcall_app::demo::DEMO_PASSWORD,
        "width": 390,
        "height": 844,
        "parent": {
            "pages": ["/children", "/account", "/overview", "/pupils/search"],
            "record": format!("/pupils/{child}"),
        },
        "tutor": {
            "pages": [
                "/registers",
                "/registers?date=2025-07-07&session=PM",
                "/registers/7A/2025-07-07/AM",
                "/pupils/search",
                "/pupils/search?q=7A",
                "/account",
                "/office",
            ],
            "register": format!("/registers/7A/{TODAY}/AM"),
            "late": late,
            "record": format!("/pupils/{pupil}"),
        },
    });
    let base = serve(&app).await;
    tokio::task::spawn_blocking(move || {
        rollcall_testkit::browser::run_scenario("phone", &base, &data)
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("{e:#}"));
    let shots = rollcall_testkit::browser::screenshots_dir();
    for shot in [
        "phone-parent.png",
        "phone-parent-record.png",
        "phone-register.png",
        "phone-register-saved.png",
    ] {
        assert!(shots.join(shot).is_file(), "{shot} was not written");
    }
}

/// A parent reports their child ill from a phone and the tutor sees it on the register; the
/// office records it with one action; the parent asks for a holiday, the headteacher refuses it
/// with the decision support in view, and the parent sees the decision.
#[tokio::test(flavor = "multi_thread")]
async fn a_parents_report_and_application_followed_up_in_a_browser() {
    let app = TestApp::new();
    let child = {
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        let parent = store.user_by_name("parent").unwrap().unwrap();
        store
            .pupils(school.id)
            .unwrap()
            .into_iter()
            .find(|p| p.id == parent.user.children[0])
            .unwrap()
    };
    let data = json!({
        "password": rollcall_app::demo::DEMO_PASSWORD,
        "width": 390,
        "height": 844,
        "child": {
            "upn": child.pupil.upn.to_string(),
            "name": format!("{} {}", child.pupil.forename, child.pupil.surname),
        },
        "register": format!("/registers/7A/{TODAY}/AM"),
        "leave": {
            "first": "2025-07-14",
            "last": "2025-07-18",
            "reason": "A family holiday in Spain",
        },
        "refusal": "A holiday is not an exceptional circumstance",
    });
    let base = serve(&app).await;
    tokio::task::spawn_blocking(move || {
        rollcall_testkit::browser::run_scenario("follow-up", &base, &data)
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("{e:#}"));
    let shots = rollcall_testkit::browser::screenshots_dir();
    for shot in [
        "follow-up-report.png",
        "follow-up-register.png",
        "follow-up-decision.png",
        "follow-up-parent-decision.png",
    ] {
        assert!(shots.join(shot).is_file(), "{shot} was not written");
    }
}
