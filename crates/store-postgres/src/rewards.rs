//! Pupils' own attendance targets.

use postgres::{Client, Row};
use rollcall_store::{AttendanceTarget, PupilId, Result, SchoolId, StoreError, StoredTarget};

use crate::rows::{col, recorded};
use crate::{db, require_pupil};

pub(crate) fn save(client: &mut Client, school: SchoolId, t: &AttendanceTarget) -> Result<i64> {
    let hundredths = i32::try_from(t.hundredths).map_err(|_| {
        StoreError::Database(Box::new(crate::rows::OutOfRange(format!(
            "an attendance target of {} hundredths of a percent",
            t.hundredths
        ))))
    })?;
    let mut tx = client.transaction().map_err(db)?;
    require_pupil(&mut tx, school, t.pupil)?;
    let row = tx
        .query_one(
            "INSERT INTO attendance_targets (pupil_id, hundredths, reason, from_date, \
                 until_date, recorded_by, recorded_role, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &t.pupil,
                &hundredths,
                &t.reason,
                &t.from,
                &t.until,
                &t.recorded.by,
                &t.recorded.role,
                &t.recorded.at,
            ],
        )
        .map_err(db)?;
    let id: i64 = col(&row, 0)?;
    tx.commit().map_err(db)?;
    Ok(id)
}

pub(crate) fn list(
    client: &mut Client,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredTarget>> {
    client
        .query(
            "SELECT t.id, t.pupil_id, t.hundredths, t.reason, t.from_date, t.until_date, \
                    t.recorded_by, t.recorded_role, t.recorded_at \
             FROM attendance_targets t JOIN pupils p ON p.id = t.pupil_id \
             WHERE p.school_id = $1 AND ($2::bigint IS NULL OR t.pupil_id = $2) \
             ORDER BY t.id",
            &[&school, &pupil],
        )
        .map_err(db)?
        .iter()
        .map(read)
        .collect()
}

fn read(r: &Row) -> Result<StoredTarget> {
    let hundredths: i32 = col(r, 2)?;
    let hundredths = u32::try_from(hundredths)
        .ok()
        .filter(|h| *h <= 10_000)
        .ok_or_else(|| StoreError::unreadable("attendance target", hundredths))?;
    Ok(StoredTarget {
        id: col(r, 0)?,
        target: AttendanceTarget {
            pupil: col(r, 1)?,
            hundredths,
            reason: col(r, 3)?,
            from: col(r, 4)?,
            until: col(r, 5)?,
            recorded: recorded(r, 6)?,
        },
    })
}
