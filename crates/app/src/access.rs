//! Who is acting, and what they reach: decided here once, for every page, API call and command.
//!
//! | role | pupils reached |
//! |---|---|
//! | administrator, headteacher, attendance officer, office | every pupil of their school |
//! | head of year | the pupils of their year groups |
//! | form tutor | the pupils of their forms |
//! | parent | their own children |
//! | governor | none: figures only, never a name or UPN |

use chrono::NaiveDateTime;
use rollcall_core::marks::Recorded;
use rollcall_core::{Pupil, Role, YearGroup};
use rollcall_store::{PupilId, SchoolId, User, UserId};

/// The pupils a user reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Every pupil of the school.
    School,
    YearGroups(Vec<YearGroup>),
    Forms(Vec<String>),
    Children(Vec<PupilId>),
    /// No pupil at all.
    Nobody,
}

impl Reach {
    /// What a user of `role` reaches, given their year groups, forms and children.
    pub fn of(
        role: Role,
        year_groups: &[YearGroup],
        forms: &[String],
        children: &[PupilId],
    ) -> Reach {
        match role {
            Role::Administrator | Role::Headteacher | Role::AttendanceOfficer | Role::Office => {
                Reach::School
            }
            Role::HeadOfYear => Reach::YearGroups(year_groups.to_vec()),
            Role::FormTutor => Reach::Forms(forms.to_vec()),
            Role::Parent => Reach::Children(children.to_vec()),
            Role::Governor => Reach::Nobody,
        }
    }
}

/// Who is asking for a use case: their name and role for the register's audit trail, and the
/// school and pupils they reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The signed-in user; `None` for someone at the command line.
    pub user: Option<UserId>,
    pub name: String,
    pub role: Role,
    /// The school they work in; `None` for trust-wide staff and the command line.
    pub school: Option<SchoolId>,
    pub reach: Reach,
}

impl Actor {
    /// A signed-in user.
    pub fn of_user(user: &User) -> Actor {
        let u = &user.user;
        Actor {
            user: Some(user.id),
            name: u.display_name.clone(),
            role: u.role,
            school: u.school,
            reach: Reach::of(u.role, &u.year_groups, &u.forms, &u.children),
        }
    }

    /// Someone running a command on the school's database, named for the audit trail. They reach
    /// the whole school.
    pub fn command_line(name: impl Into<String>, role: Role) -> Actor {
        Actor {
            user: None,
            name: name.into(),
            role,
            school: None,
            reach: Reach::School,
        }
    }

    /// Whether the actor reaches this pupil of their school.
    pub fn reaches(&self, id: PupilId, pupil: &Pupil) -> bool {
        match &self.reach {
            Reach::School => true,
            Reach::YearGroups(g) => g.contains(&pupil.year_group),
            Reach::Forms(f) => pupil.form.as_ref().is_some_and(|form| f.contains(form)),
            Reach::Children(c) => c.contains(&id),
            Reach::Nobody => false,
        }
    }

    /// The entry in the audit trail for a change the actor makes at `now` (school time).
    pub fn recorded_at(&self, now: NaiveDateTime) -> Recorded {
        Recorded {
            by: self.name.clone(),
            role: self.role.title().to_owned(),
            at: rollcall_core::dates::instant_of_school_time(now),
        }
    }
}
