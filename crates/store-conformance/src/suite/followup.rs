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
