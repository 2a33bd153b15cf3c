//! What only the SQLite backend does: its triggers, register lines, the log's housekeeping, the
//! basis it keeps in memory, its older schemas, and what it reads back from a file another
//! program wrote. What every store does is in the conformance suite (`tests/conformance.rs`).

use rollcall_core::codes::{BaseCode, Code};
use rollcall_core::marks::MarkEntry;
use rollcall_core::{parse_date, Date, Role, Session, Upn};
use rollcall_store::{DateRange, MarkChange, MarkGroup, PupilId, SchoolId, Store, StoreError};
use rollcall_store_conformance::fixtures::{
    add_pupils, contact, draft, new, recorded, report, school, upn,
};
use rollcall_store_sqlite::SqliteStore;

/// A database file with one school (the conformance fixtures' Oak Academy) and one pupil.
fn setup() -> (SqliteStore, SchoolId, PupilId, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("r.db")).unwrap();
    let school = school(&mut store, "Oak Academy", "100001");
    let pupil = add_pupils(&mut store, school, 0..1)[0];
    (store, school, pupil, dir)
}

fn base(code: BaseCode) -> MarkEntry {
    MarkEntry {
        code: Code::new(code),
        minutes_late: None,
    }
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
                entry: base(BaseCode::N),
                recorded: recorded("Ms Teacher", 0),
            }],
            &mut |_| {},
        )
        .unwrap();
    let amend = MarkChange::Amend {
        pupil,
        date: d,
        session: Session::Am,
        expected: base(BaseCode::N),
        entry: base(BaseCode::I),
        reason: "Parent phoned".into(),
        recorded: recorded("Ms Teacher", 0),
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
                    entry: base(codes[i % codes.len()]),
                    recorded: recorded("Ms Teacher", 0),
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
        expected: base(codes[1]),
        entry: base(BaseCode::M),
        reason: "Letter".into(),
        recorded: recorded("Ms Teacher", 0),
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
        DateRange::between(Date::MIN, Date::MAX),
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

    // Registers written together: the lines hold the one written and nothing of the one refused.
    let written = [new(pupil, "2025-04-07", Session::Am, "/")];
    let refused = [
        new(pupil, "2025-04-08", Session::Am, "/"),
        new(pupil, "2025-04-07", Session::Am, "N"),
    ];
    let outcomes = store
        .apply_mark_groups(&[
            MarkGroup {
                school,
                changes: &written,
            },
            MarkGroup {
                school,
                changes: &refused,
            },
        ])
        .unwrap();
    assert!(outcomes[0].is_ok() && outcomes[1].is_err());
    let lines = store.mark_facts(school, DateRange::all()).unwrap();
    let rows = store
        .mark_facts_from_rows(school, DateRange::all())
        .unwrap();
    assert_eq!(lines, rows);
    assert!(lines.iter().any(|f| f.fact.date == d("2025-04-07")));
    assert!(!lines.iter().any(|f| f.fact.date == d("2025-04-08")));
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
                    entry: base(BaseCode::I),
                    recorded: recorded("Ms Teacher", 0),
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
            expected: base(was),
            entry: base(now),
            reason: "Corrected".into(),
            recorded: recorded("Ms Teacher", 0),
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

/// Schools, calendars and pupils are kept in memory between reads, and every change to them is
/// seen at once: through this store, another connection of the process, or another program.
#[test]
fn kept_pupils_and_calendars_follow_every_change() {
    let (mut store, school, pupil, dir) = setup();
    let path = dir.path().join("r.db");
    assert_eq!(store.pupils(school).unwrap()[0].pupil.surname, "Surname0");
    assert!(store.form_pupils(school, "7Z").unwrap().is_empty());
    let calendar = store.calendar(school).unwrap();
    assert_eq!(store.schools().unwrap()[0].details.name, "Oak Academy");

    // Another program changes a pupil, the calendar and the school behind this one's back.
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute(
            "UPDATE pupils SET surname = 'Smith', form = '7Z' WHERE id = ?1",
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
    assert_eq!(store.form_pupils(school, "7Z").unwrap().len(), 1);
    assert_ne!(store.calendar(school).unwrap(), calendar);
    assert_eq!(store.schools().unwrap()[0].details.name, "B");

    // Another connection of this process adds a pupil.
    let mut second = SqliteStore::open(&path).unwrap();
    let mut newcomer = store.pupils(school).unwrap()[0].pupil.clone();
    newcomer.upn = upn(1);
    second.save_pupils(school, &[newcomer]).unwrap();
    assert_eq!(store.pupils(school).unwrap().len(), 2);
    assert_eq!(store.form_pupils(school, "7Z").unwrap().len(), 2);

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
                entry: base(BaseCode::N),
                recorded: recorded("Ms Teacher", 0),
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
    assert_eq!(version, 11);
}

/// A value another program wrote into the file that Rollcall would not have written is reported
/// as corrupt by the read that meets it, never as a database error and never with a panic.
#[test]
fn what_the_store_did_not_write_is_reported_as_corrupt() {
    let (mut store, school, pupil, dir) = setup();
    store
        .apply_marks(
            school,
            &[new(pupil, "2024-09-04", Session::Am, "L")],
            &mut |_| {},
        )
        .unwrap();
    store
        .save_contacts(school, &[(pupil, vec![contact(1, "Mary Mother")])])
        .unwrap();
    store
        .record_absence(school, &report(pupil, "2024-09-05", "2024-09-05", "I"), &[])
        .unwrap();
    let mut hoy = draft("hoy", Role::HeadOfYear, Some(school));
    hoy.year_groups = vec![rollcall_core::YearGroup::Year(9)];
    let user = store.save_user(&hoy).unwrap();
    let other = rusqlite::Connection::open(dir.path().join("r.db")).unwrap();
    let corrupt = |what: &str, r: rollcall_store::Result<()>| match r {
        Err(StoreError::Corrupt(m)) => m,
        other => panic!("{what}: {other:?}"),
    };
    let write = |sql: &str| other.execute_batch(sql).unwrap();

    write("UPDATE marks SET minutes_late = -3");
    let m = corrupt("minutes", store.marks(school, DateRange::all()).map(drop));
    assert_eq!(m, "minutes late '-3'");
    write("UPDATE marks SET minutes_late = 'soon'");
    corrupt("minutes", store.marks(school, DateRange::all()).map(drop));
    write("UPDATE marks SET minutes_late = 7, date = '2024-02-30'");
    let m = corrupt("date", store.marks(school, DateRange::all()).map(drop));
    assert_eq!(m, "date '2024-02-30'");
    corrupt(
        "date",
        store
            .mark_facts_from_rows(school, DateRange::all())
            .map(drop),
    );
    corrupt(
        "date",
        store.pupil_marks(school, pupil, DateRange::all()).map(drop),
    );
    write("UPDATE marks SET date = '2024-09-04', code = 'Ø'");
    let m = corrupt("code", store.marks(school, DateRange::all()).map(drop));
    assert_eq!(m, "attendance code 'Ø'");
    write("UPDATE pupil_contacts SET priority = 'first'");
    corrupt("priority", store.contacts(school, pupil).map(drop));
    write("UPDATE absence_reports SET expected_return = 'Tuesday'");
    corrupt(
        "report",
        store.absence_reports(school, DateRange::all()).map(drop),
    );
    write("UPDATE user_year_groups SET year_group = 'Year Zero'");
    corrupt("year group", store.user(user).map(drop));
    write("UPDATE pupils SET dob = '2013-13-01'");
    corrupt("dob", store.pupils(school).map(drop));
    write("UPDATE pupils SET dob = '2013-05-17', year_group = 'Year Zero'");
    corrupt("year group", store.pupils(school).map(drop));
    write("UPDATE schools SET pm_closes = NULL");
    let m = corrupt("times", store.schools().map(drop));
    assert_eq!(m, "register times: some are set and some are not");
    write(
        "UPDATE schools SET pm_closes = '13:45'; UPDATE closures SET year_groups = '7,Year Zero'",
    );
    corrupt("closure", store.calendar(school).map(drop));
}
