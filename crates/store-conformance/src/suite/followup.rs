//! Contacts merged by person and pupil, and applications for leave with their decisions.

use rollcall_core::{Code, Session};
use rollcall_store::{Contact, LeaveApplication, LeaveDecision, StoreError, StoredLeave};

use super::race;
use crate::fixtures::*;
use crate::TestDb;

pub fn merged_contacts_update_by_person_and_pupil_and_keep_the_rest(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let other = add_pupils(store, elm, 10..11)[0];
    let mary = contact(1, "Mary Mother");
    let gran = Contact {
        lives_with: false,
        parental_responsibility: false,
        may_collect: true,
        ..contact(2, "Ann Gran")
    };
    store
        .merge_contacts(
            oak,
            &[
                (p[0], mary.clone()),
                (p[0], gran.clone()),
                (p[1], mary.clone()),
            ],
        )
        .unwrap();
    assert_eq!(
        store.contacts(oak, p[0]).unwrap(),
        [mary.clone(), gran.clone()]
    );

    // Mary's new number is hers for both children; her link to p[1] changes alone; Gran stays.
    let moved = Contact {
        phone: Some("07700 900999".into()),
        lives_with: false,
        ..mary.clone()
    };
    store.merge_contacts(oak, &[(p[1], moved.clone())]).unwrap();
    assert_eq!(
        store.contacts(oak, p[1]).unwrap(),
        std::slice::from_ref(&moved)
    );
    assert_eq!(
        store.contacts(oak, p[0]).unwrap(),
        [
            Contact {
                phone: moved.phone.clone(),
                ..mary.clone()
            },
            gran.clone()
        ]
    );
    let all = store.all_contacts(oak).unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].0 <= w[1].0));

    // Another school's pupil: refused, and nothing is written. The same reference in another
    // school is another person.
    let err = store
        .merge_contacts(
            oak,
            &[(p[0], contact(3, "Not Kept")), (other, mary.clone())],
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    assert_eq!(store.contacts(oak, p[0]).unwrap().len(), 2);
    store
        .merge_contacts(elm, &[(other, contact(1, "Mary Mother"))])
        .unwrap();
    assert_eq!(store.contacts(oak, p[1]).unwrap(), [moved]);
    assert!(store.all_contacts(elm).unwrap().len() == 1);
}

fn application(pupil: rollcall_store::PupilId, contact: &str) -> LeaveApplication {
    LeaveApplication {
        pupil,
        contact: contact.into(),
        first: (d("2024-09-09"), Session::Am),
        last: (d("2024-09-10"), Session::Pm),
        code: Code::parse("C", d("2024-09-09")).unwrap().0,
        reason: "Family funeral".into(),
        requested_on: d("2024-09-02"),
        recorded: recorded("Office", 1),
    }
}

fn decision(granted: bool, seconds: i64) -> LeaveDecision {
    LeaveDecision {
        granted,
        on: d("2024-09-03"),
        reason: "Decided".into(),
        granted_sessions: None,
        recorded: recorded("Head", seconds),
    }
}

pub fn leave_is_saved_decided_once_and_its_marks_written_with_the_decision(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let other = add_pupils(store, elm, 10..11)[0];
    store
        .save_contacts(oak, &[(p[0], vec![contact(1, "Mary Mother")])])
        .unwrap();
    let a = application(p[0], "MaryMother");
    let id = store.save_leave(oak, &a, None).unwrap();
    assert_eq!(
        store.leave_applications(oak, None).unwrap(),
        [StoredLeave {
            id,
            application: a.clone(),
            decision: None
        }]
    );

    // Refused at once: saved with its decision.
    let refused = decision(false, 1);
    let id2 = store.save_leave(oak, &a, Some(&refused)).unwrap();
    assert!(id2 > id);
    let got = store.leave_applications(oak, Some(p[0])).unwrap();
    assert_eq!(got[1].decision.as_ref(), Some(&refused));
    assert!(store
        .leave_applications(oak, Some(p[1]))
        .unwrap()
        .is_empty());
    assert!(store.leave_applications(elm, None).unwrap().is_empty());

    // A grant of fewer sessions, with its marks: a mark that conflicts undoes the decision too.
    let granted = LeaveDecision {
        granted_sessions: Some((
            (d("2024-09-09"), Session::Am),
            (d("2024-09-09"), Session::Pm),
        )),
        ..decision(true, 2)
    };
    let marks = [
        new(p[0], "2024-09-09", Session::Am, "C"),
        new(p[0], "2024-09-09", Session::Am, "C"),
    ];
    let err = store.decide_leave(oak, id, &granted, &marks).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(
        store.leave_applications(oak, None).unwrap()[0].decision,
        None
    );
    assert!(store
        .marks(oak, rollcall_store::DateRange::all())
        .unwrap()
        .is_empty());

    store.decide_leave(oak, id, &granted, &marks[..1]).unwrap();
    let got = store.leave_applications(oak, None).unwrap();
    assert_eq!(got[0].decision.as_ref(), Some(&granted));
    assert_eq!(
        got[0].granted_sessions(),
        Some((
            (d("2024-09-09"), Session::Am),
            (d("2024-09-09"), Session::Pm)
        ))
    );
    assert_eq!(
        store
            .marks(oak, rollcall_store::DateRange::all())
            .unwrap()
            .len(),
        1
    );

    // Decided once: a second decision, on either, is a conflict and writes nothing.
    for decided in [id, id2] {
        let err = store
            .decide_leave(
                oak,
                decided,
                &decision(true, 3),
                &[new(p[0], "2024-09-10", Session::Am, "C")],
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    }
    assert_eq!(
        store
            .marks(oak, rollcall_store::DateRange::all())
            .unwrap()
            .len(),
        1
    );

    // Another school's application, pupil or contact is not found.
    for err in [
        store
            .decide_leave(elm, id, &decision(true, 4), &[])
            .unwrap_err(),
        store
            .save_leave(oak, &application(other, "MaryMother"), None)
            .unwrap_err(),
        store
            .save_leave(elm, &application(other, "MaryMother"), None)
            .unwrap_err(),
        store
            .save_leave(oak, &application(p[0], "Nobody"), None)
            .unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
}

pub fn two_decisions_at_once_make_one(db: &dyn TestDb) {
    let (oak, p) = {
        let store = &mut *db.connect();
        let oak = school(store, "Oak Academy", "100001");
        let p = add_pupils(store, oak, 0..1);
        store
            .save_contacts(oak, &[(p[0], vec![contact(1, "Mary Mother")])])
            .unwrap();
        (oak, p)
    };
    let id = db
        .connect()
        .save_leave(oak, &application(p[0], "MaryMother"), None)
        .unwrap();
    let results = race(db, |store| {
        store.decide_leave(
            oak,
            id,
            &decision(true, 5),
            &[new(p[0], "2024-09-09", Session::Am, "C")],
        )
    });
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "{results:?}");
    assert!(results
        .iter()
        .all(|r| r.is_ok() || matches!(r, Err(StoreError::Conflict(_)))));
    let store = &mut *db.connect();
    assert_eq!(
        store
            .marks(oak, rollcall_store::DateRange::all())
            .unwrap()
            .len(),
        1
    );
}

fn parents_report(pupil: rollcall_store::PupilId) -> rollcall_store::AbsenceReport {
    rollcall_store::AbsenceReport {
        from_parent: true,
        awaiting_review: true,
        code: Code::parse_stored("N").unwrap(),
        reported_by: "Mary Mother (online)".into(),
        ..report(pupil, "2024-09-04", "2024-09-05", "N")
    }
}

fn pdf(pupil: rollcall_store::PupilId) -> rollcall_store::EvidenceFile {
    rollcall_store::EvidenceFile {
        pupil,
        file_name: "appointment.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: b"%PDF-1.4\n\x00\xff binary".to_vec(),
        uploaded_by: "Mary Mother".into(),
        uploaded_at: at(7),
    }
}

pub fn a_parents_report_waits_for_review_with_its_evidence(db: &dyn TestDb) {
    use rollcall_store::DateRange;
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..1);
    let other = add_pupils(store, elm, 10..11)[0];
    let r = parents_report(p[0]);
    let id = store
        .record_parent_report(oak, &r, Some(&pdf(p[0])))
        .unwrap();
    let got = store.absence_reports(oak, DateRange::all()).unwrap();
    assert_eq!(got.len(), 1);
    let file = got[0].report.evidence.expect("the file is linked");
    assert_eq!(
        got[0].report,
        rollcall_store::AbsenceReport {
            evidence: Some(file),
            ..r.clone()
        }
    );
    assert_eq!(got[0].reviewed, None);
    assert_eq!(store.evidence_file(oak, file).unwrap(), Some(pdf(p[0])));
    assert_eq!(store.evidence_file(elm, file).unwrap(), None);
    assert!(store.marks(oak, DateRange::all()).unwrap().is_empty());

    // Reviewed into I with its marks; a second review conflicts and writes nothing.
    let i = Code::parse_stored("I").unwrap();
    let reviewer = recorded("Mr Office", 9);
    store
        .review_report(
            oak,
            id,
            &i,
            &reviewer,
            &[new(p[0], "2024-09-04", Session::Am, "I")],
        )
        .unwrap();
    let got = store.absence_reports(oak, DateRange::all()).unwrap();
    assert!(!got[0].report.awaiting_review);
    assert_eq!(got[0].report.code, i);
    assert_eq!(got[0].reviewed, Some((reviewer.by.clone(), reviewer.at)));
    let err = store
        .review_report(
            oak,
            id,
            &i,
            &reviewer,
            &[new(p[0], "2024-09-04", Session::Pm, "I")],
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(store.marks(oak, DateRange::all()).unwrap().len(), 1);

    // A review whose marks conflict changes nothing, the report included.
    let id2 = store.record_parent_report(oak, &r, None).unwrap();
    let err = store
        .review_report(
            oak,
            id2,
            &i,
            &reviewer,
            &[new(p[0], "2024-09-04", Session::Am, "I")],
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let got = store.absence_reports(oak, DateRange::all()).unwrap();
    assert!(got[1].report.awaiting_review && got[1].report.evidence.is_none());

    // Another school's report or pupil is not found.
    for err in [
        store
            .review_report(elm, id2, &i, &reviewer, &[])
            .unwrap_err(),
        store
            .record_parent_report(oak, &parents_report(other), None)
            .unwrap_err(),
        store
            .record_parent_report(oak, &r, Some(&pdf(other)))
            .unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
    assert_eq!(
        store.absence_reports(oak, DateRange::all()).unwrap().len(),
        2
    );
}

pub fn a_request_for_evidence_is_answered_once_with_its_marks(db: &dyn TestDb) {
    use rollcall_store::{DateRange, EvidenceAnswer, EvidenceOutcome, EvidenceRequest};
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    store
        .apply_marks(
            oak,
            &[new(p[0], "2024-09-04", Session::Am, "I")],
            &mut no_progress(),
        )
        .unwrap();
    let q = EvidenceRequest {
        pupil: p[0],
        first: d("2024-09-04"),
        last: d("2024-09-12"),
        reason: "Illness beyond 5 school days".into(),
        requested: recorded("Ms Attendance", 3),
    };
    let id = store.save_evidence_request(oak, &q).unwrap();
    let refused = EvidenceAnswer {
        outcome: EvidenceOutcome::Refused,
        decision: "Recorded as unauthorised (O)".into(),
        evidence: None,
        answered: recorded("Ms Attendance", 4),
    };
    let to_o = amend(
        p[0],
        "2024-09-04",
        Session::Am,
        entry("I", None),
        entry("O", None),
    );
    store
        .answer_evidence_request(oak, id, &refused, None, std::slice::from_ref(&to_o))
        .unwrap();
    let got = store.evidence_requests(oak, Some(p[0])).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].request, q);
    assert_eq!(got[0].answer.as_ref(), Some(&refused));
    assert_eq!(
        store.marks(oak, DateRange::all()).unwrap()[0].entry,
        entry("O", None)
    );
    let err = store
        .answer_evidence_request(oak, id, &refused, None, &[])
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");

    // Provided with a file: saved and linked together.
    let id2 = store
        .save_evidence_request(
            oak,
            &EvidenceRequest {
                pupil: p[1],
                ..q.clone()
            },
        )
        .unwrap();
    let provided = EvidenceAnswer {
        outcome: EvidenceOutcome::Provided,
        decision: "Kept as authorised".into(),
        evidence: None,
        answered: recorded("Mary Mother", 5),
    };
    store
        .answer_evidence_request(oak, id2, &provided, Some(&pdf(p[1])), &[])
        .unwrap();
    let got = store.evidence_requests(oak, None).unwrap();
    let file = got[1].answer.as_ref().unwrap().evidence.expect("linked");
    assert_eq!(store.evidence_file(oak, file).unwrap(), Some(pdf(p[1])));
    assert!(store.evidence_requests(elm, None).unwrap().is_empty());
    let err = store
        .answer_evidence_request(elm, id2, &provided, None, &[])
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
}
