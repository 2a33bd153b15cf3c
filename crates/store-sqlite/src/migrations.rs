//! The schema's migrations: numbered SQL files in `migrations/`, applied in order, in one
//! transaction, when a database is opened, and recorded in `schema_migrations`.
//!
//! A migration that has landed is never edited: a change to the schema is a new file, appended to
//! [`MIGRATIONS`].

use rollcall_store::{format_timestamp, Result};
use rusqlite::params;

use crate::{db_err, SqliteStore};

/// Migrations in order. One that has landed is never edited: a change is a new file.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_initial.sql")),
    (2, include_str!("../migrations/0002_basis_generation.sql")),
    (3, include_str!("../migrations/0003_marks_by_session.sql")),
];

pub(crate) fn migrate(store: &mut SqliteStore) -> Result<()> {
    // Most opens find the schema current: check with a read before taking the write lock.
    let latest = MIGRATIONS.last().map_or(0, |(v, _)| *v);
    let current: Option<i64> = store
        .conn
        .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .unwrap_or(None);
    if current == Some(latest) {
        return Ok(());
    }
    store.write(|tx| {
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                applied_at TEXT NOT NULL
            )",
        )
        .map_err(db_err)?;
        let current: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(db_err)?;
        for &(version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            tx.execute_batch(sql).map_err(db_err)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, format_timestamp(&chrono::Utc::now())],
            )
            .map_err(db_err)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_from_one() {
        let versions: Vec<i64> = MIGRATIONS.iter().map(|(v, _)| *v).collect();
        let expected: Vec<i64> = (1..=MIGRATIONS.len() as i64).collect();
        assert_eq!(versions, expected);
        assert!(MIGRATIONS.iter().all(|(_, sql)| !sql.trim().is_empty()));
    }
}
