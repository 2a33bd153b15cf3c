//! The school day (follow-up.md, "During the day" and "Traveller absence"): pupils signed out
//! at the office and back in, missing-pupil alerts with their search steps, and the tracking of
//! traveller families.
//!
//! - A sign-out is written in one transaction with the marks it gives the sessions the pupil
//!   missed ([`crate::Store::sign_out`]); so is the sign-in that ends it. A pupil has at most one
//!   sign-out without a sign-in on one day: a second is [`StoreError::Conflict`].
//! - A missing-pupil alert is open until a step finds the pupil or closes it; a pupil has at most
//!   one open alert, and a closed alert takes no more steps ([`StoreError::Conflict`]).
//! - A traveller record covers one period of travelling; saving it again by id updates it.
//!
//! Times of day are school time in England (`dates::SCHOOL_TIME_ZONE`), to the minute, as the
//! office reads them off the clock; the moments of an alert's steps are instants (UTC).

use chrono::{DateTime, NaiveTime, Utc};
use rollcall_core::marks::Recorded;
use rollcall_core::Date;

use crate::{PupilId, SchoolId, StoreError};

/// Why a pupil left during the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignOutReason {
    /// A medical or dental appointment: a session missed is `M`.
    Appointment,
    /// Taken ill at school: a session missed is `I`.
    Unwell,
    /// Sent home by the school.
    SentHome,
    /// Anything else, said in the reason's text.
    Other,
}

impl SignOutReason {
    pub const ALL: [SignOutReason; 4] = [
        SignOutReason::Appointment,
        SignOutReason::Unwell,
        SignOutReason::SentHome,
        SignOutReason::Other,
    ];

    /// As stored, and as forms and the API give it.
    pub fn as_str(self) -> &'static str {
        match self {
            SignOutReason::Appointment => "appointment",
            SignOutReason::Unwell => "unwell",
            SignOutReason::SentHome => "sent_home",
            SignOutReason::Other => "other",
        }
    }

    /// As people read it.
    pub fn label(self) -> &'static str {
        match self {
            SignOutReason::Appointment => "medical or dental appointment",
            SignOutReason::Unwell => "unwell at school",
            SignOutReason::SentHome => "sent home",
            SignOutReason::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<SignOutReason> {
        SignOutReason::ALL
            .into_iter()
            .find(|r| r.as_str() == text.trim())
    }
}

/// Who collected a pupil who was signed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collector {
    /// The contact's reference ([`crate::Contact::reference`]) when they are one of the pupil's
    /// contacts; `None` for another adult.
    pub contact: Option<String>,
    /// Their name as it was when they collected the pupil.
    pub name: String,
    /// What they are to the pupil ("mother", "taxi driver").
    pub relationship: String,
    /// They were on the pupil's list of people permitted to collect. When not, the person who
    /// recorded the sign-out confirmed that they let the pupil go with them.
    pub permitted: bool,
}

/// A pupil signed out at the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOut {
    pub pupil: PupilId,
    pub date: Date,
    /// When the pupil left.
    pub out_at: NaiveTime,
    pub reason: SignOutReason,
    /// What was said about it (the appointment, the symptoms); may be empty except for
    /// [`SignOutReason::Other`].
    pub detail: String,
    pub collector: Collector,
    /// Whether the pupil is expected back today. When not, the day's later sessions were given
    /// their code when the pupil was signed out.
    pub back_today: bool,
    /// Who signed the pupil out, and when they recorded it.
    pub recorded: Recorded,
}

/// A pupil signed back in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// When the pupil came back, on the day of the sign-out.
    pub back_at: NaiveTime,
    pub recorded: Recorded,
}

/// A sign-out as stored, with its sign-in once made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSignOut {
    pub id: i64,
    pub out: SignOut,
    pub back: Option<SignIn>,
}

impl StoredSignOut {
    /// Still out: not signed back in.
    pub fn is_out(&self) -> bool {
        self.back.is_none()
    }
}

/// A report that a pupil marked present cannot be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingReport {
    pub pupil: PupilId,
    /// When the pupil was found to be missing.
    pub noticed_at: DateTime<Utc>,
    /// Who noticed (a member of staff, in the words of whoever records it).
    pub noticed_by: String,
    /// Where and when the pupil was last seen.
    pub last_seen: String,
    pub recorded: Recorded,
}

/// A place searched for a missing pupil (the search areas of the school's policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchArea {
    Classrooms,
    Toilets,
    ChangingRooms,
    Library,
    Outbuildings,
    Grounds,
    /// The streets around the school, by staff carrying a phone.
    Outside,
}

impl SearchArea {
    pub const ALL: [SearchArea; 7] = [
        SearchArea::Classrooms,
        SearchArea::Toilets,
        SearchArea::ChangingRooms,
        SearchArea::Library,
        SearchArea::Outbuildings,
        SearchArea::Grounds,
        SearchArea::Outside,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SearchArea::Classrooms => "every classroom",
            SearchArea::Toilets => "the toilets",
            SearchArea::ChangingRooms => "the changing rooms",
            SearchArea::Library => "the library",
            SearchArea::Outbuildings => "the outbuildings",
            SearchArea::Grounds => "the school grounds",
            SearchArea::Outside => "the area around the school",
        }
    }
}

/// One step of the search for a missing pupil.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MissingStep {
    ToldOffice,
    ToldSafeguardingLead,
    ToldHeadteacher,
    Searched(SearchArea),
    ParentsCalled,
    PoliceCalled,
    /// The pupil was found: the alert closes.
    Found,
    /// Closed without the pupil being found at school (for example, they turned up at home):
    /// the alert closes.
    Closed,
}

impl MissingStep {
    /// Every step, in the order the checklist shows them.
    pub const ALL: [MissingStep; 14] = [
        MissingStep::ToldOffice,
        MissingStep::ToldSafeguardingLead,
        MissingStep::ToldHeadteacher,
        MissingStep::Searched(SearchArea::Classrooms),
        MissingStep::Searched(SearchArea::Toilets),
        MissingStep::Searched(SearchArea::ChangingRooms),
        MissingStep::Searched(SearchArea::Library),
        MissingStep::Searched(SearchArea::Outbuildings),
        MissingStep::Searched(SearchArea::Grounds),
        MissingStep::Searched(SearchArea::Outside),
        MissingStep::ParentsCalled,
        MissingStep::PoliceCalled,
        MissingStep::Found,
        MissingStep::Closed,
    ];

    /// As stored, and as forms and the API give it.
    pub fn as_str(self) -> &'static str {
        match self {
            MissingStep::ToldOffice => "told_office",
            MissingStep::ToldSafeguardingLead => "told_dsl",
            MissingStep::ToldHeadteacher => "told_head",
            MissingStep::Searched(SearchArea::Classrooms) => "searched_classrooms",
            MissingStep::Searched(SearchArea::Toilets) => "searched_toilets",
            MissingStep::Searched(SearchArea::ChangingRooms) => "searched_changing_rooms",
            MissingStep::Searched(SearchArea::Library) => "searched_library",
            MissingStep::Searched(SearchArea::Outbuildings) => "searched_outbuildings",
            MissingStep::Searched(SearchArea::Grounds) => "searched_grounds",
            MissingStep::Searched(SearchArea::Outside) => "searched_outside",
            MissingStep::ParentsCalled => "parents_called",
            MissingStep::PoliceCalled => "police_called",
            MissingStep::Found => "found",
            MissingStep::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<MissingStep> {
        MissingStep::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim())
    }

    /// As a timeline reads it.
    pub fn label(self) -> String {
        match self {
            MissingStep::ToldOffice => "The office was told".into(),
            MissingStep::ToldSafeguardingLead => "The designated safeguarding lead was told".into(),
            MissingStep::ToldHeadteacher => "The headteacher was told".into(),
            MissingStep::Searched(area) => format!("Searched {}", area.label()),
            MissingStep::ParentsCalled => "Parents called".into(),
            MissingStep::PoliceCalled => "Police called".into(),
            MissingStep::Found => "Found".into(),
            MissingStep::Closed => "Closed".into(),
        }
    }

    /// Whether the step ends the alert.
    pub fn closes(self) -> bool {
        matches!(self, MissingStep::Found | MissingStep::Closed)
    }
}

/// A step taken, with when it happened and who recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingEntry {
    pub step: MissingStep,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What was done or found: where the pupil was found, who answered, the police reference.
    pub note: String,
    pub recorded: Recorded,
}

/// A missing-pupil alert as stored, with its steps in the order they happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMissingAlert {
    pub id: i64,
    pub report: MissingReport,
    pub steps: Vec<MissingEntry>,
}

impl StoredMissingAlert {
    /// Open until a step finds the pupil or closes the alert.
    pub fn is_open(&self) -> bool {
        !self.steps.iter().any(|s| s.step.closes())
    }

    /// Whether a step of this kind has been taken.
    pub fn has(&self, step: MissingStep) -> bool {
        self.steps.iter().any(|s| s.step == step)
    }
}

/// A period in which a traveller family is travelling (code `T`), and where they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelRecord {
    pub pupil: PupilId,
    /// The first day of travelling.
    pub from: Date,
    /// The day the family is expected back, or came back; `None` while not known.
    pub to: Option<Date>,
    /// Where the family is, or is going.
    pub whereabouts: String,
    /// The school the pupil is also registered at while travelling, if any.
    pub dual_school: Option<String>,
    pub notes: String,
    /// Who last saved it, and when.
    pub recorded: Recorded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTravel {
    pub id: i64,
    pub record: TravelRecord,
}

impl StoreError {
    /// A sign-out the school does not hold.
    pub fn unknown_sign_out(id: i64, school: SchoolId) -> StoreError {
        StoreError::NotFound(format!("sign-out {id} in school {school}"))
    }

    /// A pupil signed out again before they were signed back in.
    pub fn still_signed_out(pupil: PupilId, date: Date) -> StoreError {
        StoreError::Conflict(format!(
            "pupil {pupil} is already signed out on {date} and has not been signed back in"
        ))
    }

    /// A sign-in for a sign-out that has one.
    pub fn signed_in_already(id: i64) -> StoreError {
        StoreError::Conflict(format!("sign-out {id} has already been signed back in"))
    }

    /// A missing-pupil alert the school does not hold.
    pub fn unknown_missing_alert(id: i64, school: SchoolId) -> StoreError {
        StoreError::NotFound(format!("missing-pupil alert {id} in school {school}"))
    }

    /// A second open alert for one pupil.
    pub fn missing_alert_open(pupil: PupilId) -> StoreError {
        StoreError::Conflict(format!(
            "pupil {pupil} already has an open missing-pupil alert"
        ))
    }

    /// A step for an alert that has closed.
    pub fn missing_alert_closed(id: i64) -> StoreError {
        StoreError::Conflict(format!("missing-pupil alert {id} is closed"))
    }

    /// A traveller record the school does not hold, or one of another pupil's.
    pub fn unknown_travel(id: i64, school: SchoolId) -> StoreError {
        StoreError::NotFound(format!("traveller record {id} in school {school}"))
    }
}

/// A time of day as the SQLite backend keeps it (`HH:MM:SS`).
pub fn format_time_of_day(time: NaiveTime) -> String {
    time.format("%H:%M:%S").to_string()
}

/// Reads a time of day kept as `HH:MM:SS` (or `HH:MM`).
pub fn parse_time_of_day(text: &str) -> crate::Result<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .map_err(|_| StoreError::unreadable("time of day", text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_read_back() {
        for r in SignOutReason::ALL {
            assert_eq!(SignOutReason::parse(r.as_str()), Some(r));
        }
        for s in MissingStep::ALL {
            assert_eq!(MissingStep::parse(s.as_str()), Some(s));
        }
        assert_eq!(SignOutReason::parse("holiday"), None);
        assert_eq!(MissingStep::parse(""), None);
        let t = NaiveTime::from_hms_opt(13, 5, 0).unwrap();
        assert_eq!(parse_time_of_day(&format_time_of_day(t)).unwrap(), t);
        assert!(parse_time_of_day("25:00").is_err());
    }
}
