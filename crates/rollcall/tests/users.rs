//! `rollcall user add|list`: adding a user, changing one without a new password, deactivating.

mod common;

use common::{school, Backend};

fn users(backend: Backend) {
    let db = school(backend, 3);
    let add = |args: &[&str], password: &str| {
        let mut all = vec!["user", "add"];
        all.extend_from_slice(args);
        db.run_with_input(&all, &format!("{password}\n"))
    };
    let r = add(
        &[
            "--username",
            "alice",
            "--role",
            "headteacher",
            "--name",
            "Alice Head",
        ],
        "a long enough password",
    );
    assert!(r.ok, "{}", r.stderr);
    assert!(db
        .ok(&["user", "list"])
        .contains("alice,Alice Head,headteacher,true"));

    // A new user needs a password; a short one is refused.
    let r = add(&["--username", "bob", "--role", "office"], "");
    assert!(
        !r.ok && r.stderr.contains("a new user needs a password"),
        "{}",
        r.stderr
    );
    let r = add(&["--username", "bob", "--role", "office"], "short");
    assert!(!r.ok && r.stderr.contains("too short"), "{}", r.stderr);
    assert!(!db.ok(&["user", "list"]).contains("bob"));

    // A change with an empty password keeps the password; --deactivate stops sign-in.
    let r = add(
        &[
            "--username",
            "alice",
            "--role",
            "attendance_officer",
            "--name",
            "Alice Head",
        ],
        "",
    );
    assert!(r.ok, "{}", r.stderr);
    let r = add(
        &[
            "--username",
            "alice",
            "--role",
            "attendance_officer",
            "--deactivate",
        ],
        "",
    );
    assert!(r.ok, "{}", r.stderr);
    assert!(db
        .ok(&["user", "list"])
        .contains("alice,Alice Head,attendance_officer,false"));
    let mut store = rollcall_app::open_store(&db.url).unwrap();
    let alice = store.user_by_name("alice").unwrap().unwrap();
    assert!(!alice.user.active);
    assert!(rollcall_app::users::verify_password(
        &alice.user.password_hash,
        "a long enough password"
    ));
}

both!(users);
