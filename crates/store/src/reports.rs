//! Reports of absence (a parent's call to the office, or a parent's own report), the files
//! parents give as evidence, and the school's requests for medical evidence.

use chrono::{DateTime, Utc};
use rollcall_core::marks::Recorded;
use rollcall_core::{Code, Date, Session};

use crate::PupilId;

/// What kind of absence a report gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    Illness,
    /// A medical or dental appointment.
    Appointment,
    Other,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [
        ReportKind::Illness,
        ReportKind::Appointment,
        ReportKind::Other,
    ];

    /// As stored: `illness`, `appointment`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Illness => "illness",
            ReportKind::Appointment => "appointment",
            ReportKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<ReportKind> {
        ReportKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text.trim())
    }
}

/// A report that a pupil is or will be absent. A call the office records is applied to the
/// register at once; a parent's own report waits for staff to turn it into a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceReport {
    pub pupil: PupilId,
    pub first: (Date, Session),
    pub last: (Date, Session),
    /// What the parent said, in their words.
    pub reason: String,
    pub kind: ReportKind,
    /// The code the report was applied with (`N` while the reason is not established, or while
    /// a parent's report awaits review).
    pub code: Code,
    pub expected_return: Option<Date>,
    /// Who reported it: "Mother (phone)", or the parent's name (online).
    pub reported_by: String,
    /// Made by a parent themselves, online.
    pub from_parent: bool,
    /// A parent's report staff have not yet turned into a code.
    pub awaiting_review: bool,
    /// The file given as evidence, if any.
    pub evidence: Option<i64>,
    pub recorded: Recorded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAbsenceReport {
    pub id: i64,
    pub report: AbsenceReport,
    /// Who turned a parent's report into a code, and when.
    pub reviewed: Option<(String, DateTime<Utc>)>,
}

/// A file given as evidence: an appointment card, a doctor's note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceFile {
    pub pupil: PupilId,
    pub file_name: String,
    /// `application/pdf`, `image/png`, `image/jpeg`…
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

/// A request for medical evidence of an absence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRequest {
    pub pupil: PupilId,
    /// The days of absence the request is about.
    pub first: Date,
    pub last: Date,
    /// Why it is asked for: "illness beyond 5 school days".
    pub reason: String,
    pub requested: Recorded,
}

/// How a request for evidence ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvidenceOutcome {
    Provided,
    Refused,
    Withdrawn,
}

impl EvidenceOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceOutcome::Provided => "provided",
            EvidenceOutcome::Refused => "refused",
            EvidenceOutcome::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<EvidenceOutcome> {
        [
            EvidenceOutcome::Provided,
            EvidenceOutcome::Refused,
            EvidenceOutcome::Withdrawn,
        ]
        .into_iter()
        .find(|o| o.as_str() == text.trim())
    }
}

/// The answer to a request for evidence, and the school's decision on the absence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceAnswer {
    pub outcome: EvidenceOutcome,
    /// What the school decided: "kept as authorised", "recorded as unauthorised (O)".
    pub decision: String,
    /// The file given, when one was uploaded.
    pub evidence: Option<i64>,
    pub answered: Recorded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvidenceRequest {
    pub id: i64,
    pub request: EvidenceRequest,
    pub answer: Option<EvidenceAnswer>,
}
