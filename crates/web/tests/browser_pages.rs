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
