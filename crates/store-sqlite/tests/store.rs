//! The SQLite backend's own guarantees: conflicts refuse the whole batch, and the schema keeps
//! marks and amendments from being deleted or rewritten.

use chrono::{NaiveTime, Utc};
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{
    parse_date, BaseCode, Calendar, Code, HalfTerm, Pupil, RegisterTimes, Sen, Session, Upn,
    YearGroup,
};
use rollcall_store::{DateRange, MarkChange, SchoolDetails, Store, StoreError};
use rollcall_store_sqlite::SqliteStore;

fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

fn setup() -> (SqliteStore, i64, i64, tempfile::TempDir) {
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
        at: Utc::now(),
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
        pupil: pupil + 100,
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
