//! Pupils' own attendance targets: kept in the order they were set, each with who set it and
//! why, never replaced; another school's pupil, or nobody's, is refused.

use rollcall_store::{AttendanceTarget, PupilId, StoreError};

use crate::fixtures::*;
use crate::TestDb;

fn target(pupil: PupilId, hundredths: u32, from: &str, until: Option<&str>) -> AttendanceTarget {
    AttendanceTarget {
        pupil,
        hundredths,
        reason: format!("Hospital appointments ({hundredths})"),
        from: d(from),
        until: until.map(d),
        recorded: recorded("Ann Officer", 60),
    }
}

pub fn attendance_targets_are_kept_in_order_and_never_replaced(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..2);
    let other = add_pupils(store, elm, 10..11)[0];

    let first = target(p[0], 8500, "2024-09-02", None);
    let second = target(p[0], 9000, "2025-01-06", Some("2025-07-18"));
    let sibling = target(p[1], 10_000, "2024-09-02", None);
    let a = store.save_target(oak, &first).unwrap();
    let b = store.save_target(oak, &sibling).unwrap();
    let c = store.save_target(oak, &second).unwrap();
    assert!(a < b && b < c, "ids rise in the order targets are set");

    let all = store.attendance_targets(oak, None).unwrap();
    let ids: Vec<i64> = all.iter().map(|t| t.id).collect();
    assert_eq!(ids, [a, b, c]);
    assert_eq!(all[0].target, first, "read back with everything given");
    assert_eq!(all[2].target, second);
    let own: Vec<AttendanceTarget> = store
        .attendance_targets(oak, Some(p[0]))
        .unwrap()
        .into_iter()
        .map(|t| t.target)
        .collect();
    assert_eq!(own, [first, second], "the earlier target is kept");

    // Another school's pupil, or nobody's, is not on the register: nothing is written.
    for pupil in [other, PupilId(other.0 + 100)] {
        let err = store
            .save_target(oak, &target(pupil, 9000, "2024-09-02", None))
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
    assert_eq!(store.attendance_targets(oak, None).unwrap().len(), 3);
    // Another school sees none of them, and an unknown school reads as empty.
    assert!(store.attendance_targets(elm, None).unwrap().is_empty());
    let nowhere = unknown_school(store);
    assert!(store.attendance_targets(nowhere, None).unwrap().is_empty());
    let err = store
        .save_target(nowhere, &target(p[0], 9000, "2024-09-02", None))
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
}
