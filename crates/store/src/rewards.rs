//! Individual attendance targets: for a pupil whose health or special educational needs make the
//! school's standard eligibility threshold unfair, a threshold of their own that replaces it
//! (casework.md, "Rewards and eligibility"; 001 §13.4).
//!
//! Targets are never changed or deleted: setting a new one supersedes the pupil's earlier ones,
//! which stay in the record with who set them, when and why.

use rollcall_core::marks::Recorded;
use rollcall_core::Date;

use crate::PupilId;

/// A pupil's own attendance target, as set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceTarget {
    pub pupil: PupilId,
    /// The rate in hundredths of a percent: 8500 is 85%. At most 10000.
    pub hundredths: u32,
    /// Why the standard threshold is unfair for this pupil (health, SEND, home circumstances).
    pub reason: String,
    /// The first day it applies.
    pub from: Date,
    /// The last day it applies; `None` until it is superseded.
    pub until: Option<Date>,
    /// Who set it (their name and role), and when.
    pub recorded: Recorded,
}

/// A target as stored: ids rise in the order targets were set, so of a pupil's targets the one
/// with the highest id is the latest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTarget {
    pub id: i64,
    pub target: AttendanceTarget,
}
