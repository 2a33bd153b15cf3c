//! Casework: cases and their actions, the alerts' dispositions, when users last looked at the
//! alerts, and contracts with their reviews.

use chrono::{DateTime, Utc};
use postgres::{Client, GenericClient, Row, Transaction};
use rollcall_core::marks::Recorded;
use rollcall_core::Date;
use rollcall_store::{
    ActionDetails, ActionKind, AlertDisposition, Attended, CaseAction, CaseClosure, CaseOpening,
    CaseOutcome, Contract, ContractAction, ContractDecision, ContractKind, ContractReview,
    Disposition, MeetingStatus, OpenedBecause, PupilId, Result, ReviewDone, SchoolId, Signature,
    StoreError, StoredCase, StoredCaseAction, StoredContract, SupportKind, UserId,
};

use crate::db;
use crate::marks::deadlock_is_conflict;
use crate::rows::{col, recorded};
use crate::{require_pupil, require_school};

fn require_user(tx: &mut impl GenericClient, user: UserId) -> Result<()> {
    match tx
        .query_opt("SELECT 1 FROM users WHERE id = $1", &[&user])
        .map_err(db)?
    {
        Some(_) => Ok(()),
        None => Err(StoreError::unknown_user(user)),
    }
}

/// The pupil of the school's case `id` and whether it is open, locking the case for the rest of
/// the transaction; [`StoreError::NotFound`] when the school holds no such case.
fn case_state(tx: &mut Transaction<'_>, school: SchoolId, id: i64) -> Result<(PupilId, bool)> {
    match tx
        .query_opt(
            "SELECT c.pupil_id, c.closed_on IS NULL FROM cases c \
             JOIN pupils p ON p.id = c.pupil_id WHERE c.id = $1 AND p.school_id = $2 \
             FOR UPDATE OF c",
            &[&id, &school],
        )
        .map_err(db)?
    {
        Some(row) => Ok((col(&row, 0)?, col(&row, 1)?)),
        None => Err(StoreError::unknown_case(id, school)),
    }
}

/// The school's case `id`, which must be open; its pupil.
fn open_case_of(tx: &mut Transaction<'_>, school: SchoolId, id: i64) -> Result<PupilId> {
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

fn parsed<T>(parse: impl Fn(&str) -> Option<T>, text: &str, what: &str) -> Result<T> {
    parse(text).ok_or_else(|| StoreError::unreadable(what, text))
}

/// Runs `f` in one transaction, committed when it succeeds.
fn write<T>(client: &mut Client, f: impl FnOnce(&mut Transaction<'_>) -> Result<T>) -> Result<T> {
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        let out = f(&mut tx)?;
        tx.commit().map_err(db)?;
        Ok(out)
    })())
}

fn insert_action(tx: &mut Transaction<'_>, case: i64, a: &CaseAction) -> Result<i64> {
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
    let row = tx
        .query_one(
            "INSERT INTO case_actions (case_id, kind, done_on, by_id, summary, meeting_status, \
                 attended, minutes, support, support_note, review_on, document_id, recorded_by, \
                 recorded_role, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             RETURNING id",
            &[
                &case,
                &a.kind.as_str(),
                &a.on,
                &a.by,
                &a.summary,
                &status,
                &attended,
                &minutes,
                &support,
                &note,
                &a.review_on,
                &a.document,
                &a.recorded.by,
                &a.recorded.role,
                &a.recorded.at,
            ],
        )
        .map_err(db)?;
    col(&row, 0)
}

fn insert_disposition(
    tx: &mut Transaction<'_>,
    school: SchoolId,
    d: &AlertDisposition,
) -> Result<()> {
    let (case, reason) = match &d.disposition {
        Disposition::Dismissed { reason } => (None, Some(reason.as_str())),
        Disposition::Case(id) => (Some(*id), None),
    };
    let inserted = tx
        .execute(
            "INSERT INTO alert_dispositions (school_id, finding_id, pupil_id, case_id, reason, \
                 recorded_by, recorded_role, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (school_id, finding_id) DO NOTHING",
            &[
                &school,
                &d.finding,
                &d.pupil,
                &case,
                &reason,
                &d.recorded.by,
                &d.recorded.role,
                &d.recorded.at,
            ],
        )
        .map_err(db)?;
    if inserted == 0 {
        return Err(StoreError::alert_disposed(&d.finding));
    }
    Ok(())
}

pub(crate) fn open_case(
    client: &mut Client,
    school: SchoolId,
    c: &CaseOpening,
    first: &CaseAction,
) -> Result<i64> {
    write(client, |tx| {
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
                Some(*date),
                evidence.as_str(),
            ),
            OpenedBecause::ByHand { reason } => (None, None, None, reason.as_str()),
        };
        let row = tx
            .query_one(
                "INSERT INTO cases (pupil_id, owner_id, stage, opened_on, finding_id, \
                     finding_rule, finding_date, reason, present, possible, opened_by, \
                     opened_role, opened_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                &[
                    &c.pupil,
                    &c.owner,
                    &c.stage,
                    &c.opened_on,
                    &finding,
                    &rule,
                    &date,
                    &reason,
                    &n(c.attendance.present),
                    &n(c.attendance.possible),
                    &c.recorded.by,
                    &c.recorded.role,
                    &c.recorded.at,
                ],
            )
            .map_err(db)?;
        let id: i64 = col(&row, 0)?;
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
    client: &mut Client,
    school: SchoolId,
    case: i64,
    a: &CaseAction,
) -> Result<i64> {
    write(client, |tx| {
        open_case_of(tx, school, case)?;
        insert_action(tx, case, a)
    })
}

pub(crate) fn complete_review(
    client: &mut Client,
    school: SchoolId,
    action: i64,
    done: &ReviewDone,
) -> Result<()> {
    write(client, |tx| {
        let waiting: bool = match tx
            .query_opt(
                "SELECT a.review_on IS NOT NULL AND a.review_done_on IS NULL \
                 FROM case_actions a JOIN cases c ON c.id = a.case_id \
                 JOIN pupils p ON p.id = c.pupil_id WHERE a.id = $1 AND p.school_id = $2 \
                 FOR UPDATE OF a",
                &[&action, &school],
            )
            .map_err(db)?
        {
            Some(row) => col(&row, 0)?,
            None => return Err(StoreError::unknown_action(action, school)),
        };
        if !waiting {
            return Err(StoreError::no_review_due(action));
        }
        tx.execute(
            "UPDATE case_actions SET review_done_on = $2, review_note = $3, reviewed_by = $4, \
                 reviewed_role = $5, reviewed_at = $6 WHERE id = $1",
            &[
                &action,
                &done.on,
                &done.note,
                &done.recorded.by,
                &done.recorded.role,
                &done.recorded.at,
            ],
        )
        .map_err(db)?;
        Ok(())
    })
}

fn set_stage(tx: &mut Transaction<'_>, case: i64, stage: &str) -> Result<()> {
    tx.execute(
        "UPDATE cases SET stage = $2 WHERE id = $1",
        &[&case, &stage],
    )
    .map_err(db)?;
    Ok(())
}

pub(crate) fn change_stage(
    client: &mut Client,
    school: SchoolId,
    case: i64,
    stage: &str,
    a: &CaseAction,
) -> Result<i64> {
    write(client, |tx| {
        open_case_of(tx, school, case)?;
        set_stage(tx, case, stage)?;
        insert_action(tx, case, a)
    })
}

pub(crate) fn link_cases(client: &mut Client, school: SchoolId, a: i64, b: i64) -> Result<()> {
    write(client, |tx| {
        case_state(tx, school, a.min(b))?;
        case_state(tx, school, a.max(b))?;
        if a == b {
            return Err(StoreError::case_linked_to_itself(a));
        }
        tx.execute(
            "INSERT INTO case_links (case_a, case_b) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&a.min(b), &a.max(b)],
        )
        .map_err(db)?;
        Ok(())
    })
}

pub(crate) fn close_case(
    client: &mut Client,
    school: SchoolId,
    case: i64,
    c: &CaseClosure,
) -> Result<()> {
    write(client, |tx| {
        open_case_of(tx, school, case)?;
        tx.execute(
            "UPDATE cases SET closed_on = $2, outcome = $3, outcome_note = $4, closed_by = $5, \
                 closed_role = $6, closed_at = $7 WHERE id = $1",
            &[
                &case,
                &c.on,
                &c.outcome.as_str(),
                &c.note,
                &c.recorded.by,
                &c.recorded.role,
                &c.recorded.at,
            ],
        )
        .map_err(db)?;
        Ok(())
    })
}

pub(crate) fn dispose_alert(
    client: &mut Client,
    school: SchoolId,
    d: &AlertDisposition,
    action: Option<&CaseAction>,
) -> Result<()> {
    write(client, |tx| {
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
    client: &mut Client,
    school: SchoolId,
) -> Result<Vec<AlertDisposition>> {
    client
        .query(
            "SELECT finding_id, pupil_id, case_id, reason, recorded_by, recorded_role, \
                 recorded_at \
             FROM alert_dispositions WHERE school_id = $1 ORDER BY finding_id",
            &[&school],
        )
        .map_err(db)?
        .iter()
        .map(|r| {
            let finding: String = col(r, 0)?;
            let case: Option<i64> = col(r, 2)?;
            let reason: Option<String> = col(r, 3)?;
            let disposition = match (case, reason) {
                (Some(case), _) => Disposition::Case(case),
                (None, Some(reason)) => Disposition::Dismissed { reason },
                (None, None) => return Err(StoreError::unreadable("alert disposition", &finding)),
            };
            Ok(AlertDisposition {
                finding,
                pupil: col(r, 1)?,
                disposition,
                recorded: recorded(r, 4)?,
            })
        })
        .collect()
}

pub(crate) fn mark_alerts_seen(
    client: &mut Client,
    school: SchoolId,
    user: UserId,
    at: DateTime<Utc>,
) -> Result<()> {
    write(client, |tx| {
        require_school(tx, school, false)?;
        require_user(tx, user)?;
        tx.execute(
            "INSERT INTO alerts_seen (school_id, user_id, seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (school_id, user_id) DO UPDATE SET seen_at = excluded.seen_at",
            &[&school, &user, &at],
        )
        .map_err(db)?;
        Ok(())
    })
}

pub(crate) fn alerts_seen_at(
    client: &mut Client,
    school: SchoolId,
    user: UserId,
) -> Result<Option<DateTime<Utc>>> {
    match client
        .query_opt(
            "SELECT seen_at FROM alerts_seen WHERE school_id = $1 AND user_id = $2",
            &[&school, &user],
        )
        .map_err(db)?
    {
        Some(row) => Ok(Some(col(&row, 0)?)),
        None => Ok(None),
    }
}

/// Who did something, from three consecutive columns that are all null when nobody has.
fn maybe_recorded(row: &Row, first: usize) -> Result<Option<Recorded>> {
    let at: Option<DateTime<Utc>> = col(row, first + 2)?;
    match at {
        None => Ok(None),
        Some(at) => Ok(Some(Recorded {
            by: col::<Option<String>>(row, first)?.unwrap_or_default(),
            role: col::<Option<String>>(row, first + 1)?.unwrap_or_default(),
            at,
        })),
    }
}

fn read_action(r: &Row) -> Result<StoredCaseAction> {
    let kind: &str = col(r, 2)?;
    let status: Option<&str> = col(r, 7)?;
    let support: Option<&str> = col(r, 10)?;
    let details = match (status, support) {
        (Some(status), _) => ActionDetails::Meeting {
            status: parsed(MeetingStatus::parse, status, "meeting status")?,
            attended: col::<Option<String>>(r, 8)?.unwrap_or_default(),
            minutes: col::<Option<String>>(r, 9)?.unwrap_or_default(),
        },
        (None, Some(support)) => ActionDetails::Support {
            support: parsed(SupportKind::parse, support, "support")?,
            note: col::<Option<String>>(r, 11)?.unwrap_or_default(),
        },
        (None, None) => ActionDetails::None,
    };
    let done_on: Option<Date> = col(r, 17)?;
    let review_done = match (done_on, maybe_recorded(r, 19)?) {
        (Some(on), Some(recorded)) => Some(ReviewDone {
            on,
            note: col::<Option<String>>(r, 18)?.unwrap_or_default(),
            recorded,
        }),
        _ => None,
    };
    Ok(StoredCaseAction {
        id: col(r, 0)?,
        case: col(r, 1)?,
        action: CaseAction {
            kind: parsed(ActionKind::parse, kind, "case action")?,
            on: col(r, 3)?,
            by: col(r, 4)?,
            summary: col(r, 6)?,
            details,
            review_on: col(r, 12)?,
            document: col(r, 13)?,
            recorded: recorded(r, 14)?,
        },
        by_name: col::<Option<String>>(r, 5)?.unwrap_or_default(),
        review_done,
    })
}

fn read_case(r: &Row) -> Result<StoredCase> {
    let finding: Option<String> = col(r, 6)?;
    let rule: Option<String> = col(r, 7)?;
    let date: Option<Date> = col(r, 8)?;
    let reason: String = col(r, 9)?;
    let because = match (finding, rule, date) {
        (Some(id), Some(rule), Some(date)) => OpenedBecause::Finding {
            id,
            rule,
            date,
            evidence: reason,
        },
        _ => OpenedBecause::ByHand { reason },
    };
    let closed_on: Option<Date> = col(r, 15)?;
    let outcome: Option<&str> = col(r, 16)?;
    let closure = match (closed_on, outcome, maybe_recorded(r, 18)?) {
        (Some(on), Some(outcome), Some(recorded)) => Some(CaseClosure {
            on,
            outcome: parsed(CaseOutcome::parse, outcome, "case outcome")?,
            note: col::<Option<String>>(r, 17)?.unwrap_or_default(),
            recorded,
        }),
        _ => None,
    };
    Ok(StoredCase {
        id: col(r, 0)?,
        case: CaseOpening {
            pupil: col(r, 1)?,
            owner: col(r, 2)?,
            stage: col(r, 4)?,
            opened_on: col(r, 5)?,
            because,
            attendance: Attended {
                present: count(col(r, 10)?, "sessions present")?,
                possible: count(col(r, 11)?, "possible sessions")?,
            },
            recorded: recorded(r, 12)?,
        },
        owner_name: col::<Option<String>>(r, 3)?.unwrap_or_default(),
        linked: Vec::new(),
        closure,
        actions: Vec::new(),
    })
}

const CASE_COLUMNS: &str = "c.id, c.pupil_id, c.owner_id, u.display_name, c.stage, c.opened_on, \
    c.finding_id, c.finding_rule, c.finding_date, c.reason, c.present, c.possible, c.opened_by, \
    c.opened_role, c.opened_at, c.closed_on, c.outcome, c.outcome_note, c.closed_by, \
    c.closed_role, c.closed_at";

const ACTION_COLUMNS: &str = "a.id, a.case_id, a.kind, a.done_on, a.by_id, u.display_name, \
    a.summary, a.meeting_status, a.attended, a.minutes, a.support, a.support_note, a.review_on, \
    a.document_id, a.recorded_by, a.recorded_role, a.recorded_at, a.review_done_on, \
    a.review_note, a.reviewed_by, a.reviewed_role, a.reviewed_at";

const CASE_FILTER: &str = "p.school_id = $1 AND ($2::bigint IS NULL OR c.id = $2) \
    AND ($3::bigint IS NULL OR c.pupil_id = $3)";

fn read_cases(
    client: &mut Client,
    school: SchoolId,
    id: Option<i64>,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredCase>> {
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()
        .map_err(db)?;
    let mut cases = tx
        .query(
            &format!(
                "SELECT {CASE_COLUMNS} FROM cases c JOIN pupils p ON p.id = c.pupil_id \
                 LEFT JOIN users u ON u.id = c.owner_id WHERE {CASE_FILTER} ORDER BY c.id"
            ),
            &[&school, &id, &pupil],
        )
        .map_err(db)?
        .iter()
        .map(read_case)
        .collect::<Result<Vec<_>>>()?;
    if !cases.is_empty() {
        let index = |cases: &[StoredCase], id: i64| cases.binary_search_by_key(&id, |c| c.id).ok();
        let actions = tx
            .query(
                &format!(
                    "SELECT {ACTION_COLUMNS} FROM case_actions a JOIN cases c ON c.id = a.case_id \
                     JOIN pupils p ON p.id = c.pupil_id LEFT JOIN users u ON u.id = a.by_id \
                     WHERE {CASE_FILTER} ORDER BY a.id"
                ),
                &[&school, &id, &pupil],
            )
            .map_err(db)?;
        for row in &actions {
            let action = read_action(row)?;
            if let Some(i) = index(&cases, action.case) {
                cases[i].actions.push(action);
            }
        }
        let links = tx
            .query(
                &format!(
                    "SELECT l.case_a, l.case_b FROM case_links l JOIN cases c \
                         ON c.id = l.case_a OR c.id = l.case_b \
                     JOIN pupils p ON p.id = c.pupil_id WHERE {CASE_FILTER}"
                ),
                &[&school, &id, &pupil],
            )
            .map_err(db)?;
        for row in &links {
            let (a, b): (i64, i64) = (col(row, 0)?, col(row, 1)?);
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
    }
    tx.commit().map_err(db)?;
    Ok(cases)
}

pub(crate) fn case(client: &mut Client, school: SchoolId, id: i64) -> Result<Option<StoredCase>> {
    Ok(read_cases(client, school, Some(id), None)?
        .into_iter()
        .next())
}

pub(crate) fn cases(
    client: &mut Client,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredCase>> {
    read_cases(client, school, None, pupil)
}

pub(crate) fn save_contract(
    client: &mut Client,
    school: SchoolId,
    c: &Contract,
    a: &CaseAction,
) -> Result<(i64, i64)> {
    write(client, |tx| {
        open_case_of(tx, school, c.case)?;
        let row = tx
            .query_one(
                "INSERT INTO contracts (case_id, kind, difficulties, target_permille, start_on, \
                     review_on, recorded_by, recorded_role, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &[
                    &c.case,
                    &c.kind.as_str(),
                    &c.difficulties,
                    &n(c.target_permille),
                    &c.start,
                    &c.review_on,
                    &c.recorded.by,
                    &c.recorded.role,
                    &c.recorded.at,
                ],
            )
            .map_err(db)?;
        let id: i64 = col(&row, 0)?;
        for (i, x) in c.actions.iter().enumerate() {
            tx.execute(
                "INSERT INTO contract_actions (contract_id, position, party, action, owner, \
                     by_date) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&id, &(i as i64), &x.party, &x.action, &x.owner, &x.by],
            )
            .map_err(db)?;
        }
        for (i, s) in c.signatures.iter().enumerate() {
            tx.execute(
                "INSERT INTO contract_signatures (contract_id, position, name, signed_on) \
                 VALUES ($1, $2, $3, $4)",
                &[&id, &(i as i64), &s.name, &s.on],
            )
            .map_err(db)?;
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
    client: &mut Client,
    school: SchoolId,
    contract: i64,
    r: &ContractReview,
    a: &CaseAction,
    stage: Option<&str>,
) -> Result<()> {
    write(client, |tx| {
        let case: i64 = match tx
            .query_opt(
                "SELECT k.case_id FROM contracts k JOIN cases c ON c.id = k.case_id \
                 JOIN pupils p ON p.id = c.pupil_id WHERE k.id = $1 AND p.school_id = $2 \
                 FOR UPDATE OF k",
                &[&contract, &school],
            )
            .map_err(db)?
        {
            Some(row) => col(&row, 0)?,
            None => return Err(StoreError::unknown_contract(contract, school)),
        };
        let ended = tx
            .query_opt(
                "SELECT 1 FROM contract_reviews WHERE contract_id = $1 AND decision <> 'continue'",
                &[&contract],
            )
            .map_err(db)?
            .is_some();
        if ended {
            return Err(StoreError::contract_ended(contract));
        }
        open_case_of(tx, school, case)?;
        tx.execute(
            "INSERT INTO contract_reviews (contract_id, reviewed_on, present, possible, met, \
                 note, decision, recorded_by, recorded_role, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &contract,
                &r.on,
                &n(r.attended.present),
                &n(r.attended.possible),
                &r.met,
                &r.note,
                &r.decision.as_str(),
                &r.recorded.by,
                &r.recorded.role,
                &r.recorded.at,
            ],
        )
        .map_err(db)?;
        // The review waiting on the contract (or on its last review) is done.
        tx.execute(
            "UPDATE case_actions SET review_done_on = $3, review_note = $4, reviewed_by = $5, \
                 reviewed_role = $6, reviewed_at = $7 \
             WHERE case_id = $1 AND document_id = $2 AND kind IN ('contract', 'contract_review') \
                 AND review_on IS NOT NULL AND review_done_on IS NULL",
            &[
                &case,
                &contract,
                &r.on,
                &r.note,
                &r.recorded.by,
                &r.recorded.role,
                &r.recorded.at,
            ],
        )
        .map_err(db)?;
        if let Some(stage) = stage {
            set_stage(tx, case, stage)?;
        }
        insert_action(tx, case, a)?;
        Ok(())
    })
}

pub(crate) fn contracts(
    client: &mut Client,
    school: SchoolId,
    case: Option<i64>,
) -> Result<Vec<StoredContract>> {
    let filter = "p.school_id = $1 AND ($2::bigint IS NULL OR k.case_id = $2)";
    let join = "JOIN cases c ON c.id = k.case_id JOIN pupils p ON p.id = c.pupil_id";
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()
        .map_err(db)?;
    let mut contracts = tx
        .query(
            &format!(
                "SELECT k.id, k.case_id, k.kind, k.difficulties, k.target_permille, k.start_on, \
                     k.review_on, k.recorded_by, k.recorded_role, k.recorded_at \
                 FROM contracts k {join} WHERE {filter} ORDER BY k.id"
            ),
            &[&school, &case],
        )
        .map_err(db)?
        .iter()
        .map(|r| {
            let kind: &str = col(r, 2)?;
            Ok(StoredContract {
                id: col(r, 0)?,
                contract: Contract {
                    case: col(r, 1)?,
                    kind: parsed(ContractKind::parse, kind, "contract kind")?,
                    difficulties: col(r, 3)?,
                    actions: Vec::new(),
                    target_permille: count(col(r, 4)?, "attendance target")?,
                    start: col(r, 5)?,
                    review_on: col(r, 6)?,
                    signatures: Vec::new(),
                    recorded: recorded(r, 7)?,
                },
                reviews: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if !contracts.is_empty() {
        let index = |cs: &[StoredContract], id: i64| cs.binary_search_by_key(&id, |c| c.id).ok();
        for r in &tx
            .query(
                &format!(
                    "SELECT x.contract_id, x.party, x.action, x.owner, x.by_date \
                     FROM contract_actions x JOIN contracts k ON k.id = x.contract_id {join} \
                     WHERE {filter} ORDER BY x.contract_id, x.position"
                ),
                &[&school, &case],
            )
            .map_err(db)?
        {
            if let Some(i) = index(&contracts, col(r, 0)?) {
                contracts[i].contract.actions.push(ContractAction {
                    party: col(r, 1)?,
                    action: col(r, 2)?,
                    owner: col(r, 3)?,
                    by: col(r, 4)?,
                });
            }
        }
        for r in &tx
            .query(
                &format!(
                    "SELECT s.contract_id, s.name, s.signed_on \
                     FROM contract_signatures s JOIN contracts k ON k.id = s.contract_id {join} \
                     WHERE {filter} ORDER BY s.contract_id, s.position"
                ),
                &[&school, &case],
            )
            .map_err(db)?
        {
            if let Some(i) = index(&contracts, col(r, 0)?) {
                contracts[i].contract.signatures.push(Signature {
                    name: col(r, 1)?,
                    on: col(r, 2)?,
                });
            }
        }
        for r in &tx
            .query(
                &format!(
                    "SELECT r.contract_id, r.reviewed_on, r.present, r.possible, r.met, r.note, \
                         r.decision, r.recorded_by, r.recorded_role, r.recorded_at \
                     FROM contract_reviews r JOIN contracts k ON k.id = r.contract_id {join} \
                     WHERE {filter} ORDER BY r.id"
                ),
                &[&school, &case],
            )
            .map_err(db)?
        {
            let decision: &str = col(r, 6)?;
            let review = ContractReview {
                on: col(r, 1)?,
                attended: Attended {
                    present: count(col(r, 2)?, "sessions present")?,
                    possible: count(col(r, 3)?, "possible sessions")?,
                },
                met: col(r, 4)?,
                note: col(r, 5)?,
                decision: parsed(ContractDecision::parse, decision, "contract decision")?,
                recorded: recorded(r, 7)?,
            };
            if let Some(i) = index(&contracts, col(r, 0)?) {
                contracts[i].reviews.push(review);
            }
        }
    }
    tx.commit().map_err(db)?;
    Ok(contracts)
}
