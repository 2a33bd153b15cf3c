//! The schema's migrations: numbered SQL files in `migrations/`, applied in order, each in a
//! transaction of its own, and recorded in `schema_migrations`.
//!
//! A migration that has landed is never edited: a change to the schema is a new file, appended to
//! [`MIGRATIONS`].

use postgres::{Client, Transaction};
use rollcall_store::{Result, StoreError};

use crate::db;

struct Migration {
    version: i32,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "contacts and leave",
        sql: include_str!("../migrations/0002_contacts_and_leave.sql"),
    },
    Migration {
        version: 3,
        name: "safeguarding lead and parents' reports",
        sql: include_str!("../migrations/0003_safeguarding_and_parents_reports.sql"),
    },
    Migration {
        version: 4,
        name: "the school day",
        sql: include_str!("../migrations/0004_school_day.sql"),
    },
    Migration {
        version: 5,
        name: "first-day calling",
        sql: include_str!("../migrations/0005_calling.sql"),
    },
    Migration {
        version: 6,
        name: "contact proposals",
        sql: include_str!("../migrations/0006_contact_proposals.sql"),
    },
    Migration {
        version: 7,
        name: "notices to improve and penalty notices",
        sql: include_str!("../migrations/0007_notices.sql"),
    },
    Migration {
        version: 8,
        name: "casework",
        sql: include_str!("../migrations/0008_casework.sql"),
    },
    Migration {
        version: 9,
        name: "attendance targets",
        sql: include_str!("../migrations/0009_attendance_targets.sql"),
    },
];

/// The key of the advisory lock that serialises migrations ("Rollcall" in ASCII), so that two
/// processes migrating one database at once take turns.
const LOCK_KEY: i64 = 0x526f_6c6c_6361_6c6c;

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)";

/// The database was migrated by a newer Rollcall than this one.
#[derive(Debug)]
struct NewerSchema {
    database: i32,
    known: i32,
}

impl std::fmt::Display for NewerSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the database schema is at version {}, newer than this Rollcall knows (version {}); \
             upgrade Rollcall",
            self.database, self.known
        )
    }
}

impl std::error::Error for NewerSchema {}

/// Waits for the migration lock; it is released when the transaction ends.
fn lock(tx: &mut Transaction<'_>) -> Result<()> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .map_err(db)?;
    Ok(())
}

fn applied(tx: &mut Transaction<'_>) -> Result<Vec<i32>> {
    tx.query("SELECT version FROM schema_migrations", &[])
        .map_err(db)?
        .iter()
        .map(|row| crate::rows::col(row, 0))
        .collect()
}

pub(crate) fn migrate(client: &mut Client) -> Result<()> {
    let done = {
        let mut tx = client.transaction().map_err(db)?;
        lock(&mut tx)?;
        tx.batch_execute(CREATE_TABLE).map_err(db)?;
        let done = applied(&mut tx)?;
        tx.commit().map_err(db)?;
        done
    };
    let known = MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
    if let Some(&database) = done.iter().max().filter(|&&v| v > known) {
        return Err(StoreError::Database(Box::new(NewerSchema {
            database,
            known,
        })));
    }
    for migration in MIGRATIONS.iter().filter(|m| !done.contains(&m.version)) {
        let mut tx = client.transaction().map_err(db)?;
        lock(&mut tx)?;
        // Another process may have applied it while this one waited for the lock.
        if applied(&mut tx)?.contains(&migration.version) {
            continue;
        }
        tx.batch_execute(migration.sql).map_err(db)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&migration.version, &migration.name],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order() {
        assert_eq!(MIGRATIONS.first().map(|m| m.version), Some(1));
        for w in MIGRATIONS.windows(2) {
            assert!(w[0].version < w[1].version, "{}", w[1].name);
        }
        for m in MIGRATIONS {
            assert!(!m.sql.trim().is_empty(), "{}", m.name);
        }
    }
}
