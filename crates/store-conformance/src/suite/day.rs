//! The school day: pupils signed out and back in with the marks of the sessions they missed,
//! missing-pupil alerts and their steps, and traveller records.

use rollcall_core::Session;
use rollcall_store::{
    Collector, DateRange, MissingEntry, MissingReport, MissingStep, PupilId, SearchArea, SignIn,
    SignOut, SignOutReason, StoreError, StoredSignOut, StoredTravel, TravelRecord,
};

use super::race;
use crate::fixtures::*;
use crate::TestDb;

/// A pupil collected by their mother for an appointment on 4 September 2024 at `out`.
fn sign_out_at(pupil: PupilId, date: &str, out: &str) -> SignOut {
    SignOut {
        pupil,
        date: d(date),
        out_at: t(out),
        reason: SignOutReason::Appointment,
        detail: "Dentist".into(),
        collector: Collector {
            contact: Some("MaryMother".into()),
            name: "Mary Mother".into(),
            relationship: "Mother".into(),
            permitted: true,
        },
        back_today: true,
        recorded: recorded("Office", 10),
    }
}

fn back_at(time: &str, seconds: i64) -> SignIn {
    SignIn {
        back_at: t(time),
        recorded: recorded("Office", seconds),
    }
}

pub fn a_sign_out_and_its_sign_in_are_written_with_their_marks(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let other = add_pupils(store, elm, 10..11)[0];
    store
        .apply_marks(
            oak,
            &[new(p[0], "2024-09-04", Session::Am, "/")],
            &mut no_progress(),
        )
        .unwrap();

    // Out at 10:30 for the dentist, with nothing to mark yet.
    let out = sign_out_at(p[0], "2024-09-04", "10:30");
    let id = store.sign_out(oak, &out, &[]).unwrap();
    let day = DateRange::between(d("2024-09-04"), d("2024-09-04"));
    assert_eq!(
        store.sign_outs(oak, day, None).unwrap(),
        [StoredSignOut {
            id,
            out: out.clone(),
            back: None
        }]
    );
    assert!(store.sign_outs(oak, day, None).unwrap()[0].is_out());

    // Out already: a second sign-out that day is refused, and its marks are not written.
    let again = store
        .sign_out(
            oak,
            &sign_out_at(p[0], "2024-09-04", "11:00"),
            &[new(p[0], "2024-09-04", Session::Pm, "M")],
        )
        .unwrap_err();
    assert!(matches!(again, StoreError::Conflict(_)), "{again}");
    assert_eq!(store.marks(oak, day).unwrap().len(), 1);

    // Back after the afternoon register closed: the afternoon is M, with the sign-in.
    let back = back_at("14:10", 20);
    store
        .sign_in(oak, id, &back, &[new(p[0], "2024-09-04", Session::Pm, "M")])
        .unwrap();
    let got = store.sign_outs(oak, day, Some(p[0])).unwrap();
    assert_eq!(got[0].back.as_ref(), Some(&back));
    assert!(!got[0].is_out());
    let marks = store.marks(oak, day).unwrap();
    assert_eq!(marks.len(), 2);
    assert_eq!(marks[1].entry.code.text(), "M");

    // Signed in once: a second sign-in is a conflict and writes nothing.
    let twice = store
        .sign_in(
            oak,
            id,
            &back_at("15:00", 30),
            &[new(p[1], "2024-09-04", Session::Pm, "M")],
        )
        .unwrap_err();
    assert!(matches!(twice, StoreError::Conflict(_)), "{twice}");
    assert_eq!(store.marks(oak, day).unwrap().len(), 2);

    // Signed back in, the pupil may be signed out again the same day.
    let later = store
        .sign_out(oak, &sign_out_at(p[0], "2024-09-04", "14:30"), &[])
        .unwrap();
    assert!(later > id);
    assert_eq!(store.sign_outs(oak, day, Some(p[0])).unwrap().len(), 2);

    // A mark that conflicts undoes the sign-out with it.
    let before = store.sign_outs(oak, DateRange::all(), None).unwrap();
    let err = store
        .sign_out(
            oak,
            &sign_out_at(p[1], "2024-09-04", "09:30"),
            &[
                new(p[1], "2024-09-04", Session::Pm, "I"),
                new(p[1], "2024-09-04", Session::Pm, "I"),
            ],
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(
        store.sign_outs(oak, DateRange::all(), None).unwrap(),
        before
    );

    // Another school's pupil or sign-out is not found; other days and schools read as none.
    for err in [
        store
            .sign_out(oak, &sign_out_at(other, "2024-09-04", "10:00"), &[])
            .unwrap_err(),
        store
            .sign_out(elm, &sign_out_at(p[1], "2024-09-04", "10:00"), &[])
            .unwrap_err(),
        store
            .sign_in(elm, later, &back_at("15:00", 40), &[])
            .unwrap_err(),
        store
            .sign_in(oak, later + 1000, &back_at("15:00", 40), &[])
            .unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
    assert!(store
        .sign_outs(elm, DateRange::all(), None)
        .unwrap()
        .is_empty());
    let next_day = DateRange::between(d("2024-09-05"), d("2024-09-30"));
    assert!(store.sign_outs(oak, next_day, None).unwrap().is_empty());
    assert!(store
        .sign_outs(oak, DateRange::all(), Some(p[1]))
        .unwrap()
        .is_empty());
    let unknown = unknown_school(store);
    assert!(store
        .sign_outs(unknown, DateRange::all(), None)
        .unwrap()
        .is_empty());
}

pub fn a_pupil_signed_out_twice_at_once_is_signed_out_once(db: &dyn TestDb) {
    let (oak, p) = {
        let store = &mut *db.connect();
        let oak = school(store, "Oak Academy", "100001");
        (oak, add_pupils(store, oak, 0..1)[0])
    };
    let results = race(db, |store| {
        store.sign_out(oak, &sign_out_at(p, "2024-09-04", "10:30"), &[])
    });
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(results
        .iter()
        .all(|r| r.is_ok() || matches!(r, Err(StoreError::Conflict(_)))));
    let store = &mut *db.connect();
    assert_eq!(
        store.sign_outs(oak, DateRange::all(), None).unwrap().len(),
        1
    );
}

fn missing(pupil: PupilId) -> MissingReport {
    MissingReport {
        pupil,
        noticed_at: at(600),
        noticed_by: "Mr Science (period 3)".into(),
        last_seen: "Corridor by the science labs at break".into(),
        recorded: recorded("Office", 610),
    }
}

fn step(step: MissingStep, seconds: i64, note: &str) -> MissingEntry {
    MissingEntry {
        step,
        at: at(seconds),
        note: note.into(),
        recorded: recorded("Office", seconds + 5),
    }
}

pub fn a_missing_pupil_alert_keeps_its_steps_in_time_order_until_it_closes(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let other = add_pupils(store, elm, 10..11)[0];

    let id = store.open_missing_alert(oak, &missing(p[0])).unwrap();
    let alerts = store.missing_alerts(oak, None).unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].report, missing(p[0]));
    assert!(alerts[0].steps.is_empty() && alerts[0].is_open());

    // One open alert per pupil.
    let err = store.open_missing_alert(oak, &missing(p[0])).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");

    // Steps are read back by when they happened, whatever order they were recorded in.
    let told = step(MissingStep::ToldOffice, 620, "");
    let toilets = step(MissingStep::Searched(SearchArea::Toilets), 900, "Not there");
    let head = step(MissingStep::ToldHeadteacher, 700, "By radio");
    for s in [&told, &toilets, &head] {
        store.add_missing_step(oak, id, s).unwrap();
    }
    let got = &store.missing_alerts(oak, Some(p[0])).unwrap()[0];
    assert_eq!(got.steps, [told.clone(), head.clone(), toilets.clone()]);
    assert!(got.has(MissingStep::ToldHeadteacher));
    assert!(!got.has(MissingStep::PoliceCalled));

    // Found: the alert closes and takes no more steps.
    let found = step(MissingStep::Found, 1200, "In the library, upset");
    store.add_missing_step(oak, id, &found).unwrap();
    let got = &store.missing_alerts(oak, None).unwrap()[0];
    assert!(!got.is_open());
    assert_eq!(got.steps.last(), Some(&found));
    let err = store
        .add_missing_step(oak, id, &step(MissingStep::PoliceCalled, 1300, ""))
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(store.missing_alerts(oak, None).unwrap()[0].steps.len(), 4);

    // Closed, the pupil may be reported missing again.
    let second = store.open_missing_alert(oak, &missing(p[0])).unwrap();
    store
        .add_missing_step(oak, second, &step(MissingStep::Closed, 2000, "At home"))
        .unwrap();
    assert_eq!(store.missing_alerts(oak, Some(p[0])).unwrap().len(), 2);
    assert!(store.missing_alerts(oak, Some(p[1])).unwrap().is_empty());

    // Another school's pupil or alert is not found; another school reads none.
    for err in [
        store.open_missing_alert(oak, &missing(other)).unwrap_err(),
        store.open_missing_alert(elm, &missing(p[1])).unwrap_err(),
        store
            .add_missing_step(elm, id, &step(MissingStep::ToldOffice, 1, ""))
            .unwrap_err(),
        store
            .add_missing_step(oak, second + 1000, &step(MissingStep::ToldOffice, 1, ""))
            .unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
    assert!(store.missing_alerts(elm, None).unwrap().is_empty());
}

fn travel(pupil: PupilId) -> TravelRecord {
    TravelRecord {
        pupil,
        from: d("2024-09-16"),
        to: None,
        whereabouts: "Fairground circuit, Lincolnshire".into(),
        dual_school: Some("Skegness Juniors".into()),
        notes: "Back for the autumn half term".into(),
        recorded: recorded("Office", 30),
    }
}

pub fn traveller_records_are_added_and_updated_by_id(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let other = add_pupils(store, elm, 10..11)[0];

    let first = travel(p[0]);
    let id = store.save_travel(oak, None, &first).unwrap();
    let earlier = TravelRecord {
        from: d("2024-09-05"),
        to: Some(d("2024-09-06")),
        dual_school: None,
        ..travel(p[0])
    };
    let id2 = store.save_travel(oak, None, &earlier).unwrap();
    assert_eq!(
        store.travel_records(oak, Some(p[0])).unwrap(),
        [
            StoredTravel {
                id: id2,
                record: earlier.clone()
            },
            StoredTravel {
                id,
                record: first.clone()
            }
        ]
    );

    // Updated in place: back on 25 October.
    let ended = TravelRecord {
        to: Some(d("2024-10-25")),
        recorded: recorded("Office", 90),
        ..first.clone()
    };
    assert_eq!(store.save_travel(oak, Some(id), &ended).unwrap(), id);
    let got = store.travel_records(oak, None).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].record, ended);

    // Another pupil's record, another school's pupil or record: not found, nothing changed.
    for err in [
        store.save_travel(oak, Some(id), &travel(p[1])).unwrap_err(),
        store.save_travel(oak, None, &travel(other)).unwrap_err(),
        store.save_travel(elm, Some(id), &travel(p[0])).unwrap_err(),
        store
            .save_travel(oak, Some(id + 1000), &travel(p[0]))
            .unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
    assert_eq!(store.travel_records(oak, None).unwrap(), got);
    assert!(store.travel_records(oak, Some(p[1])).unwrap().is_empty());
    assert!(store.travel_records(elm, None).unwrap().is_empty());
}
