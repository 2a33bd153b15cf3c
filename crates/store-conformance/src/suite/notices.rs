//! Notices to improve and penalty notices: saved whole, settled once, and a penalty notice saved
//! only on the counted notices its decision was made on.

use rollcall_core::{BaseCode, Session};
use rollcall_store::{
    ImprovementMeasure, NoticeOutcome, NoticeToImprove, PenaltyClosure, PenaltyNotice,
    RecordedClosure, Service, StoreError, Withdrawal,
};

use super::race;
use crate::fixtures::*;
use crate::TestDb;

fn improve(pupil: rollcall_store::PupilId, contact: &str) -> NoticeToImprove {
    NoticeToImprove {
        pupil,
        contact: contact.into(),
        issued_on: d("2024-10-01"),
        weeks: 4,
        period_start: d("2024-10-02"),
        period_end: d("2024-10-25"),
        measure: ImprovementMeasure::NoUnauthorised,
        support: "Mentoring twice a week".into(),
        grounds: "Ten unauthorised sessions".into(),
        recorded: recorded("Head", 1),
    }
}

fn penalty(pupil: rollcall_store::PupilId, contact: &str, sequence: u32) -> PenaltyNotice {
    PenaltyNotice {
        pupil,
        contact: contact.into(),
        issued_on: d("2024-10-14"),
        sequence,
        amount_within_21_days: (sequence == 1).then_some(80),
        amount_within_28_days: 160,
        finding_id: "penalty_threshold/X/2024-10-11/PM".into(),
        finding_date: Some(d("2024-10-11")),
        offence: vec![
            (d("2024-10-07"), Session::Am, BaseCode::G),
            (d("2024-10-07"), Session::Pm, BaseCode::O),
        ],
        override_reason: None,
        service: Service::Post,
        received_on: d("2024-10-16"),
        authority: "Local authority 123".into(),
        recorded: recorded("Head", 2),
    }
}

pub fn notices_to_improve_are_kept_whole_and_their_outcome_confirmed_once(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    store
        .save_contacts(oak, &[(p[0], vec![contact(1, "Mary Mother")])])
        .unwrap();
    let mut n = improve(p[0], "MaryMother");
    n.measure = ImprovementMeasure::AttendanceAtLeast(9500);
    let id = store.issue_notice_to_improve(oak, &n).unwrap();
    let got = store.notices_to_improve(oak, None).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].id, &got[0].notice, &got[0].outcome),
        (id, &n, &None)
    );
    assert!(store
        .notices_to_improve(oak, Some(p[1]))
        .unwrap()
        .is_empty());
    assert!(store.notices_to_improve(elm, None).unwrap().is_empty());

    // A contact of another pupil, an unknown contact, another school's pupil: nothing saved.
    for (school, notice) in [
        (oak, improve(p[1], "MaryMother")),
        (oak, improve(p[0], "Nobody")),
        (elm, improve(p[0], "MaryMother")),
    ] {
        assert!(matches!(
            store.issue_notice_to_improve(school, &notice),
            Err(StoreError::NotFound(_))
        ));
    }
    assert_eq!(store.notices_to_improve(oak, None).unwrap().len(), 1);

    let outcome = NoticeOutcome {
        met: false,
        on: d("2024-10-28"),
        note: "Four unauthorised sessions".into(),
        recorded: recorded("Head", 3),
    };
    assert!(matches!(
        store.confirm_notice_outcome(elm, id, &outcome),
        Err(StoreError::NotFound(_))
    ));
    store.confirm_notice_outcome(oak, id, &outcome).unwrap();
    assert!(matches!(
        store.confirm_notice_outcome(oak, id, &outcome),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.notices_to_improve(oak, None).unwrap()[0].outcome,
        Some(outcome)
    );
}

pub fn penalty_notices_are_kept_whole_and_withdrawn_or_closed_once(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    store
        .save_contacts(
            oak,
            &[(
                p[0],
                vec![contact(1, "Mary Mother"), contact(2, "Fred Father")],
            )],
        )
        .unwrap();
    let first = penalty(p[0], "MaryMother", 1);
    let a = store.issue_penalty_notice(oak, &first, &[]).unwrap();
    let got = store.penalty_notices(oak, None).unwrap();
    assert_eq!((got[0].id, &got[0].notice), (a, &first));
    assert_eq!(got[0].status(), "issued");

    // Decided on no counted notices, but there is one now: refused, nothing saved.
    let second = penalty(p[0], "MaryMother", 2);
    assert!(matches!(
        store.issue_penalty_notice(oak, &second, &[]),
        Err(StoreError::Conflict(_))
    ));
    let b = store.issue_penalty_notice(oak, &second, &[a]).unwrap();
    // The other parent's notices are their own.
    let c = store
        .issue_penalty_notice(oak, &penalty(p[0], "FredFather", 1), &[])
        .unwrap();
    assert!(matches!(
        store.issue_penalty_notice(oak, &penalty(p[1], "MaryMother", 1), &[]),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.issue_penalty_notice(elm, &penalty(p[0], "MaryMother", 1), &[]),
        Err(StoreError::NotFound(_))
    ));

    let withdrawal = Withdrawal {
        on: d("2024-10-20"),
        reason: "Issued in error".into(),
        recorded: recorded("Head", 4),
    };
    assert!(matches!(
        store.withdraw_penalty_notice(elm, a, &withdrawal),
        Err(StoreError::NotFound(_))
    ));
    store.withdraw_penalty_notice(oak, a, &withdrawal).unwrap();
    assert!(matches!(
        store.withdraw_penalty_notice(oak, a, &withdrawal),
        Err(StoreError::Conflict(_))
    ));
    let paid = RecordedClosure {
        closure: PenaltyClosure::Paid {
            on: d("2024-10-30"),
            amount: 80,
        },
        recorded: recorded("Office", 5),
    };
    assert!(matches!(
        store.close_penalty_notice(oak, a, &paid),
        Err(StoreError::Conflict(_))
    ));
    store.close_penalty_notice(oak, c, &paid).unwrap();
    let prosecuted = RecordedClosure {
        closure: PenaltyClosure::Prosecution {
            on: d("2024-11-20"),
        },
        recorded: recorded("Head", 6),
    };
    store.close_penalty_notice(oak, b, &prosecuted).unwrap();
    assert!(matches!(
        store.withdraw_penalty_notice(oak, b, &withdrawal),
        Err(StoreError::Conflict(_))
    ));

    let got = store.penalty_notices(oak, Some(p[0])).unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].withdrawal, Some(withdrawal));
    assert_eq!(got[0].status(), "withdrawn");
    assert_eq!(got[1].closure, Some(prosecuted));
    assert_eq!(got[2].closure, Some(paid));
    assert!(store.penalty_notices(oak, Some(p[1])).unwrap().is_empty());
}

pub fn two_penalty_notices_at_once_to_one_parent_make_one(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let p = add_pupils(store, oak, 0..1);
    store
        .save_contacts(oak, &[(p[0], vec![contact(1, "Mary Mother")])])
        .unwrap();
    let notice = penalty(p[0], "MaryMother", 1);
    let results = race(db, |store| store.issue_penalty_notice(oak, &notice, &[]));
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(results
        .iter()
        .any(|r| matches!(r, Err(StoreError::Conflict(_)))));
    assert_eq!(store.penalty_notices(oak, None).unwrap().len(), 1);
}
