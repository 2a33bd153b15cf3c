//! Applications for leave of absence and the decisions on them (follow-up.md, "Leave of
//! absence").

use rollcall_core::marks::Recorded;
use rollcall_core::{Code, Date, Session};

use crate::PupilId;

/// An application for leave of absence, as made by a parent (or entered by the office from a
/// paper form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveApplication {
    pub pupil: PupilId,
    /// The applicant: the school's reference for the contact ([`crate::Contact::reference`]).
    pub contact: String,
    pub first: (Date, Session),
    pub last: (Date, Session),
    /// The code asked for: `C`, `C1`, `J1`, `S` or `R`.
    pub code: Code,
    /// The applicant's reasons.
    pub reason: String,
    pub requested_on: Date,
    /// Who entered the application, and when.
    pub recorded: Recorded,
}

/// A decision on an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveDecision {
    pub granted: bool,
    pub on: Date,
    /// Why: the decider's reasons, or why the law does not allow the leave.
    pub reason: String,
    /// The sessions granted, when fewer than asked; `None` grants what was asked (or refuses).
    pub granted_sessions: Option<((Date, Session), (Date, Session))>,
    /// Who decided, and when.
    pub recorded: Recorded,
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeaveStatus {
    Pending,
    Granted,
    Refused,
}

impl LeaveStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeaveStatus::Pending => "pending",
            LeaveStatus::Granted => "granted",
            LeaveStatus::Refused => "refused",
        }
    }
}

/// An application as stored, with its decision once made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLeave {
    pub id: i64,
    pub application: LeaveApplication,
    pub decision: Option<LeaveDecision>,
}

impl StoredLeave {
    pub fn status(&self) -> LeaveStatus {
        match &self.decision {
            None => LeaveStatus::Pending,
            Some(d) if d.granted => LeaveStatus::Granted,
            Some(_) => LeaveStatus::Refused,
        }
    }

    /// The sessions the leave covers once granted: those granted, or those asked for.
    pub fn granted_sessions(&self) -> Option<((Date, Session), (Date, Session))> {
        match &self.decision {
            Some(d) if d.granted => Some(
                d.granted_sessions
                    .unwrap_or((self.application.first, self.application.last)),
            ),
            _ => None,
        }
    }
}
