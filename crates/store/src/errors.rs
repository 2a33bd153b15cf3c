//! Every error a backend reports about what it holds or was asked to change, worded once here, so
//! that SQLite and PostgreSQL say the same thing for the same failure.
//!
//! - [`StoreError::Conflict`]: the data changed between reading and writing (a mark recorded or
//!   amended meanwhile, a sign-in token taken), or two writers met.
//! - [`StoreError::NotFound`]: a write names what the database does not hold (a school, a user, a
//!   pupil, or a pupil not on the school's admission register).
//! - [`StoreError::Corrupt`]: the database holds something Rollcall did not write.

use std::fmt::Display;

use rollcall_core::marks::MarkEntry;
use rollcall_core::{CalendarError, Date, Session};

use crate::{PupilId, SchoolId, StoreError, UserId};

/// An entry as a message shows it: `'L' (12 minutes late)`, or `'N'`.
pub fn describe(entry: &MarkEntry) -> String {
    match entry.minutes_late {
        Some(m) => format!("'{}' ({m} minutes late)", entry.code),
        None => format!("'{}'", entry.code),
    }
}

impl StoreError {
    /// A new mark for a session that has one, in the database or earlier in the same changes.
    pub fn already_marked(upn: &str, date: Date, session: Session) -> StoreError {
        StoreError::Conflict(format!(
            "pupil {upn} already has a mark for the {session} session of {date}"
        ))
    }

    /// An amendment of a session that has no mark.
    pub fn no_mark_to_amend(upn: &str, date: Date, session: Session) -> StoreError {
        StoreError::Conflict(format!(
            "pupil {upn} has no mark for the {session} session of {date} to amend"
        ))
    }

    /// An amendment that expected an entry the register no longer holds.
    pub fn mark_changed(
        upn: &str,
        date: Date,
        session: Session,
        now: &MarkEntry,
        expected: &MarkEntry,
    ) -> StoreError {
        StoreError::Conflict(format!(
            "the mark of pupil {upn} for the {session} session of {date} is now {}, not {}: \
             someone else changed it",
            describe(now),
            describe(expected)
        ))
    }

    /// Writers that met on the same marks (a deadlock, or a mark recorded by another writer
    /// between a check and the write); `detail` is what the database said.
    pub fn concurrent_write(detail: impl Display) -> StoreError {
        StoreError::Conflict(format!(
            "another writer was changing the same marks at the same time: {detail}"
        ))
    }

    /// A school that could not be created because another holds its URN or name.
    pub fn school_taken(name: &str) -> StoreError {
        StoreError::Conflict(format!(
            "school '{name}' could not be created: another school holds its URN or name"
        ))
    }

    /// A sign-in session whose token hash another session has.
    pub fn session_exists() -> StoreError {
        StoreError::Conflict("a session with this token already exists".into())
    }

    /// An application for leave the school does not hold.
    pub fn unknown_leave(id: i64, school: SchoolId) -> StoreError {
        StoreError::NotFound(format!("leave application {id} in school {school}"))
    }

    /// A decision on an application that has one already.
    pub fn leave_decided(id: i64) -> StoreError {
        StoreError::Conflict(format!("leave application {id} has already been decided"))
    }

    /// A notice the school does not hold.
    pub fn unknown_notice(kind: &str, id: i64, school: SchoolId) -> StoreError {
        StoreError::NotFound(format!("{kind} {id} in school {school}"))
    }

    /// A notice whose outcome, withdrawal or closure is recorded already.
    pub fn notice_settled(kind: &str, id: i64) -> StoreError {
        StoreError::Conflict(format!("{kind} {id} is settled already"))
    }

    /// A penalty notice decided on counted notices that changed meanwhile.
    pub fn notices_changed() -> StoreError {
        StoreError::Conflict(
            "the parent's penalty notices for this pupil changed while this one was being issued"
                .to_owned(),
        )
    }

    /// A contact reference the school does not hold.
    pub fn unknown_contact(reference: &str, school: SchoolId) -> StoreError {
        StoreError::NotFound(format!("contact '{reference}' in school {school}"))
    }

    /// A new person whose reference the school holds already.
    pub fn contact_taken(reference: &str, school: SchoolId) -> StoreError {
        StoreError::Conflict(format!(
            "contact reference '{reference}' is taken in school {school}"
        ))
    }

    /// A person who is not among a pupil's contacts.
    pub fn not_a_contact_of(reference: &str, pupil: PupilId) -> StoreError {
        StoreError::NotFound(format!("contact '{reference}' of pupil {pupil}"))
    }

    /// A contact proposal the school does not hold.
    pub fn unknown_proposal(id: i64, school: SchoolId) -> StoreError {
        StoreError::NotFound(format!("contact proposal {id} in school {school}"))
    }

    /// A decision on a proposal that has one already.
    pub fn proposal_decided(id: i64) -> StoreError {
        StoreError::Conflict(format!("contact proposal {id} has already been decided"))
    }

    /// A write that must attach something to a school the database does not hold.
    pub fn unknown_school(school: SchoolId) -> StoreError {
        StoreError::NotFound(format!("school {school}"))
    }

    /// A pupil the database does not hold (a user's child).
    pub fn unknown_pupil(pupil: PupilId) -> StoreError {
        StoreError::NotFound(format!("pupil {pupil}"))
    }

    /// A user the database does not hold (a sign-in session's).
    pub fn unknown_user(user: UserId) -> StoreError {
        StoreError::NotFound(format!("user {user}"))
    }

    /// A pupil who is not on the school's admission register: another school's, or nobody's.
    pub fn not_on_register(pupil: PupilId, school: SchoolId) -> StoreError {
        StoreError::NotFound(format!(
            "pupil {pupil} is not on the admission register of school {school}"
        ))
    }

    /// A stored value that does not read as what it should be: `what` names it, `value` is what
    /// was found.
    pub fn unreadable(what: &str, value: impl Display) -> StoreError {
        StoreError::Corrupt(format!("{what} '{value}'"))
    }

    /// A stored calendar that cannot take an imported one ([`rollcall_core::Calendar::merged_with`]
    /// fails only on a stored calendar that was inconsistent already).
    pub fn calendar_not_merged(school: SchoolId, e: &CalendarError) -> StoreError {
        StoreError::Corrupt(format!(
            "the calendar of school {school} cannot take the new one: {e}"
        ))
    }

    /// A stored calendar that is not a valid calendar.
    pub fn invalid_calendar(school: SchoolId, e: &CalendarError) -> StoreError {
        StoreError::Corrupt(format!("the calendar of school {school}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use rollcall_core::{parse_date, BaseCode, Code};

    use super::*;

    #[test]
    fn messages_name_the_pupil_the_session_and_both_entries() {
        let date = parse_date("2024-09-04").unwrap();
        let late = |m| MarkEntry {
            code: Code::new(BaseCode::L),
            minutes_late: Some(m),
        };
        let absent = MarkEntry {
            code: Code::new(BaseCode::N),
            minutes_late: None,
        };
        assert_eq!(
            StoreError::mark_changed("A822400000001", date, Session::Am, &late(5), &late(12))
                .to_string(),
            "conflict: the mark of pupil A822400000001 for the AM session of 2024-09-04 is now \
             'L' (5 minutes late), not 'L' (12 minutes late): someone else changed it"
        );
        assert_eq!(describe(&absent), "'N'");
        assert_eq!(
            StoreError::not_on_register(PupilId(7), SchoolId(1)).to_string(),
            "not found: pupil 7 is not on the admission register of school 1"
        );
        assert_eq!(
            StoreError::unreadable("session", "XM").to_string(),
            "the database holds an unreadable value: session 'XM'"
        );
    }
}
