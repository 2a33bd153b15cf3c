//! Casework in SQLite: cases and their actions, the alerts' dispositions, when users last looked
//! at the alerts, and contracts with their reviews.

use chrono::{DateTime, Utc};
use rollcall_core::marks::Recorded;
use rollcall_core::Date;
use rollcall_store::{
    format_timestamp, parse_timestamp, ActionDetails, ActionKind, AlertDisposition, Attended,
    CaseAction, CaseClosure, CaseOpening, CaseOutcome, Contract, ContractAction, ContractDecision,
    ContractKind, ContractReview, Disposition, MeetingStatus, OpenedBecause, PupilId, Result,
    ReviewDone, SchoolId, Signature, StoreError, StoredCase, StoredCaseAction, StoredContract,
    SupportKind, UserId,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::require_pupil;
use crate::rows::{date_col, day, opt_date_col, read_recorded, recorded};
use crate::{db_err, SqliteStore};

fn require_user(tx: &Connection, user: UserId) -> Result<()> {
    let found = tx
        .prepare_cached("SELECT 1 FROM users WHERE id = ?1")
        .and_then(|mut s| s.exists([user]))
        .map_err(db_err)?;
    if found {
        Ok(())
    } else {
        Err(StoreError::unknown_user(user))
    }
}

/// The pupil of the school's case `id` and whether it is open; [`StoreError::NotFound`] when the
/// school holds no such case.
fn case_state(tx: &Connection, school: SchoolId, id: i64) -> Result<(PupilId, bool)> {
    tx.query_row(
        "SELECT c.pupil_id, c.closed_on IS NULL FROM cases c JOIN pupils p ON p.id = c.pupil_id
         WHERE c.id = ?1 AND p.school_id = ?2",
        params![id, school],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(db_err)?
    .ok_or_else(|| StoreError::unknown_case(id, school))
}

/// The school's case `id`, which must be open; its pupil.
fn open_case_of(tx: &Connection, school: SchoolId, id: i64) -> Result<PupilId> {
    match case_state(tx, school, id)? {
        (pupil, true) => Ok(pupil),
        (_, false) => Err(StoreError::case_closed(id)),
    }
}

fn n(value: u32) -> i64 {
    i64::from(value)
}

fn count(value: i64, what: &str) -> Result<u32> {
    u32::try_from(value).map_err(|_| StoreError::unreadable(what, value))
}

fn insert_action(tx: &Connection, case: i64, a: &CaseAction) -> Result<i64> {
    require_user(tx, a.by)?;
    let (status, attended, minutes, support, note) = match &a.details {
        ActionDetails::None => (None, None, None, None, None),
        ActionDetails::Meeting {
            status,
            attended,
            minutes,
        } => (
            Some(status.as_str()),
            Some(attended.as_str()),
            Some(minutes.as_str()),
            None,
            None,
        ),
        ActionDetails::Support { support, note } => (
            None,
            None,
            None,
            Some(support.as_str()),
            Some(note.as_str()),
        ),
    };
    tx.prepare_cached(
        "INSERT INTO case_actions (case_id, kind, done_on, by_id, summary, meeting_status,
            attended, minutes, support, support_note, review_on, document_id, recorded_by,
            recorded_role, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )
    .and_then(|mut s| {
        s.execute(params![
            case,
            a.kind.as_str(),
            day(a.on),
            a.by,
            a.summary,
            status,
            attended,
            minutes,
            support,
            note,
            a.review_on.map(day),
            a.document,
            a.recorded.by,
            a.recorded.role,
            format_timestamp(&a.recorded.at)
        ])
    })
    .map_err(db_err)?;
    Ok(tx.last_insert_rowid())
}

fn insert_disposition(tx: &Connection, school: SchoolId, d: &AlertDisposition) -> Result<()> {
    let (case, reason) = match &d.disposition {
        Disposition::Dismissed { reason } => (None, Some(reason.as_str())),
        Disposition::Case(id) => (Some(*id), None),
    };
    let inserted = tx
        .execute(
            "INSERT INTO alert_dispositions (school_id, finding_id, pupil_id, case_id, reason,
                recorded_by, recorded_role, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (school_id, finding_id) DO NOTHING",
            params![
                school,
                d.finding,
                d.pupil,
                case,
                reason,
                d.recorded.by,
                d.recorded.role,
                format_timestamp(&d.recorded.at)
            ],
        )
        .map_err(db_err)?;
    if inserted == 0 {
        return Err(StoreError::alert_disposed(&d.finding));
    }
    Ok(())
}

pub(crate) fn open_case(
    store: &mut SqliteStore,
    school: SchoolId,
    c: &CaseOpening,
    first: &CaseAction,
) -> Result<i64> {
    store.write(|tx| {
        require_pupil(tx, school, c.pupil)?;
        require_user(tx, c.owner)?;
        let (finding, rule, date, reason) = match &c.because {
            OpenedBecause::Finding {
                id,
                rule,
                date,
                evidence,
            } => (
                Some(id.as_str()),
                Some(rule.as_str()),
                Some(day(*date)),
                evidence.as_str(),
            ),
            OpenedBecause::ByHand { reason } => (None, None, None, reason.as_str()),
        };
        tx.execute(
            "INSERT INTO cases (pupil_id, owner_id, stage, opened_on, finding_id, finding_rule,
                finding_date, reason, present, possible, opened_by, opened_role, opened_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                c.pupil,
                c.owner,
                c.stage,
                day(c.opened_on),
                finding,
                rule,
                date,
                reason,
                n(c.attendance.present),
                n(c.attendance.possible),
                c.recorded.by,
                c.recorded.role,
                format_timestamp(&c.recorded.at)
            ],
        )
        .map_err(db_err)?;
        let id = tx.last_insert_rowid();
        if let Some(finding) = finding {
            insert_disposition(
                tx,
                school,
                &AlertDisposition {
                    finding: finding.to_owned(),
                    pupil: c.pupil,
                    disposition: Disposition::Case(id),
                    recorded: c.recorded.clone(),
                },
            )?;
        }
        insert_action(tx, id, first)?;
        Ok(id)
    })
}

pub(crate) fn add_case_action(
    store: &mut SqliteStore,
    school: SchoolId,
    case: i64,
    a: &CaseAction,
) -> Result<i64> {
    store.write(|tx| {
        open_case_of(tx, school, case)?;
        insert_action(tx, case, a)
    })
}

pub(crate) fn complete_review(
    store: &mut SqliteStore,
    school: SchoolId,
    action: i64,
    done: &ReviewDone,
) -> Result<()> {
    store.write(|tx| {
        let waiting: bool = tx
            .query_row(
                "SELECT a.review_on IS NOT NULL AND a.review_done_on IS NULL
                 FROM case_actions a JOIN cases c ON c.id = a.case_id
                 JOIN pupils p ON p.id = c.pupil_id WHERE a.id = ?1 AND p.school_id = ?2",
                params![action, school],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?
            .ok_or_else(|| StoreError::unknown_action(action, school))?;
        if !waiting {
            return Err(StoreError::no_review_due(action));
        }
        tx.execute(
            "UPDATE case_actions SET review_done_on = ?2, review_note = ?3, reviewed_by = ?4,
                reviewed_role = ?5, reviewed_at = ?6 WHERE id = ?1",
            params![
                action,
                day(done.on),
                done.note,
                done.recorded.by,
                done.recorded.role,
                format_timestamp(&done.recorded.at)
            ],
        )
        .map_err(db_err)?;
        Ok(())
    })
}

fn set_stage(tx: &Connection, case: i64, stage: &str) -> Result<()> {
    tx.execute(
        "UPDATE cases SET stage = ?2 WHERE id = ?1",
        params![case, stage],
    )
    .map_err(db_err)?;
    Ok(())
}

pub(crate) fn change_stage(
    store: &mut SqliteStore,
    school: SchoolId,
    case: i64,
    stage: &str,
    a: &CaseAction,
) -> Result<i64> {
    store.write(|tx| {
        open_case_of(tx, school, case)?;
        set_stage(tx, case, stage)?;
        insert_action(tx, case, a)
    })
}

pub(crate) fn link_cases(store: &mut SqliteStore, school: SchoolId, a: i64, b: i64) -> Result<()> {
    store.write(|tx| {
        case_state(tx, school, a)?;
        case_state(tx, school, b)?;
        if a == b {
            return Err(StoreError::case_linked_to_itself(a));
        }
        tx.execute(
            "INSERT INTO case_links (case_a, case_b) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![a.min(b), a.max(b)],
        )
        .map_err(db_err)?;
        Ok(())
    })
}

pub(crate) fn close_case(
    store: &mut SqliteStore,
    school: SchoolId,
    case: i64,
    c: &CaseClosure,
) -> Result<()> {
    store.write(|tx| {
        open_case_of(tx, school, case)?;
        tx.execute(
            "UPDATE cases SET closed_on = ?2, outcome = ?3, outcome_note = ?4, closed_by = ?5,
                closed_role = ?6, closed_at = ?7 WHERE id = ?1",
            params![
                case,
                day(c.on),
                c.outcome.as_str(),
                c.note,
                c.recorded.by,
                c.recorded.role,
                format_timestamp(&c.recorded.at)
            ],
        )
        .map_err(db_err)?;
        Ok(())
    })
}

pub(crate) fn dispose_alert(
    store: &mut SqliteStore,
    school: SchoolId,
    d: &AlertDisposition,
    action: Option<&CaseAction>,
) -> Result<()> {
    store.write(|tx| {
        require_pupil(tx, school, d.pupil)?;
        if let Disposition::Case(case) = d.disposition {
            if open_case_of(tx, school, case)? != d.pupil {
                return Err(StoreError::case_of_other_pupil(case, d.pupil));
            }
        }
        insert_disposition(tx, school, d)?;
        if let (Disposition::Case(case), Some(a)) = (&d.disposition, action) {
            insert_action(tx, *case, a)?;
        }
        Ok(())
    })
}

pub(crate) fn alert_dispositions(
    conn: &Connection,
    school: SchoolId,
) -> Result<Vec<AlertDisposition>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT finding_id, pupil_id, case_id, reason, recorded_by, recorded_role, recorded_at
             FROM alert_dispositions WHERE school_id = ?1 ORDER BY finding_id",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map([school], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, PupilId>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<String>>(3)?,
                read_recorded(r, 4)?,
            ))
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    rows.into_iter()
        .map(|(finding, pupil, case, reason, rec)| {
            let disposition = match (case, reason) {
                (Some(case), _) => Disposition::Case(case),
                (None, Some(reason)) => Disposition::Dismissed { reason },
                (None, None) => return Err(StoreError::unreadable("alert disposition", &finding)),
            };
            Ok(AlertDisposition {
                finding,
                pupil,
                disposition,
                recorded: recorded(rec)?,
            })
        })
        .collect()
}

pub(crate) fn mark_alerts_seen(
    store: &mut SqliteStore,
    school: SchoolId,
    user: UserId,
    at: DateTime<Utc>,
) -> Result<()> {
    store.write(|tx| {
        crate::require_school(tx, school)?;
        require_user(tx, user)?;
        tx.execute(
            "INSERT INTO alerts_seen (school_id, user_id, seen_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (school_id, user_id) DO UPDATE SET seen_at = excluded.seen_at",
            params![school, user, format_timestamp(&at)],
        )
        .map_err(db_err)?;
        Ok(())
    })
}

pub(crate) fn alerts_seen_at(
    conn: &Connection,
    school: SchoolId,
    user: UserId,
) -> Result<Option<DateTime<Utc>>> {
    let at: Option<String> = conn
        .query_row(
            "SELECT seen_at FROM alerts_seen WHERE school_id = ?1 AND user_id = ?2",
            params![school, user],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?;
    at.map(|t| parse_timestamp(&t)).transpose()
}

type MaybeRecorded = (Option<String>, Option<String>, Option<String>);

fn maybe_recorded((by, role, at): MaybeRecorded) -> Result<Option<Recorded>> {
    match (by, role, at) {
        (Some(by), Some(role), Some(at)) => Ok(Some(recorded((by, role, at))?)),
        _ => Ok(None),
    }
}

fn parsed<T>(parse: impl Fn(&str) -> Option<T>, text: &str, what: &str) -> Result<T> {
    parse(text).ok_or_else(|| StoreError::unreadable(what, text))
}

fn read_action(r: &Row<'_>) -> rusqlite::Result<Result<StoredCaseAction>> {
    let id: i64 = r.get(0)?;
    let case: i64 = r.get(1)?;
    let kind: String = r.get(2)?;
    let on = date_col(r, 3)?;
    let by: UserId = r.get(4)?;
    let by_name: Option<String> = r.get(5)?;
    let summary: String = r.get(6)?;
    let status: Option<String> = r.get(7)?;
    let attended: Option<String> = r.get(8)?;
    let minutes: Option<String> = r.get(9)?;
    let support: Option<String> = r.get(10)?;
    let support_note: Option<String> = r.get(11)?;
    let review_on = opt_date_col(r, 12)?;
    let document: Option<i64> = r.get(13)?;
    let rec = read_recorded(r, 14)?;
    let done_on = opt_date_col(r, 17)?;
    let note: Option<String> = r.get(18)?;
    let reviewed: MaybeRecorded = (r.get(19)?, r.get(20)?, r.get(21)?);
    Ok((|| {
        let details = match (status, support) {
            (Some(status), _) => ActionDetails::Meeting {
                status: parsed(MeetingStatus::parse, &status, "meeting status")?,
                attended: attended.unwrap_or_default(),
                minutes: minutes.unwrap_or_default(),
            },
            (None, Some(support)) => ActionDetails::Support {
                support: parsed(SupportKind::parse, &support, "support")?,
                note: support_note.unwrap_or_default(),
            },
            (None, None) => ActionDetails::None,
        };
        let review_done = match (done_on, maybe_recorded(reviewed)?) {
            (Some(on), Some(recorded)) => Some(ReviewDone {
                on,
                note: note.unwrap_or_default(),
                recorded,
            }),
            _ => None,
        };
        Ok(StoredCaseAction {
            id,
            case,
            action: CaseAction {
                kind: parsed(ActionKind::parse, &kind, "case action")?,
                on,
                by,
                summary,
                details,
                review_on,
                document,
                recorded: recorded(rec)?,
            },
            by_name: by_name.unwrap_or_default(),
            review_done,
        })
    })())
}

struct CaseRow {
    id: i64,
    pupil: PupilId,
    owner: UserId,
    owner_name: Option<String>,
    stage: String,
    opened_on: Date,
    finding: Option<(String, String, Date)>,
    reason: String,
    present: i64,
    possible: i64,
    opened: (String, String, String),
    closed_on: Option<Date>,
    outcome: Option<String>,
    outcome_note: Option<String>,
    closed: MaybeRecorded,
}

fn read_case(r: &Row<'_>) -> rusqlite::Result<CaseRow> {
    let finding = match (
        r.get::<_, Option<String>>(6)?,
        r.get::<_, Option<String>>(7)?,
        opt_date_col(r, 8)?,
    ) {
        (Some(id), Some(rule), Some(date)) => Some((id, rule, date)),
        _ => None,
    };
    Ok(CaseRow {
        id: r.get(0)?,
        pupil: r.get(1)?,
        owner: r.get(2)?,
        owner_name: r.get(3)?,
        stage: r.get(4)?,
        opened_on: date_col(r, 5)?,
        finding,
        reason: r.get(9)?,
        present: r.get(10)?,
        possible: r.get(11)?,
        opened: read_recorded(r, 12)?,
        closed_on: opt_date_col(r, 15)?,
        outcome: r.get(16)?,
        outcome_note: r.get(17)?,
        closed: (r.get(18)?, r.get(19)?, r.get(20)?),
    })
}

fn case_from(row: CaseRow) -> Result<StoredCase> {
    let because = match row.finding {
        Some((id, rule, date)) => OpenedBecause::Finding {
            id,
            rule,
            date,
            evidence: row.reason,
        },
        None => OpenedBecause::ByHand { reason: row.reason },
    };
    let closure = match (row.closed_on, row.outcome, maybe_recorded(row.closed)?) {
        (Some(on), Some(outcome), Some(recorded)) => Some(CaseClosure {
            on,
            outcome: parsed(CaseOutcome::parse, &outcome, "case outcome")?,
            note: row.outcome_note.unwrap_or_default(),
            recorded,
        }),
        _ => None,
    };
    Ok(StoredCase {
        id: row.id,
        case: CaseOpening {
            pupil: row.pupil,
            owner: row.owner,
            stage: row.stage,
            opened_on: row.opened_on,
            because,
            attendance: Attended {
                present: count(row.present, "sessions present")?,
                possible: count(row.possible, "possible sessions")?,
            },
            recorded: recorded(row.opened)?,
        },
        owner_name: row.owner_name.unwrap_or_default(),
        linked: Vec::new(),
        closure,
        actions: Vec::new(),
    })
}

const CASE_COLUMNS: &str = "c.id, c.pupil_id, c.owner_id, u.display_name, c.stage, c.opened_on,
    c.finding_id, c.finding_rule, c.finding_date, c.reason, c.present, c.possible, c.opened_by,
    c.opened_role, c.opened_at, c.closed_on, c.outcome, c.outcome_note, c.closed_by,
    c.closed_role, c.closed_at";

const ACTION_COLUMNS: &str = "a.id, a.case_id, a.kind, a.done_on, a.by_id, u.display_name,
    a.summary, a.meeting_status, a.attended, a.minutes, a.support, a.support_note, a.review_on,
    a.document_id, a.recorded_by, a.recorded_role, a.recorded_at, a.review_done_on,
    a.review_note, a.reviewed_by, a.reviewed_role, a.reviewed_at";

/// The school's cases (one case's with `id`, one pupil's with `pupil`), with actions and links.
fn read_cases(
    conn: &Connection,
    school: SchoolId,
    id: Option<i64>,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredCase>> {
    let filter =
        "p.school_id = ?1 AND (?2 IS NULL OR c.id = ?2) AND (?3 IS NULL OR c.pupil_id = ?3)";
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {CASE_COLUMNS} FROM cases c JOIN pupils p ON p.id = c.pupil_id
             LEFT JOIN users u ON u.id = c.owner_id WHERE {filter} ORDER BY c.id"
        ))
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![school, id, pupil], read_case)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    let mut cases = rows
        .into_iter()
        .map(case_from)
        .collect::<Result<Vec<_>>>()?;
    if cases.is_empty() {
        return Ok(cases);
    }
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {ACTION_COLUMNS} FROM case_actions a JOIN cases c ON c.id = a.case_id
             JOIN pupils p ON p.id = c.pupil_id LEFT JOIN users u ON u.id = a.by_id
             WHERE {filter} ORDER BY a.id"
        ))
        .map_err(db_err)?;
    let actions = stmt
        .query_map(params![school, id, pupil], read_action)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Result<StoredCaseAction>>>>()
        .map_err(db_err)?;
    let index = |cases: &[StoredCase], id: i64| cases.binary_search_by_key(&id, |c| c.id).ok();
    for action in actions {
        let action = action?;
        if let Some(i) = index(&cases, action.case) {
            cases[i].actions.push(action);
        }
    }
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT l.case_a, l.case_b FROM case_links l JOIN cases c
                 ON c.id = l.case_a OR c.id = l.case_b
             JOIN pupils p ON p.id = c.pupil_id WHERE {filter}"
        ))
        .map_err(db_err)?;
    let links = stmt
        .query_map(params![school, id, pupil], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    for (a, b) in links {
        for (this, other) in [(a, b), (b, a)] {
            if let Some(i) = index(&cases, this) {
                if !cases[i].linked.contains(&other) {
                    cases[i].linked.push(other);
                }
            }
        }
    }
    for case in &mut cases {
        case.linked.sort_unstable();
    }
    Ok(cases)
}

pub(crate) fn case(conn: &Connection, school: SchoolId, id: i64) -> Result<Option<StoredCase>> {
    Ok(read_cases(conn, school, Some(id), None)?.into_iter().next())
}

pub(crate) fn cases(
    conn: &Connection,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredCase>> {
    read_cases(conn, school, None, pupil)
}

pub(crate) fn save_contract(
    store: &mut SqliteStore,
    school: SchoolId,
    c: &Contract,
    a: &CaseAction,
) -> Result<(i64, i64)> {
    store.write(|tx| {
        open_case_of(tx, school, c.case)?;
        tx.execute(
            "INSERT INTO contracts (case_id, kind, difficulties, target_permille, start_on,
                review_on, recorded_by, recorded_role, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                c.case,
                c.kind.as_str(),
                c.difficulties,
                n(c.target_permille),
                day(c.start),
                day(c.review_on),
                c.recorded.by,
                c.recorded.role,
                format_timestamp(&c.recorded.at)
            ],
        )
        .map_err(db_err)?;
        let id = tx.last_insert_rowid();
        for (i, x) in c.actions.iter().enumerate() {
            tx.execute(
                "INSERT INTO contract_actions (contract_id, position, party, action, owner,
                    by_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, i as i64, x.party, x.action, x.owner, x.by.map(day)],
            )
            .map_err(db_err)?;
        }
        for (i, s) in c.signatures.iter().enumerate() {
            tx.execute(
                "INSERT INTO contract_signatures (contract_id, position, name, signed_on)
                 VALUES (?1, ?2, ?3, ?4)",
                params![id, i as i64, s.name, day(s.on)],
            )
            .map_err(db_err)?;
        }
        let action = CaseAction {
            document: Some(id),
            ..a.clone()
        };
        let action = insert_action(tx, c.case, &action)?;
        Ok((id, action))
    })
}

pub(crate) fn review_contract(
    store: &mut SqliteStore,
    school: SchoolId,
    contract: i64,
    r: &ContractReview,
    a: &CaseAction,
    stage: Option<&str>,
) -> Result<()> {
    store.write(|tx| {
        let (case, ended): (i64, bool) = tx
            .query_row(
                "SELECT k.case_id, EXISTS (SELECT 1 FROM contract_reviews r
                     WHERE r.contract_id = k.id AND r.decision <> 'continue')
                 FROM contracts k JOIN cases c ON c.id = k.case_id
                 JOIN pupils p ON p.id = c.pupil_id WHERE k.id = ?1 AND p.school_id = ?2",
                params![contract, school],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_err)?
            .ok_or_else(|| StoreError::unknown_contract(contract, school))?;
        if ended {
            return Err(StoreError::contract_ended(contract));
        }
        open_case_of(tx, school, case)?;
        tx.execute(
            "INSERT INTO contract_reviews (contract_id, reviewed_on, present, possible, met, note,
                decision, recorded_by, recorded_role, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                contract,
                day(r.on),
                n(r.attended.present),
                n(r.attended.possible),
                r.met,
                r.note,
                r.decision.as_str(),
                r.recorded.by,
                r.recorded.role,
                format_timestamp(&r.recorded.at)
            ],
        )
        .map_err(db_err)?;
        // The review waiting on the contract (or on its last review) is done.
        tx.execute(
            "UPDATE case_actions SET review_done_on = ?3, review_note = ?4, reviewed_by = ?5,
                reviewed_role = ?6, reviewed_at = ?7
             WHERE case_id = ?1 AND document_id = ?2 AND kind IN ('contract', 'contract_review')
                 AND review_on IS NOT NULL AND review_done_on IS NULL",
            params![
                case,
                contract,
                day(r.on),
                r.note,
                r.recorded.by,
                r.recorded.role,
                format_timestamp(&r.recorded.at)
            ],
        )
        .map_err(db_err)?;
        if let Some(stage) = stage {
            set_stage(tx, case, stage)?;
        }
        insert_action(tx, case, a)?;
        Ok(())
    })
}

pub(crate) fn contracts(
    conn: &Connection,
    school: SchoolId,
    case: Option<i64>,
) -> Result<Vec<StoredContract>> {
    let filter = "p.school_id = ?1 AND (?2 IS NULL OR k.case_id = ?2)";
    let join = "JOIN cases c ON c.id = k.case_id JOIN pupils p ON p.id = c.pupil_id";
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT k.id, k.case_id, k.kind, k.difficulties, k.target_permille, k.start_on,
                    k.review_on, k.recorded_by, k.recorded_role, k.recorded_at
             FROM contracts k {join} WHERE {filter} ORDER BY k.id"
        ))
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![school, case], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                date_col(r, 5)?,
                date_col(r, 6)?,
                read_recorded(r, 7)?,
            ))
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    let mut contracts = Vec::with_capacity(rows.len());
    for (id, case, kind, difficulties, target, start, review_on, rec) in rows {
        contracts.push(StoredContract {
            id,
            contract: Contract {
                case,
                kind: parsed(ContractKind::parse, &kind, "contract kind")?,
                difficulties,
                actions: Vec::new(),
                target_permille: count(target, "attendance target")?,
                start,
                review_on,
                signatures: Vec::new(),
                recorded: recorded(rec)?,
            },
            reviews: Vec::new(),
        });
    }
    if contracts.is_empty() {
        return Ok(contracts);
    }
    let index = |cs: &[StoredContract], id: i64| cs.binary_search_by_key(&id, |c| c.id).ok();
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT x.contract_id, x.party, x.action, x.owner, x.by_date
             FROM contract_actions x JOIN contracts k ON k.id = x.contract_id {join}
             WHERE {filter} ORDER BY x.contract_id, x.position"
        ))
        .map_err(db_err)?;
    let actions = stmt
        .query_map(params![school, case], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                ContractAction {
                    party: r.get(1)?,
                    action: r.get(2)?,
                    owner: r.get(3)?,
                    by: opt_date_col(r, 4)?,
                },
            ))
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    for (id, action) in actions {
        if let Some(i) = index(&contracts, id) {
            contracts[i].contract.actions.push(action);
        }
    }
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT s.contract_id, s.name, s.signed_on
             FROM contract_signatures s JOIN contracts k ON k.id = s.contract_id {join}
             WHERE {filter} ORDER BY s.contract_id, s.position"
        ))
        .map_err(db_err)?;
    let signatures = stmt
        .query_map(params![school, case], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                Signature {
                    name: r.get(1)?,
                    on: date_col(r, 2)?,
                },
            ))
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    for (id, signature) in signatures {
        if let Some(i) = index(&contracts, id) {
            contracts[i].contract.signatures.push(signature);
        }
    }
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT r.contract_id, r.reviewed_on, r.present, r.possible, r.met, r.note,
                    r.decision, r.recorded_by, r.recorded_role, r.recorded_at
             FROM contract_reviews r JOIN contracts k ON k.id = r.contract_id {join}
             WHERE {filter} ORDER BY r.id"
        ))
        .map_err(db_err)?;
    let reviews = stmt
        .query_map(params![school, case], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                date_col(r, 1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                read_recorded(r, 7)?,
            ))
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?;
    for (id, on, present, possible, met, note, decision, rec) in reviews {
        let review = ContractReview {
            on,
            attended: Attended {
                present: count(present, "sessions present")?,
                possible: count(possible, "possible sessions")?,
            },
            met,
            note,
            decision: parsed(ContractDecision::parse, &decision, "contract decision")?,
            recorded: recorded(rec)?,
        };
        if let Some(i) = index(&contracts, id) {
            contracts[i].reviews.push(review);
        }
    }
    Ok(contracts)
}
