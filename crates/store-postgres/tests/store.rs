//! The PostgreSQL store against a real, throwaway server (rollcall-testkit).

mod common;

use common::{at, d, store, t, upn};
use std::time::Instant;

use chrono::Days;
use rollcall_core::codes::{BaseCode, Code};
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::{
    Calendar, Closure, Date, HalfTerm, Pupil, RegisterTimes, Sen, Session, SessionSet, Sex,
    YearGroup,
};
use rollcall_store::{
    DateRange, MarkChange, MarkGroup, PupilId, PupilsSaved, SchoolDetails, SchoolId, Store,
    StoreError,
};
use rollcall_store_postgres::PostgresStore;

fn times() -> RegisterTimes {
    RegisterTimes::new(t("08:50"), t("09:20"), t("13:30"), t("13:45")).unwrap()
}

fn details(name: &str, urn: Option<&str>) -> SchoolDetails {
    SchoolDetails {
        name: name.into(),
        urn: urn.map(Into::into),
        la: Some("123".into()),
        estab: Some("4567".into()),
    }
}

fn half_term(name: &str, start: &str, end: &str) -> HalfTerm {
    HalfTerm {
        name: name.into(),
        start: d(start),
        end: d(end),
    }
}

fn autumn() -> Calendar {
    Calendar::new(
        vec![
            half_term("Autumn 1", "2024-09-04", "2024-10-25"),
            half_term("Autumn 2", "2024-11-04", "2024-12-20"),
        ],
        vec![
            Closure {
                start: d("2024-11-04"),
                end: d("2024-11-04"),
                sessions: SessionSet::Both,
                reason: "INSET".into(),
                year_groups: Some(vec![YearGroup::Year(7), YearGroup::Reception]),
            },
            Closure {
                start: d("2024-11-05"),
                end: d("2024-11-05"),
                sessions: SessionSet::Pm,
                reason: "Polling station".into(),
                year_groups: None,
            },
        ],
    )
    .unwrap()
}

fn school(store: &mut PostgresStore, name: &str, urn: &str) -> SchoolId {
    store
        .import_calendar(&details(name, Some(urn)), &times(), &autumn())
        .unwrap()
}

fn pupil(n: u64) -> Pupil {
    Pupil {
        upn: upn(n),
        surname: format!("Surname{n}"),
        forename: format!("Forename{n}"),
        dob: d("2013-05-17"),
        sex: Some(if n % 2 == 0 { Sex::F } else { Sex::M }),
        year_group: YearGroup::Year(7),
        form: Some("7A".into()),
        admission_date: d("2024-09-04"),
        leaving_date: None,
        fsm: n % 3 == 0,
        pupil_premium: n % 4 == 0,
        looked_after: false,
        social_worker: false,
        eal: n % 5 == 0,
        young_carer: false,
        sen: Sen::N,
        ethnicity: Some("WBRI".into()),
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
        role: "teacher".into(),
        at: at(seconds),
    }
}

fn entry(code: &str, minutes_late: Option<u32>) -> MarkEntry {
    MarkEntry {
        code: Code::parse_stored(code).unwrap(),
        minutes_late,
    }
}

fn new(pupil: PupilId, date: &str, session: Session, code: &str) -> MarkChange {
    MarkChange::New {
        pupil,
        date: d(date),
        session,
        entry: entry(code, None),
        recorded: recorded("Ms Teacher", 0),
    }
}

fn amend(
    pupil: PupilId,
    date: &str,
    session: Session,
    expected: MarkEntry,
    entry: MarkEntry,
) -> MarkChange {
    MarkChange::Amend {
        pupil,
        date: d(date),
        session,
        expected,
        entry,
        reason: "Parent phoned".into(),
        recorded: recorded("Mr Office", 3600),
    }
}

fn no_progress() -> impl FnMut(usize) {
    |_| {}
}

#[test]
fn migrating_twice_is_harmless_and_concurrent_migrations_are_safe() {
    let url = rollcall_testkit::fresh_database_url();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut store = PostgresStore::connect(&url).unwrap();
                store.migrate().unwrap();
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let mut store = PostgresStore::connect(&url).unwrap();
    store.migrate().unwrap();
    store.migrate().unwrap();
    assert_eq!(store.backend(), "PostgreSQL");
    let versions: Vec<i32> = store
        .client()
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, [1]);
    assert!(store.schools().unwrap().is_empty());
}

#[test]
fn postgresql_urls_connect_too() {
    let url = rollcall_testkit::fresh_database_url();
    let url = url.replacen("postgres://", "postgresql://", 1);
    let mut store = PostgresStore::connect(&url).unwrap();
    store.migrate().unwrap();
    let name: String = store
        .client()
        .query_one("SELECT current_setting('application_name')", &[])
        .unwrap()
        .get(0);
    assert_eq!(name, "rollcall");
    for bad in ["postgres://nobody@127.0.0.1:1/none", "not a url at all"] {
        assert!(matches!(
            PostgresStore::connect(bad),
            Err(StoreError::Database(_))
        ));
    }
}

#[test]
fn import_calendar_creates_then_updates_a_school_and_merges_calendars() {
    let mut store = store();
    let id = school(&mut store, "Oak Academy", "100001");
    let schools = store.schools().unwrap();
    assert_eq!(schools.len(), 1);
    assert_eq!(schools[0].id, id);
    assert_eq!(schools[0].details, details("Oak Academy", Some("100001")));
    assert_eq!(schools[0].register_times, Some(times()));
    assert_eq!(store.calendar(id).unwrap(), autumn());

    // The same URN: the school is updated, and the spring term is added to the autumn.
    let later = RegisterTimes::new(t("08:45"), t("09:15"), t("13:15"), t("13:30")).unwrap();
    let spring = Calendar::new(
        vec![half_term("Spring 1", "2025-01-06", "2025-02-14")],
        vec![Closure {
            start: d("2025-01-06"),
            end: d("2025-01-06"),
            sessions: SessionSet::Am,
            reason: "Training".into(),
            year_groups: None,
        }],
    )
    .unwrap();
    let renamed = SchoolDetails {
        name: "Oak Academy Trust School".into(),
        urn: Some("100001".into()),
        la: None,
        estab: Some("9999".into()),
    };
    assert_eq!(
        store.import_calendar(&renamed, &later, &spring).unwrap(),
        id
    );
    let schools = store.schools().unwrap();
    assert_eq!(schools.len(), 1);
    assert_eq!(schools[0].details, renamed);
    assert_eq!(schools[0].register_times, Some(later));
    let calendar = store.calendar(id).unwrap();
    assert_eq!(calendar, autumn().merged_with(&spring).unwrap());
    assert_eq!(calendar.half_terms().len(), 3);
    assert_eq!(calendar.closures().len(), 3);

    // A revised Autumn 2 replaces what the calendar had for its dates, and only that.
    let revised = Calendar::new(
        vec![half_term("Autumn 2 (revised)", "2024-11-05", "2024-12-19")],
        vec![],
    )
    .unwrap();
    store.import_calendar(&renamed, &later, &revised).unwrap();
    let calendar = store.calendar(id).unwrap();
    let names: Vec<&str> = calendar
        .half_terms()
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(names, ["Autumn 1", "Autumn 2 (revised)", "Spring 1"]);
    assert_eq!(
        calendar,
        autumn()
            .merged_with(&spring)
            .unwrap()
            .merged_with(&revised)
            .unwrap()
    );

    // A school without a URN is found by its name.
    let small = details("Little School", None);
    let small_id = store.import_calendar(&small, &times(), &autumn()).unwrap();
    assert_ne!(small_id, id);
    assert_eq!(
        store.import_calendar(&small, &later, &spring).unwrap(),
        small_id
    );
    assert_eq!(store.schools().unwrap().len(), 2);
    assert_eq!(
        store.calendar(small_id).unwrap(),
        autumn().merged_with(&spring).unwrap()
    );
    // Another school's calendar is untouched.
    assert_eq!(store.calendar(id).unwrap(), calendar);

    assert_eq!(
        store.calendar(SchoolId(id.0 + small_id.0 + 100)).unwrap(),
        Calendar::default()
    );
}

/// The pupils as read, which come in UPN order.
fn by_upn(stored: &[rollcall_store::StoredPupil]) -> Vec<Pupil> {
    stored.iter().map(|s| s.pupil.clone()).collect()
}

fn sorted(pupils: &[Pupil]) -> Vec<Pupil> {
    let mut pupils = pupils.to_vec();
    pupils.sort_by(|a, b| a.upn.cmp(&b.upn));
    pupils
}

#[test]
fn save_pupils_counts_added_updated_and_unchanged() {
    let mut store = store();
    let id = school(&mut store, "Oak Academy", "100001");
    assert!(store.pupils(id).unwrap().is_empty());
    let mut pupils: Vec<Pupil> = (0..5).map(pupil).collect();
    pupils[1].sex = None;
    pupils[1].form = None;
    pupils[1].ethnicity = None;
    pupils[1].leaving_date = Some(d("2025-07-18"));
    pupils[1].sen = Sen::E;
    pupils[1].year_group = YearGroup::Reception;
    assert_eq!(
        store.save_pupils(id, &pupils).unwrap(),
        PupilsSaved {
            added: 5,
            updated: 0,
            unchanged: 0
        }
    );
    let stored = store.pupils(id).unwrap();
    assert_eq!(by_upn(&stored), sorted(&pupils));

    pupils[2].surname = "Changed".into();
    pupils[3].looked_after = true;
    pupils.push(pupil(5));
    assert_eq!(
        store.save_pupils(id, &pupils).unwrap(),
        PupilsSaved {
            added: 1,
            updated: 2,
            unchanged: 3
        }
    );
    let again = store.pupils(id).unwrap();
    assert_eq!(again.len(), 6);
    // Ids are kept across updates.
    for s in &stored {
        let now = again.iter().find(|a| a.id == s.id).unwrap();
        assert_eq!(now.pupil.upn, s.pupil.upn);
    }
    assert_eq!(by_upn(&again), sorted(&pupils));
    assert_eq!(
        store.save_pupils(id, &pupils).unwrap(),
        PupilsSaved {
            added: 0,
            updated: 0,
            unchanged: 6
        }
    );
    assert!(matches!(
        store.save_pupils(SchoolId(id.0 + 1), &pupils),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn new_marks_then_amendments_keep_their_history() {
    let mut store = store();
    let id = school(&mut store, "Oak Academy", "100001");
    let p = add_pupils(&mut store, id, 0..2);
    let mut reported = Vec::new();
    store
        .apply_marks(
            id,
            &[
                new(p[0], "2024-09-04", Session::Am, "/"),
                new(p[0], "2024-09-04", Session::Pm, "\\"),
                new(p[1], "2024-09-04", Session::Am, "N"),
                MarkChange::New {
                    pupil: p[1],
                    date: d("2024-09-05"),
                    session: Session::Am,
                    entry: entry("L", Some(12)),
                    recorded: recorded("Ms Teacher", 86_400),
                },
            ],
            &mut |n| reported.push(n),
        )
        .unwrap();
    assert_eq!(reported, [4]);
    let marks = store.marks(id, DateRange::all()).unwrap();
    assert_eq!(marks.len(), 4);
    assert_eq!(marks[0].pupil, p[0]);
    assert_eq!(marks[0].session, Session::Am);
    assert_eq!(marks[0].entry, entry("/", None));
    assert_eq!(marks[0].recorded, recorded("Ms Teacher", 0));
    assert_eq!(marks[1].entry, entry("\\", None));
    assert_eq!(marks[3].entry, entry("L", Some(12)));
    assert_eq!(marks[3].recorded, recorded("Ms Teacher", 86_400));

    // `N` becomes `I`; then, expecting `/` for a stored `\`, the afternoon becomes `M`.
    store
        .apply_marks(
            id,
            &[
                amend(
                    p[1],
                    "2024-09-04",
                    Session::Am,
                    entry("N", None),
                    entry("I", None),
                ),
                amend(
                    p[0],
                    "2024-09-04",
                    Session::Pm,
                    entry("/", None),
                    entry("M", None),
                ),
            ],
            &mut no_progress(),
        )
        .unwrap();
    // The late mark is amended twice in one batch: the second sees the first.
    store
        .apply_marks(
            id,
            &[
                amend(
                    p[1],
                    "2024-09-05",
                    Session::Am,
                    entry("L", Some(12)),
                    entry("L", Some(5)),
                ),
                amend(
                    p[1],
                    "2024-09-05",
                    Session::Am,
                    entry("L", Some(5)),
                    entry("B2", None),
                ),
            ],
            &mut no_progress(),
        )
        .unwrap();

    let marks = store.marks(id, DateRange::all()).unwrap();
    let find = |pupil, date, session| {
        marks
            .iter()
            .find(|m| m.pupil == pupil && m.date == d(date) && m.session == session)
            .unwrap()
    };
    assert_eq!(
        find(p[1], "2024-09-04", Session::Am).entry,
        entry("I", None)
    );
    assert_eq!(
        find(p[1], "2024-09-04", Session::Am).recorded,
        recorded("Mr Office", 3600)
    );
    assert_eq!(
        find(p[0], "2024-09-04", Session::Pm).entry,
        entry("M", None)
    );
    assert_eq!(
        find(p[1], "2024-09-05", Session::Am).entry,
        entry("B2", None)
    );
    assert_eq!(
        find(p[1], "2024-09-05", Session::Am).entry.code.text(),
        "B2"
    );

    let all = store.amendments(id, None).unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].pupil, p[1]);
    assert_eq!(all[0].original, entry("N", None));
    assert_eq!(all[0].original_recorded, recorded("Ms Teacher", 0));
    assert_eq!(all[0].amended, entry("I", None));
    assert_eq!(all[0].reason, "Parent phoned");
    assert_eq!(all[0].recorded, recorded("Mr Office", 3600));
    // The original is what was stored, not what was expected.
    assert_eq!(all[1].original, entry("\\", None));
    assert_eq!(all[1].session, Session::Pm);
    assert_eq!(all[2].original, entry("L", Some(12)));
    assert_eq!(all[2].original_recorded, recorded("Ms Teacher", 86_400));
    assert_eq!(all[3].original, entry("L", Some(5)));
    assert_eq!(all[3].original_recorded, recorded("Mr Office", 3600));
    assert_eq!(all[3].amended, entry("B2", None));

    let first = store.amendments(id, Some(p[0])).unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0], all[1]);
    assert_eq!(store.amendments(id, Some(p[1])).unwrap().len(), 3);

    // Ranges are inclusive, and open ends are open.
    let day = |s| DateRange::between(d(s), d(s));
    assert_eq!(store.marks(id, day("2024-09-04")).unwrap().len(), 3);
    assert_eq!(store.mark_facts(id, day("2024-09-05")).unwrap().len(), 1);
    let from = DateRange {
        from: Some(d("2024-09-05")),
        to: None,
    };
    assert_eq!(store.marks(id, from).unwrap().len(), 1);
    let to = DateRange {
        from: None,
        to: Some(d("2024-09-04")),
    };
    assert_eq!(store.mark_facts(id, to).unwrap().len(), 3);
    let facts = store.mark_facts(id, DateRange::all()).unwrap();
    assert_eq!(facts.len(), 4);
    let everything = DateRange::between(Date::MIN, Date::MAX);
    assert_eq!(store.mark_facts(id, everything).unwrap(), facts);
    assert_eq!(store.marks(id, everything).unwrap().len(), 4);
    let backwards = DateRange::between(d("2024-09-05"), d("2024-09-04"));
    assert!(store.mark_facts(id, backwards).unwrap().is_empty());
    let late = facts
        .iter()
        .find(|f| f.pupil == p[1] && f.fact.date == d("2024-09-05"))
        .unwrap();
    assert_eq!(late.fact.code, BaseCode::B);
    assert_eq!(late.fact.session, Session::Am);
}

/// Everything the store holds for a school, to show that a failed write changed nothing.
fn snapshot(
    store: &mut PostgresStore,
    school: SchoolId,
) -> (
    Vec<rollcall_store::StoredMark>,
    Vec<rollcall_store::StoredAmendment>,
) {
    (
        store.marks(school, DateRange::all()).unwrap(),
        store.amendments(school, None).unwrap(),
    )
}

#[test]
fn conflicts_are_refused_and_change_nothing() {
    let mut store = store();
    let id = school(&mut store, "Oak Academy", "100001");
    let p = add_pupils(&mut store, id, 0..3);
    store
        .apply_marks(
            id,
            &[
                new(p[0], "2024-09-04", Session::Am, "/"),
                new(p[1], "2024-09-04", Session::Am, "N"),
            ],
            &mut no_progress(),
        )
        .unwrap();
    let before = snapshot(&mut store, id);
    let upn1 = upn(1).to_string();

    // A stale expected entry, after good changes of both kinds in the same batch.
    let err = store
        .apply_marks(
            id,
            &[
                new(p[2], "2024-09-04", Session::Am, "/"),
                amend(
                    p[0],
                    "2024-09-04",
                    Session::Am,
                    entry("/", None),
                    entry("L", Some(3)),
                ),
                new(p[2], "2024-09-04", Session::Pm, "\\"),
                amend(
                    p[1],
                    "2024-09-04",
                    Session::Am,
                    entry("O", None),
                    entry("I", None),
                ),
            ],
            &mut no_progress(),
        )
        .unwrap_err();
    let StoreError::Conflict(message) = err else {
        panic!("{err}")
    };
    assert!(message.contains(&upn1), "{message}");
    assert!(message.contains("2024-09-04"), "{message}");
    assert_eq!(snapshot(&mut store, id), before);

    // Amending a session without a mark.
    let err = store
        .apply_marks(
            id,
            &[amend(
                p[2],
                "2024-09-04",
                Session::Am,
                entry("/", None),
                entry("I", None),
            )],
            &mut no_progress(),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");

    // A new mark where there is one, at the end of a large batch: nothing of it is written.
    let mut batch: Vec<MarkChange> = (0..30)
        .flat_map(|day| {
            let date = (d("2024-09-09") + Days::new(day)).to_string();
            p.iter()
                .map(move |&pupil| new(pupil, &date, Session::Am, "/"))
                .collect::<Vec<_>>()
        })
        .collect();
    batch.push(new(p[1], "2024-09-04", Session::Am, "/"));
    let err = store
        .apply_marks(id, &batch, &mut no_progress())
        .unwrap_err();
    let StoreError::Conflict(message) = err else {
        panic!("{err}")
    };
    assert!(message.contains(&upn1), "{message}");
    assert!(message.contains("2024-09-04"), "{message}");
    assert!(message.contains("AM"), "{message}");
    assert_eq!(snapshot(&mut store, id), before);

    // The same session twice in one batch.
    let err = store
        .apply_marks(
            id,
            &[
                new(p[2], "2024-09-05", Session::Pm, "\\"),
                new(p[2], "2024-09-05", Session::Pm, "N"),
            ],
            &mut no_progress(),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    // ... also across an amendment, where the second new mark reaches the database.
    let err = store
        .apply_marks(
            id,
            &[
                new(p[2], "2024-09-05", Session::Pm, "\\"),
                amend(
                    p[2],
                    "2024-09-05",
                    Session::Pm,
                    entry("\\", None),
                    entry("L", Some(2)),
                ),
                new(p[0], "2024-09-05", Session::Pm, "\\"),
                new(p[2], "2024-09-05", Session::Pm, "N"),
            ],
            &mut no_progress(),
        )
        .unwrap_err();
    let StoreError::Conflict(message) = err else {
        panic!("{err}")
    };
    assert!(message.contains(&upn(2).to_string()), "{message}");
    assert!(message.contains("PM"), "{message}");
    assert_eq!(snapshot(&mut store, id), before);

    // The store still works after all that.
    store
        .apply_marks(
            id,
            &[amend(
                p[1],
                "2024-09-04",
                Session::Am,
                entry("N", None),
                entry("I", None),
            )],
            &mut no_progress(),
        )
        .unwrap();
    assert_eq!(store.amendments(id, None).unwrap().len(), 1);
}

/// Runs `work` on two connections to the same database at once; returns both results.
fn race<T: Send + 'static>(
    url: &str,
    work: impl Fn(&mut PostgresStore) -> Result<T, StoreError> + Send + Sync + 'static,
) -> Vec<Result<T, StoreError>> {
    let work = std::sync::Arc::new(work);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (url, work, barrier) = (url.to_owned(), work.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut store = PostgresStore::connect(&url).unwrap();
                barrier.wait();
                work(&mut store)
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

#[test]
fn concurrent_writers_of_one_session_conflict() {
    let url = rollcall_testkit::fresh_database_url();
    let mut store = PostgresStore::connect(&url).unwrap();
    store.migrate().unwrap();

    // Two imports of a new school make one school.
    let ids = race(&url, |s| {
        s.import_calendar(&details("Oak Academy", Some("100001")), &times(), &autumn())
    });
    assert_eq!(ids[0].as_ref().unwrap(), ids[1].as_ref().unwrap());
    assert_eq!(store.schools().unwrap().len(), 1);
    let id = *ids[0].as_ref().unwrap();
    let p = add_pupils(&mut store, id, 0..1)[0];

    // Two new marks for one session: one is written, the other is refused.
    let results = race(&url, move |s| {
        s.apply_marks(
            id,
            &[new(p, "2024-09-04", Session::Am, "N")],
            &mut no_progress(),
        )
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results
        .iter()
        .any(|r| matches!(r, Err(StoreError::Conflict(_)))));

    // Two amendments from the same original: the second finds it changed.
    let results = race(&url, move |s| {
        s.apply_marks(
            id,
            &[amend(
                p,
                "2024-09-04",
                Session::Am,
                entry("N", None),
                entry("I", None),
            )],
            &mut no_progress(),
        )
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results
        .iter()
        .any(|r| matches!(r, Err(StoreError::Conflict(_)))));
    assert_eq!(store.amendments(id, None).unwrap().len(), 1);
}

#[test]
fn schools_do_not_see_each_others_pupils_or_marks() {
    let mut store = store();
    let oak = school(&mut store, "Oak Academy", "100001");
    let elm = school(&mut store, "Elm Primary", "100002");
    let oak_pupils = add_pupils(&mut store, oak, 0..3);
    // The same UPNs may be on both schools' registers (a pupil who moved), and more.
    let elm_pupils = add_pupils(&mut store, elm, 1..6);
    assert_eq!(store.pupils(oak).unwrap().len(), 3);
    assert_eq!(store.pupils(elm).unwrap().len(), 5);

    let marks = |pupils: &[PupilId], code: &str| -> Vec<MarkChange> {
        pupils
            .iter()
            .map(|&p| new(p, "2024-09-04", Session::Am, code))
            .collect()
    };
    store
        .apply_marks(oak, &marks(&oak_pupils, "/"), &mut no_progress())
        .unwrap();
    store
        .apply_marks(elm, &marks(&elm_pupils, "N"), &mut no_progress())
        .unwrap();
    store
        .apply_marks(
            elm,
            &[amend(
                elm_pupils[0],
                "2024-09-04",
                Session::Am,
                entry("N", None),
                entry("I", None),
            )],
            &mut no_progress(),
        )
        .unwrap();

    let oak_marks = store.marks(oak, DateRange::all()).unwrap();
    assert_eq!(oak_marks.len(), 3);
    assert!(oak_marks.iter().all(|m| oak_pupils.contains(&m.pupil)));
    assert!(oak_marks.iter().all(|m| m.entry.code.text() == "/"));
    let elm_facts = store.mark_facts(elm, DateRange::all()).unwrap();
    assert_eq!(elm_facts.len(), 5);
    assert!(elm_facts.iter().all(|f| elm_pupils.contains(&f.pupil)));
    assert!(store.amendments(oak, None).unwrap().is_empty());
    assert!(store
        .amendments(oak, Some(elm_pupils[0]))
        .unwrap()
        .is_empty());
    assert_eq!(store.amendments(elm, None).unwrap().len(), 1);

    // A school cannot write marks for another school's pupil.
    let err = store
        .apply_marks(
            oak,
            &[new(elm_pupils[4], "2024-09-05", Session::Am, "/")],
            &mut no_progress(),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    assert_eq!(store.mark_facts(elm, DateRange::all()).unwrap().len(), 5);
    assert!(store
        .mark_facts(SchoolId(oak.0 + elm.0 + 1), DateRange::all())
        .unwrap()
        .is_empty());
}

#[test]
fn what_the_store_did_not_write_is_reported_as_corrupt() {
    let mut store = store();
    let id = school(&mut store, "Oak Academy", "100001");
    let p = add_pupils(&mut store, id, 0..1);
    store
        .apply_marks(
            id,
            &[new(p[0], "2024-09-04", Session::Am, "/")],
            &mut no_progress(),
        )
        .unwrap();
    store
        .client()
        .execute("UPDATE marks SET code = 'Ø'", &[])
        .unwrap();
    assert!(matches!(
        store.mark_facts(id, DateRange::all()),
        Err(StoreError::Corrupt(_))
    ));
    assert!(matches!(
        store.marks(id, DateRange::all()),
        Err(StoreError::Corrupt(_))
    ));
    store
        .client()
        .execute("UPDATE pupils SET year_group = 'Year Zero'", &[])
        .unwrap();
    assert!(matches!(store.pupils(id), Err(StoreError::Corrupt(_))));
}

fn key(change: &MarkChange) -> (PupilId, Date, Session) {
    match change {
        MarkChange::New {
            pupil,
            date,
            session,
            ..
        }
        | MarkChange::Amend {
            pupil,
            date,
            session,
            ..
        } => (*pupil, *date, *session),
    }
}

/// `pupils` × `days` × 2 sessions of new marks, with some variety of codes.
fn year_of_marks(pupils: &[PupilId], days: u64) -> Vec<MarkChange> {
    let codes = ["/", "L", "I", "N", "M", "B2", "U", "C"];
    let start = d("2024-09-02");
    let mut changes = Vec::new();
    for day in 0..days {
        let date = start + Days::new(day);
        for (i, &pupil) in pupils.iter().enumerate() {
            for session in Session::BOTH {
                let n = i + day as usize * 7 + session.index();
                let code = match (codes[n % codes.len()], session) {
                    ("/", Session::Pm) => "\\",
                    (c, _) => c,
                };
                let minutes_late = matches!(code, "L" | "U").then_some((n % 40) as u32);
                changes.push(MarkChange::New {
                    pupil,
                    date,
                    session,
                    entry: entry(code, minutes_late),
                    recorded: recorded("Register import", day as i64),
                });
            }
        }
    }
    changes
}

fn bulk(pupil_count: u64, days: u64, amend_count: usize) {
    let mut store = store();
    let id = school(&mut store, "Oak Academy", "100001");
    let started = Instant::now();
    let pupils = add_pupils(&mut store, id, 0..pupil_count);
    eprintln!("{pupil_count} pupils: {:?}", started.elapsed());
    let changes = year_of_marks(&pupils, days);
    let mut reported = Vec::new();
    let started = Instant::now();
    store
        .apply_marks(id, &changes, &mut |n| reported.push(n))
        .unwrap();
    let written = started.elapsed();
    let started = Instant::now();
    let facts = store.mark_facts(id, DateRange::all()).unwrap();
    let read = started.elapsed();
    let started = Instant::now();
    let marks = store.marks(id, DateRange::all()).unwrap();
    let read_all = started.elapsed();
    eprintln!(
        "{} marks: apply_marks {written:?}, mark_facts {read:?}, marks {read_all:?}",
        changes.len()
    );
    assert_eq!(facts.len(), changes.len());
    assert_eq!(marks.len(), changes.len());
    assert_eq!(reported.last(), Some(&changes.len()));
    assert!(reported.windows(2).all(|w| w[0] < w[1]));
    assert!(reported.len() >= changes.len() / 10_000);
    // Every mark reads back as written.
    let mut expected: Vec<_> = changes
        .iter()
        .map(|c| match c {
            MarkChange::New {
                pupil,
                date,
                session,
                entry,
                recorded,
            } => (*pupil, *date, *session, entry.clone(), recorded.clone()),
            MarkChange::Amend { .. } => unreachable!(),
        })
        .collect();
    expected.sort_by_key(|(p, d, s, _, _)| (*p, *d, *s));
    for (m, (pupil, date, session, entry, recorded)) in marks.iter().zip(&expected) {
        assert_eq!((m.pupil, m.date, m.session), (*pupil, *date, *session));
        assert_eq!(&m.entry, entry);
        assert_eq!(&m.recorded, recorded);
    }
    for (f, (pupil, date, session, entry, _)) in facts.iter().zip(&expected) {
        assert_eq!(
            (f.pupil, f.fact.date, f.fact.session, f.fact.code),
            (*pupil, *date, *session, entry.code.base())
        );
    }
    // Amendments in bulk.
    let amendments: Vec<MarkChange> = changes
        .iter()
        .step_by(changes.len() / amend_count)
        .map(|c| match c {
            MarkChange::New {
                pupil,
                date,
                session,
                entry: original,
                ..
            } => MarkChange::Amend {
                pupil: *pupil,
                date: *date,
                session: *session,
                expected: original.clone(),
                entry: entry("I", None),
                reason: "Illness reported late".into(),
                recorded: recorded("Mr Office", 0),
            },
            MarkChange::Amend { .. } => unreachable!(),
        })
        .collect();
    let started = Instant::now();
    store
        .apply_marks(id, &amendments, &mut no_progress())
        .unwrap();
    eprintln!("{} amendments: {:?}", amendments.len(), started.elapsed());
    // Oldest first is the order of the batch.
    let stored = store.amendments(id, None).unwrap();
    assert_eq!(stored.len(), amendments.len());
    for (a, change) in stored.iter().zip(&amendments) {
        assert_eq!((a.pupil, a.date, a.session), key(change));
        assert_eq!(a.amended, entry("I", None));
        assert_eq!(a.original_recorded.by, "Register import");
    }

    // A second batch over the same sessions conflicts as a whole, wherever the conflict is.
    for again in [&changes[..], &changes[changes.len() - 100..]] {
        let err = store
            .apply_marks(id, again, &mut no_progress())
            .unwrap_err();
        let StoreError::Conflict(message) = err else {
            panic!("{err}")
        };
        assert!(message.contains("already has a mark"), "{message}");
    }
    assert_eq!(
        store.mark_facts(id, DateRange::all()).unwrap().len(),
        changes.len()
    );
}

#[test]
fn bulk_insert_of_50_thousand_marks() {
    // 500 pupils, 50 days, two sessions.
    bulk(500, 50, 1_000);
}

#[test]
fn a_register_reads_only_its_form_and_session() {
    let mut store = store();
    let a = school(&mut store, "A", "100001");
    let b = school(&mut store, "B", "100002");
    let ids = add_pupils(&mut store, a, 0..3);
    add_pupils(&mut store, b, 10..12);
    store
        .apply_marks(
            a,
            &[new(ids[0], "2024-09-04", Session::Pm, "I")],
            &mut no_progress(),
        )
        .unwrap();
    let mut form: Vec<_> = store
        .form_pupils(a, "7A")
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    form.sort_unstable();
    assert_eq!(form, ids);
    assert!(store.form_pupils(a, "7B").unwrap().is_empty());
    let marks = store
        .session_marks(a, &ids, d("2024-09-04"), Session::Pm)
        .unwrap();
    assert_eq!(marks.len(), 1);
    assert_eq!((marks[0].pupil, marks[0].entry.code.text()), (ids[0], "I"));
    assert!(store
        .session_marks(a, &ids, d("2024-09-04"), Session::Am)
        .unwrap()
        .is_empty());
    assert!(
        store
            .session_marks(b, &ids, d("2024-09-04"), Session::Pm)
            .unwrap()
            .is_empty(),
        "another school's read sees nothing"
    );
}

/// Registers submitted together are written in one transaction, but each stands or falls alone.
#[test]
fn groups_of_changes_stand_or_fall_alone() {
    let mut store = store();
    let id = school(&mut store, "Oak Academy", "100001");
    let p = add_pupils(&mut store, id, 0..3);
    store
        .apply_marks(
            id,
            &[new(p[0], "2024-09-04", Session::Am, "/")],
            &mut no_progress(),
        )
        .unwrap();
    let first = [new(p[1], "2024-09-04", Session::Am, "/")];
    // A new mark, then a second mark for a session that already has one: refused as a whole.
    let refused = [
        new(p[2], "2024-09-04", Session::Am, "/"),
        new(p[0], "2024-09-04", Session::Am, "N"),
    ];
    let third = [new(p[2], "2024-09-04", Session::Pm, "\\")];
    let stray = [new(PupilId(p[2].0 + 1000), "2024-09-05", Session::Am, "/")];
    let group = |changes| MarkGroup {
        school: id,
        changes,
    };
    let outcomes = store
        .apply_mark_groups(&[group(&first), group(&refused), group(&third), group(&stray)])
        .unwrap();
    assert!(outcomes[0].is_ok());
    assert!(
        matches!(outcomes[1], Err(StoreError::Conflict(_))),
        "{:?}",
        outcomes[1]
    );
    assert!(outcomes[2].is_ok());
    assert!(outcomes[3].is_err());
    let written: Vec<_> = store
        .marks(id, DateRange::all())
        .unwrap()
        .into_iter()
        .map(|m| (m.pupil, m.session, m.entry.code.text().to_owned()))
        .collect();
    assert_eq!(
        written,
        [
            (p[0], Session::Am, "/".to_owned()),
            (p[1], Session::Am, "/".to_owned()),
            (p[2], Session::Pm, "\\".to_owned()),
        ]
    );
    // One pupil's marks, the same as in the school's.
    let all = store.marks(id, DateRange::all()).unwrap();
    assert_eq!(
        store.pupil_marks(id, p[2], DateRange::all()).unwrap(),
        all[2..3]
    );
}
