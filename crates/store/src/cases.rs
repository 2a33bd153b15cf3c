//! Casework (casework.md, "Cases" and "Attendance contracts and action plans"): a case about one
//! pupil, opened from a finding or by hand, owned, on a stage of the school's ladder, with every
//! action since in order, linked to siblings' cases and closed with an outcome; what became of
//! each alert (dismissed, or taken into a case); when each user last looked at the alerts; and the
//! attendance and parenting contracts agreed on a case, with their reviews.
//!
//! Other parts of Rollcall log what they produce on a pupil's case through
//! [`crate::Store::add_case_action`] with a [`CaseAction`] of their own kind (a letter, a notice
//! to improve, a penalty notice, a return), pointing at their own record by
//! [`CaseAction::document`].

use chrono::{DateTime, Utc};
use rollcall_core::marks::Recorded;
use rollcall_core::Date;

use crate::{PupilId, SchoolId, StoreError, UserId};

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal, $label:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// As stored and as forms send it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// As people read it.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            pub fn parse(text: &str) -> Option<$name> {
                let text = text.trim();
                $name::ALL.iter().copied().find(|k| k.as_str() == text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

text_enum! {
    /// What was done on a case. New kinds are added here (with their stored text); the databases
    /// keep the text and do not limit it, so adding a kind needs no migration.
    ActionKind {
        PhoneCall => "phone_call", "Phone call";
        Letter => "letter", "Letter";
        Email => "email", "E-mail";
        Meeting => "meeting", "Meeting";
        HomeVisit => "home_visit", "Home visit";
        PupilConversation => "pupil_conversation", "Conversation with the pupil";
        SupportOffered => "support_offered", "Support offered";
        Referral => "referral", "Referral";
        Note => "note", "Note";
        /// The case moved to another stage of the ladder.
        StageChange => "stage_change", "Stage changed";
        /// An attendance or parenting contract was agreed ([`Contract`]).
        Contract => "contract", "Contract agreed";
        /// A contract was reviewed ([`ContractReview`]).
        ContractReview => "contract_review", "Contract reviewed";
        NoticeToImprove => "notice_to_improve", "Notice to improve";
        PenaltyNotice => "penalty_notice", "Penalty notice";
        /// A return or referral to the local authority.
        Return => "return", "Return to the local authority";
    }
}

impl ActionKind {
    /// The kinds a person logs by hand on a case; the others are logged by what they record.
    pub const BY_HAND: [ActionKind; 9] = [
        ActionKind::PhoneCall,
        ActionKind::Letter,
        ActionKind::Email,
        ActionKind::Meeting,
        ActionKind::HomeVisit,
        ActionKind::PupilConversation,
        ActionKind::SupportOffered,
        ActionKind::Referral,
        ActionKind::Note,
    ];
}

text_enum! {
    /// Where a meeting stands.
    MeetingStatus {
        Invited => "invited", "Invited";
        Held => "held", "Held";
        DidNotAttend => "did_not_attend", "Did not attend";
    }
}

text_enum! {
    /// The support offered to a pupil or family.
    SupportKind {
        EarlyHelp => "early_help", "Early help";
        SchoolNurse => "school_nurse", "School nurse";
        Mentoring => "mentoring", "Mentoring";
        SendReview => "send_review", "SEND review";
        Transport => "transport", "Transport";
        Other => "other", "Other support";
    }
}

text_enum! {
    /// How a case ended.
    CaseOutcome {
        Improved => "improved", "Attendance improved";
        MovedSchool => "moved_school", "Moved school";
        Referred => "referred", "Referred on";
        LegalActionConcluded => "legal_action_concluded", "Legal action concluded";
        Other => "other", "Other";
    }
}

text_enum! {
    /// An attendance contract, or a parenting contract with its statutory basis.
    ContractKind {
        Attendance => "attendance", "Attendance contract";
        Parenting => "parenting", "Parenting contract";
    }
}

impl ContractKind {
    /// The statute a contract of this kind is made under, if any.
    pub fn basis(self) -> Option<&'static str> {
        match self {
            ContractKind::Attendance => None,
            ContractKind::Parenting => Some("section 19 of the Anti-social Behaviour Act 2003"),
        }
    }
}

text_enum! {
    /// What a contract's review decided.
    ContractDecision {
        Continue => "continue", "Continue";
        EndedMet => "ended_met", "Ended: met";
        /// The contract was not kept: the case moves on.
        EndedBroken => "ended_broken", "Ended: broken";
    }
}

impl ContractDecision {
    pub fn ends(self) -> bool {
        self != ContractDecision::Continue
    }
}

/// What a kind of action records beyond its summary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ActionDetails {
    #[default]
    None,
    Meeting {
        status: MeetingStatus,
        /// Who attended (or was invited), as written.
        attended: String,
        minutes: String,
    },
    Support {
        support: SupportKind,
        /// What exactly, or the other support.
        note: String,
    },
}

/// One thing done on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAction {
    pub kind: ActionKind,
    /// The day it was done.
    pub on: Date,
    /// Who did it.
    pub by: UserId,
    pub summary: String,
    pub details: ActionDetails,
    /// The day its effect is to be reviewed; it appears on the owner's list from that day.
    pub review_on: Option<Date>,
    /// The id of the record kept elsewhere that this action produced: a letter, a notice, a
    /// return, a contract.
    pub document: Option<i64>,
    /// Who logged it, in what role, and when.
    pub recorded: Recorded,
}

/// A review done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDone {
    pub on: Date,
    pub note: String,
    pub recorded: Recorded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCaseAction {
    pub id: i64,
    pub case: i64,
    pub action: CaseAction,
    /// The display name of who did it.
    pub by_name: String,
    pub review_done: Option<ReviewDone>,
}

impl StoredCaseAction {
    /// The day its review is due, while it is not done.
    pub fn review_due(&self) -> Option<Date> {
        self.action.review_on.filter(|_| self.review_done.is_none())
    }
}

/// Why a case was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenedBecause {
    /// A finding of the rules: its stable id, rule, date and evidence as shown then.
    Finding {
        id: String,
        rule: String,
        date: Date,
        evidence: String,
    },
    /// Opened by hand, for a reason.
    ByHand { reason: String },
}

/// A pupil's sessions when a case opened: present (with approved educational activity) of the
/// possible sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attended {
    pub present: u32,
    pub possible: u32,
}

/// A case as opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOpening {
    pub pupil: PupilId,
    pub owner: UserId,
    /// The key of the ladder's stage the case is on.
    pub stage: String,
    pub opened_on: Date,
    pub because: OpenedBecause,
    pub attendance: Attended,
    pub recorded: Recorded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseClosure {
    pub on: Date,
    pub outcome: CaseOutcome,
    pub note: String,
    pub recorded: Recorded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCase {
    pub id: i64,
    /// As opened, with the stage it is on now.
    pub case: CaseOpening,
    pub owner_name: String,
    /// The cases linked to this one (siblings'), by id.
    pub linked: Vec<i64>,
    pub closure: Option<CaseClosure>,
    /// Every action, in the order logged.
    pub actions: Vec<StoredCaseAction>,
}

impl StoredCase {
    pub fn is_open(&self) -> bool {
        self.closure.is_none()
    }
}

/// What became of an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    Dismissed {
        reason: String,
    },
    /// Opened as, or added to, this case.
    Case(i64),
}

/// What became of one finding, by its stable id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDisposition {
    pub finding: String,
    pub pupil: PupilId,
    pub disposition: Disposition,
    pub recorded: Recorded,
}

/// One party's undertaking in a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractAction {
    /// Parent, pupil, school, an agency.
    pub party: String,
    pub action: String,
    /// Who sees it done.
    pub owner: String,
    pub by: Option<Date>,
}

/// Who agreed to a contract, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub on: Date,
}

/// An attendance or parenting contract agreed on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub case: i64,
    pub kind: ContractKind,
    pub difficulties: String,
    pub actions: Vec<ContractAction>,
    /// The attendance target for the period in tenths of a percent (950 is 95.0%).
    pub target_permille: u32,
    pub start: Date,
    pub review_on: Date,
    pub signatures: Vec<Signature>,
    pub recorded: Recorded,
}

/// A review of a contract, judged on the marks since it began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractReview {
    pub on: Date,
    /// The pupil's sessions from the contract's start to the review.
    pub attended: Attended,
    /// Whether attendance reached the target.
    pub met: bool,
    pub note: String,
    pub decision: ContractDecision,
    pub recorded: Recorded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredContract {
    pub id: i64,
    pub contract: Contract,
    /// Its reviews, oldest first.
    pub reviews: Vec<ContractReview>,
}

impl StoredContract {
    /// Whether a review ended it.
    pub fn ended(&self) -> bool {
        self.reviews.iter().any(|r| r.decision.ends())
    }
}

/// When a user last looked at the alerts.
pub type SeenAt = DateTime<Utc>;

impl StoreError {
    /// A case the school does not hold.
    pub fn unknown_case(id: i64, school: SchoolId) -> StoreError {
        StoreError::NotFound(format!("case {id} in school {school}"))
    }

    /// A change to a case that has been closed.
    pub fn case_closed(id: i64) -> StoreError {
        StoreError::Conflict(format!("case {id} has been closed"))
    }

    /// A case that is not about the pupil named with it.
    pub fn case_of_other_pupil(id: i64, pupil: PupilId) -> StoreError {
        StoreError::NotFound(format!("case {id} of pupil {pupil}"))
    }

    /// An action the school does not hold.
    pub fn unknown_action(id: i64, school: SchoolId) -> StoreError {
        StoreError::NotFound(format!("case action {id} in school {school}"))
    }

    /// A review of an action that set none, or whose review is done.
    pub fn no_review_due(id: i64) -> StoreError {
        StoreError::Conflict(format!("case action {id} has no review waiting"))
    }

    /// A finding that has been dismissed or taken into a case already.
    pub fn alert_disposed(finding: &str) -> StoreError {
        StoreError::Conflict(format!("alert {finding} has been dealt with already"))
    }

    /// A contract the school does not hold.
    pub fn unknown_contract(id: i64, school: SchoolId) -> StoreError {
        StoreError::NotFound(format!("contract {id} in school {school}"))
    }

    /// A review of a contract that has ended.
    pub fn contract_ended(id: i64) -> StoreError {
        StoreError::Conflict(format!("contract {id} has ended"))
    }

    /// A case linked to itself.
    pub fn case_linked_to_itself(id: i64) -> StoreError {
        StoreError::Conflict(format!("case {id} cannot be linked to itself"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_as_written_and_nothing_else() {
        for k in ActionKind::ALL {
            assert_eq!(ActionKind::parse(k.as_str()), Some(*k));
        }
        for k in CaseOutcome::ALL {
            assert_eq!(CaseOutcome::parse(k.as_str()), Some(*k));
        }
        assert_eq!(ActionKind::parse("telegram"), None);
        assert_eq!(
            ContractKind::Parenting.basis(),
            Some("section 19 of the Anti-social Behaviour Act 2003")
        );
        assert!(ContractDecision::EndedBroken.ends());
        assert!(!ContractDecision::Continue.ends());
    }
}
