//! Marks and amendments: the bulk write path and the reads for the register and statistics.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{ToSql, Type};
use postgres::{Client, Transaction};
use rollcall_core::marks::{MarkEntry, Recorded};
use rollcall_core::Date;
use rollcall_store::{
    BatchPupils, DateRange, MarkChange, MarkGroup, Progress, ProgressCounter, PupilId,
    PupilMarkFact, Result, SchoolId, StoreError, StoredAmendment, StoredMark, PROGRESS_EVERY,
};

use crate::db;
use crate::rows::{self, col};

pub(crate) fn marks(
    client: &mut Client,
    school: SchoolId,
    range: DateRange,
) -> Result<Vec<StoredMark>> {
    let (from, to) = range.bounds();
    let mut marks = Vec::new();
    let mut rows = client
        .query_raw(
            "SELECT m.pupil_id, m.date, m.session, m.code, m.minutes_late, \
                    m.recorded_by, m.recorded_role, m.recorded_at \
             FROM marks m JOIN pupils p ON p.id = m.pupil_id \
             WHERE p.school_id = $1 AND m.date BETWEEN $2 AND $3 \
             ORDER BY m.pupil_id, m.date, m.session",
            [&school as &(dyn ToSql + Sync), &from, &to],
        )
        .map_err(db)?;
    while let Some(row) = rows.next().map_err(db)? {
        marks.push(StoredMark {
            pupil: col(&row, 0)?,
            date: col(&row, 1)?,
            session: rows::session(col(&row, 2)?)?,
            entry: rows::entry(&row, 3, 4)?,
            recorded: rows::recorded(&row, 5)?,
        });
    }
    Ok(marks)
}

pub(crate) fn pupil_marks(
    client: &mut Client,
    school: SchoolId,
    pupil: PupilId,
    range: DateRange,
) -> Result<Vec<StoredMark>> {
    let (from, to) = range.bounds();
    let found = client
        .query(
            "SELECT m.date, m.session, m.code, m.minutes_late, \
                    m.recorded_by, m.recorded_role, m.recorded_at \
             FROM marks m JOIN pupils p ON p.id = m.pupil_id \
             WHERE m.pupil_id = $1 AND p.school_id = $2 AND m.date BETWEEN $3 AND $4 \
             ORDER BY m.date, m.session",
            &[&pupil, &school, &from, &to],
        )
        .map_err(db)?;
    let mut marks = Vec::with_capacity(found.len());
    for row in &found {
        marks.push(StoredMark {
            pupil,
            date: col(row, 0)?,
            session: rows::session(col(row, 1)?)?,
            entry: rows::entry(row, 2, 3)?,
            recorded: rows::recorded(row, 4)?,
        });
    }
    Ok(marks)
}

pub(crate) fn mark_facts(
    client: &mut Client,
    school: SchoolId,
    range: DateRange,
) -> Result<Vec<PupilMarkFact>> {
    let (from, to) = range.bounds();
    // COPY takes no parameters; the values spliced in are an integer and two ISO dates.
    let query = format!(
        "COPY (SELECT m.pupil_id, m.date, m.session, m.code \
               FROM marks m JOIN pupils p ON p.id = m.pupil_id \
               WHERE p.school_id = {school} AND m.date BETWEEN '{}' AND '{}' \
               ORDER BY m.pupil_id, m.date, m.session) \
         TO STDOUT (FORMAT binary)",
        from.format("%Y-%m-%d"),
        to.format("%Y-%m-%d"),
    );
    crate::facts::read(client.copy_out(&query).map_err(db)?)
}

pub(crate) fn amendments(
    client: &mut Client,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredAmendment>> {
    client
        .query(
            "SELECT a.pupil_id, a.date, a.session, \
                    a.original_code, a.original_minutes_late, \
                    a.original_recorded_by, a.original_recorded_role, a.original_recorded_at, \
                    a.amended_code, a.amended_minutes_late, a.reason, \
                    a.amended_by, a.amended_role, a.amended_at \
             FROM amendments a JOIN pupils p ON p.id = a.pupil_id \
             WHERE p.school_id = $1 AND ($2::bigint IS NULL OR a.pupil_id = $2) \
             ORDER BY a.id",
            &[&school, &pupil],
        )
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(StoredAmendment {
                pupil: col(row, 0)?,
                date: col(row, 1)?,
                session: rows::session(col(row, 2)?)?,
                original: rows::entry(row, 3, 4)?,
                original_recorded: rows::recorded(row, 5)?,
                amended: rows::entry(row, 8, 9)?,
                reason: col(row, 10)?,
                recorded: rows::recorded(row, 11)?,
            })
        })
        .collect()
}

/// What a write is told while it goes: the batch's pupils, for messages, and progress.
struct Run<'r, 'p> {
    pupils: BatchPupils,
    progress: &'r mut ProgressCounter<'p>,
}

pub(crate) fn apply(
    client: &mut Client,
    school: SchoolId,
    changes: &[MarkChange],
    progress: Progress<'_>,
) -> Result<()> {
    deadlock_is_conflict(apply_all(client, school, changes, progress))
}

fn apply_all(
    client: &mut Client,
    school: SchoolId,
    changes: &[MarkChange],
    progress: Progress<'_>,
) -> Result<()> {
    let mut progress = ProgressCounter::new(progress);
    let mut tx = client.transaction().map_err(db)?;
    apply_in(&mut tx, school, changes, &mut progress)?;
    tx.commit().map_err(db)?;
    progress.finish();
    Ok(())
}

/// Several registers in one transaction, each inside a savepoint: one refused is rolled back to
/// its savepoint and the others are committed together (one commit, one flush of the log).
pub(crate) fn apply_groups(
    client: &mut Client,
    groups: &[MarkGroup<'_>],
) -> Result<Vec<Result<()>>> {
    let mut tx = client.transaction().map_err(db)?;
    let mut outcomes = Vec::with_capacity(groups.len());
    for group in groups {
        let mut savepoint = tx.savepoint("mark_group").map_err(db)?;
        let mut progress = |_| {};
        let mut progress = ProgressCounter::new(&mut progress);
        match apply_in(&mut savepoint, group.school, group.changes, &mut progress) {
            Ok(()) => {
                savepoint.commit().map_err(db)?;
                outcomes.push(Ok(()));
            }
            Err(e) => {
                savepoint.rollback().map_err(db)?;
                outcomes.push(deadlock_is_conflict(Err(e)));
            }
        }
    }
    tx.commit().map_err(db)?;
    Ok(outcomes)
}

/// Reports a deadlock between writers of the same marks as the [`StoreError::Conflict`] it is.
pub(crate) fn deadlock_is_conflict<T>(result: Result<T>) -> Result<T> {
    result.map_err(|e| match e {
        StoreError::Database(inner)
            if inner
                .downcast_ref::<postgres::Error>()
                .and_then(postgres::Error::code)
                == Some(&SqlState::T_R_DEADLOCK_DETECTED) =>
        {
            StoreError::concurrent_write(inner)
        }
        e => e,
    })
}

/// Applies `changes` to the marks of a school's pupils within `tx`, with the checks of
/// [`Store::apply_marks`](rollcall_store::Store::apply_marks) in the order `rollcall-store` gives:
/// every change is for one of the school's pupils, then, change by change, a new mark finds its
/// session empty and an amendment finds the entry it expects. Counts the changes written in
/// `progress`; the caller commits (or, on an error, drops) the transaction.
pub(crate) fn apply_in(
    tx: &mut Transaction<'_>,
    school: SchoolId,
    changes: &[MarkChange],
    progress: &mut ProgressCounter<'_>,
) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut upns = tx
        .query(
            "SELECT id, upn FROM pupils WHERE school_id = $1 AND id = ANY($2)",
            &[&school, &BatchPupils::asked(changes)],
        )
        .map_err(db)?
        .iter()
        .map(|row| Ok((col(row, 0)?, col(row, 1)?)))
        .collect::<Result<HashMap<PupilId, String>>>()?;
    let mut run = Run {
        pupils: BatchPupils::find(school, changes, |pupil| Ok(upns.remove(&pupil)))?,
        progress,
    };
    let mut rest = changes;
    while let Some(first) = rest.first() {
        let is_new = matches!(first, MarkChange::New { .. });
        let n = rest
            .iter()
            .take_while(|c| matches!(c, MarkChange::New { .. }) == is_new)
            .count();
        let (this, next) = rest.split_at(n);
        if is_new {
            insert_new(tx, this, &mut run)?;
        } else {
            amend(tx, this, &mut run)?;
        }
        rest = next;
    }
    Ok(())
}

/// Inserts a run of new marks with one `COPY`. A session that already has a mark, in the
/// database or earlier in the run, is a conflict; the first such change of the run is reported.
fn insert_new(
    tx: &mut Transaction<'_>,
    changes: &[MarkChange],
    run: &mut Run<'_, '_>,
) -> Result<()> {
    let mut seen = HashSet::with_capacity(changes.len());
    let mut minutes = Vec::with_capacity(changes.len());
    for (i, change) in changes.iter().enumerate() {
        if !seen.insert(change.key()) {
            // A session marked earlier in the run; a change before it may find its session
            // marked in the database, and that one comes first.
            let before = changes.get(..i).unwrap_or_default();
            return Err(find_conflict(tx, before, &run.pupils)?
                .unwrap_or_else(|| run.pupils.already_marked(change)));
        }
        minutes.push(rows::minutes_param(change.entry().minutes_late)?);
    }
    drop(seen);
    let mut savepoint = tx.savepoint("new_marks").map_err(db)?;
    match copy_marks(&mut savepoint, changes, &minutes, run) {
        Ok(()) => savepoint.commit().map_err(db),
        Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
            drop(savepoint);
            // Not found: the mark that was in the way was another writer's, not yet committed
            // when it was looked for.
            Err(find_conflict(tx, changes, &run.pupils)?
                .unwrap_or_else(|| StoreError::concurrent_write(e)))
        }
        Err(e) => Err(db(e)),
    }
}

fn copy_marks(
    tx: &mut Transaction<'_>,
    changes: &[MarkChange],
    minutes: &[Option<i32>],
    run: &mut Run<'_, '_>,
) -> std::result::Result<(), postgres::Error> {
    let sink = tx.copy_in(
        "COPY marks (pupil_id, date, session, code, minutes_late, \
                     recorded_by, recorded_role, recorded_at) \
         FROM STDIN (FORMAT binary)",
    )?;
    let types = [
        Type::INT8,
        Type::DATE,
        Type::TEXT,
        Type::TEXT,
        Type::INT4,
        Type::TEXT,
        Type::TEXT,
        Type::TIMESTAMPTZ,
    ];
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    for (change, minutes) in changes.iter().zip(minutes) {
        let MarkChange::New {
            pupil,
            date,
            session,
            entry,
            recorded,
        } = change
        else {
            continue;
        };
        let values: [&(dyn ToSql + Sync); 8] = [
            pupil,
            date,
            &session.as_str(),
            &entry.code.text(),
            minutes,
            &recorded.by,
            &recorded.role,
            &recorded.at,
        ];
        writer.write(&values)?;
        run.progress.advance(1);
    }
    writer.finish()?;
    Ok(())
}

/// The first of `changes` whose session already has a mark.
fn find_conflict(
    tx: &mut Transaction<'_>,
    changes: &[MarkChange],
    batch: &BatchPupils,
) -> Result<Option<StoreError>> {
    if changes.is_empty() {
        return Ok(None);
    }
    let (mut pupils, mut dates, mut sessions) = (Vec::new(), Vec::new(), Vec::new());
    for change in changes {
        let (pupil, date, session) = change.key();
        pupils.push(pupil);
        dates.push(date);
        sessions.push(session.as_str());
    }
    let row = tx
        .query_opt(
            "SELECT k.ord FROM unnest($1::bigint[], $2::date[], $3::text[]) \
                 WITH ORDINALITY AS k (pupil_id, date, session, ord) \
             JOIN marks m USING (pupil_id, date, session) \
             ORDER BY k.ord LIMIT 1",
            &[&pupils, &dates, &sessions],
        )
        .map_err(db)?;
    let Some(row) = row else { return Ok(None) };
    let ord: i64 = col(&row, 0)?;
    Ok(usize::try_from(ord - 1)
        .ok()
        .and_then(|i| changes.get(i))
        .map(|change| batch.already_marked(change)))
}

/// Applies a run of amendments: in chunks whose sessions are all different (a session amended
/// twice in a run is amended in order), each chunk with one statement that locks and reads the
/// current entries and, once all are as expected, one that writes.
fn amend(tx: &mut Transaction<'_>, changes: &[MarkChange], run: &mut Run<'_, '_>) -> Result<()> {
    let mut rest = changes;
    while !rest.is_empty() {
        let mut seen = HashSet::new();
        let n = rest
            .iter()
            .take(PROGRESS_EVERY)
            .take_while(|c| seen.insert(c.key()))
            .count();
        let (chunk, next) = rest.split_at(n);
        amend_chunk(tx, chunk, &run.pupils)?;
        run.progress.advance(n);
        rest = next;
    }
    Ok(())
}

/// The columns of a chunk of amendments, sent as arrays.
#[derive(Default)]
struct AmendColumns<'a> {
    pupils: Vec<PupilId>,
    dates: Vec<Date>,
    sessions: Vec<&'static str>,
    codes: Vec<&'a str>,
    minutes: Vec<Option<i32>>,
    reasons: Vec<&'a str>,
    by: Vec<&'a str>,
    roles: Vec<&'a str>,
    at: Vec<DateTime<Utc>>,
}

fn amend_chunk(
    tx: &mut Transaction<'_>,
    changes: &[MarkChange],
    batch: &BatchPupils,
) -> Result<()> {
    let mut c = AmendColumns::default();
    for change in changes {
        let MarkChange::Amend {
            pupil,
            date,
            session,
            entry,
            reason,
            recorded: Recorded { by, role, at },
            ..
        } = change
        else {
            continue;
        };
        c.pupils.push(*pupil);
        c.dates.push(*date);
        c.sessions.push(session.as_str());
        c.codes.push(entry.code.text());
        c.minutes.push(rows::minutes_param(entry.minutes_late)?);
        c.reasons.push(reason);
        c.by.push(by);
        c.roles.push(role);
        c.at.push(*at);
    }

    // Lock the marks, in the order of the key so that writers do not wait on each other in a
    // circle, and read them as they stand.
    let mut current: Vec<Option<MarkEntry>> = vec![None; c.pupils.len()];
    for row in tx
        .query(
            "SELECT k.ord, m.code, m.minutes_late \
             FROM unnest($1::bigint[], $2::date[], $3::text[]) \
                 WITH ORDINALITY AS k (pupil_id, date, session, ord) \
             JOIN marks m USING (pupil_id, date, session) \
             ORDER BY m.pupil_id, m.date, m.session \
             FOR UPDATE OF m",
            &[&c.pupils, &c.dates, &c.sessions],
        )
        .map_err(db)?
    {
        let ord: i64 = col(&row, 0)?;
        let slot = usize::try_from(ord - 1)
            .ok()
            .and_then(|i| current.get_mut(i))
            .ok_or_else(|| StoreError::Corrupt(format!("amendment {ord} of a batch")))?;
        *slot = Some(rows::entry(&row, 1, 2)?);
    }
    for (change, now) in changes.iter().zip(&current) {
        batch.check(change, now.as_ref())?;
    }

    // Keep each original entry, with who recorded it and when, then put the new one in place.
    // Statements of one query see the marks as they were before it.
    tx.execute(
        "WITH k AS ( \
             SELECT * FROM unnest($1::bigint[], $2::date[], $3::text[], $4::text[], \
                                  $5::integer[], $6::text[], $7::text[], $8::text[], \
                                  $9::timestamptz[]) \
                 WITH ORDINALITY AS k (pupil_id, date, session, code, minutes_late, reason, \
                                       amended_by, amended_role, amended_at, ord) \
         ), logged AS ( \
             INSERT INTO amendments (pupil_id, date, session, \
                 original_code, original_minutes_late, original_recorded_by, \
                 original_recorded_role, original_recorded_at, \
                 amended_code, amended_minutes_late, reason, \
                 amended_by, amended_role, amended_at) \
             SELECT k.pupil_id, k.date, k.session, \
                    m.code, m.minutes_late, m.recorded_by, m.recorded_role, m.recorded_at, \
                    k.code, k.minutes_late, k.reason, k.amended_by, k.amended_role, k.amended_at \
             FROM k JOIN marks m USING (pupil_id, date, session) \
             ORDER BY k.ord \
         ) \
         UPDATE marks m SET code = k.code, minutes_late = k.minutes_late, \
             recorded_by = k.amended_by, recorded_role = k.amended_role, \
             recorded_at = k.amended_at \
         FROM k \
         WHERE m.pupil_id = k.pupil_id AND m.date = k.date AND m.session = k.session",
        &[
            &c.pupils,
            &c.dates,
            &c.sessions,
            &c.codes,
            &c.minutes,
            &c.reasons,
            &c.by,
            &c.roles,
            &c.at,
        ],
    )
    .map_err(db)?;
    Ok(())
}
