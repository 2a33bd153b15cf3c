//! The school day: sign-outs and sign-ins, missing-pupil alerts and their steps, and traveller
//! records.

use std::collections::HashMap;

use postgres::error::SqlState;
use postgres::{Client, Row};
use rollcall_store::{
    Collector, DateRange, MarkChange, MissingEntry, MissingReport, MissingStep, ProgressCounter,
    PupilId, Result, SchoolId, SignIn, SignOut, SignOutReason, StoreError, StoredMissingAlert,
    StoredSignOut, StoredTravel, TravelRecord,
};

use crate::marks::{apply_in, deadlock_is_conflict};
use crate::rows::{col, recorded};
use crate::{db, require_pupil};

/// The error of an insert that another writer's row made fail on a unique index: `taken`.
fn unique_is(e: postgres::Error, taken: impl FnOnce() -> StoreError) -> StoreError {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        taken()
    } else {
        db(e)
    }
}

pub(crate) fn sign_out(
    client: &mut Client,
    school: SchoolId,
    o: &SignOut,
    changes: &[MarkChange],
) -> Result<i64> {
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        require_pupil(&mut tx, school, o.pupil)?;
        let still_out = tx
            .query_opt(
                "SELECT 1 FROM sign_outs WHERE pupil_id = $1 AND date = $2 AND back_time IS NULL",
                &[&o.pupil, &o.date],
            )
            .map_err(db)?
            .is_some();
        if still_out {
            return Err(StoreError::still_signed_out(o.pupil, o.date));
        }
        let c = &o.collector;
        let row = tx
            .query_one(
                "INSERT INTO sign_outs (pupil_id, date, out_time, reason, detail, \
                     collector_reference, collector_name, collector_relationship, \
                     collector_permitted, back_today, recorded_by, recorded_role, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                &[
                    &o.pupil,
                    &o.date,
                    &o.out_at,
                    &o.reason.as_str(),
                    &o.detail,
                    &c.contact,
                    &c.name,
                    &c.relationship,
                    &c.permitted,
                    &o.back_today,
                    &o.recorded.by,
                    &o.recorded.role,
                    &o.recorded.at,
                ],
            )
            .map_err(|e| unique_is(e, || StoreError::still_signed_out(o.pupil, o.date)))?;
        let id: i64 = col(&row, 0)?;
        apply_in(
            &mut tx,
            school,
            changes,
            &mut ProgressCounter::new(&mut |_| {}),
        )?;
        tx.commit().map_err(db)?;
        Ok(id)
    })())
}

pub(crate) fn sign_in(
    client: &mut Client,
    school: SchoolId,
    id: i64,
    b: &SignIn,
    changes: &[MarkChange],
) -> Result<()> {
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        // Locking the sign-out makes two sign-ins take turns: the second finds it signed in.
        let back = tx
            .query_opt(
                "SELECT s.back_time IS NOT NULL FROM sign_outs s \
                 JOIN pupils p ON p.id = s.pupil_id WHERE s.id = $1 AND p.school_id = $2 \
                 FOR UPDATE OF s",
                &[&id, &school],
            )
            .map_err(db)?;
        match back {
            None => return Err(StoreError::unknown_sign_out(id, school)),
            Some(row) if col::<bool>(&row, 0)? => return Err(StoreError::signed_in_already(id)),
            Some(_) => {}
        }
        tx.execute(
            "UPDATE sign_outs SET back_time = $2, back_by = $3, back_role = $4, back_at = $5 \
             WHERE id = $1",
            &[
                &id,
                &b.back_at,
                &b.recorded.by,
                &b.recorded.role,
                &b.recorded.at,
            ],
        )
        .map_err(db)?;
        apply_in(
            &mut tx,
            school,
            changes,
            &mut ProgressCounter::new(&mut |_| {}),
        )?;
        tx.commit().map_err(db)
    })())
}

pub(crate) fn sign_outs(
    client: &mut Client,
    school: SchoolId,
    range: DateRange,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredSignOut>> {
    let (from, to) = range.bounds();
    client
        .query(
            "SELECT s.id, s.pupil_id, s.date, s.out_time, s.reason, s.detail, \
                    s.collector_reference, s.collector_name, s.collector_relationship, \
                    s.collector_permitted, s.back_today, s.recorded_by, s.recorded_role, \
                    s.recorded_at, s.back_time, s.back_by, s.back_role, s.back_at \
             FROM sign_outs s JOIN pupils p ON p.id = s.pupil_id \
             WHERE p.school_id = $1 AND s.date >= $2 AND s.date <= $3 \
               AND ($4::bigint IS NULL OR s.pupil_id = $4) \
             ORDER BY s.date, s.out_time, s.id",
            &[&school, &from, &to, &pupil],
        )
        .map_err(db)?
        .iter()
        .map(read_sign_out)
        .collect()
}

fn read_sign_out(r: &Row) -> Result<StoredSignOut> {
    let reason: &str = col(r, 4)?;
    let reason = SignOutReason::parse(reason)
        .ok_or_else(|| StoreError::unreadable("reason for signing out", reason))?;
    let back = match col::<Option<chrono::NaiveTime>>(r, 14)? {
        Some(back_at) => Some(SignIn {
            back_at,
            recorded: recorded(r, 15)?,
        }),
        None => None,
    };
    Ok(StoredSignOut {
        id: col(r, 0)?,
        out: SignOut {
            pupil: col(r, 1)?,
            date: col(r, 2)?,
            out_at: col(r, 3)?,
            reason,
            detail: col(r, 5)?,
            collector: Collector {
                contact: col(r, 6)?,
                name: col(r, 7)?,
                relationship: col(r, 8)?,
                permitted: col(r, 9)?,
            },
            back_today: col(r, 10)?,
            recorded: recorded(r, 11)?,
        },
        back,
    })
}

pub(crate) fn open_missing_alert(
    client: &mut Client,
    school: SchoolId,
    m: &MissingReport,
) -> Result<i64> {
    let mut tx = client.transaction().map_err(db)?;
    require_pupil(&mut tx, school, m.pupil)?;
    let open = tx
        .query_opt(
            "SELECT 1 FROM missing_alerts WHERE pupil_id = $1 AND NOT closed",
            &[&m.pupil],
        )
        .map_err(db)?
        .is_some();
    if open {
        return Err(StoreError::missing_alert_open(m.pupil));
    }
    let row = tx
        .query_one(
            "INSERT INTO missing_alerts (pupil_id, noticed_at, noticed_by, last_seen, \
                 recorded_by, recorded_role, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                &m.pupil,
                &m.noticed_at,
                &m.noticed_by,
                &m.last_seen,
                &m.recorded.by,
                &m.recorded.role,
                &m.recorded.at,
            ],
        )
        .map_err(|e| unique_is(e, || StoreError::missing_alert_open(m.pupil)))?;
    let id: i64 = col(&row, 0)?;
    tx.commit().map_err(db)?;
    Ok(id)
}

pub(crate) fn add_missing_step(
    client: &mut Client,
    school: SchoolId,
    alert: i64,
    e: &MissingEntry,
) -> Result<()> {
    let mut tx = client.transaction().map_err(db)?;
    // Locked, so that a step and the step that closes the alert take turns.
    let closed = tx
        .query_opt(
            "SELECT a.closed FROM missing_alerts a JOIN pupils p ON p.id = a.pupil_id \
             WHERE a.id = $1 AND p.school_id = $2 FOR UPDATE OF a",
            &[&alert, &school],
        )
        .map_err(db)?;
    match closed {
        None => return Err(StoreError::unknown_missing_alert(alert, school)),
        Some(row) if col::<bool>(&row, 0)? => return Err(StoreError::missing_alert_closed(alert)),
        Some(_) => {}
    }
    tx.execute(
        "INSERT INTO missing_steps (alert_id, step, at, note, recorded_by, recorded_role, \
             recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &alert,
            &e.step.as_str(),
            &e.at,
            &e.note,
            &e.recorded.by,
            &e.recorded.role,
            &e.recorded.at,
        ],
    )
    .map_err(db)?;
    if e.step.closes() {
        tx.execute(
            "UPDATE missing_alerts SET closed = true WHERE id = $1",
            &[&alert],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)
}

pub(crate) fn missing_alerts(
    client: &mut Client,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredMissingAlert>> {
    // One snapshot for the alerts and their steps.
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()
        .map_err(db)?;
    let alerts = tx
        .query(
            "SELECT a.id, a.pupil_id, a.noticed_at, a.noticed_by, a.last_seen, a.recorded_by, \
                    a.recorded_role, a.recorded_at \
             FROM missing_alerts a JOIN pupils p ON p.id = a.pupil_id \
             WHERE p.school_id = $1 AND ($2::bigint IS NULL OR a.pupil_id = $2) \
             ORDER BY a.id",
            &[&school, &pupil],
        )
        .map_err(db)?;
    let steps = tx
        .query(
            "SELECT s.alert_id, s.step, s.at, s.note, s.recorded_by, s.recorded_role, \
                    s.recorded_at \
             FROM missing_steps s JOIN missing_alerts a ON a.id = s.alert_id \
             JOIN pupils p ON p.id = a.pupil_id \
             WHERE p.school_id = $1 AND ($2::bigint IS NULL OR a.pupil_id = $2) \
             ORDER BY s.alert_id, s.at, s.id",
            &[&school, &pupil],
        )
        .map_err(db)?;
    tx.commit().map_err(db)?;
    let mut by_alert: HashMap<i64, Vec<MissingEntry>> = HashMap::new();
    for r in &steps {
        let step: &str = col(r, 1)?;
        let step = MissingStep::parse(step)
            .ok_or_else(|| StoreError::unreadable("step of a missing-pupil alert", step))?;
        by_alert.entry(col(r, 0)?).or_default().push(MissingEntry {
            step,
            at: col(r, 2)?,
            note: col(r, 3)?,
            recorded: recorded(r, 4)?,
        });
    }
    alerts
        .iter()
        .map(|r| {
            let id: i64 = col(r, 0)?;
            Ok(StoredMissingAlert {
                id,
                report: MissingReport {
                    pupil: col(r, 1)?,
                    noticed_at: col(r, 2)?,
                    noticed_by: col(r, 3)?,
                    last_seen: col(r, 4)?,
                    recorded: recorded(r, 5)?,
                },
                steps: by_alert.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}

pub(crate) fn save_travel(
    client: &mut Client,
    school: SchoolId,
    id: Option<i64>,
    t: &TravelRecord,
) -> Result<i64> {
    let mut tx = client.transaction().map_err(db)?;
    require_pupil(&mut tx, school, t.pupil)?;
    let saved = match id {
        None => {
            let row = tx
                .query_one(
                    "INSERT INTO traveller_records (pupil_id, from_date, to_date, whereabouts, \
                         dual_school, notes, recorded_by, recorded_role, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    &[
                        &t.pupil,
                        &t.from,
                        &t.to,
                        &t.whereabouts,
                        &t.dual_school,
                        &t.notes,
                        &t.recorded.by,
                        &t.recorded.role,
                        &t.recorded.at,
                    ],
                )
                .map_err(db)?;
            col(&row, 0)?
        }
        Some(id) => {
            let changed = tx
                .execute(
                    "UPDATE traveller_records SET from_date = $3, to_date = $4, \
                         whereabouts = $5, dual_school = $6, notes = $7, recorded_by = $8, \
                         recorded_role = $9, recorded_at = $10 \
                     WHERE id = $1 AND pupil_id = $2",
                    &[
                        &id,
                        &t.pupil,
                        &t.from,
                        &t.to,
                        &t.whereabouts,
                        &t.dual_school,
                        &t.notes,
                        &t.recorded.by,
                        &t.recorded.role,
                        &t.recorded.at,
                    ],
                )
                .map_err(db)?;
            if changed != 1 {
                return Err(StoreError::unknown_travel(id, school));
            }
            id
        }
    };
    tx.commit().map_err(db)?;
    Ok(saved)
}

pub(crate) fn travel_records(
    client: &mut Client,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredTravel>> {
    client
        .query(
            "SELECT t.id, t.pupil_id, t.from_date, t.to_date, t.whereabouts, t.dual_school, \
                    t.notes, t.recorded_by, t.recorded_role, t.recorded_at \
             FROM traveller_records t JOIN pupils p ON p.id = t.pupil_id \
             WHERE p.school_id = $1 AND ($2::bigint IS NULL OR t.pupil_id = $2) \
             ORDER BY t.pupil_id, t.from_date, t.id",
            &[&school, &pupil],
        )
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(StoredTravel {
                id: col(r, 0)?,
                record: TravelRecord {
                    pupil: col(r, 1)?,
                    from: col(r, 2)?,
                    to: col(r, 3)?,
                    whereabouts: col(r, 4)?,
                    dual_school: col(r, 5)?,
                    notes: col(r, 6)?,
                    recorded: recorded(r, 7)?,
                },
            })
        })
        .collect()
}
