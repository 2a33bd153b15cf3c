//! The school day in SQLite: sign-outs and sign-ins, missing-pupil alerts and their steps, and
//! traveller records.

use std::collections::HashMap;

use rollcall_store::day::{format_time_of_day, parse_time_of_day};
use rollcall_store::{
    format_timestamp, parse_timestamp, Collector, DateRange, MarkChange, MissingEntry,
    MissingReport, MissingStep, ProgressCounter, PupilId, Result, SchoolId, SignIn, SignOut,
    SignOutReason, StoreError, StoredMissingAlert, StoredSignOut, StoredTravel, TravelRecord,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::marks::apply_in;
use crate::rows::{date_col, day, opt_date_col, range_params, read_recorded, recorded};
use crate::{db_err, require_pupil, SqliteStore};

pub(crate) fn sign_out(
    store: &mut SqliteStore,
    school: SchoolId,
    o: &SignOut,
    changes: &[MarkChange],
) -> Result<i64> {
    store.write(|tx| {
        require_pupil(tx, school, o.pupil)?;
        let still_out: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sign_outs
                 WHERE pupil_id = ?1 AND date = ?2 AND back_time IS NULL)",
                params![o.pupil, day(o.date)],
                |r| r.get(0),
            )
            .map_err(db_err)?;
        if still_out {
            return Err(StoreError::still_signed_out(o.pupil, o.date));
        }
        let c = &o.collector;
        tx.execute(
            "INSERT INTO sign_outs (pupil_id, date, out_time, reason, detail, collector_reference,
                collector_name, collector_relationship, collector_permitted, back_today,
                recorded_by, recorded_role, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                o.pupil,
                day(o.date),
                format_time_of_day(o.out_at),
                o.reason.as_str(),
                o.detail,
                c.contact,
                c.name,
                c.relationship,
                c.permitted,
                o.back_today,
                o.recorded.by,
                o.recorded.role,
                format_timestamp(&o.recorded.at)
            ],
        )
        .map_err(db_err)?;
        let id = tx.last_insert_rowid();
        apply_in(tx, school, changes, &mut ProgressCounter::new(&mut |_| {}))?;
        Ok(id)
    })
}

pub(crate) fn sign_in(
    store: &mut SqliteStore,
    school: SchoolId,
    id: i64,
    b: &SignIn,
    changes: &[MarkChange],
) -> Result<()> {
    store.write(|tx| {
        let back: Option<bool> = tx
            .query_row(
                "SELECT s.back_time IS NOT NULL FROM sign_outs s
                 JOIN pupils p ON p.id = s.pupil_id WHERE s.id = ?1 AND p.school_id = ?2",
                params![id, school],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?;
        match back {
            None => return Err(StoreError::unknown_sign_out(id, school)),
            Some(true) => return Err(StoreError::signed_in_already(id)),
            Some(false) => {}
        }
        let changed = tx
            .execute(
                "UPDATE sign_outs SET back_time = ?2, back_by = ?3, back_role = ?4, back_at = ?5
                 WHERE id = ?1 AND back_time IS NULL",
                params![
                    id,
                    format_time_of_day(b.back_at),
                    b.recorded.by,
                    b.recorded.role,
                    format_timestamp(&b.recorded.at)
                ],
            )
            .map_err(db_err)?;
        if changed != 1 {
            return Err(StoreError::signed_in_already(id));
        }
        apply_in(tx, school, changes, &mut ProgressCounter::new(&mut |_| {}))
    })
}

pub(crate) fn sign_outs(
    conn: &Connection,
    school: SchoolId,
    range: DateRange,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredSignOut>> {
    let (from, to) = range_params(range);
    let mut stmt = conn
        .prepare_cached(
            "SELECT s.id, s.pupil_id, s.date, s.out_time, s.reason, s.detail,
                    s.collector_reference, s.collector_name, s.collector_relationship,
                    s.collector_permitted, s.back_today, s.recorded_by, s.recorded_role,
                    s.recorded_at, s.back_time, s.back_by, s.back_role, s.back_at
             FROM sign_outs s JOIN pupils p ON p.id = s.pupil_id
             WHERE p.school_id = ?1 AND s.date >= ?2 AND s.date <= ?3
               AND (?4 IS NULL OR s.pupil_id = ?4)
             ORDER BY s.date, s.out_time, s.id",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![school, from, to, pupil], read_sign_out)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Result<StoredSignOut>>>>()
        .map_err(db_err)?;
    rows.into_iter().collect()
}

fn read_sign_out(r: &Row<'_>) -> rusqlite::Result<Result<StoredSignOut>> {
    let id: i64 = r.get(0)?;
    let pupil: PupilId = r.get(1)?;
    let date = date_col(r, 2)?;
    let out_time: String = r.get(3)?;
    let reason: String = r.get(4)?;
    let detail: String = r.get(5)?;
    let collector = (
        r.get::<_, Option<String>>(6)?,
        r.get::<_, String>(7)?,
        r.get::<_, String>(8)?,
        r.get::<_, bool>(9)?,
    );
    let back_today: bool = r.get(10)?;
    let rec = read_recorded(r, 11)?;
    let back_time: Option<String> = r.get(14)?;
    let back_by: Option<String> = r.get(15)?;
    let back_role: Option<String> = r.get(16)?;
    let back_at: Option<String> = r.get(17)?;
    Ok((|| {
        let reason = SignOutReason::parse(&reason)
            .ok_or_else(|| StoreError::unreadable("reason for signing out", &reason))?;
        let back = match back_time {
            Some(t) => Some(SignIn {
                back_at: parse_time_of_day(&t)?,
                recorded: recorded((
                    back_by.unwrap_or_default(),
                    back_role.unwrap_or_default(),
                    back_at.unwrap_or_default(),
                ))?,
            }),
            None => None,
        };
        Ok(StoredSignOut {
            id,
            out: SignOut {
                pupil,
                date,
                out_at: parse_time_of_day(&out_time)?,
                reason,
                detail,
                collector: Collector {
                    contact: collector.0,
                    name: collector.1,
                    relationship: collector.2,
                    permitted: collector.3,
                },
                back_today,
                recorded: recorded(rec)?,
            },
            back,
        })
    })())
}

pub(crate) fn open_missing_alert(
    store: &mut SqliteStore,
    school: SchoolId,
    m: &MissingReport,
) -> Result<i64> {
    store.write(|tx| {
        require_pupil(tx, school, m.pupil)?;
        let open: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM missing_alerts WHERE pupil_id = ?1 AND closed = 0)",
                params![m.pupil],
                |r| r.get(0),
            )
            .map_err(db_err)?;
        if open {
            return Err(StoreError::missing_alert_open(m.pupil));
        }
        tx.execute(
            "INSERT INTO missing_alerts (pupil_id, noticed_at, noticed_by, last_seen, recorded_by,
                recorded_role, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                m.pupil,
                format_timestamp(&m.noticed_at),
                m.noticed_by,
                m.last_seen,
                m.recorded.by,
                m.recorded.role,
                format_timestamp(&m.recorded.at)
            ],
        )
        .map_err(db_err)?;
        Ok(tx.last_insert_rowid())
    })
}

pub(crate) fn add_missing_step(
    store: &mut SqliteStore,
    school: SchoolId,
    alert: i64,
    e: &MissingEntry,
) -> Result<()> {
    store.write(|tx| {
        let closed: Option<bool> = tx
            .query_row(
                "SELECT a.closed FROM missing_alerts a JOIN pupils p ON p.id = a.pupil_id
                 WHERE a.id = ?1 AND p.school_id = ?2",
                params![alert, school],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?;
        match closed {
            None => return Err(StoreError::unknown_missing_alert(alert, school)),
            Some(true) => return Err(StoreError::missing_alert_closed(alert)),
            Some(false) => {}
        }
        tx.execute(
            "INSERT INTO missing_steps (alert_id, step, at, note, recorded_by, recorded_role,
                recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                alert,
                e.step.as_str(),
                format_timestamp(&e.at),
                e.note,
                e.recorded.by,
                e.recorded.role,
                format_timestamp(&e.recorded.at)
            ],
        )
        .map_err(db_err)?;
        if e.step.closes() {
            tx.execute(
                "UPDATE missing_alerts SET closed = 1 WHERE id = ?1",
                params![alert],
            )
            .map_err(db_err)?;
        }
        Ok(())
    })
}

type RawAlert = (
    i64,
    PupilId,
    String,
    String,
    String,
    (String, String, String),
);
type RawStep = (i64, String, String, String, (String, String, String));

pub(crate) fn missing_alerts(
    conn: &Connection,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredMissingAlert>> {
    let alerts: Vec<RawAlert> = {
        let mut stmt = conn
            .prepare_cached(
                "SELECT a.id, a.pupil_id, a.noticed_at, a.noticed_by, a.last_seen, a.recorded_by,
                        a.recorded_role, a.recorded_at
                 FROM missing_alerts a JOIN pupils p ON p.id = a.pupil_id
                 WHERE p.school_id = ?1 AND (?2 IS NULL OR a.pupil_id = ?2)
                 ORDER BY a.id",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![school, pupil], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    read_recorded(r, 5)?,
                ))
            })
            .map_err(db_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db_err)?
    };
    let steps: Vec<RawStep> = {
        let mut stmt = conn
            .prepare_cached(
                "SELECT s.alert_id, s.step, s.at, s.note, s.recorded_by, s.recorded_role,
                        s.recorded_at
                 FROM missing_steps s JOIN missing_alerts a ON a.id = s.alert_id
                 JOIN pupils p ON p.id = a.pupil_id
                 WHERE p.school_id = ?1 AND (?2 IS NULL OR a.pupil_id = ?2)
                 ORDER BY s.alert_id, s.at, s.id",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![school, pupil], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    read_recorded(r, 4)?,
                ))
            })
            .map_err(db_err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db_err)?
    };
    let mut by_alert: HashMap<i64, Vec<MissingEntry>> = HashMap::new();
    for (alert, step, at, note, rec) in steps {
        let step = MissingStep::parse(&step)
            .ok_or_else(|| StoreError::unreadable("step of a missing-pupil alert", &step))?;
        by_alert.entry(alert).or_default().push(MissingEntry {
            step,
            at: parse_timestamp(&at)?,
            note,
            recorded: recorded(rec)?,
        });
    }
    alerts
        .into_iter()
        .map(|(id, pupil, noticed_at, noticed_by, last_seen, rec)| {
            Ok(StoredMissingAlert {
                id,
                report: MissingReport {
                    pupil,
                    noticed_at: parse_timestamp(&noticed_at)?,
                    noticed_by,
                    last_seen,
                    recorded: recorded(rec)?,
                },
                steps: by_alert.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}

pub(crate) fn save_travel(
    store: &mut SqliteStore,
    school: SchoolId,
    id: Option<i64>,
    t: &TravelRecord,
) -> Result<i64> {
    store.write(|tx| {
        require_pupil(tx, school, t.pupil)?;
        let to = t.to.map(day);
        let at = format_timestamp(&t.recorded.at);
        let Some(id) = id else {
            tx.execute(
                "INSERT INTO traveller_records (pupil_id, from_date, to_date, whereabouts,
                    dual_school, notes, recorded_by, recorded_role, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    t.pupil,
                    day(t.from),
                    to,
                    t.whereabouts,
                    t.dual_school,
                    t.notes,
                    t.recorded.by,
                    t.recorded.role,
                    at
                ],
            )
            .map_err(db_err)?;
            return Ok(tx.last_insert_rowid());
        };
        let changed = tx
            .execute(
                "UPDATE traveller_records SET from_date = ?3, to_date = ?4, whereabouts = ?5,
                    dual_school = ?6, notes = ?7, recorded_by = ?8, recorded_role = ?9,
                    recorded_at = ?10
                 WHERE id = ?1 AND pupil_id = ?2",
                params![
                    id,
                    t.pupil,
                    day(t.from),
                    to,
                    t.whereabouts,
                    t.dual_school,
                    t.notes,
                    t.recorded.by,
                    t.recorded.role,
                    at
                ],
            )
            .map_err(db_err)?;
        if changed == 1 {
            Ok(id)
        } else {
            Err(StoreError::unknown_travel(id, school))
        }
    })
}

pub(crate) fn travel_records(
    conn: &Connection,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredTravel>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT t.id, t.pupil_id, t.from_date, t.to_date, t.whereabouts, t.dual_school,
                    t.notes, t.recorded_by, t.recorded_role, t.recorded_at
             FROM traveller_records t JOIN pupils p ON p.id = t.pupil_id
             WHERE p.school_id = ?1 AND (?2 IS NULL OR t.pupil_id = ?2)
             ORDER BY t.pupil_id, t.from_date, t.id",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![school, pupil], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, PupilId>(1)?,
                date_col(r, 2)?,
                opt_date_col(r, 3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
                read_recorded(r, 7)?,
            ))
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    rows.into_iter()
        .map(
            |(id, pupil, from, to, whereabouts, dual_school, notes, rec)| {
                Ok(StoredTravel {
                    id,
                    record: TravelRecord {
                        pupil,
                        from,
                        to,
                        whereabouts,
                        dual_school,
                        notes,
                        recorded: recorded(rec)?,
                    },
                })
            },
        )
        .collect()
}
