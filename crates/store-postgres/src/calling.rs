//! First-day calling: attempts to reach contacts, messages to parents, and the steps taken when
//! nobody is reached.

use postgres::{Client, GenericClient, Row, Transaction};
use rollcall_core::marks::Recorded;
use rollcall_store::{
    AbsenceReport, AttemptOutcome, CallAttempt, Channel, DateRange, Escalation, EscalationClosure,
    EscalationKind, MarkChange, MessageOutcome, ParentMessage, ProgressCounter, PupilId, Result,
    SchoolId, StoreError, StoredCallAttempt, StoredEscalation, StoredParentMessage, UserId,
};

use crate::db;
use crate::marks::{apply_in, deadlock_is_conflict};
use crate::reports::insert_report;
use crate::require_pupil;
use crate::rows::{col, recorded, session};

/// The id of the school's contact person with this reference.
fn person(tx: &mut impl GenericClient, school: SchoolId, reference: &str) -> Result<i64> {
    match tx
        .query_opt(
            "SELECT id FROM contact_people WHERE school_id = $1 AND reference = $2",
            &[&school, &reference],
        )
        .map_err(db)?
    {
        Some(row) => col(&row, 0),
        None => Err(StoreError::unknown_contact(reference, school)),
    }
}

fn require_user(tx: &mut impl GenericClient, user: UserId) -> Result<()> {
    match tx
        .query_opt("SELECT 1 FROM users WHERE id = $1", &[&user])
        .map_err(db)?
    {
        Some(_) => Ok(()),
        None => Err(StoreError::unknown_user(user)),
    }
}

pub(crate) fn record_call_attempt(
    client: &mut Client,
    school: SchoolId,
    a: &CallAttempt,
    reason: Option<(&AbsenceReport, &[MarkChange])>,
) -> Result<(i64, Option<i64>)> {
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        require_pupil(&mut tx, school, a.pupil)?;
        let person = person(&mut tx, school, &a.contact)?;
        let report = match reason {
            None => None,
            Some((report, changes)) => {
                let id = insert_report(&mut tx, school, report, report.evidence)?;
                apply_in(
                    &mut tx,
                    school,
                    changes,
                    &mut ProgressCounter::new(&mut |_| {}),
                )?;
                Some(id)
            }
        };
        let row = tx
            .query_one(
                "INSERT INTO call_attempts (pupil_id, absence_date, absence_session, person_id, \
                     parent, number, outcome, note, report_id, recorded_by, recorded_role, \
                     recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                &[
                    &a.pupil,
                    &a.date,
                    &a.session.as_str(),
                    &person,
                    &a.parent,
                    &a.number,
                    &a.outcome.as_str(),
                    &a.note,
                    &report,
                    &a.recorded.by,
                    &a.recorded.role,
                    &a.recorded.at,
                ],
            )
            .map_err(db)?;
        let id: i64 = col(&row, 0)?;
        tx.commit().map_err(db)?;
        Ok((id, report))
    })())
}

pub(crate) fn call_attempts(
    client: &mut Client,
    school: SchoolId,
    range: DateRange,
) -> Result<Vec<StoredCallAttempt>> {
    let (from, to) = range.bounds();
    client
        .query(
            "SELECT a.id, a.pupil_id, a.absence_date, a.absence_session, c.reference, a.parent, \
                    a.number, a.outcome, a.note, a.report_id, a.recorded_by, a.recorded_role, \
                    a.recorded_at, c.forename, c.surname \
             FROM call_attempts a JOIN pupils p ON p.id = a.pupil_id \
             JOIN contact_people c ON c.id = a.person_id \
             WHERE p.school_id = $1 AND a.absence_date >= $2 AND a.absence_date <= $3 \
             ORDER BY a.recorded_at, a.id",
            &[&school, &from, &to],
        )
        .map_err(db)?
        .iter()
        .map(attempt)
        .collect()
}

/// "Forename Surname", as [`rollcall_store::Contact::name`] writes it.
fn name_of(forename: &str, surname: &str) -> String {
    match (forename.trim(), surname.trim()) {
        ("", s) => s.to_owned(),
        (f, "") => f.to_owned(),
        (f, s) => format!("{f} {s}"),
    }
}

fn attempt(row: &Row) -> Result<StoredCallAttempt> {
    let outcome: &str = col(row, 7)?;
    Ok(StoredCallAttempt {
        id: col(row, 0)?,
        attempt: CallAttempt {
            pupil: col(row, 1)?,
            date: col(row, 2)?,
            session: session(col(row, 3)?)?,
            contact: col(row, 4)?,
            parent: col(row, 5)?,
            number: col(row, 6)?,
            outcome: AttemptOutcome::parse(outcome)
                .ok_or_else(|| StoreError::unreadable("call outcome", outcome))?,
            note: col(row, 8)?,
            recorded: recorded(row, 10)?,
        },
        contact_name: name_of(col(row, 13)?, col(row, 14)?),
        report: col(row, 9)?,
    })
}

pub(crate) fn save_parent_messages(
    client: &mut Client,
    school: SchoolId,
    messages: &[ParentMessage],
) -> Result<Vec<i64>> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = client.transaction().map_err(db)?;
    let insert = tx
        .prepare(
            "INSERT INTO parent_messages (pupil_id, absence_date, absence_session, channel, \
                 person_id, recipient, recorded_by, recorded_role, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .map_err(db)?;
    let mut ids = Vec::with_capacity(messages.len());
    for m in messages {
        require_pupil(&mut tx, school, m.pupil)?;
        let person = person(&mut tx, school, &m.contact)?;
        let row = tx
            .query_one(
                &insert,
                &[
                    &m.pupil,
                    &m.date,
                    &m.session.as_str(),
                    &m.channel.as_str(),
                    &person,
                    &m.recipient,
                    &m.recorded.by,
                    &m.recorded.role,
                    &m.recorded.at,
                ],
            )
            .map_err(db)?;
        ids.push(col(&row, 0)?);
    }
    tx.commit().map_err(db)?;
    Ok(ids)
}

pub(crate) fn record_message_outcomes(
    client: &mut Client,
    school: SchoolId,
    outcomes: &[(i64, MessageOutcome)],
) -> Result<()> {
    if outcomes.is_empty() {
        return Ok(());
    }
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        for (id, o) in outcomes {
            // Locked, so that two answers for one message take turns: the second finds it
            // answered.
            let answered = tx
                .query_opt(
                    "SELECT m.outcome_at IS NOT NULL FROM parent_messages m \
                     JOIN pupils p ON p.id = m.pupil_id WHERE m.id = $1 AND p.school_id = $2 \
                     FOR UPDATE OF m",
                    &[id, &school],
                )
                .map_err(db)?;
            match answered {
                None => return Err(StoreError::unknown_message(*id, school)),
                Some(row) if col::<bool>(&row, 0)? => {
                    return Err(StoreError::message_answered(*id))
                }
                Some(_) => {}
            }
            tx.execute(
                "UPDATE parent_messages SET sent = $2, detail = $3, message_id = $4, \
                     outcome_at = $5 WHERE id = $1",
                &[id, &o.sent, &o.detail, &o.message_id, &o.at],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)
    })())
}

pub(crate) fn parent_messages(
    client: &mut Client,
    school: SchoolId,
    range: DateRange,
) -> Result<Vec<StoredParentMessage>> {
    let (from, to) = range.bounds();
    client
        .query(
            "SELECT m.id, m.pupil_id, m.absence_date, m.absence_session, m.channel, c.reference, \
                    m.recipient, m.recorded_by, m.recorded_role, m.recorded_at, m.sent, \
                    m.detail, m.message_id, m.outcome_at \
             FROM parent_messages m JOIN pupils p ON p.id = m.pupil_id \
             JOIN contact_people c ON c.id = m.person_id \
             WHERE p.school_id = $1 AND m.absence_date >= $2 AND m.absence_date <= $3 \
             ORDER BY m.id",
            &[&school, &from, &to],
        )
        .map_err(db)?
        .iter()
        .map(message)
        .collect()
}

fn message(row: &Row) -> Result<StoredParentMessage> {
    let channel: &str = col(row, 4)?;
    let sent: Option<bool> = col(row, 10)?;
    let at: Option<chrono::DateTime<chrono::Utc>> = col(row, 13)?;
    let outcome = match (sent, at) {
        (Some(sent), Some(at)) => Some(MessageOutcome {
            sent,
            detail: col::<Option<String>>(row, 11)?.unwrap_or_default(),
            message_id: col(row, 12)?,
            at,
        }),
        _ => None,
    };
    Ok(StoredParentMessage {
        id: col(row, 0)?,
        message: ParentMessage {
            pupil: col(row, 1)?,
            date: col(row, 2)?,
            session: session(col(row, 3)?)?,
            channel: Channel::parse(channel)
                .ok_or_else(|| StoreError::unreadable("message channel", channel))?,
            contact: col(row, 5)?,
            recipient: col(row, 6)?,
            recorded: recorded(row, 7)?,
        },
        outcome,
    })
}

/// Inserts a step unless its pupil has one of its kind about its day; the new id, or `None`.
fn open_in(tx: &mut Transaction<'_>, school: SchoolId, e: &Escalation) -> Result<Option<i64>> {
    require_pupil(tx, school, e.pupil)?;
    if let Some(owner) = e.owner {
        require_user(tx, owner)?;
    }
    let row = tx
        .query_opt(
            "INSERT INTO escalations (pupil_id, kind, about, reason, opened_by, opened_role, \
                 opened_at, owner_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (pupil_id, kind, about) DO NOTHING RETURNING id",
            &[
                &e.pupil,
                &e.kind.as_str(),
                &e.about,
                &e.reason,
                &e.opened.by,
                &e.opened.role,
                &e.opened.at,
                &e.owner,
            ],
        )
        .map_err(db)?;
    row.map(|r| col(&r, 0)).transpose()
}

pub(crate) fn open_escalation(
    client: &mut Client,
    school: SchoolId,
    e: &Escalation,
) -> Result<Option<i64>> {
    let mut tx = client.transaction().map_err(db)?;
    let id = open_in(&mut tx, school, e)?;
    tx.commit().map_err(db)?;
    Ok(id)
}

/// Whether the school's step `id` is closed, locking it for the rest of the transaction;
/// [`StoreError::NotFound`] when there is none.
fn lock_step(tx: &mut Transaction<'_>, school: SchoolId, id: i64) -> Result<bool> {
    match tx
        .query_opt(
            "SELECT e.closed_at IS NOT NULL FROM escalations e \
             JOIN pupils p ON p.id = e.pupil_id WHERE e.id = $1 AND p.school_id = $2 \
             FOR UPDATE OF e",
            &[&id, &school],
        )
        .map_err(db)?
    {
        Some(row) => col(&row, 0),
        None => Err(StoreError::unknown_escalation(id, school)),
    }
}

pub(crate) fn assign_escalation(
    client: &mut Client,
    school: SchoolId,
    id: i64,
    owner: UserId,
    assigned: &Recorded,
) -> Result<()> {
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        if lock_step(&mut tx, school, id)? {
            return Err(StoreError::escalation_closed(id));
        }
        require_user(&mut tx, owner)?;
        tx.execute(
            "UPDATE escalations SET owner_id = $2, assigned_by = $3, assigned_role = $4, \
                 assigned_at = $5 WHERE id = $1",
            &[&id, &owner, &assigned.by, &assigned.role, &assigned.at],
        )
        .map_err(db)?;
        tx.commit().map_err(db)
    })())
}

pub(crate) fn close_escalation(
    client: &mut Client,
    school: SchoolId,
    id: i64,
    c: &EscalationClosure,
    next: Option<&Escalation>,
) -> Result<Option<i64>> {
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        if lock_step(&mut tx, school, id)? {
            return Err(StoreError::escalation_closed(id));
        }
        tx.execute(
            "UPDATE escalations SET contact_made = $2, outcome = $3, closed_by = $4, \
                 closed_role = $5, closed_at = $6 WHERE id = $1",
            &[
                &id,
                &c.contact_made,
                &c.outcome,
                &c.closed.by,
                &c.closed.role,
                &c.closed.at,
            ],
        )
        .map_err(db)?;
        let next = match next {
            Some(e) => open_in(&mut tx, school, e)?,
            None => None,
        };
        tx.commit().map_err(db)?;
        Ok(next)
    })())
}

pub(crate) fn escalations(
    client: &mut Client,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredEscalation>> {
    client
        .query(
            "SELECT e.id, e.pupil_id, e.kind, e.about, e.reason, e.opened_by, e.opened_role, \
                    e.opened_at, e.owner_id, u.display_name, e.assigned_by, e.assigned_role, \
                    e.assigned_at, e.contact_made, e.outcome, e.closed_by, e.closed_role, \
                    e.closed_at \
             FROM escalations e JOIN pupils p ON p.id = e.pupil_id \
             LEFT JOIN users u ON u.id = e.owner_id \
             WHERE p.school_id = $1 AND ($2::bigint IS NULL OR e.pupil_id = $2) \
             ORDER BY e.id",
            &[&school, &pupil],
        )
        .map_err(db)?
        .iter()
        .map(escalation)
        .collect()
}

/// Who did something, from three consecutive columns that are all null when nobody has.
fn maybe_recorded(row: &Row, first: usize) -> Result<Option<Recorded>> {
    let at: Option<chrono::DateTime<chrono::Utc>> = col(row, first + 2)?;
    match at {
        None => Ok(None),
        Some(at) => Ok(Some(Recorded {
            by: col::<Option<String>>(row, first)?.unwrap_or_default(),
            role: col::<Option<String>>(row, first + 1)?.unwrap_or_default(),
            at,
        })),
    }
}

fn escalation(row: &Row) -> Result<StoredEscalation> {
    let kind: &str = col(row, 2)?;
    let outcome: Option<String> = col(row, 14)?;
    let closure = match (maybe_recorded(row, 15)?, outcome) {
        (Some(closed), Some(outcome)) => Some(EscalationClosure {
            contact_made: col::<Option<bool>>(row, 13)?.unwrap_or(false),
            outcome,
            closed,
        }),
        _ => None,
    };
    Ok(StoredEscalation {
        id: col(row, 0)?,
        escalation: Escalation {
            pupil: col(row, 1)?,
            kind: EscalationKind::parse(kind)
                .ok_or_else(|| StoreError::unreadable("step", kind))?,
            about: col(row, 3)?,
            reason: col(row, 4)?,
            opened: recorded(row, 5)?,
            owner: col(row, 8)?,
        },
        owner_name: col(row, 9)?,
        assigned: maybe_recorded(row, 10)?,
        closure,
    })
}
