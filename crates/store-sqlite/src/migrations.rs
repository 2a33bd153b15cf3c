//! The schema's migrations: numbered SQL files in `migrations/`, applied in order, in one
//! transaction, when a database is opened, and recorded in `schema_migrations`.
//!
//! A migration that has landed is never edited: a change to the schema is a new file, appended to
//! [`MIGRATIONS`].

use rollcall_store::{format_timestamp, Result, StoreError};
use rusqlite::{params, OptionalExtension};

use crate::{db_err, SqliteStore};

/// Migrations in order. One that has landed is never edited: a change is a new file.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_initial.sql")),
    (2, include_str!("../migrations/0002_basis_generation.sql")),
    (3, include_str!("../migrations/0003_marks_by_session.sql")),
    (4, include_str!("../migrations/0004_contacts_and_leave.sql")),
    (
        5,
        include_str!("../migrations/0005_safeguarding_and_parents_reports.sql"),
    ),
    (6, include_str!("../migrations/0006_school_day.sql")),
    (7, include_str!("../migrations/0007_calling.sql")),
    (8, include_str!("../migrations/0008_contact_proposals.sql")),
    (9, include_str!("../migrations/0009_notices.sql")),
    (10, include_str!("../migrations/0010_casework.sql")),
    (
        11,
        include_str!("../migrations/0011_attendance_targets.sql"),
    ),
];

pub(crate) fn migrate(store: &mut SqliteStore) -> Result<()> {
    // Most opens find the schema current: check with a read before taking the write lock.
    if pending(&store.conn).is_ok_and(|p| p.is_empty()) {
        return Ok(());
    }
    // A migration may rebuild a table others refer to (SQLite cannot alter a constraint in
    // place), so foreign keys are off while migrating and checked, all of them, before the
    // migrations commit. The setting cannot change inside a transaction.
    store
        .conn
        .execute_batch("PRAGMA foreign_keys = OFF")
        .map_err(db_err)?;
    let migrated = migrate_all(store);
    store
        .conn
        .execute_batch("PRAGMA foreign_keys = ON")
        .map_err(db_err)?;
    migrated
}

fn migrate_all(store: &mut SqliteStore) -> Result<()> {
    store.write(|tx| {
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                applied_at TEXT NOT NULL
            )",
        )
        .map_err(db_err)?;
        // Every migration not yet applied, in order, even one numbered below the highest
        // applied: migrations are numbered in the order they were written, not landed.
        for (version, sql) in pending(tx)? {
            tx.execute_batch(sql).map_err(db_err)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, format_timestamp(&chrono::Utc::now())],
            )
            .map_err(db_err)?;
        }
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .map_err(db_err)?;
        if let Some(table) = broken {
            return Err(StoreError::Corrupt(format!(
                "after migrating, table {table} refers to rows that do not exist"
            )));
        }
        Ok(())
    })
}

/// The migrations the database has not recorded, in order.
fn pending(conn: &rusqlite::Connection) -> Result<Vec<(i64, &'static str)>> {
    let applied: std::collections::HashSet<i64> = conn
        .prepare("SELECT version FROM schema_migrations")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(db_err)?;
    Ok(MIGRATIONS
        .iter()
        .copied()
        .filter(|(v, _)| !applied.contains(v))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_from_one() {
        let versions: Vec<i64> = MIGRATIONS.iter().map(|(v, _)| *v).collect();
        assert_eq!(versions.first(), Some(&1));
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
        assert!(MIGRATIONS.iter().all(|(_, sql)| !sql.trim().is_empty()));
    }

    /// Contacts kept one row per pupil become a person each, linked to their pupil, with
    /// nothing lost.
    #[test]
    fn contacts_become_people_linked_to_pupils() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for (_, sql) in &MIGRATIONS[..3] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO schools (id, name) VALUES (1, 'Oak');
             INSERT INTO pupils (id, school_id, upn, surname, forename, dob, year_group,
                 admission_date) VALUES (7, 1, 'U', 'Smith', 'Ann', '2012-01-01', '8', '2024-09-01');
             INSERT INTO contacts (id, pupil_id, priority, name, relationship, phone, email,
                 parental_responsibility)
             VALUES (3, 7, 1, 'Mary Jane Smith', 'Mother', '07700 900001', 'm@example.org', 1),
                    (4, 7, 2, 'Grandad', 'Grandfather', NULL, NULL, 0);",
        )
        .unwrap();
        conn.execute_batch(MIGRATIONS[3].1).unwrap();
        type Row = (String, String, String, Option<String>, bool, bool, i64);
        let rows: Vec<Row> = conn
            .prepare(
                "SELECT p.reference, p.forename, p.surname, p.phone, c.parental_responsibility,
                        c.lives_with, c.priority
                 FROM pupil_contacts c JOIN contact_people p ON p.id = c.person_id
                 WHERE c.pupil_id = 7 ORDER BY c.priority",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                (
                    "C3".into(),
                    "Mary".into(),
                    "Jane Smith".into(),
                    Some("07700 900001".into()),
                    true,
                    true,
                    1
                ),
                (
                    "C4".into(),
                    String::new(),
                    "Grandad".into(),
                    None,
                    false,
                    false,
                    2
                ),
            ]
        );
        let old: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'contacts'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old, 0);
    }
}
