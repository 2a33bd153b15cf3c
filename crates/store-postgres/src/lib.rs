//! The PostgreSQL backend of Rollcall's storage interface, [`rollcall_store::Store`].
//!
//! One database holds any number of schools. The schema follows the logical schema of
//! `rollcall-store`: `schools`, `half_terms`, `closures`, `pupils`, `marks` (one row per pupil,
//! date and session; never deleted), `amendments` (append only), `policies`, `users` (a user name
//! unique on `lower(username)`, with `user_year_groups`, `user_forms` and `user_children`),
//! `sessions` (ended by deleting the row: they are not evidence), `contact_people` with
//! `pupil_contacts` and the `contact_proposals` parents make, `absence_reports`, and the school
//! day's `sign_outs`, `missing_alerts` with `missing_steps` and `traveller_records`, and pupils' own
//! `attendance_targets`, with dates as `date`, times as `timestamptz` (to the microsecond), times
//! of day at the school as `time`, and codes as the text of the register. The schema is created and upgraded by [`Store::migrate`] from the
//! numbered SQL files in `migrations/`.
//!
//! Every method that writes is one transaction. New marks are written in bulk with
//! `COPY … FROM STDIN` in PostgreSQL's binary format; amendments are sent as arrays, checked
//! against the marks they expect under a row lock, and written with one statement per batch.
//! [`Store::mark_facts`] reads a binary `COPY … TO STDOUT` straight into the lean facts the
//! statistics need. [`Store::record_absence`] saves the report and applies its marks with the code
//! and checks of [`Store::apply_marks`], in the same transaction. Errors and the reads and
//! writes of an unknown school are as `rollcall-store` documents them for every backend.
//!
//! Migrations take a transaction-scoped advisory lock, so processes that start together on a
//! new database take turns; each migration is applied in a transaction of its own and recorded
//! in `schema_migrations`. A database migrated by a newer Rollcall is refused.
//!
//! The tests run against a throwaway server (`rollcall-testkit`): the conformance suite of
//! `rollcall-store-conformance`, and this backend's own. Speed is measured by the benchmarks
//! (docs/performance.md), not by tests.
//!
//! ```no_run
//! use rollcall_store::Store;
//! let mut store = rollcall_store_postgres::PostgresStore::connect(
//!     "postgres://rollcall@127.0.0.1:5432/rollcall",
//! )?;
//! store.migrate()?;
//! # Ok::<(), rollcall_store::StoreError>(())
//! ```

mod calling;
mod cases;
mod contacts;
mod day;
mod facts;
mod leave;
mod marks;
mod migrations;
mod notices;
mod people;
mod proposals;
mod reports;
mod rewards;
mod rows;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use postgres::{Client, GenericClient, NoTls};
use rollcall_core::calendar::format_time;
use rollcall_core::marks::Recorded;
use rollcall_core::{Calendar, Closure, Code, HalfTerm, Pupil, RegisterTimes, Session};
use rollcall_store::{
    decode, AbsenceReport, Contact, DateRange, EvidenceAnswer, EvidenceFile, EvidenceRequest,
    LeaveApplication, LeaveDecision, MarkChange, MarkGroup, PupilId, PupilMarkFact, PupilsSaved,
    Result, School, SchoolDetails, SchoolId, SignInSession, Store, StoreError, StoredAbsenceReport,
    StoredAmendment, StoredEvidenceRequest, StoredLeave, StoredMark, StoredPolicy, StoredPupil,
    User, UserDraft, UserId,
};

use crate::rows::col;

/// A Rollcall database on a PostgreSQL server.
pub struct PostgresStore {
    client: Client,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("closed", &self.client.is_closed())
            .finish()
    }
}

/// Maps a database error into the store's error.
pub(crate) fn db(e: postgres::Error) -> StoreError {
    StoreError::Database(Box::new(e))
}

impl PostgresStore {
    /// Connects to a database, e.g. `postgres://user@127.0.0.1:5432/rollcall` (or any form the
    /// `postgres` crate reads, `postgresql://` URLs and `host=… dbname=…` strings included),
    /// without TLS.
    ///
    /// The connection is named `rollcall` in `pg_stat_activity` unless the URL names it.
    pub fn connect(url: &str) -> Result<PostgresStore> {
        let mut config: postgres::Config = url.parse().map_err(db)?;
        if config.get_application_name().is_none() {
            config.application_name("rollcall");
        }
        let client = config.connect(NoTls).map_err(db)?;
        Ok(PostgresStore::from_client(client))
    }

    /// A store on a client connected elsewhere (e.g. with TLS).
    pub fn from_client(client: Client) -> PostgresStore {
        PostgresStore { client }
    }

    /// The client underneath, for what the trait does not cover.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// Fails with [`StoreError::not_on_register`] unless the pupil is on the school's admission
/// register.
pub(crate) fn require_pupil(
    client: &mut impl GenericClient,
    school: SchoolId,
    pupil: PupilId,
) -> Result<()> {
    let found = client
        .query_opt(
            "SELECT 1 FROM pupils WHERE id = $1 AND school_id = $2",
            &[&pupil, &school],
        )
        .map_err(db)?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::not_on_register(pupil, school)),
    }
}

/// Fails with [`StoreError::unknown_school`] when there is no such school; `lock` locks its row
/// for the rest of the transaction.
pub(crate) fn require_school(
    client: &mut impl GenericClient,
    school: SchoolId,
    lock: bool,
) -> Result<()> {
    let sql = if lock {
        "SELECT 1 FROM schools WHERE id = $1 FOR NO KEY UPDATE"
    } else {
        "SELECT 1 FROM schools WHERE id = $1"
    };
    match client.query_opt(sql, &[&school]).map_err(db)? {
        Some(_) => Ok(()),
        None => Err(StoreError::unknown_school(school)),
    }
}

fn load_calendar(client: &mut impl GenericClient, school: SchoolId) -> Result<Calendar> {
    let half_terms = client
        .query(
            "SELECT name, start_date, end_date FROM half_terms WHERE school_id = $1 ORDER BY id",
            &[&school],
        )
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(HalfTerm {
                name: col(row, 0)?,
                start: col(row, 1)?,
                end: col(row, 2)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let closures = client
        .query(
            "SELECT start_date, end_date, sessions, reason, year_groups FROM closures \
             WHERE school_id = $1 ORDER BY id",
            &[&school],
        )
        .map_err(db)?
        .iter()
        .map(|row| {
            let groups: Vec<&str> = col(row, 4)?;
            Ok(Closure {
                start: col(row, 0)?,
                end: col(row, 1)?,
                sessions: decode::closure_sessions(col(row, 2)?)?,
                reason: col(row, 3)?,
                year_groups: decode::closure_year_groups(groups)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    decode::calendar(school, half_terms, closures)
}

/// Finds the school of a calendar file (on URN, or on name when it has none), or creates it,
/// and locks its row for the rest of the transaction.
fn find_or_create_school(
    tx: &mut postgres::Transaction<'_>,
    school: &SchoolDetails,
) -> Result<SchoolId> {
    let find = |tx: &mut postgres::Transaction<'_>| -> Result<Option<SchoolId>> {
        let row = match &school.urn {
            Some(urn) => tx.query_opt(
                "SELECT id FROM schools WHERE urn = $1 FOR NO KEY UPDATE",
                &[urn],
            ),
            None => tx.query_opt(
                "SELECT id FROM schools WHERE name = $1 AND urn IS NULL FOR NO KEY UPDATE",
                &[&school.name],
            ),
        }
        .map_err(db)?;
        row.map(|row| col(&row, 0)).transpose()
    };
    if let Some(id) = find(tx)? {
        return Ok(id);
    }
    let created = tx
        .query_opt(
            "INSERT INTO schools (urn, name, la, estab) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING RETURNING id",
            &[&school.urn, &school.name, &school.la, &school.estab],
        )
        .map_err(db)?;
    if let Some(row) = created {
        return col(&row, 0);
    }
    // Someone else created it in the meantime.
    find(tx)?.ok_or_else(|| StoreError::school_taken(&school.name))
}

fn save_calendar(
    tx: &mut postgres::Transaction<'_>,
    school: SchoolId,
    calendar: &Calendar,
) -> Result<()> {
    tx.execute("DELETE FROM half_terms WHERE school_id = $1", &[&school])
        .map_err(db)?;
    tx.execute("DELETE FROM closures WHERE school_id = $1", &[&school])
        .map_err(db)?;
    let insert_half_term = tx
        .prepare(
            "INSERT INTO half_terms (school_id, name, start_date, end_date) \
             VALUES ($1, $2, $3, $4)",
        )
        .map_err(db)?;
    for h in calendar.half_terms() {
        tx.execute(&insert_half_term, &[&school, &h.name, &h.start, &h.end])
            .map_err(db)?;
    }
    let insert_closure = tx
        .prepare(
            "INSERT INTO closures (school_id, start_date, end_date, sessions, reason, year_groups) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .map_err(db)?;
    for c in calendar.closures() {
        let groups: Vec<String> = c
            .year_groups
            .iter()
            .flatten()
            .map(ToString::to_string)
            .collect();
        tx.execute(
            &insert_closure,
            &[
                &school,
                &c.start,
                &c.end,
                &c.sessions.as_str(),
                &c.reason,
                &groups,
            ],
        )
        .map_err(db)?;
    }
    Ok(())
}

const INSERT_PUPIL: &str = "INSERT INTO pupils (school_id, upn, surname, forename, dob, sex, \
    year_group, form, admission_date, leaving_date, fsm, pupil_premium, looked_after, \
    social_worker, eal, young_carer, sen, ethnicity, deletion_ground) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
    RETURNING id";

const UPDATE_PUPIL: &str = "UPDATE pupils SET upn = $2, surname = $3, forename = $4, dob = $5, \
    sex = $6, year_group = $7, form = $8, admission_date = $9, leaving_date = $10, fsm = $11, \
    pupil_premium = $12, looked_after = $13, social_worker = $14, eal = $15, young_carer = $16, \
    sen = $17, ethnicity = $18, deletion_ground = $19 WHERE id = $1";

/// Writes a pupil with [`INSERT_PUPIL`] (`key` = the school; the row returned holds the new id)
/// or [`UPDATE_PUPIL`] (`key` = the pupil).
fn write_pupil(
    tx: &mut postgres::Transaction<'_>,
    statement: &postgres::Statement,
    key: i64,
    p: &Pupil,
) -> Result<Option<postgres::Row>> {
    let sex = p.sex.map(|s| s.to_string());
    let year_group = p.year_group.to_string();
    let sen = p.sen.to_string();
    tx.query_opt(
        statement,
        &[
            &key,
            &p.upn.as_str(),
            &p.surname,
            &p.forename,
            &p.dob,
            &sex,
            &year_group,
            &p.form,
            &p.admission_date,
            &p.leaving_date,
            &p.fsm,
            &p.pupil_premium,
            &p.looked_after,
            &p.social_worker,
            &p.eal,
            &p.young_carer,
            &sen,
            &p.ethnicity,
            &p.deletion_ground,
        ],
    )
    .map_err(db)
}

impl Store for PostgresStore {
    fn migrate(&mut self) -> Result<()> {
        migrations::migrate(&mut self.client)
    }

    fn backend(&self) -> &'static str {
        "PostgreSQL"
    }

    fn schools(&mut self) -> Result<Vec<School>> {
        self.client
            .query(
                &format!("SELECT {} FROM schools ORDER BY id", rows::SCHOOL_COLUMNS),
                &[],
            )
            .map_err(db)?
            .iter()
            .map(rows::school)
            .collect()
    }

    fn import_calendar(
        &mut self,
        school: &SchoolDetails,
        times: &RegisterTimes,
        calendar: &Calendar,
    ) -> Result<SchoolId> {
        let mut tx = self.client.transaction().map_err(db)?;
        let id = find_or_create_school(&mut tx, school)?;
        let time = |t| format_time(t);
        tx.execute(
            "UPDATE schools SET urn = $2, name = $3, la = $4, estab = $5, \
             am_opens = $6, am_closes = $7, pm_opens = $8, pm_closes = $9 WHERE id = $1",
            &[
                &id,
                &school.urn,
                &school.name,
                &school.la,
                &school.estab,
                &time(times.opens(Session::Am)),
                &time(times.closes(Session::Am)),
                &time(times.opens(Session::Pm)),
                &time(times.closes(Session::Pm)),
            ],
        )
        .map_err(db)?;
        let existing = load_calendar(&mut tx, id)?;
        let merged = existing
            .merged_with(calendar)
            .map_err(|e| StoreError::calendar_not_merged(id, &e))?;
        save_calendar(&mut tx, id, &merged)?;
        tx.commit().map_err(db)?;
        Ok(id)
    }

    fn calendar(&mut self, school: SchoolId) -> Result<Calendar> {
        // Half terms and closures from one snapshot.
        let mut tx = self.client.transaction().map_err(db)?;
        let calendar = load_calendar(&mut tx, school)?;
        tx.commit().map_err(db)?;
        Ok(calendar)
    }

    fn pupils(&mut self, school: SchoolId) -> Result<Vec<StoredPupil>> {
        self.client
            .query(
                &format!(
                    "SELECT id, {} FROM pupils WHERE school_id = $1 ORDER BY upn COLLATE \"C\"",
                    rows::PUPIL_COLUMNS
                ),
                &[&school],
            )
            .map_err(db)?
            .iter()
            .map(rows::stored_pupil)
            .collect()
    }

    fn form_pupils(&mut self, school: SchoolId, form: &str) -> Result<Vec<StoredPupil>> {
        self.client
            .query(
                &format!(
                    "SELECT id, {} FROM pupils WHERE school_id = $1 AND form = $2 ORDER BY upn COLLATE \"C\"",
                    rows::PUPIL_COLUMNS
                ),
                &[&school, &form],
            )
            .map_err(db)?
            .iter()
            .map(rows::stored_pupil)
            .collect()
    }

    fn session_marks(
        &mut self,
        school: SchoolId,
        pupils: &[PupilId],
        date: chrono::NaiveDate,
        session: Session,
    ) -> Result<Vec<StoredMark>> {
        let rows = self
            .client
            .query(
                "SELECT m.pupil_id, m.code, m.minutes_late, m.recorded_by, m.recorded_role, m.recorded_at \
                 FROM marks m JOIN pupils p ON p.id = m.pupil_id \
                 WHERE p.school_id = $1 AND m.pupil_id = ANY($2) AND m.date = $3 AND m.session = $4 \
                 ORDER BY m.pupil_id",
                &[&school, &pupils, &date, &session.as_str()],
            )
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(StoredMark {
                    pupil: col(row, 0)?,
                    date,
                    session,
                    entry: rows::entry(row, 1, 2)?,
                    recorded: rows::recorded(row, 3)?,
                })
            })
            .collect()
    }

    fn save_pupils(&mut self, school: SchoolId, pupils: &[Pupil]) -> Result<PupilsSaved> {
        if pupils.is_empty() {
            return Ok(PupilsSaved::default());
        }
        let mut tx = self.client.transaction().map_err(db)?;
        // Locking the school makes concurrent imports of its pupils take turns, so the counts
        // are exact.
        require_school(&mut tx, school, true)?;
        let mut existing: HashMap<String, (PupilId, Pupil)> = HashMap::new();
        for row in tx
            .query(
                &format!(
                    "SELECT id, {} FROM pupils WHERE school_id = $1",
                    rows::PUPIL_COLUMNS
                ),
                &[&school],
            )
            .map_err(db)?
        {
            let pupil = rows::pupil(&row, 1)?;
            existing.insert(pupil.upn.as_str().to_owned(), (col(&row, 0)?, pupil));
        }
        let insert = tx.prepare(INSERT_PUPIL).map_err(db)?;
        let update = tx.prepare(UPDATE_PUPIL).map_err(db)?;
        let mut saved = PupilsSaved::default();
        for pupil in pupils {
            match existing.get_mut(pupil.upn.as_str()) {
                Some((_, stored)) if stored == pupil => saved.unchanged += 1,
                Some((id, stored)) => {
                    write_pupil(&mut tx, &update, id.get(), pupil)?;
                    *stored = pupil.clone();
                    saved.updated += 1;
                }
                None => {
                    let row =
                        write_pupil(&mut tx, &insert, school.get(), pupil)?.ok_or_else(|| {
                            StoreError::Corrupt("the new pupil's id did not come back".into())
                        })?;
                    existing.insert(
                        pupil.upn.as_str().to_owned(),
                        (col(&row, 0)?, pupil.clone()),
                    );
                    saved.added += 1;
                }
            }
        }
        tx.commit().map_err(db)?;
        Ok(saved)
    }

    fn marks(&mut self, school: SchoolId, range: DateRange) -> Result<Vec<StoredMark>> {
        marks::marks(&mut self.client, school, range)
    }

    fn pupil_marks(
        &mut self,
        school: SchoolId,
        pupil: PupilId,
        range: DateRange,
    ) -> Result<Vec<StoredMark>> {
        marks::pupil_marks(&mut self.client, school, pupil, range)
    }

    fn mark_facts(&mut self, school: SchoolId, range: DateRange) -> Result<Vec<PupilMarkFact>> {
        marks::mark_facts(&mut self.client, school, range)
    }

    fn apply_marks(
        &mut self,
        school: SchoolId,
        changes: &[MarkChange],
        progress: rollcall_store::Progress<'_>,
    ) -> Result<()> {
        marks::apply(&mut self.client, school, changes, progress)
    }

    fn apply_mark_groups(&mut self, groups: &[MarkGroup<'_>]) -> Result<Vec<Result<()>>> {
        marks::deadlock_is_conflict(marks::apply_groups(&mut self.client, groups))
    }

    fn save_policy(
        &mut self,
        school: Option<SchoolId>,
        text: &str,
        recorded: &Recorded,
    ) -> Result<i64> {
        let row = self
            .client
            .query_one(
                "INSERT INTO policies (school_id, text, recorded_by, recorded_role, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING version",
                &[&school, &text, &recorded.by, &recorded.role, &recorded.at],
            )
            .map_err(|e| match (school, e.code()) {
                (Some(school), Some(&postgres::error::SqlState::FOREIGN_KEY_VIOLATION)) => {
                    StoreError::unknown_school(school)
                }
                _ => db(e),
            })?;
        col(&row, 0)
    }

    fn policies(&mut self, school: Option<SchoolId>) -> Result<Vec<StoredPolicy>> {
        let rows = self
            .client
            .query(
                "SELECT version, school_id, text, recorded_by, recorded_role, recorded_at \
                 FROM policies WHERE school_id IS NOT DISTINCT FROM $1 ORDER BY version",
                &[&school],
            )
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(StoredPolicy {
                    version: col(row, 0)?,
                    school: col(row, 1)?,
                    text: col(row, 2)?,
                    recorded: rows::recorded(row, 3)?,
                })
            })
            .collect()
    }

    fn save_user(&mut self, user: &UserDraft) -> Result<UserId> {
        people::save_user(&mut self.client, user)
    }

    fn users(&mut self, school: Option<SchoolId>) -> Result<Vec<User>> {
        people::users(&mut self.client, people::Users::Of(school))
    }

    fn user_by_name(&mut self, username: &str) -> Result<Option<User>> {
        Ok(people::users(&mut self.client, people::Users::Named(username))?.pop())
    }

    fn user(&mut self, id: UserId) -> Result<Option<User>> {
        Ok(people::users(&mut self.client, people::Users::Id(id))?.pop())
    }

    fn create_session(&mut self, session: &SignInSession) -> Result<()> {
        people::create_session(&mut self.client, session)
    }

    fn session(&mut self, token_hash: &str) -> Result<Option<SignInSession>> {
        people::session(&mut self.client, token_hash)
    }

    fn touch_session(&mut self, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
        people::touch_session(&mut self.client, token_hash, at)
    }

    fn end_session(&mut self, token_hash: &str) -> Result<()> {
        people::end_session(&mut self.client, token_hash)
    }

    fn save_contacts(
        &mut self,
        school: SchoolId,
        contacts: &[(PupilId, Vec<Contact>)],
    ) -> Result<()> {
        let lists: Vec<(PupilId, &[Contact])> =
            contacts.iter().map(|(p, l)| (*p, l.as_slice())).collect();
        contacts::save(&mut self.client, school, &lists, true)
    }

    fn contacts(&mut self, school: SchoolId, pupil: PupilId) -> Result<Vec<Contact>> {
        contacts::of_pupil(&mut self.client, school, pupil)
    }

    fn merge_contacts(&mut self, school: SchoolId, contacts: &[(PupilId, Contact)]) -> Result<()> {
        let lists: Vec<(PupilId, &[Contact])> = contacts
            .iter()
            .map(|(p, c)| (*p, std::slice::from_ref(c)))
            .collect();
        contacts::save(&mut self.client, school, &lists, false)
    }

    fn all_contacts(&mut self, school: SchoolId) -> Result<Vec<(PupilId, Contact)>> {
        contacts::of_school(&mut self.client, school)
    }

    fn save_leave(
        &mut self,
        school: SchoolId,
        application: &LeaveApplication,
        refusal: Option<&LeaveDecision>,
    ) -> Result<i64> {
        leave::save(&mut self.client, school, application, refusal)
    }

    fn decide_leave(
        &mut self,
        school: SchoolId,
        id: i64,
        decision: &LeaveDecision,
        changes: &[MarkChange],
    ) -> Result<()> {
        leave::decide(&mut self.client, school, id, decision, changes)
    }

    fn leave_applications(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredLeave>> {
        leave::list(&mut self.client, school, pupil)
    }

    fn end_user_sessions(&mut self, user: UserId) -> Result<usize> {
        people::end_user_sessions(&mut self.client, user)
    }

    fn end_expired_sessions(
        &mut self,
        now: chrono::DateTime<chrono::Utc>,
        idle_since: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize> {
        people::end_expired_sessions(&mut self.client, now, idle_since)
    }

    fn record_absence(
        &mut self,
        school: SchoolId,
        report: &AbsenceReport,
        changes: &[MarkChange],
    ) -> Result<i64> {
        reports::record_absence(&mut self.client, school, report, changes)
    }

    fn absence_reports(
        &mut self,
        school: SchoolId,
        range: DateRange,
    ) -> Result<Vec<StoredAbsenceReport>> {
        reports::absence_reports(&mut self.client, school, range)
    }

    fn record_parent_report(
        &mut self,
        school: SchoolId,
        report: &AbsenceReport,
        evidence: Option<&EvidenceFile>,
    ) -> Result<i64> {
        reports::record_parent_report(&mut self.client, school, report, evidence)
    }

    fn review_report(
        &mut self,
        school: SchoolId,
        id: i64,
        code: &Code,
        reviewed: &Recorded,
        changes: &[MarkChange],
    ) -> Result<()> {
        reports::review_report(&mut self.client, school, id, code, reviewed, changes)
    }

    fn evidence_file(&mut self, school: SchoolId, id: i64) -> Result<Option<EvidenceFile>> {
        reports::evidence_file(&mut self.client, school, id)
    }

    fn save_evidence_request(
        &mut self,
        school: SchoolId,
        request: &EvidenceRequest,
    ) -> Result<i64> {
        reports::save_evidence_request(&mut self.client, school, request)
    }

    fn answer_evidence_request(
        &mut self,
        school: SchoolId,
        id: i64,
        answer: &EvidenceAnswer,
        file: Option<&EvidenceFile>,
        changes: &[MarkChange],
    ) -> Result<()> {
        reports::answer_evidence_request(&mut self.client, school, id, answer, file, changes)
    }

    fn evidence_requests(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredEvidenceRequest>> {
        reports::evidence_requests(&mut self.client, school, pupil)
    }

    fn amendments(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<StoredAmendment>> {
        marks::amendments(&mut self.client, school, pupil)
    }

    fn sign_out(
        &mut self,
        school: SchoolId,
        out: &rollcall_store::SignOut,
        changes: &[MarkChange],
    ) -> Result<i64> {
        day::sign_out(&mut self.client, school, out, changes)
    }

    fn sign_in(
        &mut self,
        school: SchoolId,
        id: i64,
        back: &rollcall_store::SignIn,
        changes: &[MarkChange],
    ) -> Result<()> {
        day::sign_in(&mut self.client, school, id, back, changes)
    }

    fn sign_outs(
        &mut self,
        school: SchoolId,
        range: DateRange,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredSignOut>> {
        day::sign_outs(&mut self.client, school, range, pupil)
    }

    fn open_missing_alert(
        &mut self,
        school: SchoolId,
        report: &rollcall_store::MissingReport,
    ) -> Result<i64> {
        day::open_missing_alert(&mut self.client, school, report)
    }

    fn add_missing_step(
        &mut self,
        school: SchoolId,
        alert: i64,
        entry: &rollcall_store::MissingEntry,
    ) -> Result<()> {
        day::add_missing_step(&mut self.client, school, alert, entry)
    }

    fn missing_alerts(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredMissingAlert>> {
        day::missing_alerts(&mut self.client, school, pupil)
    }

    fn save_travel(
        &mut self,
        school: SchoolId,
        id: Option<i64>,
        record: &rollcall_store::TravelRecord,
    ) -> Result<i64> {
        day::save_travel(&mut self.client, school, id, record)
    }

    fn travel_records(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredTravel>> {
        day::travel_records(&mut self.client, school, pupil)
    }

    fn add_contact(&mut self, school: SchoolId, pupil: PupilId, contact: &Contact) -> Result<()> {
        contacts::add(&mut self.client, school, pupil, contact)
    }

    fn remove_contact(&mut self, school: SchoolId, pupil: PupilId, reference: &str) -> Result<()> {
        contacts::remove(&mut self.client, school, pupil, reference)
    }

    fn propose_contact_change(
        &mut self,
        school: SchoolId,
        proposal: &rollcall_store::ContactProposal,
    ) -> Result<i64> {
        proposals::propose(&mut self.client, school, proposal)
    }

    fn decide_contact_proposal(
        &mut self,
        school: SchoolId,
        id: i64,
        decision: &rollcall_store::ProposalDecision,
    ) -> Result<()> {
        proposals::decide(&mut self.client, school, id, decision)
    }

    fn contact_proposals(
        &mut self,
        school: SchoolId,
        contact: Option<&str>,
    ) -> Result<Vec<rollcall_store::StoredProposal>> {
        proposals::proposals(&mut self.client, school, contact)
    }

    fn record_call_attempt(
        &mut self,
        school: SchoolId,
        attempt: &rollcall_store::CallAttempt,
        reason: Option<(&AbsenceReport, &[MarkChange])>,
    ) -> Result<(i64, Option<i64>)> {
        calling::record_call_attempt(&mut self.client, school, attempt, reason)
    }

    fn call_attempts(
        &mut self,
        school: SchoolId,
        range: DateRange,
    ) -> Result<Vec<rollcall_store::StoredCallAttempt>> {
        calling::call_attempts(&mut self.client, school, range)
    }

    fn save_parent_messages(
        &mut self,
        school: SchoolId,
        messages: &[rollcall_store::ParentMessage],
    ) -> Result<Vec<i64>> {
        calling::save_parent_messages(&mut self.client, school, messages)
    }

    fn record_message_outcomes(
        &mut self,
        school: SchoolId,
        outcomes: &[(i64, rollcall_store::MessageOutcome)],
    ) -> Result<()> {
        calling::record_message_outcomes(&mut self.client, school, outcomes)
    }

    fn parent_messages(
        &mut self,
        school: SchoolId,
        range: DateRange,
    ) -> Result<Vec<rollcall_store::StoredParentMessage>> {
        calling::parent_messages(&mut self.client, school, range)
    }

    fn open_escalation(
        &mut self,
        school: SchoolId,
        escalation: &rollcall_store::Escalation,
    ) -> Result<Option<i64>> {
        calling::open_escalation(&mut self.client, school, escalation)
    }

    fn assign_escalation(
        &mut self,
        school: SchoolId,
        id: i64,
        owner: UserId,
        assigned: &Recorded,
    ) -> Result<()> {
        calling::assign_escalation(&mut self.client, school, id, owner, assigned)
    }

    fn close_escalation(
        &mut self,
        school: SchoolId,
        id: i64,
        closure: &rollcall_store::EscalationClosure,
        next: Option<&rollcall_store::Escalation>,
    ) -> Result<Option<i64>> {
        calling::close_escalation(&mut self.client, school, id, closure, next)
    }

    fn escalations(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredEscalation>> {
        calling::escalations(&mut self.client, school, pupil)
    }
    fn issue_notice_to_improve(
        &mut self,
        school: SchoolId,
        notice: &rollcall_store::NoticeToImprove,
    ) -> Result<i64> {
        notices::issue_notice_to_improve(&mut self.client, school, notice)
    }

    fn confirm_notice_outcome(
        &mut self,
        school: SchoolId,
        id: i64,
        outcome: &rollcall_store::NoticeOutcome,
    ) -> Result<()> {
        notices::confirm_notice_outcome(&mut self.client, school, id, outcome)
    }

    fn notices_to_improve(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredNoticeToImprove>> {
        notices::notices_to_improve(&mut self.client, school, pupil)
    }

    fn issue_penalty_notice(
        &mut self,
        school: SchoolId,
        notice: &rollcall_store::PenaltyNotice,
        counted: &[i64],
    ) -> Result<i64> {
        notices::issue_penalty_notice(&mut self.client, school, notice, counted)
    }

    fn withdraw_penalty_notice(
        &mut self,
        school: SchoolId,
        id: i64,
        withdrawal: &rollcall_store::Withdrawal,
    ) -> Result<()> {
        notices::withdraw_penalty_notice(&mut self.client, school, id, withdrawal)
    }

    fn close_penalty_notice(
        &mut self,
        school: SchoolId,
        id: i64,
        closure: &rollcall_store::RecordedClosure,
    ) -> Result<()> {
        notices::close_penalty_notice(&mut self.client, school, id, closure)
    }

    fn penalty_notices(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredPenaltyNotice>> {
        notices::penalty_notices(&mut self.client, school, pupil)
    }

    fn open_case(
        &mut self,
        school: SchoolId,
        case: &rollcall_store::CaseOpening,
        first: &rollcall_store::CaseAction,
    ) -> Result<i64> {
        cases::open_case(&mut self.client, school, case, first)
    }

    fn case(&mut self, school: SchoolId, id: i64) -> Result<Option<rollcall_store::StoredCase>> {
        cases::case(&mut self.client, school, id)
    }

    fn cases(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredCase>> {
        cases::cases(&mut self.client, school, pupil)
    }

    fn add_case_action(
        &mut self,
        school: SchoolId,
        case: i64,
        action: &rollcall_store::CaseAction,
    ) -> Result<i64> {
        cases::add_case_action(&mut self.client, school, case, action)
    }

    fn complete_review(
        &mut self,
        school: SchoolId,
        action: i64,
        done: &rollcall_store::ReviewDone,
    ) -> Result<()> {
        cases::complete_review(&mut self.client, school, action, done)
    }

    fn change_stage(
        &mut self,
        school: SchoolId,
        case: i64,
        stage: &str,
        action: &rollcall_store::CaseAction,
    ) -> Result<i64> {
        cases::change_stage(&mut self.client, school, case, stage, action)
    }

    fn link_cases(&mut self, school: SchoolId, a: i64, b: i64) -> Result<()> {
        cases::link_cases(&mut self.client, school, a, b)
    }

    fn close_case(
        &mut self,
        school: SchoolId,
        case: i64,
        closure: &rollcall_store::CaseClosure,
    ) -> Result<()> {
        cases::close_case(&mut self.client, school, case, closure)
    }

    fn dispose_alert(
        &mut self,
        school: SchoolId,
        disposition: &rollcall_store::AlertDisposition,
        action: Option<&rollcall_store::CaseAction>,
    ) -> Result<()> {
        cases::dispose_alert(&mut self.client, school, disposition, action)
    }

    fn alert_dispositions(
        &mut self,
        school: SchoolId,
    ) -> Result<Vec<rollcall_store::AlertDisposition>> {
        cases::alert_dispositions(&mut self.client, school)
    }

    fn mark_alerts_seen(
        &mut self,
        school: SchoolId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<()> {
        cases::mark_alerts_seen(&mut self.client, school, user, at)
    }

    fn alerts_seen_at(&mut self, school: SchoolId, user: UserId) -> Result<Option<DateTime<Utc>>> {
        cases::alerts_seen_at(&mut self.client, school, user)
    }

    fn save_contract(
        &mut self,
        school: SchoolId,
        contract: &rollcall_store::Contract,
        action: &rollcall_store::CaseAction,
    ) -> Result<(i64, i64)> {
        cases::save_contract(&mut self.client, school, contract, action)
    }

    fn contracts(
        &mut self,
        school: SchoolId,
        case: Option<i64>,
    ) -> Result<Vec<rollcall_store::StoredContract>> {
        cases::contracts(&mut self.client, school, case)
    }

    fn review_contract(
        &mut self,
        school: SchoolId,
        contract: i64,
        review: &rollcall_store::ContractReview,
        action: &rollcall_store::CaseAction,
        stage: Option<&str>,
    ) -> Result<()> {
        cases::review_contract(&mut self.client, school, contract, review, action, stage)
    }

    fn save_target(
        &mut self,
        school: SchoolId,
        target: &rollcall_store::AttendanceTarget,
    ) -> Result<i64> {
        rewards::save(&mut self.client, school, target)
    }

    fn attendance_targets(
        &mut self,
        school: SchoolId,
        pupil: Option<PupilId>,
    ) -> Result<Vec<rollcall_store::StoredTarget>> {
        rewards::list(&mut self.client, school, pupil)
    }
}
