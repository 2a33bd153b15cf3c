//! Applications for leave of absence and their decisions in SQLite.

use rollcall_core::Session;
use rollcall_store::{
    decode, format_timestamp, stored_code, LeaveApplication, LeaveDecision, MarkChange,
    ProgressCounter, PupilId, Result, SchoolId, StoreError, StoredLeave,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::marks::apply_in;
use crate::rows::{date_col, day, opt_date_col, read_recorded, recorded, session_of};
use crate::{db_err, require_pupil, SqliteStore};

pub(crate) fn save_leave(
    store: &mut SqliteStore,
    school: SchoolId,
    a: &LeaveApplication,
    refusal: Option<&LeaveDecision>,
) -> Result<i64> {
    store.write(|tx| {
        require_pupil(tx, school, a.pupil)?;
        let person: Option<i64> = tx
            .query_row(
                "SELECT id FROM contact_people WHERE school_id = ?1 AND reference = ?2",
                params![school, a.contact],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?;
        let Some(person) = person else {
            return Err(StoreError::unknown_contact(&a.contact, school));
        };
        tx.execute(
            "INSERT INTO leave_applications (pupil_id, person_id, first_date, first_session,
                last_date, last_session, code, reason, requested_on, recorded_by, recorded_role,
                recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                a.pupil,
                person,
                day(a.first.0),
                a.first.1.as_str(),
                day(a.last.0),
                a.last.1.as_str(),
                a.code.text(),
                a.reason,
                day(a.requested_on),
                a.recorded.by,
                a.recorded.role,
                format_timestamp(&a.recorded.at)
            ],
        )
        .map_err(db_err)?;
        let id = tx.last_insert_rowid();
        if let Some(d) = refusal {
            decide(tx, id, d)?;
        }
        Ok(id)
    })
}

pub(crate) fn decide_leave(
    store: &mut SqliteStore,
    school: SchoolId,
    id: i64,
    d: &LeaveDecision,
    changes: &[MarkChange],
) -> Result<()> {
    store.write(|tx| {
        let decided: Option<bool> = tx
            .query_row(
                "SELECT l.granted IS NOT NULL FROM leave_applications l
                 JOIN pupils p ON p.id = l.pupil_id WHERE l.id = ?1 AND p.school_id = ?2",
                params![id, school],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?;
        match decided {
            None => return Err(StoreError::unknown_leave(id, school)),
            Some(true) => return Err(StoreError::leave_decided(id)),
            Some(false) => {}
        }
        decide(tx, id, d)?;
        apply_in(tx, school, changes, &mut ProgressCounter::new(&mut |_| {}))
    })
}

fn decide(tx: &Connection, id: i64, d: &LeaveDecision) -> Result<()> {
    let (gf, gl) = match d.granted_sessions {
        Some((f, l)) => (Some(f), Some(l)),
        None => (None, None),
    };
    let changed = tx
        .execute(
            "UPDATE leave_applications SET granted = ?2, decided_on = ?3, decision_reason = ?4,
                granted_first_date = ?5, granted_first_session = ?6, granted_last_date = ?7,
                granted_last_session = ?8, decided_by = ?9, decided_role = ?10, decided_at = ?11
             WHERE id = ?1 AND granted IS NULL",
            params![
                id,
                d.granted,
                day(d.on),
                d.reason,
                gf.map(|(d, _)| day(d)),
                gf.map(|(_, s)| s.as_str()),
                gl.map(|(d, _)| day(d)),
                gl.map(|(_, s)| s.as_str()),
                d.recorded.by,
                d.recorded.role,
                format_timestamp(&d.recorded.at)
            ],
        )
        .map_err(db_err)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::leave_decided(id))
    }
}

pub(crate) fn leave_applications(
    conn: &Connection,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredLeave>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT l.id, l.pupil_id, c.reference, l.first_date, l.first_session, l.last_date,
                    l.last_session, l.code, l.reason, l.requested_on, l.recorded_by,
                    l.recorded_role, l.recorded_at, l.granted, l.decided_on, l.decision_reason,
                    l.granted_first_date, l.granted_first_session, l.granted_last_date,
                    l.granted_last_session, l.decided_by, l.decided_role, l.decided_at
             FROM leave_applications l JOIN pupils p ON p.id = l.pupil_id
             JOIN contact_people c ON c.id = l.person_id
             WHERE p.school_id = ?1 AND (?2 IS NULL OR l.pupil_id = ?2)
             ORDER BY l.id",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![school, pupil], read)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Result<StoredLeave>>>>()
        .map_err(db_err)?;
    rows.into_iter().collect()
}

fn read(r: &Row<'_>) -> rusqlite::Result<Result<StoredLeave>> {
    let first_date = date_col(r, 3)?;
    let last_date = date_col(r, 5)?;
    let (first_session, last_session): (String, String) = (r.get(4)?, r.get(6)?);
    let code: String = r.get(7)?;
    let requested_on = date_col(r, 9)?;
    let rec = read_recorded(r, 10)?;
    let granted: Option<bool> = r.get(13)?;
    let decided_on = opt_date_col(r, 14)?;
    let decision_reason: Option<String> = r.get(15)?;
    let gf = (opt_date_col(r, 16)?, r.get::<_, Option<String>>(17)?);
    let gl = (opt_date_col(r, 18)?, r.get::<_, Option<String>>(19)?);
    let dec_by: Option<String> = r.get(20)?;
    let dec_role: Option<String> = r.get(21)?;
    let dec_at: Option<String> = r.get(22)?;
    let id: i64 = r.get(0)?;
    let pupil: PupilId = r.get(1)?;
    let contact: String = r.get(2)?;
    let reason: String = r.get(8)?;
    Ok((|| {
        let application = LeaveApplication {
            pupil,
            contact,
            first: (first_date, session_of(&first_session)?),
            last: (last_date, session_of(&last_session)?),
            code: stored_code(&code)?,
            reason,
            requested_on,
            recorded: recorded(rec)?,
        };
        let session = |s: Option<String>| -> Result<Option<Session>> {
            s.map(|s| decode::session(&s)).transpose()
        };
        let decision = match (granted, decided_on) {
            (Some(granted), Some(on)) => {
                let granted_sessions = match (gf.0, session(gf.1)?, gl.0, session(gl.1)?) {
                    (Some(fd), Some(fs), Some(ld), Some(ls)) => Some(((fd, fs), (ld, ls))),
                    _ => None,
                };
                Some(LeaveDecision {
                    granted,
                    on,
                    reason: decision_reason.unwrap_or_default(),
                    granted_sessions,
                    recorded: recorded((
                        dec_by.unwrap_or_default(),
                        dec_role.unwrap_or_default(),
                        dec_at.unwrap_or_default(),
                    ))?,
                })
            }
            _ => None,
        };
        Ok(StoredLeave {
            id,
            application,
            decision,
        })
    })())
}
