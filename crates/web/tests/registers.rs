//! Taking a register in the browser: marks, late arrivals, corrections before and after the
//! register closes, reach, and two people editing one register.

mod common;

use std::collections::HashMap;

use axum::http::StatusCode;
use common::*;
use rollcall_core::Date;
use rollcall_store::{DateRange, StoredPupil};

const REGISTER_7A: &str = "/registers/7A/2025-07-08/AM";
const AM: rollcall_core::Session = rollcall_core::Session::Am;

fn today() -> Date {
    rollcall_core::parse_date(TODAY).unwrap()
}

/// The pupils of a form on roll today, in register order.
fn form(app: &TestApp, form: &str) -> Vec<StoredPupil> {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let mut pupils: Vec<_> = store
        .pupils(school.id)
        .unwrap()
        .into_iter()
        .filter(|p| p.pupil.form.as_deref() == Some(form) && p.pupil.on_roll(today()))
        .collect();
    pupils.sort_by_key(|p| {
        (
            p.pupil.surname.to_lowercase(),
            p.pupil.forename.to_lowercase(),
        )
    });
    pupils
}

/// Today's marks of a session by UPN: code and minutes late.
fn marks(app: &TestApp, session: rollcall_core::Session) -> HashMap<String, (String, Option<u32>)> {
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
        .filter(|m| m.session == session)
        .map(|m| {
            (
                upns[&m.pupil].clone(),
                (m.entry.code.text().to_owned(), m.entry.minutes_late),
            )
        })
        .collect()
}

fn amendments(app: &TestApp) -> Vec<rollcall_store::StoredAmendment> {
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    store.amendments(school.id, None).unwrap()
}

/// The register version a page's form was built from.
fn version(html: &str) -> String {
    let key = "name=\"version\" value=\"";
    let at = html.find(key).expect("a version on the register form") + key.len();
    html[at..].split('"').next().unwrap().to_owned()
}

/// A register form: every pupil of `pupils` with `code`, except the lines in `special`
/// (UPN → code, arrival time).
fn lines(
    version: &str,
    pupils: &[StoredPupil],
    code: &str,
    special: &[(&str, &str, &str)],
) -> Vec<(String, String)> {
    let mut out = vec![
        ("version".to_owned(), version.to_owned()),
        ("action".to_owned(), "save".to_owned()),
    ];
    for p in pupils {
        let upn = p.pupil.upn.to_string();
        let (c, arrival) = special
            .iter()
            .find(|(u, _, _)| *u == upn)
            .map(|(_, c, a)| (*c, *a))
            .unwrap_or((code, ""));
        out.push((format!("mark-{upn}"), c.to_owned()));
        out.push((format!("arrival-{upn}"), arrival.to_owned()));
        out.push((format!("was-{upn}"), String::new()));
    }
    out
}

async fn post(app: &TestApp, s: &Session, path: &str, pairs: &[(String, String)]) -> Reply {
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post(Some(s), path, &pairs).await
}

#[tokio::test]
async fn a_tutor_takes_the_morning_register_with_a_late_and_an_absent_pupil() {
    let app = TestApp::new();
    let tutor = app.sign_in("tutor7a").await;
    let pupils = form(&app, "7A");
    assert!(pupils.len() > 20);
    let (late, absent) = (
        pupils[0].pupil.upn.to_string(),
        pupils[1].pupil.upn.to_string(),
    );

    let mine = app.get(Some(&tutor), "/registers").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("My registers now") && mine.body.contains("Not taken"));
    assert!(
        mine.body.contains(REGISTER_7A),
        "a link to today's 7A AM register"
    );
    assert!(
        !mine.body.contains("/registers/7B/"),
        "only the tutor's own forms"
    );

    let page = app.get(Some(&tutor), REGISTER_7A).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-all-present"));
    assert!(page.body.contains(&format!("<label for=\"mark-{late}\"")));
    assert!(page.body.contains("optgroup label=\"Authorised absence\""));
    assert!(
        !page.body.contains("name=\"reason\""),
        "no reason while the register is open"
    );
    let v = version(&page.body);

    let form = lines(
        &v,
        &pupils,
        "/",
        &[(&late, "L", "08:57"), (&absent, "N", "")],
    );
    let saved = post(&app, &tutor, REGISTER_7A, &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let to = saved.location.unwrap();
    assert!(to.starts_with(REGISTER_7A), "{to}");
    let done = app.get(Some(&tutor), &to).await;
    assert!(
        done.body
            .contains(&format!("Register saved: {} new marks", pupils.len())),
        "{}",
        done.body
    );
    assert!(done.body.contains("Every pupil is marked"));

    let m = marks(&app, AM);
    assert_eq!(
        m[&late],
        ("L".to_owned(), Some(17)),
        "08:57 is 17 minutes after 08:40"
    );
    assert_eq!(m[&absent], ("N".to_owned(), None));
    for p in &pupils[2..] {
        assert_eq!(m[&p.pupil.upn.to_string()].0, "/");
    }
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None).unwrap();
    let mark = store
        .marks(school.id, DateRange::between(today(), today()))
        .unwrap()
        .into_iter()
        .find(|x| x.pupil == pupils[0].id && x.session == AM)
        .unwrap();
    assert_eq!(mark.recorded.by, "Jo Smith");
    assert_eq!(mark.recorded.role, "form tutor");

    // The list shows the register taken; the late mark shows its arrival time.
    let mine = app.get(Some(&tutor), "/registers").await;
    assert!(mine.body.contains("Taken"), "{}", mine.body);
    let page = app.get(Some(&tutor), REGISTER_7A).await;
    assert!(page.body.contains(&format!(
        "id=\"arrival-{late}\" name=\"arrival-{late}\" value=\"08:57\""
    )));

    // Before the register closes a correction keeps the original, with the standard reason.
    let v = version(&page.body);
    let form = lines(
        &v,
        &pupils,
        "/",
        &[(&late, "L", "08:57"), (&absent, "/", "")],
    );
    let r = post(&app, &tutor, REGISTER_7A, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = amendments(&app);
    let last = a.last().unwrap();
    assert_eq!(last.pupil, pupils[1].id);
    assert_eq!(
        (last.original.code.text(), last.amended.code.text()),
        ("N", "/")
    );
    assert_eq!(last.reason, "Corrected before the register closed");
}

#[tokio::test]
async fn all_present_works_without_javascript_and_saves_nothing() {
    let app = TestApp::new();
    let tutor = app.sign_in("tutor7a").await;
    let pupils = form(&app, "7A");
    let page = app.get(Some(&tutor), REGISTER_7A).await;
    let v = version(&page.body);
    let mut form = lines(
        &v,
        &pupils,
        "",
        &[(&pupils[0].pupil.upn.to_string(), "N", "")],
    );
    form.retain(|(k, _)| k != "action");
    form.push(("action".into(), "all-present".into()));
    let r = post(&app, &tutor, REGISTER_7A, &form).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Nothing is saved yet"));
    assert_eq!(
        r.body.matches("<option value=\"/\" selected>").count(),
        pupils.len() - 1,
        "every unmarked pupil but the one marked N is set to present"
    );
    assert!(r.body.contains("<option value=\"N\" selected>"));
    assert!(marks(&app, AM).is_empty());
}

#[tokio::test]
async fn tutors_reach_only_their_forms_and_heads_of_year_their_years() {
    let app = TestApp::new();
    let tutor = app.sign_in("tutor7a").await;
    assert_eq!(
        app.get(Some(&tutor), "/registers/7B/2025-07-08/AM")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(Some(&tutor), "/registers/7B/2025-07-08/AM", &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A line for a pupil outside 7A, slipped into 7A's register, is refused and nothing is written.
    let pupils = form(&app, "7A");
    let outsider = form(&app, "7B")[0].pupil.upn.to_string();
    let page = app.get(Some(&tutor), REGISTER_7A).await;
    let mut f = lines(&version(&page.body), &pupils, "/", &[]);
    f.push((format!("mark-{outsider}"), "N".into()));
    let r = post(&app, &tutor, REGISTER_7A, &f).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The same for a UPN that is on no register at all.
    let mut f = lines(&version(&page.body), &pupils, "/", &[]);
    f.push(("mark-A999999999999".into(), "N".into()));
    assert_eq!(
        post(&app, &tutor, REGISTER_7A, &f).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(marks(&app, AM).is_empty());

    let hoy = app.sign_in("hoy9").await;
    assert_eq!(
        app.get(Some(&hoy), REGISTER_7A).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(Some(&hoy), "/registers/9A/2025-07-08/AM")
            .await
            .status,
        StatusCode::OK
    );
    let list = app.get(Some(&hoy), "/registers").await;
    assert!(list.body.contains("/registers/9B/") && !list.body.contains("/registers/7A/"));

    let office = app.sign_in("office").await;
    let list = app.get(Some(&office), "/registers").await;
    assert!(list.body.contains("/registers/7A/") && list.body.contains("/registers/11B/"));
    assert!(list.body.contains("Jo Smith"), "who takes 7A");
    assert_eq!(
        app.get(Some(&office), "/registers/7Z/2025-07-08/AM")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for who in ["admin", "governor", "parent"] {
        let s = app.sign_in(who).await;
        assert_eq!(
            app.get(Some(&s), REGISTER_7A).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
}

#[tokio::test]
async fn after_the_register_closed_a_change_needs_a_reason_and_is_kept_as_an_amendment() {
    let app = TestApp::at("2025-07-08T10:30:00");
    let tutor = app.sign_in("tutor7a").await;
    let pupils = form(&app, "7A");
    let pupil = pupils[3].pupil.upn.to_string();
    let before = amendments(&app).len();
    // Taking a register late still writes new marks without a reason.
    let page = app.get(Some(&tutor), REGISTER_7A).await;
    assert!(page.body.contains("The register closed at 09:10"));
    assert!(page.body.contains("name=\"reason\""));
    let f = lines(&version(&page.body), &pupils, "/", &[(&pupil, "N", "")]);
    let r = post(&app, &tutor, REGISTER_7A, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(amendments(&app).len(), before);

    // A change without a reason is refused, and the form comes back with the choice kept.
    let page = app.get(Some(&tutor), REGISTER_7A).await;
    let v = version(&page.body);
    let f = lines(&v, &pupils, "/", &[(&pupil, "I", "")]);
    let r = post(&app, &tutor, REGISTER_7A, &f).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body
            .contains("The register closed at 09:10: give a reason for changing"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("<option value=\"I\" selected>"),
        "the choice is kept"
    );
    assert_eq!(marks(&app, AM)[&pupil].0, "N");
    assert_eq!(amendments(&app).len(), before);

    // With a reason it is an amendment keeping the original, who, their role and when.
    let mut f = lines(&v, &pupils, "/", &[(&pupil, "I", "")]);
    f.push((
        "reason".into(),
        "Mother phoned at 10:15: ill overnight".into(),
    ));
    let r = post(&app, &tutor, REGISTER_7A, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let done = app.get(Some(&tutor), &r.location.unwrap()).await;
    assert!(done.body.contains("1 correction"), "{}", done.body);
    assert_eq!(marks(&app, AM)[&pupil].0, "I");
    let a = amendments(&app);
    assert_eq!(a.len(), before + 1);
    let a = a.last().unwrap();
    assert_eq!((a.original.code.text(), a.amended.code.text()), ("N", "I"));
    assert_eq!(a.original_recorded.by, "Jo Smith");
    assert_eq!(a.reason, "Mother phoned at 10:15: ill overnight");
    assert_eq!(a.recorded.by, "Jo Smith");
    assert_eq!(a.recorded.role, "form tutor");
    assert_eq!(
        rollcall_core::dates::school_time(a.recorded.at),
        chrono::NaiveDateTime::parse_from_str("2025-07-08T10:30:00", "%Y-%m-%dT%H:%M:%S").unwrap(),
        "the school's clock"
    );
    // 10:30 in England in July is 09:30 UTC, whatever the zone of the machine.
    assert_eq!(
        a.recorded.at,
        chrono::DateTime::parse_from_rfc3339("2025-07-08T09:30:00Z").unwrap(),
        "kept as an instant"
    );
}

#[tokio::test]
async fn a_register_submitted_from_an_old_version_is_refused_and_nothing_of_it_is_written() {
    let app = TestApp::new();
    let tutor = app.sign_in("tutor7a").await;
    let office = app.sign_in("office").await;
    let pupils = form(&app, "7A");
    let first = pupils[0].pupil.upn.to_string();
    let page = app.get(Some(&tutor), REGISTER_7A).await;
    let v = version(&page.body);
    assert_eq!(version(&app.get(Some(&office), REGISTER_7A).await.body), v);

    // The office saves first, from the same version: one pupil absent, the rest left unmarked.
    let f = lines(&v, &pupils, "", &[(&first, "N", "")]);
    let r = post(&app, &office, REGISTER_7A, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The tutor's form, built before that, is refused.
    let f = lines(&v, &pupils, "/", &[]);
    let r = post(&app, &tutor, REGISTER_7A, &f).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("Someone else changed this register while you were editing it: Pat Green (office) recorded N for"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Reload to see their marks"));
    let m = marks(&app, AM);
    assert_eq!(m.len(), 1, "nothing of the second submission was written");
    assert_eq!(m[&first].0, "N");
    // The form comes back on the new version, with the office's mark and the tutor's choices.
    assert_ne!(version(&r.body), v);
    assert!(r
        .body
        .contains("Changed by Pat Green while you were editing: now N"));
    // The tutor had chosen present for the pupil the office marked N: the choice is kept and
    // flagged, to be saved again only knowingly.
    assert_eq!(
        r.body.matches("<option value=\"/\" selected>").count(),
        pupils.len()
    );
}

#[tokio::test]
async fn bad_register_input_is_refused_with_a_clear_message() {
    let app = TestApp::new();
    let tutor = app.sign_in("tutor7a").await;
    let pupils = form(&app, "7A");
    let upn = pupils[0].pupil.upn.to_string();
    let page = app.get(Some(&tutor), REGISTER_7A).await;
    let v = version(&page.body);
    for (code, arrival, message) in [
        ("L", "25:00", "'25:00' is not a time of day: expected HH:MM"),
        ("L", "", "give the time they arrived, for L (late)"),
        ("H", "", "code 'H' was withdrawn on 19 August 2024"),
        ("N", "09:00", "an arrival time goes with L (late) or U"),
    ] {
        let f = lines(&v, &pupils, "/", &[(&upn, code, arrival)]);
        let r = post(&app, &tutor, REGISTER_7A, &f).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{code} {arrival}");
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    assert!(marks(&app, AM).is_empty());
    // A form without its version, a bad date and a day that is not a school day.
    let r = app
        .post(
            Some(&tutor),
            REGISTER_7A,
            &[(format!("mark-{upn}").as_str(), "/")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("reload the register"), "{}", r.body);
    let r = app.get(Some(&tutor), "/registers/7A/2025-13-01/AM").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("is not a date"));
    let r = app.get(Some(&tutor), "/registers/7A/2025-07-12/AM").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("weekend"), "{}", r.body);
    let r = app.get(Some(&tutor), "/registers?date=2025-08-04").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("not a school session"), "{}", r.body);
}
