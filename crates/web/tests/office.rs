//! The office: late sign-in, registers not taken and parents' calls.

mod common;

use std::collections::HashMap;

use axum::http::StatusCode;
use common::*;
use rollcall_core::{Date, Upn};
use rollcall_store::{DateRange, StoredPupil};

const AM: rollcall_core::Session = rollcall_core::Session::Am;
const PM: rollcall_core::Session = rollcall_core::Session::Pm;

fn today() -> Date {
    rollcall_core::parse_date(TODAY).unwrap()
}

fn pupils(app: &TestApp) -> Vec<StoredPupil> {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let mut all = store.pupils(school.id).unwrap();
    all.sort_by_key(|p| (p.pupil.surname.clone(), p.pupil.forename.clone()));
    all
}

fn on_roll_in(app: &TestApp, form: &str) -> Vec<StoredPupil> {
    pupils(app)
        .into_iter()
        .filter(|p| p.pupil.form.as_deref() == Some(form) && p.pupil.on_roll(today()))
        .collect()
}

/// A mark as the tests read it: code, minutes late, who recorded it and their role.
type Seen = (String, Option<u32>, String, String);

/// Today's marks by UPN and session.
fn marks(app: &TestApp) -> HashMap<(String, rollcall_core::Session), Seen> {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let upns: HashMap<_, _> = store
        .pupils(school.id)
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.pupil.upn.to_string()))
        .collect();
    store
        .marks(school.id, DateRange::between(today(), today()))
        .unwrap()
        .into_iter()
        .map(|m| {
            (
                (upns[&m.pupil].clone(), m.session),
                (
                    m.entry.code.text().to_owned(),
                    m.entry.minutes_late,
                    m.recorded.by,
                    m.recorded.role,
                ),
            )
        })
        .collect()
}

fn amendments(app: &TestApp) -> Vec<rollcall_store::StoredAmendment> {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    store.amendments(school.id, None).unwrap()
}

/// The calls the office recorded (the demo's parents' own reports left out).
fn reports(app: &TestApp) -> Vec<rollcall_store::StoredAbsenceReport> {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    store
        .absence_reports(school.id, DateRange::all())
        .unwrap()
        .into_iter()
        .filter(|r| !r.report.from_parent)
        .collect()
}

fn version(html: &str) -> String {
    let key = "name=\"version\" value=\"";
    let at = html.find(key).expect("a version on the register form") + key.len();
    html[at..].split('"').next().unwrap().to_owned()
}

/// Takes 7A's morning register as the tutor: everyone present but `absent` (N).
async fn take_7a(app: &TestApp, absent: Option<&str>) {
    let tutor = app.sign_in("tutor7a").await;
    let path = "/registers/7A/2025-07-08/AM";
    let page = app.get(Some(&tutor), path).await;
    let mut pairs = vec![("version".to_owned(), version(&page.body))];
    for p in on_roll_in(app, "7A") {
        let upn = p.pupil.upn.to_string();
        let code = if Some(upn.as_str()) == absent {
            "N"
        } else {
            "/"
        };
        pairs.push((format!("mark-{upn}"), code.to_owned()));
    }
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = app.post(Some(&tutor), path, &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn the_office_signs_in_late_arrivals_as_l_before_the_register_closes_and_u_after() {
    let app = TestApp::at("2025-07-08T10:30:00");
    let office = app.sign_in("office").await;
    let seven = on_roll_in(&app, "7A");
    let (first, second) = (
        seven[0].pupil.upn.to_string(),
        seven[1].pupil.upn.to_string(),
    );

    // The search finds the pupil by surname, to choose; choosing them offers the sign-in form.
    let found = app
        .get(
            Some(&office),
            &format!("/office/late?q={}", encode(&seven[0].pupil.surname)),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(
        found.body.contains(&format!("&amp;upn={first}#chosen")),
        "{}",
        found.body
    );
    let chosen = app
        .get(
            Some(&office),
            &format!(
                "/office/late?q={}&upn={first}",
                encode(&seven[0].pupil.surname)
            ),
        )
        .await;
    assert_eq!(chosen.status, StatusCode::OK);
    assert!(
        chosen
            .body
            .contains(&format!("name=\"upn\" value=\"{first}\"")),
        "{}",
        chosen.body
    );

    // 09:40 is after the morning register closed at 09:10: U, 60 minutes after it opened.
    let r = app
        .post(
            Some(&office),
            "/office/late",
            &[("upn", &first), ("time", "09:40")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Signed in: "), "{}", r.body);
    assert!(r.body.contains(">U</span> arrived 60 minutes after the morning (AM) register opened, after it closed at 09:10"), "{}", r.body);
    let m = marks(&app);
    assert_eq!(
        m[&(first.clone(), AM)],
        ("U".into(), Some(60), "Pat Green".into(), "office".into())
    );
    // Signing in twice is refused.
    let again = app
        .post(
            Some(&office),
            "/office/late",
            &[("upn", &first), ("time", "09:45")],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(
        again
            .body
            .contains("already signed in after the register closed"),
        "{}",
        again.body
    );

    // 09:05 was before the register closed: L, 25 minutes. An N from the register is replaced
    // by an amendment with the time.
    let before = amendments(&app).len();
    {
        // The tutor marked the second pupil N.
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
        let recorded = rollcall_core::Recorded {
            by: "Jo Smith".into(),
            role: "form tutor".into(),
            at: chrono::Utc::now(),
        };
        store
            .apply_marks(
                school.id,
                &[rollcall_store::MarkChange::New {
                    pupil: seven[1].id,
                    date: today(),
                    session: AM,
                    entry: rollcall_core::MarkEntry {
                        code: rollcall_core::Code::new(rollcall_core::BaseCode::N),
                        minutes_late: None,
                    },
                    recorded,
                }],
                &mut |_| {},
            )
            .unwrap();
    }
    let r = app
        .post(
            Some(&office),
            "/office/late",
            &[("upn", &second), ("time", "09:05")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains(">L</span> late, 25 minutes after"),
        "{}",
        r.body
    );
    assert!(r.body.contains("This replaces the mark N"));
    assert_eq!(marks(&app)[&(second.clone(), AM)].0, "L");
    let a = amendments(&app);
    assert_eq!(a.len(), before + 1);
    let a = a.last().unwrap();
    assert_eq!(a.reason, "Signed in late at the office at 09:05");
    assert_eq!((a.original.code.text(), a.amended.code.text()), ("N", "L"));
    assert_eq!(
        (a.recorded.by.as_str(), a.recorded.role.as_str()),
        ("Pat Green", "office")
    );
}

#[tokio::test]
async fn registers_not_taken_list_7a_until_its_tutor_takes_it() {
    let app = TestApp::new();
    let office = app.sign_in("office").await;
    let home = app.get(Some(&office), "/office").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Registers not taken today"));
    assert!(
        home.body.contains("/registers/7A/2025-07-08/AM"),
        "{}",
        home.body
    );
    let list = app.get(Some(&office), "/office/not-taken").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("<th scope=\"row\">7A</th>"),
        "{}",
        list.body
    );
    assert!(
        list.body.contains("Jo Smith (tutor7a)"),
        "who should take it"
    );
    assert!(
        list.body.contains("Opens at 13:20"),
        "the afternoon is not due yet"
    );

    take_7a(&app, None).await;
    let list = app.get(Some(&office), "/office/not-taken").await;
    assert!(
        !list.body.contains("<th scope=\"row\">7A</th>"),
        "{}",
        list.body
    );
    assert!(list.body.contains("<th scope=\"row\">7B</th>"));

    // Before the morning register opens nothing is due.
    let early = TestApp::at("2025-07-08T08:00:00");
    let office = early.sign_in("office").await;
    let home = early.get(Some(&office), "/office").await;
    assert!(
        home.body
            .contains("The morning (AM) register opens at 08:40."),
        "{}",
        home.body
    );
}

#[tokio::test]
async fn a_parents_call_marks_the_day_and_a_second_call_gives_the_reason() {
    let app = TestApp::new();
    let office = app.sign_in("office").await;
    let pupil = on_roll_in(&app, "8B")[2].pupil.upn.to_string();
    let page = app
        .get(Some(&office), &format!("/office/calls?upn={pupil}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Mother"), "the pupil's contacts");
    assert!(
        page.body.contains("<option value=\"N\" selected>"),
        "N while the reason is unknown"
    );

    let call = |code: &'static str, reason: &'static str| {
        vec![
            ("upn", pupil.clone()),
            ("first_date", TODAY.to_owned()),
            ("first_session", "AM".to_owned()),
            ("last_date", TODAY.to_owned()),
            ("last_session", "PM".to_owned()),
            ("reason", reason.to_owned()),
            ("code", code.to_owned()),
            ("expected_return", "2025-07-09".to_owned()),
            ("reported_by", "Mother (phone)".to_owned()),
        ]
    };
    let send = |pairs: Vec<(&'static str, String)>| {
        let app = &app;
        let office = office.clone();
        async move {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post(Some(&office), "/office/calls", &pairs).await
        }
    };
    let r = send(call("", "Not well this morning, will ring back")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Call recorded for"), "{}", r.body);
    assert!(r.body.contains("2 sessions"), "{}", r.body);
    let m = marks(&app);
    assert_eq!(m[&(pupil.clone(), AM)].0, "N");
    assert_eq!(m[&(pupil.clone(), PM)].0, "N");
    assert_eq!(m[&(pupil.clone(), AM)].2, "Pat Green");

    let before = amendments(&app).len();
    let r = send(call("I", "Doctor says it is a virus")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("(was N, kept in the history)"),
        "{}",
        r.body
    );
    let m = marks(&app);
    assert_eq!(m[&(pupil.clone(), AM)].0, "I");
    assert_eq!(m[&(pupil.clone(), PM)].0, "I");
    let a = amendments(&app);
    assert_eq!(a.len(), before + 2);
    assert!(a[before..]
        .iter()
        .all(|x| x.reason == "Doctor says it is a virus"
            && x.original.code.text() == "N"
            && x.recorded.by == "Pat Green"
            && x.recorded.role == "office"));
    let r = reports(&app);
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].report.code.text(), "I");
    assert_eq!(r[1].report.reported_by, "Mother (phone)");
    assert_eq!(
        r[1].report.expected_return,
        rollcall_core::parse_date("2025-07-09")
    );

    // A present mark is left alone, and said so.
    take_7a(&app, None).await;
    let seven = on_roll_in(&app, "7A")[4].pupil.upn.to_string();
    let pairs = [
        ("upn", seven.as_str()),
        ("first_date", TODAY),
        ("first_session", "AM"),
        ("last_date", TODAY),
        ("last_session", "PM"),
        ("reason", "Going to the dentist at 11"),
        ("code", "M"),
        ("reported_by", "Father (phone)"),
    ];
    let r = app.post(Some(&office), "/office/calls", &pairs).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Left as they were"), "{}", r.body);
    assert!(r.body.contains("the pupil was marked present"));
    let m = marks(&app);
    assert_eq!(m[&(seven.clone(), AM)].0, "/");
    assert_eq!(m[&(seven, PM)].0, "M");
}

#[tokio::test]
async fn bad_office_input_is_refused_with_a_clear_message_and_nothing_is_written() {
    let app = TestApp::at("2025-07-08T10:30:00");
    let office = app.sign_in("office").await;
    let all = pupils(&app);
    let pupil = all
        .iter()
        .find(|p| p.pupil.form.as_deref() == Some("7A"))
        .unwrap()
        .pupil
        .upn
        .to_string();
    let leaver = all
        .iter()
        .find(|p| p.pupil.leaving_date.is_some_and(|d| d < today()))
        .expect("the demo has pupils who left")
        .pupil
        .upn
        .to_string();
    let unknown = Upn::with_check_letter("999999999999").unwrap().to_string();
    let reports_before = reports(&app).len();

    for (upn, time, message) in [
        (unknown.as_str(), "09:40", "no pupil with UPN"),
        ("X123", "09:40", "'X123' is not a UPN"),
        ("", "09:40", "give the pupil's UPN"),
        (
            pupil.as_str(),
            "25:00",
            "'25:00' is not a time of day: expected HH:MM",
        ),
        (leaver.as_str(), "09:40", "is not on roll on 2025-07-08"),
        (pupil.as_str(), "08:30", "has not yet opened"),
    ] {
        let r = app
            .post(
                Some(&office),
                "/office/late",
                &[("upn", upn), ("time", time)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{upn} {time}");
        assert!(r.body.contains(message), "{message}: {}", r.body);
        assert!(r.body.contains("Nothing was recorded"), "{}", r.body);
    }

    let call = |upn: &str, first: &str, last: &str, code: &str| {
        vec![
            ("upn".to_owned(), upn.to_owned()),
            ("first_date".to_owned(), first.to_owned()),
            ("first_session".to_owned(), "AM".to_owned()),
            ("last_date".to_owned(), last.to_owned()),
            ("last_session".to_owned(), "PM".to_owned()),
            ("reason".to_owned(), "Poorly".to_owned()),
            ("code".to_owned(), code.to_owned()),
            ("reported_by".to_owned(), "Mother (phone)".to_owned()),
        ]
    };
    for (pairs, message) in [
        (
            call(&pupil, "2025-08-04", "2025-08-05", "I"),
            "has no school session for",
        ),
        (
            call(&pupil, "2025-08-04", "2025-08-05", "I"),
            "outside every half term",
        ),
        (call(&unknown, TODAY, TODAY, "I"), "no pupil with UPN"),
        (
            call(&leaver, TODAY, TODAY, "I"),
            "is not on roll on 2025-07-08",
        ),
        (
            call(&pupil, TODAY, "2025-07-07", "I"),
            "is before the first",
        ),
        (call(&pupil, "2025-7-8", TODAY, "I"), "is not a date"),
        (
            call(&pupil, TODAY, TODAY, "/"),
            "cannot be recorded from a call",
        ),
        (
            call(&pupil, TODAY, TODAY, "H"),
            "withdrawn on 19 August 2024",
        ),
    ] {
        let p: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = app.post(Some(&office), "/office/calls", &p).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{message}");
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    assert!(marks(&app).is_empty(), "nothing was written");
    assert_eq!(reports(&app).len(), reports_before);
}

#[tokio::test]
async fn heads_of_year_sign_in_and_take_calls_for_their_years_only() {
    let app = TestApp::at("2025-07-08T10:30:00");
    let hoy = app.sign_in("hoy9").await;
    assert_eq!(
        app.get(Some(&hoy), "/office").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(Some(&hoy), "/office/not-taken").await.status,
        StatusCode::FORBIDDEN
    );
    let seven = on_roll_in(&app, "7A")[0].pupil.upn.to_string();
    let nine = on_roll_in(&app, "9A")[0].pupil.upn.to_string();
    let r = app
        .post(
            Some(&hoy),
            "/office/late",
            &[("upn", &seven), ("time", "09:40")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // An unknown pupil is refused the same way as one out of reach.
    let unknown = Upn::with_check_letter("999999999999").unwrap().to_string();
    let r = app
        .post(
            Some(&hoy),
            "/office/late",
            &[("upn", &unknown), ("time", "09:40")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(Some(&hoy), &format!("/office/calls?upn={seven}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A search shows only their year.
    let found = app.get(Some(&hoy), "/office/late?q=7A").await;
    assert!(!found.body.contains(&seven));
    let r = app
        .post(
            Some(&hoy),
            "/office/late",
            &[("upn", &nine), ("time", "09:40")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let m = marks(&app);
    assert_eq!(m[&(nine, AM)].3, "head of year");
    assert!(!m.contains_key(&(seven, AM)));

    for who in ["tutor7a", "governor", "parent", "admin"] {
        let s = app.sign_in(who).await;
        assert_eq!(
            app.get(Some(&s), "/office/late").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
}

#[tokio::test]
async fn a_recorded_call_is_shown_again_and_not_recorded_twice() {
    let app = TestApp::at("2025-07-08T10:30:00");
    let office = app.sign_in("office").await;
    let pupil = on_roll_in(&app, "9B")[1].pupil.clone();
    let upn = pupil.upn.to_string();
    let pairs = [
        ("upn", upn.as_str()),
        ("first_date", TODAY),
        ("first_session", "AM"),
        ("last_date", TODAY),
        ("last_session", "PM"),
        ("reason", "Migraine since last night"),
        ("code", "I"),
        ("expected_return", "2025-07-09"),
        ("reported_by", "Father (phone)"),
    ];
    let r = app.post(Some(&office), "/office/calls", &pairs).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A confirmation of what was recorded, not the same blank form again.
    assert!(r.body.contains("Call recorded for"), "{}", r.body);
    assert!(r.body.contains("Father (phone)"));
    assert!(r.body.contains("Migraine since last night"));
    assert!(r.body.contains("Wednesday 9 July 2025"), "expected back");
    assert!(
        !r.body.contains("name=\"reason\""),
        "no form inviting the same call again: {}",
        r.body
    );
    assert!(r
        .body
        .contains(&format!("href=\"/office/calls?upn={upn}\"")));
    assert!(r.body.contains("Record another call about"));
    assert_eq!(reports(&app).len(), 1);

    // The same form sent again (a double tap, a reload) records nothing more.
    let again = app.post(Some(&office), "/office/calls", &pairs).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert!(
        again.body.contains("This call was already recorded"),
        "{}",
        again.body
    );
    assert!(!again.body.contains("name=\"reason\""));
    assert_eq!(reports(&app).len(), 1, "one report");

    // "Record another call" shows the form, with the call already recorded above it.
    let next = app
        .get(Some(&office), &format!("/office/calls?upn={upn}"))
        .await;
    assert_eq!(next.status, StatusCode::OK);
    assert!(next.body.contains("name=\"reason\""));
    let recent = next.body.find("Calls about").expect("the recent calls");
    assert!(next.body[recent..].contains("Migraine since last night"));

    // The pupil's record shows it to staff.
    for who in ["office", "head", "attendance"] {
        let s = app.sign_in(who).await;
        let record = app.get(Some(&s), &format!("/pupils/{upn}")).await;
        assert_eq!(record.status, StatusCode::OK);
        assert!(record.body.contains("Parents' calls this year"), "{who}");
        assert!(
            record.body.contains("Migraine since last night"),
            "{who}: {}",
            record.body
        );
        assert!(record.body.contains("Father (phone)"));
    }
}

#[tokio::test]
async fn a_parent_does_not_see_the_calls_recorded_about_their_child() {
    let app = TestApp::at("2025-07-08T10:30:00");
    let child = {
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        let parent = store.user_by_name("parent").unwrap().unwrap();
        pupils(&app)
            .into_iter()
            .find(|p| p.id == parent.user.children[0])
            .unwrap()
            .pupil
            .upn
            .to_string()
    };
    let office = app.sign_in("office").await;
    let r = app
        .post(
            Some(&office),
            "/office/calls",
            &[
                ("upn", child.as_str()),
                ("first_date", TODAY),
                ("last_date", TODAY),
                ("reason", "Grandmother says she has a cold"),
                ("code", "I"),
                ("reported_by", "Grandmother (phone)"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let staff = app.get(Some(&office), &format!("/pupils/{child}")).await;
    assert!(staff.body.contains("Grandmother says she has a cold"));
    let parent = app.sign_in("parent").await;
    let record = app.get(Some(&parent), &format!("/pupils/{child}")).await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(!record.body.contains("Grandmother"));
    assert!(!record.body.contains("Parents' calls"));
}

/// A second pupil of the same name in the same form: born later, with another UPN.
fn add_namesake(app: &TestApp, of: &StoredPupil) -> StoredPupil {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let mut namesake = of.pupil.clone();
    namesake.upn = Upn::with_check_letter("999900000123").unwrap();
    namesake.dob = of.pupil.dob + chrono::Days::new(45);
    store.save_pupils(school.id, &[namesake.clone()]).unwrap();
    pupils(app)
        .into_iter()
        .find(|p| p.pupil.upn == namesake.upn)
        .unwrap()
}

#[tokio::test]
async fn two_pupils_of_one_name_are_told_apart_and_signing_in_is_a_step_of_its_own() {
    let app = TestApp::at("2025-07-08T09:00:00");
    let office = app.sign_in("office").await;
    let pupil = on_roll_in(&app, "7A")[2].clone();
    let namesake = add_namesake(&app, &pupil);
    let (upn, other) = (pupil.pupil.upn.to_string(), namesake.pupil.upn.to_string());
    let name = format!("{} {}", pupil.pupil.forename, pupil.pupil.surname);
    let born = |p: &StoredPupil| p.pupil.dob.format("%-d %b %Y").to_string();
    let tail = |upn: &str| format!("…{}", &upn[upn.len() - 4..]);

    // The search lists both, each with their date of birth and the end of their UPN, and signs
    // nobody in: each line only chooses.
    let found = app
        .get(Some(&office), &format!("/office/late?q={}", encode(&name)))
        .await;
    assert_eq!(found.status, StatusCode::OK);
    for (p, u) in [(&pupil, &upn), (&namesake, &other)] {
        assert!(found.body.contains(&born(p)), "{}", found.body);
        assert!(found.body.contains(&tail(u)));
        assert!(found.body.contains(&format!("&amp;upn={u}#chosen")));
    }
    assert!(!found
        .body
        .contains("method=\"post\" action=\"/office/late\""));
    assert!(!found.body.contains("name=\"upn\""));

    // Choosing one shows one button, naming the pupil chosen with their form and date of birth.
    let chosen = app
        .get(
            Some(&office),
            &format!("/office/late?q={}&upn={other}", encode(&name)),
        )
        .await;
    assert_eq!(chosen.status, StatusCode::OK);
    assert_eq!(
        chosen
            .body
            .matches("method=\"post\" action=\"/office/late\"")
            .count(),
        1
    );
    assert!(chosen
        .body
        .contains(&format!("name=\"upn\" value=\"{other}\"")));
    assert!(
        chosen.body.contains(&format!(
            "Sign in {name} (7A, born {}) late",
            born(&namesake)
        )),
        "{}",
        chosen.body
    );
    let r = app
        .post(
            Some(&office),
            "/office/late",
            &[("upn", &other), ("time", "08:58"), ("q", &name)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let m = marks(&app);
    assert_eq!(m[&(other.clone(), AM)].0, "L");
    assert!(
        !m.contains_key(&(upn.clone(), AM)),
        "the namesake is not signed in"
    );

    // The parents' call desk tells them apart too.
    let calls = app
        .get(Some(&office), &format!("/office/calls?q={}", encode(&name)))
        .await;
    for (p, u) in [(&pupil, &upn), (&namesake, &other)] {
        assert!(calls.body.contains(&born(p)), "{}", calls.body);
        assert!(calls.body.contains(&tail(u)));
        assert!(calls.body.contains(&format!("/office/calls?upn={u}")));
    }
    let desk = app
        .get(Some(&office), &format!("/office/calls?upn={other}"))
        .await;
    assert!(desk.body.contains(&format!("Born {}", born(&namesake))));
    assert!(!desk.body.contains(&born(&pupil)));
}
