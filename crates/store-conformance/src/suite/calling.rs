//! First-day calling: attempts to reach contacts (a parent's reason written with its marks),
//! messages to parents saved before they are sent and answered once, and the steps taken when
//! nobody is reached, opened once, owned and closed.

use rollcall_core::{Role, Session};
use rollcall_store::{
    AttemptOutcome, CallAttempt, Channel, Contact, DateRange, Escalation, EscalationClosure,
    EscalationKind, MessageOutcome, ParentMessage, PupilId, StoreError, StoredCallAttempt,
    StoredParentMessage,
};

use super::race;
use crate::fixtures::*;
use crate::TestDb;

fn attempt(pupil: PupilId, contact: &str, outcome: AttemptOutcome, seconds: i64) -> CallAttempt {
    CallAttempt {
        pupil,
        date: d("2024-09-04"),
        session: Session::Am,
        contact: contact.into(),
        parent: true,
        number: "07700 900123".into(),
        outcome,
        note: match outcome {
            AttemptOutcome::ReasonGiven => "Temperature, staying in bed".into(),
            _ => String::new(),
        },
        recorded: recorded("Mr Office", seconds),
    }
}

fn social_worker() -> Contact {
    Contact {
        relationship: "Social worker".into(),
        parental_responsibility: false,
        lives_with: false,
        may_collect: false,
        ..contact(2, "Sam Worker")
    }
}

pub fn call_attempts_are_kept_and_a_parents_reason_is_written_with_its_marks(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let other = add_pupils(store, elm, 10..11)[0];
    store
        .save_contacts(
            oak,
            &[(p[0], vec![contact(1, "Mary Mother"), social_worker()])],
        )
        .unwrap();
    store
        .apply_marks(
            oak,
            &[new(p[0], "2024-09-04", Session::Am, "N")],
            &mut no_progress(),
        )
        .unwrap();

    // No answer, then the social worker gives information: nothing is written to the register.
    let no_answer = attempt(p[0], "MaryMother", AttemptOutcome::NoAnswer, 60);
    let (first, none) = store.record_call_attempt(oak, &no_answer, None).unwrap();
    assert_eq!(none, None);
    let info = CallAttempt {
        parent: false,
        note: "Believes he is at his gran's".into(),
        ..attempt(p[0], "SamWorker", AttemptOutcome::ReasonGiven, 120)
    };
    let (second, _) = store.record_call_attempt(oak, &info, None).unwrap();
    assert!(second > first);

    // The mother rings back with the reason: the report and its mark go in with the attempt.
    let ill = report(p[0], "2024-09-04", "2024-09-04", "I");
    let changes = [
        amend(
            p[0],
            "2024-09-04",
            Session::Am,
            entry("N", None),
            entry("I", None),
        ),
        new(p[0], "2024-09-04", Session::Pm, "I"),
    ];
    let reason = attempt(p[0], "MaryMother", AttemptOutcome::ReasonGiven, 180);
    let (third, report_id) = store
        .record_call_attempt(oak, &reason, Some((&ill, &changes)))
        .unwrap();
    let report_id = report_id.expect("the report's id");
    let reports = store.absence_reports(oak, DateRange::all()).unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!((reports[0].id, &reports[0].report), (report_id, &ill));
    let marks = store.marks(oak, DateRange::all()).unwrap();
    assert_eq!(marks.len(), 2);
    assert!(marks.iter().all(|m| m.entry == entry("I", None)));

    let day = DateRange::between(d("2024-09-04"), d("2024-09-04"));
    assert_eq!(
        store.call_attempts(oak, day).unwrap(),
        [
            StoredCallAttempt {
                id: first,
                attempt: no_answer,
                contact_name: "Mary Mother".into(),
                report: None,
            },
            StoredCallAttempt {
                id: second,
                attempt: info,
                contact_name: "Sam Worker".into(),
                report: None,
            },
            StoredCallAttempt {
                id: third,
                attempt: reason.clone(),
                contact_name: "Mary Mother".into(),
                report: Some(report_id),
            },
        ]
    );
    let next_day = DateRange::between(d("2024-09-05"), d("2024-09-05"));
    assert!(store.call_attempts(oak, next_day).unwrap().is_empty());
    assert!(store
        .call_attempts(elm, DateRange::all())
        .unwrap()
        .is_empty());

    // A reason whose marks conflict writes neither the attempt nor the report.
    let before = snapshot(store, oak);
    let again = [new(p[0], "2024-09-04", Session::Am, "I")];
    let err = store
        .record_call_attempt(oak, &reason, Some((&ill, &again)))
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(snapshot(store, oak), before);
    assert_eq!(store.call_attempts(oak, day).unwrap().len(), 3);

    // A contact the school does not hold, or another school's pupil: not found, nothing kept.
    for (school, a) in [
        (oak, attempt(p[0], "Nobody", AttemptOutcome::NoAnswer, 240)),
        (
            oak,
            attempt(other, "MaryMother", AttemptOutcome::NoAnswer, 240),
        ),
        (
            elm,
            attempt(p[0], "MaryMother", AttemptOutcome::NoAnswer, 240),
        ),
    ] {
        let err = store.record_call_attempt(school, &a, None).unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
    assert_eq!(store.call_attempts(oak, DateRange::all()).unwrap().len(), 3);
    assert!(store
        .call_attempts(elm, DateRange::all())
        .unwrap()
        .is_empty());
}

fn message(pupil: PupilId, channel: Channel, recipient: &str) -> ParentMessage {
    ParentMessage {
        pupil,
        date: d("2024-09-04"),
        session: Session::Am,
        channel,
        contact: "MaryMother".into(),
        recipient: recipient.into(),
        recorded: recorded("Mr Office", 300),
    }
}

fn sent(detail: &str, seconds: i64) -> MessageOutcome {
    MessageOutcome {
        sent: true,
        detail: detail.into(),
        message_id: Some(format!("<{seconds}@oak.example>")),
        at: at(seconds),
    }
}

pub fn messages_are_kept_before_sending_and_answered_once(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let other = add_pupils(store, elm, 10..11)[0];
    let mary = Contact {
        email: Some("mary@example.org".into()),
        ..contact(1, "Mary Mother")
    };
    store
        .save_contacts(oak, &[(p[0], vec![mary.clone()]), (p[1], vec![mary])])
        .unwrap();
    store
        .save_contacts(elm, &[(other, vec![contact(1, "Mary Mother")])])
        .unwrap();
    assert!(store.save_parent_messages(oak, &[]).unwrap().is_empty());

    let email = message(p[0], Channel::Email, "mary@example.org");
    let sms = message(p[1], Channel::Sms, "+447700900123");
    let ids = store
        .save_parent_messages(oak, &[email.clone(), sms.clone()])
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert!(ids[1] > ids[0]);
    let day = DateRange::between(d("2024-09-04"), d("2024-09-04"));
    let waiting = store.parent_messages(oak, day).unwrap();
    assert_eq!(
        waiting,
        [
            StoredParentMessage {
                id: ids[0],
                message: email.clone(),
                outcome: None,
            },
            StoredParentMessage {
                id: ids[1],
                message: sms.clone(),
                outcome: None,
            },
        ]
    );

    // One was taken on, the other refused.
    let refused = MessageOutcome {
        sent: false,
        detail: "the gateway answered 400".into(),
        message_id: None,
        at: at(302),
    };
    store
        .record_message_outcomes(
            oak,
            &[(ids[0], sent("250 OK", 301)), (ids[1], refused.clone())],
        )
        .unwrap();
    let done = store.parent_messages(oak, DateRange::all()).unwrap();
    assert_eq!(done[0].outcome, Some(sent("250 OK", 301)));
    assert_eq!(done[1].outcome, Some(refused));

    // Answered once: a second outcome for one of a batch changes nothing of the batch.
    let waiting = store
        .save_parent_messages(oak, std::slice::from_ref(&email))
        .unwrap()[0];
    let err = store
        .record_message_outcomes(
            oak,
            &[
                (waiting, sent("250 OK", 303)),
                (ids[0], sent("250 OK", 304)),
            ],
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let now = store.parent_messages(oak, DateRange::all()).unwrap();
    assert_eq!(now.len(), 3);
    assert_eq!(now[2].outcome, None);
    assert_eq!(now[0].outcome, Some(sent("250 OK", 301)));

    // Another school's message is not found; nor is a contact or pupil the school does not
    // hold, and none of a batch is kept.
    let err = store
        .record_message_outcomes(elm, &[(waiting, sent("250 OK", 305))])
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    let nobody = ParentMessage {
        contact: "Nobody".into(),
        ..email.clone()
    };
    for batch in [
        vec![email.clone(), nobody],
        vec![
            email.clone(),
            message(other, Channel::Email, "x@example.org"),
        ],
    ] {
        let err = store.save_parent_messages(oak, &batch).unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
    assert_eq!(
        store.parent_messages(oak, DateRange::all()).unwrap().len(),
        3
    );
    assert!(store
        .parent_messages(oak, DateRange::between(d("2024-09-05"), d("2024-09-30")))
        .unwrap()
        .is_empty());
    assert!(store
        .parent_messages(elm, DateRange::all())
        .unwrap()
        .is_empty());
}

fn step(pupil: PupilId, kind: EscalationKind, about: &str) -> Escalation {
    Escalation {
        pupil,
        kind,
        about: d(about),
        reason: "No contact by 10:00".into(),
        opened: recorded("Calling policy", 3900),
        owner: None,
    }
}

pub fn steps_are_opened_once_owned_and_closed_with_the_next(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let other = add_pupils(store, elm, 10..11)[0];
    let dsl = store
        .save_user(&draft("dsl", Role::SafeguardingLead, Some(oak)))
        .unwrap();
    let officer = store
        .save_user(&draft("officer", Role::AttendanceOfficer, Some(oak)))
        .unwrap();

    let flag = Escalation {
        owner: Some(dsl),
        ..step(p[0], EscalationKind::SafeguardingFlag, "2024-09-04")
    };
    let id = store.open_escalation(oak, &flag).unwrap().expect("opened");
    // Once per pupil, kind and day.
    assert_eq!(store.open_escalation(oak, &flag).unwrap(), None);
    let next_day = Escalation {
        about: d("2024-09-05"),
        ..flag.clone()
    };
    let id2 = store
        .open_escalation(oak, &next_day)
        .unwrap()
        .expect("another day");
    let visit = step(p[0], EscalationKind::HomeVisit, "2024-09-04");
    let visit_id = store
        .open_escalation(oak, &visit)
        .unwrap()
        .expect("a visit");
    let got = store.escalations(oak, None).unwrap();
    assert_eq!(
        got.iter().map(|s| s.id).collect::<Vec<_>>(),
        [id, id2, visit_id]
    );
    assert_eq!(got[0].escalation, flag);
    assert_eq!(got[0].owner_name.as_deref(), Some("dsl (display)"));
    assert_eq!(
        (got[0].assigned.as_ref(), got[0].closure.as_ref()),
        (None, None)
    );
    assert_eq!(got[2].owner_name, None);
    assert!(store.escalations(oak, Some(p[1])).unwrap().is_empty());
    assert!(store.escalations(elm, None).unwrap().is_empty());

    // The visit is given to the attendance officer.
    let assigned = recorded("Ms Lead", 4000);
    store
        .assign_escalation(oak, visit_id, officer, &assigned)
        .unwrap();
    let got = store.escalations(oak, Some(p[0])).unwrap();
    assert_eq!(got[2].escalation.owner, Some(officer));
    assert_eq!(got[2].owner_name.as_deref(), Some("officer (display)"));
    assert_eq!(got[2].assigned.as_ref(), Some(&assigned));

    // Nobody was home: the visit closes and the enquiry opens with it.
    let closure = EscalationClosure {
        contact_made: false,
        outcome: "Nobody home; neighbours have not seen the family".into(),
        closed: recorded("Officer", 9000),
    };
    let enquiry = Escalation {
        owner: Some(officer),
        ..step(p[0], EscalationKind::MissingEducation, "2024-09-04")
    };
    let enquiry_id = store
        .close_escalation(oak, visit_id, &closure, Some(&enquiry))
        .unwrap()
        .expect("the enquiry");
    let got = store.escalations(oak, None).unwrap();
    assert_eq!(got[2].closure.as_ref(), Some(&closure));
    assert_eq!(got[3].id, enquiry_id);
    assert_eq!(got[3].escalation, enquiry);

    // A closed step is closed: closing or giving it again is a conflict and changes nothing.
    let err = store
        .close_escalation(oak, visit_id, &closure, Some(&enquiry))
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let err = store
        .assign_escalation(oak, visit_id, dsl, &assigned)
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    // A flag closes with nothing after it.
    let flag_closed = EscalationClosure {
        contact_made: true,
        outcome: "Foster carer rang back: at the dentist".into(),
        closed: recorded("Ms Lead", 5000),
    };
    assert_eq!(
        store.close_escalation(oak, id, &flag_closed, None).unwrap(),
        None
    );
    assert_eq!(store.escalations(oak, None).unwrap().len(), 4);

    // Another school's step, an unknown user or another school's pupil: not found, nothing
    // changed.
    let before = store.escalations(oak, None).unwrap();
    for err in [
        store
            .assign_escalation(elm, id2, dsl, &assigned)
            .unwrap_err(),
        store
            .close_escalation(elm, id2, &flag_closed, None)
            .unwrap_err(),
        store
            .assign_escalation(
                oak,
                id2,
                rollcall_store::UserId(dsl.get() + 1000),
                &assigned,
            )
            .unwrap_err(),
        store
            .open_escalation(oak, &step(other, EscalationKind::HomeVisit, "2024-09-04"))
            .unwrap_err(),
        store
            .open_escalation(
                oak,
                &Escalation {
                    owner: Some(rollcall_store::UserId(dsl.get() + 1000)),
                    ..step(p[1], EscalationKind::HomeVisit, "2024-09-04")
                },
            )
            .unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
    assert_eq!(store.escalations(oak, None).unwrap(), before);
}

pub fn two_closings_of_one_step_at_once_make_one(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let p = add_pupils(store, oak, 0..1);
    let visit = store
        .open_escalation(oak, &step(p[0], EscalationKind::HomeVisit, "2024-09-04"))
        .unwrap()
        .expect("a visit");
    let outcomes = race(db, |store| {
        store.close_escalation(
            oak,
            visit,
            &EscalationClosure {
                contact_made: false,
                outcome: "Nobody home".into(),
                closed: recorded("Officer", 9000),
            },
            Some(&step(p[0], EscalationKind::MissingEducation, "2024-09-04")),
        )
    });
    let closed = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(closed, 1, "{outcomes:?}");
    for o in &outcomes {
        if let Err(e) = o {
            assert!(matches!(e, StoreError::Conflict(_)), "{e}");
        }
    }
    let steps = store.escalations(oak, None).unwrap();
    assert_eq!(steps.len(), 2);
    assert!(steps[0].closure.is_some());
}
