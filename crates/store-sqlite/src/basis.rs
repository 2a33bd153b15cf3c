//! What the connections of this process to one database file share: the writer's lock, and the
//! basis (schools, calendars and admission registers) kept in memory between reads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use rollcall_core::Calendar;
use rollcall_store::{Result, School, SchoolId, StoredPupil};
use rusqlite::Connection;

use crate::{db_err, rows, SqliteStore};

/// What every connection of this process to one database file shares.
#[derive(Default)]
pub(crate) struct Shared {
    /// Taken by every write of this process to this database file: writers queue here rather
    /// than in SQLite's busy handler, which waits by sleeping.
    pub(crate) writer: Mutex<()>,
    /// Schools, calendars and admission registers as last read.
    basis: Mutex<Basis>,
}

/// Schools, calendars and admission registers kept in memory: registers and figures read them
/// on every request, and they change a few times a year. Valid while the database's
/// `basis_generation` (raised by triggers on every change to them, by any process) stays at
/// `generation`.
#[derive(Default)]
struct Basis {
    generation: Option<i64>,
    schools: Option<Arc<Vec<School>>>,
    calendars: HashMap<SchoolId, Arc<Calendar>>,
    pupils: HashMap<SchoolId, Arc<Vec<StoredPupil>>>,
}

/// What the connections of this process to a database file share (an in-memory database shares
/// with nothing).
pub(crate) fn shared_for(path: Option<&Path>) -> Arc<Shared> {
    static FILES: OnceLock<Mutex<HashMap<PathBuf, Arc<Shared>>>> = OnceLock::new();
    let Some(path) = path else {
        return Arc::new(Shared::default());
    };
    let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mut map = lock(FILES.get_or_init(|| Mutex::new(HashMap::new())));
    Arc::clone(map.entry(key).or_default())
}

/// Locks a mutex; a writer that panicked left nothing half-done in SQLite (its transaction rolled
/// back), so the lock is taken over.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SqliteStore {
    /// A part of the basis (schools, calendars, pupils) from memory when the database's
    /// generation says it is current; otherwise read, and kept. The generation is read before
    /// the data, so what is kept is never older than the generation it is kept under. A
    /// connection inside a transaction may see its own changes, not yet committed: it reads
    /// without the cache, unless the transaction is a read-only snapshot.
    fn basis<T: Clone>(
        &self,
        get: impl Fn(&Basis) -> Option<T>,
        read: impl FnOnce(&Connection) -> Result<T>,
        keep: impl FnOnce(&mut Basis, T),
    ) -> Result<T> {
        if !self.conn.is_autocommit() && !self.snapshot {
            return read(&self.conn);
        }
        let generation: i64 = self
            .conn
            .prepare_cached("SELECT generation FROM basis_generation WHERE id = 1")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(db_err)?;
        {
            let basis = lock(&self.shared.basis);
            if basis.generation == Some(generation) {
                if let Some(found) = get(&basis) {
                    return Ok(found);
                }
            }
        }
        let value = read(&self.conn)?;
        let mut basis = lock(&self.shared.basis);
        if basis.generation != Some(generation) {
            *basis = Basis {
                generation: Some(generation),
                ..Basis::default()
            };
        }
        keep(&mut basis, value.clone());
        Ok(value)
    }

    /// Every school, by id.
    pub(crate) fn all_schools(&self) -> Result<Arc<Vec<School>>> {
        self.basis(
            |b| b.schools.clone(),
            |conn| rows::schools(conn).map(Arc::new),
            |b, v| b.schools = Some(v),
        )
    }

    /// A school's calendar.
    pub(crate) fn school_calendar(&self, school: SchoolId) -> Result<Arc<Calendar>> {
        self.basis(
            |b| b.calendars.get(&school).cloned(),
            |conn| rows::calendar(conn, school).map(Arc::new),
            |b, v| {
                b.calendars.insert(school, v);
            },
        )
    }

    /// Every pupil of a school's admission register, by UPN.
    pub(crate) fn all_pupils(&self, school: SchoolId) -> Result<Arc<Vec<StoredPupil>>> {
        self.basis(
            |b| b.pupils.get(&school).cloned(),
            |conn| {
                rows::query_pupils(conn, "school_id = ?1 AND ?2 IS NULL", school, None)
                    .map(Arc::new)
            },
            |b, v| {
                b.pupils.insert(school, v);
            },
        )
    }
}
