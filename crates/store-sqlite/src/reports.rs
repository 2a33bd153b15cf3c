//! Reports of absence, evidence files and requests for medical evidence in SQLite.

use rollcall_core::marks::Recorded;
use rollcall_core::Code;
use rollcall_store::{
    decode, format_timestamp, stored_code, AbsenceReport, DateRange, EvidenceAnswer, EvidenceFile,
    EvidenceOutcome, EvidenceRequest, MarkChange, ProgressCounter, PupilId, ReportKind, Result,
    SchoolId, StoreError, StoredAbsenceReport, StoredEvidenceRequest,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::marks::apply_in;
use crate::rows::{date_col, day, opt_date_col, range_params, recorded, session_of};
use crate::{db_err, require_pupil, SqliteStore};

/// Saves the report and applies the marks it writes, exactly as
/// [`Store::apply_marks`](rollcall_store::Store::apply_marks) would, in one write.
pub(crate) fn record_absence(
    store: &mut SqliteStore,
    school: SchoolId,
    report: &AbsenceReport,
    changes: &[MarkChange],
) -> Result<i64> {
    store.write(|tx| {
        let id = insert_report(tx, school, report, report.evidence)?;
        apply_in(tx, school, changes, &mut ProgressCounter::new(&mut |_| {}))?;
        Ok(id)
    })
}

pub(crate) fn record_parent_report(
    store: &mut SqliteStore,
    school: SchoolId,
    report: &AbsenceReport,
    evidence: Option<&EvidenceFile>,
) -> Result<i64> {
    store.write(|tx| {
        require_pupil(tx, school, report.pupil)?;
        let file = match evidence {
            Some(f) => Some(insert_file(tx, school, f)?),
            None => report.evidence,
        };
        insert_report(tx, school, report, file)
    })
}

fn insert_file(tx: &Connection, school: SchoolId, f: &EvidenceFile) -> Result<i64> {
    require_pupil(tx, school, f.pupil)?;
    tx.execute(
        "INSERT INTO evidence_files (pupil_id, file_name, content_type, bytes, uploaded_by,
            uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            f.pupil,
            f.file_name,
            f.content_type,
            f.bytes,
            f.uploaded_by,
            format_timestamp(&f.uploaded_at)
        ],
    )
    .map_err(db_err)?;
    Ok(tx.last_insert_rowid())
}

pub(crate) fn insert_report(
    tx: &Connection,
    school: SchoolId,
    r: &AbsenceReport,
    evidence: Option<i64>,
) -> Result<i64> {
    require_pupil(tx, school, r.pupil)?;
    tx.execute(
        "INSERT INTO absence_reports (pupil_id, first_date, first_session, last_date, last_session,
            reason, code, expected_return, reported_by, recorded_by, recorded_role, recorded_at,
            kind, from_parent, awaiting_review, evidence_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            r.pupil,
            day(r.first.0),
            r.first.1.as_str(),
            day(r.last.0),
            r.last.1.as_str(),
            r.reason,
            r.code.text(),
            r.expected_return.map(day),
            r.reported_by,
            r.recorded.by,
            r.recorded.role,
            format_timestamp(&r.recorded.at),
            r.kind.as_str(),
            r.from_parent,
            r.awaiting_review,
            evidence
        ],
    )
    .map_err(db_err)?;
    Ok(tx.last_insert_rowid())
}

pub(crate) fn review_report(
    store: &mut SqliteStore,
    school: SchoolId,
    id: i64,
    code: &Code,
    reviewed: &Recorded,
    changes: &[MarkChange],
) -> Result<()> {
    store.write(|tx| {
        let awaiting: Option<bool> = tx
            .query_row(
                "SELECT a.awaiting_review FROM absence_reports a JOIN pupils p ON p.id = a.pupil_id
                 WHERE a.id = ?1 AND p.school_id = ?2",
                params![id, school],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?;
        match awaiting {
            None => {
                return Err(StoreError::NotFound(format!(
                    "absence report {id} in school {school}"
                )))
            }
            Some(false) => {
                return Err(StoreError::Conflict(format!(
                    "absence report {id} has already been reviewed"
                )))
            }
            Some(true) => {}
        }
        tx.execute(
            "UPDATE absence_reports SET awaiting_review = 0, code = ?2, reviewed_by = ?3,
                reviewed_at = ?4 WHERE id = ?1 AND awaiting_review = 1",
            params![id, code.text(), reviewed.by, format_timestamp(&reviewed.at)],
        )
        .map_err(db_err)?;
        apply_in(tx, school, changes, &mut ProgressCounter::new(&mut |_| {}))
    })
}

/// The reports of a school's pupils whose first to last day overlaps the range, by id.
pub(crate) fn absence_reports(
    conn: &Connection,
    school: SchoolId,
    range: DateRange,
) -> Result<Vec<StoredAbsenceReport>> {
    let (from, to) = range_params(range);
    let mut stmt = conn
        .prepare_cached(
            "SELECT a.id, a.pupil_id, a.first_date, a.first_session, a.last_date, a.last_session,
                    a.reason, a.code, a.expected_return, a.reported_by, a.recorded_by,
                    a.recorded_role, a.recorded_at, a.kind, a.from_parent, a.awaiting_review,
                    a.evidence_id, a.reviewed_by, a.reviewed_at
             FROM absence_reports a JOIN pupils p ON p.id = a.pupil_id
             WHERE p.school_id = ?1 AND a.last_date >= ?2 AND a.first_date <= ?3
             ORDER BY a.id",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![school, from, to], read_report)
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Result<StoredAbsenceReport>>>>()
        .map_err(db_err)?;
    rows.into_iter().collect()
}

fn read_report(r: &Row<'_>) -> rusqlite::Result<Result<StoredAbsenceReport>> {
    let id: i64 = r.get(0)?;
    let pupil: PupilId = r.get(1)?;
    let first_date = date_col(r, 2)?;
    let first_session: String = r.get(3)?;
    let last_date = date_col(r, 4)?;
    let last_session: String = r.get(5)?;
    let reason: String = r.get(6)?;
    let code: String = r.get(7)?;
    let expected_return = opt_date_col(r, 8)?;
    let reported_by: String = r.get(9)?;
    let rec: (String, String, String) = (r.get(10)?, r.get(11)?, r.get(12)?);
    let kind: String = r.get(13)?;
    let from_parent: bool = r.get(14)?;
    let awaiting_review: bool = r.get(15)?;
    let evidence: Option<i64> = r.get(16)?;
    let reviewed: (Option<String>, Option<String>) = (r.get(17)?, r.get(18)?);
    Ok((|| {
        Ok(StoredAbsenceReport {
            id,
            report: AbsenceReport {
                pupil,
                first: (first_date, session_of(&first_session)?),
                last: (last_date, session_of(&last_session)?),
                reason,
                kind: ReportKind::parse(&kind)
                    .ok_or_else(|| StoreError::unreadable("report kind", &kind))?,
                code: stored_code(&code)?,
                expected_return,
                reported_by,
                from_parent,
                awaiting_review,
                evidence,
                recorded: recorded(rec)?,
            },
            reviewed: match reviewed {
                (Some(by), Some(at)) => Some((by, decode::timestamp(&at)?)),
                _ => None,
            },
        })
    })())
}

pub(crate) fn evidence_file(
    conn: &Connection,
    school: SchoolId,
    id: i64,
) -> Result<Option<EvidenceFile>> {
    let row = conn
        .query_row(
            "SELECT f.pupil_id, f.file_name, f.content_type, f.bytes, f.uploaded_by, f.uploaded_at
             FROM evidence_files f JOIN pupils p ON p.id = f.pupil_id
             WHERE f.id = ?1 AND p.school_id = ?2",
            params![id, school],
            |r| {
                Ok((
                    r.get::<_, PupilId>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .optional()
        .map_err(db_err)?;
    row.map(|(pupil, file_name, content_type, bytes, by, at)| {
        Ok(EvidenceFile {
            pupil,
            file_name,
            content_type,
            bytes,
            uploaded_by: by,
            uploaded_at: decode::timestamp(&at)?,
        })
    })
    .transpose()
}

pub(crate) fn save_evidence_request(
    store: &mut SqliteStore,
    school: SchoolId,
    q: &EvidenceRequest,
) -> Result<i64> {
    store.write(|tx| {
        require_pupil(tx, school, q.pupil)?;
        tx.execute(
            "INSERT INTO evidence_requests (pupil_id, first_date, last_date, reason, requested_by,
                requested_role, requested_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                q.pupil,
                day(q.first),
                day(q.last),
                q.reason,
                q.requested.by,
                q.requested.role,
                format_timestamp(&q.requested.at)
            ],
        )
        .map_err(db_err)?;
        Ok(tx.last_insert_rowid())
    })
}

pub(crate) fn answer_evidence_request(
    store: &mut SqliteStore,
    school: SchoolId,
    id: i64,
    a: &EvidenceAnswer,
    file: Option<&EvidenceFile>,
    changes: &[MarkChange],
) -> Result<()> {
    store.write(|tx| {
        let open: Option<bool> = tx
            .query_row(
                "SELECT q.outcome IS NULL FROM evidence_requests q
                 JOIN pupils p ON p.id = q.pupil_id WHERE q.id = ?1 AND p.school_id = ?2",
                params![id, school],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?;
        match open {
            None => {
                return Err(StoreError::NotFound(format!(
                    "request for evidence {id} in school {school}"
                )))
            }
            Some(false) => {
                return Err(StoreError::Conflict(format!(
                    "request for evidence {id} has already been answered"
                )))
            }
            Some(true) => {}
        }
        let evidence = match file {
            Some(f) => Some(insert_file(tx, school, f)?),
            None => a.evidence,
        };
        tx.execute(
            "UPDATE evidence_requests SET outcome = ?2, decision = ?3, answered_by = ?4,
                answered_role = ?5, answered_at = ?6, evidence_id = ?7
             WHERE id = ?1 AND outcome IS NULL",
            params![
                id,
                a.outcome.as_str(),
                a.decision,
                a.answered.by,
                a.answered.role,
                format_timestamp(&a.answered.at),
                evidence
            ],
        )
        .map_err(db_err)?;
        apply_in(tx, school, changes, &mut ProgressCounter::new(&mut |_| {}))
    })
}

pub(crate) fn evidence_requests(
    conn: &Connection,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredEvidenceRequest>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT q.id, q.pupil_id, q.first_date, q.last_date, q.reason, q.requested_by,
                    q.requested_role, q.requested_at, q.outcome, q.decision, q.answered_by,
                    q.answered_role, q.answered_at, q.evidence_id
             FROM evidence_requests q JOIN pupils p ON p.id = q.pupil_id
             WHERE p.school_id = ?1 AND (?2 IS NULL OR q.pupil_id = ?2)
             ORDER BY q.id",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map(params![school, pupil], |r| {
            let id: i64 = r.get(0)?;
            let pupil: PupilId = r.get(1)?;
            let first = date_col(r, 2)?;
            let last = date_col(r, 3)?;
            let reason: String = r.get(4)?;
            let rec: (String, String, String) = (r.get(5)?, r.get(6)?, r.get(7)?);
            let outcome: Option<String> = r.get(8)?;
            let decision: Option<String> = r.get(9)?;
            let ans: (Option<String>, Option<String>, Option<String>) =
                (r.get(10)?, r.get(11)?, r.get(12)?);
            let evidence: Option<i64> = r.get(13)?;
            Ok((|| {
                let answer = match (outcome, ans) {
                    (Some(o), (Some(by), Some(role), Some(at))) => Some(EvidenceAnswer {
                        outcome: EvidenceOutcome::parse(&o)
                            .ok_or_else(|| StoreError::unreadable("evidence outcome", &o))?,
                        decision: decision.unwrap_or_default(),
                        evidence,
                        answered: recorded((by, role, at))?,
                    }),
                    _ => None,
                };
                Ok(StoredEvidenceRequest {
                    id,
                    request: EvidenceRequest {
                        pupil,
                        first,
                        last,
                        reason,
                        requested: recorded(rec)?,
                    },
                    answer,
                })
            })())
        })
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<Result<StoredEvidenceRequest>>>>()
        .map_err(db_err)?;
    rows.into_iter().collect()
}
