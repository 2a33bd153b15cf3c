//! Notices to improve and penalty notices.

use postgres::{Client, GenericClient, Row};
use rollcall_store::{
    decode, ImprovementMeasure, NoticeOutcome, NoticeToImprove, PenaltyClosure, PenaltyNotice,
    PupilId, RecordedClosure, Result, SchoolId, Service, StoreError, StoredNoticeToImprove,
    StoredPenaltyNotice, Withdrawal,
};

use crate::marks::deadlock_is_conflict;
use crate::rows::{col, recorded};
use crate::{db, require_pupil};

const NTI: &str = "notice to improve";
const PN: &str = "penalty notice";

/// The contact person the school holds as this pupil's contact, by reference.
fn pupils_contact(
    client: &mut impl GenericClient,
    school: SchoolId,
    pupil: PupilId,
    reference: &str,
) -> Result<i64> {
    require_pupil(client, school, pupil)?;
    let row = client
        .query_opt(
            "SELECT p.id FROM contact_people p JOIN pupil_contacts c ON c.person_id = p.id \
             WHERE p.school_id = $1 AND p.reference = $2 AND c.pupil_id = $3",
            &[&school, &reference, &pupil],
        )
        .map_err(db)?
        .ok_or_else(|| StoreError::unknown_contact(reference, school))?;
    col(&row, 0)
}

fn small(v: u32) -> Result<i32> {
    i32::try_from(v)
        .map_err(|_| StoreError::Database(format!("{v} is too large for its column").into()))
}

fn unsigned(v: i32, what: &str) -> Result<u32> {
    u32::try_from(v).map_err(|_| StoreError::unreadable(what, v))
}

pub(crate) fn issue_notice_to_improve(
    client: &mut Client,
    school: SchoolId,
    n: &NoticeToImprove,
) -> Result<i64> {
    let mut tx = client.transaction().map_err(db)?;
    let person = pupils_contact(&mut tx, school, n.pupil, &n.contact)?;
    let row = tx
        .query_one(
            "INSERT INTO notices_to_improve (pupil_id, person_id, issued_on, weeks, \
                 period_start, period_end, measure, support, grounds, recorded_by, \
                 recorded_role, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            &[
                &n.pupil,
                &person,
                &n.issued_on,
                &small(n.weeks)?,
                &n.period_start,
                &n.period_end,
                &n.measure.as_text(),
                &n.support,
                &n.grounds,
                &n.recorded.by,
                &n.recorded.role,
                &n.recorded.at,
            ],
        )
        .map_err(db)?;
    let id: i64 = col(&row, 0)?;
    tx.commit().map_err(db)?;
    Ok(id)
}

pub(crate) fn confirm_notice_outcome(
    client: &mut Client,
    school: SchoolId,
    id: i64,
    o: &NoticeOutcome,
) -> Result<()> {
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        let settled = tx
            .query_opt(
                "SELECT n.outcome_met IS NOT NULL FROM notices_to_improve n \
                 JOIN pupils p ON p.id = n.pupil_id WHERE n.id = $1 AND p.school_id = $2 \
                 FOR UPDATE OF n",
                &[&id, &school],
            )
            .map_err(db)?;
        match settled {
            None => return Err(StoreError::unknown_notice(NTI, id, school)),
            Some(row) if col::<bool>(&row, 0)? => return Err(StoreError::notice_settled(NTI, id)),
            Some(_) => {}
        }
        tx.execute(
            "UPDATE notices_to_improve SET outcome_met = $2, outcome_on = $3, \
                 outcome_note = $4, outcome_by = $5, outcome_role = $6, outcome_at = $7 \
             WHERE id = $1",
            &[
                &id,
                &o.met,
                &o.on,
                &o.note,
                &o.recorded.by,
                &o.recorded.role,
                &o.recorded.at,
            ],
        )
        .map_err(db)?;
        tx.commit().map_err(db)
    })())
}

pub(crate) fn notices_to_improve(
    client: &mut Client,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredNoticeToImprove>> {
    client
        .query(
            "SELECT n.id, n.pupil_id, c.reference, n.issued_on, n.weeks, n.period_start, \
                    n.period_end, n.measure, n.support, n.grounds, n.recorded_by, \
                    n.recorded_role, n.recorded_at, n.outcome_met, n.outcome_on, \
                    n.outcome_note, n.outcome_by, n.outcome_role, n.outcome_at \
             FROM notices_to_improve n JOIN pupils p ON p.id = n.pupil_id \
             JOIN contact_people c ON c.id = n.person_id \
             WHERE p.school_id = $1 AND ($2::bigint IS NULL OR n.pupil_id = $2) \
             ORDER BY n.id",
            &[&school, &pupil],
        )
        .map_err(db)?
        .iter()
        .map(read_nti)
        .collect()
}

fn read_nti(r: &Row) -> Result<StoredNoticeToImprove> {
    let measure: String = col(r, 7)?;
    let met: Option<bool> = col(r, 13)?;
    let outcome = match met {
        Some(met) => Some(NoticeOutcome {
            met,
            on: col(r, 14)?,
            note: col::<Option<String>>(r, 15)?.unwrap_or_default(),
            recorded: rollcall_core::marks::Recorded {
                by: col::<Option<String>>(r, 16)?.unwrap_or_default(),
                role: col::<Option<String>>(r, 17)?.unwrap_or_default(),
                at: col(r, 18)?,
            },
        }),
        None => None,
    };
    Ok(StoredNoticeToImprove {
        id: col(r, 0)?,
        notice: NoticeToImprove {
            pupil: col(r, 1)?,
            contact: col(r, 2)?,
            issued_on: col(r, 3)?,
            weeks: unsigned(col(r, 4)?, "weeks")?,
            period_start: col(r, 5)?,
            period_end: col(r, 6)?,
            measure: ImprovementMeasure::from_text(&measure)
                .ok_or_else(|| StoreError::unreadable("improvement measure", &measure))?,
            support: col(r, 8)?,
            grounds: col(r, 9)?,
            recorded: recorded(r, 10)?,
        },
        outcome,
    })
}

pub(crate) fn issue_penalty_notice(
    client: &mut Client,
    school: SchoolId,
    n: &PenaltyNotice,
    counted: &[i64],
) -> Result<i64> {
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        let person = pupils_contact(&mut tx, school, n.pupil, &n.contact)?;
        // Locking the parent's link to the pupil makes two notices to them for this pupil take
        // turns: the second sees the first among the counted notices.
        tx.execute(
            "SELECT 1 FROM pupil_contacts WHERE pupil_id = $1 AND person_id = $2 FOR UPDATE",
            &[&n.pupil, &person],
        )
        .map_err(db)?;
        let mut now: Vec<i64> = tx
            .query(
                "SELECT id FROM penalty_notices \
                 WHERE pupil_id = $1 AND person_id = $2 AND withdrawn_on IS NULL",
                &[&n.pupil, &person],
            )
            .map_err(db)?
            .iter()
            .map(|r| col(r, 0))
            .collect::<Result<_>>()?;
        now.sort_unstable();
        let mut expected = counted.to_vec();
        expected.sort_unstable();
        if now != expected {
            return Err(StoreError::notices_changed());
        }
        let row = tx
            .query_one(
                "INSERT INTO penalty_notices (pupil_id, person_id, issued_on, sequence, \
                     amount_21, amount_28, finding_id, finding_date, offence, override_reason, \
                     service, received_on, authority, recorded_by, recorded_role, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                 RETURNING id",
                &[
                    &n.pupil,
                    &person,
                    &n.issued_on,
                    &small(n.sequence)?,
                    &n.amount_within_21_days.map(small).transpose()?,
                    &small(n.amount_within_28_days)?,
                    &n.finding_id,
                    &n.finding_date,
                    &decode::coded_sessions_text(&n.offence),
                    &n.override_reason,
                    &n.service.as_str(),
                    &n.received_on,
                    &n.authority,
                    &n.recorded.by,
                    &n.recorded.role,
                    &n.recorded.at,
                ],
            )
            .map_err(db)?;
        let id: i64 = col(&row, 0)?;
        tx.commit().map_err(db)?;
        Ok(id)
    })())
}

/// Locks a penalty notice of the school that is still open to a withdrawal or closure.
fn open_penalty(tx: &mut impl GenericClient, school: SchoolId, id: i64) -> Result<()> {
    let settled = tx
        .query_opt(
            "SELECT n.withdrawn_on IS NOT NULL OR n.closure IS NOT NULL FROM penalty_notices n \
             JOIN pupils p ON p.id = n.pupil_id WHERE n.id = $1 AND p.school_id = $2 \
             FOR UPDATE OF n",
            &[&id, &school],
        )
        .map_err(db)?;
    match settled {
        None => Err(StoreError::unknown_notice(PN, id, school)),
        Some(row) if col::<bool>(&row, 0)? => Err(StoreError::notice_settled(PN, id)),
        Some(_) => Ok(()),
    }
}

pub(crate) fn withdraw_penalty_notice(
    client: &mut Client,
    school: SchoolId,
    id: i64,
    w: &Withdrawal,
) -> Result<()> {
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        open_penalty(&mut tx, school, id)?;
        tx.execute(
            "UPDATE penalty_notices SET withdrawn_on = $2, withdrawn_reason = $3, \
                 withdrawn_by = $4, withdrawn_role = $5, withdrawn_at = $6 WHERE id = $1",
            &[
                &id,
                &w.on,
                &w.reason,
                &w.recorded.by,
                &w.recorded.role,
                &w.recorded.at,
            ],
        )
        .map_err(db)?;
        tx.commit().map_err(db)
    })())
}

pub(crate) fn close_penalty_notice(
    client: &mut Client,
    school: SchoolId,
    id: i64,
    c: &RecordedClosure,
) -> Result<()> {
    let (kind, on, amount) = match c.closure {
        PenaltyClosure::Paid { on, amount } => ("paid", on, Some(small(amount)?)),
        PenaltyClosure::Prosecution { on } => ("prosecution", on, None),
    };
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        open_penalty(&mut tx, school, id)?;
        tx.execute(
            "UPDATE penalty_notices SET closure = $2, closed_on = $3, paid_amount = $4, \
                 closed_by = $5, closed_role = $6, closed_at = $7 WHERE id = $1",
            &[
                &id,
                &kind,
                &on,
                &amount,
                &c.recorded.by,
                &c.recorded.role,
                &c.recorded.at,
            ],
        )
        .map_err(db)?;
        tx.commit().map_err(db)
    })())
}

pub(crate) fn penalty_notices(
    client: &mut Client,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredPenaltyNotice>> {
    client
        .query(
            "SELECT n.id, n.pupil_id, c.reference, n.issued_on, n.sequence, n.amount_21, \
                    n.amount_28, n.finding_id, n.finding_date, n.offence, n.override_reason, \
                    n.service, n.received_on, n.authority, n.recorded_by, n.recorded_role, \
                    n.recorded_at, n.withdrawn_on, n.withdrawn_reason, n.withdrawn_by, \
                    n.withdrawn_role, n.withdrawn_at, n.closure, n.closed_on, n.paid_amount, \
                    n.closed_by, n.closed_role, n.closed_at \
             FROM penalty_notices n JOIN pupils p ON p.id = n.pupil_id \
             JOIN contact_people c ON c.id = n.person_id \
             WHERE p.school_id = $1 AND ($2::bigint IS NULL OR n.pupil_id = $2) \
             ORDER BY n.id",
            &[&school, &pupil],
        )
        .map_err(db)?
        .iter()
        .map(read_penalty)
        .collect()
}

fn read_penalty(r: &Row) -> Result<StoredPenaltyNotice> {
    let who = |first: usize| -> Result<rollcall_core::marks::Recorded> {
        Ok(rollcall_core::marks::Recorded {
            by: col::<Option<String>>(r, first)?.unwrap_or_default(),
            role: col::<Option<String>>(r, first + 1)?.unwrap_or_default(),
            at: col(r, first + 2)?,
        })
    };
    let withdrawn_on: Option<rollcall_core::Date> = col(r, 17)?;
    let withdrawal = match withdrawn_on {
        Some(on) => Some(Withdrawal {
            on,
            reason: col::<Option<String>>(r, 18)?.unwrap_or_default(),
            recorded: who(19)?,
        }),
        None => None,
    };
    let closure: Option<String> = col(r, 22)?;
    let closure = match closure.as_deref() {
        None => None,
        Some("paid") => Some(RecordedClosure {
            closure: PenaltyClosure::Paid {
                on: col(r, 23)?,
                amount: unsigned(col::<Option<i32>>(r, 24)?.unwrap_or_default(), "amount")?,
            },
            recorded: who(25)?,
        }),
        Some("prosecution") => Some(RecordedClosure {
            closure: PenaltyClosure::Prosecution { on: col(r, 23)? },
            recorded: who(25)?,
        }),
        Some(other) => return Err(StoreError::unreadable("closure", other)),
    };
    let service: String = col(r, 11)?;
    let offence: String = col(r, 9)?;
    Ok(StoredPenaltyNotice {
        id: col(r, 0)?,
        notice: PenaltyNotice {
            pupil: col(r, 1)?,
            contact: col(r, 2)?,
            issued_on: col(r, 3)?,
            sequence: unsigned(col(r, 4)?, "sequence")?,
            amount_within_21_days: col::<Option<i32>>(r, 5)?
                .map(|v| unsigned(v, "amount"))
                .transpose()?,
            amount_within_28_days: unsigned(col(r, 6)?, "amount")?,
            finding_id: col(r, 7)?,
            finding_date: col(r, 8)?,
            offence: decode::coded_sessions(&offence)?,
            override_reason: col(r, 10)?,
            service: Service::parse(&service)
                .ok_or_else(|| StoreError::unreadable("service", &service))?,
            received_on: col(r, 12)?,
            authority: col(r, 13)?,
            recorded: recorded(r, 14)?,
        },
        withdrawal,
        closure,
    })
}
