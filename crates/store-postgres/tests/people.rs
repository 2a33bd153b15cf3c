//! Users, sign-in sessions, contacts and absence reports in the PostgreSQL store, against a real,
//! throwaway server (rollcall-testkit).

mod common;

use common::{at, d, store, t, upn};
use rollcall_core::codes::Code;
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{Calendar, HalfTerm, Pupil, RegisterTimes, Role, Sen, Session, Sex, YearGroup};
use rollcall_store::{
    AbsenceReport, Contact, DateRange, MarkChange, PupilId, SchoolDetails, SchoolId, SignInSession,
    Store, StoreError, StoredAbsenceReport, UserDraft, UserId,
};
use rollcall_store_postgres::PostgresStore;

fn school(store: &mut PostgresStore, name: &str, urn: &str) -> SchoolId {
    let calendar = Calendar::new(
        vec![HalfTerm {
            name: "Autumn 1".into(),
            start: d("2024-09-04"),
            end: d("2024-10-25"),
        }],
        vec![],
    )
    .unwrap();
    let times = RegisterTimes::new(t("08:50"), t("09:20"), t("13:30"), t("13:45")).unwrap();
    let details = SchoolDetails {
        name: name.into(),
        urn: Some(urn.into()),
        la: Some("123".into()),
        estab: Some("4567".into()),
    };
    store.import_calendar(&details, &times, &calendar).unwrap()
}

fn pupil(n: u64) -> Pupil {
    Pupil {
        upn: upn(n),
        surname: format!("Surname{n}"),
        forename: format!("Forename{n}"),
        dob: d("2013-05-17"),
        sex: Some(Sex::F),
        year_group: YearGroup::Year(7),
        form: Some("7A".into()),
        admission_date: d("2024-09-04"),
        leaving_date: None,
        fsm: false,
        pupil_premium: false,
        looked_after: false,
        social_worker: false,
        eal: false,
        young_carer: false,
        sen: Sen::N,
        ethnicity: None,
        deletion_ground: None,
    }
}

/// Adds pupils `range` to a school and returns their ids, in order.
fn add_pupils(
    store: &mut PostgresStore,
    school: SchoolId,
    range: std::ops::Range<u64>,
) -> Vec<PupilId> {
    let pupils: Vec<Pupil> = range.map(pupil).collect();
    store.save_pupils(school, &pupils).unwrap();
    let stored = store.pupils(school).unwrap();
    pupils
        .iter()
        .map(|p| stored.iter().find(|s| s.pupil.upn == p.upn).unwrap().id)
        .collect()
}

fn recorded(by: &str, seconds: i64) -> Recorded {
    Recorded {
        by: by.into(),
        role: "office".into(),
        at: at(seconds),
    }
}

fn entry(code: &str) -> MarkEntry {
    MarkEntry {
        code: Code::parse_stored(code).unwrap(),
        minutes_late: None,
    }
}

fn new(pupil: PupilId, date: &str, session: Session, code: &str) -> MarkChange {
    MarkChange::New {
        pupil,
        date: d(date),
        session,
        entry: entry(code),
        recorded: recorded("Ms Teacher", 0),
    }
}

fn amend(pupil: PupilId, date: &str, session: Session, expected: &str, code: &str) -> MarkChange {
    MarkChange::Amend {
        pupil,
        date: d(date),
        session,
        expected: entry(expected),
        entry: entry(code),
        reason: "Parent phoned".into(),
        recorded: recorded("Mr Office", 3600),
    }
}

fn draft(username: &str, role: Role, school: Option<SchoolId>) -> UserDraft {
    UserDraft {
        username: username.into(),
        display_name: format!("{username} (display)"),
        role,
        school,
        year_groups: vec![],
        forms: vec![],
        children: vec![],
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo".into(),
        active: true,
    }
}

fn names(users: &[rollcall_store::User]) -> Vec<&str> {
    users.iter().map(|u| u.user.username.as_str()).collect()
}

#[test]
fn a_user_and_their_reach_round_trip_sorted() {
    let mut store = store();
    let id = school(&mut store, "Oak Academy", "100001");
    let p = add_pupils(&mut store, id, 0..3);

    let mut hoy = draft("Ms.Head", Role::HeadOfYear, Some(id));
    hoy.year_groups = vec![
        YearGroup::Year(11),
        YearGroup::Reception,
        YearGroup::Year(7),
        YearGroup::N1,
        YearGroup::Year(7),
    ];
    hoy.forms = vec!["7B".into(), "11A".into(), "7A".into()];
    hoy.children = vec![p[2], p[0]];
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

#[test]
fn user_names_are_unique_in_any_case_and_saving_again_updates_everything() {
    let mut store = store();
    let oak = school(&mut store, "Oak Academy", "100001");
    let elm = school(&mut store, "Elm Primary", "100002");
    let p = add_pupils(&mut store, oak, 0..3);

    let mut first = draft("jsmith", Role::FormTutor, Some(oak));
    first.forms = vec!["7A".into(), "7B".into()];
    first.year_groups = vec![YearGroup::Year(7)];
    first.children = vec![p[0], p[1]];
    let id = store.save_user(&first).unwrap();

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

    // The database refuses a second user of the same name in another case, however it is written.
    let err = store
        .client()
        .execute(
            "INSERT INTO users (username, display_name, role, password_hash) \
             VALUES ('JSMITH', 'x', 'office', 'x')",
            &[],
        )
        .unwrap_err();
    let constraint = err.as_db_error().and_then(|e| e.constraint());
    assert_eq!(constraint, Some("users_username"), "{err:?}");

    // Listed by user name without regard to case.
    for name in ["carol", "Bob", "alice", "Dave"] {
        store.save_user(&draft(name, Role::Office, None)).unwrap();
    }
    assert_eq!(
        names(&store.users(None).unwrap()),
        ["alice", "Bob", "carol", "Dave", "JSmith"]
    );

    // A user of an unknown school, or with an unknown child, is refused and not saved.
    let err = store
        .save_user(&draft(
            "ghost",
            Role::Office,
            Some(SchoolId(oak.0 + elm.0 + 100)),
        ))
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

#[test]
fn saving_one_new_user_twice_at_once_makes_one_user() {
    let url = rollcall_testkit::fresh_database_url();
    PostgresStore::connect(&url).unwrap().migrate().unwrap();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let threads: Vec<_> = ["Racer", "racer"]
        .into_iter()
        .map(|name| {
            let (url, barrier) = (url.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut store = PostgresStore::connect(&url).unwrap();
                barrier.wait();
                store.save_user(&draft(name, Role::Office, None))
            })
        })
        .collect();
    let ids: Vec<_> = threads
        .into_iter()
        .map(|t| t.join().unwrap().unwrap())
        .collect();
    assert_eq!(ids[0], ids[1]);
    let mut store = PostgresStore::connect(&url).unwrap();
    assert_eq!(store.users(None).unwrap().len(), 1);
}

#[test]
fn a_schools_users_include_trust_wide_ones_and_no_other_schools() {
    let mut store = store();
    let oak = school(&mut store, "Oak Academy", "100001");
    let elm = school(&mut store, "Elm Primary", "100002");
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
    // A school the database does not hold has only the trust-wide users.
    assert_eq!(
        names(&store.users(Some(SchoolId(oak.0 + elm.0 + 100))).unwrap()),
        ["trust-officer"]
    );
}

#[test]
fn what_the_store_did_not_write_is_reported_as_corrupt() {
    let mut store = store();
    let mut hoy = draft("hoy", Role::HeadOfYear, None);
    hoy.year_groups = vec![YearGroup::Year(9)];
    let id = store.save_user(&hoy).unwrap();
    store
        .client()
        .execute("UPDATE user_year_groups SET year_group = 'Year Zero'", &[])
        .unwrap();
    assert!(matches!(store.user(id), Err(StoreError::Corrupt(_))));
    assert!(matches!(store.users(None), Err(StoreError::Corrupt(_))));

    store
        .client()
        .batch_execute(
            "DELETE FROM user_year_groups; \
             ALTER TABLE users DROP CONSTRAINT users_role_check; \
             UPDATE users SET role = 'janitor'",
        )
        .unwrap();
    assert!(matches!(
        store.user_by_name("HOY"),
        Err(StoreError::Corrupt(_))
    ));
}

fn sign_in(token_hash: &str, user: UserId) -> SignInSession {
    SignInSession {
        token_hash: token_hash.into(),
        user,
        csrf_token: format!("csrf-{token_hash}"),
        created_at: at(0),
        last_seen_at: at(0),
        expires_at: at(12 * 3600),
    }
}

#[test]
fn sessions_are_created_read_touched_and_ended() {
    let mut store = store();
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
    assert_eq!(store.session("hash-two").unwrap(), Some(two));
    // Ending or touching a session that has ended is harmless and does not bring it back.
    store.end_session("hash-one").unwrap();
    store.touch_session("hash-one", at(900)).unwrap();
    assert_eq!(store.session("hash-one").unwrap(), None);

    // The same token twice, or a session of nobody, is refused.
    assert!(matches!(
        store.create_session(&sign_in("hash-two", user)),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.create_session(&sign_in("hash-four", UserId(user.0 + 100))),
        Err(StoreError::NotFound(_))
    ));
}

fn contact(priority: u32, name: &str) -> Contact {
    Contact {
        priority,
        name: name.into(),
        relationship: "Mother".into(),
        phone: Some("07700 900123".into()),
        email: None,
        parental_responsibility: true,
    }
}

#[test]
fn contacts_are_replaced_per_pupil_and_read_in_priority_order() {
    let mut store = store();
    let oak = school(&mut store, "Oak Academy", "100001");
    let elm = school(&mut store, "Elm Primary", "100002");
    let p = add_pupils(&mut store, oak, 0..3);
    let other = add_pupils(&mut store, elm, 10..11)[0];

    let social_worker = Contact {
        priority: 1,
        name: "Alex Worker".into(),
        relationship: "Social worker".into(),
        phone: None,
        email: Some("alex@example.org".into()),
        parental_responsibility: false,
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
            social_worker.clone(),
            contact(1, "Mary Mother"),
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
    // Nothing to save for a school the database does not hold is nothing to do.
    store
        .save_contacts(SchoolId(oak.0 + elm.0 + 100), &[])
        .unwrap();

    // Contacts of a pupil nobody has are none.
    assert!(store
        .contacts(elm, PupilId(other.0 + 100))
        .unwrap()
        .is_empty());
}

fn report(pupil: PupilId, first: &str, last: &str, code: &str) -> AbsenceReport {
    AbsenceReport {
        pupil,
        first: (d(first), Session::Am),
        last: (d(last), Session::Pm),
        reason: "Temperature, staying in bed".into(),
        code: Code::parse_stored(code).unwrap(),
        expected_return: Some(d(last) + chrono::Days::new(1)),
        reported_by: "Mother (phone)".into(),
        recorded: recorded("Mr Office", 60),
    }
}

/// Everything the store holds for a school's register and reports.
type Snapshot = (
    Vec<rollcall_store::StoredMark>,
    Vec<rollcall_store::StoredAmendment>,
    Vec<StoredAbsenceReport>,
);

fn snapshot(store: &mut PostgresStore, school: SchoolId) -> Snapshot {
    (
        store.marks(school, DateRange::all()).unwrap(),
        store.amendments(school, None).unwrap(),
        store.absence_reports(school, DateRange::all()).unwrap(),
    )
}

#[test]
fn an_absence_report_and_its_marks_are_written_together_or_not_at_all() {
    let mut store = store();
    let oak = school(&mut store, "Oak Academy", "100001");
    let elm = school(&mut store, "Elm Primary", "100002");
    let p = add_pupils(&mut store, oak, 0..2);
    let other = add_pupils(&mut store, elm, 10..11)[0];
    store
        .apply_marks(
            oak,
            &[new(p[0], "2024-09-04", Session::Am, "N")],
            &mut |_| {},
        )
        .unwrap();

    // Ill from Wednesday morning to Thursday afternoon: the morning's N becomes I and the rest
    // are new.
    let ill = report(p[0], "2024-09-04", "2024-09-05", "I");
    let changes = [
        amend(p[0], "2024-09-04", Session::Am, "N", "I"),
        new(p[0], "2024-09-04", Session::Pm, "I"),
        new(p[0], "2024-09-05", Session::Am, "I"),
        new(p[0], "2024-09-05", Session::Pm, "I"),
    ];
    let id = store.record_absence(oak, &ill, &changes).unwrap();
    assert_eq!(
        store.absence_reports(oak, DateRange::all()).unwrap(),
        [StoredAbsenceReport {
            id,
            report: ill.clone()
        }]
    );
    let marks = store.marks(oak, DateRange::all()).unwrap();
    assert_eq!(marks.len(), 4);
    assert!(marks.iter().all(|m| m.entry == entry("I")), "{marks:?}");
    let amendments = store.amendments(oak, Some(p[0])).unwrap();
    assert_eq!(amendments.len(), 1);
    assert_eq!(amendments[0].original, entry("N"));
    assert_eq!(amendments[0].reason, "Parent phoned");

    // A report without marks (for sessions to come) is a report all the same.
    let later = report(p[1], "2024-09-09", "2024-09-09", "M");
    let later_id = store.record_absence(oak, &later, &[]).unwrap();
    assert!(later_id > id);

    let before = snapshot(&mut store, oak);

    // One change conflicts (the morning is no longer N): neither the report nor any mark stays.
    let err = store
        .record_absence(
            oak,
            &report(p[0], "2024-09-04", "2024-09-06", "I"),
            &[
                new(p[0], "2024-09-06", Session::Am, "I"),
                new(p[1], "2024-09-06", Session::Am, "I"),
                amend(p[0], "2024-09-04", Session::Am, "N", "I"),
            ],
        )
        .unwrap_err();
    let StoreError::Conflict(message) = err else {
        panic!("{err}")
    };
    assert!(message.contains(&upn(0).to_string()), "{message}");
    assert_eq!(snapshot(&mut store, oak), before);

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
    assert_eq!(snapshot(&mut store, oak), before);

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
    assert_eq!(snapshot(&mut store, oak), before);
    assert_eq!(
        snapshot(&mut store, elm),
        (vec![], vec![], vec![]),
        "nothing written for the other school"
    );
    assert!(matches!(
        store.record_absence(SchoolId(oak.0 + elm.0 + 100), &ill, &[]),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn absence_reports_are_those_that_overlap_the_range() {
    let mut store = store();
    let oak = school(&mut store, "Oak Academy", "100001");
    let elm = school(&mut store, "Elm Primary", "100002");
    let p = add_pupils(&mut store, oak, 0..2);
    let other = add_pupils(&mut store, elm, 10..11)[0];

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

    let found = |store: &mut PostgresStore, range| -> Vec<usize> {
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
    assert_eq!(found(&mut store, DateRange::all()), [0, 1, 2]);
    assert_eq!(found(&mut store, between("2024-09-05", "2024-09-05")), [0]);
    assert_eq!(
        found(&mut store, between("2024-09-06", "2024-09-10")),
        [0, 1]
    );
    assert_eq!(
        found(&mut store, between("2024-09-07", "2024-09-09")),
        [0usize; 0]
    );
    assert_eq!(
        found(&mut store, between("2024-09-11", "2024-09-15")),
        [0usize; 0]
    );
    assert_eq!(found(&mut store, between("2024-09-01", "2024-09-04")), [0]);
    assert_eq!(found(&mut store, between("2024-09-20", "2024-12-31")), [2]);
    assert_eq!(
        found(&mut store, between("2024-09-10", "2024-09-01")),
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
    assert_eq!(found(&mut store, from("2024-09-07")), [1, 2]);
    assert_eq!(found(&mut store, to("2024-09-10")), [0, 1]);
    assert_eq!(
        store.absence_reports(elm, DateRange::all()).unwrap().len(),
        1
    );
    assert!(store
        .absence_reports(SchoolId(oak.0 + elm.0 + 100), DateRange::all())
        .unwrap()
        .is_empty());

    // A code Rollcall did not write.
    store
        .client()
        .execute("UPDATE absence_reports SET code = 'Ø'", &[])
        .unwrap();
    assert!(matches!(
        store.absence_reports(oak, DateRange::all()),
        Err(StoreError::Corrupt(_))
    ));
}

#[test]
fn ended_and_expired_sessions_are_cleared() {
    let mut store = store();
    let user = store
        .save_user(&draft("office", Role::Office, None))
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
    assert_eq!(store.end_expired_sessions(now, now - hour).unwrap(), 2);
    assert!(store.session("live").unwrap().is_some());
    assert_eq!(store.end_user_sessions(user).unwrap(), 1);
    assert!(store.session("live").unwrap().is_none());
}
