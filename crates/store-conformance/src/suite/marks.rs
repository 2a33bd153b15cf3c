//! Marks and amendments: writing them, reading them back, and refusing what conflicts.

use std::time::Instant;

use chrono::Days;
use rollcall_core::{BaseCode, Date, Session};
use rollcall_store::{DateRange, MarkChange, MarkGroup, PupilId, StoreError};

use super::race;
use crate::fixtures::*;
use crate::TestDb;

pub fn new_marks_then_amendments_keep_their_history(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let id = school(store, "Oak Academy", "100001");
    let p = add_pupils(store, id, 0..2);
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
    assert_eq!(store.pupil_marks(id, p[1], to).unwrap().len(), 1);
    let facts = store.mark_facts(id, DateRange::all()).unwrap();
    assert_eq!(facts.len(), 4);
    // The widest range a date can name reads everything, however the database keeps dates.
    let everything = DateRange::between(Date::MIN, Date::MAX);
    assert_eq!(store.mark_facts(id, everything).unwrap(), facts);
    assert_eq!(store.marks(id, everything).unwrap(), marks);
    assert_eq!(store.pupil_marks(id, p[1], everything).unwrap().len(), 2);
    let open_below = DateRange {
        from: Some(Date::MIN),
        to: Some(d("2024-09-04")),
    };
    assert_eq!(store.marks(id, open_below).unwrap().len(), 3);
    let backwards = DateRange::between(d("2024-09-05"), d("2024-09-04"));
    assert!(store.mark_facts(id, backwards).unwrap().is_empty());
    assert!(store.marks(id, backwards).unwrap().is_empty());
    let late = facts
        .iter()
        .find(|f| f.pupil == p[1] && f.fact.date == d("2024-09-05"))
        .unwrap();
    assert_eq!(late.fact.code, BaseCode::B);
    assert_eq!(late.fact.session, Session::Am);
    // One pupil's marks are the school's marks of that pupil, by date and session.
    let own: Vec<_> = marks.iter().filter(|m| m.pupil == p[1]).cloned().collect();
    assert_eq!(store.pupil_marks(id, p[1], DateRange::all()).unwrap(), own);
}

pub fn conflicts_are_refused_and_change_nothing(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let id = school(store, "Oak Academy", "100001");
    let p = add_pupils(store, id, 0..3);
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
    let before = snapshot(store, id);
    let facts = store.mark_facts(id, DateRange::all()).unwrap();
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
    assert_eq!(
        err.to_string(),
        format!(
            "conflict: the mark of pupil {upn1} for the AM session of 2024-09-04 is now 'N', \
             not 'O': someone else changed it"
        )
    );
    assert_eq!(snapshot(store, id), before);
    assert_eq!(store.mark_facts(id, DateRange::all()).unwrap(), facts);

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
    assert_eq!(
        err.to_string(),
        format!("conflict: pupil {upn1} already has a mark for the AM session of 2024-09-04")
    );
    assert_eq!(snapshot(store, id), before);
    assert_eq!(store.mark_facts(id, DateRange::all()).unwrap(), facts);

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
    assert_eq!(
        err.to_string(),
        format!(
            "conflict: pupil {} already has a mark for the PM session of 2024-09-05",
            upn(2)
        )
    );
    assert_eq!(snapshot(store, id), before);
    assert_eq!(store.mark_facts(id, DateRange::all()).unwrap(), facts);

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

/// A batch with more than one thing wrong is refused for the first, in the same order by every
/// backend: first a pupil not on the register anywhere in the batch, then the first change in
/// order that its session refuses.
pub fn the_first_failing_change_of_a_batch_is_the_one_reported(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..3);
    let other = add_pupils(store, elm, 10..11)[0];
    store
        .apply_marks(
            oak,
            &[
                new(p[0], "2024-09-04", Session::Am, "/"),
                new(p[1], "2024-09-04", Session::Am, "N"),
            ],
            &mut no_progress(),
        )
        .unwrap();
    let before = snapshot(store, oak);
    let refused = |store: &mut dyn rollcall_store::Store, changes: &[MarkChange]| {
        store
            .apply_marks(oak, changes, &mut no_progress())
            .unwrap_err()
            .to_string()
    };
    let already = |n: u64, session: &str, date: &str| {
        format!(
            "conflict: pupil {} already has a mark for the {session} session of {date}",
            upn(n)
        )
    };

    // A pupil of another school is found before any conflict, wherever it stands.
    assert_eq!(
        refused(
            store,
            &[
                new(p[0], "2024-09-04", Session::Am, "/"),
                new(p[2], "2024-09-05", Session::Am, "/"),
                new(other, "2024-09-04", Session::Am, "/"),
            ]
        ),
        format!("not found: pupil {other} is not on the admission register of school {oak}")
    );
    // A session marked in the database comes before a session marked twice later in the batch.
    assert_eq!(
        refused(
            store,
            &[
                new(p[2], "2024-09-05", Session::Am, "/"),
                new(p[0], "2024-09-04", Session::Am, "/"),
                new(p[2], "2024-09-06", Session::Am, "/"),
                new(p[2], "2024-09-06", Session::Am, "N"),
            ]
        ),
        already(0, "AM", "2024-09-04")
    );
    // ... and a session marked twice in the batch before one marked in the database after it.
    assert_eq!(
        refused(
            store,
            &[
                new(p[2], "2024-09-06", Session::Pm, "\\"),
                new(p[2], "2024-09-06", Session::Pm, "N"),
                new(p[1], "2024-09-04", Session::Am, "/"),
            ]
        ),
        already(2, "PM", "2024-09-06")
    );
    // A stale amendment before a new mark for a marked session, and the other way round.
    let stale = amend(
        p[1],
        "2024-09-04",
        Session::Am,
        entry("O", None),
        entry("I", None),
    );
    let stale_message = format!(
        "conflict: the mark of pupil {} for the AM session of 2024-09-04 is now 'N', not 'O': \
         someone else changed it",
        upn(1)
    );
    assert_eq!(
        refused(
            store,
            &[stale.clone(), new(p[0], "2024-09-04", Session::Am, "/")]
        ),
        stale_message
    );
    assert_eq!(
        refused(
            store,
            &[new(p[0], "2024-09-04", Session::Am, "/"), stale.clone()]
        ),
        already(0, "AM", "2024-09-04")
    );
    // An amendment of a session amended earlier in the batch sees that amendment.
    assert_eq!(
        refused(
            store,
            &[
                amend(
                    p[0],
                    "2024-09-04",
                    Session::Am,
                    entry("/", None),
                    entry("L", Some(4)),
                ),
                amend(
                    p[0],
                    "2024-09-04",
                    Session::Am,
                    entry("/", None),
                    entry("I", None),
                ),
            ]
        ),
        format!(
            "conflict: the mark of pupil {} for the AM session of 2024-09-04 is now \
             'L' (4 minutes late), not '/': someone else changed it",
            upn(0)
        )
    );
    // An amendment of a session a new mark of the batch wrote sees it.
    store
        .apply_marks(
            oak,
            &[
                new(p[2], "2024-09-09", Session::Am, "N"),
                amend(
                    p[2],
                    "2024-09-09",
                    Session::Am,
                    entry("N", None),
                    entry("M", None),
                ),
            ],
            &mut no_progress(),
        )
        .unwrap();
    let (marks, amendments, _) = snapshot(store, oak);
    assert_eq!(marks.len(), before.0.len() + 1);
    assert_eq!(amendments.len(), 1);
    assert_eq!(amendments[0].original, entry("N", None));
}

/// Registers submitted together are written in one transaction, but each stands or falls alone.
pub fn groups_of_changes_stand_or_fall_alone(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let id = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, id, 0..3);
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
    assert_eq!(outcomes.len(), 4);
    assert!(outcomes[0].is_ok());
    assert!(
        matches!(outcomes[1], Err(StoreError::Conflict(_))),
        "{:?}",
        outcomes[1]
    );
    assert!(outcomes[2].is_ok());
    assert!(
        matches!(outcomes[3], Err(StoreError::NotFound(_))),
        "{:?}",
        outcomes[3]
    );
    let written: Vec<_> = store
        .marks(id, DateRange::all())
        .unwrap()
        .into_iter()
        .map(|m| (m.pupil, m.date, m.session, m.entry.code.text().to_owned()))
        .collect();
    let when = d("2024-09-04");
    assert_eq!(
        written,
        [
            (p[0], when, Session::Am, "/".to_owned()),
            (p[1], when, Session::Am, "/".to_owned()),
            (p[2], when, Session::Pm, "\\".to_owned()),
        ]
    );
    assert_eq!(store.mark_facts(id, DateRange::all()).unwrap().len(), 3);
    // One pupil's marks, the same as in the school's; none through another school.
    let all = store.marks(id, DateRange::all()).unwrap();
    assert_eq!(
        store.pupil_marks(id, p[2], DateRange::all()).unwrap(),
        all[2..3]
    );
    assert_eq!(
        store
            .pupil_marks(id, p[0], DateRange::between(when, when))
            .unwrap(),
        all[0..1]
    );
    assert!(store
        .pupil_marks(
            id,
            p[0],
            DateRange::between(d("2024-09-05"), d("2024-09-30"))
        )
        .unwrap()
        .is_empty());
    assert!(store
        .pupil_marks(elm, p[0], DateRange::all())
        .unwrap()
        .is_empty());
    // No groups, nothing to do.
    assert!(store.apply_mark_groups(&[]).unwrap().is_empty());
}

pub fn bulk_marks_read_back_and_conflict_as_a_whole(db: &dyn TestDb) {
    // 500 pupils, 50 days, two sessions: past the progress interval several times.
    bulk(db, 500, 50, 1_000);
}

/// Writes `pupil_count` × `days` × 2 new marks in one batch and `amend_count` amendments in
/// another, checks that all read back as written and that writing them again conflicts as a
/// whole, and says how long each step took.
pub fn bulk(db: &dyn TestDb, pupil_count: u64, days: u64, amend_count: usize) {
    let store = &mut *db.connect();
    let id = school(store, "Oak Academy", "100001");
    let started = Instant::now();
    let pupils = add_pupils(store, id, 0..pupil_count);
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
    // Progress rises to the whole count, at least once each 10,000.
    assert_eq!(reported.last(), Some(&changes.len()));
    assert!(reported.windows(2).all(|w| w[0] < w[1]), "{reported:?}");
    assert!(reported.len() >= changes.len() / 10_000);
    // Every mark reads back as written.
    let mut expected: Vec<_> = changes
        .iter()
        .map(|c| (c.key(), c.entry().clone(), c.recorded().clone()))
        .collect();
    expected.sort_by_key(|(key, _, _)| *key);
    for (m, (key, entry, recorded)) in marks.iter().zip(&expected) {
        assert_eq!((m.pupil, m.date, m.session), *key);
        assert_eq!(&m.entry, entry);
        assert_eq!(&m.recorded, recorded);
    }
    for (f, ((pupil, date, session), entry, _)) in facts.iter().zip(&expected) {
        assert_eq!(
            (f.pupil, f.fact.date, f.fact.session, f.fact.code),
            (*pupil, *date, *session, entry.code.base())
        );
    }
    // Amendments in bulk.
    let amendments: Vec<MarkChange> = changes
        .iter()
        .step_by(changes.len() / amend_count)
        .map(|c| {
            let (pupil, date, session) = c.key();
            MarkChange::Amend {
                pupil,
                date,
                session,
                expected: c.entry().clone(),
                entry: entry("I", None),
                reason: "Illness reported late".into(),
                recorded: recorded("Mr Office", 0),
            }
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
        assert_eq!((a.pupil, a.date, a.session), change.key());
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

pub fn concurrent_writers_of_one_session_conflict(db: &dyn TestDb) {
    let store = &mut *db.connect();

    // Two imports of a new school make one school.
    let ids = race(db, |s| {
        s.import_calendar(&details("Oak Academy", Some("100001")), &times(), &autumn())
    });
    assert_eq!(ids[0].as_ref().unwrap(), ids[1].as_ref().unwrap());
    assert_eq!(store.schools().unwrap().len(), 1);
    let id = *ids[0].as_ref().unwrap();
    let p = add_pupils(store, id, 0..1)[0];

    // Two new marks for one session: one is written, the other is refused.
    let results = race(db, |s| {
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
    let results = race(db, |s| {
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
    assert_eq!(store.mark_facts(id, DateRange::all()).unwrap().len(), 1);
}
