//! The first-day calling list: absent with no reason known, vulnerable pupils first.

mod common;

use axum::http::StatusCode;
use common::*;
use rollcall_app::registers::{self, CallReport, MarkInput, RegisterKey, RegisterSubmission};
use rollcall_app::Actor;
use rollcall_core::{parse_date, Role, Session};

#[tokio::test]
async fn the_calling_list_names_who_to_ring_and_drops_them_once_a_reason_is_known() {
    let app = TestApp::at("2025-07-08T09:30:00");
    let today = parse_date(TODAY).unwrap();
    let now =
        chrono::NaiveDateTime::parse_from_str("2025-07-08T09:30:00", "%Y-%m-%dT%H:%M:%S").unwrap();
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None)
        .unwrap()
        .id;
    // 7A's register: everyone present but one, who is N.
    let reg = registers::register(store.as_mut(), school, "7A", today, Session::Am, now).unwrap();
    let rows: Vec<_> = reg.pupils().collect();
    let absent = rows[0].pupil.clone();
    let present = rows[1].pupil.clone();
    let submission = RegisterSubmission {
        version: reg.version.clone(),
        reason: String::new(),
        marks: rows
            .iter()
            .enumerate()
            .map(|(i, r)| MarkInput {
                upn: r.pupil.upn.to_string(),
                code: if i == 0 { "N".into() } else { "/".into() },
                ..MarkInput::default()
            })
            .collect(),
    };
    let actor = Actor::command_line("Jo Smith", Role::FormTutor);
    registers::take_register(
        store.as_mut(),
        school,
        &RegisterKey {
            form: "7A".into(),
            date: today,
            session: Session::Am,
        },
        &submission,
        &actor,
        now,
    )
    .unwrap();

    let office = app.sign_in("office").await;
    let page = app.get(Some(&office), "/office/calling-list").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(&absent.upn.to_string()),
        "the N pupil is listed"
    );
    assert!(
        !page.body.contains(&format!("/pupils/{}", present.upn)),
        "a present pupil is not"
    );
    assert!(page.body.contains("tel:07700"), "with a number to ring");
    // Pupils with a social worker or looked after come first.
    let pupils = store.pupils(school).unwrap();
    let first_vulnerable = pupils
        .iter()
        .find(|p| p.pupil.social_worker || p.pupil.looked_after);
    if let Some(v) = first_vulnerable {
        let at_v = page
            .body
            .find(&format!("/pupils/{}\"", v.pupil.upn))
            .unwrap();
        let at_absent = page
            .body
            .find(&format!("/pupils/{}\"", absent.upn))
            .unwrap();
        assert!(at_v < at_absent || absent.social_worker || absent.looked_after);
    }
    // Once the parent has rung, the pupil is no longer on the list.
    let call = CallReport {
        upn: absent.upn.to_string(),
        first: (today, Session::Am),
        last: (today, Session::Pm),
        reason: "Sickness bug overnight".into(),
        code: "I".into(),
        expected_return: None,
        reported_by: "Mother (phone)".into(),
    };
    registers::record_call(store.as_mut(), school, &call, &actor, now).unwrap();
    let page = app.get(Some(&office), "/office/calling-list").await;
    assert!(!page.body.contains(&format!("/pupils/{}\"", absent.upn)));

    // A head of year sees their years only; a tutor and a parent are refused.
    let hoy = app.sign_in("hoy9").await;
    let page = app.get(Some(&hoy), "/office/calling-list").await;
    assert_eq!(page.status, StatusCode::OK);
    for p in pupils
        .iter()
        .filter(|p| p.pupil.year_group != rollcall_core::YearGroup::Year(9))
    {
        assert!(
            !page.body.contains(&format!("/pupils/{}\"", p.pupil.upn)),
            "year {} shown to the head of year 9",
            p.pupil.year_group
        );
    }
    for who in ["tutor7a", "parent", "governor"] {
        let s = app.sign_in(who).await;
        assert_eq!(
            app.get(Some(&s), "/office/calling-list").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    let bad = app
        .get(Some(&office), "/office/calling-list?date=tomorrow")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn before_the_register_closes_nobody_is_to_call() {
    // 08:50: the morning register is open until 09:10.
    let app = TestApp::at("2025-07-08T08:50:00");
    let today = parse_date(TODAY).unwrap();
    let now =
        chrono::NaiveDateTime::parse_from_str("2025-07-08T08:50:00", "%Y-%m-%dT%H:%M:%S").unwrap();
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None)
        .unwrap()
        .id;
    // 7A's register is taken: one pupil N, the others present. No other register is taken.
    let reg = registers::register(store.as_mut(), school, "7A", today, Session::Am, now).unwrap();
    let rows: Vec<_> = reg.pupils().collect();
    let absent = rows[0].pupil.clone();
    let submission = RegisterSubmission {
        version: reg.version.clone(),
        reason: String::new(),
        marks: rows
            .iter()
            .enumerate()
            .map(|(i, r)| MarkInput {
                upn: r.pupil.upn.to_string(),
                code: if i == 0 { "N".into() } else { "/".into() },
                ..MarkInput::default()
            })
            .collect(),
    };
    let key = RegisterKey::parse("7A", TODAY, "AM").unwrap();
    let tutor = Actor::command_line("Jo Smith", Role::FormTutor);
    registers::take_register(store.as_mut(), school, &key, &submission, &tutor, now).unwrap();
    let unmarked = store
        .pupils(school)
        .unwrap()
        .into_iter()
        .find(|p| p.pupil.form.as_deref() == Some("7B") && p.pupil.on_roll(today))
        .unwrap();

    let office = app.sign_in("office").await;
    let page = app.get(Some(&office), "/office/calling-list").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("Nobody is to call until it closes"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("</strong> to call."),
        "no count of pupils to call"
    );
    assert!(!page.body.contains("aria-label=\"Pupils to call\""));
    // The N pupil is absent so far.
    assert!(page.body.contains("Absent so far"));
    assert!(page.body.contains(&format!("/pupils/{}\"", absent.upn)));
    // The pupils without a mark are counted apart, with the registers not yet taken.
    assert!(page.body.contains("Not yet marked"));
    assert!(
        page.body.contains("/registers/7B/2025-07-08/AM"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("/registers/7A/2025-07-08/AM"),
        "7A is taken"
    );
    assert!(
        !page
            .body
            .contains(&format!("/pupils/{}\"", unmarked.pupil.upn)),
        "a pupil not yet marked is not listed to call"
    );

    // Once it has closed, the same register's pupils are to call.
    let later = TestApp::at("2025-07-08T09:15:00");
    let office = later.sign_in("office").await;
    let page = later.get(Some(&office), "/office/calling-list").await;
    assert!(page.body.contains("The register closed at 09:10."));
    assert!(page.body.contains("</strong> to call."));
    assert!(!page.body.contains("Nobody is to call until it closes"));
    assert!(page
        .body
        .contains(&format!("/pupils/{}\"", unmarked.pupil.upn)));
}

#[tokio::test]
async fn the_office_logs_each_call_on_the_list_and_bad_input_changes_nothing() {
    let app = TestApp::at("2025-07-08T09:30:00");
    let pupils = seven_a_with_parents(&app);
    let (pupil, contacts) = &pupils[0];
    let (other, others) = &pupils[1];
    take_all_registers(&app, &[pupil.id, other.id]);
    let upn = pupil.pupil.upn.to_string();
    let mother = &contacts[0];
    let office = app.sign_in("office").await;
    let page = app.get(Some(&office), "/office/calling-list").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("id=\"pupil-{upn}\"")));
    assert!(page
        .body
        .contains("action=\"/office/calling-list/attempts\""));
    assert!(
        page.body.contains("Messages cannot be sent"),
        "nothing configured"
    );

    let post = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        let office = &office;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post(Some(office), "/office/calling-list/attempts", &pairs)
                .await
        }
    };
    let base = |outcome: &str| {
        vec![
            ("upn", upn.clone()),
            ("date", TODAY.to_owned()),
            ("session", "AM".to_owned()),
            ("contact", mother.reference.clone()),
            ("outcome", outcome.to_owned()),
        ]
    };
    // Bad input: refused with the reason, and nothing logged.
    let reply = post(base("engaged")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body.contains("choose how the call went"),
        "{}",
        reply.body
    );
    let mut wrong = base("no_answer");
    wrong[3].1 = others[0].reference.clone();
    let reply = post(wrong).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("is not one of"));
    let mut unknown = base("no_answer");
    unknown[0].1 = "A999999999999".into();
    assert_eq!(post(unknown).await.status, StatusCode::BAD_REQUEST);
    let hoy = app.sign_in("hoy9").await;
    let pairs: Vec<(&str, String)> = base("no_answer");
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        app.post(Some(&hoy), "/office/calling-list/attempts", &pairs)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let reply = app
        .post(
            Some(&office),
            "/office/calling-list/messages",
            &[("date", TODAY), ("session", "AM")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("Messages cannot be sent"));
    let day = parse_date(TODAY).unwrap();
    let logged = || {
        let mut store = rollcall_app::open_store(&app.url).unwrap();
        let school = rollcall_app::resolve_school(store.as_mut(), None)
            .unwrap()
            .id;
        store
            .call_attempts(school, rollcall_store::DateRange::between(day, day))
            .unwrap()
            .len()
    };
    assert_eq!(logged(), 0);

    // No answer, then the mother gives the reason: the pupil leaves the list.
    let reply = post(base("no_answer")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("Call logged"));
    assert!(reply
        .body
        .contains(&format!("Calls today about {}", pupil.pupil.forename)));
    let mut reason = base("reason_given");
    reason.push(("note", "Sickness bug".into()));
    reason.push(("code", "I".into()));
    let reply = post(reason).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("Reason recorded for"), "{}", reply.body);
    assert!(!reply.body.contains(&format!("id=\"pupil-{upn}\"")));
    assert!(reply
        .body
        .contains(&format!("id=\"pupil-{}\"", other.pupil.upn)));
    assert_eq!(logged(), 2);
}

#[tokio::test]
async fn the_days_message_is_sent_from_the_list_through_the_schools_mail_server() {
    let app = TestApp::at("2025-07-08T09:30:00");
    let pupils = seven_a_with_parents(&app);
    let (a, b) = (&pupils[0], &pupils[1]);
    take_all_registers(&app, &[a.0.id, b.0.id]);
    let server = rollcall_testkit::smtp::SmtpServer::start();
    app.state.app().set_messaging(
        rollcall_app::messages::Messaging::from_toml(
            "test.toml",
            &format!(
                "[mail]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"Northfield Academy <office@northfield.example>\"\n",
                server.port()
            ),
        )
        .unwrap(),
    );
    let office = app.sign_in("office").await;
    let page = app.get(Some(&office), "/office/calling-list").await;
    let parents: Vec<String> = [a, b]
        .iter()
        .flat_map(|(_, c)| {
            c.iter()
                .filter(|c| c.is_parent())
                .filter_map(|c| c.email.clone())
        })
        .collect();
    assert!(
        page.body.contains(&format!(
            "Send today's message to {} parents of 2 pupils",
            parents.len()
        )),
        "{}",
        page.body
    );
    let reply = app
        .post(
            Some(&office),
            "/office/calling-list/messages",
            &[("date", TODAY), ("session", "AM")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.body.contains(&format!(
            "Today's message: </strong>{} e-mails",
            parents.len()
        )),
        "{}",
        reply.body
    );
    let got = server.wait_for(parents.len(), std::time::Duration::from_secs(10));
    let mut to: Vec<String> = got.iter().map(|m| m.recipients.join(",")).collect();
    to.sort();
    let mut want = parents.clone();
    want.sort();
    assert_eq!(to, want);
    assert!(
        reply.body.contains("E-mail to"),
        "the message is shown against the pupil"
    );
}

#[tokio::test]
async fn the_safeguarding_lead_sees_vulnerable_pupils_and_closes_the_steps() {
    let app = TestApp::at("2025-07-08T10:30:00");
    let today = parse_date(TODAY).unwrap();
    let mut store = rollcall_app::open_store(&app.url).unwrap();
    let school = rollcall_app::resolve_school(store.as_mut(), None)
        .unwrap()
        .id;
    let vulnerable = store
        .pupils(school)
        .unwrap()
        .into_iter()
        .find(|p| p.pupil.on_roll(today) && !rollcall_app::calling::vulnerable(&p.pupil).is_empty())
        .expect("a vulnerable pupil in the test school");
    drop(store);
    take_all_registers(&app, &[vulnerable.id]);
    let dsl = app.sign_in("dsl").await;
    let home = app.get(Some(&dsl), "/").await;
    assert_eq!(home.location.as_deref(), Some("/safeguarding"));
    let page = app.get(Some(&dsl), "/safeguarding").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page
        .body
        .contains(&format!("id=\"vulnerable-{}\"", vulnerable.pupil.upn)));
    assert!(
        page.body.contains("Flag to the safeguarding lead"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Morgan Reid"));
    let step = page
        .body
        .split("id=\"step-")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    for who in ["office", "tutor7a", "hoy9"] {
        let s = app.sign_in(who).await;
        assert_eq!(
            app.get(Some(&s), "/safeguarding").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    let reply = app
        .post(
            Some(&dsl),
            "/safeguarding/steps/close",
            &[("step", &step), ("contact_made", "yes")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("say what was done"));
    let reply = app
        .post(
            Some(&dsl),
            "/safeguarding/steps/close",
            &[
                ("step", &step),
                ("contact_made", "yes"),
                ("outcome", "Foster carer rang back: dentist"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("is closed"));
    assert!(reply.body.contains("Foster carer rang back: dentist"));
    assert!(reply.body.contains("No step is open."));
}
