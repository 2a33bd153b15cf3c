//! First-day calling in a real browser, with the clock stopped: the office rings down the
//! calling list at 09:30, logging a no-answer and then a parent's reason, and the list shrinks;
//! at 10:30 the designated safeguarding lead finds the vulnerable pupil nobody reached by 10:00
//! flagged to them, and closes the flag with what they found.

mod common;

use common::*;
use rollcall_core::Session;
use rollcall_store::{DateRange, EscalationKind};
use rollcall_web::{AppState, Clock, Settings};
use serde_json::json;

async fn run(scenario: &'static str, base: String, data: serde_json::Value) {
    tokio::task::spawn_blocking(move || {
        rollcall_testkit::browser::run_scenario(scenario, &base, &data)
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("{e:#}"));
}

/// The same database served with the clock stopped at `now` (`YYYY-MM-DDTHH:MM:SS`).
async fn serve_at(url: &str, now: &str) -> String {
    let now = chrono::NaiveDateTime::parse_from_str(now, "%Y-%m-%dT%H:%M:%S").unwrap();
    let state = AppState::for_url(
        url,
        Settings {
            clock: Clock::Fixed(now),
            ..Settings::default()
        },
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = rollcall_web::serve(listener, state).await;
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_office_rings_down_the_list_and_the_safeguarding_lead_sees_who_nobody_reached() {
    let app = TestApp::at(&format!("{TODAY}T09:30:00"));
    let today = rollcall_core::parse_date(TODAY).unwrap();
    let (pupil, contacts) = seven_a_with_parents(&app).remove(0);
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None)
        .unwrap()
        .id;
    let mut vulnerable: Vec<_> = store
        .pupils(school)
        .unwrap()
        .into_iter()
        .filter(|p| {
            p.pupil.on_roll(today) && !rollcall_app::calling::vulnerable(&p.pupil).is_empty()
        })
        .collect();
    // Looked after first: a foster carer and a social worker to ring.
    vulnerable.sort_by_key(|p| (!p.pupil.looked_after, p.pupil.upn.clone()));
    let vulnerable = vulnerable
        .into_iter()
        .next()
        .expect("a vulnerable pupil in the test school");
    let carer = store.contacts(school, vulnerable.id).unwrap().remove(0);
    take_all_registers(&app, &[pupil.id, vulnerable.id]);
    let office = rollcall_app::Actor::of_user(&store.user_by_name("office").unwrap().unwrap());
    let count = app
        .state
        .app()
        .calling_list(&office, None, None)
        .unwrap()
        .to_call
        .len();
    assert!(count >= 2);
    let name =
        |p: &rollcall_store::StoredPupil| format!("{} {}", p.pupil.forename, p.pupil.surname);

    let base = serve(&app).await;
    run(
        "calling",
        base,
        json!({
            "username": "office",
            "password": rollcall_app::demo::DEMO_PASSWORD,
            "count": count,
            "pupil": {
                "upn": pupil.pupil.upn.to_string(),
                "name": name(&pupil),
                "contact": contacts[0].reference,
            },
            "vulnerable": {
                "upn": vulnerable.pupil.upn.to_string(),
                "name": name(&vulnerable),
                "contact": carer.reference,
            },
        }),
    )
    .await;
    // The reason was recorded as the pupil's, with the attempts before it.
    let day = DateRange::between(today, today);
    let mark = store
        .session_marks(school, &[pupil.id], today, Session::Am)
        .unwrap();
    assert_eq!(mark[0].entry.code.text(), "I");
    let attempts = store.call_attempts(school, day).unwrap();
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    assert!(attempts.iter().any(|a| a.report.is_some()));

    // 10:30, the same school: nobody reached the vulnerable pupil by 10:00.
    let later = serve_at(&app.url, &format!("{TODAY}T10:30:00")).await;
    run(
        "safeguarding",
        later,
        json!({
            "username": "dsl",
            "password": rollcall_app::demo::DEMO_PASSWORD,
            "pupil": {
                "upn": vulnerable.pupil.upn.to_string(),
                "name": name(&vulnerable),
            },
        }),
    )
    .await;
    let steps = store.escalations(school, Some(vulnerable.id)).unwrap();
    let flag = steps
        .iter()
        .find(|s| s.escalation.kind == EscalationKind::SafeguardingFlag)
        .expect("the flag");
    let closure = flag.closure.as_ref().expect("closed");
    assert!(closure.contact_made);
    assert_eq!(closure.closed.by, "Morgan Reid");
    assert!(store
        .escalations(school, Some(pupil.id))
        .unwrap()
        .is_empty());
}
