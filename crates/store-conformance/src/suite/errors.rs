//! The words of every error a store reports through the trait, to the letter: they are built by
//! `rollcall-store`, so every backend says the same thing.

use rollcall_core::{Role, Session};
use rollcall_store::{MarkChange, MarkGroup, PupilId, Result, Store, UserId};

use crate::fixtures::*;
use crate::TestDb;

fn message<T: std::fmt::Debug>(result: Result<T>) -> String {
    result.unwrap_err().to_string()
}

pub fn errors_are_worded_by_the_store(db: &dyn TestDb) {
    let store = &mut *db.connect();
    let oak = school(store, "Oak Academy", "100001");
    let elm = school(store, "Elm Primary", "100002");
    let p = add_pupils(store, oak, 0..1)[0];
    let other = add_pupils(store, elm, 10..11)[0];
    let unknown = unknown_school(store);
    let upn = upn(0);
    // `L`, 5 minutes late, on the morning of 4 September 2024.
    let late = MarkChange::New {
        pupil: p,
        date: d("2024-09-04"),
        session: Session::Am,
        entry: entry("L", Some(5)),
        recorded: recorded("Ms Teacher", 0),
    };
    store.apply_marks(oak, &[late], &mut no_progress()).unwrap();
    let write = |store: &mut dyn Store, change| {
        message(store.apply_marks(oak, &[change], &mut no_progress()))
    };

    // Conflicts.
    assert_eq!(
        write(store, new(p, "2024-09-04", Session::Am, "/")),
        format!("conflict: pupil {upn} already has a mark for the AM session of 2024-09-04")
    );
    assert_eq!(
        write(
            store,
            amend(
                p,
                "2024-09-04",
                Session::Pm,
                entry("N", None),
                entry("I", None)
            )
        ),
        format!("conflict: pupil {upn} has no mark for the PM session of 2024-09-04 to amend")
    );
    assert_eq!(
        write(
            store,
            amend(
                p,
                "2024-09-04",
                Session::Am,
                entry("L", Some(12)),
                entry("I", None)
            )
        ),
        format!(
            "conflict: the mark of pupil {upn} for the AM session of 2024-09-04 is now \
             'L' (5 minutes late), not 'L' (12 minutes late): someone else changed it"
        )
    );
    let user = store
        .save_user(&draft("office", Role::Office, None))
        .unwrap();
    store.create_session(&sign_in("token", user)).unwrap();
    assert_eq!(
        message(store.create_session(&sign_in("token", user))),
        "conflict: a session with this token already exists"
    );

    // Not found.
    let not_on_register =
        format!("not found: pupil {other} is not on the admission register of school {oak}");
    assert_eq!(
        write(store, new(other, "2024-09-05", Session::Am, "/")),
        not_on_register
    );
    let stray = [new(other, "2024-09-05", Session::Am, "/")];
    let outcomes = store
        .apply_mark_groups(&[MarkGroup {
            school: oak,
            changes: &stray,
        }])
        .unwrap();
    assert_eq!(
        message(outcomes.into_iter().next().unwrap()),
        not_on_register
    );
    assert_eq!(
        message(store.save_contacts(oak, &[(other, vec![contact(1, "Elsewhere")])])),
        not_on_register
    );
    assert_eq!(
        message(store.record_absence(oak, &report(other, "2024-09-09", "2024-09-09", "I"), &[])),
        not_on_register
    );
    assert_eq!(
        message(store.apply_marks(
            unknown,
            &[new(p, "2024-09-05", Session::Am, "/")],
            &mut no_progress()
        )),
        format!("not found: pupil {p} is not on the admission register of school {unknown}")
    );
    let unknown_school = format!("not found: school {unknown}");
    assert_eq!(
        message(store.save_pupils(unknown, &[pupil(5)])),
        unknown_school
    );
    assert_eq!(
        message(store.save_policy(Some(unknown), "# policy\n", &recorded("Admin", 0))),
        unknown_school
    );
    assert_eq!(
        message(store.save_user(&draft("ghost", Role::Office, Some(unknown)))),
        unknown_school
    );
    let mut parent = draft("parent", Role::Parent, Some(oak));
    parent.children = vec![p, PupilId(other.0 + 100), PupilId(other.0 + 50)];
    assert_eq!(
        message(store.save_user(&parent)),
        format!("not found: pupil {}", other.0 + 50),
        "the lowest unknown id"
    );
    let nobody = UserId(user.0 + 100);
    assert_eq!(
        message(store.create_session(&sign_in("another", nobody))),
        format!("not found: user {nobody}")
    );
}
