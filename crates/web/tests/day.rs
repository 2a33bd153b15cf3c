//! The school day's pages: signing a pupil out and back in, the register and the record that
//! follow, missing pupils and traveller families; and what bad input gets (a page saying what is
//! wrong, and nothing written).

mod common;

use axum::http::StatusCode;
use common::*;
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{Code, Session};
use rollcall_store::{Contact, DateRange, MarkChange, SchoolId, StoredPupil};

fn school(app: &TestApp) -> SchoolId {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    rollcall_app::resolve_school(store.as_mut(), None)
        .unwrap()
        .id
}

/// The parent's child (in 7A), with a contact who may collect them and one who may not (if any).
fn child(app: &TestApp) -> (StoredPupil, Contact) {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = school(app);
    let parent = store.user_by_name("parent").unwrap().unwrap();
    let pupil = store
        .pupils(school)
        .unwrap()
        .into_iter()
        .find(|p| p.id == parent.user.children[0])
        .unwrap();
    let contact = store
        .contacts(school, pupil.id)
        .unwrap()
        .into_iter()
        .find(|c| c.may_collect)
        .unwrap();
    (pupil, contact)
}

fn set_mark(app: &TestApp, pupil: &StoredPupil, session: Session, code: &str) {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let today = rollcall_core::parse_date(TODAY).unwrap();
    let change = MarkChange::New {
        pupil: pupil.id,
        date: today,
        session,
        entry: MarkEntry {
            code: Code::parse(code, today).unwrap().0,
            minutes_late: None,
        },
        recorded: Recorded {
            by: "Jo Smith".into(),
            role: "form tutor".into(),
            at: chrono::Utc::now(),
        },
    };
    store
        .apply_marks(school(app), &[change], &mut |_| {})
        .unwrap();
}

fn mark(app: &TestApp, pupil: &StoredPupil, session: Session) -> Option<String> {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let today = rollcall_core::parse_date(TODAY).unwrap();
    store
        .pupil_marks(school(app), pupil.id, DateRange::between(today, today))
        .unwrap()
        .into_iter()
        .find(|m| m.session == session)
        .map(|m| m.entry.code.text().to_owned())
}

fn sign_outs(app: &TestApp) -> Vec<rollcall_store::StoredSignOut> {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    store
        .sign_outs(school(app), DateRange::all(), None)
        .unwrap()
}

#[tokio::test]
async fn the_office_signs_a_pupil_out_and_back_in_and_the_register_follows() {
    let app = TestApp::at(&format!("{TODAY}T14:00:00"));
    let (pupil, contact) = child(&app);
    let upn = pupil.pupil.upn.to_string();
    set_mark(&app, &pupil, Session::Am, "/");
    let office = app.sign_in("office").await;

    // The desk offers the pupil's contacts who may collect.
    let page = app
        .get(Some(&office), &format!("/office/out?upn={upn}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .body
        .contains(&format!("collector-{}", contact.reference)));

    // A collector nobody confirmed: refused with the warning, nothing written.
    let refused = app
        .post(
            Some(&office),
            "/office/out",
            &[
                ("upn", &upn),
                ("time", "11:00"),
                ("reason", "appointment"),
                ("collected_by", "other"),
                ("other_name", "Kim Taxi"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused
        .body
        .contains("Kim Taxi is NOT on the list of people permitted to collect"));
    assert!(sign_outs(&app).is_empty());

    let out = app
        .post(
            Some(&office),
            "/office/out",
            &[
                ("upn", &upn),
                ("date", TODAY),
                ("time", "11:00"),
                ("reason", "appointment"),
                ("detail", "Dentist"),
                ("collected_by", &contact.reference),
                ("back_today", "yes"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    assert!(out.body.contains("Signed out:"), "{}", out.body);
    let id = sign_outs(&app)[0].id;
    let desk = app.get(Some(&office), "/office").await;
    assert!(desk.body.contains("Out of school now"));

    // Back before the time out: refused, and nothing changes.
    let early = app
        .post(
            Some(&office),
            &format!("/office/out/{id}/in"),
            &[("time", "10:00")],
        )
        .await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST);
    assert!(early.body.contains("is before the time"));
    assert!(sign_outs(&app)[0].back.is_none());

    let back = app
        .post(
            Some(&office),
            &format!("/office/out/{id}/in"),
            &[("time", "13:50")],
        )
        .await;
    assert_eq!(back.status, StatusCode::OK);
    assert!(back.body.contains("Signed back in:"));
    assert_eq!(mark(&app, &pupil, Session::Am).as_deref(), Some("/"));
    assert_eq!(mark(&app, &pupil, Session::Pm).as_deref(), Some("M"));

    // The morning register shows the time out beside the mark that was kept.
    let register = app
        .get(Some(&office), &format!("/registers/7A/{TODAY}/AM"))
        .await;
    assert!(register.body.contains("Signed out 11:00–13:50"));

    // The parent sees the times on their child's record, and not who collected them.
    let parent = app.sign_in("parent").await;
    let record = app.get(Some(&parent), &format!("/pupils/{upn}")).await;
    assert!(record.body.contains("Signed out during the day"));
    assert!(record.body.contains("11:00") && record.body.contains("13:50"));
    assert!(!record.body.contains("Collected by"));
    assert!(!record.body.contains(&contact.name()));
    let staff = app.get(Some(&office), &format!("/pupils/{upn}")).await;
    assert!(staff.body.contains("Collected by"));
    assert!(staff.body.contains(&contact.name()));
}

#[tokio::test]
async fn a_missing_pupil_is_shown_to_the_office_until_found() {
    let app = TestApp::at(&format!("{TODAY}T11:00:00"));
    let (pupil, _) = child(&app);
    let upn = pupil.pupil.upn.to_string();
    let office = app.sign_in("office").await;
    let head = app.sign_in("head").await;

    let bad = app
        .post(
            Some(&office),
            "/office/missing",
            &[("upn", &upn), ("time", "10:50")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("say who noticed"));

    let reported = app
        .post(
            Some(&office),
            "/office/missing",
            &[
                ("upn", &upn),
                ("time", "10:50"),
                ("noticed_by", "Mr Jones"),
                ("last_seen", "Science lab, period 3"),
            ],
        )
        .await;
    assert_eq!(reported.status, StatusCode::OK, "{}", reported.body);
    assert!(reported.body.contains("Not yet found"));
    for who in [&office, &head] {
        let desk = app.get(Some(who), "/office").await;
        assert!(desk.body.contains("A pupil is missing"));
        assert!(desk.body.contains("Open the search checklist"));
    }
    let id = {
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        store.missing_alerts(school(&app), None).unwrap()[0].id
    };
    let step = app
        .post(
            Some(&head),
            &format!("/office/missing/{id}"),
            &[("step", "searched_library"), ("time", "10:55")],
        )
        .await;
    assert_eq!(step.status, StatusCode::OK);
    assert!(step.body.contains("Searched the library"));
    let found = app
        .post(
            Some(&office),
            &format!("/office/missing/{id}"),
            &[("step", "found"), ("time", "10:58")],
        )
        .await;
    assert_eq!(found.status, StatusCode::BAD_REQUEST);
    assert!(found.body.contains("say where the pupil was found"));
    let found = app
        .post(
            Some(&office),
            &format!("/office/missing/{id}"),
            &[
                ("step", "found"),
                ("time", "10:58"),
                ("note", "In the hall"),
            ],
        )
        .await;
    assert_eq!(found.status, StatusCode::OK);
    let desk = app.get(Some(&office), "/office").await;
    assert!(!desk.body.contains("A pupil is missing"));
    let unknown = app.get(Some(&office), "/office/missing/999").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn traveller_records_and_the_two_hundred_on_the_record() {
    let app = TestApp::at(&format!("{TODAY}T11:00:00"));
    let (pupil, _) = child(&app);
    let upn = pupil.pupil.upn.to_string();
    let office = app.sign_in("office").await;
    let page = app
        .get(Some(&office), &format!("/pupils/{upn}/travel"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .body
        .contains("attendances (sessions present or at an approved"));
    let bad = app
        .post(
            Some(&office),
            &format!("/pupils/{upn}/travel"),
            &[
                ("from", "2025-06-02"),
                ("to", "2025-06-01"),
                ("whereabouts", "Appleby"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("is before the first"));
    let saved = app
        .post(
            Some(&office),
            &format!("/pupils/{upn}/travel"),
            &[
                ("from", "2025-06-02"),
                ("whereabouts", "Appleby Horse Fair"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK);
    assert!(saved.body.contains("Appleby Horse Fair"));
    let record = app.get(Some(&office), &format!("/pupils/{upn}")).await;
    assert!(record.body.contains("Traveller attendance"));
    let parent = app.sign_in("parent").await;
    let theirs = app.get(Some(&parent), &format!("/pupils/{upn}")).await;
    assert!(!theirs.body.contains("Traveller"));
    assert!(!theirs.body.contains("Appleby"));
}
