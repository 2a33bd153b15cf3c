//! Reports of absence, evidence files and requests for medical evidence.

use postgres::{Client, Row, Transaction};
use rollcall_core::marks::Recorded;
use rollcall_core::Code;
use rollcall_store::{
    stored_code, AbsenceReport, DateRange, EvidenceAnswer, EvidenceFile, EvidenceOutcome,
    EvidenceRequest, MarkChange, ProgressCounter, PupilId, ReportKind, Result, SchoolId,
    StoreError, StoredAbsenceReport, StoredEvidenceRequest,
};

use crate::marks::{apply_in, deadlock_is_conflict};
use crate::rows::{self, col};
use crate::{db, require_pupil};

/// Saves the report and applies the marks it writes, exactly as
/// [`Store::apply_marks`](rollcall_store::Store::apply_marks) would, in one transaction.
pub(crate) fn record_absence(
    client: &mut Client,
    school: SchoolId,
    report: &AbsenceReport,
    changes: &[MarkChange],
) -> Result<i64> {
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        let id = insert_report(&mut tx, school, report, report.evidence)?;
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

pub(crate) fn record_parent_report(
    client: &mut Client,
    school: SchoolId,
    report: &AbsenceReport,
    evidence: Option<&EvidenceFile>,
) -> Result<i64> {
    let mut tx = client.transaction().map_err(db)?;
    require_pupil(&mut tx, school, report.pupil)?;
    let file = match evidence {
        Some(f) => Some(insert_file(&mut tx, school, f)?),
        None => report.evidence,
    };
    let id = insert_report(&mut tx, school, report, file)?;
    tx.commit().map_err(db)?;
    Ok(id)
}

fn insert_file(tx: &mut Transaction<'_>, school: SchoolId, f: &EvidenceFile) -> Result<i64> {
    require_pupil(tx, school, f.pupil)?;
    let row = tx
        .query_one(
            "INSERT INTO evidence_files (pupil_id, file_name, content_type, bytes, uploaded_by, \
                 uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                &f.pupil,
                &f.file_name,
                &f.content_type,
                &f.bytes,
                &f.uploaded_by,
                &f.uploaded_at,
            ],
        )
        .map_err(db)?;
    col(&row, 0)
}

pub(crate) fn insert_report(
    tx: &mut Transaction<'_>,
    school: SchoolId,
    r: &AbsenceReport,
    evidence: Option<i64>,
) -> Result<i64> {
    let row = tx
        .query_opt(
            "INSERT INTO absence_reports (pupil_id, first_date, first_session, last_date, \
                 last_session, reason, code, expected_return, reported_by, \
                 recorded_by, recorded_role, recorded_at, kind, from_parent, awaiting_review, \
                 evidence_id) \
             SELECT p.id, $3::date, $4::text, $5::date, $6::text, $7::text, $8::text, $9::date, \
                    $10::text, $11::text, $12::text, $13::timestamptz, $14::text, $15::boolean, \
                    $16::boolean, $17::bigint \
             FROM pupils p WHERE p.id = $1 AND p.school_id = $2 \
             RETURNING id",
            &[
                &r.pupil,
                &school,
                &r.first.0,
                &r.first.1.as_str(),
                &r.last.0,
                &r.last.1.as_str(),
                &r.reason,
                &r.code.text(),
                &r.expected_return,
                &r.reported_by,
                &r.recorded.by,
                &r.recorded.role,
                &r.recorded.at,
                &r.kind.as_str(),
                &r.from_parent,
                &r.awaiting_review,
                &evidence,
            ],
        )
        .map_err(db)?;
    match row {
        Some(row) => col(&row, 0),
        None => Err(StoreError::not_on_register(r.pupil, school)),
    }
}

pub(crate) fn review_report(
    client: &mut Client,
    school: SchoolId,
    id: i64,
    code: &Code,
    reviewed: &Recorded,
    changes: &[MarkChange],
) -> Result<()> {
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        let awaiting = tx
            .query_opt(
                "SELECT a.awaiting_review FROM absence_reports a \
                 JOIN pupils p ON p.id = a.pupil_id WHERE a.id = $1 AND p.school_id = $2 \
                 FOR UPDATE OF a",
                &[&id, &school],
            )
            .map_err(db)?;
        match awaiting {
            None => {
                return Err(StoreError::NotFound(format!(
                    "absence report {id} in school {school}"
                )))
            }
            Some(row) if !col::<bool>(&row, 0)? => {
                return Err(StoreError::Conflict(format!(
                    "absence report {id} has already been reviewed"
                )))
            }
            Some(_) => {}
        }
        tx.execute(
            "UPDATE absence_reports SET awaiting_review = false, code = $2, reviewed_by = $3, \
                 reviewed_at = $4 WHERE id = $1",
            &[&id, &code.text(), &reviewed.by, &reviewed.at],
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

/// The reports of a school's pupils whose first to last day overlaps the range, by id.
pub(crate) fn absence_reports(
    client: &mut Client,
    school: SchoolId,
    range: DateRange,
) -> Result<Vec<StoredAbsenceReport>> {
    let (from, to) = range.bounds();
    client
        .query(
            "SELECT a.id, a.pupil_id, a.first_date, a.first_session, a.last_date, \
                    a.last_session, a.reason, a.code, a.expected_return, a.reported_by, \
                    a.recorded_by, a.recorded_role, a.recorded_at, a.kind, a.from_parent, \
                    a.awaiting_review, a.evidence_id, a.reviewed_by, a.reviewed_at \
             FROM absence_reports a JOIN pupils p ON p.id = a.pupil_id \
             WHERE p.school_id = $1 AND a.last_date >= $2 AND a.first_date <= $3 \
             ORDER BY a.id",
            &[&school, &from, &to],
        )
        .map_err(db)?
        .iter()
        .map(report)
        .collect()
}

fn report(row: &Row) -> Result<StoredAbsenceReport> {
    let kind: &str = col(row, 13)?;
    let reviewed_by: Option<String> = col(row, 17)?;
    let reviewed_at: Option<chrono::DateTime<chrono::Utc>> = col(row, 18)?;
    Ok(StoredAbsenceReport {
        id: col(row, 0)?,
        report: AbsenceReport {
            pupil: col(row, 1)?,
            first: (col(row, 2)?, rows::session(col(row, 3)?)?),
            last: (col(row, 4)?, rows::session(col(row, 5)?)?),
            reason: col(row, 6)?,
            kind: ReportKind::parse(kind)
                .ok_or_else(|| StoreError::unreadable("report kind", kind))?,
            code: stored_code(col(row, 7)?)?,
            expected_return: col(row, 8)?,
            reported_by: col(row, 9)?,
            from_parent: col(row, 14)?,
            awaiting_review: col(row, 15)?,
            evidence: col(row, 16)?,
            recorded: rows::recorded(row, 10)?,
        },
        reviewed: reviewed_by.zip(reviewed_at),
    })
}

pub(crate) fn evidence_file(
    client: &mut Client,
    school: SchoolId,
    id: i64,
) -> Result<Option<EvidenceFile>> {
    client
        .query_opt(
            "SELECT f.pupil_id, f.file_name, f.content_type, f.bytes, f.uploaded_by, \
                    f.uploaded_at \
             FROM evidence_files f JOIN pupils p ON p.id = f.pupil_id \
             WHERE f.id = $1 AND p.school_id = $2",
            &[&id, &school],
        )
        .map_err(db)?
        .map(|row| {
            Ok(EvidenceFile {
                pupil: col(&row, 0)?,
                file_name: col(&row, 1)?,
                content_type: col(&row, 2)?,
                bytes: col(&row, 3)?,
                uploaded_by: col(&row, 4)?,
                uploaded_at: col(&row, 5)?,
            })
        })
        .transpose()
}

pub(crate) fn save_evidence_request(
    client: &mut Client,
    school: SchoolId,
    q: &EvidenceRequest,
) -> Result<i64> {
    let mut tx = client.transaction().map_err(db)?;
    require_pupil(&mut tx, school, q.pupil)?;
    let row = tx
        .query_one(
            "INSERT INTO evidence_requests (pupil_id, first_date, last_date, reason, \
                 requested_by, requested_role, requested_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                &q.pupil,
                &q.first,
                &q.last,
                &q.reason,
                &q.requested.by,
                &q.requested.role,
                &q.requested.at,
            ],
        )
        .map_err(db)?;
    tx.commit().map_err(db)?;
    col(&row, 0)
}

pub(crate) fn answer_evidence_request(
    client: &mut Client,
    school: SchoolId,
    id: i64,
    a: &EvidenceAnswer,
    file: Option<&EvidenceFile>,
    changes: &[MarkChange],
) -> Result<()> {
    deadlock_is_conflict((|| {
        let mut tx = client.transaction().map_err(db)?;
        let open = tx
            .query_opt(
                "SELECT q.outcome IS NULL FROM evidence_requests q \
                 JOIN pupils p ON p.id = q.pupil_id WHERE q.id = $1 AND p.school_id = $2 \
                 FOR UPDATE OF q",
                &[&id, &school],
            )
            .map_err(db)?;
        match open {
            None => {
                return Err(StoreError::NotFound(format!(
                    "request for evidence {id} in school {school}"
                )))
            }
            Some(row) if !col::<bool>(&row, 0)? => {
                return Err(StoreError::Conflict(format!(
                    "request for evidence {id} has already been answered"
                )))
            }
            Some(_) => {}
        }
        let evidence = match file {
            Some(f) => Some(insert_file(&mut tx, school, f)?),
            None => a.evidence,
        };
        tx.execute(
            "UPDATE evidence_requests SET outcome = $2, decision = $3, answered_by = $4, \
                 answered_role = $5, answered_at = $6, evidence_id = $7 WHERE id = $1",
            &[
                &id,
                &a.outcome.as_str(),
                &a.decision,
                &a.answered.by,
                &a.answered.role,
                &a.answered.at,
                &evidence,
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

pub(crate) fn evidence_requests(
    client: &mut Client,
    school: SchoolId,
    pupil: Option<PupilId>,
) -> Result<Vec<StoredEvidenceRequest>> {
    client
        .query(
            "SELECT q.id, q.pupil_id, q.first_date, q.last_date, q.reason, q.requested_by, \
                    q.requested_role, q.requested_at, q.outcome, q.decision, q.answered_by, \
                    q.answered_role, q.answered_at, q.evidence_id \
             FROM evidence_requests q JOIN pupils p ON p.id = q.pupil_id \
             WHERE p.school_id = $1 AND ($2::bigint IS NULL OR q.pupil_id = $2) \
             ORDER BY q.id",
            &[&school, &pupil],
        )
        .map_err(db)?
        .iter()
        .map(|row| {
            let outcome: Option<&str> = col(row, 8)?;
            let answer = match outcome {
                Some(o) => Some(EvidenceAnswer {
                    outcome: EvidenceOutcome::parse(o)
                        .ok_or_else(|| StoreError::unreadable("evidence outcome", o))?,
                    decision: col::<Option<String>>(row, 9)?.unwrap_or_default(),
                    evidence: col(row, 13)?,
                    answered: rows::recorded(row, 10)?,
                }),
                None => None,
            };
            Ok(StoredEvidenceRequest {
                id: col(row, 0)?,
                request: EvidenceRequest {
                    pupil: col(row, 1)?,
                    first: col(row, 2)?,
                    last: col(row, 3)?,
                    reason: col(row, 4)?,
                    requested: rows::recorded(row, 5)?,
                },
                answer,
            })
        })
        .collect()
}
