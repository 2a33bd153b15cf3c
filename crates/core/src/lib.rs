//! The attendance register's domain, free of I/O.
//!
//! Everything Rollcall knows about attendance lives here: the national codes and their statistical
//! categories ([`codes`]), the school calendar and which sessions are school sessions for a pupil
//! ([`calendar`]), the admission register ([`pupil`]), marks and amendments ([`marks`]) and the DfE
//! statistics computed from them ([`stats`]). Nothing in this crate reads a file, talks to a database
//! or can panic on input: every value from outside is parsed into a type that cannot be invalid.

pub mod calendar;
pub mod codes;
pub mod dates;
pub mod marks;
pub mod pupil;
pub mod roles;
pub mod stats;

pub use calendar::{
    Arrival, Calendar, CalendarError, Closure, HalfTerm, NotSchoolSession, RegisterTimes,
    SessionGrid, SessionSet,
};
pub use codes::{BaseCode, Category, Code, CodeError, CodeWarning};
pub use dates::{parse_date, Date, Session};
pub use marks::{Amendment, Mark, MarkEntry, MarkFact, Recorded};
pub use pupil::{compulsory_school_age, Pupil, PupilError, Sen, Sex, Upn, YearGroup};
pub use roles::Role;
pub use stats::{Counts, GroupStats, Percent};
