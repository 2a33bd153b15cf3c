//! A traveller child's attendances against the line of s444(6) Education Act 1996.
//!
//! A parent whose trade or business takes the family from place to place has a defence to a
//! charge of failing to secure their child's regular attendance when, among other things, a
//! child of six or over "has made at least 200 attendances during the period of 12 months ending
//! with the date on which the proceedings were instituted". Rollcall counts, as of a day, the
//! twelve months ending that day.
//!
//! **What counts as an attendance** (our reading): a session is one attendance, as the 200 are
//! half days (the seed policy 000, Appendix 2, says so). We count the sessions whose mark is in
//! the *present* category of codes.md (`/`, `\`, `L`) or the *approved educational activity*
//! category (`K`, `V`, `P`, `W`, `B`, and before 19 August 2024 `J`): the same sessions as the
//! numerator of the attendance rate of statistics.md, in which an approved educational activity
//! counts with presence. `U` (arrived after the register closed) is an unauthorised absence in
//! the register and is not counted, nor is any absence (`T` included: the travelling itself).
//! `D` (dual registered, attending the other school) is not counted here either: the
//! attendance is the other school's to record, so those sessions are shown apart, for the
//! school to ask that school for its count.
//!
//! Below [`WARNING_BELOW`] (220) the record warns, to leave a margin before the line
//! (follow-up.md: a decision of the product, not of the law).

use chrono::{Datelike, Months};
use rollcall_core::{BaseCode, Category, Date};
use rollcall_store::StoredMark;

/// The attendances a s444(6) defence needs in the twelve months.
pub const ATTENDANCES_NEEDED: u32 = 200;

/// The record warns below this many.
pub const WARNING_BELOW: u32 = 220;

/// A child's attendances in the twelve months ending on `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttendanceStanding {
    /// The first day of the twelve months.
    pub from: Date,
    pub to: Date,
    /// Sessions present or at an approved educational activity.
    pub attendances: u32,
    /// Sessions marked `D`: attending the school the child is also registered at, counted there.
    pub dual_sessions: u32,
    /// Sessions marked `T`.
    pub traveller_sessions: u32,
    /// The child's age on `to`.
    pub age: u32,
}

impl AttendanceStanding {
    /// The 200 apply to a child aged six or over.
    pub fn line_applies(&self) -> bool {
        self.age >= 6
    }

    /// Below the margin the record warns of (only where the line applies).
    pub fn warning(&self) -> bool {
        self.line_applies() && self.attendances < WARNING_BELOW
    }

    /// Below the line itself.
    pub fn below_the_line(&self) -> bool {
        self.line_applies() && self.attendances < ATTENDANCES_NEEDED
    }
}

/// The first day of the twelve months ending on `to`: the day after the same date a year before
/// (29 February falls back to the 28th).
pub fn twelve_months_to(to: Date) -> Date {
    to.checked_sub_months(Months::new(12))
        .and_then(|d| d.succ_opt())
        .unwrap_or(Date::MIN)
}

/// Whole years from `born` to `on`.
pub fn age_on(born: Date, on: Date) -> u32 {
    let mut years = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// A child's standing as of `to`, from their marks (those outside the twelve months are left
/// out).
pub fn attendance_standing(born: Date, to: Date, marks: &[StoredMark]) -> AttendanceStanding {
    let from = twelve_months_to(to);
    let mut standing = AttendanceStanding {
        from,
        to,
        attendances: 0,
        dual_sessions: 0,
        traveller_sessions: 0,
        age: age_on(born, to),
    };
    for m in marks.iter().filter(|m| m.date >= from && m.date <= to) {
        let code = &m.entry.code;
        match (code.category(), code.base()) {
            (Category::Present | Category::Aea, _) => standing.attendances += 1,
            (_, BaseCode::D) => standing.dual_sessions += 1,
            (_, BaseCode::T) => standing.traveller_sessions += 1,
            _ => {}
        }
    }
    standing
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use rollcall_core::marks::{MarkEntry, Recorded};
    use rollcall_core::{parse_date, Code, Session};
    use rollcall_store::PupilId;

    use super::*;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    fn mark(date: &str, code: &str) -> StoredMark {
        StoredMark {
            pupil: PupilId(1),
            date: d(date),
            session: Session::Am,
            entry: MarkEntry {
                code: Code::parse_stored(code).unwrap(),
                minutes_late: None,
            },
            recorded: Recorded {
                by: "Jo".into(),
                role: "form tutor".into(),
                at: Utc.with_ymd_and_hms(2025, 1, 1, 9, 0, 0).unwrap(),
            },
        }
    }

    #[test]
    fn twelve_months_end_on_the_day() {
        assert_eq!(twelve_months_to(d("2025-07-08")), d("2024-07-09"));
        assert_eq!(twelve_months_to(d("2024-02-29")), d("2023-03-01"));
        assert_eq!(age_on(d("2019-07-09"), d("2025-07-08")), 5);
        assert_eq!(age_on(d("2019-07-08"), d("2025-07-08")), 6);
    }

    #[test]
    fn present_and_approved_activity_count_and_nothing_else() {
        let marks = [
            mark("2024-07-08", "/"), // a day before the twelve months
            mark("2024-07-09", "/"),
            mark("2024-09-04", "L"),
            mark("2024-09-05", "V"),
            mark("2024-09-06", "B2"),
            mark("2024-09-09", "U"),
            mark("2024-09-10", "T"),
            mark("2024-09-11", "D"),
            mark("2024-09-12", "I"),
            mark("2025-07-08", "\\"),
        ];
        let s = attendance_standing(d("2015-01-01"), d("2025-07-08"), &marks);
        assert_eq!(
            (s.attendances, s.dual_sessions, s.traveller_sessions),
            (5, 1, 1)
        );
        assert!(s.warning() && s.below_the_line());
        // Under six, the line does not apply.
        let young = attendance_standing(d("2020-01-01"), d("2025-07-08"), &marks);
        assert!(!young.line_applies() && !young.warning());
    }
}
