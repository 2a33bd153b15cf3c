//! Who is acting, and what they reach: decided here once, for every page, API call and command.
//!
//! | role | pupils reached |
//! |---|---|
//! | administrator, headteacher, attendance officer, office, safeguarding lead | every pupil of their school |
//! | head of year | the pupils of their year groups |
//! | form tutor | the pupils of their forms |
//! | parent | their own children |
//! | governor | none: figures only, never a name or UPN |
//!
//! Casework ([`Permission::Casework`]: the alerts worklist, cases, contracts) is for the
//! attendance officer, the headteacher, heads of year (the pupils of their year groups only) and
//! the designated safeguarding lead, who must see the cases of pupils whose absence may be a
//! safeguarding concern (severe absence can itself be neglect) and may act on them. Governors,
//! parents, form tutors, the office and administrators never see casework.

use chrono::NaiveDateTime;
use rollcall_core::marks::Recorded;
use rollcall_core::{Pupil, Role, YearGroup};
use rollcall_store::{PupilId, School, SchoolId, User, UserId};

use crate::error::Refusal;

/// What a use case needs of the role of the person asking. A role a permission does not admit is
/// refused before anything is read; reach over pupils is checked after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Anyone signed in: their own account.
    Account,
    /// Take and correct registers (a tutor their forms', a head of year their year groups').
    TakeRegisters,
    /// The office's desk: which registers are not yet taken, and who should take them.
    OfficeDesk,
    /// Follow up absence: sign in late arrivals, record parents' calls, the first-day calling list.
    FollowUp,
    /// Read the record of a pupil in reach: their register, figures and changes.
    ReadPupils,
    /// Search the pupils in reach by name, UPN or form: staff, never a parent or a governor.
    SearchPupils,
    /// A parent's own children and their figures.
    OwnChildren,
    /// The attendance overview and lists of pupils.
    Overview,
    /// The governors' figures: never a pupil's name.
    GovernorFigures,
    /// Figures by group through the API.
    GroupFigures,
    /// Alerts: the statutory and policy triggers, with their evidence.
    Alerts,
    /// Add and change users.
    ManageUsers,
    /// Decide applications for leave of absence.
    DecideLeave,
    /// Sign pupils out during the day and back in, and see who is out.
    SignOut,
    /// Report a pupil missing in school and record the search, step by step.
    MissingPupils,
    /// Track traveller families (code `T`) and their children's attendances.
    Travellers,
    /// Keep pupils' contacts up to date: a pupil's contacts, the pupils whose contacts fall
    /// short, and the changes parents propose to their own details.
    Contacts,
    /// A parent's own contact details: propose a change, and see what became of it.
    OwnDetails,
    /// The safeguarding view of first-day calling: vulnerable pupils' calling status and the
    /// steps taken when nobody is reached (flags, home visits, enquiries), school-wide.
    Safeguarding,
    /// See notices to improve and penalty notices, with their periods, outcomes and payments.
    Notices,
    /// Issue, settle and withdraw notices to improve and penalty notices: the headteacher, as
    /// the school's authorised officer.
    IssueNotices,
    /// Casework: the alerts worklist, cases and their actions, contracts and the owner's list.
    Casework,
    /// Rewards and eligibility by attendance: who earns each reward, certificates, and who is
    /// eligible for a trip or event (a head of year for their year groups, a tutor their forms).
    Rewards,
    /// Set a pupil's own attendance target for eligibility, with the reason.
    AttendanceTargets,
}

impl Permission {
    pub const ALL: [Permission; 24] = [
        Permission::Account,
        Permission::TakeRegisters,
        Permission::OfficeDesk,
        Permission::FollowUp,
        Permission::ReadPupils,
        Permission::SearchPupils,
        Permission::OwnChildren,
        Permission::Overview,
        Permission::GovernorFigures,
        Permission::GroupFigures,
        Permission::Alerts,
        Permission::ManageUsers,
        Permission::DecideLeave,
        Permission::SignOut,
        Permission::MissingPupils,
        Permission::Travellers,
        Permission::Contacts,
        Permission::OwnDetails,
        Permission::Safeguarding,
        Permission::Notices,
        Permission::IssueNotices,
        Permission::Casework,
        Permission::Rewards,
        Permission::AttendanceTargets,
    ];

    /// The roles the permission admits.
    pub const fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Permission::Account => &Role::ALL,
            Permission::TakeRegisters => &[
                Headteacher,
                AttendanceOfficer,
                HeadOfYear,
                FormTutor,
                Office,
            ],
            Permission::OfficeDesk => &[Headteacher, AttendanceOfficer, Office],
            Permission::FollowUp => &[
                Headteacher,
                AttendanceOfficer,
                HeadOfYear,
                Office,
                SafeguardingLead,
            ],
            Permission::ReadPupils => &[
                Administrator,
                Headteacher,
                AttendanceOfficer,
                HeadOfYear,
                FormTutor,
                Office,
                SafeguardingLead,
                Parent,
            ],
            Permission::SearchPupils => &[
                Administrator,
                Headteacher,
                AttendanceOfficer,
                HeadOfYear,
                FormTutor,
                Office,
                SafeguardingLead,
            ],
            Permission::OwnChildren => &[Parent],
            Permission::Overview => &[Administrator, Headteacher, AttendanceOfficer, HeadOfYear],
            Permission::GovernorFigures => &[Administrator, Headteacher, Governor],
            Permission::GroupFigures => &[
                Administrator,
                Headteacher,
                AttendanceOfficer,
                HeadOfYear,
                Governor,
            ],
            Permission::Alerts => &[Headteacher, AttendanceOfficer, HeadOfYear],
            Permission::ManageUsers => &[Administrator],
            Permission::DecideLeave => &[Headteacher],
            // The attendance officer and heads of year (their year groups) follow the notices of
            // the cases they work; only the headteacher issues and settles them.
            Permission::Notices => &[Headteacher, AttendanceOfficer, HeadOfYear],
            Permission::IssueNotices => &[Headteacher],
            // The office signs pupils out; senior and pastoral staff and the designated
            // safeguarding lead may too. A head of year acts for the pupils of their year groups.
            Permission::SignOut | Permission::MissingPupils | Permission::Travellers => &[
                Headteacher,
                AttendanceOfficer,
                HeadOfYear,
                Office,
                SafeguardingLead,
            ],
            // The office keeps contacts; senior and pastoral staff and the designated
            // safeguarding lead may too, a head of year for the pupils of their year groups.
            Permission::Contacts => &[
                Headteacher,
                AttendanceOfficer,
                HeadOfYear,
                Office,
                SafeguardingLead,
            ],
            Permission::OwnDetails => &[Parent],
            Permission::Safeguarding => &[Headteacher, AttendanceOfficer, SafeguardingLead],
            // The designated safeguarding lead sees cases: persistent and severe absence can be
            // a safeguarding concern, and they act on the cases of vulnerable pupils.
            Permission::Casework => &[Headteacher, AttendanceOfficer, HeadOfYear, SafeguardingLead],
            // The staff who give rewards; governors see no names, parents nothing.
            Permission::Rewards => &[Headteacher, AttendanceOfficer, HeadOfYear, FormTutor],
            Permission::AttendanceTargets => &[Headteacher, AttendanceOfficer],
        }
    }

    pub fn admits(self, role: Role) -> bool {
        self.roles().contains(&role)
    }
}

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
            Role::Administrator
            | Role::Headteacher
            | Role::AttendanceOfficer
            | Role::Office
            | Role::SafeguardingLead => Reach::School,
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

    /// Refuses unless the actor's role has the permission.
    pub fn require(&self, permission: Permission) -> Result<(), Refusal> {
        if permission.admits(self.role) {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }

    /// The school the actor acts on: their own, or for trust-wide staff the database's only
    /// school.
    pub fn school_in(&self, schools: &[School]) -> Result<SchoolId, Refusal> {
        match (self.school, schools) {
            (Some(s), _) => Ok(s),
            (None, [only]) => Ok(only.id),
            (None, _) => Err(Refusal::invalid(
                "choose a school: this account reaches several",
            )),
        }
    }

    /// Whether the actor takes the registers of `form`, whose pupils on roll that day are of
    /// `year_groups`: a tutor their own forms, a head of year the forms all of whose pupils are
    /// in their year groups, the office and senior staff any. The one rule for every page, API
    /// call and list of registers.
    pub fn takes_registers_of(&self, form: &str, year_groups: &[YearGroup]) -> bool {
        if !Permission::TakeRegisters.admits(self.role) {
            return false;
        }
        match &self.reach {
            Reach::School => true,
            Reach::Forms(forms) => forms.iter().any(|f| f == form),
            Reach::YearGroups(groups) => {
                !year_groups.is_empty() && year_groups.iter().all(|y| groups.contains(y))
            }
            Reach::Children(_) | Reach::Nobody => false,
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

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_core::Role::*;

    fn actor(role: Role, reach: Reach) -> Actor {
        Actor {
            user: Some(UserId(1)),
            name: "Sam".into(),
            role,
            school: Some(SchoolId(1)),
            reach,
        }
    }

    /// Who may do what, as a table: each row is a permission and the roles it admits.
    #[test]
    fn permissions_as_a_table() {
        let table: &[(Permission, &[Role])] = &[
            (Permission::Account, &Role::ALL),
            (
                Permission::TakeRegisters,
                &[
                    Headteacher,
                    AttendanceOfficer,
                    HeadOfYear,
                    FormTutor,
                    Office,
                ],
            ),
            (
                Permission::OfficeDesk,
                &[Headteacher, AttendanceOfficer, Office],
            ),
            (
                Permission::FollowUp,
                &[
                    Headteacher,
                    AttendanceOfficer,
                    HeadOfYear,
                    Office,
                    SafeguardingLead,
                ],
            ),
            (
                Permission::ReadPupils,
                &[
                    Administrator,
                    Headteacher,
                    AttendanceOfficer,
                    HeadOfYear,
                    FormTutor,
                    Office,
                    SafeguardingLead,
                    Parent,
                ],
            ),
            (
                Permission::SearchPupils,
                &[
                    Administrator,
                    Headteacher,
                    AttendanceOfficer,
                    HeadOfYear,
                    FormTutor,
                    Office,
                    SafeguardingLead,
                ],
            ),
            (Permission::OwnChildren, &[Parent]),
            (
                Permission::Overview,
                &[Administrator, Headteacher, AttendanceOfficer, HeadOfYear],
            ),
            (
                Permission::GovernorFigures,
                &[Administrator, Headteacher, Governor],
            ),
            (
                Permission::GroupFigures,
                &[
                    Administrator,
                    Headteacher,
                    AttendanceOfficer,
                    HeadOfYear,
                    Governor,
                ],
            ),
            (
                Permission::Alerts,
                &[Headteacher, AttendanceOfficer, HeadOfYear],
            ),
            (Permission::ManageUsers, &[Administrator]),
            (Permission::DecideLeave, &[Headteacher]),
            (
                Permission::Notices,
                &[Headteacher, AttendanceOfficer, HeadOfYear],
            ),
            (Permission::IssueNotices, &[Headteacher]),
            (
                Permission::SignOut,
                &[
                    Headteacher,
                    AttendanceOfficer,
                    HeadOfYear,
                    Office,
                    SafeguardingLead,
                ],
            ),
            (
                Permission::MissingPupils,
                &[
                    Headteacher,
                    AttendanceOfficer,
                    HeadOfYear,
                    Office,
                    SafeguardingLead,
                ],
            ),
            (
                Permission::Travellers,
                &[
                    Headteacher,
                    AttendanceOfficer,
                    HeadOfYear,
                    Office,
                    SafeguardingLead,
                ],
            ),
            (
                Permission::Contacts,
                &[
                    Headteacher,
                    AttendanceOfficer,
                    HeadOfYear,
                    Office,
                    SafeguardingLead,
                ],
            ),
            (Permission::OwnDetails, &[Parent]),
            (
                Permission::Safeguarding,
                &[Headteacher, AttendanceOfficer, SafeguardingLead],
            ),
            (
                Permission::Casework,
                &[Headteacher, AttendanceOfficer, HeadOfYear, SafeguardingLead],
            ),
            (
                Permission::Rewards,
                &[Headteacher, AttendanceOfficer, HeadOfYear, FormTutor],
            ),
            (
                Permission::AttendanceTargets,
                &[Headteacher, AttendanceOfficer],
            ),
        ];
        assert_eq!(table.len(), Permission::ALL.len());
        for (permission, admitted) in table {
            for role in Role::ALL {
                let a = actor(role, Reach::of(role, &[], &[], &[]));
                assert_eq!(
                    a.require(*permission).is_ok(),
                    admitted.contains(&role),
                    "{permission:?} for {role}"
                );
            }
        }
    }

    /// Whose registers each reach takes, as a table.
    #[test]
    fn who_takes_which_register() {
        let y9: YearGroup = "9".parse().unwrap();
        let y10: YearGroup = "10".parse().unwrap();
        let tutor = actor(FormTutor, Reach::Forms(vec!["9A".into()]));
        let hoy = actor(HeadOfYear, Reach::YearGroups(vec![y9]));
        let office = actor(Office, Reach::School);
        let governor = actor(Governor, Reach::Nobody);
        let admin = actor(Administrator, Reach::School);
        let parent = actor(Parent, Reach::Children(vec![PupilId(3)]));
        let rows: &[(&Actor, &str, &[YearGroup], bool)] = &[
            (&tutor, "9A", &[y9], true),
            (&tutor, "9B", &[y9], false),
            (&hoy, "9B", &[y9], true),
            // A form with a pupil of another year is not wholly the head of year's.
            (&hoy, "9C", &[y9, y10], false),
            (&hoy, "10A", &[y10], false),
            // A form with nobody on roll that day is nobody's by year group.
            (&hoy, "9D", &[], false),
            (&office, "10A", &[y10], true),
            (&governor, "9A", &[y9], false),
            // Administrators manage the school; they do not take registers.
            (&admin, "9A", &[y9], false),
            (&parent, "9A", &[y9], false),
        ];
        for (who, form, years, takes) in rows {
            assert_eq!(
                who.takes_registers_of(form, years),
                *takes,
                "{} and {form}",
                who.role
            );
        }
    }

    #[test]
    fn the_school_acted_on() {
        let school = |id| School {
            id: SchoolId(id),
            details: rollcall_store::SchoolDetails {
                name: format!("School {id}"),
                urn: None,
                la: None,
                estab: None,
            },
            register_times: None,
        };
        let mut trust = actor(Headteacher, Reach::School);
        trust.school = None;
        assert_eq!(trust.school_in(&[school(4)]).unwrap(), SchoolId(4));
        assert!(trust.school_in(&[school(4), school(5)]).is_err());
        let own = actor(Headteacher, Reach::School);
        assert_eq!(own.school_in(&[school(4), school(5)]).unwrap(), SchoolId(1));
    }
}
