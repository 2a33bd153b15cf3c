//! Applications for leave of absence and their decisions.

use postgres::{Client, Row, Transaction};
use rollcall_core::{Date, Session};
use rollcall_store::{
    decode, LeaveApplication, LeaveDecision, MarkChange, ProgressCounter, PupilId, Result,
    SchoolId, StoreError, StoredLeave,
};

use crate::marks::{apply_in, deadlock_is_conflict};
use crate::rows::{col, recorded, session};
use crate::{db, require_pupil};

pub(crate) fn save(
    client: &mut Client,
    school: SchoolId,
    a: &LeaveApplication,
    refusal: Option<&LeaveDecision>,
) -> Result<i64> {
    let mut tx = client.transaction().map_err(db)?;
    require_pupil(&mut tx, school, a.pupil)?;
    let Some(person) = tx
        .query_opt(
            "SELECT id FROM contact_people WHERE school_id = $1 AND reference = $2",
            &[&school, &a.contact],
        )
        .map_err(db)?
    else {
        return Err(StoreError::unknown_contact(&a.contact, school));
    };
    let person: i64 = col(&person, 0)?;
    let row = tx
        .query_one(
            "INSERT INTO leave_applications (pupil_id, person_id, first_date, first_session, \
                 last_date, last_session, code, reason, requested_on, recorded_by, \
                 recorded_role, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            &[
                &a.pupil,
                &person,
                &a.first.0,
                &a.first.1.as_str(),
                &a.last.0,
                &a.last.1.as_str(),
                &a.code.text(),
                &a.reason,
                &a.requested_on,
                &a.recorded.by,
                &a.recorded.role,
                &a.recorded.at,
            ],
        )
        .map_err(db)?;
    let id: i64 = col(&row, 0)?;
    if let Some(d) = refusal {
        decide_in(&mut tx, id, d)?;
    }
    tx.commit().map_err(db)?;
    Ok(id)
}

pub(crate) fn decide(
    client: &mut Client,
    school: SchoolId,
    id: i64,
    d: &LeaveDecision,
    changes: &[MarkChange],
) -> Result<()> {
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        // Locking the application makes two decisions on it take turns: the second finds it
        // decided.
        let decided = tx
            .query_opt(
                "SELECT l.granted IS NOT NULL FROM leave_applications l \
                 JOIN pupils p ON p.id = l.pupil_id WHERE l.id = $1 AND p.school_id = $2 \
                 FOR UPDATE OF l",
                &[&id, &school],
            )
            .map_err(db)?;
        match decided {
            None => return Err(StoreError::unknown_leave(id, school)),
            Some(row) if col::<bool>(&row, 0)? => return Err(StoreError::leave_decided(id)),
            Some(_) => {}
        }
        decide_in(&mut tx, id, d)?;
        apply_in(
            &mut tx,
            school,
            changes,
            &mut ProgressCounter::new(&mut |_| {}),
        )?;
        tx.commit().map_err(db)
    })())
}

fn decide_in(tx: &mut Transaction<'_>, id: i64, d: &LeaveDecision) -> Result<()> {
    let (gf, gl) = match d.granted_sessions {
        Some((f, l)) => (Some(f), Some(l)),
        None => (None, None),
    };
    let changed = tx
        .execute(
            "UPDATE leave_applications SET granted = $2, decided_on = $3, decision_reason = $4, \
                 granted_first_date = $5, granted_first_session = $6, granted_last_date = $7, \
                 granted_last_session = $8, decided_by = $9, decided_role = $10, \
                 decided_at = $11 \
             WHERE id = $1 AND granted IS NULL",
            &[
                &id,
                &d.granted,
                &d.on,
                &d.reason,
                &gf.map(|(d, _)| d),
                &gf.map(|(_, s)| s.as_str()),
                &gl.map(|(d, _)| d),
                &gl.map(|(_, s)| s.as_str()),
                &d.recorded.by,
                &d.recorded.role,
                &d.recorded.at,
            ],
        )
        .map_err(db)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::leave_decided(id))
    }
}

pub(crate) fn list(
    client: &mut Client,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredLeave>> {
    client
        .query(
            "SELECT l.id, l.pupil_id, c.reference, l.first_date, l.first_session, l.last_date, \
                    l.last_session, l.code, l.reason, l.requested_on, l.recorded_by, \
                    l.recorded_role, l.recorded_at, l.granted, l.decided_on, l.decision_reason, \
                    l.granted_first_date, l.granted_first_session, l.granted_last_date, \
                    l.granted_last_session, l.decided_by, l.decided_role, l.decided_at \
             FROM leave_applications l JOIN pupils p ON p.id = l.pupil_id \
             JOIN contact_people c ON c.id = l.person_id \
             WHERE p.school_id = $1 AND ($2::bigint IS NULL OR l.pupil_id = $2) \
             ORDER BY l.id",
            &[&school, &pupil],
        )
        .map_err(db)?
        .iter()
        .map(read)
        .collect()
}

fn read(r: &Row) -> Result<StoredLeave> {
    let application = LeaveApplication {
        pupil: col(r, 1)?,
        contact: col(r, 2)?,
        first: (col(r, 3)?, session(col(r, 4)?)?),
        last: (col(r, 5)?, session(col(r, 6)?)?),
        code: decode::code(col(r, 7)?)?,
        reason: col(r, 8)?,
        requested_on: col(r, 9)?,
        recorded: recorded(r, 10)?,
    };
    let granted: Option<bool> = col(r, 13)?;
    let decided_on: Option<Date> = col(r, 14)?;
    let at = |d: usize, s: usize| -> Result<Option<(Date, Session)>> {
        let date: Option<Date> = col(r, d)?;
        let sess: Option<&str> = col(r, s)?;
        Ok(match (date, sess) {
            (Some(date), Some(sess)) => Some((date, session(sess)?)),
            _ => None,
        })
    };
    let decision = match (granted, decided_on) {
        (Some(granted), Some(on)) => Some(LeaveDecision {
            granted,
            on,
            reason: col::<Option<String>>(r, 15)?.unwrap_or_default(),
            granted_sessions: at(16, 17)?.zip(at(18, 19)?),
            recorded: recorded(r, 20)?,
        }),
        _ => None,
    };
    Ok(StoredLeave {
        id: col(r, 0)?,
        application,
        decision,
    })
}
