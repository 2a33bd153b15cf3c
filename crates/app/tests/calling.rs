//! First-day calling as a timed workflow: attempts logged (a parent's reason recorded as the
//! pupil's, anyone else's kept as information), pupils who did not return as expected listed
//! again, the day's message to every parent on the list through a real SMTP server and an HTTP
//! gateway, and the steps the clock opens when nobody is reached.

use std::time::Duration;

use chrono::NaiveDateTime;
use rollcall_app::cases::calling::AttemptInput;
use rollcall_app::messages::Messaging;
use rollcall_app::registers::{MarkInput, RegisterKey, RegisterSubmission};
use rollcall_app::{App, Clock, Refusal};
use rollcall_core::marks::MarkEntry;
use rollcall_core::{BaseCode, Code, Session};
use rollcall_store::{
    AttemptOutcome, Channel, Contact, DateRange, EscalationKind, MarkChange, PupilId, Store,
    StoredPupil,
};
use rollcall_testkit::http::{HttpReply, HttpServer};
use rollcall_testkit::smtp::{SmtpOptions, SmtpServer};

mod common;

use common::{School, TODAY};

const YESTERDAY: &str = "2025-07-07";
const WAIT: Duration = Duration::from_secs(10);

fn at(s: &School, time: &str) -> App {
    let url = s.url.clone();
    let now = NaiveDateTime::parse_from_str(&format!("{TODAY} {time}"), "%Y-%m-%d %H:%M").unwrap();
    App::with_opener(
        Box::new(move || rollcall_app::open_store(&url)),
        Clock::Fixed(now),
    )
}

fn store(s: &School) -> Box<dyn Store> {
    rollcall_app::open_store(&s.url).unwrap()
}

fn school_id(s: &School) -> rollcall_store::SchoolId {
    rollcall_app::resolve_school(store(s).as_mut(), None)
        .unwrap()
        .id
}

fn today() -> rollcall_core::Date {
    rollcall_core::parse_date(TODAY).unwrap()
}

/// The pupils on roll today, by UPN.
fn pupils(s: &School) -> Vec<StoredPupil> {
    let mut all: Vec<_> = store(s)
        .pupils(school_id(s))
        .unwrap()
        .into_iter()
        .filter(|p| p.pupil.on_roll(today()))
        .collect();
    all.sort_by_key(|p| p.pupil.upn.clone());
    all
}

fn contacts(s: &School, pupil: PupilId) -> Vec<Contact> {
    store(s).contacts(school_id(s), pupil).unwrap()
}

/// A pupil who is not vulnerable and lives with two parents, only the first of whom has given an
/// e-mail address: the `n`th.
fn ordinary(s: &School, n: usize) -> StoredPupil {
    pupils(s)
        .into_iter()
        .filter(|p| rollcall_app::calling::vulnerable(&p.pupil).is_empty())
        .filter(|p| {
            let c = contacts(s, p.id);
            c.len() == 2
                && c.iter().all(|c| c.is_parent() && c.lives_with)
                && c[0].email.is_some()
                && c[1].email.is_none()
        })
        .nth(n)
        .expect("a pupil with two parents")
}

/// A vulnerable pupil who is not looked after (a social worker, or an EHC plan), or failing
/// that the second looked-after pupil.
fn vulnerable_at_home(s: &School) -> StoredPupil {
    pupils(s)
        .into_iter()
        .find(|p| !p.pupil.looked_after && !rollcall_app::calling::vulnerable(&p.pupil).is_empty())
        .unwrap_or_else(|| looked_after(s, 1))
}

/// A pupil made looked after, as the demo school has them: a foster carer they live with, and a
/// social worker who is not a parent. The `n`th such pupil of the tests.
fn looked_after(s: &School, n: usize) -> StoredPupil {
    let mut p = pupils(s)
        .into_iter()
        .filter(|p| rollcall_app::calling::vulnerable(&p.pupil).is_empty())
        .nth(40 + n)
        .expect("a pupil");
    p.pupil.looked_after = true;
    p.pupil.social_worker = true;
    let mut store = store(s);
    let school = school_id(s);
    store.save_pupils(school, &[p.pupil.clone()]).unwrap();
    let person =
        |n: usize, forename: &str, relationship: &str, lives_with: bool, email: &str| Contact {
            reference: format!("LAC{}-{n}", p.id),
            forename: forename.into(),
            surname: if lives_with { "Okafor" } else { "Hughes" }.into(),
            relationship: relationship.into(),
            parental_responsibility: false,
            lives_with,
            priority: u32::try_from(n).unwrap(),
            phone: Some(format!("07700 98{:03}{n}", p.id.get() % 1000)),
            email: Some(email.into()),
            address: None,
            may_collect: lives_with,
        };
    store
        .save_contacts(
            school,
            &[(
                p.id,
                vec![
                    person(
                        1,
                        "Grace",
                        "foster carer",
                        true,
                        &format!("carer{}@example.org", p.id),
                    ),
                    person(
                        2,
                        "Rachel",
                        "social worker",
                        false,
                        "childrens.services@example.gov.uk",
                    ),
                ],
            )],
        )
        .unwrap();
    p
}

/// Every morning register taken at 09:00: the pupils `absent` marked N, everyone else present.
fn take_registers(s: &School, absent: &[PupilId]) {
    let app = at(s, "09:00");
    let office = s.actor("office");
    let mut forms: Vec<String> = pupils(s).into_iter().filter_map(|p| p.pupil.form).collect();
    forms.sort();
    forms.dedup();
    for form in forms {
        let key = RegisterKey::parse(&form, TODAY, "AM").unwrap();
        let reg = app.register(&office, &key).unwrap();
        let submission = RegisterSubmission {
            version: reg.version.clone(),
            reason: String::new(),
            marks: reg
                .rows
                .iter()
                .map(|r| MarkInput {
                    upn: r.pupil.upn.to_string(),
                    code: if absent.contains(&r.id) { "N" } else { "/" }.into(),
                    ..MarkInput::default()
                })
                .collect(),
        };
        app.take_register(&office, &key, &submission).unwrap();
    }
}

/// Yesterday's marks of `pupil` made `code`, as amendments.
fn mark_yesterday(s: &School, pupil: PupilId, code: &str) {
    let mut store = store(s);
    let school = school_id(s);
    let day = rollcall_core::parse_date(YESTERDAY).unwrap();
    let entry = MarkEntry {
        code: Code::parse_stored(code).unwrap(),
        minutes_late: None,
    };
    let changes: Vec<MarkChange> = store
        .pupil_marks(school, pupil, DateRange::between(day, day))
        .unwrap()
        .into_iter()
        .filter(|m| !m.entry.same_as(&entry))
        .map(|m| MarkChange::Amend {
            pupil,
            date: day,
            session: m.session,
            expected: m.entry,
            entry: entry.clone(),
            reason: "Test".into(),
            recorded: rollcall_core::marks::Recorded {
                by: "Test".into(),
                role: "office".into(),
                at: chrono::Utc::now(),
            },
        })
        .collect();
    store.apply_marks(school, &changes, &mut |_| {}).unwrap();
}

fn attempt(p: &StoredPupil, contact: &Contact, outcome: &str) -> AttemptInput {
    AttemptInput {
        upn: p.pupil.upn.to_string(),
        contact: contact.reference.clone(),
        outcome: outcome.into(),
        ..AttemptInput::default()
    }
}

fn am_code(s: &School, pupil: PupilId) -> Option<BaseCode> {
    store(s)
        .session_marks(school_id(s), &[pupil], today(), Session::Am)
        .unwrap()
        .first()
        .map(|m| m.entry.code.base())
}

fn problems(r: Refusal) -> String {
    match r {
        Refusal::Invalid(_) => r.to_string(),
        other => panic!("expected an invalid request, got {other:?}"),
    }
}

#[test]
fn a_no_answer_then_a_parents_reason_takes_the_pupil_off_the_list() {
    let s = School::at(150, "09:30");
    let pupil = ordinary(&s, 0);
    take_registers(&s, &[pupil.id]);
    let office = s.actor("office");
    let list = s.app.calling_list(&office, None, None).unwrap();
    assert!(!list.still_open);
    let ids: Vec<_> = list.to_call.iter().map(|t| t.pupil.id).collect();
    assert_eq!(ids, [pupil.id]);
    let mother = &list.to_call[0].contacts[0];
    assert!(list.to_call[0].attempts.is_empty());

    // No answer: logged, the pupil stays; the same attempt sent twice is logged once.
    let logged = s
        .app
        .log_call_attempt(&office, &attempt(&pupil, mother, "no_answer"))
        .unwrap();
    assert!(!logged.repeated && logged.reason.is_none());
    let twice = s
        .app
        .log_call_attempt(&office, &attempt(&pupil, mother, "no_answer"))
        .unwrap();
    assert!(twice.repeated);
    assert_eq!(twice.id, logged.id);
    let list = s.app.calling_list(&office, None, None).unwrap();
    let t = &list.to_call[0];
    assert_eq!(t.attempts.len(), 1);
    let a = &t.attempts[0].attempt;
    assert_eq!(a.outcome, AttemptOutcome::NoAnswer);
    assert_eq!(a.recorded.by, "Pat Green");
    assert_eq!(Some(&a.number), mother.phone.as_ref());
    assert!(!t.contact_made());

    // The mother rings back: her reason is the pupil's, and the pupil leaves the list.
    let reason = AttemptInput {
        note: "Tonsillitis, seeing the GP".into(),
        code: "I".into(),
        expected_return: "2025-07-10".into(),
        ..attempt(&pupil, mother, "reason_given")
    };
    let logged = s.app.log_call_attempt(&office, &reason).unwrap();
    let recorded = logged.reason.expect("recorded as the pupil's reason");
    assert!(!logged.information_only);
    assert_eq!(recorded.code.text(), "I");
    assert_eq!(
        recorded.marked.len(),
        2,
        "the morning's N and the afternoon"
    );
    assert_eq!(am_code(&s, pupil.id), Some(BaseCode::I));
    let reports = store(&s)
        .absence_reports(school_id(&s), DateRange::between(today(), today()))
        .unwrap();
    assert_eq!(reports.len(), 1);
    assert!(reports[0].report.reported_by.contains("the school rang"));
    assert_eq!(reports[0].report.reason, "Tonsillitis, seeing the GP");
    let attempts = store(&s)
        .call_attempts(school_id(&s), DateRange::between(today(), today()))
        .unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[1].report, Some(reports[0].id));
    let list = s.app.calling_list(&office, None, None).unwrap();
    assert!(list.to_call.is_empty(), "nobody left to call");
}

#[test]
fn a_reason_from_someone_who_is_not_a_parent_is_information_only() {
    let s = School::at(150, "09:30");
    let pupil = looked_after(&s, 0);
    take_registers(&s, &[pupil.id]);
    let office = s.actor("office");
    let all = contacts(&s, pupil.id);
    let social = all
        .iter()
        .find(|c| !c.is_parent())
        .expect("a social worker");
    let logged = s
        .app
        .log_call_attempt(
            &office,
            &AttemptInput {
                note: "Thinks he stayed with his gran".into(),
                code: "I".into(),
                ..attempt(&pupil, social, "reason_given")
            },
        )
        .unwrap();
    assert!(logged.information_only);
    assert!(logged.reason.is_none());
    assert_eq!(
        am_code(&s, pupil.id),
        Some(BaseCode::N),
        "the absence stays N"
    );
    let list = s.app.calling_list(&office, None, None).unwrap();
    let t = list
        .to_call
        .iter()
        .find(|t| t.pupil.id == pupil.id)
        .expect("still to call");
    assert!(!t.attempts[0].attempt.parent);
    assert!(t.contact_made(), "someone was reached");
    assert!(store(&s)
        .absence_reports(school_id(&s), DateRange::all())
        .unwrap()
        .iter()
        .all(|r| r.report.pupil != pupil.id));
}

#[test]
fn bad_attempts_are_refused_with_the_reason_and_change_nothing() {
    let s = School::at(150, "09:30");
    let pupil = ordinary(&s, 0);
    let other = ordinary(&s, 1);
    take_registers(&s, &[pupil.id]);
    let office = s.actor("office");
    let mother = contacts(&s, pupil.id)[0].clone();
    let not_hers = contacts(&s, other.id)[0].clone();
    let unknown = rollcall_core::Upn::with_check_letter("999999999999")
        .unwrap()
        .to_string();

    let cases: [(AttemptInput, &str); 7] = [
        (
            AttemptInput {
                upn: unknown.clone(),
                ..attempt(&pupil, &mother, "no_answer")
            },
            "no pupil with UPN",
        ),
        (attempt(&pupil, &not_hers, "no_answer"), "is not one of"),
        (
            attempt(&pupil, &mother, "engaged"),
            "choose how the call went",
        ),
        (
            AttemptInput {
                note: "Ill".into(),
                ..attempt(&pupil, &mother, "reason_given")
            },
            "choose the code",
        ),
        (
            attempt(&pupil, &mother, "reason_given"),
            "say what they told you",
        ),
        (
            AttemptInput {
                date: "2025-07-09".into(),
                ..attempt(&pupil, &mother, "no_answer")
            },
            "still to come",
        ),
        (
            AttemptInput {
                note: "Ill".into(),
                code: "/".into(),
                ..attempt(&pupil, &mother, "reason_given")
            },
            "cannot be recorded from a call",
        ),
    ];
    for (input, says) in cases {
        let message = problems(s.app.log_call_attempt(&office, &input).unwrap_err());
        assert!(message.contains(says), "{says}: {message}");
    }
    // Outside reach, or no right to follow up: refused alike, whether or not the pupil exists.
    let hoy = s.actor("hoy9");
    let outside = if pupil.pupil.year_group == rollcall_core::YearGroup::Year(9) {
        &other
    } else {
        &pupil
    };
    let mum = contacts(&s, outside.id)[0].clone();
    for (who, input) in [
        ("hoy9", attempt(outside, &mum, "no_answer")),
        (
            "hoy9",
            AttemptInput {
                upn: unknown,
                ..attempt(outside, &mum, "no_answer")
            },
        ),
        ("tutor7a", attempt(&pupil, &mother, "no_answer")),
        ("parent", attempt(&pupil, &mother, "no_answer")),
    ] {
        let actor = if who == "hoy9" {
            hoy.clone()
        } else {
            s.actor(who)
        };
        assert!(
            matches!(
                s.app.log_call_attempt(&actor, &input),
                Err(Refusal::Forbidden)
            ),
            "{who}"
        );
    }
    assert!(store(&s)
        .call_attempts(school_id(&s), DateRange::all())
        .unwrap()
        .is_empty());
    assert_eq!(am_code(&s, pupil.id), Some(BaseCode::N));
}

#[test]
fn a_pupil_still_absent_after_the_expected_return_is_listed_again() {
    let s = School::at(150, "09:30");
    let (late, back, covered) = (ordinary(&s, 0), ordinary(&s, 1), ordinary(&s, 2));
    let school = school_id(&s);
    let monday = rollcall_core::parse_date(YESTERDAY).unwrap();
    let friday = rollcall_core::parse_date("2025-07-04").unwrap();
    // On Friday their parents said they would be back on Monday. One was not in on Monday, the
    // other was.
    for p in [&late, &back] {
        let report = rollcall_store::AbsenceReport {
            pupil: p.id,
            first: (friday, Session::Am),
            last: (friday, Session::Pm),
            reason: "Ill".into(),
            kind: rollcall_store::ReportKind::Illness,
            code: Code::parse_stored("I").unwrap(),
            expected_return: Some(monday),
            reported_by: "Mother (phone)".into(),
            from_parent: false,
            awaiting_review: false,
            evidence: None,
            recorded: s
                .actor("office")
                .recorded_at(friday.and_hms_opt(9, 0, 0).unwrap()),
        };
        store(&s).record_absence(school, &report, &[]).unwrap();
    }
    mark_yesterday(&s, late.id, "N");
    mark_yesterday(&s, back.id, "/");
    // A parent's own report covers today, but said the pupil would be back yesterday.
    let own = rollcall_store::AbsenceReport {
        pupil: covered.id,
        first: (friday, Session::Am),
        last: (today(), Session::Pm),
        expected_return: Some(monday),
        from_parent: true,
        awaiting_review: true,
        code: Code::parse_stored("N").unwrap(),
        reported_by: "Mother".into(),
        reason: "Chickenpox".into(),
        kind: rollcall_store::ReportKind::Illness,
        evidence: None,
        recorded: s
            .actor("office")
            .recorded_at(friday.and_hms_opt(8, 0, 0).unwrap()),
    };
    store(&s).record_parent_report(school, &own, None).unwrap();
    mark_yesterday(&s, covered.id, "N");
    take_registers(&s, &[late.id, back.id, covered.id]);

    let list = s.app.calling_list(&s.actor("office"), None, None).unwrap();
    let find = |p: &StoredPupil| {
        list.to_call
            .iter()
            .find(|t| t.pupil.id == p.id)
            .unwrap_or_else(|| panic!("{} is not listed", p.pupil.forename))
    };
    assert_eq!(find(&late).expected_back, Some(monday));
    assert_eq!(
        find(&back).expected_back,
        None,
        "back on Monday as expected"
    );
    assert_eq!(find(&covered).expected_back, Some(monday));
}

/// The office's demo user, messages set up to go through `mail` and `gateway`.
fn with_messaging(s: &School, mail: Option<&SmtpServer>, gateway: Option<&HttpServer>) {
    let mut text = String::new();
    if let Some(m) = mail {
        text.push_str(&format!(
            "[mail]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"Northfield Academy <office@northfield.example>\"\ntimeout = 10\n",
            m.port()
        ));
    }
    if let Some(g) = gateway {
        text.push_str(&format!(
            "[sms]\nurl = \"{}/v1/messages\"\ntoken = \"tok-1\"\nfrom = \"Northfield\"\ntimeout = 10\n",
            g.url()
        ));
    }
    s.app
        .set_messaging(Messaging::from_toml("test.toml", &text).unwrap());
}

#[test]
fn the_days_email_goes_to_each_parent_on_the_list_and_to_nobody_else() {
    let s = School::at(150, "09:30");
    let (two_parents, cared_for) = (ordinary(&s, 0), looked_after(&s, 0));
    let no_email = pupils(&s)
        .into_iter()
        .find(|p| {
            let c = contacts(&s, p.id);
            !p.pupil.looked_after && c.iter().all(|c| c.email.is_none())
        })
        .expect("a family without e-mail");
    take_registers(&s, &[two_parents.id, cared_for.id, no_email.id]);
    let office = s.actor("office");

    // Nothing configured: nothing is sent, nothing pretends to have been.
    let list = s.app.calling_list(&office, None, None).unwrap();
    assert!(list.messaging.why_not().is_some());
    let refused = problems(
        s.app
            .send_absence_messages(&office, None, None)
            .unwrap_err(),
    );
    assert!(refused.contains("cannot be sent"), "{refused}");
    assert!(store(&s)
        .parent_messages(school_id(&s), DateRange::all())
        .unwrap()
        .is_empty());

    let server = SmtpServer::start();
    with_messaging(&s, Some(&server), None);
    let expected: Vec<String> = [&two_parents, &cared_for, &no_email]
        .iter()
        .flat_map(|p| contacts(&s, p.id))
        .filter(|c| c.is_parent())
        .filter_map(|c| c.email)
        .collect();
    assert_eq!(expected.len(), 2, "the mother and the foster carer");
    let list = s.app.calling_list(&office, None, None).unwrap();
    assert_eq!(list.parents_to_message(), (2, 2));
    let sent = s.app.send_absence_messages(&office, None, None).unwrap();
    assert_eq!((sent.sent(), sent.failed()), (2, 0), "{sent:?}");
    assert_eq!(
        sent.nobody_to_send_to
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>(),
        [no_email.id]
    );

    let received = server.wait_for(2, WAIT);
    assert_eq!(received.len(), 2);
    let mut to: Vec<String> = received
        .iter()
        .map(|m| {
            assert_eq!(m.recipients.len(), 1, "one recipient per message");
            m.recipients[0].clone()
        })
        .collect();
    to.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(to, want);
    assert!(
        received
            .iter()
            .all(|m| !m.data.contains("childrens.services@example.gov.uk")),
        "nothing to the social worker"
    );
    let to_mother = received
        .iter()
        .find(|m| m.recipients[0] == expected[0])
        .unwrap();
    assert_eq!(
        to_mother.header("Subject").as_deref(),
        Some(format!("{} is not in school today", two_parents.pupil.forename).as_str())
    );
    assert!(to_mother.body().contains(&two_parents.pupil.surname));
    assert!(to_mother.body().contains("Tuesday 8 July 2025"));

    // Each message is logged against its pupil, with the server's answer.
    let log = store(&s)
        .parent_messages(school_id(&s), DateRange::between(today(), today()))
        .unwrap();
    assert_eq!(log.len(), 2);
    for m in &log {
        assert_eq!(m.message.channel, Channel::Email);
        let outcome = m.outcome.as_ref().expect("an outcome");
        assert!(
            outcome.sent && outcome.detail.starts_with("250"),
            "{outcome:?}"
        );
        assert_eq!(m.message.recorded.by, "Pat Green");
    }
    let list = s.app.calling_list(&office, None, None).unwrap();
    let t = list
        .to_call
        .iter()
        .find(|t| t.pupil.id == two_parents.id)
        .unwrap();
    assert_eq!(t.messages.len(), 1);

    // Pressed again: nobody is sent it twice.
    let again = s.app.send_absence_messages(&office, None, None).unwrap();
    assert_eq!((again.messages.len(), again.already), (0, 2));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.messages().len(), 2);
}

#[test]
fn a_refused_address_is_logged_with_the_error_and_tried_again_next_time() {
    let s = School::at(150, "09:30");
    let (a, b) = (ordinary(&s, 0), ordinary(&s, 1));
    take_registers(&s, &[a.id, b.id]);
    let refused = contacts(&s, b.id)[0].email.clone().unwrap();
    let server = SmtpServer::start_with(SmtpOptions {
        reject_recipients: vec![refused.clone()],
    });
    with_messaging(&s, Some(&server), None);
    let office = s.actor("office");
    let sent = s.app.send_absence_messages(&office, None, None).unwrap();
    assert_eq!((sent.sent(), sent.failed()), (1, 1));
    let failed = sent.messages.iter().find(|m| m.outcome.is_err()).unwrap();
    assert_eq!(failed.recipient, refused);
    let log = store(&s)
        .parent_messages(school_id(&s), DateRange::all())
        .unwrap();
    let logged = log.iter().find(|m| m.message.recipient == refused).unwrap();
    let outcome = logged.outcome.as_ref().unwrap();
    assert!(!outcome.sent);
    assert!(outcome.detail.contains("550"), "{}", outcome.detail);
    // Next time only the one that failed is tried.
    let again = s.app.send_absence_messages(&office, None, None).unwrap();
    assert_eq!((again.messages.len(), again.already), (1, 1));
    assert_eq!(again.messages[0].recipient, refused);
}

#[test]
fn texts_go_to_each_parents_phone_through_the_gateway() {
    let s = School::at(150, "09:30");
    let (two_parents, cared_for) = (ordinary(&s, 0), looked_after(&s, 0));
    take_registers(&s, &[two_parents.id, cared_for.id]);
    let gateway = HttpServer::start(HttpReply::json(201, r#"{"id": "sms-1"}"#));
    with_messaging(&s, None, Some(&gateway));
    let sent = s
        .app
        .send_absence_messages(&s.actor("office"), None, None)
        .unwrap();
    // Both of the two parents, and the foster carer; never the social worker.
    let phones: Vec<String> = [&two_parents, &cared_for]
        .iter()
        .flat_map(|p| contacts(&s, p.id))
        .filter(|c| c.is_parent())
        .filter_map(|c| c.phone)
        .map(|p| rollcall_notify::normalise_phone(&p).unwrap())
        .collect();
    assert_eq!(phones.len(), 3);
    assert_eq!(sent.sent(), 3, "{sent:?}");
    let requests = gateway.wait_for(3, WAIT);
    assert_eq!(requests.len(), 3);
    let mut to = Vec::new();
    for r in &requests {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v1/messages");
        assert_eq!(r.header("Authorization"), Some("Bearer tok-1"));
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["from"], "Northfield");
        assert!(body["body"]
            .as_str()
            .unwrap()
            .contains("is not in school today"));
        to.push(body["to"].as_str().unwrap().to_owned());
    }
    to.sort();
    let mut want = phones;
    want.sort();
    assert_eq!(to, want);
    let log = store(&s)
        .parent_messages(school_id(&s), DateRange::all())
        .unwrap();
    assert!(log.iter().all(|m| m.message.channel == Channel::Sms
        && m.outcome
            .as_ref()
            .is_some_and(|o| o.sent && o.message_id.as_deref() == Some("sms-1"))));
}

#[test]
fn a_vulnerable_pupil_nobody_reached_by_ten_is_flagged_to_the_safeguarding_lead() {
    let s = School::at(150, "09:30");
    let (flagged, reached) = (vulnerable_at_home(&s), looked_after(&s, 0));
    let plain = ordinary(&s, 0);
    for p in [&flagged, &reached, &plain] {
        mark_yesterday(&s, p.id, "/");
    }
    take_registers(&s, &[flagged.id, reached.id, plain.id]);
    let dsl = s.actor("dsl");
    let office = s.actor("office");

    // 09:30: absent and vulnerable, not yet due.
    let page = s.app.safeguarding(&dsl).unwrap();
    assert!(page.register_closed);
    assert_eq!(page.due_at.time().to_string(), "10:00:00");
    let vulnerable: Vec<_> = page.vulnerable.iter().map(|v| v.to_call.pupil.id).collect();
    assert!(vulnerable.contains(&flagged.id) && vulnerable.contains(&reached.id));
    assert!(!vulnerable.contains(&plain.id));
    assert!(page.open.is_empty());
    // The social worker is reached about the other before ten.
    let social = contacts(&s, reached.id)
        .into_iter()
        .find(|c| !c.is_parent())
        .unwrap();
    s.app
        .log_call_attempt(
            &office,
            &AttemptInput {
                note: "At a contact visit with birth mother".into(),
                ..attempt(&reached, &social, "reason_given")
            },
        )
        .unwrap();
    // A voicemail for the first is not contact.
    let carer = contacts(&s, flagged.id)[0].clone();
    s.app
        .log_call_attempt(&office, &attempt(&flagged, &carer, "voicemail"))
        .unwrap();

    // 10:00: the one nobody reached is flagged, owned by the safeguarding lead.
    let ten = at(&s, "10:00");
    let page = ten.safeguarding(&dsl).unwrap();
    assert_eq!(page.open.len(), 1, "{:?}", page.open);
    let step = &page.open[0];
    assert_eq!(step.pupil.id, flagged.id);
    assert_eq!(step.step.escalation.kind, EscalationKind::SafeguardingFlag);
    assert_eq!(step.step.owner_name.as_deref(), Some("Morgan Reid"));
    assert!(step.unexplained_today);
    assert_eq!(
        rollcall_core::dates::school_time(step.step.escalation.opened.at).to_string(),
        "2025-07-08 10:00:00"
    );
    let v = page
        .vulnerable
        .iter()
        .find(|v| v.to_call.pupil.id == flagged.id)
        .unwrap();
    assert!(v.flagged);
    // Read again, or by the office's list: flagged once.
    ten.calling_list(&office, None, None).unwrap();
    assert_eq!(ten.safeguarding(&dsl).unwrap().open.len(), 1);
    assert_eq!(store(&s).escalations(school_id(&s), None).unwrap().len(), 1);
    // The head and the attendance officer see it too; the office and tutors do not.
    for who in ["head", "attendance"] {
        assert_eq!(ten.safeguarding(&s.actor(who)).unwrap().open.len(), 1);
    }
    for who in ["office", "tutor7a", "hoy9", "parent", "governor", "admin"] {
        assert!(
            matches!(ten.safeguarding(&s.actor(who)), Err(Refusal::Forbidden)),
            "{who}"
        );
    }
}

#[test]
fn nobody_reached_on_the_second_day_opens_a_home_visit_and_an_empty_house_an_enquiry() {
    let s = School::at(150, "09:30");
    let (second_day, first_day) = (ordinary(&s, 0), ordinary(&s, 1));
    mark_yesterday(&s, second_day.id, "N");
    mark_yesterday(&s, first_day.id, "/");
    take_registers(&s, &[second_day.id, first_day.id]);
    let ten = at(&s, "10:00");
    let dsl = s.actor("dsl");
    let page = ten.safeguarding(&dsl).unwrap();
    let visits: Vec<_> = page
        .open
        .iter()
        .filter(|v| v.step.escalation.kind == EscalationKind::HomeVisit)
        .collect();
    assert_eq!(visits.len(), 1, "{:?}", page.open);
    let visit = visits[0];
    assert_eq!(visit.pupil.id, second_day.id);
    assert_eq!(visit.step.escalation.about.to_string(), YESTERDAY);
    assert!(visit.step.escalation.reason.contains("Day 2"));
    let id = visit.step.id.to_string();

    // Given to the attendance officer, then closed: nobody home.
    let officer = page
        .owners
        .iter()
        .find(|o| o.name == "Sam Patel")
        .expect("the attendance officer may own a step");
    assert!(
        !page.owners.iter().any(|o| o.name == "Jo Smith"),
        "not a tutor"
    );
    ten.assign_step(&dsl, &id, &officer.id.to_string()).unwrap();
    let tutor_id = store(&s).user_by_name("tutor7a").unwrap().unwrap().id;
    let message = problems(
        ten.assign_step(&dsl, &id, &tutor_id.to_string())
            .unwrap_err(),
    );
    assert!(message.contains("choose who is to act"), "{message}");
    let page = ten.safeguarding(&dsl).unwrap();
    let visit = page
        .open
        .iter()
        .find(|v| v.step.id.to_string() == id)
        .unwrap();
    assert_eq!(visit.step.owner_name.as_deref(), Some("Sam Patel"));

    for (contact, outcome, says) in [
        ("maybe", "Nobody home", "yes or no"),
        ("no", " ", "say what was done"),
    ] {
        let message = problems(ten.close_step(&dsl, &id, contact, outcome).unwrap_err());
        assert!(message.contains(says), "{message}");
    }
    assert!(matches!(
        ten.close_step(&dsl, "999999", "no", "Nobody home"),
        Err(Refusal::NotFound(_))
    ));
    assert!(
        problems(ten.close_step(&dsl, "x", "no", "Nobody home").unwrap_err())
            .contains("'x' is not a step")
    );
    let closed = ten
        .close_step(&dsl, &id, "no", "Nobody home; curtains drawn")
        .unwrap();
    assert_eq!(closed.kind, EscalationKind::HomeVisit);
    let enquiry = closed.enquiry.expect("an enquiry to the local authority");
    assert!(matches!(
        ten.close_step(&dsl, &id, "no", "Again"),
        Err(Refusal::Conflict { .. })
    ));
    let page = ten.safeguarding(&dsl).unwrap();
    let open: Vec<_> = page.open.iter().map(|v| v.step.escalation.kind).collect();
    assert!(open.contains(&EscalationKind::MissingEducation));
    let e = page.open.iter().find(|v| v.step.id == enquiry).unwrap();
    assert_eq!(e.step.owner_name.as_deref(), Some("Sam Patel"));
    assert!(e.step.escalation.reason.contains("curtains drawn"));
    assert_eq!(page.closed.len(), 1);
    let visit = &page.closed[0].step;
    let closure = visit.closure.as_ref().unwrap();
    assert!(!closure.contact_made);
    assert_eq!(closure.closed.by, "Morgan Reid");
}

#[test]
fn a_policy_may_visit_on_the_first_day_and_flag_earlier() {
    let s = School::at(150, "09:30");
    let pupil = ordinary(&s, 0);
    take_registers(&s, &[pupil.id]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.toml");
    std::fs::write(
        &file,
        "[calling]\nflag_vulnerable_by = \"09:20\"\nhome_visit_on_day = 1\n",
    )
    .unwrap();
    let mut st = store(&s);
    let school = rollcall_app::resolve_school(st.as_mut(), None).unwrap();
    rollcall_app::alerts::save_policy(st.as_mut(), Some(&school), &file, &s.actor("head")).unwrap();
    let page = s.app.safeguarding(&s.actor("dsl")).unwrap();
    assert_eq!(page.policy.home_visit_on_day, 1);
    assert!(page
        .open
        .iter()
        .any(|v| v.pupil.id == pupil.id && v.step.escalation.kind == EscalationKind::HomeVisit));
    // A bad setting is refused when saved.
    std::fs::write(&file, "[calling]\nhome_visit_on_day = 0\n").unwrap();
    let err =
        rollcall_app::alerts::save_policy(st.as_mut(), Some(&school), &file, &s.actor("head"))
            .unwrap_err()
            .to_string();
    assert!(err.contains("calling.home_visit_on_day"), "{err}");
}
