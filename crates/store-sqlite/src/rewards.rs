//! Pupils' own attendance targets in SQLite.

use rollcall_store::{
    format_timestamp, AttendanceTarget, PupilId, Result, SchoolId, StoreError, StoredTarget,
};
use rusqlite::{params, Connection, Row};

use crate::rows::{date_col, day, opt_date_col, read_recorded, recorded};
use crate::{db_err, require_pupil, SqliteStore};

pub(crate) fn save_target(
    store: &mut SqliteStore,
    school: SchoolId,
    t: &AttendanceTarget,
) -> Result<i64> {
    store.write(|tx| {
        require_pupil(tx, school, t.pupil)?;
        tx.execute(
            "INSERT INTO attendance_targets (pupil_id, hundredths, reason, from_date, until_date,
                recorded_by, recorded_role, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                t.pupil,
                t.hundredths,
                t.reason,
                day(t.from),
                t.until.map(day),
                t.recorded.by,
                t.recorded.role,
                format_timestamp(&t.recorded.at)
            ],
        )
        .map_err(db_err)?;
        Ok(tx.last_insert_rowid())
    })
}

pub(crate) fn attendance_targets(
    conn: &Connection,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredTarget>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT t.id, t.pupil_id, t.hundredths, t.reason, t.from_date, t.until_date,
                    t.recorded_by, t.recorded_role, t.recorded_at
             FROM attendance_targets t JOIN pupils p ON p.id = t.pupil_id
             WHERE p.school_id = ?1 AND (?2 IS NULL OR t.pupil_id = ?2)
             ORDER BY t.id",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![school, pupil], read)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Result<StoredTarget>>>>()
        .map_err(db_err)?;
    rows.into_iter().collect()
}

fn read(r: &Row<'_>) -> rusqlite::Result<Result<StoredTarget>> {
    let id: i64 = r.get(0)?;
    let pupil: PupilId = r.get(1)?;
    let hundredths: i64 = r.get(2)?;
    let reason: String = r.get(3)?;
    let from = date_col(r, 4)?;
    let until = opt_date_col(r, 5)?;
    let rec = read_recorded(r, 6)?;
    Ok((|| {
        let hundredths = u32::try_from(hundredths)
            .ok()
            .filter(|h| *h <= 10_000)
            .ok_or_else(|| StoreError::unreadable("attendance target", hundredths))?;
        Ok(StoredTarget {
            id,
            target: AttendanceTarget {
                pupil,
                hundredths,
                reason,
                from,
                until,
                recorded: recorded(rec)?,
            },
        })
    })())
}
