//! What a school must notice, and when: the statutory and policy triggers of rules.md, found in
//! the attendance register.
//!
//! [`evaluate`] reads the calendar, each pupil's admission record and marks, and the school's
//! [`Policy`], and returns every [`Finding`] up to an as-of date, each with the [`Evidence`] behind
//! it: the sessions counted, the period looked at and one sentence for people.
//!
//! Like the domain core, this crate is pure: no I/O, no database, no clock, and it never panics on
//! input. Reading a policy file is the application's job; a [`Policy`] here is plain data, checked
//! by [`Policy::validate`], which refuses anything that would loosen a statutory duty.
//!
//! Terms, as rules.md and statistics.md use them:
//! - a **school session** for a pupil is a weekday session inside a half term, not covered by a
//!   closure applying to their year group, while they are on roll;
//! - a **school day** is a day with at least one school session for the pupil;
//! - a **school week** is a Monday–Sunday week with at least one school session for the pupil;
//! - the **unauthorised** codes are `G`, `N`, `O` and `U`.
//!
//! ```
//! use rollcall_core::{parse_date, BaseCode, Calendar, HalfTerm, MarkFact, Pupil, Session, Upn, YearGroup};
//! use rollcall_rules::{evaluate, Policy, PupilRecord, Rule};
//!
//! fn d(s: &str) -> rollcall_core::Date {
//!     parse_date(s).unwrap()
//! }
//! let calendar = Calendar::new(
//!     vec![HalfTerm { name: "Spring 2".into(), start: d("2025-02-24"), end: d("2025-04-04") }],
//!     vec![],
//! )?;
//! let pupil = Pupil::new(
//!     Upn::with_check_letter("822400124001")?,
//!     "Smith",
//!     "Sam",
//!     d("2012-05-01"),
//!     YearGroup::Year(8),
//!     d("2024-09-04"),
//! );
//! // G (holiday not granted) on every session of Monday 3 to Friday 7 March 2025.
//! let marks: Vec<MarkFact> = (3..=7)
//!     .flat_map(|day| Session::BOTH.map(|session| MarkFact {
//!         date: d(&format!("2025-03-0{day}")), session, code: BaseCode::G,
//!     }))
//!     .collect();
//! let upn = pupil.upn.to_string();
//! let records = [PupilRecord { key: &upn, pupil: &pupil, marks: &marks }];
//! let as_of = d("2025-03-07");
//! let alerts: Vec<_> = evaluate(&calendar, &records, &Policy::national(), as_of)
//!     .into_iter()
//!     .filter(|f| f.rule.in_interchange() && f.in_academic_year_of(as_of))
//!     .collect();
//! assert_eq!(alerts[0].rule, Rule::PenaltyThreshold);
//! assert_eq!(alerts[0].id(), format!("penalty_threshold/{upn}/2025-03-07/PM"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod eval;
mod finding;
mod policy;
mod rule;

pub use eval::{evaluate, PupilRecord};
pub use finding::{Evidence, Finding};
pub use policy::{
    Band, LocalPenalty, Period, Policy, PolicyError, Rate, RateError, NATIONAL_PENALTY_SESSIONS,
    NATIONAL_PENALTY_WEEKS,
};
pub use rule::Rule;
