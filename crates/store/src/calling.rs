//! First-day calling as it happens: each attempt to reach a pupil's contacts, each message sent
//! to parents, and the steps taken when nobody can be reached (follow-up.md, "First-day
//! calling").

use chrono::{DateTime, Utc};
use rollcall_core::marks::Recorded;
use rollcall_core::{Date, Session};

use crate::{PupilId, UserId};

/// How an attempt to reach a contact went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptOutcome {
    /// Someone answered and said why the pupil is absent. From a parent it is the pupil's
    /// reason; from anyone else it is information only.
    ReasonGiven,
    NoAnswer,
    VoicemailLeft,
    WrongNumber,
    /// A text or e-mail sent by hand to this contact.
    MessageSent,
}

impl AttemptOutcome {
    pub const ALL: [AttemptOutcome; 5] = [
        AttemptOutcome::ReasonGiven,
        AttemptOutcome::NoAnswer,
        AttemptOutcome::VoicemailLeft,
        AttemptOutcome::WrongNumber,
        AttemptOutcome::MessageSent,
    ];

    /// As stored: `reason_given`, `no_answer`, `voicemail`, `wrong_number`, `message_sent`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::ReasonGiven => "reason_given",
            AttemptOutcome::NoAnswer => "no_answer",
            AttemptOutcome::VoicemailLeft => "voicemail",
            AttemptOutcome::WrongNumber => "wrong_number",
            AttemptOutcome::MessageSent => "message_sent",
        }
    }

    pub fn parse(text: &str) -> Option<AttemptOutcome> {
        AttemptOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == text.trim())
    }

    /// Whether someone was spoken to: contact was made.
    pub fn is_contact(self) -> bool {
        self == AttemptOutcome::ReasonGiven
    }
}

/// One attempt to reach one of a pupil's contacts about an absence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallAttempt {
    pub pupil: PupilId,
    /// The day and session of the absence the call is about.
    pub date: Date,
    pub session: Session,
    /// The contact tried: the school's reference for them ([`crate::Contact::reference`]).
    pub contact: String,
    /// Whether the contact was a parent of the pupil when the call was made.
    pub parent: bool,
    /// The number rung (or the address written to), as it stood then.
    pub number: String,
    pub outcome: AttemptOutcome,
    /// What was said or left: the reason given, the message left.
    pub note: String,
    /// Who made the call, in what role, and when.
    pub recorded: Recorded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCallAttempt {
    pub id: i64,
    pub attempt: CallAttempt,
    /// The contact's name as the school holds it now.
    pub contact_name: String,
    /// The absence report a parent's reason was recorded as, if it was.
    pub report: Option<i64>,
}

/// How a message reached (or did not reach) a parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    /// As stored: `email`, `sms`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        [Channel::Email, Channel::Sms]
            .into_iter()
            .find(|c| c.as_str() == text.trim())
    }
}

/// A message about a pupil's absence to one of their parents, saved before it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentMessage {
    pub pupil: PupilId,
    /// The day and session of the absence it is about.
    pub date: Date,
    pub session: Session,
    pub channel: Channel,
    /// The parent: the school's reference for them.
    pub contact: String,
    /// The address or number it was sent to.
    pub recipient: String,
    /// Who sent it, in what role, and when it was handed over to be sent.
    pub recorded: Recorded,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageOutcome {
    pub sent: bool,
    /// The server's answer (`250 2.0.0 OK: queued`), or why it was not sent.
    pub detail: String,
    /// The id the server gave the message, if any.
    pub message_id: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredParentMessage {
    pub id: i64,
    pub message: ParentMessage,
    /// `None` while it is being sent (or if sending stopped before an answer came).
    pub outcome: Option<MessageOutcome>,
}

/// A step taken when a pupil's family cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EscalationKind {
    /// A vulnerable pupil with no contact by the set time: flagged to the designated
    /// safeguarding lead.
    SafeguardingFlag,
    /// No contact on the set day of an unexplained absence: someone visits the home.
    HomeVisit,
    /// No contact after the visit: an enquiry to the local authority about a child who may be
    /// missing education.
    MissingEducation,
}

impl EscalationKind {
    pub const ALL: [EscalationKind; 3] = [
        EscalationKind::SafeguardingFlag,
        EscalationKind::HomeVisit,
        EscalationKind::MissingEducation,
    ];

    /// As stored: `safeguarding_flag`, `home_visit`, `missing_education`.
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationKind::SafeguardingFlag => "safeguarding_flag",
            EscalationKind::HomeVisit => "home_visit",
            EscalationKind::MissingEducation => "missing_education",
        }
    }

    pub fn parse(text: &str) -> Option<EscalationKind> {
        EscalationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text.trim())
    }
}

/// A step opened about a pupil. There is at most one of each kind for a pupil and day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub pupil: PupilId,
    pub kind: EscalationKind,
    /// The day it is about: for a flag, the day nobody was reached; for a home visit and an
    /// enquiry, the first day of the absence.
    pub about: Date,
    /// Why it was opened.
    pub reason: String,
    /// Who opened it (or the rule that did), and when.
    pub opened: Recorded,
    /// Who owns it: the user who must act.
    pub owner: Option<UserId>,
}

/// How a step was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationClosure {
    /// Whether the pupil or a parent was reached in the end.
    pub contact_made: bool,
    /// What was done and found.
    pub outcome: String,
    pub closed: Recorded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEscalation {
    pub id: i64,
    pub escalation: Escalation,
    /// The owner's display name.
    pub owner_name: Option<String>,
    /// Who last gave it to its owner, and when (`None` while it has its first owner).
    pub assigned: Option<Recorded>,
    pub closure: Option<EscalationClosure>,
}

impl crate::StoreError {
    /// A message the school does not hold.
    pub fn unknown_message(id: i64, school: crate::SchoolId) -> crate::StoreError {
        crate::StoreError::NotFound(format!("message {id} in school {school}"))
    }

    /// An outcome for a message whose outcome is known already.
    pub fn message_answered(id: i64) -> crate::StoreError {
        crate::StoreError::Conflict(format!("message {id} has an outcome already"))
    }

    /// A step the school does not hold.
    pub fn unknown_escalation(id: i64, school: crate::SchoolId) -> crate::StoreError {
        crate::StoreError::NotFound(format!("step {id} in school {school}"))
    }

    /// A change to a step that has been closed.
    pub fn escalation_closed(id: i64) -> crate::StoreError {
        crate::StoreError::Conflict(format!("step {id} has been closed already"))
    }
}
