//! Notices to improve and penalty notices (casework.md, "Notice to improve", "Penalty notices").
//!
//! What the law allows is decided in the application layer, before a notice is saved; the store
//! keeps each notice with the evidence it was issued on, and re-checks inside its transaction
//! only what a concurrent writer could have changed: that the parent's counted notices are still
//! those the decision was made on.

use rollcall_core::marks::Recorded;
use rollcall_core::{BaseCode, Date, Session};

use crate::PupilId;

/// What counts as sufficient improvement over a notice to improve's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImprovementMeasure {
    /// No unauthorised session (`G`, `N`, `O`, `U`) in the period.
    NoUnauthorised,
    /// Attendance over the period at or above this rate, in hundredths of a percent.
    AttendanceAtLeast(u32),
}

impl ImprovementMeasure {
    /// The stored form: `no_unauthorised`, or `attendance:9500`.
    pub fn as_text(&self) -> String {
        match self {
            ImprovementMeasure::NoUnauthorised => "no_unauthorised".to_owned(),
            ImprovementMeasure::AttendanceAtLeast(h) => format!("attendance:{h}"),
        }
    }

    /// Reads [`ImprovementMeasure::as_text`]'s form.
    pub fn from_text(text: &str) -> Option<ImprovementMeasure> {
        match text {
            "no_unauthorised" => Some(ImprovementMeasure::NoUnauthorised),
            _ => text
                .strip_prefix("attendance:")
                .and_then(|h| h.parse().ok())
                .filter(|h| *h <= 10_000)
                .map(ImprovementMeasure::AttendanceAtLeast),
        }
    }
}

/// A notice to improve, as issued to one parent for one pupil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeToImprove {
    pub pupil: PupilId,
    /// The parent it is addressed to: the school's reference for the contact.
    pub contact: String,
    pub issued_on: Date,
    /// The improvement period in school weeks (3 to 6).
    pub weeks: u32,
    /// The first and last school day of the period.
    pub period_start: Date,
    pub period_end: Date,
    pub measure: ImprovementMeasure,
    /// The support still offered over the period.
    pub support: String,
    /// Why the notice was issued: the grounds, and the threshold finding when there is one.
    pub grounds: String,
    /// Who issued it, and when it was recorded.
    pub recorded: Recorded,
}

/// A person's confirmation of a notice to improve's outcome, once its period has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeOutcome {
    /// Whether the improvement was sufficient, as the person confirms it.
    pub met: bool,
    pub on: Date,
    pub note: String,
    pub recorded: Recorded,
}

/// A notice to improve as stored, with its confirmed outcome once given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNoticeToImprove {
    pub id: i64,
    pub notice: NoticeToImprove,
    pub outcome: Option<NoticeOutcome>,
}

/// How a penalty notice was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// By first-class post: received on the second working day after posting.
    Post,
    /// Handed to the parent.
    Hand,
    /// By e-mail, where the parent agreed to it.
    Email,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::Post, Service::Hand, Service::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::Post => "post",
            Service::Hand => "hand",
            Service::Email => "email",
        }
    }

    pub fn parse(text: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A penalty notice, as issued to one parent for one pupil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PenaltyNotice {
    pub pupil: PupilId,
    /// The parent liable: the school's reference for the contact.
    pub contact: String,
    pub issued_on: Date,
    /// 1 or 2: the notice's place among the parent's counted notices for this pupil within three
    /// years of the first.
    pub sequence: u32,
    /// Pounds if paid within 21 days of receipt (a first notice only).
    pub amount_within_21_days: Option<u32>,
    /// Pounds if paid within 28 days of receipt.
    pub amount_within_28_days: u32,
    /// The penalty-threshold finding the notice is for: its stable id and date; empty when an
    /// authorised officer issued it below the threshold ([`PenaltyNotice::override_reason`]).
    pub finding_id: String,
    pub finding_date: Option<Date>,
    /// The offence: the unauthorised sessions the notice is for, with their codes.
    pub offence: Vec<(Date, Session, BaseCode)>,
    /// Why a notice was issued below the threshold, when it was.
    pub override_reason: Option<String>,
    pub service: Service,
    /// The day the parent is taken to have received it; payment is due from then.
    pub received_on: Date,
    /// The issuing authority (the local authority, or the school on its behalf).
    pub authority: String,
    /// Who issued it, and when it was recorded.
    pub recorded: Recorded,
}

/// Why a penalty notice was withdrawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    pub on: Date,
    pub reason: String,
    pub recorded: Recorded,
}

/// What became of a penalty notice that was not withdrawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PenaltyClosure {
    /// Paid, in pounds.
    Paid { on: Date, amount: u32 },
    /// Unpaid after 28 days: the local authority decides to prosecute under s444.
    Prosecution { on: Date },
}

/// A penalty notice's closure with who recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedClosure {
    pub closure: PenaltyClosure,
    pub recorded: Recorded,
}

/// A penalty notice as stored, with its withdrawal or closure once recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPenaltyNotice {
    pub id: i64,
    pub notice: PenaltyNotice,
    pub withdrawal: Option<Withdrawal>,
    pub closure: Option<RecordedClosure>,
}

impl StoredPenaltyNotice {
    /// `issued` or `withdrawn`.
    pub fn status(&self) -> &'static str {
        if self.withdrawal.is_some() {
            "withdrawn"
        } else {
            "issued"
        }
    }
}
