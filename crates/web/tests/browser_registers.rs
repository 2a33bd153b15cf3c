//! The register and office pages in a real browser: a tutor takes a register on a tablet, and the
//! office signs in a late pupil (told apart from another of the same name), changes a mark with a
//! reason and records a parent's call.

mod common;

use common::*;
use rollcall_core::Session;
use rollcall_store::{DateRange, PupilId};
use serde_json::json;

/// The pupils of 7A on roll today, in register order: (id, UPN, surname).
fn seven_a(app: &TestApp) -> Vec<(PupilId, String, String)> {
    let today = rollcall_core::parse_date(TODAY).unwrap();
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let mut pupils: Vec<_> = store
        .pupils(school.id)
        .unwrap()
        .into_iter()
        .filter(|p| p.pupil.form.as_deref() == Some("7A") && p.pupil.on_roll(today))
        .collect();
    pupils.sort_by_key(|p| {
        (
            p.pupil.surname.to_lowercase(),
            p.pupil.forename.to_lowercase(),
        )
    });
    pupils
        .into_iter()
        .map(|p| (p.id, p.pupil.upn.to_string(), p.pupil.surname))
        .collect()
}

/// Today's morning mark of a pupil: code and minutes late.
fn am_mark(app: &TestApp, pupil: PupilId) -> Option<(String, Option<u32>)> {
    let today = rollcall_core::parse_date(TODAY).unwrap();
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    store
        .marks(school.id, DateRange::between(today, today))
        .unwrap()
        .into_iter()
        .find(|m| m.pupil == pupil && m.session == Session::Am)
        .map(|m| (m.entry.code.text().to_owned(), m.entry.minutes_late))
}

/// Adds a second pupil with the same name and form as `of`, born later and with another UPN:
/// the pupil and their namesake.
fn add_namesake(app: &TestApp, of: PupilId) -> (rollcall_core::Pupil, rollcall_core::Pupil) {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let pupil = store
        .pupils(school.id)
        .unwrap()
        .into_iter()
        .find(|p| p.id == of)
        .unwrap()
        .pupil;
    let mut namesake = pupil.clone();
    namesake.upn = rollcall_core::Upn::with_check_letter("999900000123").unwrap();
    namesake.dob = pupil.dob + chrono::Days::new(45);
    store.save_pupils(school.id, &[namesake.clone()]).unwrap();
    (pupil, namesake)
}

async fn run(scenario: &'static str, base: String, data: serde_json::Value) {
    tokio::task::spawn_blocking(move || {
        rollcall_testkit::browser::run_scenario(scenario, &base, &data)
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("{e:#}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tutor_takes_the_register_and_the_office_signs_in_a_late_pupil() {
    // 08:45: the morning register is open.
    let morning = TestApp::new();
    let pupils = seven_a(&morning);
    let (late, absent) = (&pupils[0], &pupils[1]);
    let base = serve(&morning).await;
    run(
        "tutor-register",
        base,
        json!({
            "username": "tutor7a",
            "password": rollcall_app::demo::DEMO_PASSWORD,
            "register": format!("/registers/7A/{TODAY}/AM"),
            "late": late.1,
            "absent": absent.1,
        }),
    )
    .await;
    assert_eq!(am_mark(&morning, late.0), Some(("L".into(), Some(17))));
    assert_eq!(am_mark(&morning, absent.0), Some(("N".into(), None)));
    assert_eq!(am_mark(&morning, pupils[2].0), Some(("/".into(), None)));

    // 10:30: the morning register closed at 09:10.
    let later = TestApp::at(&format!("{TODAY}T10:30:00"));
    let pupil = &seven_a(&later)[5];
    let (late, namesake) = add_namesake(&later, pupil.0);
    let rung = {
        let today = rollcall_core::parse_date(TODAY).unwrap();
        let mut store = rollcall_app::open_store(&later.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        store
            .pupils(school.id)
            .unwrap()
            .into_iter()
            .find(|p| p.pupil.form.as_deref() == Some("8A") && p.pupil.on_roll(today))
            .unwrap()
    };
    let base = serve(&later).await;
    run(
        "office",
        base,
        json!({
            "username": "office",
            "password": rollcall_app::demo::DEMO_PASSWORD,
            "late": {
                "upn": pupil.1,
                "surname": late.surname,
                "forename": late.forename,
                "name": format!("{} {}", late.forename, late.surname),
                "form": "7A",
                "dob": late.dob.format("%-d %b %Y").to_string(),
            },
            "namesake": { "dob": namesake.dob.format("%-d %b %Y").to_string() },
            "register": format!("/registers/7A/{TODAY}/AM"),
            "reason": "Dentist's appointment letter brought in",
            "call": {
                "upn": rung.pupil.upn.to_string(),
                "name": format!("{} {}", rung.pupil.forename, rung.pupil.surname),
            },
        }),
    )
    .await;
    assert_eq!(am_mark(&later, pupil.0), Some(("M".into(), None)));
    let namesake_id = {
        let mut store = rollcall_app::open_store(&later.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        store
            .pupils(school.id)
            .unwrap()
            .into_iter()
            .find(|p| p.pupil.upn == namesake.upn)
            .unwrap()
            .id
    };
    assert_eq!(
        am_mark(&later, namesake_id),
        None,
        "the namesake is not signed in"
    );
    let mut store = rollcall_app::open_store(&later.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let a = store.amendments(school.id, Some(pupil.0)).unwrap();
    let a = a.last().unwrap();
    assert_eq!(
        (a.original.code.text(), a.original.minutes_late),
        ("U", Some(60))
    );
    assert_eq!(a.amended.code.text(), "M");
    assert_eq!(a.reason, "Dentist's appointment letter brought in");
    assert_eq!(
        (a.recorded.by.as_str(), a.recorded.role.as_str()),
        ("Pat Green", "office")
    );
    // The call sent with a double tap was recorded once.
    let calls: Vec<_> = store
        .absence_reports(school.id, DateRange::all())
        .unwrap()
        .into_iter()
        .filter(|r| r.report.pupil == rung.id)
        .collect();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        calls[0].report.reason,
        "Ear infection, seeing the doctor today"
    );
    assert_eq!(am_mark(&later, rung.id).map(|m| m.0), Some("I".into()));
}
