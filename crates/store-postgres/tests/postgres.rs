//! What only the PostgreSQL backend does: migrations from processes that start together, the
//! URLs it connects to, its triggers and constraints, and what it reads back from a database
//! another program wrote. What every store does is in the conformance suite
//! (`tests/conformance.rs`). Each test has its own database on a throwaway server
//! (rollcall-testkit).

use rollcall_core::{Role, Session, YearGroup};
use rollcall_store::{DateRange, Store, StoreError};
use rollcall_store_conformance::fixtures::{
    add_pupils, amend, draft, entry, new, no_progress, report, school,
};
use rollcall_store_postgres::PostgresStore;

fn store() -> PostgresStore {
    let mut store = PostgresStore::connect(&rollcall_testkit::fresh_database_url()).unwrap();
    store.migrate().unwrap();
    store
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
    assert_eq!(versions, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
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

/// Registers are evidence: whatever writes to the database, a mark is never deleted and an
/// amendment or a policy never changes.
#[test]
fn marks_amendments_and_policies_cannot_be_deleted_or_rewritten() {
    let mut store = store();
    let id = school(&mut store, "Oak Academy", "100001");
    let p = add_pupils(&mut store, id, 0..1)[0];
    store
        .apply_marks(
            id,
            &[new(p, "2024-09-04", Session::Am, "N")],
            &mut no_progress(),
        )
        .unwrap();
    store
        .apply_marks(
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
        .unwrap();
    store
        .save_policy(
            Some(id),
            "# policy\n",
            &rollcall_store_conformance::fixtures::recorded("Admin", 0),
        )
        .unwrap();
    for sql in [
        "DELETE FROM marks",
        "DELETE FROM amendments",
        "UPDATE amendments SET reason = 'x'",
        "DELETE FROM policies",
        "UPDATE policies SET text = 'x'",
    ] {
        let err = store.client().execute(sql, &[]).unwrap_err();
        let message = err.as_db_error().map(|e| e.message().to_owned());
        assert!(
            message.as_deref().is_some_and(|m| m.contains("never")),
            "{sql}: {err:?}"
        );
    }
    assert_eq!(store.marks(id, DateRange::all()).unwrap().len(), 1);
    assert_eq!(store.amendments(id, None).unwrap().len(), 1);
}

/// The database refuses a second user of the same name in another case, however it is written.
#[test]
fn user_names_are_unique_in_any_case_in_the_schema() {
    let mut store = store();
    store
        .save_user(&draft("jsmith", Role::FormTutor, None))
        .unwrap();
    let err = store
        .client()
        .execute(
            "INSERT INTO users (username, display_name, role, password_hash) \
             VALUES ('JSMITH', 'x', 'office', 'x')",
            &[],
        )
        .unwrap_err();
    let constraint = err.as_db_error().and_then(|e| e.constraint());
    assert_eq!(constraint, Some("users_username"), "{err:?}");
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
        .record_absence(id, &report(p[0], "2024-09-05", "2024-09-05", "I"), &[])
        .unwrap();
    store
        .client()
        .batch_execute("UPDATE marks SET code = 'Ø'; UPDATE absence_reports SET code = 'Ø'")
        .unwrap();
    assert!(matches!(
        store.mark_facts(id, DateRange::all()),
        Err(StoreError::Corrupt(_))
    ));
    assert!(matches!(
        store.marks(id, DateRange::all()),
        Err(StoreError::Corrupt(_))
    ));
    assert!(matches!(
        store.absence_reports(id, DateRange::all()),
        Err(StoreError::Corrupt(_))
    ));
    store
        .client()
        .batch_execute(
            "ALTER TABLE marks DROP CONSTRAINT marks_minutes_late_check; \
             UPDATE marks SET code = 'L', minutes_late = -3",
        )
        .unwrap();
    assert!(matches!(
        store.marks(id, DateRange::all()),
        Err(StoreError::Corrupt(m)) if m == "minutes late '-3'"
    ));
    store
        .client()
        .execute("UPDATE pupils SET year_group = 'Year Zero'", &[])
        .unwrap();
    assert!(matches!(
        store.pupils(id),
        Err(StoreError::Corrupt(m)) if m == "year group 'Year Zero'"
    ));

    let mut hoy = draft("hoy", Role::HeadOfYear, None);
    hoy.year_groups = vec![YearGroup::Year(9)];
    let user = store.save_user(&hoy).unwrap();
    store
        .client()
        .execute("UPDATE user_year_groups SET year_group = 'Year Zero'", &[])
        .unwrap();
    assert!(matches!(store.user(user), Err(StoreError::Corrupt(_))));
    assert!(matches!(store.users(None), Err(StoreError::Corrupt(_))));
    store
        .client()
        .batch_execute(
            "DELETE FROM user_year_groups; \
             ALTER TABLE users DROP CONSTRAINT users_role_check; \
             UPDATE users SET role = 'janitor'",
        )
        .unwrap();
    assert!(matches!(
        store.user_by_name("HOY"),
        Err(StoreError::Corrupt(m)) if m == "role 'janitor'"
    ));
}
