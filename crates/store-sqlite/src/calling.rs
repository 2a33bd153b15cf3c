//! First-day calling in SQLite: attempts to reach contacts, messages to parents, and the steps
//! taken when nobody is reached.

use rollcall_core::marks::Recorded;
use rollcall_store::{
    format_timestamp, AbsenceReport, AttemptOutcome, CallAttempt, Channel, DateRange, Escalation,
    EscalationClosure, EscalationKind, MarkChange, MessageOutcome, ParentMessage, ProgressCounter,
    PupilId, Result, SchoolId, StoreError, StoredCallAttempt, StoredEscalation,
    StoredParentMessage, UserId,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::marks::apply_in;
use crate::reports::insert_report;
use crate::require_pupil;
use crate::rows::{date_col, day, range_params, read_recorded, recorded, session_of};
use crate::{db_err, SqliteStore};

/// The id of the school's contact person with this reference.
fn person(tx: &Connection, school: SchoolId, reference: &str) -> Result<i64> {
    tx.query_row(
        "SELECT id FROM contact_people WHERE school_id = ?1 AND reference = ?2",
        params![school, reference],
        |r| r.get(0),
    )
    .optional()
    .map_err(db_err)?
    .ok_or_else(|| StoreError::unknown_contact(reference, school))
}

fn require_user(tx: &Connection, user: UserId) -> Result<()> {
    let found: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)",
            [user],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if found {
        Ok(())
    } else {
        Err(StoreError::unknown_user(user))
    }
}

pub(crate) fn record_call_attempt(
    store: &mut SqliteStore,
    school: SchoolId,
    a: &CallAttempt,
    reason: Option<(&AbsenceReport, &[MarkChange])>,
) -> Result<(i64, Option<i64>)> {
    store.write(|tx| {
        require_pupil(tx, school, a.pupil)?;
        let person = person(tx, school, &a.contact)?;
        let report = match reason {
            None => None,
            Some((report, changes)) => {
                let id = insert_report(tx, school, report, report.evidence)?;
                apply_in(tx, school, changes, &mut ProgressCounter::new(&mut |_| {}))?;
                Some(id)
            }
        };
        tx.execute(
            "INSERT INTO call_attempts (pupil_id, absence_date, absence_session, person_id, parent,
                number, outcome, note, report_id, recorded_by, recorded_role, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                a.pupil,
                day(a.date),
                a.session.as_str(),
                person,
                a.parent,
                a.number,
                a.outcome.as_str(),
                a.note,
                report,
                a.recorded.by,
                a.recorded.role,
                format_timestamp(&a.recorded.at)
            ],
        )
        .map_err(db_err)?;
        Ok((tx.last_insert_rowid(), report))
    })
}

pub(crate) fn call_attempts(
    conn: &Connection,
    school: SchoolId,
    range: DateRange,
) -> Result<Vec<StoredCallAttempt>> {
    let (from, to) = range_params(range);
    let mut stmt = conn
        .prepare_cached(
            "SELECT a.id, a.pupil_id, a.absence_date, a.absence_session, c.reference, a.parent,
                    a.number, a.outcome, a.note, a.report_id, a.recorded_by, a.recorded_role,
                    a.recorded_at, c.forename, c.surname
             FROM call_attempts a JOIN pupils p ON p.id = a.pupil_id
             JOIN contact_people c ON c.id = a.person_id
             WHERE p.school_id = ?1 AND a.absence_date >= ?2 AND a.absence_date <= ?3
             ORDER BY a.recorded_at, a.id",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![school, from, to], read_attempt)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Result<StoredCallAttempt>>>>()
        .map_err(db_err)?;
    rows.into_iter().collect()
}

/// "Forename Surname", as [`rollcall_store::Contact::name`] writes it.
fn name_of(forename: &str, surname: &str) -> String {
    match (forename.trim(), surname.trim()) {
        ("", s) => s.to_owned(),
        (f, "") => f.to_owned(),
        (f, s) => format!("{f} {s}"),
    }
}

fn read_attempt(r: &Row<'_>) -> rusqlite::Result<Result<StoredCallAttempt>> {
    let id: i64 = r.get(0)?;
    let pupil: PupilId = r.get(1)?;
    let date = date_col(r, 2)?;
    let session: String = r.get(3)?;
    let contact: String = r.get(4)?;
    let parent: bool = r.get(5)?;
    let number: String = r.get(6)?;
    let outcome: String = r.get(7)?;
    let note: String = r.get(8)?;
    let report: Option<i64> = r.get(9)?;
    let rec = read_recorded(r, 10)?;
    let contact_name = name_of(&r.get::<_, String>(13)?, &r.get::<_, String>(14)?);
    Ok((|| {
        Ok(StoredCallAttempt {
            id,
            attempt: CallAttempt {
                pupil,
                date,
                session: session_of(&session)?,
                contact,
                parent,
                number,
                outcome: AttemptOutcome::parse(&outcome)
                    .ok_or_else(|| StoreError::unreadable("call outcome", &outcome))?,
                note,
                recorded: recorded(rec)?,
            },
            contact_name,
            report,
        })
    })())
}

pub(crate) fn save_parent_messages(
    store: &mut SqliteStore,
    school: SchoolId,
    messages: &[ParentMessage],
) -> Result<Vec<i64>> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    store.write(|tx| {
        let mut ids = Vec::with_capacity(messages.len());
        for m in messages {
            require_pupil(tx, school, m.pupil)?;
            let person = person(tx, school, &m.contact)?;
            tx.prepare_cached(
                "INSERT INTO parent_messages (pupil_id, absence_date, absence_session, channel,
                    person_id, recipient, recorded_by, recorded_role, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    m.pupil,
                    day(m.date),
                    m.session.as_str(),
                    m.channel.as_str(),
                    person,
                    m.recipient,
                    m.recorded.by,
                    m.recorded.role,
                    format_timestamp(&m.recorded.at)
                ])
            })
            .map_err(db_err)?;
            ids.push(tx.last_insert_rowid());
        }
        Ok(ids)
    })
}

pub(crate) fn record_message_outcomes(
    store: &mut SqliteStore,
    school: SchoolId,
    outcomes: &[(i64, MessageOutcome)],
) -> Result<()> {
    if outcomes.is_empty() {
        return Ok(());
    }
    store.write(|tx| {
        for (id, o) in outcomes {
            let answered: Option<bool> = tx
                .query_row(
                    "SELECT m.outcome_at IS NOT NULL FROM parent_messages m
                     JOIN pupils p ON p.id = m.pupil_id WHERE m.id = ?1 AND p.school_id = ?2",
                    params![id, school],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db_err)?;
            match answered {
                None => return Err(StoreError::unknown_message(*id, school)),
                Some(true) => return Err(StoreError::message_answered(*id)),
                Some(false) => {}
            }
            tx.execute(
                "UPDATE parent_messages SET sent = ?2, detail = ?3, message_id = ?4,
                    outcome_at = ?5 WHERE id = ?1",
                params![id, o.sent, o.detail, o.message_id, format_timestamp(&o.at)],
            )
            .map_err(db_err)?;
        }
        Ok(())
    })
}

pub(crate) fn parent_messages(
    conn: &Connection,
    school: SchoolId,
    range: DateRange,
) -> Result<Vec<StoredParentMessage>> {
    let (from, to) = range_params(range);
    let mut stmt = conn
        .prepare_cached(
            "SELECT m.id, m.pupil_id, m.absence_date, m.absence_session, m.channel, c.reference,
                    m.recipient, m.recorded_by, m.recorded_role, m.recorded_at, m.sent, m.detail,
                    m.message_id, m.outcome_at
             FROM parent_messages m JOIN pupils p ON p.id = m.pupil_id
             JOIN contact_people c ON c.id = m.person_id
             WHERE p.school_id = ?1 AND m.absence_date >= ?2 AND m.absence_date <= ?3
             ORDER BY m.id",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![school, from, to], read_message)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Result<StoredParentMessage>>>>()
        .map_err(db_err)?;
    rows.into_iter().collect()
}

fn read_message(r: &Row<'_>) -> rusqlite::Result<Result<StoredParentMessage>> {
    let id: i64 = r.get(0)?;
    let pupil: PupilId = r.get(1)?;
    let date = date_col(r, 2)?;
    let session: String = r.get(3)?;
    let channel: String = r.get(4)?;
    let contact: String = r.get(5)?;
    let recipient: String = r.get(6)?;
    let rec = read_recorded(r, 7)?;
    let sent: Option<bool> = r.get(10)?;
    let detail: Option<String> = r.get(11)?;
    let message_id: Option<String> = r.get(12)?;
    let outcome_at: Option<String> = r.get(13)?;
    Ok((|| {
        let outcome = match (sent, outcome_at) {
            (Some(sent), Some(at)) => Some(MessageOutcome {
                sent,
                detail: detail.unwrap_or_default(),
                message_id,
                at: rollcall_store::parse_timestamp(&at)?,
            }),
            _ => None,
        };
        Ok(StoredParentMessage {
            id,
            message: ParentMessage {
                pupil,
                date,
                session: session_of(&session)?,
                channel: Channel::parse(&channel)
                    .ok_or_else(|| StoreError::unreadable("message channel", &channel))?,
                contact,
                recipient,
                recorded: recorded(rec)?,
            },
            outcome,
        })
    })())
}

/// Inserts a step unless its pupil has one of its kind about its day; the new id, or `None`.
fn open_in(tx: &Connection, school: SchoolId, e: &Escalation) -> Result<Option<i64>> {
    require_pupil(tx, school, e.pupil)?;
    if let Some(owner) = e.owner {
        require_user(tx, owner)?;
    }
    let inserted = tx
        .execute(
            "INSERT INTO escalations (pupil_id, kind, about, reason, opened_by, opened_role,
                opened_at, owner_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (pupil_id, kind, about) DO NOTHING",
            params![
                e.pupil,
                e.kind.as_str(),
                day(e.about),
                e.reason,
                e.opened.by,
                e.opened.role,
                format_timestamp(&e.opened.at),
                e.owner
            ],
        )
        .map_err(db_err)?;
    Ok((inserted == 1).then(|| tx.last_insert_rowid()))
}

pub(crate) fn open_escalation(
    store: &mut SqliteStore,
    school: SchoolId,
    e: &Escalation,
) -> Result<Option<i64>> {
    store.write(|tx| open_in(tx, school, e))
}

/// Whether the school's step `id` is closed; [`StoreError::NotFound`] when there is none.
fn closed(tx: &Connection, school: SchoolId, id: i64) -> Result<bool> {
    tx.query_row(
        "SELECT e.closed_at IS NOT NULL FROM escalations e JOIN pupils p ON p.id = e.pupil_id
         WHERE e.id = ?1 AND p.school_id = ?2",
        params![id, school],
        |r| r.get(0),
    )
    .optional()
    .map_err(db_err)?
    .ok_or_else(|| StoreError::unknown_escalation(id, school))
}

pub(crate) fn assign_escalation(
    store: &mut SqliteStore,
    school: SchoolId,
    id: i64,
    owner: UserId,
    assigned: &Recorded,
) -> Result<()> {
    store.write(|tx| {
        if closed(tx, school, id)? {
            return Err(StoreError::escalation_closed(id));
        }
        require_user(tx, owner)?;
        tx.execute(
            "UPDATE escalations SET owner_id = ?2, assigned_by = ?3, assigned_role = ?4,
                assigned_at = ?5 WHERE id = ?1",
            params![
                id,
                owner,
                assigned.by,
                assigned.role,
                format_timestamp(&assigned.at)
            ],
        )
        .map_err(db_err)?;
        Ok(())
    })
}

pub(crate) fn close_escalation(
    store: &mut SqliteStore,
    school: SchoolId,
    id: i64,
    c: &EscalationClosure,
    next: Option<&Escalation>,
) -> Result<Option<i64>> {
    store.write(|tx| {
        if closed(tx, school, id)? {
            return Err(StoreError::escalation_closed(id));
        }
        tx.execute(
            "UPDATE escalations SET contact_made = ?2, outcome = ?3, closed_by = ?4,
                closed_role = ?5, closed_at = ?6 WHERE id = ?1",
            params![
                id,
                c.contact_made,
                c.outcome,
                c.closed.by,
                c.closed.role,
                format_timestamp(&c.closed.at)
            ],
        )
        .map_err(db_err)?;
        match next {
            Some(e) => open_in(tx, school, e),
            None => Ok(None),
        }
    })
}

pub(crate) fn escalations(
    conn: &Connection,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredEscalation>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT e.id, e.pupil_id, e.kind, e.about, e.reason, e.opened_by, e.opened_role,
                    e.opened_at, e.owner_id, u.display_name, e.assigned_by, e.assigned_role,
                    e.assigned_at, e.contact_made, e.outcome, e.closed_by, e.closed_role,
                    e.closed_at
             FROM escalations e JOIN pupils p ON p.id = e.pupil_id
             LEFT JOIN users u ON u.id = e.owner_id
             WHERE p.school_id = ?1 AND (?2 IS NULL OR e.pupil_id = ?2)
             ORDER BY e.id",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![school, pupil], read_escalation)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Result<StoredEscalation>>>>()
        .map_err(db_err)?;
    rows.into_iter().collect()
}

type MaybeRecorded = (Option<String>, Option<String>, Option<String>);

fn maybe_recorded((by, role, at): MaybeRecorded) -> Result<Option<Recorded>> {
    match (by, role, at) {
        (Some(by), Some(role), Some(at)) => Ok(Some(recorded((by, role, at))?)),
        _ => Ok(None),
    }
}

fn read_escalation(r: &Row<'_>) -> rusqlite::Result<Result<StoredEscalation>> {
    let id: i64 = r.get(0)?;
    let pupil: PupilId = r.get(1)?;
    let kind: String = r.get(2)?;
    let about = date_col(r, 3)?;
    let reason: String = r.get(4)?;
    let opened = read_recorded(r, 5)?;
    let owner: Option<UserId> = r.get(8)?;
    let owner_name: Option<String> = r.get(9)?;
    let assigned: MaybeRecorded = (r.get(10)?, r.get(11)?, r.get(12)?);
    let contact_made: Option<bool> = r.get(13)?;
    let outcome: Option<String> = r.get(14)?;
    let closed: MaybeRecorded = (r.get(15)?, r.get(16)?, r.get(17)?);
    Ok((|| {
        let closure = match (maybe_recorded(closed)?, outcome) {
            (Some(closed), Some(outcome)) => Some(EscalationClosure {
                contact_made: contact_made.unwrap_or(false),
                outcome,
                closed,
            }),
            _ => None,
        };
        Ok(StoredEscalation {
            id,
            escalation: Escalation {
                pupil,
                kind: EscalationKind::parse(&kind)
                    .ok_or_else(|| StoreError::unreadable("step", &kind))?,
                about,
                reason,
                opened: recorded(opened)?,
                owner,
            },
            owner_name,
            assigned: maybe_recorded(assigned)?,
            closure,
        })
    })())
}
