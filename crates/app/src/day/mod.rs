//! The school day (follow-up.md, "During the day" and "Traveller absence"), independent of who
//! asks: what a pupil's time out of school does to the register ([`signing`]), the search for a
//! missing pupil ([`missing`]), and a traveller child's attendances against the line a s444(6)
//! defence needs ([`travel`]).
//!
//! The use cases that check who may do these are in `cases::day`.

pub mod missing;
pub mod signing;
pub mod travel;

pub use missing::{checklist, ChecklistItem};
pub use signing::{
    covered_sessions, plan_sign_in, plan_sign_out, reason_code, Away, SessionEffect, SignOutPlan,
};
pub use travel::{attendance_standing, AttendanceStanding, ATTENDANCES_NEEDED, WARNING_BELOW};
