//! Users and their reach, sign-in sessions, pupils' contacts and parents' reports of absence.

use rollcall_core::{Role, Session, YearGroup};
use rollcall_store::{
    Contact, DateRange, PupilId, SignInSession, Store, StoreError, StoredAbsenceReport, User,
    UserDraft, UserId,
};

use super::race;
use crate::fixtures::*;
use crate::TestDb;

fn names(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.user.username.as_str()).collect()
}

pub fn a_user_and_their_reach_round_trip_sorted(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let id = school(store, "Oak Academy", "100001");
    let p = add_pupils(store, id, 0..3);

    let mut hoy = draft("Ms.Head", Role::HeadOfYear, Some(id));
    hoy.year_groups = vec![
        YearGroup::Year(11),
        YearGroup::Reception,
        YearGroup::Year(7),
        YearGroup::N1,
        YearGroup::Year(7),
    ];
    hoy.forms = vec!["7B".into(), "11A".into(), "7A".into(), "7B".into()];
    hoy.children = vec![p[2], p[0], p[2]];
    hoy.active = false;
    let user_id = store.save_user(&hoy).unwrap();

    let expected = UserDraft {
        year_groups: vec![
            YearGroup::N1,
            YearGroup::Reception,
            YearGroup::Year(7),
            YearGroup::Year(11),
        ],
        forms: vec!["11A".into(), "7A".into(), "7B".into()],
        children: vec![p[0], p[2]],
        ..hoy.clone()
    };
    let read = store.user(user_id).unwrap().unwrap();
    assert_eq!(read.id, user_id);
    assert_eq!(read.user, expected);
    assert_eq!(store.user_by_name("ms.head").unwrap(), Some(read.clone()));
    assert_eq!(store.user_by_name("MS.HEAD").unwrap(), Some(read.clone()));
    assert_eq!(store.users(None).unwrap(), std::slice::from_ref(&read));
    assert_eq!(store.users(Some(id)).unwrap(), [read]);

    assert_eq!(store.user(UserId(user_id.0 + 1000)).unwrap(), None);
    assert_eq!(store.user_by_name("nobody").unwrap(), None);
    assert_eq!(store.user_by_name("ms.hea").unwrap(), None);

    // Every role is stored and read back.
    for role in Role::ALL {
        let name = format!("user-{}", role.name());
        let saved = store.save_user(&draft(&name, role, None)).unwrap();
        assert_eq!(store.user(saved).unwrap().unwrap().user.role, role);
    }
}

pub fn user_names_are_unique_in_any_case_and_saving_again_updates_everything(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..3);

    let mut first = draft("jsmith", Role::FormTutor, Some(oak));
    first.forms = vec!["7A".into(), "7B".into()];
    first.year_groups = vec![YearGroup::Year(7)];
    first.children = vec![p[0], p[1]];
    let id = store.save_user(&first).unwrap();

    // Saved again under the name in another case: every field, the name's case included, and
    // the lists are replaced.
    let mut second = draft("JSmith", Role::Parent, Some(elm));
    second.display_name = "Jo Smith".into();
    second.password_hash = "$argon2id$other".into();
    second.active = false;
    second.children = vec![p[2]];
    assert_eq!(store.save_user(&second).unwrap(), id);

    let all = store.users(None).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, id);
    assert_eq!(all[0].user, second);
    assert_eq!(store.user_by_name("JSMITH").unwrap().unwrap().user, second);

    // Listed by user name without regard to case.
    for name in ["carol", "Bob", "alice", "Dave"] {
        store.save_user(&draft(name, Role::Office, None)).unwrap();
    }
    assert_eq!(
        names(&store.users(None).unwrap()),
        ["alice", "Bob", "carol", "Dave", "JSmith"]
    );

    // A user of an unknown school, or with an unknown child, is refused and not saved.
    let unknown = unknown_school(store);
    let err = store
        .save_user(&draft("ghost", Role::Office, Some(unknown)))
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    let mut orphan = draft("JSMITH", Role::Parent, Some(oak));
    orphan.children = vec![p[0], PupilId(999_999)];
    let err = store.save_user(&orphan).unwrap_err();
    let StoreError::NotFound(message) = err else {
        panic!("{err}")
    };
    assert!(message.contains("999999"), "{message}");
    assert_eq!(store.user(id).unwrap().unwrap().user, second);
    assert_eq!(store.user_by_name("ghost").unwrap(), None);
}

pub fn saving_one_new_user_twice_at_once_makes_one_user(db: &dyn TestDb) {
    let names = ["Racer", "racer"];
    let next = std::sync::atomic::AtomicUsize::new(0);
    let ids = race(db, |s| {
        let name = names[next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) % 2];
        s.save_user(&draft(name, Role::Office, None)).unwrap()
    });
    assert_eq!(ids[0], ids[1]);
    assert_eq!(db.connect().users(None).unwrap().len(), 1);
}

pub fn a_schools_users_include_trust_wide_ones_and_no_other_schools(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    store
        .save_user(&draft("oak-head", Role::Headteacher, Some(oak)))
        .unwrap();
    store
        .save_user(&draft("Elm-Head", Role::Headteacher, Some(elm)))
        .unwrap();
    store
        .save_user(&draft("trust-officer", Role::AttendanceOfficer, None))
        .unwrap();
    store
        .save_user(&draft("Oak-Office", Role::Office, Some(oak)))
        .unwrap();

    assert_eq!(
        names(&store.users(Some(oak)).unwrap()),
        ["oak-head", "Oak-Office", "trust-officer"]
    );
    assert_eq!(
        names(&store.users(Some(elm)).unwrap()),
        ["Elm-Head", "trust-officer"]
    );
    assert_eq!(
        names(&store.users(None).unwrap()),
        ["Elm-Head", "oak-head", "Oak-Office", "trust-officer"]
    );
    let unknown = unknown_school(store);
    assert_eq!(
        names(&store.users(Some(unknown)).unwrap()),
        ["trust-officer"]
    );
}

pub fn sessions_are_created_read_touched_and_ended(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let user = store
        .save_user(&draft("office", Role::Office, None))
        .unwrap();
    let one = sign_in("hash-one", user);
    let two = sign_in("hash-two", user);
    store.create_session(&one).unwrap();
    store.create_session(&two).unwrap();
    assert_eq!(store.session("hash-one").unwrap(), Some(one.clone()));
    assert_eq!(store.session("hash-two").unwrap(), Some(two.clone()));
    assert_eq!(store.session("hash-three").unwrap(), None);

    store.touch_session("hash-one", at(600)).unwrap();
    assert_eq!(
        store.session("hash-one").unwrap(),
        Some(SignInSession {
            last_seen_at: at(600),
            ..one.clone()
        })
    );
    assert_eq!(store.session("hash-two").unwrap(), Some(two.clone()));

    store.end_session("hash-one").unwrap();
    assert_eq!(store.session("hash-one").unwrap(), None);
    assert_eq!(store.session("hash-two").unwrap(), Some(two.clone()));
    // Ending or touching a session that has ended is harmless and does not bring it back.
    store.end_session("hash-one").unwrap();
    store.touch_session("hash-one", at(900)).unwrap();
    assert_eq!(store.session("hash-one").unwrap(), None);

    // The same token twice, or a session of nobody, is refused, and the first is kept.
    assert!(matches!(
        store.create_session(&SignInSession {
            csrf_token: "another".into(),
            ..two.clone()
        }),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.session("hash-two").unwrap(), Some(two));
    assert!(matches!(
        store.create_session(&sign_in("hash-four", UserId(user.0 + 100))),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.session("hash-four").unwrap(), None);
}

pub fn ended_and_expired_sessions_are_cleared(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let user = store
        .save_user(&draft("office", Role::Office, None))
        .unwrap();
    let other = store
        .save_user(&draft("other", Role::Office, None))
        .unwrap();
    let base = sign_in("live", user);
    let hour = chrono::Duration::hours(1);
    let now = base.last_seen_at;
    store.create_session(&base).unwrap();
    store
        .create_session(&SignInSession {
            token_hash: "idle".into(),
            last_seen_at: now - hour * 2,
            ..base.clone()
        })
        .unwrap();
    store
        .create_session(&SignInSession {
            token_hash: "old".into(),
            expires_at: now - hour,
            ..base.clone()
        })
        .unwrap();
    store.create_session(&sign_in("theirs", other)).unwrap();
    assert_eq!(store.end_expired_sessions(now, now - hour).unwrap(), 2);
    assert!(store.session("live").unwrap().is_some());
    assert!(store.session("idle").unwrap().is_none());
    assert!(store.session("old").unwrap().is_none());
    assert_eq!(store.end_user_sessions(user).unwrap(), 1);
    assert!(store.session("live").unwrap().is_none());
    assert!(store.session("theirs").unwrap().is_some());
    assert_eq!(store.end_user_sessions(user).unwrap(), 0);
}

pub fn contacts_are_replaced_per_pupil_and_read_in_priority_order(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..3);
    let other = add_pupils(store, elm, 10..11)[0];

    let social_worker = Contact {
        reference: "SW1".into(),
        forename: "Alex".into(),
        surname: "Worker".into(),
        relationship: "Social worker".into(),
        parental_responsibility: false,
        lives_with: false,
        priority: 1,
        phone: None,
        email: Some("alex@example.org".into()),
        address: Some("Civic Centre, Northfield".into()),
        may_collect: false,
    };
    store
        .save_contacts(
            oak,
            &[
                (
                    p[0],
                    vec![
                        contact(2, "Zed Grandad"),
                        contact(1, "Mary Mother"),
                        social_worker.clone(),
                        contact(2, "Ann Aunt"),
                    ],
                ),
                (p[1], vec![contact(1, "Pat Parent")]),
            ],
        )
        .unwrap();
    assert_eq!(
        store.contacts(oak, p[0]).unwrap(),
        [
            contact(1, "Mary Mother"),
            social_worker.clone(),
            contact(2, "Ann Aunt"),
            contact(2, "Zed Grandad"),
        ]
    );
    assert_eq!(
        store.contacts(oak, p[1]).unwrap(),
        [contact(1, "Pat Parent")]
    );
    assert!(store.contacts(oak, p[2]).unwrap().is_empty());

    // Saving replaces only the pupils named; an empty list clears them.
    store
        .save_contacts(
            oak,
            &[(p[0], vec![contact(1, "New Carer")]), (p[2], vec![])],
        )
        .unwrap();
    assert_eq!(
        store.contacts(oak, p[0]).unwrap(),
        [contact(1, "New Carer")]
    );
    assert_eq!(
        store.contacts(oak, p[1]).unwrap(),
        [contact(1, "Pat Parent")]
    );
    store.save_contacts(oak, &[(p[1], vec![])]).unwrap();
    assert!(store.contacts(oak, p[1]).unwrap().is_empty());
    store.save_contacts(oak, &[]).unwrap();

    // A pupil listed twice keeps the later list.
    store
        .save_contacts(
            oak,
            &[
                (p[2], vec![contact(1, "First")]),
                (p[2], vec![contact(1, "Second")]),
            ],
        )
        .unwrap();
    assert_eq!(store.contacts(oak, p[2]).unwrap(), [contact(1, "Second")]);

    // Another school's pupil, after one of the school's own: refused, and nothing is written.
    let err = store
        .save_contacts(
            oak,
            &[
                (p[0], vec![contact(1, "Should Not Stay")]),
                (other, vec![contact(1, "Elsewhere")]),
            ],
        )
        .unwrap_err();
    let StoreError::NotFound(message) = err else {
        panic!("{err}")
    };
    assert!(message.contains(&other.to_string()), "{message}");
    assert_eq!(
        store.contacts(oak, p[0]).unwrap(),
        [contact(1, "New Carer")]
    );
    assert!(store.contacts(elm, other).unwrap().is_empty());
    // Reading through another school sees nothing of this one's pupils.
    assert!(store.contacts(elm, p[0]).unwrap().is_empty());
    // Contacts of a pupil nobody has are none.
    assert!(store
        .contacts(elm, PupilId(other.0 + 100))
        .unwrap()
        .is_empty());
}

pub fn an_absence_report_and_its_marks_are_written_together_or_not_at_all(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let other = add_pupils(store, elm, 10..11)[0];
    store
        .apply_marks(
            oak,
            &[new(p[0], "2024-09-04", Session::Am, "N")],
            &mut no_progress(),
        )
        .unwrap();

    // Ill from Wednesday morning to Thursday afternoon: the morning's N becomes I and the rest
    // are new.
    let ill = report(p[0], "2024-09-04", "2024-09-05", "I");
    let changes = [
        amend(
            p[0],
            "2024-09-04",
            Session::Am,
            entry("N", None),
            entry("I", None),
        ),
        new(p[0], "2024-09-04", Session::Pm, "I"),
        new(p[0], "2024-09-05", Session::Am, "I"),
        new(p[0], "2024-09-05", Session::Pm, "I"),
    ];
    let id = store.record_absence(oak, &ill, &changes).unwrap();
    assert_eq!(
        store.absence_reports(oak, DateRange::all()).unwrap(),
        [StoredAbsenceReport {
            id,
            report: ill.clone(),
            reviewed: None,
        }]
    );
    let marks = store.marks(oak, DateRange::all()).unwrap();
    assert_eq!(marks.len(), 4);
    assert!(
        marks.iter().all(|m| m.entry == entry("I", None)),
        "{marks:?}"
    );
    let facts = store.mark_facts(oak, DateRange::all()).unwrap();
    assert_eq!(facts.len(), 4);
    assert!(facts
        .iter()
        .all(|f| f.fact.code == rollcall_core::BaseCode::I));
    let amendments = store.amendments(oak, Some(p[0])).unwrap();
    assert_eq!(amendments.len(), 1);
    assert_eq!(amendments[0].original, entry("N", None));
    assert_eq!(amendments[0].reason, "Parent phoned");

    // A report without marks (for sessions to come) is a report all the same.
    let later = report(p[1], "2024-09-09", "2024-09-09", "M");
    let later_id = store.record_absence(oak, &later, &[]).unwrap();
    assert!(later_id > id);

    let before = snapshot(store, oak);

    // One change conflicts (the morning is no longer N): neither the report nor any mark stays.
    let err = store
        .record_absence(
            oak,
            &report(p[0], "2024-09-04", "2024-09-06", "I"),
            &[
                new(p[0], "2024-09-06", Session::Am, "I"),
                new(p[1], "2024-09-06", Session::Am, "I"),
                amend(
                    p[0],
                    "2024-09-04",
                    Session::Am,
                    entry("N", None),
                    entry("I", None),
                ),
            ],
        )
        .unwrap_err();
    let StoreError::Conflict(message) = err else {
        panic!("{err}")
    };
    assert!(message.contains(&upn(0).to_string()), "{message}");
    assert_eq!(snapshot(store, oak), before);

    // A new mark where there is one.
    let err = store
        .record_absence(
            oak,
            &report(p[0], "2024-09-05", "2024-09-06", "I"),
            &[
                new(p[0], "2024-09-06", Session::Pm, "I"),
                new(p[0], "2024-09-05", Session::Pm, "I"),
            ],
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(snapshot(store, oak), before);
    assert_eq!(store.mark_facts(oak, DateRange::all()).unwrap(), facts);

    // The report's pupil, or a mark's, is another school's.
    let err = store
        .record_absence(
            oak,
            &report(other, "2024-09-10", "2024-09-10", "I"),
            &[new(p[0], "2024-09-10", Session::Am, "I")],
        )
        .unwrap_err();
    let StoreError::NotFound(message) = err else {
        panic!("{err}")
    };
    assert!(message.contains(&other.to_string()), "{message}");
    let err = store
        .record_absence(
            oak,
            &report(p[0], "2024-09-10", "2024-09-10", "I"),
            &[new(other, "2024-09-10", Session::Am, "I")],
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    assert_eq!(snapshot(store, oak), before);
    assert_eq!(
        snapshot(store, elm),
        (vec![], vec![], vec![]),
        "nothing written for the other school"
    );
    let unknown = unknown_school(store);
    assert!(matches!(
        store.record_absence(unknown, &ill, &[]),
        Err(StoreError::NotFound(_))
    ));
}

pub fn absence_reports_are_those_that_overlap_the_range(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let other = add_pupils(store, elm, 10..11)[0];

    let mut expected_return_unknown = report(p[1], "2024-09-10", "2024-09-10", "N");
    expected_return_unknown.expected_return = None;
    expected_return_unknown.first.1 = Session::Pm;
    let reports = [
        report(p[0], "2024-09-04", "2024-09-06", "I"),
        expected_return_unknown,
        report(p[0], "2024-09-16", "2024-09-20", "M"),
    ];
    let mut ids = Vec::new();
    for r in &reports {
        ids.push(store.record_absence(oak, r, &[]).unwrap());
    }
    store
        .record_absence(elm, &report(other, "2024-09-04", "2024-09-20", "I"), &[])
        .unwrap();

    let found = |store: &mut dyn Store, range| -> Vec<usize> {
        store
            .absence_reports(oak, range)
            .unwrap()
            .iter()
            .map(|r| {
                let i = ids.iter().position(|&id| id == r.id).unwrap();
                assert_eq!(r.report, reports[i]);
                i
            })
            .collect()
    };
    let between = |a, b| DateRange::between(d(a), d(b));
    assert_eq!(found(store, DateRange::all()), [0, 1, 2]);
    assert_eq!(found(store, between("2024-09-05", "2024-09-05")), [0]);
    assert_eq!(found(store, between("2024-09-06", "2024-09-10")), [0, 1]);
    assert_eq!(
        found(store, between("2024-09-07", "2024-09-09")),
        [0usize; 0]
    );
    assert_eq!(
        found(store, between("2024-09-11", "2024-09-15")),
        [0usize; 0]
    );
    assert_eq!(found(store, between("2024-09-01", "2024-09-04")), [0]);
    assert_eq!(found(store, between("2024-09-20", "2024-12-31")), [2]);
    assert_eq!(
        found(store, between("2024-09-10", "2024-09-01")),
        [0usize; 0]
    );
    let from = |a| DateRange {
        from: Some(d(a)),
        to: None,
    };
    let to = |b| DateRange {
        from: None,
        to: Some(d(b)),
    };
    assert_eq!(found(store, from("2024-09-07")), [1, 2]);
    assert_eq!(found(store, to("2024-09-10")), [0, 1]);
    assert_eq!(
        found(
            store,
            DateRange::between(rollcall_core::Date::MIN, rollcall_core::Date::MAX)
        ),
        [0, 1, 2]
    );
    assert_eq!(
        store.absence_reports(elm, DateRange::all()).unwrap().len(),
        1
    );
}
