//! The embedded SQLite backend: one file, write-ahead logging, foreign keys, and the migrations
//! in `migrations/` applied in order when the database is opened.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use chrono::{DateTime, Utc};
use rollcall_core::calendar::format_time;
use rollcall_core::marks::{MarkEntry, MarkFact, Recorded};
use rollcall_core::{
    BaseCode, Calendar, Closure, Date, HalfTerm, Pupil, RegisterTimes, Session, Upn,
};
use rollcall_store::{
    decode, format_timestamp, parse_timestamp, stored_code, BatchPupils, DateRange, MarkChange,
    MarkGroup, Progress, ProgressCounter, PupilMarkFact, PupilsSaved, Result, School,
    SchoolDetails, SchoolId, Store, StoreError, StoredAmendment, StoredMark, StoredPolicy,
    StoredPupil,
};
use rollcall_store::{
    AbsenceReport, Contact, PupilId, SignInSession, StoredAbsenceReport, User, UserDraft, UserId,
};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};

mod lines;
mod people;

/// Migrations in order. One that has landed is never edited: a change is a new file.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_initial.sql")),
    (2, include_str!("../migrations/0002_basis_generation.sql")),
    (3, include_str!("../migrations/0003_marks_by_session.sql")),
];

pub struct SqliteStore {
    conn: Connection,
    shared: Arc<Shared>,
    /// Inside a read-only snapshot ([`Store::begin_read`]): what is kept in memory may be used.
    snapshot: bool,
}

/// What every connection of this process to one database file shares.
#[derive(Default)]
struct Shared {
    /// Taken by every write of this process to this database file: writers queue here rather
    /// than in SQLite's busy handler, which waits by sleeping.
    writer: Mutex<()>,
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
fn shared_for(path: Option<&Path>) -> Arc<Shared> {
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
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The store's error for a database error. A column that does not hold what it should (a date
/// that is not a date, text where a number belongs) is [`StoreError::Corrupt`], as the column's
/// reader said; anything else is [`StoreError::Database`].
pub(crate) fn db_err(e: rusqlite::Error) -> StoreError {
    use rusqlite::Error as E;
    match e {
        E::FromSqlConversionFailure(i, _, inner) => match inner.downcast::<StoreError>() {
            Ok(e) => *e,
            Err(inner) => StoreError::Corrupt(format!("column {i}: {inner}")),
        },
        E::InvalidColumnType(_, name, kind) => {
            StoreError::Corrupt(format!("column {name}: a value of type {kind}"))
        }
        E::IntegralValueOutOfRange(i, value) => {
            StoreError::unreadable(&format!("column {i}"), value)
        }
        e => StoreError::Database(Box::new(e)),
    }
}

/// A failed constraint's extended result code (`SQLITE_CONSTRAINT_PRIMARYKEY`, …).
pub(crate) fn constraint(e: &rusqlite::Error) -> Option<std::ffi::c_int> {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Some(f.extended_code)
        }
        _ => None,
    }
}

/// Whether an insert failed on a row that already has its key.
pub(crate) fn key_taken(e: &rusqlite::Error) -> bool {
    matches!(
        constraint(e),
        Some(rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY | rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
    )
}

/// Whether a write failed on a reference to a row that does not exist.
pub(crate) fn missing_reference(e: &rusqlite::Error) -> bool {
    constraint(e) == Some(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY)
}

/// A date column (`YYYY-MM-DD`); one that is not a date is [`StoreError::Corrupt`] (through
/// [`db_err`]).
pub(crate) fn date_col(row: &Row<'_>, i: usize) -> rusqlite::Result<Date> {
    opt_date_col(row, i)?.ok_or_else(|| unreadable(i, StoreError::unreadable("date", "NULL")))
}

pub(crate) fn opt_date_col(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Date>> {
    let Some(text) = row.get_ref(i)?.as_str_or_null()? else {
        return Ok(None);
    };
    decode::date(text).map(Some).map_err(|e| unreadable(i, e))
}

/// A column's value that is not what it should be, as an error of a row's reader that
/// [`db_err`] turns back into `e`.
fn unreadable(i: usize, e: StoreError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

/// A text column, borrowed from the row.
fn text_col<'r>(row: &'r Row<'_>, i: usize) -> Result<&'r str> {
    row.get_ref(i)
        .map_err(db_err)?
        .as_str()
        .map_err(|e| db_err(e.into()))
}

pub(crate) fn day(date: Date) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub(crate) fn session_of(text: &str) -> Result<Session> {
    decode::session(text)
}

impl SqliteStore {
    /// Opens (creating when missing) the database file at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let conn = Connection::open(path).map_err(db_err)?;
        Self::configure(conn, shared_for(Some(path)))
    }

    /// A private database in memory, for tests.
    pub fn open_in_memory() -> Result<SqliteStore> {
        Self::configure(
            Connection::open_in_memory().map_err(db_err)?,
            shared_for(None),
        )
    }

    fn configure(conn: Connection, shared: Arc<Shared>) -> Result<SqliteStore> {
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db_err)?;
        // WAL: readers never wait for the writer. Reads go through mmap (no copy per page); a
        // savepoint's journal stays in memory; the cache (16 MB, filled only as pages are
        // touched) holds a burst of registers' pages on the writer's connection.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA foreign_keys = ON;
             PRAGMA synchronous = NORMAL;
             PRAGMA mmap_size = 268435456;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -16384;",
        )
        .map_err(db_err)?;
        let mut store = SqliteStore {
            conn,
            shared,
            snapshot: false,
        };
        store.migrate()?;
        Ok(store)
    }

    fn school_id_for(tx: &Transaction<'_>, school: &SchoolDetails) -> Result<Option<SchoolId>> {
        let found = match &school.urn {
            Some(urn) => tx
                .query_row("SELECT id FROM schools WHERE urn = ?1", [urn], |r| r.get(0))
                .optional(),
            None => tx
                .query_row(
                    "SELECT id FROM schools WHERE urn IS NULL AND name = ?1",
                    [&school.name],
                    |r| r.get(0),
                )
                .optional(),
        };
        found.map_err(db_err)
    }

    fn read_calendar(conn: &Connection, school: SchoolId) -> Result<Calendar> {
        let mut stmt = conn
            .prepare_cached(
                "SELECT name, start_date, end_date FROM half_terms WHERE school_id = ?1 ORDER BY start_date",
            )
            .map_err(db_err)?;
        let half_terms = stmt
            .query_map([school], |r| {
                Ok(HalfTerm {
                    name: r.get(0)?,
                    start: date_col(r, 1)?,
                    end: date_col(r, 2)?,
                })
            })
            .map_err(db_err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db_err)?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT start_date, end_date, sessions, reason, year_groups FROM closures
                 WHERE school_id = ?1 ORDER BY start_date",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map([school], |r| {
                Ok((
                    date_col(r, 0)?,
                    date_col(r, 1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(db_err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db_err)?;
        let mut closures = Vec::with_capacity(rows.len());
        for (start, end, sessions, reason, groups) in rows {
            closures.push(Closure {
                start,
                end,
                sessions: decode::closure_sessions(&sessions)?,
                reason,
                year_groups: decode::closure_year_groups(
                    groups.split(',').filter(|g| !g.is_empty()),
                )?,
            });
        }
        decode::calendar(school, half_terms, closures)
    }

    /// The marks of a school's pupils in a range, read row by row from `marks` (the record that
    /// register lines are derived from; used to check them).
    pub fn mark_facts_from_rows(
        &mut self,
        school: SchoolId,
        range: DateRange,
    ) -> Result<Vec<PupilMarkFact>> {
        let (from, to) = range_params(range);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT m.pupil_id, m.date, m.session, m.code
                 FROM pupils p JOIN marks m ON m.pupil_id = p.id
                 WHERE p.school_id = ?1 AND m.date BETWEEN ?2 AND ?3
                 ORDER BY m.pupil_id, m.date, m.session",
            )
            .map_err(db_err)?;
        let mut rows = stmt.query(params![school, from, to]).map_err(db_err)?;
        let mut out = Vec::new();
        // Rows come by pupil and date, each date twice: remember the last one read.
        let mut last_date: ([u8; 10], Date) = ([0; 10], Date::default());
        while let Some(r) = rows.next().map_err(db_err)? {
            let pupil: PupilId = r.get(0).map_err(db_err)?;
            let date = text_col(r, 1)?;
            let date = match <[u8; 10]>::try_from(date.as_bytes()) {
                Ok(bytes) if bytes == last_date.0 => last_date.1,
                _ => {
                    let parsed = decode::date(date)?;
                    if let Ok(bytes) = <[u8; 10]>::try_from(date.as_bytes()) {
                        last_date = (bytes, parsed);
                    }
                    parsed
                }
            };
            let session = match text_col(r, 2)? {
                "AM" => Session::Am,
                "PM" => Session::Pm,
                other => return Err(StoreError::unreadable("session", other)),
            };
            let code = text_col(r, 3)?;
            let code = match BaseCode::from_symbol(code) {
                Some(base) => base,
                None => stored_code(code)?.base(),
            };
            out.push(PupilMarkFact {
                pupil,
                fact: MarkFact {
                    date,
                    session,
                    code,
                },
            });
        }
        Ok(out)
    }

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

    /// Runs several reads as one read transaction: one snapshot, and the log locked once
    /// instead of once per statement.
    fn reading<T>(&mut self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return f(&self.conn);
        }
        let tx = self.conn.transaction().map_err(db_err)?;
        let out = f(&tx)?;
        tx.commit().map_err(db_err)?;
        Ok(out)
    }

    /// Every pupil of a school's admission register, by UPN.
    fn all_pupils(&self, school: SchoolId) -> Result<Arc<Vec<StoredPupil>>> {
        self.basis(
            |b| b.pupils.get(&school).cloned(),
            |conn| {
                Self::query_pupils(conn, "school_id = ?1 AND ?2 IS NULL", school, None)
                    .map(Arc::new)
            },
            |b, v| {
                b.pupils.insert(school, v);
            },
        )
    }

    fn read_schools(conn: &Connection) -> Result<Vec<School>> {
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, name, urn, la, estab, am_opens, am_closes, pm_opens, pm_closes
                 FROM schools ORDER BY id",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, SchoolId>(0)?,
                    SchoolDetails {
                        name: r.get(1)?,
                        urn: r.get(2)?,
                        la: r.get(3)?,
                        estab: r.get(4)?,
                    },
                    [r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?],
                ))
            })
            .map_err(db_err)?
            .collect::<rusqlite::Result<Vec<(SchoolId, SchoolDetails, [Option<String>; 4])>>>()
            .map_err(db_err)?;
        rows.into_iter()
            .map(|(id, details, times)| {
                Ok(School {
                    id,
                    details,
                    register_times: decode::register_times(times.each_ref().map(Option::as_deref))?,
                })
            })
            .collect()
    }

    fn query_pupils(
        conn: &Connection,
        condition: &str,
        school: SchoolId,
        form: Option<&str>,
    ) -> Result<Vec<StoredPupil>> {
        let sql = format!(
            "SELECT id, upn, surname, forename, dob, sex, year_group, form, admission_date,
                    leaving_date, fsm, pupil_premium, looked_after, social_worker, eal,
                    young_carer, sen, ethnicity, deletion_ground
             FROM pupils WHERE {condition} ORDER BY upn"
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(db_err)?;
        type Raw = (
            PupilId,
            String,
            String,
            String,
            Date,
            Option<String>,
            String,
            Option<String>,
            Date,
            Option<Date>,
            [bool; 6],
            String,
            (Option<String>, Option<String>),
        );
        let rows = stmt
            .query_map(params![school, form], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    date_col(r, 4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    date_col(r, 8)?,
                    opt_date_col(r, 9)?,
                    [
                        r.get(10)?,
                        r.get(11)?,
                        r.get(12)?,
                        r.get(13)?,
                        r.get(14)?,
                        r.get(15)?,
                    ],
                    r.get(16)?,
                    (r.get(17)?, r.get(18)?),
                ))
            })
            .map_err(db_err)?
            .collect::<rusqlite::Result<Vec<Raw>>>()
            .map_err(db_err)?;
        rows.into_iter()
            .map(
                |(id, upn, surname, forename, dob, sex, yg, form, adm, leave, flags, sen, eth)| {
                    let [fsm, pupil_premium, looked_after, social_worker, eal, young_carer] = flags;
                    Ok(StoredPupil {
                        id,
                        pupil: Pupil {
                            upn: decode::upn(&upn)?,
                            surname,
                            forename,
                            dob,
                            sex: decode::sex(sex.as_deref())?,
                            year_group: decode::year_group(&yg)?,
                            form,
                            admission_date: adm,
                            leaving_date: leave,
                            fsm,
                            pupil_premium,
                            looked_after,
                            social_worker,
                            eal,
                            young_carer,
                            sen: decode::sen(&sen)?,
                            ethnicity: eth.0,
                            deletion_ground: eth.1,
                        },
                    })
                },
            )
            .collect()
    }

    pub(crate) fn read_recorded(
        row: &Row<'_>,
        i: usize,
    ) -> rusqlite::Result<(String, String, String)> {
        Ok((row.get(i)?, row.get(i + 1)?, row.get(i + 2)?))
    }
}

/// A mark from its stored columns.
fn stored_mark(
    pupil: PupilId,
    date: Date,
    session: &str,
    code: &str,
    minutes_late: Option<i64>,
    rec: (String, String, String),
) -> Result<StoredMark> {
    Ok(StoredMark {
        pupil,
        date,
        session: session_of(session)?,
        entry: entry(code, minutes_late)?,
        recorded: recorded(rec)?,
    })
}

pub(crate) fn recorded((by, role, at): (String, String, String)) -> Result<Recorded> {
    Ok(Recorded {
        by,
        role,
        at: parse_timestamp(&at)?,
    })
}

fn entry(code: &str, minutes_late: Option<i64>) -> Result<MarkEntry> {
    Ok(MarkEntry {
        code: stored_code(code)?,
        minutes_late: decode::minutes_late(minutes_late)?,
    })
}

/// The first and last day of a date range as text to compare with date columns
/// ([`DateRange::bounds`]).
fn range_params(range: DateRange) -> (String, String) {
    let (from, to) = range.bounds();
    (day(from), day(to))
}

impl Store for SqliteStore {
    fn migrate(&mut self) -> Result<()> {
        // Most opens find the schema current: check with a read before taking the write lock.
        let latest = MIGRATIONS.last().map_or(0, |(v, _)| *v);
        let current: Option<i64> = self
            .conn
            .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
                r.get(0)
            })
            .unwrap_or(None);
        if current == Some(latest) {
            return Ok(());
        }
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
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
        tx.commit().map_err(db_err)
    }

    fn backend(&self) -> &'static str {
        "SQLite"
    }

    fn reads_are_local(&self) -> bool {
        true
    }

    fn begin_read(&mut self) -> Result<()> {
        if self.conn.is_autocommit() {
            self.conn
                .prepare_cached("BEGIN")
                .and_then(|mut s| s.execute([]))
                .map_err(db_err)?;
            self.snapshot = true;
        }
        Ok(())
    }

    fn end_read(&mut self) -> Result<()> {
        if std::mem::take(&mut self.snapshot) && !self.conn.is_autocommit() {
            self.conn
                .prepare_cached("COMMIT")
                .and_then(|mut s| s.execute([]))
                .map_err(db_err)?;
        }
        Ok(())
    }

    fn leave_housekeeping_to_background(&mut self) -> Result<()> {
        self.conn
            .execute_batch("PRAGMA wal_autocheckpoint = 0;")
            .map_err(db_err)
    }

    /// Copies the write-ahead log into the database without blocking readers or writers.
    fn housekeeping(&mut self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(db_err)
    }

    fn schools(&mut self) -> Result<Vec<School>> {
        let schools = self.basis(
            |b| b.schools.clone(),
            |conn| Self::read_schools(conn).map(Arc::new),
            |b, v| b.schools = Some(v),
        )?;
        Ok(schools.as_ref().clone())
    }

    fn import_calendar(
        &mut self,
        school: &SchoolDetails,
        times: &RegisterTimes,
        calendar: &Calendar,
    ) -> Result<SchoolId> {
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let t = |s| format_time(times.opens(s));
        let c = |s| format_time(times.closes(s));
        let id = match Self::school_id_for(&tx, school)? {
            Some(id) => {
                tx.execute(
                    "UPDATE schools SET name = ?2, la = ?3, estab = ?4, am_opens = ?5, am_closes = ?6,
                     pm_opens = ?7, pm_closes = ?8 WHERE id = ?1",
                    params![
                        id,
                        school.name,
                        school.la,
                        school.estab,
                        t(Session::Am),
                        c(Session::Am),
                        t(Session::Pm),
                        c(Session::Pm)
                    ],
                )
                .map_err(db_err)?;
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO schools (name, urn, la, estab, am_opens, am_closes, pm_opens, pm_closes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        school.name,
                        school.urn,
                        school.la,
                        school.estab,
                        t(Session::Am),
                        c(Session::Am),
                        t(Session::Pm),
                        c(Session::Pm)
                    ],
                )
                .map_err(db_err)?;
                SchoolId(tx.last_insert_rowid())
            }
        };
        let merged = Self::read_calendar(&tx, id)?
            .merged_with(calendar)
            .map_err(|e| StoreError::calendar_not_merged(id, &e))?;
        tx.execute("DELETE FROM half_terms WHERE school_id = ?1", [id])
            .map_err(db_err)?;
        tx.execute("DELETE FROM closures WHERE school_id = ?1", [id])
            .map_err(db_err)?;
        {
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO half_terms (school_id, name, start_date, end_date) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(db_err)?;
            for h in merged.half_terms() {
                ins.execute(params![id, h.name, day(h.start), day(h.end)])
                    .map_err(db_err)?;
            }
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO closures (school_id, start_date, end_date, sessions, reason, year_groups)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(db_err)?;
            for cl in merged.closures() {
                let groups = cl
                    .year_groups
                    .as_ref()
                    .map(|g| {
                        g.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default();
                ins.execute(params![
                    id,
                    day(cl.start),
                    day(cl.end),
                    cl.sessions.as_str(),
                    cl.reason,
                    groups
                ])
                .map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)?;
        Ok(id)
    }

    fn calendar(&mut self, school: SchoolId) -> Result<Calendar> {
        let calendar = self.basis(
            |b| b.calendars.get(&school).cloned(),
            |conn| Self::read_calendar(conn, school).map(Arc::new),
            |b, v| {
                b.calendars.insert(school, v);
            },
        )?;
        Ok(calendar.as_ref().clone())
    }

    fn pupils(&mut self, school: SchoolId) -> Result<Vec<StoredPupil>> {
        Ok(self.all_pupils(school)?.as_ref().clone())
    }

    fn form_pupils(&mut self, school: SchoolId, form: &str) -> Result<Vec<StoredPupil>> {
        Ok(self
            .all_pupils(school)?
            .iter()
            .filter(|p| p.pupil.form.as_deref() == Some(form))
            .cloned()
            .collect())
    }

    fn session_marks(
        &mut self,
        school: SchoolId,
        pupils: &[PupilId],
        date: Date,
        session: Session,
    ) -> Result<Vec<StoredMark>> {
        // Only the school's own pupils: checked against its admission register (kept in memory)
        // rather than joined row by row.
        let asked: std::collections::HashSet<PupilId> = pupils.iter().copied().collect();
        let ours: std::collections::HashSet<PupilId> = self
            .all_pupils(school)?
            .iter()
            .map(|p| p.id)
            .filter(|id| asked.contains(id))
            .collect();
        let day = day(date);
        self.reading(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT code, minutes_late, recorded_by, recorded_role, recorded_at
                     FROM marks WHERE date = ?1 AND session = ?2 AND pupil_id = ?3",
                )
                .map_err(db_err)?;
            let mut out = Vec::new();
            for &pupil in pupils.iter().filter(|p| ours.contains(p)) {
                let found = stmt
                    .query_row(params![day, session.as_str(), pupil], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, Option<i64>>(1)?,
                            Self::read_recorded(r, 2)?,
                        ))
                    })
                    .optional()
                    .map_err(db_err)?;
                if let Some((code, minutes, rec)) = found {
                    out.push(StoredMark {
                        pupil,
                        date,
                        session,
                        entry: entry(&code, minutes)?,
                        recorded: recorded(rec)?,
                    });
                }
            }
            Ok(out)
        })
    }

    fn save_pupils(&mut self, school: SchoolId, pupils: &[Pupil]) -> Result<PupilsSaved> {
        if pupils.is_empty() {
            return Ok(PupilsSaved::default());
        }
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        require_school(&tx, school)?;
        // Read inside the transaction: no other program can change them before they are written.
        let existing: std::collections::HashMap<Upn, StoredPupil> =
            Self::query_pupils(&tx, "school_id = ?1 AND ?2 IS NULL", school, None)?
                .into_iter()
                .map(|p| (p.pupil.upn.clone(), p))
                .collect();
        let mut saved = PupilsSaved::default();
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO pupils (school_id, upn, surname, forename, dob, sex, year_group, form,
                        admission_date, leaving_date, fsm, pupil_premium, looked_after, social_worker,
                        eal, young_carer, sen, ethnicity, deletion_ground)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
                )
                .map_err(db_err)?;
            let mut update = tx
                .prepare_cached(
                    "UPDATE pupils SET surname = ?3, forename = ?4, dob = ?5, sex = ?6, year_group = ?7,
                        form = ?8, admission_date = ?9, leaving_date = ?10, fsm = ?11,
                        pupil_premium = ?12, looked_after = ?13, social_worker = ?14, eal = ?15,
                        young_carer = ?16, sen = ?17, ethnicity = ?18, deletion_ground = ?19
                     WHERE school_id = ?1 AND upn = ?2",
                )
                .map_err(db_err)?;
            for p in pupils {
                let values = params![
                    school,
                    p.upn.as_str(),
                    p.surname,
                    p.forename,
                    day(p.dob),
                    p.sex.map(|s| s.to_string()),
                    p.year_group.to_string(),
                    p.form,
                    day(p.admission_date),
                    p.leaving_date.map(day),
                    p.fsm,
                    p.pupil_premium,
                    p.looked_after,
                    p.social_worker,
                    p.eal,
                    p.young_carer,
                    p.sen.to_string(),
                    p.ethnicity,
                    p.deletion_ground,
                ];
                match existing.get(&p.upn) {
                    None => {
                        insert.execute(values).map_err(db_err)?;
                        saved.added += 1;
                    }
                    Some(old) if old.pupil == *p => saved.unchanged += 1,
                    Some(_) => {
                        update.execute(values).map_err(db_err)?;
                        saved.updated += 1;
                    }
                }
            }
        }
        tx.commit().map_err(db_err)?;
        Ok(saved)
    }

    fn marks(&mut self, school: SchoolId, range: DateRange) -> Result<Vec<StoredMark>> {
        let (from, to) = range_params(range);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT m.pupil_id, m.date, m.session, m.code, m.minutes_late,
                        m.recorded_by, m.recorded_role, m.recorded_at
                 FROM pupils p JOIN marks m ON m.pupil_id = p.id
                 WHERE p.school_id = ?1 AND m.date BETWEEN ?2 AND ?3
                 ORDER BY m.pupil_id, m.date, m.session",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![school, from, to], |r| {
                Ok((
                    r.get::<_, PupilId>(0)?,
                    date_col(r, 1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    Self::read_recorded(r, 5)?,
                ))
            })
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (pupil, date, session, code, minutes_late, rec) = row.map_err(db_err)?;
            out.push(stored_mark(
                pupil,
                date,
                &session,
                &code,
                minutes_late,
                rec,
            )?);
        }
        Ok(out)
    }

    /// One pass over the range in register order, which is already by date and session.
    fn pupil_marks(
        &mut self,
        school: SchoolId,
        pupil: PupilId,
        range: DateRange,
    ) -> Result<Vec<StoredMark>> {
        let (from, to) = range_params(range);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT m.date, m.session, m.code, m.minutes_late,
                        m.recorded_by, m.recorded_role, m.recorded_at
                 FROM marks m JOIN pupils p ON p.id = m.pupil_id
                 WHERE m.pupil_id = ?1 AND p.school_id = ?2 AND m.date BETWEEN ?3 AND ?4
                 ORDER BY m.date, m.session",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![pupil, school, from, to], |r| {
                Ok((
                    date_col(r, 0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    Self::read_recorded(r, 4)?,
                ))
            })
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (date, session, code, minutes_late, rec) = row.map_err(db_err)?;
            out.push(stored_mark(
                pupil,
                date,
                &session,
                &code,
                minutes_late,
                rec,
            )?);
        }
        Ok(out)
    }

    fn mark_facts(&mut self, school: SchoolId, range: DateRange) -> Result<Vec<PupilMarkFact>> {
        lines::facts(&self.conn, school, range)
    }

    fn apply_marks(
        &mut self,
        school: SchoolId,
        changes: &[MarkChange],
        progress: Progress<'_>,
    ) -> Result<()> {
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let mut progress = ProgressCounter::new(progress);
        write_marks(&tx, school, changes, &mut progress)?;
        tx.commit().map_err(db_err)?;
        progress.finish();
        Ok(())
    }

    /// One transaction for every group, each group inside a savepoint: a refused group is rolled
    /// back to its savepoint and the others are committed together.
    fn apply_mark_groups(&mut self, groups: &[MarkGroup<'_>]) -> Result<Vec<Result<()>>> {
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        let mut tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let mut outcomes = Vec::with_capacity(groups.len());
        for group in groups {
            let savepoint = tx.savepoint().map_err(db_err)?;
            let mut progress = |_| {};
            let mut progress = ProgressCounter::new(&mut progress);
            let outcome = write_marks(&savepoint, group.school, group.changes, &mut progress);
            if outcome.is_ok() {
                savepoint.commit().map_err(db_err)?;
            }
            // A savepoint dropped without commit rolls back to where it began.
            outcomes.push(outcome);
        }
        tx.commit().map_err(db_err)?;
        Ok(outcomes)
    }

    fn save_policy(
        &mut self,
        school: Option<SchoolId>,
        text: &str,
        recorded: &Recorded,
    ) -> Result<i64> {
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        self.conn
            .execute(
                "INSERT INTO policies (school_id, text, recorded_by, recorded_role, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    school,
                    text,
                    recorded.by,
                    recorded.role,
                    format_timestamp(&recorded.at)
                ],
            )
            .map_err(|e| match school {
                Some(school) if missing_reference(&e) => StoreError::unknown_school(school),
                _ => db_err(e),
            })?;
        Ok(self.conn.last_insert_rowid())
    }

    fn policies(&mut self, school: Option<SchoolId>) -> Result<Vec<StoredPolicy>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT version, school_id, text, recorded_by, recorded_role, recorded_at FROM policies
                 WHERE school_id IS ?1 ORDER BY version",
            )
            .map_err(db_err)?;
        type Raw = (i64, Option<SchoolId>, String, (String, String, String));
        let rows = stmt
            .query_map(params![school], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, Self::read_recorded(r, 3)?))
            })
            .map_err(db_err)?
            .collect::<rusqlite::Result<Vec<Raw>>>()
            .map_err(db_err)?;
        rows.into_iter()
            .map(|(version, school, text, rec)| {
                Ok(StoredPolicy {
                    version,
                    school,
                    text,
                    recorded: recorded(rec)?,
                })
            })
            .collect()
    }

    fn save_user(&mut self, user: &UserDraft) -> Result<UserId> {
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        people::save_user(&mut self.conn, user)
    }

    fn users(&mut self, school: Option<SchoolId>) -> Result<Vec<User>> {
        people::users(&self.conn, people::UserFilter::School(school))
    }

    fn user_by_name(&mut self, username: &str) -> Result<Option<User>> {
        let mut found =
            self.reading(|conn| people::users(conn, people::UserFilter::Name(username)))?;
        Ok(found.pop())
    }

    fn user(&mut self, id: UserId) -> Result<Option<User>> {
        let mut found = self.reading(|conn| people::users(conn, people::UserFilter::Id(id)))?;
        Ok(found.pop())
    }

    fn create_session(&mut self, session: &SignInSession) -> Result<()> {
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        people::create_session(&self.conn, session)
    }

    fn session(&mut self, token_hash: &str) -> Result<Option<SignInSession>> {
        people::session(&self.conn, token_hash)
    }

    fn touch_session(&mut self, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        self.conn
            .execute(
                "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
                params![token_hash, format_timestamp(&at)],
            )
            .map_err(db_err)?;
        Ok(())
    }

    fn end_session(&mut self, token_hash: &str) -> Result<()> {
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        self.conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
            .map_err(db_err)?;
        Ok(())
    }

    fn save_contacts(
        &mut self,
        school: SchoolId,
        contacts: &[(PupilId, Vec<Contact>)],
    ) -> Result<()> {
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        people::save_contacts(&mut self.conn, school, contacts)
    }

    fn contacts(&mut self, school: SchoolId, pupil: PupilId) -> Result<Vec<Contact>> {
        people::contacts(&self.conn, school, pupil)
    }

    fn end_user_sessions(&mut self, user: UserId) -> Result<usize> {
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        self.conn
            .execute("DELETE FROM sessions WHERE user_id = ?1", [user])
            .map_err(db_err)
    }

    fn end_expired_sessions(
        &mut self,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> Result<usize> {
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        self.conn
            .execute(
                "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at < ?2",
                params![format_timestamp(&now), format_timestamp(&idle_since)],
            )
            .map_err(db_err)
    }

    fn record_absence(
        &mut self,
        school: SchoolId,
        report: &AbsenceReport,
        changes: &[MarkChange],
    ) -> Result<i64> {
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let id = people::insert_report(&tx, school, report)?;
        write_marks(&tx, school, changes, &mut ProgressCounter::new(&mut |_| {}))?;
        tx.commit().map_err(db_err)?;
        Ok(id)
    }

    fn absence_reports(
        &mut self,
        school: SchoolId,
        range: DateRange,
    ) -> Result<Vec<StoredAbsenceReport>> {
        let (from, to) = range_params(range);
        people::absence_reports(&self.conn, school, &from, &to)
    }

    fn amendments(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredAmendment>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.pupil_id, a.date, a.session, a.original_code, a.original_minutes_late,
                        a.original_recorded_by, a.original_recorded_role, a.original_recorded_at,
                        a.code, a.minutes_late, a.reason, a.amended_by, a.amended_role, a.amended_at
                 FROM amendments a JOIN pupils p ON p.id = a.pupil_id
                 WHERE p.school_id = ?1 AND (?2 IS NULL OR a.pupil_id = ?2)
                 ORDER BY a.id",
            )
            .map_err(db_err)?;
        type Raw = (
            PupilId,
            Date,
            String,
            String,
            Option<i64>,
            (String, String, String),
            String,
            Option<i64>,
            String,
            (String, String, String),
        );
        let rows = stmt
            .query_map(params![school, pupil], |r| {
                Ok((
                    r.get(0)?,
                    date_col(r, 1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    Self::read_recorded(r, 5)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    Self::read_recorded(r, 11)?,
                ))
            })
            .map_err(db_err)?
            .collect::<rusqlite::Result<Vec<Raw>>>()
            .map_err(db_err)?;
        rows.into_iter()
            .map(
                |(pupil, date, session, ocode, omin, orec, code, min, reason, rec)| {
                    Ok(StoredAmendment {
                        pupil,
                        date,
                        session: session_of(&session)?,
                        original: entry(&ocode, omin)?,
                        original_recorded: recorded(orec)?,
                        amended: entry(&code, min)?,
                        reason,
                        recorded: recorded(rec)?,
                    })
                },
            )
            .collect()
    }
}

/// Fails with [`StoreError::unknown_school`] when there is no such school.
pub(crate) fn require_school(conn: &Connection, school: SchoolId) -> Result<()> {
    let found = conn
        .prepare_cached("SELECT 1 FROM schools WHERE id = ?1")
        .and_then(|mut s| s.exists([school]))
        .map_err(db_err)?;
    if found {
        Ok(())
    } else {
        Err(StoreError::unknown_school(school))
    }
}

/// Applies mark changes inside the caller's transaction, with their conflict checks in the order
/// `rollcall-store` gives (every pupil first, then each change in turn), and keeps the register
/// lines in step. Counts the changes written in `progress`.
fn write_marks(
    tx: &Connection,
    school: SchoolId,
    changes: &[MarkChange],
    progress: &mut ProgressCounter<'_>,
) -> Result<()> {
    {
        let mut upn = tx
            .prepare_cached("SELECT upn FROM pupils WHERE id = ?1 AND school_id = ?2")
            .map_err(db_err)?;
        let pupils = BatchPupils::find(school, changes, |pupil| {
            upn.query_row(params![pupil, school], |r| r.get(0))
                .optional()
                .map_err(db_err)
        })?;
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO marks (pupil_id, date, session, code, minutes_late, recorded_by,
                    recorded_role, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(db_err)?;
        let mut current = tx
            .prepare_cached(
                "SELECT code, minutes_late, recorded_by, recorded_role, recorded_at FROM marks
                 WHERE pupil_id = ?1 AND date = ?2 AND session = ?3",
            )
            .map_err(db_err)?;
        let mut update = tx
            .prepare_cached(
                "UPDATE marks SET code = ?4, minutes_late = ?5, recorded_by = ?6,
                    recorded_role = ?7, recorded_at = ?8
                 WHERE pupil_id = ?1 AND date = ?2 AND session = ?3",
            )
            .map_err(db_err)?;
        let mut log = tx
            .prepare_cached(
                "INSERT INTO amendments (pupil_id, date, session, original_code,
                    original_minutes_late, original_recorded_by, original_recorded_role,
                    original_recorded_at, code, minutes_late, reason, amended_by, amended_role,
                    amended_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )
            .map_err(db_err)?;
        for change in changes {
            match change {
                MarkChange::New {
                    pupil,
                    date,
                    session,
                    entry,
                    recorded,
                } => {
                    let inserted = insert.execute(params![
                        pupil,
                        day(*date),
                        session.as_str(),
                        entry.code.text(),
                        entry.minutes_late,
                        recorded.by,
                        recorded.role,
                        format_timestamp(&recorded.at)
                    ]);
                    match inserted {
                        Ok(_) => {}
                        Err(e) if key_taken(&e) => return Err(pupils.already_marked(change)),
                        Err(e) => return Err(db_err(e)),
                    }
                }
                MarkChange::Amend {
                    pupil,
                    date,
                    session,
                    entry: new,
                    reason,
                    recorded: rec,
                    ..
                } => {
                    let key = params![pupil, day(*date), session.as_str()];
                    let found = current
                        .query_row(key, |r| {
                            Ok((
                                r.get::<_, String>(0)?,
                                r.get::<_, Option<i64>>(1)?,
                                SqliteStore::read_recorded(r, 2)?,
                            ))
                        })
                        .optional()
                        .map_err(db_err)?;
                    let Some((code, minutes, original_rec)) = found else {
                        return pupils.check(change, None);
                    };
                    pupils.check(change, Some(&entry(&code, minutes)?))?;
                    let at = format_timestamp(&rec.at);
                    update
                        .execute(params![
                            pupil,
                            day(*date),
                            session.as_str(),
                            new.code.text(),
                            new.minutes_late,
                            rec.by,
                            rec.role,
                            at
                        ])
                        .map_err(db_err)?;
                    log.execute(params![
                        pupil,
                        day(*date),
                        session.as_str(),
                        code,
                        minutes,
                        original_rec.0,
                        original_rec.1,
                        original_rec.2,
                        new.code.text(),
                        new.minutes_late,
                        reason,
                        rec.by,
                        rec.role,
                        at
                    ])
                    .map_err(db_err)?;
                }
            }
            progress.advance(1);
        }
    }
    lines::update(
        tx,
        changes.iter().map(|c| {
            let (pupil, date, session) = c.key();
            (pupil, date, session, c.entry().code.base())
        }),
    )?;
    Ok(())
}
