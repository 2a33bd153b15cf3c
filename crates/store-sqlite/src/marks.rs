//! Marks and amendments: the register's reads, and the write path every change to marks takes
//! (which keeps the register lines in step).

use std::collections::HashSet;

use rollcall_core::marks::MarkFact;
use rollcall_core::{BaseCode, Date, Session};
use rollcall_store::{
    decode, format_timestamp, stored_code, BatchPupils, DateRange, MarkChange, MarkGroup, Progress,
    ProgressCounter, PupilId, PupilMarkFact, Result, SchoolId, StoreError, StoredAmendment,
    StoredMark,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::rows::{
    date_col, day, entry, range_params, read_recorded, recorded, session_of, stored_mark, text_col,
};
use crate::{db_err, key_taken, lines, SqliteStore};

/// The marks of a school's pupils in a range, read row by row from `marks` (the record that
/// register lines are derived from; used to check them).
pub(crate) fn facts_from_rows(
    conn: &Connection,
    school: SchoolId,
    range: DateRange,
) -> Result<Vec<PupilMarkFact>> {
    let (from, to) = range_params(range);
    let mut stmt = conn
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

pub(crate) fn marks(
    conn: &Connection,
    school: SchoolId,
    range: DateRange,
) -> Result<Vec<StoredMark>> {
    let (from, to) = range_params(range);
    let mut stmt = conn
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
                read_recorded(r, 5)?,
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
pub(crate) fn pupil_marks(
    conn: &Connection,
    school: SchoolId,
    pupil: PupilId,
    range: DateRange,
) -> Result<Vec<StoredMark>> {
    let (from, to) = range_params(range);
    let mut stmt = conn
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
                read_recorded(r, 4)?,
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

pub(crate) fn amendments(
    conn: &Connection,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredAmendment>> {
    let mut stmt = conn
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
                read_recorded(r, 5)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                read_recorded(r, 11)?,
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

/// The marks of the given pupils of the school for one session: a register's marks.
pub(crate) fn session_marks(
    store: &mut SqliteStore,
    school: SchoolId,
    pupils: &[PupilId],
    date: Date,
    session: Session,
) -> Result<Vec<StoredMark>> {
    // Only the school's own pupils: checked against its admission register (kept in memory)
    // rather than joined row by row.
    let asked: HashSet<PupilId> = pupils.iter().copied().collect();
    let ours: HashSet<PupilId> = store
        .all_pupils(school)?
        .iter()
        .map(|p| p.id)
        .filter(|id| asked.contains(id))
        .collect();
    let day = day(date);
    store.reading(|conn| {
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
                        read_recorded(r, 2)?,
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

/// Applies all changes or none, in one write; reports the whole count once it is committed.
pub(crate) fn apply(
    store: &mut SqliteStore,
    school: SchoolId,
    changes: &[MarkChange],
    progress: Progress<'_>,
) -> Result<()> {
    let mut progress = ProgressCounter::new(progress);
    store.write(|tx| apply_in(tx, school, changes, &mut progress))?;
    progress.finish();
    Ok(())
}

/// One transaction for every group, each group inside a savepoint: a refused group is rolled
/// back to its savepoint and the others are committed together.
pub(crate) fn apply_groups(
    store: &mut SqliteStore,
    groups: &[MarkGroup<'_>],
) -> Result<Vec<Result<()>>> {
    store.write(|tx| {
        let mut outcomes = Vec::with_capacity(groups.len());
        for group in groups {
            let savepoint = tx.savepoint().map_err(db_err)?;
            let mut progress = |_| {};
            let mut progress = ProgressCounter::new(&mut progress);
            let outcome = apply_in(&savepoint, group.school, group.changes, &mut progress);
            if outcome.is_ok() {
                savepoint.commit().map_err(db_err)?;
            }
            // A savepoint dropped without commit rolls back to where it began.
            outcomes.push(outcome);
        }
        Ok(outcomes)
    })
}

/// Applies mark changes inside the caller's transaction, with their conflict checks in the order
/// `rollcall-store` gives (every pupil first, then each change in turn), and keeps the register
/// lines in step. Counts the changes written in `progress`.
pub(crate) fn apply_in(
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
                                read_recorded(r, 2)?,
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
