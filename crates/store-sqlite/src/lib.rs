//! The embedded SQLite backend of Rollcall's storage interface, [`rollcall_store::Store`]: one
//! file, write-ahead logging, foreign keys, and the migrations in `migrations/` applied in order
//! when the database is opened (`migrations.rs`).
//!
//! The files follow the PostgreSQL backend's: `rows.rs` reads rows back into domain values,
//! `marks.rs` holds the reads of marks and the one write path of every change to them,
//! `people.rs` users, sign-in sessions, contacts and absence reports, `leave.rs` leave of absence,
//! `day.rs` the school day (sign-outs, missing-pupil alerts, traveller records), and
//! `proposals.rs` the changes parents propose to their own contact details, and `rewards.rs`
//! pupils' own attendance targets. Two are
//! SQLite's own: `lines.rs` keeps the register lines (a pupil's year of marks, one byte per
//! session) that statistics read, and `basis.rs` the schools, calendars and admission registers
//! kept in memory between reads.
//!
//! Every write of the process to a file takes one lock first and runs in an immediate
//! transaction (`SqliteStore::write`), so writers queue in the process rather than in SQLite's
//! busy handler; reads never wait for them. Errors and the reads and writes of an unknown school
//! are as `rollcall-store` documents them for every backend.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rollcall_core::calendar::format_time;
use rollcall_core::marks::Recorded;
use rollcall_core::{Calendar, Code, Date, Pupil, RegisterTimes, Session, Upn};
use rollcall_store::{
    format_timestamp, AbsenceReport, Contact, DateRange, EvidenceAnswer, EvidenceFile,
    EvidenceRequest, LeaveApplication, LeaveDecision, MarkChange, MarkGroup, Progress, PupilId,
    PupilMarkFact, PupilsSaved, Result, School, SchoolDetails, SchoolId, SignInSession, Store,
    StoreError, StoredAbsenceReport, StoredAmendment, StoredEvidenceRequest, StoredLeave,
    StoredMark, StoredPolicy, StoredPupil, User, UserDraft, UserId,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::basis::{lock, shared_for, Shared};
use crate::rows::{day, read_recorded, recorded};

mod basis;
mod calling;
mod cases;
mod day;
mod leave;
mod lines;
mod marks;
mod migrations;
mod notices;
mod people;
mod proposals;
mod reports;
mod rewards;
mod rows;

pub struct SqliteStore {
    conn: Connection,
    shared: Arc<Shared>,
    /// Inside a read-only snapshot ([`Store::begin_read`]): what is kept in memory may be used.
    snapshot: bool,
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

/// Fails with [`StoreError::not_on_register`] unless the pupil is on the school's admission
/// register.
pub(crate) fn require_pupil(conn: &Connection, school: SchoolId, pupil: PupilId) -> Result<()> {
    let belongs = conn
        .prepare_cached("SELECT 1 FROM pupils WHERE id = ?1 AND school_id = ?2")
        .and_then(|mut s| s.exists(params![pupil, school]))
        .map_err(db_err)?;
    if belongs {
        Ok(())
    } else {
        Err(StoreError::not_on_register(pupil, school))
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

    /// Runs several reads as one read transaction: one snapshot, and the log locked once
    /// instead of once per statement.
    pub(crate) fn reading<T>(&mut self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return f(&self.conn);
        }
        let tx = self.conn.transaction().map_err(db_err)?;
        let out = f(&tx)?;
        tx.commit().map_err(db_err)?;
        Ok(out)
    }

    /// Runs `f` as one write: with this process's writer lock for the file taken first (writers
    /// queue there, not in SQLite's busy handler), in an immediate transaction that is committed
    /// when `f` succeeds and rolled back when it fails.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let shared = Arc::clone(&self.shared);
        let _one_writer = lock(&shared.writer);
        let mut tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let out = f(&mut tx)?;
        tx.commit().map_err(db_err)?;
        Ok(out)
    }

    /// The marks of a school's pupils in a range, read row by row from `marks` (the record that
    /// register lines are derived from; used to check them).
    pub fn mark_facts_from_rows(
        &mut self,
        school: SchoolId,
        range: DateRange,
    ) -> Result<Vec<PupilMarkFact>> {
        marks::facts_from_rows(&self.conn, school, range)
    }
}

fn school_id_for(tx: &Connection, school: &SchoolDetails) -> Result<Option<SchoolId>> {
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

/// Puts `calendar` in place of the school's half terms and closures.
fn save_calendar(tx: &Connection, id: SchoolId, calendar: &Calendar) -> Result<()> {
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
        for h in calendar.half_terms() {
            ins.execute(params![id, h.name, day(h.start), day(h.end)])
                .map_err(db_err)?;
        }
        let mut ins = tx
            .prepare_cached(
                "INSERT INTO closures (school_id, start_date, end_date, sessions, reason, year_groups)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(db_err)?;
        for cl in calendar.closures() {
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
    Ok(())
}

const INSERT_PUPIL: &str = "INSERT INTO pupils (school_id, upn, surname, forename, dob, sex,
    year_group, form, admission_date, leaving_date, fsm, pupil_premium, looked_after,
    social_worker, eal, young_carer, sen, ethnicity, deletion_ground)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";

const UPDATE_PUPIL: &str = "UPDATE pupils SET surname = ?3, forename = ?4, dob = ?5, sex = ?6,
    year_group = ?7, form = ?8, admission_date = ?9, leaving_date = ?10, fsm = ?11,
    pupil_premium = ?12, looked_after = ?13, social_worker = ?14, eal = ?15, young_carer = ?16,
    sen = ?17, ethnicity = ?18, deletion_ground = ?19
    WHERE school_id = ?1 AND upn = ?2";

impl Store for SqliteStore {
    fn migrate(&mut self) -> Result<()> {
        migrations::migrate(self)
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
        Ok(self.all_schools()?.as_ref().clone())
    }

    fn import_calendar(
        &mut self,
        school: &SchoolDetails,
        times: &RegisterTimes,
        calendar: &Calendar,
    ) -> Result<SchoolId> {
        let t = |s| format_time(times.opens(s));
        let c = |s| format_time(times.closes(s));
        self.write(|tx| {
            let id = match school_id_for(tx, school)? {
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
            let merged = rows::calendar(tx, id)?
                .merged_with(calendar)
                .map_err(|e| StoreError::calendar_not_merged(id, &e))?;
            save_calendar(tx, id, &merged)?;
            Ok(id)
        })
    }

    fn calendar(&mut self, school: SchoolId) -> Result<Calendar> {
        Ok(self.school_calendar(school)?.as_ref().clone())
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
        marks::session_marks(self, school, pupils, date, session)
    }

    fn save_pupils(&mut self, school: SchoolId, pupils: &[Pupil]) -> Result<PupilsSaved> {
        if pupils.is_empty() {
            return Ok(PupilsSaved::default());
        }
        self.write(|tx| {
            require_school(tx, school)?;
            // Read inside the transaction: no other program can change them before they are
            // written.
            let existing: std::collections::HashMap<Upn, StoredPupil> =
                rows::query_pupils(tx, "school_id = ?1 AND ?2 IS NULL", school, None)?
                    .into_iter()
                    .map(|p| (p.pupil.upn.clone(), p))
                    .collect();
            let mut saved = PupilsSaved::default();
            {
                let mut insert = tx.prepare_cached(INSERT_PUPIL).map_err(db_err)?;
                let mut update = tx.prepare_cached(UPDATE_PUPIL).map_err(db_err)?;
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
            Ok(saved)
        })
    }

    fn marks(&mut self, school: SchoolId, range: DateRange) -> Result<Vec<StoredMark>> {
        marks::marks(&self.conn, school, range)
    }

    /// One pass over the range in register order, which is already by date and session.
    fn pupil_marks(
        &mut self,
        school: SchoolId,
        pupil: PupilId,
        range: DateRange,
    ) -> Result<Vec<StoredMark>> {
        marks::pupil_marks(&self.conn, school, pupil, range)
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
        marks::apply(self, school, changes, progress)
    }

    /// One transaction for every group, each group inside a savepoint: a refused group is rolled
    /// back to its savepoint and the others are committed together.
    fn apply_mark_groups(&mut self, groups: &[MarkGroup<'_>]) -> Result<Vec<Result<()>>> {
        marks::apply_groups(self, groups)
    }

    fn save_policy(
        &mut self,
        school: Option<SchoolId>,
        text: &str,
        recorded: &Recorded,
    ) -> Result<i64> {
        self.write(|tx| {
            tx.execute(
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
            Ok(tx.last_insert_rowid())
        })
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
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, read_recorded(r, 3)?))
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
        self.write(|tx| people::save_user(tx, user))
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
        self.write(|tx| people::create_session(tx, session))
    }

    fn session(&mut self, token_hash: &str) -> Result<Option<SignInSession>> {
        people::session(&self.conn, token_hash)
    }

    fn touch_session(&mut self, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| people::touch_session(tx, token_hash, at))
    }

    fn end_session(&mut self, token_hash: &str) -> Result<()> {
        self.write(|tx| people::end_session(tx, token_hash))
    }

    fn save_contacts(
        &mut self,
        school: SchoolId,
        contacts: &[(PupilId, Vec<Contact>)],
    ) -> Result<()> {
        self.write(|tx| people::save_contacts(tx, school, contacts))
    }

    fn contacts(&mut self, school: SchoolId, pupil: PupilId) -> Result<Vec<Contact>> {
        people::contacts(&self.conn, school, pupil)
    }

    fn merge_contacts(&mut self, school: SchoolId, contacts: &[(PupilId, Contact)]) -> Result<()> {
        self.write(|tx| people::merge_contacts(tx, school, contacts))
    }

    fn all_contacts(&mut self, school: SchoolId) -> Result<Vec<(PupilId, Contact)>> {
        people::all_contacts(&self.conn, school)
    }

    fn save_leave(
        &mut self,
        school: SchoolId,
        application: &LeaveApplication,
        refusal: Option<&LeaveDecision>,
    ) -> Result<i64> {
        leave::save_leave(self, school, application, refusal)
    }

    fn decide_leave(
        &mut self,
        school: SchoolId,
        id: i64,
        decision: &LeaveDecision,
        changes: &[MarkChange],
    ) -> Result<()> {
        leave::decide_leave(self, school, id, decision, changes)
    }

    fn leave_applications(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredLeave>> {
        leave::leave_applications(&self.conn, school, pupil)
    }

    fn end_user_sessions(&mut self, user: UserId) -> Result<usize> {
        self.write(|tx| people::end_user_sessions(tx, user))
    }

    fn end_expired_sessions(
        &mut self,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> Result<usize> {
        self.write(|tx| people::end_expired_sessions(tx, now, idle_since))
    }

    fn record_absence(
        &mut self,
        school: SchoolId,
        report: &AbsenceReport,
        changes: &[MarkChange],
    ) -> Result<i64> {
        reports::record_absence(self, school, report, changes)
    }

    fn absence_reports(
        &mut self,
        school: SchoolId,
        range: DateRange,
    ) -> Result<Vec<StoredAbsenceReport>> {
        reports::absence_reports(&self.conn, school, range)
    }

    fn record_parent_report(
        &mut self,
        school: SchoolId,
        report: &AbsenceReport,
        evidence: Option<&EvidenceFile>,
    ) -> Result<i64> {
        reports::record_parent_report(self, school, report, evidence)
    }

    fn review_report(
        &mut self,
        school: SchoolId,
        id: i64,
        code: &Code,
        reviewed: &Recorded,
        changes: &[MarkChange],
    ) -> Result<()> {
        reports::review_report(self, school, id, code, reviewed, changes)
    }

    fn evidence_file(&mut self, school: SchoolId, id: i64) -> Result<Option<EvidenceFile>> {
        reports::evidence_file(&self.conn, school, id)
    }

    fn save_evidence_request(
        &mut self,
        school: SchoolId,
        request: &EvidenceRequest,
    ) -> Result<i64> {
        reports::save_evidence_request(self, school, request)
    }

    fn answer_evidence_request(
        &mut self,
        school: SchoolId,
        id: i64,
        answer: &EvidenceAnswer,
        file: Option<&EvidenceFile>,
        changes: &[MarkChange],
    ) -> Result<()> {
        reports::answer_evidence_request(self, school, id, answer, file, changes)
    }

    fn evidence_requests(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredEvidenceRequest>> {
        reports::evidence_requests(&self.conn, school, pupil)
    }

    fn amendments(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredAmendment>> {
        marks::amendments(&self.conn, school, pupil)
    }

    fn sign_out(
        &mut self,
        school: SchoolId,
        out: &rollcall_store::SignOut,
        changes: &[MarkChange],
    ) -> Result<i64> {
        day::sign_out(self, school, out, changes)
    }

    fn sign_in(
        &mut self,
        school: SchoolId,
        id: i64,
        back: &rollcall_store::SignIn,
        changes: &[MarkChange],
    ) -> Result<()> {
        day::sign_in(self, school, id, back, changes)
    }

    fn sign_outs(
        &mut self,
        school: SchoolId,
        range: DateRange,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredSignOut>> {
        day::sign_outs(&self.conn, school, range, pupil)
    }

    fn open_missing_alert(
        &mut self,
        school: SchoolId,
        report: &rollcall_store::MissingReport,
    ) -> Result<i64> {
        day::open_missing_alert(self, school, report)
    }

    fn add_missing_step(
        &mut self,
        school: SchoolId,
        alert: i64,
        entry: &rollcall_store::MissingEntry,
    ) -> Result<()> {
        day::add_missing_step(self, school, alert, entry)
    }

    fn missing_alerts(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredMissingAlert>> {
        self.reading(|conn| day::missing_alerts(conn, school, pupil))
    }

    fn save_travel(
        &mut self,
        school: SchoolId,
        id: Option<i64>,
        record: &rollcall_store::TravelRecord,
    ) -> Result<i64> {
        day::save_travel(self, school, id, record)
    }

    fn travel_records(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredTravel>> {
        day::travel_records(&self.conn, school, pupil)
    }

    fn add_contact(&mut self, school: SchoolId, pupil: PupilId, contact: &Contact) -> Result<()> {
        self.write(|tx| people::add_contact(tx, school, pupil, contact))
    }

    fn remove_contact(&mut self, school: SchoolId, pupil: PupilId, reference: &str) -> Result<()> {
        self.write(|tx| people::remove_contact(tx, school, pupil, reference))
    }

    fn propose_contact_change(
        &mut self,
        school: SchoolId,
        proposal: &rollcall_store::ContactProposal,
    ) -> Result<i64> {
        proposals::propose(self, school, proposal)
    }

    fn decide_contact_proposal(
        &mut self,
        school: SchoolId,
        id: i64,
        decision: &rollcall_store::ProposalDecision,
    ) -> Result<()> {
        proposals::decide(self, school, id, decision)
    }

    fn contact_proposals(
        &mut self,
        school: SchoolId,
        contact: Option<&str>,
    ) -> Result<Vec<rollcall_store::StoredProposal>> {
        proposals::proposals(&self.conn, school, contact)
    }

    fn record_call_attempt(
        &mut self,
        school: SchoolId,
        attempt: &rollcall_store::CallAttempt,
        reason: Option<(&AbsenceReport, &[MarkChange])>,
    ) -> Result<(i64, Option<i64>)> {
        calling::record_call_attempt(self, school, attempt, reason)
    }

    fn call_attempts(
        &mut self,
        school: SchoolId,
        range: DateRange,
    ) -> Result<Vec<rollcall_store::StoredCallAttempt>> {
        calling::call_attempts(&self.conn, school, range)
    }

    fn save_parent_messages(
        &mut self,
        school: SchoolId,
        messages: &[rollcall_store::ParentMessage],
    ) -> Result<Vec<i64>> {
        calling::save_parent_messages(self, school, messages)
    }

    fn record_message_outcomes(
        &mut self,
        school: SchoolId,
        outcomes: &[(i64, rollcall_store::MessageOutcome)],
    ) -> Result<()> {
        calling::record_message_outcomes(self, school, outcomes)
    }

    fn parent_messages(
        &mut self,
        school: SchoolId,
        range: DateRange,
    ) -> Result<Vec<rollcall_store::StoredParentMessage>> {
        calling::parent_messages(&self.conn, school, range)
    }

    fn open_escalation(
        &mut self,
        school: SchoolId,
        escalation: &rollcall_store::Escalation,
    ) -> Result<Option<i64>> {
        calling::open_escalation(self, school, escalation)
    }

    fn assign_escalation(
        &mut self,
        school: SchoolId,
        id: i64,
        owner: UserId,
        assigned: &Recorded,
    ) -> Result<()> {
        calling::assign_escalation(self, school, id, owner, assigned)
    }

    fn close_escalation(
        &mut self,
        school: SchoolId,
        id: i64,
        closure: &rollcall_store::EscalationClosure,
        next: Option<&rollcall_store::Escalation>,
    ) -> Result<Option<i64>> {
        calling::close_escalation(self, school, id, closure, next)
    }

    fn escalations(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredEscalation>> {
        calling::escalations(&self.conn, school, pupil)
    }
    fn issue_notice_to_improve(
        &mut self,
        school: SchoolId,
        notice: &rollcall_store::NoticeToImprove,
    ) -> Result<i64> {
        notices::issue_notice_to_improve(self, school, notice)
    }

    fn confirm_notice_outcome(
        &mut self,
        school: SchoolId,
        id: i64,
        outcome: &rollcall_store::NoticeOutcome,
    ) -> Result<()> {
        notices::confirm_notice_outcome(self, school, id, outcome)
    }

    fn notices_to_improve(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredNoticeToImprove>> {
        notices::notices_to_improve(&self.conn, school, pupil)
    }

    fn issue_penalty_notice(
        &mut self,
        school: SchoolId,
        notice: &rollcall_store::PenaltyNotice,
        counted: &[i64],
    ) -> Result<i64> {
        notices::issue_penalty_notice(self, school, notice, counted)
    }

    fn withdraw_penalty_notice(
        &mut self,
        school: SchoolId,
        id: i64,
        withdrawal: &rollcall_store::Withdrawal,
    ) -> Result<()> {
        notices::withdraw_penalty_notice(self, school, id, withdrawal)
    }

    fn close_penalty_notice(
        &mut self,
        school: SchoolId,
        id: i64,
        closure: &rollcall_store::RecordedClosure,
    ) -> Result<()> {
        notices::close_penalty_notice(self, school, id, closure)
    }

    fn penalty_notices(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredPenaltyNotice>> {
        notices::penalty_notices(&self.conn, school, pupil)
    }

    fn open_case(
        &mut self,
        school: SchoolId,
        case: &rollcall_store::CaseOpening,
        first: &rollcall_store::CaseAction,
    ) -> Result<i64> {
        cases::open_case(self, school, case, first)
    }

    fn case(&mut self, school: SchoolId, id: i64) -> Result<Option<rollcall_store::StoredCase>> {
        self.reading(|c| cases::case(c, school, id))
    }

    fn cases(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredCase>> {
        self.reading(|c| cases::cases(c, school, pupil))
    }

    fn add_case_action(
        &mut self,
        school: SchoolId,
        case: i64,
        action: &rollcall_store::CaseAction,
    ) -> Result<i64> {
        cases::add_case_action(self, school, case, action)
    }

    fn complete_review(
        &mut self,
        school: SchoolId,
        action: i64,
        done: &rollcall_store::ReviewDone,
    ) -> Result<()> {
        cases::complete_review(self, school, action, done)
    }

    fn change_stage(
        &mut self,
        school: SchoolId,
        case: i64,
        stage: &str,
        action: &rollcall_store::CaseAction,
    ) -> Result<i64> {
        cases::change_stage(self, school, case, stage, action)
    }

    fn link_cases(&mut self, school: SchoolId, a: i64, b: i64) -> Result<()> {
        cases::link_cases(self, school, a, b)
    }

    fn close_case(
        &mut self,
        school: SchoolId,
        case: i64,
        closure: &rollcall_store::CaseClosure,
    ) -> Result<()> {
        cases::close_case(self, school, case, closure)
    }

    fn dispose_alert(
        &mut self,
        school: SchoolId,
        disposition: &rollcall_store::AlertDisposition,
        action: Option<&rollcall_store::CaseAction>,
    ) -> Result<()> {
        cases::dispose_alert(self, school, disposition, action)
    }

    fn alert_dispositions(
        &mut self,
        school: SchoolId,
    ) -> Result<Vec<rollcall_store::AlertDisposition>> {
        cases::alert_dispositions(&self.conn, school)
    }

    fn mark_alerts_seen(
        &mut self,
        school: SchoolId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<()> {
        cases::mark_alerts_seen(self, school, user, at)
    }

    fn alerts_seen_at(&mut self, school: SchoolId, user: UserId) -> Result<Option<DateTime<Utc>>> {
        cases::alerts_seen_at(&self.conn, school, user)
    }

    fn save_contract(
        &mut self,
        school: SchoolId,
        contract: &rollcall_store::Contract,
        action: &rollcall_store::CaseAction,
    ) -> Result<(i64, i64)> {
        cases::save_contract(self, school, contract, action)
    }

    fn contracts(
        &mut self,
        school: SchoolId,
        case: Option<i64>,
    ) -> Result<Vec<rollcall_store::StoredContract>> {
        self.reading(|c| cases::contracts(c, school, case))
    }

    fn review_contract(
        &mut self,
        school: SchoolId,
        contract: i64,
        review: &rollcall_store::ContractReview,
        action: &rollcall_store::CaseAction,
        stage: Option<&str>,
    ) -> Result<()> {
        cases::review_contract(self, school, contract, review, action, stage)
    }

    fn save_target(
        &mut self,
        school: SchoolId,
        target: &rollcall_store::AttendanceTarget,
    ) -> Result<i64> {
        rewards::save_target(self, school, target)
    }

    fn attendance_targets(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredTarget>> {
        rewards::attendance_targets(&self.conn, school, pupil)
    }
}
