//! Who may see and do what: roles, their reach over pupils, and the table of routes.
//!
//! | role | pupils reached |
//! |---|---|
//! | administrator, headteacher, attendance officer, office | every pupil of their school |
//! | head of year | the pupils of their year groups |
//! | form tutor | the pupils of their forms |
//! | parent | their own children |
//! | governor | none: figures only, never a name or UPN |

pub use rollcall_app::Reach;
use rollcall_core::{Pupil, Role};
use rollcall_store::{PupilId, SchoolId};

use crate::auth::Principal;
use crate::error::WebError;

pub const ALL_STAFF: &[Role] = &[
    Role::Administrator,
    Role::Headteacher,
    Role::AttendanceOfficer,
    Role::HeadOfYear,
    Role::FormTutor,
    Role::Office,
];
pub const SENIOR: &[Role] = &[Role::Headteacher, Role::AttendanceOfficer, Role::HeadOfYear];
pub const FIGURES: &[Role] = &[
    Role::Administrator,
    Role::Headteacher,
    Role::AttendanceOfficer,
    Role::HeadOfYear,
    Role::Governor,
];

impl Principal {
    pub fn reach(&self) -> Reach {
        let u = &self.user.user;
        Reach::of(u.role, &u.year_groups, &u.forms, &u.children)
    }

    /// Whether the user may see this pupil of their school.
    pub fn reaches(&self, id: PupilId, pupil: &Pupil) -> bool {
        match self.reach() {
            Reach::School => true,
            Reach::YearGroups(g) => g.contains(&pupil.year_group),
            Reach::Forms(f) => pupil.form.as_ref().is_some_and(|form| f.contains(form)),
            Reach::Children(c) => c.contains(&id),
            Reach::Nobody => false,
        }
    }

    /// Refuses unless the user reaches the pupil.
    pub fn require_pupil(&self, id: PupilId, pupil: &Pupil) -> Result<(), WebError> {
        if self.reaches(id, pupil) {
            Ok(())
        } else {
            Err(WebError::Forbidden)
        }
    }

    /// The school the user works in. Trust-wide users act on the database's only school.
    pub fn school(&self, schools: &[rollcall_store::School]) -> Result<SchoolId, WebError> {
        match self.user.user.school {
            Some(s) => Ok(s),
            None if schools.len() == 1 => Ok(schools[0].id),
            None => Err(WebError::BadRequest(
                "choose a school: this account reaches several".into(),
            )),
        }
    }
}

/// One route and the roles it admits; a test visits each as every role.
#[derive(Debug, Clone, Copy)]
pub struct RouteRule {
    pub method: &'static str,
    /// The route as the browser asks for it; `{upn}`, `{form}`, `{date}`, `{session}` stand for a
    /// pupil, form, school day and session of the test school.
    pub path: &'static str,
    pub roles: &'static [Role],
}

/// Every route of the application with the roles it admits.
pub fn route_table() -> Vec<RouteRule> {
    [
        crate::auth::ACCESS,
        crate::registers::ACCESS,
        crate::office::ACCESS,
        crate::calling::ACCESS,
        crate::pupils::ACCESS,
        crate::overview::ACCESS,
        crate::admin::ACCESS,
        crate::api::ACCESS,
    ]
    .concat()
}
