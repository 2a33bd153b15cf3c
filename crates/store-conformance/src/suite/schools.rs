//! Schools, their calendars and admission registers, what one school sees of another, unknown
//! schools, policies and read snapshots.

use rollcall_core::{
    Calendar, Closure, Pupil, RegisterTimes, Role, Sen, Session, SessionSet, YearGroup,
};
use rollcall_store::{DateRange, MarkGroup, PupilId, PupilsSaved, SchoolDetails, StoreError};

use crate::fixtures::*;
use crate::TestDb;

pub fn migrating_again_is_harmless(db: &dyn TestDb) {
    let store = &mut *db.connect();
    store.migrate().unwrap();
    store.migrate().unwrap();
    assert!(!store.backend().is_empty());
    assert!(store.schools().unwrap().is_empty());
    let id = school(store, "Oak Academy", "100001");
    let p = add_pupils(store, id, 0..2);
    store
        .apply_marks(
            id,
            &[new(p[0], "2024-09-04", Session::Am, "/")],
            &mut no_progress(),
        )
        .unwrap();
    store.migrate().unwrap();
    assert_eq!(store.pupils(id).unwrap().len(), 2);
    assert_eq!(store.marks(id, DateRange::all()).unwrap().len(), 1);
    // A second connection migrates what is current already.
    let again = &mut *db.connect();
    again.migrate().unwrap();
    assert_eq!(again.pupils(id).unwrap().len(), 2);
}

pub fn import_calendar_creates_then_updates_a_school_and_merges_calendars(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let id = school(store, "Oak Academy", "100001");
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
    // A school the database does not hold has an empty calendar.
    let unknown = unknown_school(store);
    assert_eq!(store.calendar(unknown).unwrap(), Calendar::default());
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

pub fn save_pupils_counts_added_updated_and_unchanged(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let id = school(store, "Oak Academy", "100001");
    assert!(store.pupils(id).unwrap().is_empty());
    // Saved out of UPN order, and with every optional column empty on one of them.
    let mut pupils: Vec<Pupil> = (0..5).rev().map(pupil).collect();
    pupils[1].sex = None;
    pupils[1].form = None;
    pupils[1].ethnicity = None;
    pupils[1].leaving_date = Some(d("2025-07-18"));
    pupils[1].sen = Sen::E;
    pupils[1].year_group = YearGroup::Reception;
    pupils[1].deletion_ground = Some("Moved away".into());
    pupils[2].young_carer = true;
    pupils[2].social_worker = true;
    pupils[2].sen = Sen::K;
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
    // Nothing to save is nothing to do.
    assert_eq!(store.save_pupils(id, &[]).unwrap(), PupilsSaved::default());
}

pub fn a_register_reads_only_its_form_and_session(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let a = school(store, "A", "100001");
    let b = school(store, "B", "100002");
    let mut ids = add_pupils(store, a, 0..3);
    let mut formless = pupil(3);
    formless.form = None;
    store.save_pupils(a, &[formless]).unwrap();
    add_pupils(store, b, 10..12);
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
    ids.sort_unstable();
    assert_eq!(form, ids, "the pupil without a form is in none");
    assert!(store.form_pupils(a, "7B").unwrap().is_empty());
    let marks = store
        .session_marks(a, &ids, d("2024-09-04"), Session::Pm)
        .unwrap();
    assert_eq!(marks.len(), 1);
    assert_eq!((marks[0].pupil, marks[0].entry.code.text()), (ids[0], "I"));
    assert_eq!(marks[0].recorded, recorded("Ms Teacher", 0));
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
    let unknown = unknown_school(store);
    assert!(store
        .session_marks(unknown, &ids, d("2024-09-04"), Session::Pm)
        .unwrap()
        .is_empty());
}

pub fn schools_do_not_see_each_others_pupils_or_marks(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let oak_pupils = add_pupils(store, oak, 0..3);
    // The same UPNs may be on both schools' registers (a pupil who moved), and more.
    let elm_pupils = add_pupils(store, elm, 1..6);
    assert_eq!(store.pupils(oak).unwrap().len(), 3);
    assert_eq!(store.pupils(elm).unwrap().len(), 5);

    let marks = |pupils: &[PupilId], code: &str| -> Vec<rollcall_store::MarkChange> {
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
    assert!(store
        .pupil_marks(oak, elm_pupils[0], DateRange::all())
        .unwrap()
        .is_empty());

    // A school cannot write marks for another school's pupil, alone or in a group.
    let err = store
        .apply_marks(
            oak,
            &[new(elm_pupils[4], "2024-09-05", Session::Am, "/")],
            &mut no_progress(),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    let stray = [new(elm_pupils[4], "2024-09-05", Session::Am, "/")];
    let outcomes = store
        .apply_mark_groups(&[MarkGroup {
            school: oak,
            changes: &stray,
        }])
        .unwrap();
    assert!(matches!(outcomes[..], [Err(StoreError::NotFound(_))]));
    assert_eq!(store.mark_facts(elm, DateRange::all()).unwrap().len(), 5);
    assert_eq!(store.marks(oak, DateRange::all()).unwrap(), oak_marks);
}

/// Every method that names a school, given one the database does not hold: reads are empty, a
/// write that adds nothing succeeds, a write that must attach a row to the school is NotFound.
pub fn an_unknown_school_reads_as_empty_and_refuses_writes(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let p = add_pupils(store, oak, 0..1);
    store
        .apply_marks(
            oak,
            &[new(p[0], "2024-09-04", Session::Am, "N")],
            &mut no_progress(),
        )
        .unwrap();
    store
        .save_contacts(oak, &[(p[0], vec![contact(1, "Mary Mother")])])
        .unwrap();
    store
        .record_absence(oak, &report(p[0], "2024-09-05", "2024-09-05", "I"), &[])
        .unwrap();
    store
        .save_user(&draft("trust-officer", Role::AttendanceOfficer, None))
        .unwrap();
    store
        .save_user(&draft("oak-head", Role::Headteacher, Some(oak)))
        .unwrap();
    let before = snapshot(store, oak);
    let x = unknown_school(store);
    let not_found = |r: Result<(), StoreError>| matches!(r, Err(StoreError::NotFound(_)));

    // Reads.
    assert_eq!(store.calendar(x).unwrap(), Calendar::default());
    assert!(store.pupils(x).unwrap().is_empty());
    assert!(store.form_pupils(x, "7A").unwrap().is_empty());
    assert!(store
        .session_marks(x, &p, d("2024-09-04"), Session::Am)
        .unwrap()
        .is_empty());
    assert!(store.marks(x, DateRange::all()).unwrap().is_empty());
    assert!(store
        .pupil_marks(x, p[0], DateRange::all())
        .unwrap()
        .is_empty());
    assert!(store.mark_facts(x, DateRange::all()).unwrap().is_empty());
    assert!(store.amendments(x, None).unwrap().is_empty());
    assert!(store.amendments(x, Some(p[0])).unwrap().is_empty());
    assert!(store.contacts(x, p[0]).unwrap().is_empty());
    assert!(store
        .absence_reports(x, DateRange::all())
        .unwrap()
        .is_empty());
    assert!(store.policies(Some(x)).unwrap().is_empty());
    let users: Vec<_> = store
        .users(Some(x))
        .unwrap()
        .into_iter()
        .map(|u| u.user.username)
        .collect();
    assert_eq!(users, ["trust-officer"], "only the trust-wide users");

    // Writes that add nothing.
    assert_eq!(store.save_pupils(x, &[]).unwrap(), PupilsSaved::default());
    let mut reported = Vec::new();
    store
        .apply_marks(x, &[], &mut |n| reported.push(n))
        .unwrap();
    assert!(reported.is_empty(), "{reported:?}");
    store.save_contacts(x, &[]).unwrap();
    assert!(matches!(
        store
            .apply_mark_groups(&[MarkGroup {
                school: x,
                changes: &[]
            }])
            .unwrap()[..],
        [Ok(())]
    ));

    // Writes that attach rows to it.
    assert!(not_found(store.save_pupils(x, &[pupil(9)]).map(drop)));
    assert!(not_found(store.apply_marks(
        x,
        &[new(p[0], "2024-09-06", Session::Am, "/")],
        &mut no_progress()
    )));
    let stray = [new(p[0], "2024-09-06", Session::Am, "/")];
    let outcomes = store
        .apply_mark_groups(&[MarkGroup {
            school: x,
            changes: &stray,
        }])
        .unwrap();
    assert!(matches!(outcomes[..], [Err(StoreError::NotFound(_))]));
    assert!(not_found(
        store.save_contacts(x, &[(p[0], vec![contact(1, "Elsewhere")])])
    ));
    assert!(not_found(
        store
            .record_absence(x, &report(p[0], "2024-09-09", "2024-09-09", "I"), &[])
            .map(drop)
    ));
    assert!(not_found(
        store
            .save_policy(Some(x), "[thresholds]\n", &recorded("Admin", 0))
            .map(drop)
    ));
    assert!(not_found(
        store
            .save_user(&draft("ghost", Role::Office, Some(x)))
            .map(drop)
    ));

    // Nothing of the school that exists changed, and nothing was made for the other.
    assert_eq!(snapshot(store, oak), before);
    assert_eq!(store.contacts(oak, p[0]).unwrap().len(), 1);
    assert_eq!(store.schools().unwrap().len(), 1);
    assert!(store.pupils(x).unwrap().is_empty());
    assert!(store.user_by_name("ghost").unwrap().is_none());
}

pub fn policies_are_versioned_per_school_and_for_the_defaults(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    assert!(store.policies(None).unwrap().is_empty());
    assert!(store.policies(Some(oak)).unwrap().is_empty());

    let defaults = store
        .save_policy(None, "# the trust's\n", &recorded("Trust admin", 0))
        .unwrap();
    let oak_first = store
        .save_policy(Some(oak), "# Oak's first\n", &recorded("Oak admin", 60))
        .unwrap();
    let elm_first = store
        .save_policy(Some(elm), "# Elm's\n", &recorded("Elm admin", 90))
        .unwrap();
    let oak_second = store
        .save_policy(Some(oak), "# Oak's second\n", &recorded("Oak admin", 120))
        .unwrap();
    // One sequence across the database: a later save always has a higher number.
    assert!(defaults < oak_first && oak_first < elm_first && elm_first < oak_second);

    let oak_policies = store.policies(Some(oak)).unwrap();
    let versions: Vec<_> = oak_policies.iter().map(|p| p.version).collect();
    assert_eq!(versions, [oak_first, oak_second], "oldest first");
    assert!(oak_policies.iter().all(|p| p.school == Some(oak)));
    assert_eq!(oak_policies[1].text, "# Oak's second\n");
    assert_eq!(oak_policies[1].recorded, recorded("Oak admin", 120));
    let trust = store.policies(None).unwrap();
    assert_eq!(trust.len(), 1, "the defaults are not any school's");
    assert_eq!(
        (trust[0].version, trust[0].school, trust[0].text.as_str()),
        (defaults, None, "# the trust's\n")
    );
    assert_eq!(trust[0].recorded, recorded("Trust admin", 0));
    assert_eq!(store.policies(Some(elm)).unwrap().len(), 1);
}

/// Reads inside a snapshot see what was written before it; once it ends, the connection writes
/// again. Beginning or ending one twice is harmless.
pub fn a_read_snapshot_ends_and_leaves_the_store_writable(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let p = add_pupils(store, oak, 0..2);
    store
        .apply_marks(
            oak,
            &[new(p[0], "2024-09-04", Session::Am, "/")],
            &mut no_progress(),
        )
        .unwrap();
    let calendar = store.calendar(oak).unwrap();
    let marks = store.marks(oak, DateRange::all()).unwrap();

    store.begin_read().unwrap();
    store.begin_read().unwrap();
    assert_eq!(store.calendar(oak).unwrap(), calendar);
    assert_eq!(store.pupils(oak).unwrap().len(), 2);
    assert_eq!(store.form_pupils(oak, "7A").unwrap().len(), 2);
    assert_eq!(store.marks(oak, DateRange::all()).unwrap(), marks);
    assert_eq!(
        store
            .session_marks(oak, &p, d("2024-09-04"), Session::Am)
            .unwrap(),
        marks
    );
    store.end_read().unwrap();
    store.end_read().unwrap();

    store
        .apply_marks(
            oak,
            &[new(p[1], "2024-09-04", Session::Am, "N")],
            &mut no_progress(),
        )
        .unwrap();
    store.save_pupils(oak, &[pupil(7)]).unwrap();
    assert_eq!(store.marks(oak, DateRange::all()).unwrap().len(), 2);
    assert_eq!(store.pupils(oak).unwrap().len(), 3);
}
