//! Marks in the attendance register and the amendments that change them.
//!
//! A mark is never deleted. Changing one is an amendment that keeps the original entry, the new
//! entry, the reason, the time and the person with their role: registers are evidence in court.

use chrono::{DateTime, Utc};

use crate::codes::{BaseCode, Code};
use crate::dates::{Date, Session};
use crate::pupil::Upn;

/// What is written in the register for one pupil and session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkEntry {
    pub code: Code,
    /// Whole minutes after the register opened, for `L` and `U`.
    pub minutes_late: Option<u32>,
}

impl MarkEntry {
    /// The same entry, reading `/` and `\` as one present mark.
    pub fn same_as(&self, other: &MarkEntry) -> bool {
        self.code.same_mark(&other.code) && self.minutes_late == other.minutes_late
    }
}

/// Who wrote an entry, in what role, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub by: String,
    pub role: String,
    pub at: DateTime<Utc>,
}

/// A mark as it stands in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub upn: Upn,
    pub date: Date,
    pub session: Session,
    pub entry: MarkEntry,
    pub recorded: Recorded,
}

/// A change to a mark: the entry it replaced and the entry that replaced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    pub upn: Upn,
    pub date: Date,
    pub session: Session,
    pub original: MarkEntry,
    pub original_recorded: Recorded,
    pub amended: MarkEntry,
    pub reason: String,
    pub recorded: Recorded,
}

/// The part of a mark the statistics need, small enough to hold a school's year in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MarkFact {
    pub date: Date,
    pub session: Session,
    pub code: BaseCode,
}
