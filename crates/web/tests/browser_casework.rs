//! Casework in a real browser: the attendance officer opens a case from an alert, logs a phone
//! call, books a meeting, records an attendance contract with its review today (the demo clock's
//! day), and sees the review on their list.

mod common;

use common::*;
use rollcall_app::cases::casework::WorklistFilter;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_attendance_officer_works_an_alert_into_a_case_with_a_contract() {
    let app = TestApp::at(&format!("{TODAY}T10:00:00"));
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let officer = rollcall_app::Actor::of_user(&store.user_by_name("attendance").unwrap().unwrap());
    let worklist = app
        .state
        .app()
        .alerts_worklist(&officer, &WorklistFilter::default())
        .unwrap();
    let item = worklist
        .items
        .iter()
        .find(|i| i.open_case.is_none())
        .expect("an alert to work")
        .clone();
    let name = format!("{} {}", item.pupil.pupil.forename, item.pupil.pupil.surname);
    let base = serve(&app).await;
    let upn = item.pupil.pupil.upn.to_string();
    let form = item.pupil.pupil.form.clone().unwrap_or_default();
    tokio::task::spawn_blocking(move || {
        rollcall_testkit::browser::run_scenario(
            "casework",
            &base,
            &json!({
                "username": "attendance",
                "password": rollcall_app::demo::DEMO_PASSWORD,
                "today": TODAY,
                "pupil": { "upn": upn, "name": name, "form": form },
            }),
        )
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("{e:#}"));
    // The case holds the alert's note, the call, the meeting and the contract, in order.
    let school = rollcall_app::resolve_school(store.as_mut(), None)
        .unwrap()
        .id;
    let cases = store.cases(school, Some(item.pupil.id)).unwrap();
    assert_eq!(cases.len(), 1);
    let kinds: Vec<&str> = cases[0]
        .actions
        .iter()
        .map(|a| a.action.kind.as_str())
        .collect();
    assert_eq!(kinds, ["note", "phone_call", "meeting", "contract"]);
    let contracts = store.contracts(school, Some(cases[0].id)).unwrap();
    assert_eq!(contracts[0].contract.target_permille, 950);
    assert_eq!(contracts[0].contract.signatures.len(), 2);
}
