//! Notices to improve and penalty notices in SQLite.

use rollcall_store::{
    decode, format_timestamp, ImprovementMeasure, NoticeOutcome, NoticeToImprove, PenaltyClosure,
    PenaltyNotice, PupilId, RecordedClosure, Result, SchoolId, Service, StoreError,
    StoredNoticeToImprove, StoredPenaltyNotice, Withdrawal,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::rows::{date_col, day, opt_date_col, read_recorded, recorded};
use crate::{db_err, require_pupil, SqliteStore};

const NTI: &str = "notice to improve";
const PN: &str = "penalty notice";

/// The contact person the school holds as this pupil's contact, by reference.
fn pupils_contact(
    tx: &Connection,
    school: SchoolId,
    pupil: PupilId,
    reference: &str,
) -> Result<i64> {
    require_pupil(tx, school, pupil)?;
    tx.query_row(
        "SELECT p.id FROM contact_people p JOIN pupil_contacts c ON c.person_id = p.id
         WHERE p.school_id = ?1 AND p.reference = ?2 AND c.pupil_id = ?3",
        params![school, reference, pupil],
        |r| r.get(0),
    )
    .optional()
    .map_err(db_err)?
    .ok_or_else(|| StoreError::unknown_contact(reference, school))
}

pub(crate) fn issue_notice_to_improve(
    store: &mut SqliteStore,
    school: SchoolId,
    n: &NoticeToImprove,
) -> Result<i64> {
    store.write(|tx| {
        let person = pupils_contact(tx, school, n.pupil, &n.contact)?;
        tx.execute(
            "INSERT INTO notices_to_improve (pupil_id, person_id, issued_on, weeks, period_start,
                period_end, measure, support, grounds, recorded_by, recorded_role, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                n.pupil,
                person,
                day(n.issued_on),
                n.weeks,
                day(n.period_start),
                day(n.period_end),
                n.measure.as_text(),
                n.support,
                n.grounds,
                n.recorded.by,
                n.recorded.role,
                format_timestamp(&n.recorded.at)
            ],
        )
        .map_err(db_err)?;
        Ok(tx.last_insert_rowid())
    })
}

pub(crate) fn confirm_notice_outcome(
    store: &mut SqliteStore,
    school: SchoolId,
    id: i64,
    o: &NoticeOutcome,
) -> Result<()> {
    store.write(|tx| {
        let settled: Option<bool> = tx
            .query_row(
                "SELECT n.outcome_met IS NOT NULL FROM notices_to_improve n
                 JOIN pupils p ON p.id = n.pupil_id WHERE n.id = ?1 AND p.school_id = ?2",
                params![id, school],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?;
        match settled {
            None => return Err(StoreError::unknown_notice(NTI, id, school)),
            Some(true) => return Err(StoreError::notice_settled(NTI, id)),
            Some(false) => {}
        }
        tx.execute(
            "UPDATE notices_to_improve SET outcome_met = ?2, outcome_on = ?3, outcome_note = ?4,
                outcome_by = ?5, outcome_role = ?6, outcome_at = ?7
             WHERE id = ?1 AND outcome_met IS NULL",
            params![
                id,
                o.met,
                day(o.on),
                o.note,
                o.recorded.by,
                o.recorded.role,
                format_timestamp(&o.recorded.at)
            ],
        )
        .map_err(db_err)?;
        Ok(())
    })
}

pub(crate) fn notices_to_improve(
    conn: &Connection,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredNoticeToImprove>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT n.id, n.pupil_id, c.reference, n.issued_on, n.weeks, n.period_start,
                    n.period_end, n.measure, n.support, n.grounds, n.recorded_by,
                    n.recorded_role, n.recorded_at, n.outcome_met, n.outcome_on, n.outcome_note,
                    n.outcome_by, n.outcome_role, n.outcome_at
             FROM notices_to_improve n JOIN pupils p ON p.id = n.pupil_id
             JOIN contact_people c ON c.id = n.person_id
             WHERE p.school_id = ?1 AND (?2 IS NULL OR n.pupil_id = ?2)
             ORDER BY n.id",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![school, pupil], read_nti)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Result<StoredNoticeToImprove>>>>()
        .map_err(db_err)?;
    rows.into_iter().collect()
}

fn read_nti(r: &Row<'_>) -> rusqlite::Result<Result<StoredNoticeToImprove>> {
    let id: i64 = r.get(0)?;
    let pupil: PupilId = r.get(1)?;
    let contact: String = r.get(2)?;
    let issued_on = date_col(r, 3)?;
    let weeks: i64 = r.get(4)?;
    let period_start = date_col(r, 5)?;
    let period_end = date_col(r, 6)?;
    let measure: String = r.get(7)?;
    let support: String = r.get(8)?;
    let grounds: String = r.get(9)?;
    let rec = read_recorded(r, 10)?;
    let met: Option<bool> = r.get(13)?;
    let on = opt_date_col(r, 14)?;
    let note: Option<String> = r.get(15)?;
    let by: Option<(String, String, String)> = match r.get::<_, Option<String>>(16)? {
        Some(b) => Some((b, r.get(17)?, r.get(18)?)),
        None => None,
    };
    Ok((|| {
        let measure = ImprovementMeasure::from_text(&measure)
            .ok_or_else(|| StoreError::unreadable("improvement measure", &measure))?;
        let weeks = u32::try_from(weeks).map_err(|_| StoreError::unreadable("weeks", weeks))?;
        let outcome = match (met, on, by) {
            (Some(met), Some(on), Some(by)) => Some(NoticeOutcome {
                met,
                on,
                note: note.unwrap_or_default(),
                recorded: recorded(by)?,
            }),
            _ => None,
        };
        Ok(StoredNoticeToImprove {
            id,
            notice: NoticeToImprove {
                pupil,
                contact,
                issued_on,
                weeks,
                period_start,
                period_end,
                measure,
                support,
                grounds,
                recorded: recorded(rec)?,
            },
            outcome,
        })
    })())
}

pub(crate) fn issue_penalty_notice(
    store: &mut SqliteStore,
    school: SchoolId,
    n: &PenaltyNotice,
    counted: &[i64],
) -> Result<i64> {
    store.write(|tx| {
        let person = pupils_contact(tx, school, n.pupil, &n.contact)?;
        let mut now: Vec<i64> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT id FROM penalty_notices
                     WHERE pupil_id = ?1 AND person_id = ?2 AND withdrawn_on IS NULL",
                )
                .map_err(db_err)?;
            let ids = stmt
                .query_map(params![n.pupil, person], |r| r.get(0))
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<i64>>>()
                .map_err(db_err)?;
            ids
        };
        now.sort_unstable();
        let mut expected = counted.to_vec();
        expected.sort_unstable();
        if now != expected {
            return Err(StoreError::notices_changed());
        }
        tx.execute(
            "INSERT INTO penalty_notices (pupil_id, person_id, issued_on, sequence, amount_21,
                amount_28, finding_id, finding_date, offence, override_reason, service,
                received_on, authority, recorded_by, recorded_role, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                n.pupil,
                person,
                day(n.issued_on),
                n.sequence,
                n.amount_within_21_days,
                n.amount_within_28_days,
                n.finding_id,
                n.finding_date.map(day),
                decode::coded_sessions_text(&n.offence),
                n.override_reason,
                n.service.as_str(),
                day(n.received_on),
                n.authority,
                n.recorded.by,
                n.recorded.role,
                format_timestamp(&n.recorded.at)
            ],
        )
        .map_err(db_err)?;
        Ok(tx.last_insert_rowid())
    })
}

/// Checks that a penalty notice is the school's and still open to a withdrawal or closure.
fn open_penalty(tx: &Connection, school: SchoolId, id: i64) -> Result<()> {
    let settled: Option<bool> = tx
        .query_row(
            "SELECT n.withdrawn_on IS NOT NULL OR n.closure IS NOT NULL FROM penalty_notices n
             JOIN pupils p ON p.id = n.pupil_id WHERE n.id = ?1 AND p.school_id = ?2",
            params![id, school],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?;
    match settled {
        None => Err(StoreError::unknown_notice(PN, id, school)),
        Some(true) => Err(StoreError::notice_settled(PN, id)),
        Some(false) => Ok(()),
    }
}

pub(crate) fn withdraw_penalty_notice(
    store: &mut SqliteStore,
    school: SchoolId,
    id: i64,
    w: &Withdrawal,
) -> Result<()> {
    store.write(|tx| {
        open_penalty(tx, school, id)?;
        tx.execute(
            "UPDATE penalty_notices SET withdrawn_on = ?2, withdrawn_reason = ?3,
                withdrawn_by = ?4, withdrawn_role = ?5, withdrawn_at = ?6 WHERE id = ?1",
            params![
                id,
                day(w.on),
                w.reason,
                w.recorded.by,
                w.recorded.role,
                format_timestamp(&w.recorded.at)
            ],
        )
        .map_err(db_err)?;
        Ok(())
    })
}

pub(crate) fn close_penalty_notice(
    store: &mut SqliteStore,
    school: SchoolId,
    id: i64,
    c: &RecordedClosure,
) -> Result<()> {
    let (kind, on, amount) = match c.closure {
        PenaltyClosure::Paid { on, amount } => ("paid", on, Some(amount)),
        PenaltyClosure::Prosecution { on } => ("prosecution", on, None),
    };
    store.write(|tx| {
        open_penalty(tx, school, id)?;
        tx.execute(
            "UPDATE penalty_notices SET closure = ?2, closed_on = ?3, paid_amount = ?4,
                closed_by = ?5, closed_role = ?6, closed_at = ?7 WHERE id = ?1",
            params![
                id,
                kind,
                day(on),
                amount,
                c.recorded.by,
                c.recorded.role,
                format_timestamp(&c.recorded.at)
            ],
        )
        .map_err(db_err)?;
        Ok(())
    })
}

pub(crate) fn penalty_notices(
    conn: &Connection,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredPenaltyNotice>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT n.id, n.pupil_id, c.reference, n.issued_on, n.sequence, n.amount_21,
                    n.amount_28, n.finding_id, n.finding_date, n.offence, n.override_reason,
                    n.service, n.received_on, n.authority, n.recorded_by, n.recorded_role,
                    n.recorded_at, n.withdrawn_on, n.withdrawn_reason, n.withdrawn_by,
                    n.withdrawn_role, n.withdrawn_at, n.closure, n.closed_on, n.paid_amount,
                    n.closed_by, n.closed_role, n.closed_at
             FROM penalty_notices n JOIN pupils p ON p.id = n.pupil_id
             JOIN contact_people c ON c.id = n.person_id
             WHERE p.school_id = ?1 AND (?2 IS NULL OR n.pupil_id = ?2)
             ORDER BY n.id",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![school, pupil], read_penalty)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Result<StoredPenaltyNotice>>>>()
        .map_err(db_err)?;
    rows.into_iter().collect()
}

fn read_penalty(r: &Row<'_>) -> rusqlite::Result<Result<StoredPenaltyNotice>> {
    let id: i64 = r.get(0)?;
    let pupil: PupilId = r.get(1)?;
    let contact: String = r.get(2)?;
    let issued_on = date_col(r, 3)?;
    let sequence: i64 = r.get(4)?;
    let amount_21: Option<i64> = r.get(5)?;
    let amount_28: i64 = r.get(6)?;
    let finding_id: String = r.get(7)?;
    let finding_date = opt_date_col(r, 8)?;
    let offence: String = r.get(9)?;
    let override_reason: Option<String> = r.get(10)?;
    let service: String = r.get(11)?;
    let received_on = date_col(r, 12)?;
    let authority: String = r.get(13)?;
    let rec = read_recorded(r, 14)?;
    let withdrawn_on = opt_date_col(r, 17)?;
    let withdrawn_reason: Option<String> = r.get(18)?;
    let withdrawn_by: Option<(String, String, String)> = match r.get::<_, Option<String>>(19)? {
        Some(b) => Some((b, r.get(20)?, r.get(21)?)),
        None => None,
    };
    let closure: Option<String> = r.get(22)?;
    let closed_on = opt_date_col(r, 23)?;
    let paid_amount: Option<i64> = r.get(24)?;
    let closed_by: Option<(String, String, String)> = match r.get::<_, Option<String>>(25)? {
        Some(b) => Some((b, r.get(26)?, r.get(27)?)),
        None => None,
    };
    Ok((|| {
        let pounds = |v: i64| u32::try_from(v).map_err(|_| StoreError::unreadable("amount", v));
        let withdrawal = match (withdrawn_on, withdrawn_by) {
            (Some(on), Some(by)) => Some(Withdrawal {
                on,
                reason: withdrawn_reason.unwrap_or_default(),
                recorded: recorded(by)?,
            }),
            _ => None,
        };
        let closure = match (closure.as_deref(), closed_on, closed_by) {
            (Some("paid"), Some(on), Some(by)) => Some(RecordedClosure {
                closure: PenaltyClosure::Paid {
                    on,
                    amount: pounds(paid_amount.unwrap_or_default())?,
                },
                recorded: recorded(by)?,
            }),
            (Some("prosecution"), Some(on), Some(by)) => Some(RecordedClosure {
                closure: PenaltyClosure::Prosecution { on },
                recorded: recorded(by)?,
            }),
            (None, _, _) => None,
            (Some(other), _, _) => return Err(StoreError::unreadable("closure", other)),
        };
        Ok(StoredPenaltyNotice {
            id,
            notice: PenaltyNotice {
                pupil,
                contact,
                issued_on,
                sequence: u32::try_from(sequence)
                    .map_err(|_| StoreError::unreadable("sequence", sequence))?,
                amount_within_21_days: amount_21.map(pounds).transpose()?,
                amount_within_28_days: pounds(amount_28)?,
                finding_id,
                finding_date,
                offence: decode::coded_sessions(&offence)?,
                override_reason,
                service: Service::parse(&service)
                    .ok_or_else(|| StoreError::unreadable("service", &service))?,
                received_on,
                authority,
                recorded: recorded(rec)?,
            },
            withdrawal,
            closure,
        })
    })())
}
