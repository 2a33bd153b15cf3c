//! The SQLite backend's own guarantees: conflicts refuse the whole batch, and the schema keeps
//! marks and amendments from being deleted or rewritten.

use chrono::{NaiveTime, Utc};
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{
    parse_date, BaseCode, Calendar, Code, HalfTerm, Pupil, RegisterTimes, Sen, Session, Upn,
    YearGroup,
};
use rollcall_store::{
    DateRange, MarkChange, MarkGroup, PupilId, SchoolDetails, SchoolId, Store, StoreError,
};
use rollcall_store_sqlite::SqliteStore;

fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

fn setup() -> (SqliteStore, SchoolId, PupilId, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("r.db")).unwrap();
    let times = RegisterTimes::new(t("08:50"), t("09:20"), t("13:30"), t("13:45")).unwrap();
    let calendar = Calendar::new(
        vec![HalfTerm {
            name: "Spring 2".into(),
            start: parse_date("2025-02-24").unwrap(),
            end: parse_date("2025-04-04").unwrap(),
        }],
        vec![],
    )
    .unwrap();
    let details = SchoolDetails {
        name: "A".into(),
        urn: Some("1".into()),
        la: None,
        estab: None,
    };
    let school = store.import_calendar(&details, &times, &calendar).unwrap();
    let pupil = Pupil {
        upn: Upn::with_check_letter("822400124001").unwrap(),
        surname: "S".into(),
        forename: "F".into(),
        dob: parse_date("2012-10-01").unwrap(),
        sex: None,
        year_group: YearGroup::Year(7),
        form: None,
        admission_date: parse_date("2024-09-02").unwrap(),
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
    };
    store.save_pupils(school, &[pupil]).unwrap();
    let id = store.pupils(school).unwrap()[0].id;
    (store, school, id, dir)
}

fn entry(code: BaseCode) -> MarkEntry {
    MarkEntry {
        code: Code::new(code),
        minutes_late: None,
    }
}

fn rec() -> Recorded {
    Recorded {
        by: "tutor".into(),
        role: "form tutor".into(),
        // Stored to the microsecond.
        at: chrono::SubsecRound::trunc_subsecs(Utc::now(), 6),
    }
}

#[test]
fn a_stale_amendment_refuses_the_whole_batch() {
    let (mut store, school, pupil, _dir) = setup();
    let d = |s| parse_date(s).unwrap();
    let new = |date, session| MarkChange::New {
        pupil,
        date: d(date),
        session,
        entry: entry(BaseCode::N),
        recorded: rec(),
    };
    store
        .apply_marks(school, &[new("2025-03-03", Session::Am)], &mut |_| {})
        .unwrap();
    let before = store.marks(school, DateRange::all()).unwrap();
    // A new mark and an amendment that expects `O` where the register holds `N`.
    let batch = [
        new("2025-03-04", Session::Am),
        MarkChange::Amend {
            pupil,
            date: d("2025-03-03"),
            session: Session::Am,
            expected: entry(BaseCode::O),
            entry: entry(BaseCode::I),
            reason: "Parent phoned".into(),
            recorded: rec(),
        },
    ];
    let err = store.apply_marks(school, &batch, &mut |_| {}).unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref m) if m.contains("someone else changed it")),
        "{err}"
    );
    assert_eq!(store.marks(school, DateRange::all()).unwrap(), before);
    assert!(store.amendments(school, None).unwrap().is_empty());
    // A second mark for a session that has one is a conflict too.
    let err = store
        .apply_marks(school, &[new("2025-03-03", Session::Am)], &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    // A pupil of another school is not found.
    let stray = MarkChange::New {
        pupil: PupilId(pupil.0 + 100),
        date: d("2025-03-05"),
        session: Session::Am,
        entry: entry(BaseCode::N),
        recorded: rec(),
    };
    assert!(matches!(
        store.apply_marks(school, &[stray], &mut |_| {}),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn marks_and_amendments_cannot_be_deleted_or_rewritten() {
    let (mut store, school, pupil, dir) = setup();
    let d = parse_date("2025-03-03").unwrap();
    store
        .apply_marks(
            school,
            &[MarkChange::New {
                pupil,
                date: d,
                session: Session::Am,
                entry: entry(BaseCode::N),
                recorded: rec(),
            }],
            &mut |_| {},
        )
        .unwrap();
    let amend = MarkChange::Amend {
        pupil,
        date: d,
        session: Session::Am,
        expected: entry(BaseCode::N),
        entry: entry(BaseCode::I),
        reason: "Parent phoned".into(),
        recorded: rec(),
    };
    store.apply_marks(school, &[amend], &mut |_| {}).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join("r.db")).unwrap();
    for sql in [
        "DELETE FROM marks",
        "DELETE FROM amendments",
        "UPDATE amendments SET reason = 'x'",
    ] {
        let err = conn.execute(sql, []).unwrap_err().to_string();
        assert!(err.contains("never"), "{sql}: {err}");
    }
}

#[test]
fn migrating_again_is_harmless() {
    let (mut store, school, _, _dir) = setup();
    store.migrate().unwrap();
    store.migrate().unwrap();
    assert_eq!(store.pupils(school).unwrap().len(), 1);
}

/// Register lines always hold what the marks table holds, through new marks and amendments,
/// across academic years and for any range.
#[test]
fn register_lines_match_the_marks() {
    let (mut store, school, pupil, _dir) = setup();
    let d = |s| parse_date(s).unwrap();
    let codes = [
        BaseCode::PresentAm,
        BaseCode::I,
        BaseCode::N,
        BaseCode::L,
        BaseCode::Y2,
        BaseCode::Closed,
        BaseCode::C2,
    ];
    let mut changes = Vec::new();
    let mut date = d("2025-02-24");
    let mut i = 0;
    while date <= d("2025-04-04") {
        for session in [Session::Am, Session::Pm] {
            if chrono::Datelike::weekday(&date).num_days_from_monday() < 5 && i % 3 != 0 {
                changes.push(MarkChange::New {
                    pupil,
                    date,
                    session,
                    entry: entry(codes[i % codes.len()]),
                    recorded: rec(),
                });
            }
            i += 1;
        }
        date = date.succ_opt().unwrap();
    }
    store.apply_marks(school, &changes, &mut |_| {}).unwrap();
    let amend = MarkChange::Amend {
        pupil,
        date: d("2025-02-24"),
        session: Session::Pm,
        expected: entry(codes[1]),
        entry: entry(BaseCode::M),
        reason: "Letter".into(),
        recorded: rec(),
    };
    store.apply_marks(school, &[amend], &mut |_| {}).unwrap();
    for range in [
        DateRange::all(),
        DateRange::between(d("2025-03-05"), d("2025-03-20")),
        DateRange {
            from: Some(d("2025-03-31")),
            to: None,
        },
        DateRange {
            from: None,
            to: Some(d("2025-02-24")),
        },
        DateRange::between(d("2024-01-01"), d("2024-12-31")),
    ] {
        let lines = store.mark_facts(school, range).unwrap();
        let rows = store.mark_facts_from_rows(school, range).unwrap();
        assert_eq!(lines, rows, "{range:?}");
    }
    assert_eq!(
        store.mark_facts(school, DateRange::all()).unwrap()[0]
            .fact
            .code,
        BaseCode::M
    );
}

fn draft(
    name: &str,
    role: rollcall_core::Role,
    school: Option<SchoolId>,
) -> rollcall_store::UserDraft {
    rollcall_store::UserDraft {
        username: name.into(),
        display_name: format!("{name} display"),
        role,
        school,
        year_groups: vec![YearGroup::Year(9), YearGroup::Year(7)],
        forms: vec!["7B".into(), "7A".into()],
        children: vec![],
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        active: true,
    }
}

#[test]
fn users_are_unique_by_name_in_any_case_and_keep_their_reach() {
    let (mut store, school, pupil, _dir) = setup();
    let mut tutor = draft("j.smith", rollcall_core::Role::FormTutor, Some(school));
    let id = store.save_user(&tutor).unwrap();
    let got = store.user_by_name("J.SMITH").unwrap().unwrap();
    assert_eq!(got.id, id);
    assert_eq!(
        got.user.year_groups,
        [YearGroup::Year(7), YearGroup::Year(9)]
    );
    assert_eq!(got.user.forms, ["7A", "7B"]);
    tutor.username = "J.Smith".into();
    tutor.forms = vec!["8C".into()];
    tutor.children = vec![pupil];
    assert_eq!(
        store.save_user(&tutor).unwrap(),
        id,
        "the same user, updated"
    );
    let got = store.user(id).unwrap().unwrap();
    assert_eq!(
        (got.user.forms.clone(), got.user.children.clone()),
        (vec!["8C".to_owned()], vec![pupil])
    );
    store
        .save_user(&draft("trust.head", rollcall_core::Role::Headteacher, None))
        .unwrap();
    let names: Vec<_> = store
        .users(Some(school))
        .unwrap()
        .into_iter()
        .map(|u| u.user.username)
        .collect();
    assert_eq!(names, ["J.Smith", "trust.head"]);
    assert_eq!(store.users(Some(SchoolId(school.0 + 1))).unwrap().len(), 1);
    assert!(store.user_by_name("nobody").unwrap().is_none());
}

#[test]
fn sessions_are_kept_by_token_hash() {
    let (mut store, school, _, _dir) = setup();
    let user = store
        .save_user(&draft("a", rollcall_core::Role::Office, Some(school)))
        .unwrap();
    let now = Utc::now();
    let s = rollcall_store::SignInSession {
        token_hash: "hash".into(),
        user,
        csrf_token: "csrf".into(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + chrono::Duration::hours(8),
    };
    store.create_session(&s).unwrap();
    let got = store.session("hash").unwrap().unwrap();
    assert_eq!((got.user, got.csrf_token.as_str()), (user, "csrf"));
    let later = now + chrono::Duration::minutes(5);
    store.touch_session("hash", later).unwrap();
    assert!(store.session("hash").unwrap().unwrap().last_seen_at > now);
    store.end_session("hash").unwrap();
    assert!(store.session("hash").unwrap().is_none());
}

#[test]
fn an_absence_report_and_its_marks_are_one_transaction() {
    let (mut store, school, pupil, _dir) = setup();
    let d = |s| parse_date(s).unwrap();
    let contact = rollcall_store::Contact {
        priority: 1,
        name: "Ann Smith".into(),
        relationship: "Mother".into(),
        phone: Some("07700 900123".into()),
        email: None,
        parental_responsibility: true,
    };
    store
        .save_contacts(school, &[(pupil, vec![contact.clone()])])
        .unwrap();
    assert_eq!(
        store.contacts(school, pupil).unwrap(),
        std::slice::from_ref(&contact)
    );
    assert!(matches!(
        store.save_contacts(school, &[(PupilId(pupil.0 + 9), vec![contact])]),
        Err(StoreError::NotFound(_))
    ));

    let report = rollcall_store::AbsenceReport {
        pupil,
        first: (d("2025-03-03"), Session::Am),
        last: (d("2025-03-03"), Session::Pm),
        reason: "Vomiting overnight".into(),
        code: Code::new(BaseCode::I),
        expected_return: Some(d("2025-03-04")),
        reported_by: "Mother (phone)".into(),
        recorded: rec(),
    };
    let marks = |code| {
        Session::BOTH.map(|session| MarkChange::New {
            pupil,
            date: d("2025-03-03"),
            session,
            entry: entry(code),
            recorded: rec(),
        })
    };
    store
        .record_absence(school, &report, &marks(BaseCode::I))
        .unwrap();
    assert_eq!(store.mark_facts(school, DateRange::all()).unwrap().len(), 2);
    let reports = store
        .absence_reports(school, DateRange::between(d("2025-03-01"), d("2025-03-03")))
        .unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].report, report);
    assert!(store
        .absence_reports(school, DateRange::between(d("2025-03-04"), d("2025-03-05")))
        .unwrap()
        .is_empty());
    // A second report whose marks conflict writes nothing, not even the report.
    assert!(store
        .record_absence(school, &report, &marks(BaseCode::M))
        .is_err());
    assert_eq!(
        store
            .absence_reports(school, DateRange::all())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_register_reads_only_its_form_and_session() {
    let (mut store, school, pupil, _dir) = setup();
    let d = parse_date("2025-03-03").unwrap();
    store
        .apply_marks(
            school,
            &[MarkChange::New {
                pupil,
                date: d,
                session: Session::Pm,
                entry: entry(BaseCode::I),
                recorded: rec(),
            }],
            &mut |_| {},
        )
        .unwrap();
    assert!(
        store.form_pupils(school, "7A").unwrap().is_empty(),
        "the pupil has no form"
    );
    let marks = store
        .session_marks(school, &[pupil], d, Session::Pm)
        .unwrap();
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0].entry.code.base(), BaseCode::I);
    assert!(store
        .session_marks(school, &[pupil], d, Session::Am)
        .unwrap()
        .is_empty());
    assert!(
        store
            .session_marks(SchoolId(school.0 + 1), &[pupil], d, Session::Pm)
            .unwrap()
            .is_empty(),
        "another school's read sees nothing"
    );
}

#[test]
fn ended_and_expired_sessions_are_cleared() {
    let (mut store, school, _, _dir) = setup();
    let user = store
        .save_user(&draft("a", rollcall_core::Role::Office, Some(school)))
        .unwrap();
    let now = Utc::now();
    let session = |hash: &str, seen: chrono::DateTime<Utc>, expires: chrono::DateTime<Utc>| {
        rollcall_store::SignInSession {
            token_hash: hash.into(),
            user,
            csrf_token: "c".into(),
            created_at: seen,
            last_seen_at: seen,
            expires_at: expires,
        }
    };
    let hour = chrono::Duration::hours(1);
    store
        .create_session(&session("live", now, now + hour))
        .unwrap();
    store
        .create_session(&session("idle", now - hour * 2, now + hour))
        .unwrap();
    store
        .create_session(&session("old", now, now - hour))
        .unwrap();
    assert_eq!(store.end_expired_sessions(now, now - hour).unwrap(), 2);
    assert!(store.session("live").unwrap().is_some());
    assert_eq!(store.end_user_sessions(user).unwrap(), 1);
    assert!(store.session("live").unwrap().is_none());
}

/// A server leaves checkpoints to a background task: writes stay in the log until housekeeping
/// copies them into the database file.
#[test]
fn housekeeping_copies_the_log_into_the_database() {
    let (mut store, school, pupil, dir) = setup();
    store.leave_housekeeping_to_background().unwrap();
    let db = dir.path().join("r.db");
    let before = std::fs::metadata(&db).unwrap().len();
    let mut changes = Vec::new();
    let mut date = parse_date("2025-02-24").unwrap();
    while date <= parse_date("2025-04-04").unwrap() {
        if chrono::Datelike::weekday(&date).num_days_from_monday() < 5 {
            for session in [Session::Am, Session::Pm] {
                changes.push(MarkChange::New {
                    pupil,
                    date,
                    session,
                    entry: entry(BaseCode::I),
                    recorded: rec(),
                });
            }
        }
        date = date.succ_opt().unwrap();
    }
    // Many small transactions, as a server makes them.
    for c in &changes {
        store
            .apply_marks(school, std::slice::from_ref(c), &mut |_| {})
            .unwrap();
    }
    // Enough log for SQLite's own checkpoint (at 1,000 pages) to have run had it been left on.
    let MarkChange::New { date, session, .. } = changes[0].clone() else {
        unreachable!()
    };
    for i in 0..400 {
        let (was, now) = if i % 2 == 0 {
            (BaseCode::I, BaseCode::M)
        } else {
            (BaseCode::M, BaseCode::I)
        };
        let amend = MarkChange::Amend {
            pupil,
            date,
            session,
            expected: entry(was),
            entry: entry(now),
            reason: "Corrected".into(),
            recorded: rec(),
        };
        store.apply_marks(school, &[amend], &mut |_| {}).unwrap();
    }
    let log = std::fs::metadata(dir.path().join("r.db-wal"))
        .unwrap()
        .len();
    assert!(log > 1000 * 4096, "the log holds {log} bytes");
    assert_eq!(
        std::fs::metadata(&db).unwrap().len(),
        before,
        "nothing copied yet"
    );
    store.housekeeping().unwrap();
    assert!(
        std::fs::metadata(&db).unwrap().len() > before,
        "the log was copied into the database"
    );
    assert_eq!(
        store.mark_facts(school, DateRange::all()).unwrap().len(),
        changes.len()
    );
}

/// Registers submitted together are written in one transaction, but each stands or falls alone.
#[test]
fn groups_of_changes_stand_or_fall_alone() {
    let (mut store, school, pupil, _dir) = setup();
    let d = |s| parse_date(s).unwrap();
    let new = |date, session| MarkChange::New {
        pupil,
        date: d(date),
        session,
        entry: entry(BaseCode::N),
        recorded: rec(),
    };
    store
        .apply_marks(school, &[new("2025-03-03", Session::Am)], &mut |_| {})
        .unwrap();
    let first = [new("2025-03-04", Session::Am)];
    // A new mark, then a second mark for a session that already has one: refused as a whole.
    let refused = [
        new("2025-03-05", Session::Am),
        new("2025-03-03", Session::Am),
    ];
    let third = [new("2025-03-06", Session::Pm)];
    let stray = [MarkChange::New {
        pupil: PupilId(pupil.0 + 100),
        date: d("2025-03-07"),
        session: Session::Am,
        entry: entry(BaseCode::N),
        recorded: rec(),
    }];
    let outcomes = store
        .apply_mark_groups(&[
            MarkGroup {
                school,
                changes: &first,
            },
            MarkGroup {
                school,
                changes: &refused,
            },
            MarkGroup {
                school,
                changes: &third,
            },
            MarkGroup {
                school,
                changes: &stray,
            },
        ])
        .unwrap();
    assert!(outcomes[0].is_ok());
    assert!(matches!(outcomes[1], Err(StoreError::Conflict(_))));
    assert!(outcomes[2].is_ok());
    assert!(matches!(outcomes[3], Err(StoreError::NotFound(_))));
    let dates: Vec<_> = store
        .marks(school, DateRange::all())
        .unwrap()
        .into_iter()
        .map(|m| (m.date.to_string(), m.session))
        .collect();
    assert_eq!(
        dates,
        [
            ("2025-03-03".to_string(), Session::Am),
            ("2025-03-04".to_string(), Session::Am),
            ("2025-03-06".to_string(), Session::Pm),
        ]
    );
    // One pupil's marks are the same, in order; none through another school.
    let all = store.marks(school, DateRange::all()).unwrap();
    assert_eq!(
        store.pupil_marks(school, pupil, DateRange::all()).unwrap(),
        all
    );
    assert_eq!(
        store
            .pupil_marks(
                school,
                pupil,
                DateRange::between(d("2025-03-04"), d("2025-03-04"))
            )
            .unwrap(),
        all[1..2]
    );
    assert!(store
        .pupil_marks(SchoolId(school.0 + 1), pupil, DateRange::all())
        .unwrap()
        .is_empty());
    // The register lines hold the same, with nothing of the refused group.
    let lines = store.mark_facts(school, DateRange::all()).unwrap();
    let rows = store
        .mark_facts_from_rows(school, DateRange::all())
        .unwrap();
    assert_eq!(lines, rows);
    assert_eq!(lines.len(), 3);
}

/// Schools, calendars and pupils are kept in memory between reads, and every change to them is
/// seen at once: through this store, another connection of the process, or another program.
#[test]
fn kept_pupils_and_calendars_follow_every_change() {
    let (mut store, school, pupil, dir) = setup();
    let path = dir.path().join("r.db");
    assert_eq!(store.pupils(school).unwrap()[0].pupil.surname, "S");
    assert!(store.form_pupils(school, "7A").unwrap().is_empty());
    let calendar = store.calendar(school).unwrap();
    assert_eq!(store.schools().unwrap()[0].details.name, "A");

    // Another program changes a pupil, the calendar and the school behind this one's back.
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute(
            "UPDATE pupils SET surname = 'Smith', form = '7A' WHERE id = ?1",
            [pupil],
        )
        .unwrap();
    other
        .execute(
            "INSERT INTO closures (school_id, start_date, end_date, sessions, reason)
             VALUES (?1, '2025-03-10', '2025-03-10', 'both', 'Polling station')",
            [school],
        )
        .unwrap();
    other
        .execute("UPDATE schools SET name = 'B' WHERE id = ?1", [school])
        .unwrap();
    assert_eq!(store.pupils(school).unwrap()[0].pupil.surname, "Smith");
    assert_eq!(store.form_pupils(school, "7A").unwrap().len(), 1);
    assert_ne!(store.calendar(school).unwrap(), calendar);
    assert_eq!(store.schools().unwrap()[0].details.name, "B");

    // Another connection of this process adds a pupil.
    let mut second = SqliteStore::open(&path).unwrap();
    let mut newcomer = store.pupils(school).unwrap()[0].pupil.clone();
    newcomer.upn = Upn::with_check_letter("822400124002").unwrap();
    second.save_pupils(school, &[newcomer]).unwrap();
    assert_eq!(store.pupils(school).unwrap().len(), 2);
    assert_eq!(store.form_pupils(school, "7A").unwrap().len(), 2);

    // Marks do not touch what is kept.
    let generation = |c: &rusqlite::Connection| -> i64 {
        c.query_row("SELECT generation FROM basis_generation", [], |r| r.get(0))
            .unwrap()
    };
    let before = generation(&other);
    store
        .apply_marks(
            school,
            &[MarkChange::New {
                pupil,
                date: parse_date("2025-03-03").unwrap(),
                session: Session::Am,
                entry: entry(BaseCode::N),
                recorded: rec(),
            }],
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(generation(&other), before);
}

/// A database made before marks were kept by session, with marks in it, is brought up to date
/// with every mark, its figures and its protection intact.
#[test]
fn a_database_of_the_first_schema_keeps_every_mark() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../migrations/0001_initial.sql"))
            .unwrap();
        let upn = |n: &str| Upn::with_check_letter(n).unwrap().to_string();
        let sql = "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);
             INSERT INTO schema_migrations VALUES (1, '2025-09-01T00:00:00Z');
             INSERT INTO schools (id, urn, name, am_opens, am_closes, pm_opens, pm_closes)
                 VALUES (1, '1', 'A', '08:50', '09:20', '13:30', '13:45');
             INSERT INTO half_terms (school_id, name, start_date, end_date)
                 VALUES (1, 'Spring 2', '2025-02-24', '2025-04-04');
             INSERT INTO pupils (id, school_id, upn, surname, forename, dob, year_group, admission_date)
                 VALUES (1, 1, 'A822400124001', 'S', 'F', '2012-10-01', '7', '2024-09-02'),
                        (2, 1, 'B822400124002', 'T', 'G', '2012-11-01', '7', '2024-09-02');
             INSERT INTO marks VALUES
                 (2, '2025-03-03', 'AM', '/', NULL, 'tutor', 'form tutor', '2025-03-03T08:51:00Z'),
                 (1, '2025-03-03', 'PM', 'L', 7, 'tutor', 'form tutor', '2025-03-03T13:37:00Z'),
                 (1, '2025-03-03', 'AM', 'N', NULL, 'tutor', 'form tutor', '2025-03-03T08:52:00Z'),
                 (1, '2025-02-28', 'AM', '/', NULL, 'tutor', 'form tutor', '2025-02-28T08:52:00Z');"
            .replace("A822400124001", &upn("822400124001"))
            .replace("B822400124002", &upn("822400124002"));
        conn.execute_batch(&sql).unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    let marks: Vec<_> = store
        .marks(SchoolId(1), DateRange::all())
        .unwrap()
        .into_iter()
        .map(|m| {
            (
                m.pupil,
                m.date.to_string(),
                m.session,
                m.entry.code.text().to_owned(),
                m.entry.minutes_late,
            )
        })
        .collect();
    // By pupil, date and session, as always.
    assert_eq!(
        marks,
        [
            (
                PupilId(1),
                "2025-02-28".into(),
                Session::Am,
                "/".into(),
                None
            ),
            (
                PupilId(1),
                "2025-03-03".into(),
                Session::Am,
                "N".into(),
                None
            ),
            (
                PupilId(1),
                "2025-03-03".into(),
                Session::Pm,
                "L".into(),
                Some(7)
            ),
            (
                PupilId(2),
                "2025-03-03".into(),
                Session::Am,
                "/".into(),
                None
            ),
        ]
    );
    let session = store
        .session_marks(
            SchoolId(1),
            &[PupilId(1), PupilId(2)],
            parse_date("2025-03-03").unwrap(),
            Session::Am,
        )
        .unwrap();
    assert_eq!(session.len(), 2);
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let err = conn
        .execute("DELETE FROM marks", [])
        .unwrap_err()
        .to_string();
    assert!(err.contains("never"), "{err}");
    let version: i64 = conn
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(version, 3);
}
