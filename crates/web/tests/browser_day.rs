//! The school day in a real browser: the office signs a pupil out, collected by a contact
//! permitted to collect them, and back in; the registers show the right marks and the time out.

mod common;

use common::*;
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{Code, Session};
use rollcall_store::{DateRange, MarkChange};
use rollcall_web::{AppState, Clock, Settings};
use serde_json::json;

/// Serves another application state on a free port; returns its base URL.
async fn serve_state(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = rollcall_web::serve(listener, state).await;
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_office_signs_a_pupil_out_and_back_in_in_a_browser() {
    // 11:00: the morning register has closed with the pupil present.
    let app = TestApp::at(&format!("{TODAY}T11:00:00"));
    let today = rollcall_core::parse_date(TODAY).unwrap();
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None)
        .unwrap()
        .id;
    let pupil = store
        .pupils(school)
        .unwrap()
        .into_iter()
        .filter(|p| p.pupil.form.as_deref() == Some("7A") && p.pupil.on_roll(today))
        .min_by_key(|p| p.pupil.upn.clone())
        .unwrap();
    let collector = store
        .contacts(school, pupil.id)
        .unwrap()
        .into_iter()
        .find(|c| c.may_collect)
        .unwrap();
    store
        .apply_marks(
            school,
            &[MarkChange::New {
                pupil: pupil.id,
                date: today,
                session: Session::Am,
                entry: MarkEntry {
                    code: Code::parse("/", today).unwrap().0,
                    minutes_late: None,
                },
                recorded: Recorded {
                    by: "Jo Smith".into(),
                    role: "form tutor".into(),
                    at: chrono::Utc::now(),
                },
            }],
            &mut |_| {},
        )
        .unwrap();
    drop(store);

    let upn = pupil.pupil.upn.to_string();
    let data = json!({
        "username": "office",
        "password": rollcall_app::demo::DEMO_PASSWORD,
        "pupil": {
            "upn": upn,
            "surname": pupil.pupil.surname,
            "name": format!("{} {}", pupil.pupil.forename, pupil.pupil.surname),
        },
        "collector": collector.reference,
        "registers": {
            "am": format!("/registers/7A/{TODAY}/AM"),
            "pm": format!("/registers/7A/{TODAY}/PM"),
        },
    });
    let base = serve(&app).await;
    // The same school at 14:00, after the afternoon register closed.
    let later = serve_state(
        AppState::for_url(
            &app.url,
            Settings {
                clock: Clock::Fixed(
                    chrono::NaiveDateTime::parse_from_str(
                        &format!("{TODAY}T14:00:00"),
                        "%Y-%m-%dT%H:%M:%S",
                    )
                    .unwrap(),
                ),
                ..Settings::default()
            },
        )
        .unwrap(),
    )
    .await;
    let mut data = data;
    data["later"] = json!(later);
    tokio::task::spawn_blocking(move || {
        rollcall_testkit::browser::run_scenario("school-day", &base, &data)
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("{e:#}"));

    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let marks: Vec<(Session, String)> = store
        .pupil_marks(school, pupil.id, DateRange::between(today, today))
        .unwrap()
        .into_iter()
        .map(|m| (m.session, m.entry.code.text().to_owned()))
        .collect();
    assert_eq!(
        marks,
        [(Session::Am, "/".to_owned()), (Session::Pm, "M".to_owned())]
    );
    let outs = store.sign_outs(school, DateRange::all(), None).unwrap();
    assert_eq!(outs.len(), 1);
    assert_eq!(
        outs[0].out.collector.contact.as_deref(),
        Some(collector.reference.as_str())
    );
    assert!(outs[0].out.collector.permitted);
    assert_eq!(
        outs[0]
            .back
            .as_ref()
            .map(|b| b.back_at.to_string())
            .as_deref(),
        Some("13:50:00")
    );
    let shots = rollcall_testkit::browser::screenshots_dir();
    for shot in [
        "school-day-form.png",
        "school-day-out.png",
        "school-day-back.png",
        "school-day-register.png",
    ] {
        assert!(shots.join(shot).is_file(), "{shot} was not written");
    }
}
