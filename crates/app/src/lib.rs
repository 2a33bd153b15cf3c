//! Rollcall's use cases, over any [`Store`](rollcall_store::Store).
//!
//! This crate reads the interchange files (`interchange`), checks every row against the domain and
//! the register as it stands, and only then writes, in one transaction ([`import`]); it computes
//! figures in `rollcall-core` over marks loaded from the store ([`reports`]); it builds the demo
//! school ([`demo`]). It knows CSV, TOML and JSON; it knows nothing of HTTP or the terminal.

pub mod access;
pub mod alerts;
pub mod calling;
pub mod cases;
pub mod casework;
pub mod contacts;
pub mod day;
pub mod demo;
pub mod error;
pub mod escalation;
pub mod evidence;
pub mod evidence_pack;
pub mod import;
pub mod interchange;
pub mod leave;
pub mod messages;
pub mod notices;
pub mod open;
pub mod registers;
pub mod reports;
pub mod rewards;
pub mod school;
pub mod school_view;
pub mod service;
pub mod table;
pub mod users;

pub use access::{Actor, Reach};

/// The records use cases hand out, as the store keeps them: a page renders them without knowing
/// the store.
pub mod records {
    pub use rollcall_store::{
        AbsenceReport, AttemptOutcome, Channel, Collector, Contact, EscalationKind,
        EvidenceOutcome, LeaveStatus, MissingEntry, MissingStep, PupilId, ReportKind, School,
        SchoolDetails, SchoolId, SearchArea, SignOutReason, StoredAbsenceReport, StoredAmendment,
        StoredCallAttempt, StoredEscalation, StoredEvidenceRequest, StoredLeave, StoredMark,
        StoredParentMessage, StoredPupil, StoredTarget, StoredTravel, TravelRecord, UserId,
    };
    pub use rollcall_store::{
        ActionDetails, ActionKind, AlertDisposition, Attended, CaseClosure, CaseOutcome,
        ContractDecision, ContractKind, Disposition, MeetingStatus, OpenedBecause, StoredCase,
        StoredCaseAction, StoredContract, SupportKind,
    };
    pub use rollcall_store::{Detail, DetailChange, ProposalStatus, StoredProposal};
    pub use rollcall_store::{
        ImprovementMeasure, PenaltyClosure, Service, StoredNoticeToImprove, StoredPenaltyNotice,
    };
}
pub use error::{AppError, InputError, Problem, Refusal};
pub use open::open_store;
pub use school::resolve_school;
pub use service::{App, Clock};
